"""Speciation and collapse: the three dynamical regimes of Biroli et al. 2024 (science.md §5).

Times are those of the given process; Biroli et al. 2024's formulas are for VP (Ornstein–Uhlenbeck).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate

from core.dynamics import initial_particles, reverse_trajectories
from core.processes import VP, Process
from core.targets import Target


def speciation_time(target: Target, process: Process) -> float:
    """t_s where the top data eigenvalue meets the noise, a²Λ = b² (§3, §5); for VP this is
    ½ log(1 + Λ) ≈ ½ log Λ, Biroli et al. 2024's t_s, for large Λ."""
    return float(process.time_of_s2(target.top_eigenvalue))


def mixture_collapse_time(n: int, d: int, var_c: float, process: Process = VP) -> float:
    """Biroli et al. 2024 eq. 10: t_C = ½ log(1 + σ_c² / (n^{2/d} − 1)) under VP, i.e. s²(t_C) = σ_c²/(n^{2/d} − 1)
    for any process (the criterion lives in x̃ = x/a, see ``mixture_excess_entropy``)."""
    return float(process.time_of_s2(var_c / np.expm1(2.0 * np.log(n) / d)))


def phi_closed_form(t, m_norm: float, var_c: float, process: Process = VP) -> np.ndarray:
    """Cloning probability for the two-Gaussian mixture ±m (Biroli et al. 2024 eq. 6, VP):

    φ(t) = ½∫dy [G₊² + G₋²]/(G₊ + G₋),  G± = N(y; ±|m|e^{−t}, Γ_t),  Γ_t = Δ_t + σ_c²e^{−2t}.

    φ = E[Σ_c P(c|x_t)²] depends on x_t only through x̃ = x/a, so on t only through s²: another
    process's time t is evaluated at the VP time with the same s².
    """
    out = []
    for tt in np.atleast_1d(VP.time_of_s2(process.s2(np.asarray(t, float)))):
        mean = m_norm * np.exp(-tt)
        gamma = -np.expm1(-2 * tt) + var_c * np.exp(-2 * tt)
        sd = np.sqrt(gamma)

        def integrand(y, mean=mean, sd=sd):
            # ½(G₊² + G₋²)/(G₊ + G₋) = ½ G₊ (1 + r²)/(1 + r) with r = G₋/G₊ = e^{−2ym/Γ}
            g_plus = np.exp(-0.5 * ((y - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
            r = np.exp(-2 * y * mean / sd**2)
            return 0.5 * g_plus * (1 + r * r) / (1 + r) if r < 1e150 else 0.5 * g_plus * r
        # the integrand is even in y: twice the half line
        half = integrate.quad(integrand, 0, mean + 12 * sd, limit=200)[0]
        out.append(2 * half)
    return np.array(out)


def collapse_times(nearest, weight, times, dominant: float = 0.5) -> np.ndarray:
    """Per-trajectory collapse time: the largest recorded t from which on (t decreasing) the nearest
    training point μ* no longer changes (Biroli et al. 2024 Fig. 5) *and* dominates the posterior,
    w_μ* ≥ ``dominant``; NaN for a trajectory that never settles so.

    The weight condition is what makes it a collapse: with few, well separated points (or under
    the deterministic ODE) μ* stops changing as soon as a trajectory picks a side, long before
    the posterior concentrates on one point — the last change alone put t̂_C above t_s.
    """
    nearest, weight, times = np.asarray(nearest), np.asarray(weight), np.asarray(times)
    settled = np.ones_like(nearest, dtype=bool)
    settled[:-1] = nearest[:-1] == nearest[-1][None, :]
    settled &= weight >= dominant
    # from frame k on settled for good: the reversed running product of settled
    for_good = np.flip(np.cumprod(np.flip(settled, axis=0), axis=0), axis=0).astype(bool)
    first = np.argmax(for_good, axis=0)
    return np.where(for_good[-1], times[first], np.nan)


@dataclass(frozen=True)
class CloningResult:
    """φ(t): probability that two clones made at time t end in the same class, and φ_C(t):
    on the same training point (discrete targets), each with its binomial standard error."""

    times: np.ndarray
    phi: np.ndarray
    phi_se: np.ndarray
    phi_c: np.ndarray | None
    phi_c_se: np.ndarray | None


def cloning_experiment(target: Target, process: Process, clone_times, classify, pairs: int, grid,
                       rng: np.random.Generator, progress=None, sampler: str = "euler") -> CloningResult:
    """Run ``pairs`` backward trajectories along ``grid`` (decreasing times, t_max to t_min: any step grid,
    core.schedules) to each clone time t, copy each, run both copies on to t_min with independent noise (SDE, by
    ``sampler``), and count agreements of ``classify`` (final positions → class labels) and, for discrete targets,
    of the nearest data point."""
    grid = np.asarray(grid, float)
    t_max, t_min = float(grid[0]), float(grid[-1])
    phi, phi_c = [], []
    for i, t_clone in enumerate(np.sort(np.asarray(clone_times, float))[::-1]):
        first = grid[grid > t_clone]
        x = initial_particles(process, t_max, target, pairs, rng)
        if first.size > 1:
            x = reverse_trajectories(target, process, x, np.r_[first, t_clone], rng=rng, record_every=10**9,
                                     sampler=sampler).final
        rest = np.r_[t_clone, grid[grid < t_clone]]
        ends = [reverse_trajectories(target, process, x, rest, rng=rng, record_every=10**9, sampler=sampler).final
                for _ in range(2)]
        phi.append(np.mean(classify(ends[0]) == classify(ends[1])))
        if target.is_discrete:
            from core.dynamics import nearest_training_point
            a = float(process.a(t_min))
            same = nearest_training_point(target, ends[0], a) == nearest_training_point(target, ends[1], a)
            phi_c.append(np.mean(same))
        if progress is not None:
            progress(i + 1, len(clone_times))
    times = np.sort(np.asarray(clone_times, float))[::-1]
    se = lambda p: np.sqrt(np.maximum(np.asarray(p) * (1 - np.asarray(p)), 1.0 / pairs) / pairs)
    phi = np.array(phi)
    if target.is_discrete:
        phi_c = np.array(phi_c)
        return CloningResult(times, phi, se(phi), phi_c, se(phi_c))
    return CloningResult(times, phi, se(phi), None, None)
