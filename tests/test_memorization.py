"""Participation ratio, the random energy model and collapse (science.md §5–6)."""
import numpy as np
import pytest

from core.memorization import (
    BETA_C,
    ExcessEntropy,
    collapse_from_excess,
    condensation_time,
    excess_entropy,
    expected_minimum,
    mixture_excess_entropy,
    participation_at_typical_points,
    rem_beta_c,
    rem_finite_m,
    rem_large_m,
    rem_participation,
    sphere_projections,
)
from core.processes import Process
from core.regimes import mixture_collapse_time
from core.targets import make_target


def test_participation_bounds_and_limits():
    target, proc = make_target("gaussian_points", d=5, n=200, seed=1), Process("VE")
    times = np.geomspace(1e-4, 1e3, 15)
    mean, sd = participation_at_typical_points(target, proc, times, 300, np.random.default_rng(0))
    assert np.all(mean >= 1 / 200 - 1e-12) and np.all(mean <= 1 + 1e-12)
    assert mean[0] > 0.99                       # t → 0: one point carries all the weight
    assert mean[-1] < 1.05 / 200                 # t → ∞: every point equally
    assert np.all(np.diff(mean) < 1e-3)          # decreasing in t (up to Monte Carlo noise)


def test_sphere_projection_law():
    u = sphere_projections(200_000, 10, 1, np.random.default_rng(0))[0]
    assert u.mean() == pytest.approx(0, abs=0.003) and u.var() == pytest.approx(1 / 10, rel=0.01)  # E u² = 1/d
    z = np.random.default_rng(1).standard_normal((50_000, 10))
    direct = z[:, 0] / np.linalg.norm(z, axis=1)
    assert np.quantile(direct, 0.9) == pytest.approx(np.quantile(u, 0.9), abs=0.01)


def test_expected_minimum_and_beta_c():
    rng = np.random.default_rng(2)
    sampled = rng.standard_normal((4000, 256)).min(axis=1).mean()
    assert expected_minimum(256, 1.0) == pytest.approx(sampled, abs=0.01)
    assert rem_beta_c(8) < rem_beta_c(16) < rem_beta_c(24) < BETA_C          # approaches 2√log 2 from below
    assert rem_beta_c(200) == pytest.approx(BETA_C, rel=0.03)


def test_rem_against_the_finite_size_law():
    # Y is not self-averaging: average over datasets; compare at β̃ = 2β_c (science.md §6).
    rng = np.random.default_rng(3)
    gaps = []
    for m_bits, datasets in ((8, 400), (12, 200)):
        mean, se = rem_participation(m_bits, [2 * BETA_C], datasets, rng, d=4000)
        law = rem_finite_m([2 * BETA_C], m_bits)
        assert abs(mean[0] - law[0]) < 3 * se[0] + 0.01
        gaps.append(law[0] - rem_large_m([2 * BETA_C])[0])
    assert gaps[0] > gaps[1] > 0                  # the large-M law is approached slowly from above
    assert rem_finite_m([2 * BETA_C], 8)[0] == pytest.approx(0.58, abs=0.01)
    assert rem_finite_m([2 * BETA_C], 16)[0] == pytest.approx(0.53, abs=0.02)
    assert condensation_time(2.0, 3.0, 1.0) == pytest.approx(2.0 * 3.0 / (2 * np.sqrt(np.log(2))))


def test_entropy_estimator_on_a_single_gaussian():
    # One data point: P^e_t is N(a y, b² I), whose entropy per variable is ½ + ½ log(2πb²):
    # with n = 1, α = 0 and f^e = s_sep − s^e must vanish (to Monte Carlo error, exactly here).
    target = make_target("gaussian_points", d=6, n=1, seed=0)
    ex = excess_entropy(target, Process("VP"), np.geomspace(0.01, 3, 6), 500, np.random.default_rng(4))
    s_e_error = np.abs(ex.f)
    assert np.all(s_e_error < 4 * ex.f_se + 1e-12)


@pytest.mark.parametrize("d", [20, 40])
def test_collapse_time_from_excess_entropy(d):
    target = make_target("mixture_samples", n=20_000, d=d, seed=0, r=1.0, sc=1.0)
    t_c = mixture_collapse_time(20_000, d, 1.0)
    times = np.geomspace(t_c / 4, 6 * t_c, 24)
    ex = excess_entropy(target, Process("VP"), times, 300, np.random.default_rng(5))
    # Above the collapse the empirical f^e follows the mixture theory ...
    above = times > 2 * t_c
    theory = mixture_excess_entropy(times, 20_000, d, 1.0)
    assert np.all(np.abs(ex.f[above] - theory[above]) < 3 * ex.f_se[above] + 0.1 * ex.alpha)
    # ... and its zero crossing matches eq. 10 within 10% (finite-d rounding biases it low: 4-6% here).
    assert collapse_from_excess(ex, Process("VP")) == pytest.approx(t_c, rel=0.1)


@pytest.mark.parametrize("process", [Process("VP"), Process("VE", 1.5), Process("FM")], ids=["VP", "VE", "FM"])
def test_collapse_estimator_is_exact_on_the_mixture_law(process):
    # Fed the law's own curve f = α + ½ log(s²/(s² + σ_c²)) (noise-free), the estimator returns eq. 10
    # (issue 19: a line in log t landed ~7% low here); eq. 10 in s² holds for every process.
    n, d, var_c = 20_000, 30, 0.8
    t_c = mixture_collapse_time(n, d, var_c, process)
    assert process.s2(t_c) == pytest.approx(var_c / (n ** (2 / d) - 1), rel=1e-12)
    times = np.geomspace(t_c * 1.01, min(6 * t_c, 0.99 * process.t_max), 24)
    f = mixture_excess_entropy(times, n, d, var_c, process)
    ex = ExcessEntropy(times, process.s2(times), f, np.zeros_like(f), np.log(n) / d)
    assert collapse_from_excess(ex, process) == pytest.approx(t_c, rel=1e-9)
