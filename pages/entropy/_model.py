"""The entropy page's profiles, computed once per state (time excluded) and cached."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.jobs import TimeFreeJob
from components.state import process_of, target_of
from core import limits
from core.entropy import (
    entropy_profile,
    fisher_spectrum,
    gaussian_subspace_rate,
    hypersphere_rate,
    lyapunov_along_trajectory,
    two_deltas_rate,
)
from core.landscape import fixed_points
from pages import bifurcation

TIMES, SAMPLES = 60, 2_000
#: Monte Carlo work per time, samples × data points × max(1, d/10) (the kernel's pairs, d-weighted):
#: larger datasets get fewer samples (at least 200; n = 100,000 in 2-D: ~8 s in all).
PAIRS_PER_TIME = 2e7
#: Jacobian spectra (full covariances) are drawn up to this dimension.
LYAPUNOV_MAX_D = 32


def _time_grid(target, process):
    lam = max(target.top_eigenvalue, 1e-12)
    lo = float(process.time_of_s2(1e-3 * lam))
    hi = float(process.time_of_s2(1e2 * max(lam, float(np.max(np.sum(target.display_points**2, 1))))))
    return np.geomspace(max(lo, limits.T_MIN / 10), min(hi, limits.T_MAX), TIMES)


@dataclass(frozen=True)
class EntropyResult:
    """The entropy view's result over its time grid (SCIENCE.md §7, seed 004).

    Attributes
    ----------
    times : (T,) array
        Time grid.
    rate, rate_se : (T,) arrays
        Ḣ(y|x_t) through the posterior variance (eq. 17) by Monte Carlo, and its standard error.
    rate_score, rate_score_se : (T,) arrays
        The same rate through the score norm (eq. 15).
    delta_div : (T,) array
        Δdiv = div + D/s², the data part of the score's divergence.
    trivial_div : (T,) array
        D/s², the divergence of the score of pure noise.
    marginal : (T,) array
        Ḣ(x_t).
    cumulative : (T,) array
        H(y|x_t) − H(y|x_t₀): the entropic time.
    d : int
        Dimension.
    samples : int
        Monte Carlo samples per time.
    exact, exact_name : (T,) array and str, or None
        A closed form where the target has one (two deltas, Gaussian subspace, hypersphere, one delta).
    lyap_times, lyap, lyap_x : arrays or None
        The Jacobian spectrum along one generative trajectory, and its positions (d ≤ LYAPUNOV_MAX_D).
    decisions : pages.bifurcation result or None
        The fixed-point paths on the same time axis (axial targets and small datasets).
    """

    times: np.ndarray
    rate: np.ndarray
    rate_se: np.ndarray
    rate_score: np.ndarray
    rate_score_se: np.ndarray
    delta_div: np.ndarray
    trivial_div: np.ndarray
    marginal: np.ndarray
    cumulative: np.ndarray
    d: int
    samples: int
    exact: np.ndarray | None = None
    exact_name: str | None = None
    lyap_times: np.ndarray | None = None
    lyap: np.ndarray | None = None
    lyap_x: np.ndarray | None = None
    decisions: object = None


def _compute(state, progress=None) -> EntropyResult:
    """Monte Carlo profile, exact overlays where they exist, and the fixed-point paths."""
    target, process = target_of(state), process_of(state)
    times = _time_grid(target, process)
    n_eff = (target.data.n if target.is_discrete else 1) * max(1.0, target.d / 10)
    samples = int(np.clip(PAIRS_PER_TIME / n_eff, 200, SAMPLES))
    prof = entropy_profile(target, process, times, samples, np.random.default_rng(state["seed"]), progress)
    out = dict(times=times, rate=prof.rate, rate_se=prof.rate_se, rate_score=prof.rate_score,
               rate_score_se=prof.rate_score_se, delta_div=prof.delta_div, trivial_div=prof.trivial_div,
               marginal=prof.marginal, cumulative=prof.cumulative, d=target.d, exact=None, exact_name=None,
               samples=samples)
    if state["target"] == "two_deltas" and state["pw"] == 0.5:
        out.update(exact=two_deltas_rate(process, times, state["r"]), exact_name="two deltas, 1-D quadrature")
    elif state["target"] == "subspace":
        out.update(exact=gaussian_subspace_rate(process, times, state["r"], min(state["dd"], target.d)),
                   exact_name="Gaussian on a subspace, seed 004 eq. 22")
    elif state["target"] == "hypersphere":
        out.update(exact=hypersphere_rate(process, times, target.d, state["r"]),
                   exact_name="hypersphere, vMF quadrature")
    elif target.is_discrete and target.data.n == 1:
        out.update(exact=np.zeros(times.size), exact_name="single delta: Ḣ = 0")
    if out["exact"] is not None and not np.isfinite(out["exact"]).all():
        # the vMF quadrature loses precision at large d and small s²: draw only where it is finite
        out["exact"] = np.where(np.isfinite(out["exact"]), out["exact"], np.nan)
        if not np.isfinite(out["exact"]).any():
            out.update(exact=None, exact_name=None)
    if target.d <= LYAPUNOV_MAX_D:
        lyap_t, lyap, lyap_x = lyapunov_along_trajectory(target, process, times[::-1],
                                                         np.random.default_rng(state["seed"]))
        out.update(lyap_times=lyap_t, lyap=lyap, lyap_x=lyap_x)
    small = target.is_discrete and target.data.n <= 16 and target.d <= 16
    if bifurcation.mode_of({**state, "t": 1.0}) == "axis" or small:
        out["decisions"] = bifurcation.JOB.result(state)
    return EntropyResult(**out)


#: The entropy view's job: the Monte Carlo profile over the time grid (a progress step per time).
JOB = TimeFreeJob("entropy", _compute, status=lambda i, n: f"time {i} of {n}")

#: Fisher spectra need the full covariance: samples × d² ≤ this many doubles (64 MB).
FISHER_BUDGET = 8_000_000


def fisher_view(state: dict) -> np.ndarray | None:
    """Mean Fisher-information spectrum at the state's time over typical x̃ ~ p_t (None when
    d is too large for full covariances)."""
    target, process = target_of(state), process_of(state)
    samples = min(200, FISHER_BUDGET // target.d**2)
    if samples < 4:
        return None
    s2 = float(process.s2(state["t"]))
    rng = np.random.default_rng(state["seed"] + 1)
    x = target.sample(samples, rng) + np.sqrt(s2) * rng.standard_normal((samples, target.d))
    return fisher_spectrum(target, s2, x)


def fixed_point_spectrum(state: dict, seed_x) -> np.ndarray | None:
    """Jacobian eigenvalues of the score at the fixed point reached from ``seed_x`` (x̃) at the
    state's time: the local Lyapunov spectrum there (negative: a stable decision)."""
    target, process = target_of(state), process_of(state)
    if target.d > LYAPUNOV_MAX_D:
        return None
    t = state["t"]
    s2, a, b2 = float(process.s2(t)), float(process.a(t)), float(process.b2(t))
    fp = fixed_points(target, s2, np.atleast_2d(seed_x))
    if len(fp.points) == 0:
        return None
    cov = target.posterior(fp.points[:1], s2, full_cov=True).cov[0]
    return np.sort(np.linalg.eigvalsh(-np.eye(target.d) / b2 + a * a * cov / b2**2))[::-1]
