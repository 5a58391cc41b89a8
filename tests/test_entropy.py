"""Entropy rates, divergence and Fisher spectra against closed forms (science.md §7; Ambrogioni 2025)."""
import numpy as np
import pytest

from core.entropy import entropy_profile, fisher_spectrum, gaussian_subspace_rate, two_deltas_rate
from core.processes import Process
from core.targets import make_target

PROCS = [Process("VE", 1.0), Process("VE", 2.0), Process("VP"), Process("FM")]
IDS = ["VE1", "VE2", "VP", "FM"]


@pytest.mark.parametrize("proc", PROCS, ids=IDS)
def test_gaussian_subspace_against_closed_form(proc):
    target = make_target("subspace", d=5, r=1.3, dd=2)
    times = proc.time_of_s2(np.geomspace(0.01, 30.0, 8))
    prof = entropy_profile(target, proc, times, 3000, np.random.default_rng(0))
    exact = gaussian_subspace_rate(proc, times, 1.3, 2)
    # tr C is constant for a Gaussian, so eq. 17 has no Monte Carlo error at all ...
    np.testing.assert_allclose(prof.rate, exact, rtol=1e-10)
    # ... while the score-norm estimator (eq. 15) agrees within three standard errors.
    assert np.all(np.abs(prof.rate_score - exact) < 3 * prof.rate_score_se + 1e-12)
    # Ḣ(x_t) = Ḣ(x̃_t) + D·d(log a)/dt (science.md §9): the log a term is −D under VP, 0 under VE
    np.testing.assert_allclose(prof.marginal, 0.5 * 5 * proc.nu2(times) / proc.s2(times) - exact
                               + 5 * proc.dlog_a(times), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d", [1, 3])
def test_standard_normal_is_stationary_under_vp(d):
    # x_t ~ N(0, I) at every t under VP when y ~ N(0, I): its entropy does not change.
    target = make_target("subspace", d=d, r=1.0, dd=d)
    times = np.geomspace(0.01, 3.0, 7)
    prof = entropy_profile(target, Process("VP"), times, 500, np.random.default_rng(2))
    np.testing.assert_allclose(prof.marginal, 0.0, atol=1e-9)
    # ... while x̃ = x/a spreads: Ḣ(x̃) = D, and the conditional rate is D/s²
    np.testing.assert_allclose(prof.rate, d / Process("VP").s2(times), rtol=1e-10)


def test_standard_normal_under_flow_matching():
    # y ~ N(0, I): x_t = (1 − t)y + tz ~ N(0, v I), v = (1 − t)² + t², so Ḣ(x_t) = D v'/(2v) = D(2t − 1)/v:
    # the marginal rate needs the log a term of science.md §9 (−D/(1 − t) under FM).
    d, times = 3, np.array([0.05, 0.3, 0.5, 0.7, 0.95])
    prof = entropy_profile(make_target("subspace", d=d, r=1.0, dd=d), Process("FM"), times, 500,
                           np.random.default_rng(3))
    np.testing.assert_allclose(prof.marginal, d * (2 * times - 1) / ((1 - times) ** 2 + times**2), rtol=1e-9,
                               atol=1e-12)


@pytest.mark.parametrize("proc", PROCS, ids=IDS)
def test_two_deltas_quadrature_against_monte_carlo(proc):
    target = make_target("two_deltas", d=1)
    times = proc.time_of_s2(np.array([0.1, 0.3, 0.7, 1.5, 4.0]))
    prof = entropy_profile(target, proc, times, 20_000, np.random.default_rng(1))
    exact = two_deltas_rate(proc, times)
    assert np.all(np.abs(prof.rate - exact) < 3 * prof.rate_se + 1e-12)
    assert np.all(np.abs(prof.rate_score - exact) < 3 * prof.rate_score_se + 1e-12)


def test_total_information_is_the_data_entropy():
    # ∫₀^∞ Ḣ(y|x_t) dt = H(y|x_∞) − H(y|x_0) = H(y) = log 2 for two equal deltas.
    times = np.geomspace(1e-5, 1e4, 600)
    assert np.trapezoid(two_deltas_rate(Process("VE"), times), times) == pytest.approx(np.log(2), rel=2e-3)


def test_total_information_under_flow_matching():
    # The same identity over flow matching's t ∈ (0, 1): ∫₀¹ Ḣ(y|x_t) dt = log 2 (x_1 = z knows nothing).
    proc = Process("FM")
    times = proc.time_of_s2(np.geomspace(1e-5, 1e8, 800))
    assert np.trapezoid(two_deltas_rate(proc, times), times) == pytest.approx(np.log(2), rel=2e-3)


@pytest.mark.parametrize("key", ["gaussian_points", "circle", "mixture", "hypersphere"])
def test_rates_and_divergence_are_non_negative(key):
    target, proc = make_target(key, d=3, n=40), Process("VE")
    times = np.geomspace(0.01, 10, 12)
    prof = entropy_profile(target, proc, times, 500, np.random.default_rng(2))
    assert np.all(prof.rate >= 0) and np.all(prof.delta_div >= 0)
    np.testing.assert_allclose(prof.rate, 0.5 * proc.nu2(times) * prof.delta_div)   # eq. 37
    assert np.all(np.diff(prof.cumulative) >= 0)


def test_fisher_spectrum_reads_the_manifold_dimension():
    for dd in (1, 3):
        target = make_target("subspace", d=7, r=1.0, dd=dd)
        s2 = 0.05
        rng = np.random.default_rng(3)
        x = target.sample(50, rng) + np.sqrt(s2) * rng.standard_normal((50, 7))
        eigs = fisher_spectrum(target, s2, x)
        assert np.sum(eigs > 1e-6 * eigs[0]) == dd
        np.testing.assert_allclose(eigs[:dd], 1.0 / (s2 * (1.0 + s2)), rtol=1e-10)   # h²/(s²(h² + s²))


@pytest.mark.parametrize("d", [1, 3, 8])
def test_hypersphere_quadrature_against_monte_carlo(d):
    from core.entropy import hypersphere_rate
    target, proc = make_target("hypersphere", d=d, r=1.2), Process("VE")
    times = np.array([0.05, 0.2, 0.6, 2.0])
    prof = entropy_profile(target, proc, times, 20_000, np.random.default_rng(6))
    exact = hypersphere_rate(proc, times, d, 1.2)
    # (at t = 0.05 the rate comes from a 5σ tail that 20,000 samples rarely visit: allow
    # 10⁻³ of the peak rate beside three standard errors)
    assert np.all(np.abs(prof.rate - exact) < 3 * prof.rate_se + 1e-3 * exact.max())
    if d == 1:   # the 1-sphere is two deltas
        np.testing.assert_allclose(exact, two_deltas_rate(proc, times, 1.2), rtol=1e-6)


def test_lyapunov_spectrum_along_a_trajectory():
    from core.entropy import lyapunov_along_trajectory
    target, proc = make_target("subspace", d=4, r=1.0, dd=2), Process("VE")
    times = np.geomspace(5.0, 0.01, 40)
    t, eigs, _ = lyapunov_along_trajectory(target, proc, times, np.random.default_rng(0))
    # Gaussian: J = −I/b² + C/b⁴ with C = diag(h²s²/(h² + s²) on D_data, 0): eigenvalues
    # −1/(h² + b²) on the data directions and −1/b² off them, wherever the trajectory is.
    b2 = proc.b2(t)[:, None]
    expected = np.sort(np.c_[np.repeat(-1 / (1 + b2), 2, 1), np.repeat(-1 / b2, 2, 1)], axis=1)[:, ::-1]
    np.testing.assert_allclose(eigs, expected, rtol=1e-9)


def test_hypersphere_rate_quantile_nodes_match_laguerre(monkeypatch):
    """Above LAGUERRE_MAX_D the χ² average uses equal-probability nodes: same rate at d = 60."""
    import core.entropy as ce
    times = np.geomspace(1e-2, 100, 6)
    laguerre = ce.hypersphere_rate(Process("VE"), times, 60, 1.0)
    monkeypatch.setattr(ce, "LAGUERRE_MAX_D", 10)
    np.testing.assert_allclose(ce.hypersphere_rate(Process("VE"), times, 60, 1.0), laguerre, rtol=1e-3)
    assert np.isfinite(ce.hypersphere_rate(Process("VE"), times, 1000, 1.0)).all()


def test_lyapunov_spectrum_at_the_fixed_point_is_the_two_delta_closed_form():
    """Two deltas ±1 under VE (σ = 1, s² = b² = t): a trajectory at x̃ > 0 heads for m = tanh(m/t), and
    the score's Jacobian there is −1/b² + a²·Var(y|x̃)/b⁴ = −1/t + (1 − m²)/t² (science.md §1–3);
    above t_c = 1 the only fixed point is m = 0, where it is −1/t + 1/t²."""
    from scipy.optimize import brentq

    from pages.entropy._model import fixed_point_spectrum
    target, process = make_target("two_deltas", d=1), Process("VE", 1.0)
    for t in (0.3, 0.6, 0.9, 1.5):
        m = brentq(lambda u, t=t: u - np.tanh(u / t), 1e-6, 2.0) if t < 1 else 0.0
        got = fixed_point_spectrum(target, process, t, np.array([0.2]))
        assert got == pytest.approx([-1 / t + (1 - m * m) / t**2], rel=1e-6, abs=1e-9), t


def test_flow_marginals_are_recorded_at_the_times_asked_for():
    """The probability-flow ODE carries N(0, h²I)'s forward law exactly: x̃ = x/a has variance h² + s²(t) at every
    time, on any grid. Under FM at 0.1, 0.4, 0.7, 0.9 (not geometric) the records once fell on a geometric grid
    from 0.9 down to 0.1: at 0.7 the variance was that of t ≈ 0.43 (issue 32). 4,000 particles in d = 2: the
    variance's relative standard error is 1.6 %, bounded here at 5 standard errors."""
    from core.entropy import flow_marginals
    target, process = make_target("subspace", d=2, r=1.0, dd=2), Process("FM")
    times = np.array([0.1, 0.4, 0.7, 0.9])
    x = flow_marginals(target, target, process, times, 4000, np.random.default_rng(0))
    expected = 1.0 + process.s2(times)
    measured = x.reshape(len(times), -1).var(axis=1)
    np.testing.assert_allclose(measured, expected, rtol=5 * np.sqrt(2 / 8000))
    with pytest.raises(ValueError, match="increasing"):
        flow_marginals(target, target, process, times[::-1], 10, np.random.default_rng(0))
