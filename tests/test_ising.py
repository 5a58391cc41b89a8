"""The diffused Ising model (science.md §3.6) and the generative bath (§8) against brute force,
closed forms and the exact finite-K law."""
import itertools

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import logsumexp

from core import limits
from core.bath import (
    bath_trajectories,
    exact_bath_distribution,
    heat_bath,
    mean_field_bath_variance,
    mean_field_magnetization,
)
from core.ising import (
    ENUM_MAX,
    curie_weiss_couplings,
    curie_weiss_log_dos,
    enumerate_log_dos,
    line_magnetization,
    magnetization_log_dos,
    target_top_eigenvalue,
    uniform_fixed_points,
    uniform_posterior,
)


def _states(d):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=d)))


def _log_prior(states, couplings, temp):
    """eq. 17 term by term, j ≠ k (brute force)."""
    off = couplings - np.diag(np.diag(couplings))
    return -0.5 / temp * np.einsum("sj,jk,sk->s", states, off, states)


@pytest.mark.parametrize("d", [1, 2, 3, 6, 9])
def test_enumeration_matches_brute_force_for_random_couplings(d):
    rng = np.random.default_rng(d)
    w = rng.normal(size=(d, d))
    w = (w + w.T) / 2
    y = _states(d)
    log_p = _log_prior(y, w, 0.7)
    m_total = y.sum(1)
    expected = np.array([logsumexp(log_p[m_total == 2 * k - d]) for k in range(d + 1)])
    np.testing.assert_allclose(enumerate_log_dos(w, 0.7), expected - logsumexp(expected), atol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 5, 11, 16])
@pytest.mark.parametrize("coupling,temp", [(1.0, 1.5), (1.0, 0.6), (0.0, 1.0), (2.5, 0.3)])
def test_curie_weiss_reduction_equals_enumeration(d, coupling, temp):
    np.testing.assert_allclose(curie_weiss_log_dos(d, coupling, temp),
                               enumerate_log_dos(curie_weiss_couplings(d, coupling), temp), atol=1e-10)


def test_enumeration_refuses_more_than_enum_max_spins():
    with pytest.raises(ValueError):
        enumerate_log_dos(curie_weiss_couplings(ENUM_MAX + 1, 1.0), 1.0)
    assert len(magnetization_log_dos(ENUM_MAX + 1, 1.0, 1.0)) == ENUM_MAX + 2   # closed form above


def test_uniform_posterior_against_brute_force():
    """Mean, slope and transverse covariance on x̃ = h·1 from the full 2^d posterior (§1 table)."""
    d, coupling, temp, h, s2 = 6, 1.2, 0.9, 0.3, 0.7
    y = _states(d)
    log_w = _log_prior(y, curie_weiss_couplings(d, coupling), temp) + h * y.sum(1) / s2
    w = np.exp(log_w - logsumexp(log_w))
    mean = w @ y
    cov = (y * w[:, None]).T @ y - np.outer(mean, mean)
    eig = np.linalg.eigvalsh(cov)
    post = uniform_posterior(curie_weiss_log_dos(d, coupling, temp), h, s2)
    np.testing.assert_allclose(post.m, mean, atol=1e-12)
    np.testing.assert_allclose(post.slope * s2, eig[-1], rtol=1e-10)          # along (1,…,1)/√d
    np.testing.assert_allclose(post.transverse, eig[0], rtol=1e-10)           # d − 1 degenerate
    np.testing.assert_allclose(eig[:-1], eig[0], rtol=1e-10)
    eps = 1e-6                                                                # ∂m/∂h by finite differences
    up, down = (uniform_posterior(curie_weiss_log_dos(d, coupling, temp), h + s, s2).m for s in (eps, -eps))
    np.testing.assert_allclose((up - down) / (2 * eps), post.slope, rtol=1e-6)


@pytest.mark.parametrize("d,coupling,temp", [(1, 1.0, 1.0), (9, 0.7, 0.3), (16, 1.0, 1.0), (200, 1.0, 3.0),
                                             (1000, 1.0, 2.0), (1000, 1.0, 1.0), (1000, 3.0, 0.05), (1000, 0.0, 1.0)])
def test_line_magnetization_walk_matches_the_posterior(d, coupling, temp):
    """The multiplicative walk (one exp per point) against uniform_posterior's per-term exps, fields from none to
    the strongest the diagram asks (h/s² ≈ 100), a cold ferromagnet included (two modes e^−10⁴ apart, equal at h = 0:
    the walk crosses the valley without losing the second mode).  Tolerance: ~2,000 products' rounding, ≤ 1e-12."""
    log_dos = magnetization_log_dos(d, coupling, temp)
    h = np.linspace(-1.05, 1.05, 43)[None, :]
    s2 = np.geomspace(0.01, 8.0 * max(1.0, target_top_eigenvalue(log_dos)), 29)[:, None]
    np.testing.assert_allclose(line_magnetization(log_dos, h, s2), uniform_posterior(log_dos, h, s2).m,
                               rtol=0, atol=1e-12)
    assert line_magnetization(log_dos, 0.0, 0.01) == pytest.approx(0.0, abs=1e-12)     # both modes kept


@pytest.mark.parametrize("d", [1, 8, 17, 1000])
def test_the_diagrams_field_grid_finds_what_a_four_times_finer_one_finds(d):
    """uniform_fixed_points' 2 × 100 brackets give the roots 2 × 400 give, at the corners of the lab's J and T."""
    from pages.ising._model import DIAGRAM_S2
    for coupling, temp in itertools.product((limits.J_MIN, 1.0, limits.J_MAX), (limits.TEMP_MIN, 1.0, limits.TEMP_MAX)):
        log_dos = magnetization_log_dos(d, coupling, temp)
        s2 = DIAGRAM_S2 * max(target_top_eigenvalue(log_dos), 1.0)
        coarse, fine = uniform_fixed_points(log_dos, s2), uniform_fixed_points(log_dos, s2, grid=400)
        assert len(coarse.h) == len(fine.h), (coupling, temp)
        order_c, order_f = np.lexsort((coarse.h, coarse.s2)), np.lexsort((fine.h, fine.s2))
        np.testing.assert_allclose(coarse.h[order_c], fine.h[order_f], atol=1e-9)
        np.testing.assert_array_equal(coarse.stable_line[order_c], fine.stable_line[order_f])


def test_top_eigenvalue_limits():
    # brute force at small d: the top eigenvalue of the target covariance
    d, coupling, temp = 7, 1.0, 0.8
    y = _states(d)
    lp = _log_prior(y, curie_weiss_couplings(d, coupling), temp)
    p = np.exp(lp - logsumexp(lp))
    cov = (y * p[:, None]).T @ y
    assert target_top_eigenvalue(curie_weiss_log_dos(d, coupling, temp)) == pytest.approx(np.linalg.eigvalsh(cov)[-1])
    # paramagnet, d → ∞: 1/(1 − J/T) (finite-d corrections O(1/d))
    assert target_top_eigenvalue(curie_weiss_log_dos(1000, 1.0, 2.0)) == pytest.approx(2.0, rel=5e-3)
    # ferromagnet: Λ ≈ d·m₀², m₀ = tanh(J m₀/T)
    m0 = mean_field_magnetization(0.5, 1.0)
    assert target_top_eigenvalue(curie_weiss_log_dos(1000, 1.0, 0.5)) == pytest.approx(1000 * m0**2, rel=1e-2)


@pytest.mark.parametrize("d,coupling,temp", [(8, 1.0, 1.5), (12, 1.0, 0.7), (200, 1.0, 3.0), (1, 0.0, 1.0)])
def test_symmetric_point_branches_where_the_noise_meets_lambda(d, coupling, temp):
    """§3: the symmetric fixed point loses stability at s² = Λ; new roots appear just below."""
    log_dos = curie_weiss_log_dos(d, coupling, temp)
    lam = target_top_eigenvalue(log_dos)
    above = uniform_fixed_points(log_dos, [1.02 * lam])
    below = uniform_fixed_points(log_dos, [0.98 * lam])
    assert len(above.h) == 1 and abs(above.h[0]) < 1e-9 and above.stable_line[0]
    assert len(below.h) == 3 and not below.stable_line[np.argmin(np.abs(below.h))]
    assert below.stable_line[np.argmax(below.h)]


def test_one_spin_is_two_deltas():
    """d = 1: m(h) = tanh(h/s²); the fixed points solve h = tanh(h/s²) (§3.1 with T = s²)."""
    log_dos = curie_weiss_log_dos(1, 1.0, 1.0)
    h = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(uniform_posterior(log_dos, h, 0.6).m, np.tanh(h / 0.6), atol=1e-14)
    roots = uniform_fixed_points(log_dos, [0.6]).h
    expected = brentq(lambda x: x - np.tanh(x / 0.6), 0.1, 1.5)
    np.testing.assert_allclose(np.sort(roots), [-expected, 0.0, expected], atol=1e-10)


def test_mean_field_magnetization_and_variance():
    temps = np.array([0.3, 0.7, 0.95, 1.2, 3.0])
    m = mean_field_magnetization(temps, 1.0)
    np.testing.assert_allclose(m, np.tanh(m / temps), atol=1e-12)
    assert (m[:3] > 0).all() and (m[3:] == 0).all()
    var = mean_field_bath_variance(temps, 1.0)
    np.testing.assert_allclose(var[3:], 1 / (1 - 1 / temps[3:]), rtol=1e-12)
    # below T_c: T ∂m/∂h from the implicit solution by finite differences (docs/science.md errata)
    for temp in temps[:3]:
        root = [brentq(lambda x, h=h, temp=temp: x - np.tanh((x + h) / temp), 1e-3, 1.0) for h in (1e-6, -1e-6)]
        assert var[list(temps).index(temp)] == pytest.approx(temp * (root[0] - root[1]) / 2e-6, rel=1e-5)


def test_exact_finite_bath_variance_above_tc():
    """K⟨m̄²⟩ of the exact finite-K law → 1/(1 − 1/T) for K → ∞ above T_c (corrections O(1/K))."""
    for temp in (1.5, 2.0, 4.0):
        m, p = exact_bath_distribution(5000, 1.0, temp)
        assert 5000 * (p @ m**2) == pytest.approx(1 / (1 - 1 / temp), rel=2e-2)


def test_heat_bath_samples_the_exact_finite_law():
    """K = 40 mixes fast: Monte Carlo ⟨|m̄|⟩ and ⟨m̄²⟩ within 5 standard errors of the exact law."""
    temps = np.array([3.0, 1.2, 0.9, 0.6])
    run = heat_bath(40, 1.0, temps, sweeps=4000, burn=200, seed=3)
    for i, temp in enumerate(temps):
        m, p = exact_bath_distribution(40, 1.0, temp)
        samples = np.abs(run.samples[i])
        # sweeps are correlated: a standard error from 40 blocks
        blocks = samples.reshape(40, -1).mean(1)
        se = blocks.std(ddof=1) / np.sqrt(40)
        assert abs(samples.mean() - p @ np.abs(m)) < 5 * se + 2e-3, temp


def test_heat_bath_approaches_mean_field_at_k_1000():
    """K = 1,000: ⟨|m̄|⟩ within 0.01 of tanh(m/T) below T_c and K⟨m̄²⟩ within 10% of 1/(1 − 1/T) above."""
    temps = np.array([3.0, 2.0, 0.8, 0.5])
    run = heat_bath(1000, 1.0, temps, sweeps=800, burn=200, seed=1)
    np.testing.assert_allclose(run.mean[2:], mean_field_magnetization(temps[2:]), atol=0.01)
    np.testing.assert_allclose(run.variance[:2], 1 / (1 - 1 / temps[:2]), rtol=0.1)
    # the finite-K error shrinks with K
    small = heat_bath(10, 1.0, temps, sweeps=800, burn=200, seed=1)
    gap = np.abs(small.mean[2:] - mean_field_magnetization(temps[2:]))
    assert (gap > np.abs(run.mean[2:] - mean_field_magnetization(temps[2:]))).all()


def test_bath_particle_relaxes_to_the_pure_state():
    """Noise-free eq. 37 on a log-t grid: x − m shrinks by (1 − Δ) per step toward sign(x)·m."""
    times = np.geomspace(1.0, 0.1, 11)
    step = np.log(times[0] / times[1])
    rng = np.random.default_rng(0)
    bath, plain = bath_trajectories(times, 1.0, np.full(11, 0.8), np.zeros(11), np.array([0.5, -2.0]), rng)
    expected = 0.8 + (0.5 - 0.8) * (1 - step) ** np.arange(11)
    np.testing.assert_allclose(bath[:, 0], expected, rtol=1e-12)
    assert (bath[:, 1] < 0).all()
    assert plain.shape == bath.shape and np.isfinite(plain).all()
