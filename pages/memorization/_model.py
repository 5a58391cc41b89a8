"""The memorization page's computations, cached per state (time excluded)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.jobs import TimeFreeJob
from components.state import process_of, target_of
from core import limits
from core.dynamics import initial_particles, reverse_times, reverse_trajectories
from core.memorization import (
    BETA_C,
    collapse_from_excess,
    excess_entropy,
    participation_at_typical_points,
    rem_beta_c,
    rem_participation,
)
from core.regimes import mixture_collapse_time, speciation_time
from core.streams import stream

TIMES, TYPICAL, TRAJECTORIES = 40, 200, 32
#: (M, sampled datasets) for the REM panel: N = 2^M points, Y averaged over datasets.
REM_SIZES = ((8, 64), (12, 32), (16, 12), (20, 4))
BETA_GRID = np.linspace(0.25, 3.0, 23) * BETA_C
#: Query points × data points per time step of the Monte Carlo panels.
MC_PAIRS = 2e6


@dataclass(frozen=True)
class MemorizationResult:
    """The memorization view's result: every panel over the whole time grid.

    Attributes
    ----------
    times : (T,) array
        Time grid (log-spaced over the process's range for this target).
    t_s : float
        Speciation time, a²Λ = b² (science.md §3, §5), under the state's process.
    discrete : bool
        Whether the target is a finite dataset: the participation and collapse panels need one.
    d : int
        Dimension.
    rem : list of dict
        Per REM size: ``m`` (N = 2^m points), ``mean`` and ``se`` of Y over BETA_GRID, ``beta_c`` (finite M).
    n : int or None
        Number of data points (discrete targets).
    y_typical, y_typical_sd : (T,) arrays or None
        Mean and spread of Y = Σw² at typical x_t ~ p_t.
    traj_times, y_path, y_path_sd : arrays or None
        Y along generative trajectories: times, mean and spread.
    f, f_se : (T,) arrays or None
        Excess entropy density f^e(t) by Monte Carlo and its standard error (Biroli et al. 2024 §4).
    alpha : float or None
        α = (log n)/d.
    t_c_measured : float or None
        Collapse time from the zero of f^e.
    t_c_theory : float or None
        Biroli et al. 2024 eq. 10 for the two-cluster mixture (s²(t_C) = σ_c²/(n^{2/d} − 1), any process).
    """

    times: np.ndarray
    t_s: float
    discrete: bool
    d: int
    rem: list
    n: int | None = None
    y_typical: np.ndarray | None = None
    y_typical_sd: np.ndarray | None = None
    traj_times: np.ndarray | None = None
    y_path: np.ndarray | None = None
    y_path_sd: np.ndarray | None = None
    f: np.ndarray | None = None
    f_se: np.ndarray | None = None
    alpha: float | None = None
    t_c_measured: float | None = None
    t_c_theory: float | None = None


def _compute(state, progress=None) -> MemorizationResult:
    """Participation ratio curves, the REM panel and the collapse panel."""
    target, process = target_of(state), process_of(state)
    rng = stream(state.seed, "memorization")
    steps = TIMES + len(REM_SIZES) + TIMES
    report = (lambda i: progress(i, steps)) if progress else (lambda i: None)
    out = dict(t_s=speciation_time(target, process),
               discrete=target.is_discrete, d=target.d)
    lam = max(target.top_eigenvalue, 1e-12)
    lo = max(float(process.time_of_s2(1e-4 * lam)), limits.T_MIN / 10)
    # a decade at least (Λ ≈ 0, one point, put the upper end below the lower one)
    hi = min(max(float(process.time_of_s2(1e2 * lam)), 10 * lo), process.t_max)
    times = np.geomspace(lo, hi, TIMES)
    out["times"] = times
    if target.is_discrete:
        n = target.data.n
        samples = int(np.clip(MC_PAIRS / n, 16, TYPICAL))
        mean, sd = participation_at_typical_points(target, process, times, samples, rng)
        out.update(n=n, y_typical=mean, y_typical_sd=sd)
        report(TIMES // 2)
        traj_times = reverse_times(lo, hi, TIMES - 1)
        x0 = initial_particles(process, hi, target, TRAJECTORIES, rng)
        tr = reverse_trajectories(target, process, x0, traj_times, rng=rng)
        y_path = np.array([target.posterior(f.astype(float) / float(process.a(t)), float(process.s2(t)),
                                            full_cov=False).participation for f, t in zip(tr.frames, tr.times,
                                                                                          strict=True)])
        out.update(traj_times=tr.times, y_path=y_path.mean(1), y_path_sd=y_path.std(1))
        report(TIMES)
    rem = []
    for i, (m_bits, datasets) in enumerate(REM_SIZES):
        mean, se = rem_participation(m_bits, BETA_GRID, datasets, rng, d=max(target.d, 400))
        rem.append(dict(m=m_bits, mean=mean, se=se, beta_c=rem_beta_c(m_bits)))
        report(TIMES + i + 1)
    out["rem"] = rem
    if target.is_discrete:
        n = target.data.n
        samples = int(np.clip(MC_PAIRS / n, 32, 400))
        ex = excess_entropy(target, process, times, samples, rng,
                            progress=lambda i, _n: report(TIMES + len(REM_SIZES) + i))
        out.update(f=ex.f, f_se=ex.f_se, alpha=ex.alpha, t_c_measured=collapse_from_excess(ex, process))
        if state.spec.two_clusters:      # finite n: a dataset; eq. 10 holds in s² for any process
            out["t_c_theory"] = mixture_collapse_time(n, target.d, state.cluster_width ** 2, process)
    return MemorizationResult(**out)


#: The memorization view's job: all three Monte Carlo panels (cancellable from the page).
JOB = TimeFreeJob("memorization", _compute, reads=("seed",))
