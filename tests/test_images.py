"""The real-images view (pages/images): Table 1, the experiment's figures on a small Fashion-MNIST set, what a
state without images and a set that is not installed get."""
import numpy as np
import pytest

from components.state import default_state, parse_state
from core.datasets import top_eigenvalue
from core.image_sets import class_images
from core.targets import SPECS
from tests.figures import trace_arrays
from tests.installed import missing

FASHION = pytest.mark.skipif(bool(missing("fashion_mnist")), reason=missing("fashion_mnist") or "")


def test_a_set_that_is_not_installed_falls_back_with_how_to_install_it(monkeypatch):
    import dataclasses
    gone = dataclasses.replace(SPECS["fashion_mnist"], missing=lambda: "Fashion-MNIST is not installed (here): do X")
    monkeypatch.setitem(SPECS, "fashion_mnist", gone)
    state, notices = parse_state({"target": "fashion_mnist", "cls": "17", "process": "VP"})
    assert state.target == "digits" and state.digit_classes == "17" and state.process == "VP"
    assert notices == ["Fashion-MNIST is not installed (here): do X. Showing scikit-learn's 8×8 digits of the same "
                       "classes instead."]


def test_image_targets_take_their_dimension_from_the_side():
    state, notices = parse_state({"target": "fashion_mnist", "side": "28", "d": "3"})
    assert (state.d, state.image_shape) == (784, (28, 28)) and notices == ["Images of side 28 live in d = 784."]
    state, notices = parse_state({"target": "fashion_mnist", "side": "31", "n": "50000"})
    assert (state.image_side, state.d, state.n) == (32, 1024, 10_000)
    assert notices == ["image side = 31 is not one of 28, 32: using 32.",
                       "Fashion-MNIST takes sample count n from 20 to 10000: set to 10000."]


@FASHION
def test_table_one_has_the_state_the_papers_preprocessing_and_the_papers_rows(app_context):
    from pages.images import _model
    from pages.images.page import table_one
    state = parse_state({"target": "fashion_mnist", "n": "400", "side": "28"})[0]
    row = _model.state_row(state)
    points, _ = class_images("fashion-mnist", (0, 1), 400, 28, 0)
    assert (row.n, row.d) == (400, 784)
    assert row.lam == pytest.approx(top_eigenvalue(points.astype(float)), rel=1e-9)     # Λ against numpy
    assert row.t_s_lab == pytest.approx(0.5 * np.log1p(row.lam))
    assert row.t_s_paper == pytest.approx(0.5 * np.log(row.lam))
    paper = _model.preprocessed_rows()[0]
    assert (paper.n, paper.d) == (10_000, 1_024) and 10 < paper.lam < 25       # T-shirt/trouser, pixels / 255
    text = repr(table_one(state.raw()))
    for name, _n, _d, lam, t_s in _model.PAPER_TABLE:
        assert name in text and f"{lam:.3g}" in text and f"{t_s:.3g}" in text


def test_a_state_without_images_gets_links_and_no_job(app_context):
    from pages.images import page
    state = default_state("circle")
    assert not page.JOB.applies(state)
    *figures, caption, choose = page.render_images(None, state.raw(), 0.3)
    text = repr(choose)
    assert "is not" in text and "target=fashion_mnist" in text and "target=digits" in text
    assert page.JOB.applies(parse_state({"target": "digits"})[0])


@FASHION
def test_the_experiment_on_a_small_set_draws_finite_figures(app_context, monkeypatch):
    """n = 60 T-shirts and trousers at 28 × 28, 60 trajectories of 40 steps: every figure finite, φ and φ_C in
    [0, 1] and 1 at the earliest clone time (both copies have collapsed by then: t = 0.02 t_s), the pictures' last
    column on a training image."""
    from pages.images import _model, page
    monkeypatch.setattr(_model, "PAIRS", 60)
    monkeypatch.setattr(_model, "OTHER_PAIRS", 60)
    monkeypatch.setattr(_model, "STEPS", 40)
    monkeypatch.setattr(_model, "ENTROPY_SAMPLES", 60)
    state = parse_state({"target": "fashion_mnist", "n": "60", "side": "28", "process": "VP"})[0]
    result = _model._compute(_model.JOB.inputs(state))
    reg = result.regimes
    assert [c.name for c in result.curves] == ["Fashion-MNIST", "Handwritten digits (8×8)"]
    for phi in (reg.phi, reg.phi_c):
        assert np.all((phi >= 0) & (phi <= 1)) and phi[-1] == 1.0
    assert np.all(reg.pictures.top_weight[-1, :, 0] > 0.99)
    monkeypatch.setattr(type(page.JOB), "stored", lambda _job, _state: result)
    *figures, caption, choose = page.render_images("ready", state.raw(), 0.5)
    assert choose is None and "t_s" in caption
    for fig in figures:
        for kind, name, _, a in trace_arrays(fig):
            a = np.asarray(a, float)
            assert np.isfinite(a[~np.isnan(a)]).all() and (kind == "heatmap" or np.isfinite(a).all()), name
