"""Closed-form posteriors of continuous targets (science.md §3.3–3.5)."""
import numpy as np
import pytest
from scipy import integrate
from scipy.special import i0e, i1e, iv, ive

from core import analytic
from core.posterior import DiscreteData, empirical_posterior


def test_log_bessel_matches_scipy_and_debye_overlap():
    kappa = np.array([1e-3, 0.5, 3.0, 40.0, 700.0])
    for nu in (0.0, 0.5, 4.0, 30.0):
        with np.errstate(over="ignore"):
            ref = np.log(iv(nu, kappa))
        ok = np.isfinite(ref)
        np.testing.assert_allclose(analytic.log_bessel_i(nu, kappa)[ok], ref[ok],
                                   rtol=1e-12, atol=1e-14)
    # Where ive underflows (ν = 499, κ = 0.1) the Debye expansion takes over; its error is
    # O(u₃/ν³) ~ 1e-7/ν³ relative: check it at ν = 120 where the direct values exist.
    k = np.array([1.0, 10.0, 200.0, 2000.0])
    np.testing.assert_allclose(analytic.debye_log_bessel_i(120.0, k), np.log(ive(120.0, k)) + k,
                               rtol=1e-10)
    np.testing.assert_allclose(analytic.log_bessel_i(499.0, 0.1),
                               analytic.debye_log_bessel_i(499.0, 0.1))
    assert np.isfinite(analytic.log_bessel_i(499.0, 0.1))


def test_bessel_ratio_known_cases():
    k = np.array([1e-10, 0.01, 0.7, 5.0, 80.0])
    np.testing.assert_allclose(analytic.bessel_ratio(1, k), np.tanh(k), rtol=1e-12)
    np.testing.assert_allclose(analytic.bessel_ratio(2, k), i1e(k) / i0e(k), rtol=1e-10)
    langevin = np.where(k < 1e-4, k / 3, 1 / np.tanh(k) - 1 / k)   # A_3 = coth κ − 1/κ
    np.testing.assert_allclose(analytic.bessel_ratio(3, k), langevin, rtol=1e-8)
    # Large d, small κ: A_d ≈ κ/d; all finite.
    np.testing.assert_allclose(analytic.bessel_ratio(1000, np.array([0.01])), 1e-5, rtol=1e-4)


def sphere_quadrature(x, s2, r):
    """d = 3 by 1-D quadrature over c = cos θ (the uniform law on S² has density ½ in c)."""
    kappa = r * np.linalg.norm(x) / s2
    z = integrate.quad(lambda c: 0.5 * np.exp(kappa * (c - 1)), -1, 1)[0]
    m1 = integrate.quad(lambda c: 0.5 * c * np.exp(kappa * (c - 1)), -1, 1)[0] / z
    m2 = integrate.quad(lambda c: 0.5 * c * c * np.exp(kappa * (c - 1)), -1, 1)[0] / z
    return np.log(z) + kappa - r * r / (2 * s2), r * m1, r * r * (m2 - m1 * m1), \
        r * r * (1 - m2) / 2


@pytest.mark.parametrize("xnorm,s2", [(0.3, 1.0), (2.0, 0.5), (5.0, 0.05)])
def test_hypersphere_d3_against_quadrature(xnorm, s2):
    r = 1.3
    direction = np.array([1.0, 2.0, -2.0]) / 3.0
    x = xnorm * direction
    st = analytic.hypersphere_posterior(x[None], s2, r, full_cov=True)
    log_z, radial_mean, radial_var, transverse_var = sphere_quadrature(x, s2, r)
    np.testing.assert_allclose(st.log_z[0], log_z, rtol=1e-9)
    np.testing.assert_allclose(st.mean[0], radial_mean * direction, rtol=1e-9)
    cov = st.cov[0]
    np.testing.assert_allclose(direction @ cov @ direction, radial_var, rtol=1e-7)
    ortho = np.array([2.0, -1.0, 0.0]) / np.sqrt(5)
    np.testing.assert_allclose(ortho @ cov @ ortho, transverse_var, rtol=1e-7)
    np.testing.assert_allclose(st.trace_cov[0], np.trace(cov), rtol=1e-9)


def test_hypersphere_d1_is_two_deltas_and_origin_is_uniform():
    x = np.linspace(-2, 2, 9)[:, None]
    sph = analytic.hypersphere_posterior(x, 0.3, 1.0, full_cov=True)
    two = empirical_posterior(x, 0.3, DiscreteData(np.array([[1.0], [-1.0]]), np.ones(2)))
    np.testing.assert_allclose(sph.mean, two.mean, atol=1e-12)
    np.testing.assert_allclose(sph.log_z, two.log_z, atol=1e-12)
    np.testing.assert_allclose(sph.cov, two.cov, atol=1e-12)
    at_zero = analytic.hypersphere_posterior(np.zeros((1, 5)), 0.7, 2.0, full_cov=True)
    np.testing.assert_allclose(at_zero.cov[0], 4.0 / 5 * np.eye(5))
    np.testing.assert_allclose(at_zero.log_z, -4.0 / 1.4)


def test_hypersphere_large_d_finite():
    x = np.random.default_rng(0).standard_normal((20, 1000)) * np.logspace(-6, 2, 20)[:, None]
    for s2 in (1e-6, 1.0, 1e6):
        st = analytic.hypersphere_posterior(x, s2, 1.0)
        assert np.isfinite(st.log_z).all() and np.isfinite(st.mean).all()
        assert ((st.trace_cov >= 0) & (st.trace_cov <= 1 + 1e-12)).all()


def test_gaussian_mixture_limits():
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((3, 2))
    weights = np.array([0.2, 0.5, 0.3])
    x = rng.standard_normal((25, 2)) * 2
    # σ_c → 0: the discrete target on the centres.
    gm = analytic.gaussian_mixture_posterior(x, 0.4, centres, weights, 1e-14, full_cov=True)
    ref = empirical_posterior(x, 0.4, DiscreteData(centres, weights), full_cov=True)
    for f in ("log_z", "mean", "cov", "trace_cov"):
        np.testing.assert_allclose(getattr(gm, f), getattr(ref, f), atol=1e-9)
    # One component N(μ, v I): Gaussian conjugacy.
    mu, v, s2 = np.array([[0.5, -1.0]]), 0.8, 0.3
    one = analytic.gaussian_mixture_posterior(x, s2, mu, [1.0], v, full_cov=True)
    np.testing.assert_allclose(one.mean, mu + v / (v + s2) * (x - mu), atol=1e-12)
    np.testing.assert_allclose(one.cov, np.broadcast_to(v * s2 / (v + s2) * np.eye(2), (25, 2, 2)))
    # log Z = log N(x̃; μ, (v + s²)I) + d/2 log(2πs²) + |x̃|²/(2s²)
    log_n = -((x - mu) ** 2).sum(1) / (2 * (v + s2)) - np.log(2 * np.pi * (v + s2))
    np.testing.assert_allclose(one.log_z, log_n + np.log(2 * np.pi * s2) + (x**2).sum(1) / (2 * s2))


def test_subspace_matches_gaussian_on_its_dimensions():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((10, 5))
    h, s2 = 1.7, 0.6
    sub = analytic.gaussian_subspace_posterior(x, s2, h, 5, full_cov=True)
    full = analytic.gaussian_mixture_posterior(x, s2, np.zeros((1, 5)), [1.0], h * h, full_cov=True)
    for f in ("log_z", "mean", "cov", "trace_cov"):
        np.testing.assert_allclose(getattr(sub, f), getattr(full, f), atol=1e-12)
    part = analytic.gaussian_subspace_posterior(x, s2, h, 2, full_cov=True)
    assert np.all(part.mean[:, 2:] == 0) and np.allclose(part.trace_cov, 2 * h * h * s2 / (h * h + s2))


@pytest.mark.parametrize("which", ["sphere", "mixture", "subspace"])
def test_analytic_noise_per_query_point(which):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((9, 3))
    s2 = np.geomspace(0.05, 5, 9)
    post = {"sphere": lambda x, s: analytic.hypersphere_posterior(x, s, 1.2, True),
            "mixture": lambda x, s: analytic.gaussian_mixture_posterior(
                x, s, [[1, 0, 0], [-1, 0, 0]], [0.3, 0.7], 0.2, True),
            "subspace": lambda x, s: analytic.gaussian_subspace_posterior(x, s, 1.3, 2, True)}[which]
    rows = post(x, s2)
    for i in range(9):
        one = post(x[i:i + 1], s2[i])
        for f in ("log_z", "mean", "trace_cov", "cov"):
            np.testing.assert_allclose(getattr(rows, f)[i], getattr(one, f)[0], rtol=1e-12, atol=1e-13)
