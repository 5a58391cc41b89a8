"""No NaN reaches a figure: every control of every page at the ends of its range (t at its minimum
and maximum, d and n at their caps, …) for every target, through the page's own callbacks.
NaN is allowed only where a scatter line uses it as a break, and between the images of an image sheet
(checked by ``finite_figure``)."""
import numpy as np
import pytest
from dash import page_registry

from components.plotting import IMAGE_SHEET
from components.state import FIELDS, SHAPE_FIELDS, default_state, parse_state
from core.targets import SPECS
from tests.figures import is_figure, trace_arrays
from tests.installed import missing

# a RuntimeWarning (log of 0, sqrt of a negative step) is how NaN starts: it fails the sweep
pytestmark = [pytest.mark.sweep, pytest.mark.filterwarnings("error::RuntimeWarning")]


def finite_figure(fig):
    """Every numeric array of every trace is free of ±inf, and of NaN except as scatter line breaks."""
    if not is_figure(fig):
        return
    for kind, name, attr, a in trace_arrays(fig):
        assert not np.isinf(a).any(), (kind, name, attr)
        if kind not in ("scatter", "scattergl") and name != IMAGE_SHEET:
            assert np.isfinite(a).all(), (kind, name, attr)
        else:
            assert np.isfinite(a).any(), (name, attr)


def _render_landscape(state):
    from pages.landscape import page as landscape
    figs = [*landscape.render_landscape(state.replace(hopfield="on"), state.t, None)[:1],
            landscape.render_landscape(state.replace(surface="surface"), state.t, None)[0],
            landscape.render_strip(state)]
    return figs + [landscape.render_probe(state, None, {"uv": [0.3, -0.2]}, state.t)[0]]


def _render_bifurcation(state):
    from pages.bifurcation import page as bifurcation
    from pages.bifurcation._model import JOB as BIFURCATION
    BIFURCATION.result(state)
    return bifurcation.render_diagram(None, state, state.t)[:5]


def _render_entropy(state):
    from pages.entropy import page as entropy
    from pages.entropy._model import JOB as ENTROPY
    ENTROPY.result(state)
    entropic = entropy.render_profile(None, state.replace(time_axis="entropic"), state.t)
    return entropic[:3] + entropy.render_profile(None, state, state.t)[4:5]


def _render_memorization(state):
    from pages.memorization import page as memorization
    from pages.memorization._model import JOB as MEMORIZATION
    MEMORIZATION.result(state)
    return memorization.render_memorization(None, state, state.t)[:4]


def _render_particles(state):
    from pages.particles import page as particles
    figs = []
    # the particle count's cap once per target, unguided: a guided run at 20,000 particles is the same code, and
    # at d = 784 four of them were a minute of the sweep
    runs = ((500, "sde"),) if state.guided_class != "none" else ((500, "sde"), (20_000, "ode"))
    for count, dynamics in runs:
        run_state = state.replace(particles=count, dynamics=dynamics)
        payload, graph = particles.send_run(None, run_state, 0)
        figs += [graph, *particles.render_side(payload, run_state, state.t, 0)[:2]]
    return figs


def _render_ising(state):
    from pages.ising import page as ising
    from pages.ising._model import BATH_JOB
    figs = [*ising.render_ising(state, state.t), ising.render_ising_now(state, state.t)[0]]
    if state.replicas <= 1000:                     # the K = 5,000 bath is the same code, 4 s longer
        BATH_JOB.result(state)
        figs += [*ising.render_bath(None, state, state.t), ising.render_bath_now(None, state, state.t)[0]]
    return figs


def _render_training(state):
    from pages.training import page as training
    from pages.training._model import JOB as TRAINING
    TRAINING.result(state.replace(width=256))
    return [*training.render_curves(None, state.replace(width=256), state.t)[:3],
            *training.render_model(None, state.replace(width=256, tau_index=6), state.t)]


RENDER = {"/landscape": _render_landscape, "/bifurcation": _render_bifurcation, "/entropy": _render_entropy,
          "/memorization": _render_memorization, "/particles": _render_particles, "/ising": _render_ising,
          "/training": _render_training}


def _ends(name):
    """The values a control is swept over: its options, or its two ends (t: and two inside)."""
    field = FIELDS[name]
    kind, low, high = field.kind, field.low, field.high
    if kind == "choice":
        return list(low)
    if kind == "text":
        return [field.default]
    if name == "t":
        return [low, 0.03, 1.0, high]
    return [low, high]


#: Pages whose figures come from a background job: every target crosses the whole time range; the
#: other controls are swept to their ends on the targets that use them (each end is a new job,
#: some of ten seconds), d and n to their caps on a dataset, both processes on three targets.
JOB_PAGES = ("/bifurcation", "/entropy", "/memorization", "/particles", "/training")
JOB_FIELDS = {"gaussian_points": ("process", "sigma", "d", "n", "r"), "two_deltas": ("process", "pw", "h"),
              "mixture_samples": ("process", "sc"), "subspace": ("dd",), "hypersphere": ("d",), "digits": ("cls",)}
#: A page's own settings (state fields whose controls live on the page) that change a drawing, not a job.
PAGE_OWN = {"/landscape": ("plot", "hopfield"), "/entropy": ("axis",), "/training": ("tau",)}


def _cases():
    for path in RENDER:
        for target in (["two_deltas"] if path == "/ising" else sorted(SPECS)):
            why = missing(target)
            yield pytest.param(path, target, id=f"{path[1:]}-{target}",
                               marks=pytest.mark.skipif(bool(why), reason=why or ""))


@pytest.mark.parametrize("path,target", _cases())
def test_every_control_at_its_ends_gives_finite_figures(app_context, path, target):
    page = next(p for p in page_registry.values() if p["path"] == path)
    own = page.get("own_target", False)
    fields = [f for f in page.get("controls", ()) if f != "target"
              and (own or f not in SHAPE_FIELDS or f in SPECS[target].uses)]
    if path in JOB_PAGES:
        fields = [f for f in fields if f in ("t",) + JOB_FIELDS.get(target, ())]
    fields += PAGE_OWN.get(path, ())
    base = default_state(target).raw()
    if SPECS[target].image_shape == "square":    # an image set at its full d, but 200 images, not 2,000: n·d is the
        base["n"] = 200                          # cost (~70 s of the run), d what can overflow
    states = [parse_state({**base, field: value})[0] for field in fields for value in _ends(field)]
    if "gc" in page.get("controls", ()) and SPECS[target].classes is not None:
        # guided toward the first class at both ends of w, and under flow matching near t → 1
        states += [parse_state({**base, "gc": "0", "gw": w, **extra})[0]
                   for w in (FIELDS["gw"].low, FIELDS["gw"].high) for extra in ({}, {"process": "FM", "t": 0.999})]
    for state in states:
        for fig in RENDER[path](state):
            finite_figure(fig)
