"""Classifier-free guidance against science.md §9's identities and closed forms."""
import numpy as np
import plotly.graph_objects as go
import pytest
from scipy import special

from core.bifurcation import axis_roots, symmetry_axis
from core.dynamics import initial_particles, reverse_times, reverse_trajectories
from core.guidance import (
    class_names,
    class_target,
    guided_target,
    mixture_guided_roots,
    mixture_guided_score,
    populated_classes,
)
from core.landscape import landscape
from core.processes import Process
from core.sampling import class_share, guidance_sweep, sampling_error
from core.score import free_energy, score
from core.targets import SPECS, make_target

CLASSED = ["two_deltas", "circle", "mixture_samples", "digits", "mixture"]


@pytest.mark.parametrize("key", CLASSED)
def test_classes_partition_the_target(key):
    target = make_target(key, d=3, n=40, seed=2)
    names = class_names(target)
    assert len(names) >= 2
    if target.is_discrete:      # every point in exactly one class, each class normalized
        parts = [class_target(target, c).data for c in range(len(names))]
        assert sum(p.n for p in parts) == target.data.n
        assert all(p.weights.sum() == pytest.approx(1.0) for p in parts)
    with pytest.raises(ValueError):
        class_target(target, len(names))
    assert SPECS["gaussian_points"].classes is None


@pytest.mark.parametrize("key", CLASSED)
@pytest.mark.parametrize("w", [0.0, 1.5])
def test_guided_mean_is_minus_the_gradient_of_the_guided_free_energy(key, w):
    # F̃_w = ½|x̃|² − s²[(1 + w) log Z_c − w log Z] has gradient x̃ − m_w (science.md §9), and the guided score
    # is (1 + w)·score(x|c) − w·score(x).
    target = make_target(key, d=3, n=40, seed=2)
    guided, cls, proc, t = guided_target(target, 0, w), class_target(target, 0), Process("VP"), 0.4
    x = np.random.default_rng(1).standard_normal((5, target.d))
    a, s2 = float(proc.a(t)), float(proc.s2(t))
    mean = guided.posterior(x / a, s2).mean
    h = 1e-5
    for k in range(target.d):
        e = np.zeros(target.d)
        e[k] = h
        grad = (free_energy(guided, proc, x + e, t) - free_energy(guided, proc, x - e, t)) / (2 * h) * a
        np.testing.assert_allclose(grad, x[:, k] / a - mean[:, k], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(score(guided, proc, x, t),
                               (1 + w) * score(cls, proc, x, t) - w * score(target, proc, x, t), rtol=1e-10)


@pytest.mark.parametrize("w", [0.0, 0.5, 2.0, 6.0])
def test_guided_mixture_score_closed_form(w):
    # two-cluster mixture ±m guided to +m: s_w = [a·m((1 + w) − w·tanh(a·m·x/Γ)) − x]/Γ, Γ = a²σ_c² + b².
    target, proc, t = make_target("mixture", d=4, r=0.8, sc=0.5), Process("VP"), 0.3
    x = np.random.default_rng(3).standard_normal((7, 4))
    a, b2 = float(proc.a(t)), float(proc.b2(t))
    exact = mixture_guided_score(x, a, b2, target.display_points[0], 0.25, w)
    np.testing.assert_allclose(score(guided_target(target, 0, w), proc, x, t), exact, rtol=1e-10, atol=1e-12)


def _two_delta_roots(w, temperature):
    """Roots of m = (1 + w) − w·tanh(m/T) by a fine grid and bisection (science.md §9), independent of the kernel."""
    m = np.linspace(-3 * (1 + 2 * abs(w)), 3 * (1 + 2 * abs(w)), 100_001)
    g = m - (1 + w) + w * np.tanh(m / temperature)
    return m[np.flatnonzero(np.sign(g[:-1]) != np.sign(g[1:]))]


@pytest.mark.parametrize("w", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("temperature", [0.2, 0.6, 1.5])
def test_two_delta_guided_fixed_points(w, temperature):
    target = make_target("two_deltas", d=1)
    guided = guided_target(target, 0, w)
    roots = axis_roots(guided, [temperature], symmetry_axis(guided))[0]
    expected = _two_delta_roots(w, temperature)
    assert roots.size == expected.size
    np.testing.assert_allclose(roots, expected, atol=3 * (1 + 2 * w) * 6 / 100_000)


def test_weak_guidance_makes_the_pitchfork_imperfect():
    # −1 < w < 0 (guidance scale 1 + w < 1) acts like the probe field h: m = (1 + w) + |w|·tanh(m/T) has one
    # root above a fold temperature and three below, the fold falling from T = 1 (w = −1, the pitchfork of
    # the unconditional model) as w → 0 (step 0.005 in T).
    def fold_temperature(w):
        temps = np.linspace(0.02, 1.2, 237)
        counts = np.array([_two_delta_roots(w, T).size for T in temps])
        return temps[np.flatnonzero(counts == 3)].max()
    folds = [fold_temperature(w) for w in (-0.99, -0.9, -0.7)]
    assert 1.0 > folds[0] > folds[1] > folds[2] > 0.02
    assert folds[0] > 0.9         # a field h = 0.01: the fold sits ~ (3/2)h^{2/3} below T = 1


@pytest.mark.parametrize("w", [0.0, 0.5, 4.0])
def test_guidance_removes_the_other_well(w):
    # w ≥ 0 with single-point classes: m − m_w(m) is monotone, one fixed point at every temperature.
    assert all(_two_delta_roots(w, T).size == 1 for T in (0.05, 0.3, 1.0, 3.0))


def test_guided_landscape_has_its_minimum_at_the_guided_fixed_point():
    target = make_target("two_deltas", d=1)
    guided, s2 = guided_target(target, 0, 1.0), 1.5
    grid = np.linspace(-4, 4, 8001)[:, None]
    f = landscape(guided, s2, grid).free_energy
    root = _two_delta_roots(1.0, s2)
    assert root.size == 1 and grid[np.argmin(f), 0] == pytest.approx(root[0], abs=2e-3)


def test_guided_particles_land_in_the_class_and_shrink():
    # The guided SDE on the two-cluster mixture (law): w = 0 samples class +m, N(m, σ_c²I) — on the + side with
    # probability Φ(|m|/σ_c), variance σ_c² (Heun, 300 steps); w > 0 keeps every particle on the + side, pushes
    # them away from the other class and shrinks the spread along m only (measured: 0.25 → 0.21 at w = 3).
    target, proc = make_target("mixture", d=2, r=1.0, sc=0.5), Process("VP")
    m_hat = np.ones(2) / np.sqrt(2)
    times = reverse_times(1e-3, 5.0, 300)
    out = {}
    for w in (0.0, 3.0):
        guided = guided_target(target, 0, w)
        x0 = initial_particles(proc, 5.0, target, 4000, np.random.default_rng(0))
        end = reverse_trajectories(guided, proc, x0, times, rng=np.random.default_rng(1), sampler="heun",
                                   record_every=1000).final
        along, across = end @ m_hat, end @ np.array([1, -1]) / np.sqrt(2)
        out[w] = (np.mean(along > 0), along.var(), across.var())
    p_plus = special.ndtr(np.sqrt(2) / 0.5)
    assert abs(out[0.0][0] - p_plus) < 4 * np.sqrt(p_plus * (1 - p_plus) / 4000)
    assert out[0.0][1] == pytest.approx(0.25, rel=0.1)
    assert out[3.0][0] == 1.0
    assert out[3.0][1] < 0.9 * out[0.0][1]
    assert out[3.0][2] == pytest.approx(out[0.0][2], rel=0.1) and out[3.0][2] == pytest.approx(0.25, rel=0.1)


def test_bad_guidance_is_refused():
    target = make_target("two_deltas", d=1)
    for w in (-1.5, np.nan, 1e3):
        with pytest.raises(ValueError):
            guided_target(target, 0, w)
    with pytest.raises(ValueError):
        class_target(make_target("gaussian_points", d=2, n=10), 0)


def test_sampling_error_panel_measures_known_answers():
    # Gaussian under the ODE: the flow is linear, so the control variate leaves no Monte Carlo error and
    # Heun's error falls below Euler's; two weighted deltas: the first class's share is its weight π₊.
    gauss, proc = make_target("subspace", d=2, r=2.0, dd=2), Process("VE")
    res = sampling_error(gauss, proc, ("euler", "heun"), [20, 200], False, 500, 1e-3, 100.0,
                         lambda k: np.random.default_rng(k))
    np.testing.assert_allclose(res.moment_se, 0.0, atol=1e-12)
    assert abs(res.moment[1, 1]) < 3e-3 < abs(res.moment[0, 1]) and abs(res.moment[0, 1]) < abs(res.moment[0, 0])
    assert res.fraction is None
    deltas = make_target("two_deltas", d=1, pw=0.3)
    assert class_share(deltas) == pytest.approx(0.3)
    res = sampling_error(deltas, proc, ("heun",), [200], True, 4000, 1e-3, 25.0, lambda k: np.random.default_rng(k))
    assert abs(res.fraction[0, 0]) < 4 * res.fraction_se[0, 0]
    assert abs(res.moment[0, 0]) < 4 * res.moment_se[0, 0] + 1e-3


def test_sampling_error_reaches_the_orders_on_a_mixture_of_many_points():
    # issue 28: on the two-cluster mixture of 1,000 points a ~2 % Monte Carlo floor hid the step error. Paired
    # with a fine Heun run from the same starts, the ODE's errors fall as 1/N (Euler) and 1/N² (Heun): each
    # 2.5× or 2× more steps divides Euler's by ≈ that and Heun's by ≈ its square (within 25 %).
    target, proc = make_target("mixture_samples", d=2, n=1000, r=1.5, sc=0.5, seed=0), Process("VP")
    steps = [20, 50, 100, 200]
    res = sampling_error(target, proc, ("euler", "heun"), steps, False, 300, 1e-3, 3.0,
                         lambda k: np.random.default_rng(k), reference_steps=1000)
    ratios = np.abs(res.paired[:, :-1] / res.paired[:, 1:])
    growth = np.array(steps[1:]) / np.array(steps[:-1])
    np.testing.assert_allclose(ratios[0], growth, rtol=0.25)
    np.testing.assert_allclose(ratios[1], growth**2, rtol=0.25)
    assert np.all(np.abs(res.paired) > 3 * res.paired_se)                    # resolved, not noise
    assert res.noise_floor > np.abs(res.paired[1, 1:]).max()                  # the exact comparison could not
    sde = sampling_error(target, proc, ("euler",), [20], True, 300, 1e-3, 3.0, lambda k: np.random.default_rng(k),
                         reference_steps=1000)
    assert sde.paired is None and sde.reference_steps is None                 # no pairing without shared noise


def test_guidance_sweep_reads_the_limits():
    # w = −1 is the unconditional model (half the mixture on each side), w = 0 the class (on its side with
    # probability Φ(|m|/σ_c)), w > 0 all of it; the spread is the class's own at w = 0.
    target, proc = make_target("mixture", d=2, r=0.5, sc=0.5), Process("VP")
    sweep = guidance_sweep(target, proc, 0, [-1.0, 0.0, 4.0], "heun", 200, 3000, 1e-3, 5.0,
                           lambda k: np.random.default_rng(k))
    p_side = special.ndtr(np.sqrt(2) * 0.5 / 0.5)
    fraction, se = sweep.fraction[0], sweep.fraction_se[0]
    assert abs(fraction[0] - 0.5) < 4 * se[0]
    assert abs(fraction[1] - p_side) < 4 * se[1]
    assert abs(sweep.exact_fraction - p_side) < 4 * np.sqrt(p_side * (1 - p_side) / 20_000)
    assert fraction[2] > 0.999
    assert sweep.spread[0, 2] < sweep.spread[0, 1]
    # w = 0 samples the class law itself: its spread along the class axis is the exact law's, measured alike
    # (variance ratio of 3,000 samples: s.e. ≈ √(2/3000) ≈ 0.026)
    assert abs(sweep.axis_spread[0, 1] - 1) < 4 * np.sqrt(2 / 3000)


def test_a_negative_window_gives_back_the_spread_that_constant_guidance_takes():
    # Two classes N(±m, 0.6²) in d = 2, guided to +m with w = 3 (VP, 200 Heun steps, 3,000 particles): a constant
    # w shrinks the spread along the class axis by ~20 % (science.md §9: the well is steeper while the other
    # class pulls); guidance before speciation only, then w = −0.25 for Λ/4 ≤ s² < Λ, ends within 4 s.e. of the
    # exact law's (measured: 0.99 against 0.86) and still puts more samples in the class than the class law does.
    target, proc = make_target("mixture", d=2, r=1.0, sc=0.6), Process("VP")
    sweep = guidance_sweep(target, proc, 0, [3.0], "heun", 200, 3000, 1e-3, 5.0, lambda k: np.random.default_rng(k),
                           schedules=("constant", "interval", "window"), w_neg=-0.25)
    se = np.sqrt(2 / 3000 + 2 / 20_000)                       # a variance ratio: 3,000 samples over 20,000 exact ones
    constant, _, window = sweep.axis_spread[:, 0]
    assert constant < 1 - 4 * se
    assert abs(window - 1) < 4 * se and window > constant + 4 * se
    assert sweep.fraction[2, 0] > sweep.exact_fraction + 2 * sweep.fraction_se[2, 0]
    assert np.all(np.abs(sweep.spread[:, 0] - 1) < 0.1)        # across the axis guidance does nothing


def test_guided_entropy_rate_at_w0_is_the_class_rate():
    # w = 0 is the class-conditional model: eq. 17 with C_0 = C_c over x_t ~ p_t(·|c) is the class's own rate —
    # for the circle's upper arc of K = 4 (the points (1, 0) and (0, 1)), two deltas ±√2/2 about their mean.
    from core.entropy import entropy_profile, two_deltas_rate
    target, proc = make_target("circle", n=4), Process("VE")
    times = np.array([0.05, 0.2, 0.5, 1.0, 3.0])
    guided = entropy_profile(guided_target(target, 0, 0.0), proc, times, 4000, np.random.default_rng(7))
    own = entropy_profile(class_target(target, 0), proc, times, 4000, np.random.default_rng(7))
    np.testing.assert_allclose(guided.rate, own.rate, rtol=1e-9)
    exact = two_deltas_rate(proc, times, np.sqrt(2) / 2)
    assert np.all(np.abs(guided.rate - exact) < 4 * guided.rate_se + 1e-9)


def test_a_class_without_points_is_named_and_refused():
    # n = 1 sample of the two-cluster mixture has one side only: the other class cannot be guided toward,
    # and the server says so (the browser does not draw the dataset).
    from components.state import parse_state
    target = make_target("mixture_samples", n=1, d=2, seed=0)
    names = class_names(target)
    empty = [c for c in range(2) if c not in populated_classes(target)]
    assert len(empty) == 1
    with pytest.raises(ValueError, match="no points"):
        class_target(target, empty[0])
    state, notices = parse_state({"target": "mixture_samples", "n": "1", "d": "2", "gc": str(empty[0])})
    assert state.guided_class == "none"
    assert notices == [f"This dataset has no points of class {names[empty[0]]}: guidance off."]


@pytest.mark.parametrize("query", [dict(target="two_deltas", gc="0", gw="-0.9"),
                                   dict(target="two_deltas", gc="1", gw="2", process="VP"),
                                   dict(target="mixture", d="3", r="0.8", sc="0.5", gc="0", gw="-0.7", process="FM"),
                                   dict(target="mixture", d="2", gc="1", gw="3")])
def test_bifurcation_page_draws_the_closed_form_on_the_kernel_diagram(query):
    # The page's overlay (science.md §9's scalar equation) and its diagram (the kernel's roots on the axis) find
    # the same roots at every time — imperfect pitchforks for w < 0 included.
    from components.state import parse_state
    from pages.bifurcation._model import _compute
    view = _compute(parse_state(query)[0])
    times, x = view.closed
    for t in np.unique(view.diagram.time):
        np.testing.assert_allclose(np.sort(x[times == t]), np.sort(view.diagram.x[view.diagram.time == t]),
                                   atol=1e-9)


@pytest.mark.parametrize("query", [dict(target="circle", n="6"),
                                   dict(target="mixture_samples", d="3", n="9", sc="0.4")])
def test_guided_bifurcation_at_w_minus_one_is_the_unguided_one(query):
    # w = −1 is the unconditional model: the same paths from every point, the same merges, the same tree
    # (issue 28: the paths started from the class's points only, 3 of six deltas' 6 and 2 of 5 merges).
    from components.state import parse_state, target_of
    from pages.bifurcation._model import _compute
    plain = _compute(parse_state({**query, "gc": "none"})[0])
    guided = _compute(parse_state({**query, "gc": "0", "gw": "-1"})[0])
    np.testing.assert_array_equal(guided.leaf_points, np.arange(len(plain.paths)))
    np.testing.assert_allclose(guided.paths, plain.paths, atol=1e-6)
    assert [(m.left, m.right, m.kind) for m in guided.merges] == [(m.left, m.right, m.kind) for m in plain.merges]
    np.testing.assert_allclose([m.time for m in guided.merges], [m.time for m in plain.merges], rtol=1e-6)
    # w ≥ 0 starts from the class's points alone: the other points' descent ends on them
    own = _compute(parse_state({**query, "gc": "0", "gw": "1"})[0])
    target = target_of(parse_state(query)[0])
    starts = target.data.points[own.leaf_points]
    assert all(np.min(np.linalg.norm(class_target(target, 0).data.points - p, axis=1)) < 1e-12 for p in starts)


@pytest.mark.parametrize("query", [dict(target="two_deltas", gc="0", gw="2", t="0.5"),
                                   dict(target="mixture", d="1", sc="0.4", gc="1", gw="-0.5", process="FM", t="0.3")])
def test_landscape_draws_the_closed_form_guided_score_on_the_kernel_one(query):
    from components.state import parse_state
    from pages.landscape._model import landscape_view, view_inputs
    view = landscape_view(view_inputs(parse_state(query)[0]))
    np.testing.assert_allclose(view.score_closed, view.score, rtol=1e-9, atol=1e-9 * np.abs(view.score).max())
    assert landscape_view(view_inputs(parse_state({**query, "gc": "none"})[0])).score_closed is None


def test_guided_flow_marginals_at_w0_give_the_class_rate():
    # The entropy page averages a guided model over its own probability-flow particles; at w = 0 the flow's law is
    # the class's, so eq. 17 over them is the class's rate (two deltas ±√2/2 here): within Monte Carlo error and
    # the flow's Heun error.
    from core.entropy import entropy_profile, flow_marginals, two_deltas_rate
    target, proc = make_target("circle", n=4), Process("VE")
    guided = guided_target(target, 0, 0.0)
    times = np.geomspace(0.02, 20.0, 25)
    flow = flow_marginals(guided, target, proc, times, 3000, np.random.default_rng(3))
    assert flow.shape == (25, 3000, 2) and flow.dtype == np.float32
    prof = entropy_profile(guided, proc, times, 0, np.random.default_rng(4), positions=flow)
    exact = two_deltas_rate(proc, times, np.sqrt(2) / 2)
    assert np.all(np.abs(prof.rate - exact) < 4 * prof.rate_se + 0.02 * exact.max())


def test_decision_tree_of_six_deltas_reads():
    # issue 28: the merges sat on the plot's top border and the minor tick labels piled up
    from components.state import parse_state
    from pages.bifurcation._figures import dendrogram_figure
    from pages.bifurcation._model import _compute
    view = _compute(parse_state({"target": "circle", "n": "6"})[0])
    fig = go.Figure(dendrogram_figure(view, 0.3))
    low, high = fig.layout.yaxis.range
    top = np.log10(max(m.time for m in view.merges))
    assert high >= top + 0.3 and low <= np.log10(view.times[0]) and fig.layout.yaxis.dtick == 1
    assert "one branching into 6" in fig.layout.title.text


def test_schedules_guide_where_they_say():
    from core.guidance_schedules import BAND_HIGH, BAND_LOW, make_schedule
    u = np.array([0.1, BAND_LOW, 0.5, 1.0, 2.0, BAND_HIGH, 10.0])
    np.testing.assert_array_equal(make_schedule("constant", 2.0).at(u), np.full(u.size, 2.0))
    np.testing.assert_array_equal(make_schedule("interval", 2.0).at(u), [0, 2, 2, 2, 2, 2, 0])
    np.testing.assert_array_equal(make_schedule("window", 2.0, -0.5).at(u), [0, -0.5, -0.5, 2, 2, 2, 2])
    with pytest.raises(ValueError):
        make_schedule("window", 2.0, 0.5)
    with pytest.raises(ValueError):
        make_schedule("cosine", 2.0)


@pytest.mark.parametrize("s2_over_lam, w", [(0.1, 0.0), (0.5, -0.5), (2.0, 3.0)])
def test_a_scheduled_model_is_the_constant_model_of_its_noise_level(s2_over_lam, w):
    # The guided posterior under w(t) at noise level s² is the constant-w model with w = w(s²/Λ), row by row too.
    from core.guidance_schedules import make_schedule
    target = make_target("mixture", d=3, r=1.0, sc=0.5)
    s2 = s2_over_lam * target.top_eigenvalue
    x = np.random.default_rng(0).normal(size=(5, 3))
    scheduled = guided_target(target, 0, make_schedule("window", 3.0, -0.5)).posterior(x, s2, full_cov=True)
    constant = guided_target(target, 0, w).posterior(x, s2, full_cov=True)
    for a, b in [(scheduled.mean, constant.mean), (scheduled.log_z, constant.log_z), (scheduled.cov, constant.cov)]:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    rows = guided_target(target, 0, make_schedule("window", 3.0, -0.5)).posterior(x, np.full(5, s2)).mean
    np.testing.assert_allclose(rows, constant.mean, rtol=1e-12)


def test_guided_roots_take_one_w_per_noise_level():
    s2 = np.array([0.2, 1.0, 3.0])
    ws = np.array([0.0, -0.5, 2.0])
    each = mixture_guided_roots(1.0, 0.1, s2, ws)
    for k in range(3):
        np.testing.assert_allclose(each[k], mixture_guided_roots(1.0, 0.1, s2[k], ws[k])[0], rtol=1e-12)
