"""The entropy page's profiles, computed once per state (time excluded) and cached."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.jobs import TimeFreeJob
from components.state import GUIDANCE_KEYS, model_of, process_of, target_of
from core import limits
from core.entropy import (
    EntropyProfile,
    entropy_profile,
    fisher_spectrum,
    flow_marginals,
    gaussian_subspace_rate,
    hypersphere_rate,
    lyapunov_along_trajectory,
    two_deltas_rate,
)
from core.landscape import fixed_points
from core.streams import stream
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
    return np.geomspace(max(lo, limits.T_MIN / 10), min(hi, process.t_max), TIMES)


@dataclass(frozen=True)
class EntropyResult(EntropyProfile):
    """The entropy view's result: core.entropy's profile over the view's time grid (its fields:
    the rates by eq. 17 and eq. 15 with standard errors, Δdiv, D/s², Ḣ(x_t), the entropic time), and

    Attributes
    ----------
    d : int
        Dimension.
    samples : int
        Monte Carlo samples per time.
    exact, exact_name : (T,) array and str, or None
        A closed form where the target has one (two deltas, Gaussian subspace, hypersphere, one delta).
    lyap_times, lyap, lyap_x : arrays or None
        The Jacobian spectrum along one generative trajectory, and its positions (d ≤ LYAPUNOV_MAX_D).
    lyap_fixed : (T_lyap, d) array or None
        At each of those times, the spectrum at the fixed point the trajectory's position flows to
        (NaN where none was found): where the decision is heading.
    fisher_times, fisher : (F,) and (F, k) arrays or None
        Mean eigenvalues of the Fisher information C/s⁴ at typical points, the top k ≤ FISHER_TOP,
        on every FISHER_STRIDE-th time of the grid (None when d is too large for full covariances).
    decisions : pages.bifurcation.AxisResult or PathsResult, or None
        The fixed-point paths on the same time axis (axial targets and small datasets).
    """

    d: int = 0
    samples: int = 0
    exact: np.ndarray | None = None
    exact_name: str | None = None
    lyap_times: np.ndarray | None = None
    lyap: np.ndarray | None = None
    lyap_x: np.ndarray | None = None
    lyap_fixed: np.ndarray | None = None
    fisher_times: np.ndarray | None = None
    fisher: np.ndarray | None = None
    decisions: object = None


#: The closed-form rates of core.entropy, by the name a target spec gives in ``exact_rate`` (the
#: two-delta quadrature assumes equal weights).
EXACT_RATES = {
    "two_deltas": (lambda process, times, state, _target: two_deltas_rate(process, times, state.r),
                   "two deltas, 1-D quadrature"),
    "subspace": (lambda process, times, state, target: gaussian_subspace_rate(process, times, state.r,
                                                                             min(state.data_dim, target.d)),
                 "Gaussian on a subspace, Ambrogioni 2025 eq. 22"),
    "hypersphere": (lambda process, times, state, target: hypersphere_rate(process, times, target.d, state.r),
                    "hypersphere, vMF quadrature"),
}


#: A guided profile averages over its own flow's particles: Heun substeps per grid interval, the work (particles ×
#: data points × steps × kernels, ~4 s at 7 ns a pair) and the positions kept (T × P × d float32, 80 MB).
FLOW_SUBSTEPS, FLOW_WORK, FLOW_FLOATS = 4, 5e8, 2e7


def _compute(state, progress=None) -> EntropyResult:
    """Monte Carlo profile, exact overlays where they exist, and the fixed-point paths."""
    target, model, process = target_of(state), model_of(state), process_of(state)
    guided = model is not target
    times = _time_grid(target, process)
    n_eff = (target.data.n if target.is_discrete else 1) * max(1.0, target.d / 10) * (2 if guided else 1)
    samples = int(np.clip(PAIRS_PER_TIME / n_eff, 200, SAMPLES))
    # guided (science.md §9): eq. 17 with the guided C_w = (1 + w)C_c − wC over the guided flow's own marginals
    # (w = 0: the class's rate), so that the marginal rate is the entropy rate of the law the sampler produces
    rng = stream(state.seed, "entropy")
    flow = None
    if guided:
        n_data = target.data.n if target.is_discrete else 8
        work = n_data * max(1.0, target.d / 100) * (TIMES - 1) * FLOW_SUBSTEPS * 4      # Heun, two kernels
        particles = int(np.clip(min(FLOW_WORK / work, FLOW_FLOATS / (TIMES * target.d)), 100, samples))
        flow = flow_marginals(model, target, process, times, particles, rng, FLOW_SUBSTEPS)
    prof = entropy_profile(model, process, times, samples, rng, progress, positions=flow)
    out = dict(vars(prof), d=target.d, samples=samples, exact=None, exact_name=None)
    spec = state.spec
    closed = not guided and spec.exact_rate and (spec.exact_rate != "two_deltas" or state.symmetric())
    if closed:
        rate, name = EXACT_RATES[spec.exact_rate]
        out.update(exact=rate(process, times, state, target), exact_name=name)
    elif not guided and target.is_discrete and target.data.n == 1:
        out.update(exact=np.zeros(times.size), exact_name="single delta: Ḣ = 0")
    if out["exact"] is not None and not np.isfinite(out["exact"]).all():
        # the vMF quadrature loses precision at large d and small s²: draw only where it is finite
        out["exact"] = np.where(np.isfinite(out["exact"]), out["exact"], np.nan)
        if not np.isfinite(out["exact"]).any():
            out.update(exact=None, exact_name=None)
    if target.d <= LYAPUNOV_MAX_D:
        lyap_t, lyap, lyap_x = lyapunov_along_trajectory(model, process, times[::-1],
                                                         stream(state.seed, "lyapunov"))
        a = process.a(lyap_t)[:, None]
        fixed = [fixed_point_spectrum(model, process, t, x) for t, x in zip(lyap_t, lyap_x / a, strict=True)]
        out.update(lyap_times=lyap_t, lyap=lyap, lyap_x=lyap_x,
                   lyap_fixed=np.array([f if f is not None else np.full(target.d, np.nan) for f in fixed]))
    fisher = fisher_along(target, process, times[::FISHER_STRIDE], state.seed)
    if fisher is not None:
        out.update(fisher_times=times[::FISHER_STRIDE], fisher=fisher)
    small = target.is_discrete and target.data.n <= 16 and target.d <= 16
    if bifurcation.variant_of(state) is bifurcation.AxisResult or small:
        found = bifurcation.JOB.result(state)
        out["decisions"] = None if isinstance(found, bifurcation.NoDiagram) else found
    return EntropyResult(**out)


#: The entropy view's job: the Monte Carlo profile over the time grid (a progress step per time).
JOB = TimeFreeJob("entropy", _compute, reads=(*GUIDANCE_KEYS, "seed"), status=lambda i, n: f"time {i} of {n}")

#: Fisher spectra need the full covariance: samples × d² doubles per time ≤ this (64 MB), on every
#: FISHER_STRIDE-th time of the grid (20 times), the top FISHER_TOP eigenvalues kept.
FISHER_BUDGET, FISHER_STRIDE, FISHER_TOP = 8_000_000, 3, 16


def fisher_along(target, process, times, seed: int) -> np.ndarray | None:
    """Mean Fisher-information spectrum (top FISHER_TOP, descending) at each time over typical
    x̃ ~ p_t (Ambrogioni 2025 eq. 41); None when d is too large for full covariances."""
    samples = min(200, FISHER_BUDGET // (target.d**2 * len(times)))
    if samples < 4:
        return None
    rows = []
    for t in times:
        s2 = float(process.s2(t))
        rng = stream(seed, "fisher")
        x = target.sample(samples, rng) + np.sqrt(s2) * rng.standard_normal((samples, target.d))
        rows.append(fisher_spectrum(target, s2, x)[:FISHER_TOP])
    return np.array(rows)


#: Mean-shift steps before Newton in ``fixed_point_spectrum``.
MEAN_SHIFT_STEPS = 300


def fixed_point_spectrum(target, process, t: float, seed_x) -> np.ndarray | None:
    """Jacobian eigenvalues of the score at the fixed point reached from ``seed_x`` (x̃) at time t:
    the local Lyapunov spectrum there (negative: a stable decision)."""
    s2, a, b2 = float(process.s2(t)), float(process.a(t)), float(process.b2(t))
    x = np.atleast_2d(np.asarray(seed_x, float))
    scale = 1.0 + float(np.sqrt(np.trace(target.covariance)))
    residual = np.inf
    for _ in range(MEAN_SHIFT_STEPS):     # x̃ ← ⟨y⟩(x̃) descends F̃ to the minimum x̃ flows to
        mean = target.posterior(x, s2, full_cov=False).mean
        residual, x = float(np.linalg.norm(mean - x)), mean
        if residual < 1e-9 * scale:
            break
    fp = fixed_points(target, s2, x)      # Newton polishes it (from x̃ itself it missed some, near saddles)
    if len(fp.points):
        x = fp.points[:1]
    elif residual > 1e-4 * scale:         # many close points slow the mean shift: a near-fixed point will do
        return None
    cov = target.posterior(x, s2, full_cov=True).cov[0]
    return np.sort(np.linalg.eigvalsh(-np.eye(target.d) / b2 + a * a * cov / b2**2))[::-1]
