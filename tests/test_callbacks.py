"""Callbacks called as plain functions (@callback functions stay callable)."""
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import no_update

from components.state import default_state
from components.typed_arrays import unpacked
from tests.figures import assert_plotly_reads_back, trace_arrays


def test_landscape_callbacks_return_finite_figures(app_context):
    from pages.landscape import page as landscape
    for state in (default_state("circle"), default_state("two_deltas").replace(t=1e-3),
                  default_state("hypersphere").replace(t=100.0, process="VP"),
                  default_state("sphere_points").replace(d=10, n=50, t=0.05)):
        fig, caption, _ = landscape.render_landscape(state.replace(hopfield="on"), state.t, None)
        assert caption                  # the memoized callback answers plain dicts (components.cache)
        for kind, name, _, a in trace_arrays(fig):
            if kind == "scatter" and name == "score direction":
                a = a[~np.isnan(a)]  # NaN separates arrows (deliberate gaps)
            assert np.isfinite(a).all(), (state.target, name)
        strip = landscape.render_strip(state)
        assert len([t for t in strip["data"] if t["type"] in ("heatmap", "scatter")]) == 5


def test_probe_callbacks(app_context):
    from pages.landscape import page as landscape
    state = default_state("circle")
    probe = landscape.set_probe({"points": [{"x": 0.9, "y": 0.1}]}, state)
    assert probe == {"d": 2, "uv": [0.9, 0.1]}
    assert landscape.set_probe({"points": []}, state) is no_update
    assert landscape.set_probe("garbage", state) is no_update
    fig, readout = landscape.render_probe(state, None, probe, state.t)
    weights = unpacked(fig["data"][0]["y"]).astype(float)
    assert weights.sum() <= 1 + 1e-6 and weights[0] == weights.max()
    fig, readout = landscape.render_probe(state, None, {"d": 2, "uv": "bad"}, state.t)
    assert "No probe" in readout


def _finite_figure(fig):
    """Every numeric array in the figure is finite, except NaN used as a line break; plotly reads it back."""
    assert_plotly_reads_back(fig)
    for kind, name, _, a in trace_arrays(fig):
        assert not np.isinf(a).any(), name
        if kind != "scatter":      # scatter lines use NaN gaps deliberately
            assert np.isfinite(a).all(), (kind, name)


@pytest.mark.parametrize("raw", [
    {"target": "two_deltas", "t": "0.001"}, {"target": "two_deltas", "t": "100", "process": "VP"},
    {"target": "two_deltas", "pw": "0.9", "h": "-5"}, {"target": "hypersphere", "d": "50"},
    {"target": "circle", "n": "7", "t": "0.001"}, {"target": "gaussian_points", "n": "100000", "d": "3"},
])
def test_bifurcation_and_entropy_render_finite(app_context, raw):
    from components.state import parse_state
    from pages.bifurcation import page as bifurcation
    from pages.entropy import page as entropy
    state, _ = parse_state(raw)
    for fig in bifurcation.render_diagram(None, state, state.t)[:5]:
        _finite_figure(fig)
    if state.n * state.d <= 1000:       # the entropy profile of a 10⁵-point set is a long job
        from pages.entropy._model import JOB as ENTROPY
        ENTROPY.result(state)
        for fig in entropy.render_profile(None, state.replace(time_axis="entropic"), state.t)[:3]:
            _finite_figure(fig)


@pytest.mark.parametrize("raw", [
    {"spins": "16", "J": "3", "temp": "0.05", "t": "0.001", "sigma": "0.05", "K": "2", "w": "0.1"},
    {"spins": "1000", "J": "3", "temp": "5", "t": "100", "sigma": "20", "K": "5000"},
    {"spins": "1", "J": "0", "process": "VP"}, {"spins": "17", "temp": "1", "J": "1"},
])
def test_ising_page_renders_finite(app_context, raw):
    from components.state import parse_state
    from pages.ising import page as ising
    from pages.ising._model import BATH_JOB
    state, _ = parse_state(raw)
    (target, diagram), (response, caption) = ising.render_ising(state, state.t), \
        ising.render_ising_now(state, state.t)
    for fig in (target, response, diagram):
        _finite_figure(fig)
    assert ("enumeration" in caption[-1]) == (state.spins <= 16)
    if state.replicas <= 100:                      # the K = 5,000 bath is a 4 s job: bench/ising.py times it
        BATH_JOB.result(state)
        figs = [*ising.render_bath(None, state, state.t), *ising.render_bath_now(None, state, state.t)]
        for fig in figs[:4]:
            _finite_figure(fig)
        assert "T_c = w" in figs[4]


def test_landscape_caption_counts_fixed_points_only_when_searched(app_context):
    from components.state import parse_state
    from pages.landscape import page as landscape
    big, _ = parse_state({"target": "gaussian_points", "d": "200", "n": "50", "t": "1"})
    caption = " ".join(landscape.render_landscape(big, big.t, None)[1])
    assert "stable fixed point(s)" not in caption and "not shown for this size" in caption
    small, _ = parse_state({"target": "circle", "t": "0.25"})
    assert "4 stable fixed point(s)" in " ".join(landscape.render_landscape(small, small.t, None)[1])
    for query in ({"target": "two_deltas", "t": "1"}, {"target": "two_deltas", "process": "FM", "t": "0.5"}):
        at, _ = parse_state(query)           # exactly t_c: one flat point, said so (issue 28)
        caption = " ".join(landscape.render_landscape(at, at.t, None)[1])
        assert "at t_c" in caption and "0 stable fixed point(s)" in caption and "1 marginal" in caption, caption


def test_particles_caption_says_a_law_does_not_collapse(app_context):
    from components.state import parse_state
    from pages.particles import page as particles
    state, _ = parse_state({"target": "mixture", "process": "VP", "t": "0.5"})
    payload, _ = particles.send_run(None, state.replace(particles=500, dynamics="sde"), 0)
    caption = " ".join(particles.render_side(payload, state.replace(particles=500, dynamics="sde"), state.t, 0)[2])
    assert "No collapse" in caption and "t_C = 0" not in caption


@pytest.mark.parametrize("raw", [{"target": "gaussian_points", "d": "3", "n": "24", "process": "VP", "t": "0.05"},
                                 {"target": "sphere_points", "d": "2", "n": "16", "t": "0.001"}])
def test_training_page_renders_finite_and_says_what_it_measured(app_context, raw):
    from components.state import parse_state
    from pages.training import page as training
    from pages.training._model import JOB as TRAINING
    state, _ = parse_state(raw)
    result = TRAINING.result(state.replace(width=256))
    assert result.width == 256 and result.sizes[-1] == result.points.shape[0]
    loss, copies, split, caption = training.render_curves(None, state.replace(width=256), state.t)
    for fig in (loss, copies, split, *training.render_model(None, state.replace(width=256, tau_index=3), state.t)):
        _finite_figure(fig)
    assert "τ_gen" in caption and "p = 256" in caption
    assert np.all((result.copies >= 0) & (result.copies <= 1)) and result.copies_exact >= result.copies[-1, 0]
    # gradient flow lowers the training loss plus its ridge term at every τ (the ridge part is ≤ 10⁻³ here), and
    # at its best τ the model beats the (nearly) untrained one on fresh inputs at every diffusion time
    assert np.all(np.diff(result.train_loss, axis=2) < 1e-3)
    assert np.all(result.test_loss.min(axis=2) < result.test_loss[:, :, 0])
    # a hand-made request: the state's parser reads τ's index (a junk one is the default, 2: τ = 10; 99 the last, ∞)
    for junk, shown in ((None, "10"), ("2", "10"), ("abc", "10"), (99, "∞")):
        chosen = parse_state({**state.raw(), "width": 256, "tau": junk})[0]
        samples = training.render_model(None, chosen, state.t)[0]
        assert samples["layout"]["title"]["text"].startswith(f"model at τ = {shown}:"), junk
    # a junk width is the default width, whose result is not computed here: the page waits for its job
    assert training.render_curves(None, state, state.t)[0]["layout"]["annotations"][0]["text"] == "training…"


@pytest.mark.parametrize("raw,words", [({"target": "mixture", "d": "4"}, "dataset"),
                                       ({"target": "gaussian_points", "d": "100", "n": "50"}, "capped"),
                                       ({"target": "gaussian_points", "n": "1"}, "n ≥ 2"),
                                       ({"target": "two_deltas"}, "whole law"), ({"target": "circle"}, "whole law")])
def test_training_page_refuses_what_it_cannot_train(app_context, raw, words):
    from components.state import parse_state
    from pages.training import page as training
    state, _ = parse_state(raw)
    from pages.training._model import JOB as TRAINING
    assert words in TRAINING.result(state).reason
    caption = str(training.render_curves(None, state, state.t)[3])
    assert words in caption and "Open the preset" in caption           # and a way to a case that trains


def test_home_has_a_card_and_thumbnail_for_every_view(app_context):
    from dash import page_registry

    from pages.home import page as home
    from pages.home._figures import THUMBNAILS
    card_paths = {path for path, _, _ in home.VIEWS}
    # /about, /compare (a frame around two other views), the lessons (tours through the views; the home page
    # points to them) and a lesson's handout have no figure of their own
    views = {p["path"] for p in page_registry.values()
             if p["path"] not in ("/", "/about", "/compare", "/lessons", "/handout")}
    assert card_paths == views == set(THUMBNAILS)


def test_one_dimensional_particles_have_no_invented_axis(app_context):
    from components.state import parse_state
    from pages.particles import page as particles
    state, _ = parse_state({"target": "two_deltas", "d": "1", "t": "0.5"})
    graph = go.Figure(particles.send_run(None, state.replace(particles=500, dynamics="sde"), 0)[1])
    assert graph.layout.yaxis.title.text.startswith("jitter") and graph.layout.xaxis.title.text == "y"


def test_particles_regimes_and_view_say_what_the_run_shows(app_context):
    """The regime label follows the measured ordering: deltas have no regime II (a class is a point);
    the mixture's collapse comes after speciation. Under VP the data are drawn as a(t)·y, and each
    frame's square holds its cloud."""
    from components.state import parse_state
    from pages.particles import page as particles
    deltas, _ = parse_state({"target": "circle", "t": "0.3"})
    payload, _ = particles.send_run(None, deltas.replace(particles=500, dynamics="sde"), 0)
    assert payload["regime"]["breaks"] == [pytest.approx(0.5)]
    assert "each class is one training point" in payload["regime"]["labels"][0]
    caption = " ".join(particles.render_side(payload, deltas.replace(particles=500), deltas.t, 0)[2])
    assert "there is no regime II" in caption
    mixture, _ = parse_state({"target": "mixture_samples", "process": "VP", "d": "10", "n": "200", "t": "0.3"})
    payload, graph = particles.send_run(None, mixture.replace(particles=500, dynamics="ode"), 0)
    t_c, t_s = payload["regime"]["breaks"]
    assert t_c < t_s and payload["regime"]["labels"][0].startswith("III")
    scales, times = np.array(payload["scales"]), np.array(payload["times"])
    np.testing.assert_allclose(scales, np.exp(-times))                 # VP: a(t) = e^{−t}
    data = np.array(payload["data"])
    np.testing.assert_allclose(unpacked(graph["data"][1]["x"]), scales[0] * data[:, 0], rtol=1e-5)
    frames = unpacked(payload["frames"])
    spans = np.array(payload["spans"])
    inside = np.mean(np.abs(frames).max(axis=2) <= spans[:, None], axis=1)
    assert inside.min() > 0.99 and spans.max() > 1.5 * spans.min()     # the view follows the cloud (VP: it grows)


def test_papers_are_cited_by_author_and_year_not_by_seed_number(app_context):
    """Readers know the papers by authors and years: no page, preset, target note or caption says
    "seed" and a paper number (a numbering readers do not have)."""
    import json

    import plotly
    from dash import page_registry

    from components.presets import PRESETS
    from components.state import browser_schema, parse_state
    from pages.particles import page as particles
    shown = [json.dumps(p["layout"]() if callable(p["layout"]) else p["layout"], cls=plotly.utils.PlotlyJSONEncoder)
             for p in page_registry.values()]
    shown += [p.title + p.caption for p in PRESETS] + [json.dumps(browser_schema())]
    state, _ = parse_state({"target": "mixture_samples", "process": "VP", "t": "0.5"})
    payload, figure = particles.send_run(None, state.replace(particles=500, dynamics="sde"), 0)
    shown += [json.dumps(payload), json.dumps(figure, cls=plotly.utils.PlotlyJSONEncoder),
              " ".join(particles.render_side(payload, state.replace(particles=500, dynamics="sde"), state.t, 0)[2])]
    assert not [text for text in shown if re.search(r"seed 00\d", text, re.IGNORECASE)]
    assert "arxiv.org/abs/2402.18491" in shown[[p["path"] for p in page_registry.values()].index("/about")]


def test_particle_experiments_refuse_what_they_cannot_afford(app_context):
    """The sampling-error and guidance panels: a hand-made request with junk settings runs validated, a target
    without classes and a dataset past the budget get a message instead of a minutes-long job."""
    from components.state import parse_state
    from pages.particles import page as particles
    from pages.particles._model import run_params
    junk = parse_state({"particles": "1e99", "dynamics": "ode", "sampler": "rk4", "steps": "nan"})[0]
    assert run_params(junk, "x") == {"particles": 20_000, "sde": False, "offset": 0, "sampler": "euler", "steps": 200,
                                     "schedule": "log"}
    quiet = lambda *_: None  # noqa: E731
    big = default_state("mixture_samples").replace(n=20_000, d=2)
    for fig in (particles.run_sampling_error(quiet, 1, big)[0], particles.run_guidance_sweep(quiet, 1, big)[0]):
        assert "too large for this panel" in fig["layout"]["annotations"][0]["text"]
    plain, line = particles.run_guidance_sweep(quiet, 1, default_state("gaussian_points"))
    assert "no classes" in plain["layout"]["annotations"][0]["text"] and line is None
    small = default_state("two_deltas").replace(weight_plus=0.3, t=0.5)
    fig, verdict = particles.run_sampling_error(quiet, 1, small.replace(dynamics="ode"))
    fig = go.Figure(fig)
    assert [t.name for t in fig.data][:3] == ["Euler–Maruyama", "Heun (2nd order)", "exponential (DDIM)"]
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["uniform in log t", "Karras ρ = 7", "entropic time"]     # one column per step grid
    assert verdict.startswith("Smallest error of E|x|²") and "at 10 steps" in verdict and "at 100 steps" in verdict
    _finite_figure(fig)


def test_guidance_panel_measures_each_schedule_against_the_exact_law(app_context):
    """The guidance sweep on the mixture law: a line per schedule in each panel, the exact law's fraction drawn,
    and a verdict naming the three schedules at the state's w with the window's own negative w."""
    from pages.particles import page as particles
    state = default_state("mixture").replace(guided_class="0", guidance_w=4.0, guidance_schedule="window",
                                             guidance_window=-0.5)
    fig, verdict = particles.run_guidance_sweep(lambda *_: None, 1, state)
    fig = go.Figure(fig)
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"constant w", "negative window (−0.5)", "exact class law"} <= names
    assert verdict.startswith("At w = 4 (the exact class law:") and verdict.count("spread along the class axis") == 3
    assert "negative window (−0.5)" in verdict
    _finite_figure(fig)


def test_training_page_finds_the_two_delta_pitchfork_on_its_grid(app_context):
    # The exact empirical score's split time, counted the page's way (minima from the points on its 16-time
    # grid), brackets science.md §3's t_c (s²(t_c) = Λ = r² for two deltas ±r): within one grid step. (The page
    # itself refuses two deltas, whose points are their whole law: nothing to generalize to.)
    from core.processes import Process
    from core.targets import make_target
    from core.trained import split_time
    from pages.training._model import _minima_count, time_grid
    target, process = make_target("two_deltas", d=1, r=1.0), Process("VE")
    times = time_grid(target, process)
    counts = np.array([_minima_count(target, target.data.points, float(process.s2(t))) for t in times])
    t_c = float(process.time_of_s2(1.0))
    step = times[1] / times[0]
    assert t_c / step < split_time(times, counts) < t_c * step


def test_three_regimes_preset_reaches_regime_three(app_context):
    """The preset's collapse time, eq. 10 and measured, lies inside the run's range (it was 1.25e-4 < t_min with
    n = 1,000: "No measured collapse"), and its caption's numbers are the page's (issue 28)."""
    from components.presets import BY_KEY
    from components.state import parse_query, parse_state
    from pages.particles import page as particles
    preset = BY_KEY["s003-fig1"]
    state = parse_state(parse_query(preset.query)[0])[0]
    _, _, caption, _, _ = particles.render_side({"frames": None}, state, state.t, 0)
    text = "".join(str(c) for c in caption)
    t_s = float(text.split("Speciation t_s = ")[1].split(" ")[0])
    t_c = float(text.split("Collapse t_C = ")[1].split(" ")[0])
    measured = float(text.split("Measured collapse t̂_C = ")[1].split(" ")[0])
    assert 1e-3 < t_c < measured < t_s
    assert f"t_s = ½ log(1 + Λ) ≈ {t_s:.2g}" in preset.caption and f"t_C ≈ {t_c:.2g}" in preset.caption
    assert f"measures ≈ {measured:.1g}" in preset.caption
