"""The empirical posterior kernel against closed forms and a brute-force reference."""
import numpy as np
import pytest
from scipy.special import logsumexp

import core.posterior as cp
from core.posterior import DiscreteData, empirical_posterior


def brute_force(x, s2, points, weights):
    """Direct numpy version of science.md §1 on the full (P, N) matrix."""
    logits = np.log(weights / weights.sum()) + (x @ points.T - 0.5 * (points**2).sum(1)) / s2
    log_z = logsumexp(logits, axis=1)
    w = np.exp(logits - log_z[:, None])
    mean = w @ points
    second = np.einsum("pn,ni,nj->pij", w, points, points)
    cov = second - mean[:, :, None] * mean[:, None, :]
    return log_z, mean, cov, (w**2).sum(1)


@pytest.mark.parametrize("s2", [0.05, 0.7, 3.0])
def test_two_deltas_tanh_law(s2):
    # ±1 with equal weights: ⟨y⟩ = tanh(x/s²), tr C = 1 − tanh², log Z = log cosh(x/s²) − 1/(2s²).
    data = DiscreteData(np.array([[1.0], [-1.0]]), np.ones(2))
    x = np.linspace(-3, 3, 41)[:, None]
    st = empirical_posterior(x, s2, data)
    m = np.tanh(x[:, 0] / s2)
    np.testing.assert_allclose(st.mean[:, 0], m, atol=1e-13)
    np.testing.assert_allclose(st.trace_cov, 1 - m**2, atol=1e-13)
    np.testing.assert_allclose(st.cov[:, 0, 0], 1 - m**2, atol=1e-13)
    log_cosh = np.logaddexp(x[:, 0] / s2, -x[:, 0] / s2) - np.log(2)
    np.testing.assert_allclose(st.log_z, log_cosh - 0.5 / s2, rtol=1e-12, atol=1e-12)
    # Σw² = (1 + m²)/2 for two points with weights (1 ± m)/2.
    np.testing.assert_allclose(st.participation, (1 + m**2) / 2, atol=1e-13)


@pytest.mark.parametrize("n,d,p", [(5, 3, 50), (300, 2, 700), (2000, 40, 300)])
def test_matches_brute_force(n, d, p, monkeypatch):
    rng = np.random.default_rng(n + d)
    points = rng.standard_normal((n, d)) + 2.0
    weights = rng.random(n) + 0.1
    x = 1.5 * rng.standard_normal((p, d)) + 2.0
    data = DiscreteData(points, weights)
    # Small blocks so several blocks (and both threads) are exercised.
    monkeypatch.setattr(cp, "BLOCK_ELEMENTS", 4096)
    st = empirical_posterior(x, 0.4, data, full_cov=True)
    log_z, mean, cov, part = brute_force(x, 0.4, points, weights)
    np.testing.assert_allclose(st.log_z, log_z, rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(st.mean, mean, atol=1e-10)
    np.testing.assert_allclose(st.cov, cov, atol=1e-10)
    np.testing.assert_allclose(st.trace_cov, np.trace(cov, axis1=1, axis2=2), atol=1e-10)
    np.testing.assert_allclose(st.participation, part, atol=1e-12)


@pytest.mark.parametrize("n,d", [(4, 2), (700, 3), (90, 12)])
def test_fused_and_blocked_paths_agree(n, d, monkeypatch):
    rng = np.random.default_rng(1)
    data = DiscreteData(rng.standard_normal((n, d)), rng.random(n) + 0.5)
    x = rng.standard_normal((130, d))
    fused = empirical_posterior(x, 0.3, data, full_cov=True)
    monkeypatch.setattr(cp, "FUSED_MAX_D", 0)
    blocked = empirical_posterior(x, 0.3, data, full_cov=True)
    for field in ("log_z", "mean", "trace_cov", "participation", "cov"):
        np.testing.assert_allclose(getattr(fused, field), getattr(blocked, field), atol=1e-12)


@pytest.mark.parametrize("s2", [1e-8, 1e8])
@pytest.mark.parametrize("n", [2, 500])
def test_extreme_noise_is_finite(s2, n):
    rng = np.random.default_rng(2)
    data = DiscreteData(rng.standard_normal((n, 3)) * 5, np.ones(n))
    x = rng.standard_normal((64, 3)) * 10
    st = empirical_posterior(x, s2, data, full_cov=True)
    for arr in (st.log_z, st.mean, st.trace_cov, st.participation, st.cov):
        assert np.isfinite(arr).all()
    assert (st.trace_cov >= 0).all()
    assert ((st.participation >= 1 / n - 1e-12) & (st.participation <= 1 + 1e-12)).all()
    if s2 == 1e8:  # huge noise: the posterior is the prior, up to ⟨y⟩ − c ≈ C·x/s² ~ 1e-5
        np.testing.assert_allclose(st.mean, np.broadcast_to(data.centre, st.mean.shape), atol=1e-4)
    else:  # zero noise: all weight on one point
        np.testing.assert_allclose(st.participation, 1.0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        DiscreteData(np.array([[np.nan]]), np.ones(1))
    with pytest.raises(ValueError):
        DiscreteData(np.ones((2, 1)), np.array([1.0, -1.0]))
    data = DiscreteData(np.ones((2, 1)), np.ones(2))
    with pytest.raises(ValueError):
        empirical_posterior(np.zeros((1, 1)), 0.0, data)
    with pytest.raises(ValueError):
        empirical_posterior(np.zeros((1, 2)), 1.0, data)


@pytest.mark.parametrize("n", [3, 40])
def test_one_noise_per_query_point(n, monkeypatch):
    # s² given per row equals row-by-row calls with scalar s² (tiny and blocked paths).
    rng = np.random.default_rng(9)
    data = DiscreteData(rng.standard_normal((n, 2)), rng.random(n) + 0.2)
    x = rng.standard_normal((25, 2))
    s2 = np.geomspace(0.01, 10, 25)
    monkeypatch.setattr(cp, "BLOCK_ELEMENTS", 200)
    rows = empirical_posterior(x, s2, data, full_cov=True)
    for i in (0, 7, 24):
        one = empirical_posterior(x[i:i + 1], s2[i], data, full_cov=True)
        for f in ("log_z", "mean", "trace_cov", "participation", "cov"):
            np.testing.assert_allclose(getattr(rows, f)[i], getattr(one, f)[0], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        empirical_posterior(x, s2[:3], data)
