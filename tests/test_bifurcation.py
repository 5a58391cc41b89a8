"""Fixed-point paths, branching times, susceptibility and critical exponents (science.md §2–3)."""
import numpy as np
import pytest
from scipy.optimize import brentq

from core.analytic import bessel_ratio
from core.bifurcation import (
    axis_diagram,
    axis_roots,
    critical_exponents,
    fixed_point_paths,
    susceptibility,
    symmetry_axis,
)
from core.processes import Process
from core.targets import make_target

TWO = make_target("two_deltas", d=1)


def branching_time(state):
    from components.state import parse_state
    from pages.bifurcation._model import JOB as BIFURCATION
    st, _ = parse_state(state)
    return BIFURCATION.result(st)


@pytest.mark.parametrize("sigma", [1.0, 2.0, 0.5])
def test_two_deltas_critical_time(sigma, app_context):
    view = branching_time({"target": "two_deltas", "sigma": str(sigma)})
    assert view.t_meas == pytest.approx(1 / sigma**2, rel=1e-6)
    assert view.t_pred == pytest.approx(1 / sigma**2, rel=1e-12)


def test_vp_critical_time(app_context):
    # Λe^{−2t} = 1 − e^{−2t} with Λ = 1: t_c = ½ log 2 (science.md §3).
    view = branching_time({"target": "two_deltas", "process": "VP"})
    assert view.t_meas == pytest.approx(0.5 * np.log(2), rel=1e-6)


@pytest.mark.parametrize("temperature", [0.999, 0.99, 0.95])
def test_order_parameter_near_tc(temperature):
    m = axis_roots(TWO, np.array([temperature]), np.ones(1))[0][-1]
    assert m == pytest.approx(np.sqrt(3 * (1 - temperature)), rel=0.05 if temperature < 0.99 else 0.01)
    assert m == pytest.approx(brentq(lambda v: v - np.tanh(v / temperature), 1e-9, 2), abs=1e-12)


@pytest.mark.parametrize("temperature", [0.6, 0.9, 1.2, 2.0])
def test_susceptibility_implicit_and_finite_differences(temperature):
    axis = np.ones(1)
    m = axis_roots(TWO, np.array([temperature]), axis)[0][-1]
    chi = susceptibility(TWO, temperature, np.array([[m]]))[0]
    np.testing.assert_allclose(chi, (1 - m**2) / (temperature - 1 + m**2), rtol=1e-10)   # §3.1
    h = 1e-6
    m_plus = axis_roots(TWO, np.array([temperature]), axis, h=h)[0][-1]
    m_minus = axis_roots(TWO, np.array([temperature]), axis, h=-h)[0][-1]
    assert chi == pytest.approx((m_plus - m_minus) / (2 * h), rel=1e-5)


@pytest.mark.parametrize("key,kw", [("two_deltas", dict(d=1)), ("hypersphere", dict(d=4, r=1.3)),
                                    ("mixture", dict(d=2, r=1.0, sc=0.3))])
def test_mean_field_exponents(key, kw):
    target = make_target(key, **kw)
    beta, gamma, delta = critical_exponents(target)
    assert beta.value == pytest.approx(0.5, rel=0.05)
    assert gamma.value == pytest.approx(1.0, rel=0.05)
    assert delta.value == pytest.approx(3.0, rel=0.05)


def test_symmetric_instability():
    from core.bifurcation import symmetric_instability_s2
    assert symmetric_instability_s2(TWO) == pytest.approx(1.0, rel=1e-10)
    assert symmetric_instability_s2(make_target("hypersphere", d=5, r=2.0)) == pytest.approx(0.8, rel=1e-10)
    mix = make_target("mixture", d=3, r=1.0, sc=0.5)
    assert symmetric_instability_s2(mix) == pytest.approx(3.0 - 0.25, rel=1e-10)   # |m|² − σ_c²


def test_hypersphere_branches_on_its_vmf_equation_of_state():
    d, r = 4, 1.3
    target = make_target("hypersphere", d=d, r=r)
    s2 = np.array([0.2, 0.3, r * r / d * 1.05])
    for roots, value in zip(axis_roots(target, s2, symmetry_axis(target)), s2, strict=True):
        if value < r * r / d:
            rho = brentq(lambda p, v=value: p - r * bessel_ratio(d, r * p / v), 1e-9, r)
            np.testing.assert_allclose(np.abs(roots[[0, -1]]), rho, rtol=1e-9)
        else:
            np.testing.assert_allclose(roots, [0.0], atol=1e-12)


def test_field_makes_the_transition_first_order():
    times = np.geomspace(0.2, 3, 120)
    diagram = axis_diagram(TWO, times, times, h=0.05)
    upper = diagram.stable & (diagram.m > 0)
    lower = diagram.stable & (diagram.m < 0)
    # The favoured branch is continuous; the other ends at a fold with a finite value.
    assert diagram.time[upper].max() == pytest.approx(times[-1])
    assert diagram.time[lower].max() < 1.0 and abs(diagram.m[lower][np.argmax(diagram.time[lower])]) > 0.2


def _check_paths(target, fp, s2):
    """Every path point is a fixed point (|x − ⟨y⟩| ≈ 0) and the tree is complete."""
    k = target.data.n
    for i in range(0, len(s2), 7):
        st = target.posterior(fp.paths[:, i], s2[i])
        np.testing.assert_allclose(fp.paths[:, i], st.mean, atol=1e-7)
    assert len(fp.merges) == k - 1 and fp.linkage.shape == (k - 1, 4)
    assert len(set(fp.merges[-1].left + fp.merges[-1].right)) == k
    np.testing.assert_allclose(fp.paths[:, 0], target.data.points, atol=1e-3 * np.sqrt(s2[0]) + 1e-6)
    assert (fp.hessian_min[:, 0] > 0).all()                     # N stable paths as t → 0


@pytest.mark.parametrize("seed", [0, 1])
def test_continuation_on_random_data(seed):
    target = make_target("gaussian_points", d=3, n=12, seed=seed)
    u = target.data.centred
    s2 = np.geomspace(1e-3, 1.2 * np.max((u**2).sum(1)), 100)
    fp = fixed_point_paths(target, s2, s2)
    _check_paths(target, fp, s2)
    times = [m.time for m in fp.merges]
    heights = fp.linkage[:, 2]
    assert np.all(np.diff(heights) >= -1e-12) or sorted(times) != times  # a valid tree either way
    assert (fp.hessian_min > -1e-6).all()


def test_symmetric_dataset_branches_at_the_predicted_time():
    # Four deltas on a circle (D4 symmetry): one 4-way pitchfork at s² = Λ = ½.
    target = make_target("circle", n=4)
    s2 = np.geomspace(0.01, 1.3, 100)
    fp = fixed_point_paths(target, s2, s2)
    _check_paths(target, fp, s2)
    assert fp.merges[-1].time == pytest.approx(0.5, rel=2e-3)
    assert {m.kind for m in fp.merges} == {"pitchfork"}
    # Two symmetric deltas in d = 3 with σ = 2: t = s²/σ² = Λ/σ² = 1/4.
    pair = make_target("two_deltas", d=3)
    proc = Process("VE", 2.0)
    s2 = np.geomspace(0.01, 3, 80)
    fp = fixed_point_paths(pair, s2, proc.time_of_s2(s2))
    assert fp.merges[0].time == pytest.approx(0.25, rel=2e-3) and fp.merges[0].kind == "pitchfork"
    assert len(fp.unstable) == 1 and np.allclose(fp.unstable[0][1], 0, atol=1e-9)


def test_unequal_weights_merge_at_a_fold():
    target = make_target("two_deltas", d=2, pw=0.7)
    s2 = np.geomspace(0.01, 3, 80)
    fp = fixed_point_paths(target, s2, s2)
    assert [m.kind for m in fp.merges] == ["fold"]
    # Saddle-node: the minority minimum's Hessian eigenvalue vanishes as √(τ − s²), so λ²
    # is linear in s² and its zero, extrapolated from the last grid points, is τ.
    i = np.searchsorted(s2, fp.merges[0].time)
    lam2 = fp.hessian_min[1, i - 3:i] ** 2
    slope, intercept = np.polyfit(s2[i - 3:i], lam2, 1)
    assert -intercept / slope == pytest.approx(fp.merges[0].time, rel=0.02)
    assert fp.hessian_min[0, i - 1] > 0.5          # the majority path stays well inside its well


@pytest.mark.parametrize("name,kw", [("mixture", dict(d=6, r=1.0, sc=0.5)), ("hypersphere", dict(d=5, r=1.0)),
                                     ("subspace", dict(d=6, dd=3, r=1.0)), ("two_deltas", dict(d=3, r=1.0, pw=0.7))])
def test_large_d_axis_diagram_matches_full_covariances(monkeypatch, name, kw):
    """Above the memory budget eᵀCe comes from C = s²∂⟨y⟩/∂x̃ and λ⊥ from the trace: same diagram."""
    import core.bifurcation as bif
    target = make_target(name, **kw)
    s2 = np.geomspace(0.01, 30, 40)
    exact = bif.axis_diagram(target, s2, s2, h=0.1)
    monkeypatch.setattr(bif, "AXIS_COV_BUDGET", 0)
    reduced = bif.axis_diagram(target, s2, s2, h=0.1)
    np.testing.assert_array_equal(exact.m, reduced.m)
    np.testing.assert_allclose(reduced.curvature, exact.curvature, atol=1e-6)
    np.testing.assert_array_equal(reduced.stable, exact.stable)


def test_large_d_susceptibility_matches_full_covariances(monkeypatch):
    import core.bifurcation as bif
    target = make_target("hypersphere", d=5, r=1.0)
    axis = bif.symmetry_axis(target)
    s2 = np.array([0.1, 0.3, 2.0])
    points = np.array([0.9, 0.5, 0.0])[:, None] * axis
    exact = bif.susceptibility(target, s2, points, axis=axis)
    monkeypatch.setattr(bif, "AXIS_COV_BUDGET", 0)
    np.testing.assert_allclose(bif.susceptibility(target, s2, points, axis=axis), exact, rtol=1e-6)


def test_pitchfork_branches_reach_the_critical_point(app_context):
    """The two-delta preset's stable branches approach 0 as √(3(1 − T)) (β = ½), down to the root
    finder's grid step near t_c = 1, instead of stopping at ±0.25 and jumping to 0."""
    from components.state import parse_state
    from pages.bifurcation._model import _compute
    state, _ = parse_state({"target": "two_deltas", "process": "VE", "sigma": "1", "r": "1", "pw": "0.5"})
    diagram = _compute(state).diagram
    branch = diagram.stable & (diagram.x > 1e-9)
    t, m = diagram.time[branch], diagram.x[branch]
    assert m.min() < 0.02
    near = (t > 0.9) & (t < 1)
    assert near.sum() >= 20
    np.testing.assert_allclose(m[near], np.sqrt(3 * (1 - t[near])), rtol=0.05, atol=0.01)   # β = ½ near T = 1
