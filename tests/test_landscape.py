"""Landscape physics: fixed points, stability, critical time, Hopfield energy (science.md §2–3)."""
import numpy as np
import pytest
from scipy.optimize import brentq

from core.analytic import bessel_ratio
from core.landscape import (
    boltzmann_weights,
    classify,
    critical_s2,
    fixed_points,
    hopfield_energy,
    landscape,
    plane_landscape,
    principal_plane,
)
from core.processes import Process
from core.score import score_jacobian
from core.targets import make_target


def grid_seeds(half, k=9):
    a = np.linspace(-half, half, k)
    return np.array([(u, v) for u in a for v in a])


@pytest.mark.parametrize("s2,expected", [
    (0.2, {"minimum": 4, "saddle": 4, "maximum": 1}),   # below t_c: four wells (Fig. 3)
    (0.8, {"minimum": 1}),                              # above t_c = Λ = ½: one convex well
])
def test_four_deltas_fixed_points(s2, expected):
    target = make_target("circle", n=4, r=1.0)
    fp = fixed_points(target, s2, np.vstack([grid_seeds(1.5), target.display_points]))
    counts = {k: int(np.sum(fp.kind == k)) for k in set(fp.kind)}
    assert counts == expected
    # Every reported point solves x̃ = ⟨y⟩ and its stability agrees with the score's Jacobian.
    st = target.posterior(fp.points, s2)
    np.testing.assert_allclose(fp.points, st.mean, atol=1e-8)
    jac = score_jacobian(target, Process("VE"), fp.points, s2)
    stable_by_jacobian = (np.linalg.eigvalsh(jac) < 0).all(axis=1)
    np.testing.assert_array_equal(stable_by_jacobian, fp.stable)


def test_critical_point_of_four_deltas():
    target = make_target("circle", n=4, r=1.0)
    assert critical_s2(target) == pytest.approx(0.5)
    for s2, stable in ((0.49, False), (0.51, True)):
        fp = fixed_points(target, s2, np.zeros((1, 2)))
        assert np.allclose(fp.points, 0) and fp.stable[0] == stable


@pytest.mark.parametrize("target,s2", [(make_target("two_deltas", d=1), 1.0), (make_target("circle", n=4), 0.5),
                                       (make_target("two_deltas", d=2), 1.0)])
def test_at_the_critical_point_one_marginal_fixed_point(target, s2):
    """At s² = Λ the symmetric point is a triple root (x − tanh x ≈ x³/3): Newton stops anywhere |g| is below
    its tolerance, ±(3·tol)^⅓ ≈ ±0.002 from either side. That is one flat root, not four stable ones (issue 28);
    a hair away from s² = Λ the count is the ordinary one."""
    seeds = np.vstack([np.linspace(-3, 3, 16)[:, None] * np.eye(target.d)[0], target.display_points * 1.1 + 0.01])
    fp = fixed_points(target, s2, seeds)
    assert list(fp.kind) == ["marginal"] and np.linalg.norm(fp.points) < 1e-3, (fp.points, fp.kind)
    assert list(fixed_points(target, 1.02 * s2, seeds).kind) == ["minimum"]
    below = fixed_points(target, 0.9 * s2, seeds)
    assert (below.kind == "minimum").sum() == len(target.display_points) and "marginal" not in below.kind


@pytest.mark.parametrize("temperature", [0.3, 0.6, 0.9])
def test_two_deltas_fixed_points_solve_tanh(temperature):
    target = make_target("two_deltas", d=1)
    fp = fixed_points(target, temperature, np.linspace(-2, 2, 21)[:, None])
    m = brentq(lambda m: m - np.tanh(m / temperature), 1e-6, 1.5)
    np.testing.assert_allclose(np.sort(fp.points[:, 0]), [-m, 0.0, m], atol=1e-9)
    assert list(fp.kind[np.argsort(fp.points[:, 0])]) == ["minimum", "maximum", "minimum"]


def test_two_deltas_landscape_closed_form():
    target, temp = make_target("two_deltas", d=1), 0.4
    x = np.linspace(-2, 2, 101)[:, None]
    lan = landscape(target, temp, x)
    ref = -temp * np.log(np.cosh(x[:, 0] / temp)) + x[:, 0] ** 2 / 2
    np.testing.assert_allclose(lan.free_energy, ref - ref.min(), atol=1e-12)
    np.testing.assert_allclose(lan.drift[:, 0], np.tanh(x[:, 0] / temp) - x[:, 0], atol=1e-12)


@pytest.mark.parametrize("d", [2, 5])
def test_hypersphere_fixed_ring_and_origin(d):
    # Fixed points of the vMF posterior: ρ = r·A_d(rρ/s²); the origin is stable iff s² > r²/d.
    r, s2 = 1.0, 0.1
    target = make_target("hypersphere", d=d, r=r)
    assert critical_s2(target) == pytest.approx(r * r / d)
    rho = brentq(lambda p: p - r * bessel_ratio(d, r * p / s2), 1e-6, r)
    seeds = np.random.default_rng(0).standard_normal((6, d)) * 0.5
    fp = fixed_points(target, s2, seeds)
    radii = np.linalg.norm(fp.points, axis=1)
    on_ring = radii > 1e-6
    np.testing.assert_allclose(radii[on_ring], rho, rtol=1e-8)
    # On the ring the Hessian has d − 1 zero modes (a continuous symmetry): marginal.
    assert set(fp.kind[on_ring]) == {"marginal"}
    origin = fixed_points(target, s2, np.zeros((1, d)))
    assert origin.kind[0] == "maximum"


def test_classify():
    assert list(classify([[1.0, 2.0], [-1.0, 2.0], [-1.0, -2.0], [0.0, 1.0]])) == [
        "minimum", "saddle", "maximum", "marginal"]


def test_hopfield_energy_equals_free_energy_on_a_sphere():
    target = make_target("sphere_points", d=5, n=30, seed=2, r=1.0)
    x = np.random.default_rng(1).standard_normal((50, 5))
    for s2 in (0.05, 0.5):
        np.testing.assert_allclose(hopfield_energy(target, s2, x), landscape(target, s2, x).free_energy,
                                   atol=1e-10)


@pytest.mark.parametrize("name,params", [("gaussian_points", dict(d=40, n=300, seed=3, r=1.0)),
                                         ("mixture_samples", dict(d=12, n=200, seed=1, r=1.0, sc=0.3)),
                                         ("two_deltas", dict(d=5, r=1.0, pw=0.3))])
def test_the_plane_reduction_is_the_full_landscape(name, params):
    """|x̃ − y|² = |(q, 0) − (p, r)|² for x̃ on the plane: F̃, the in-plane drift and Σw² from the 3-D reduction equal
    the d-dimensional kernel's at plane points off the data (unequal weights included), from s² = 10⁻³ (one
    point dominates) to 30.  Tolerance: rounding of sums over N points, 1e-11 of F̃'s range."""
    target = make_target(name, **params)
    plane = principal_plane(target)
    uv = np.random.default_rng(0).normal(size=(150, 2)) * 2
    for s2 in (1e-3, 0.05, 1.0, 30.0):
        full, reduced = landscape(target, s2, plane.embed(uv)), plane_landscape(target, s2, plane, uv)
        scale = np.ptp(full.free_energy)
        np.testing.assert_allclose(reduced.free_energy, full.free_energy, rtol=0, atol=1e-11 * scale)
        np.testing.assert_allclose(reduced.drift, full.drift @ plane.axes.T, rtol=0, atol=1e-11)
        np.testing.assert_allclose(reduced.participation, full.participation, rtol=0, atol=1e-11)


def test_weights_and_plane():
    target = make_target("gaussian_points", d=6, n=40, seed=3)
    x = np.random.default_rng(2).standard_normal(6)
    w = boltzmann_weights(target, x, 0.3)
    st = target.posterior(x[None], 0.3)
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w @ target.data.points, st.mean[0], atol=1e-12)
    assert (w**2).sum() == pytest.approx(st.participation[0])
    plane = principal_plane(target)
    np.testing.assert_allclose(plane.axes @ plane.axes.T, np.eye(2), atol=1e-12)
    uv = np.random.default_rng(0).standard_normal((5, 2))
    np.testing.assert_allclose(plane.project(plane.embed(uv)), uv, atol=1e-12)
    top = np.linalg.eigh(target.covariance)[1][:, -1]
    assert abs(plane.axes[0] @ top) == pytest.approx(1.0)


def test_hypersphere_slice_against_vmf_formula(app_context):
    # F̃ on the page's slice equals −s² log E_u exp(κu·x̂) + r²/2 + ½|x̃|² with κ = r|x̃|/s²,
    # written here directly with scipy's iv (Ambrogioni 2023 §3.3 / science.md §3.3).
    from scipy.special import gammaln, iv

    from components.state import parse_state
    from pages.landscape._model import landscape_view, view_inputs
    state, _ = parse_state({"target": "hypersphere", "d": "5", "r": "1.5", "t": "0.4"})
    v = landscape_view(view_inputs(state))
    uu, vv = np.meshgrid(v.u, v.v)
    rho = np.hypot(uu, vv)          # the slice passes through the centre
    d, r, s2 = 5, 1.5, 0.4
    kappa = np.maximum(r * rho / s2, 1e-12)
    log_mean = gammaln(d / 2) + (1 - d / 2) * np.log(kappa / 2) + np.log(iv(d / 2 - 1, kappa))
    ref = -s2 * log_mean + 0.5 * rho**2
    np.testing.assert_allclose(v.f, ref - ref.min(), atol=1e-9)
    # Below t_c = r²/d the origin is a maximum and the stable set is a ring of radius ρ*.
    assert set(v.kinds) <= {"maximum", "marginal"}


def test_roots_are_deduplicated_as_the_pairwise_rule_says():
    """The k-d tree and the ordered loop keep exactly the rows the O(K²) rule keeps: a row is dropped when an earlier
    kept row lies within the merge distance (clusters of roots as Newton leaves them, and chains where a dropped row
    links two kept ones)."""
    from core.landscape import _first_of_each_cluster
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 2))
    roots = np.vstack([centres[rng.integers(6, size=300)] + 1e-5 * rng.normal(size=(300, 2)),
                       np.array([[5.0, 0.0], [5.0009, 0.0], [5.0018, 0.0]])])
    for x, merge in ((roots, 1e-4), (roots, 1e-3), (rng.normal(size=(80, 3)), 0.4)):
        keep = np.zeros(len(x), bool)
        for i in range(len(x)):
            keep[i] = not np.any(keep[:i] & (np.linalg.norm(x[:i] - x[i], axis=1) <= merge))
        np.testing.assert_array_equal(_first_of_each_cluster(x, merge), keep)
    chain = _first_of_each_cluster(roots[-3:], 1e-3)
    assert chain.tolist() == [True, False, True]        # the middle one is dropped, so the third is kept
