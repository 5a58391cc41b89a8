"""Memorization: participation ratio, condensation in the random energy model, collapse
(Ambrogioni 2023 §10, Biroli et al. 2024 §collapse and Fig. 3; science.md §5–6)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from core.processes import VP, Process
from core.targets import Target

BETA_C = 2.0 * np.sqrt(np.log(2.0))


# ---------------------------------------------------------------- participation ratio
def participation_at_typical_points(target: Target, process: Process, times, samples: int,
                                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Y(t) = Σ_j w_j² at x_t = a·y_j + b·z with y_j a training point (x_t ~ p^e_t):
    mean and standard deviation over ``samples`` points per time (discrete targets)."""
    mean, sd = np.empty(len(times)), np.empty(len(times))
    for i, t in enumerate(times):
        s2 = float(process.s2(t))
        x = target.sample(samples, rng) + np.sqrt(s2) * rng.standard_normal((samples, target.d))
        y = target.posterior(x, s2, full_cov=False).participation
        mean[i], sd[i] = y.mean(), y.std()
    return mean, sd


# ---------------------------------------------------------------- random energy model
def sphere_projections(n: int, d: int, size, rng: np.random.Generator) -> np.ndarray:
    """u = ŷ·x̂ for y uniform on S^{d−1}: exactly (u + 1)/2 ~ Beta((d−1)/2, (d−1)/2).
    Only these projections enter the weights w_j ∝ e^{x·y_j/s²} of data on a sphere."""
    a = 0.5 * (d - 1)
    return 2.0 * rng.beta(a, a, size=(*np.atleast_1d(size), n)) - 1.0


def rem_participation(m_bits: int, beta_tilde, datasets: int, rng: np.random.Generator, d: int = 400
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of Y over ``datasets`` sampled datasets of N = 2^M points on a
    sphere of radius ν√(Md/2) (science.md §6), at β̃ = νβ|x| (one value or an array).

    The energies E_j = −x·y_j/(ν|x|) have variance M/2 (Gaussian as d → ∞); Y = Σ w_j² with
    w_j ∝ exp(−β̃ E_j) = exp(β̃ √(Md/2)·u_j)."""
    beta_tilde = np.atleast_1d(np.asarray(beta_tilde, float))
    n = 2**m_bits
    scale = np.sqrt(m_bits * d / 2.0)
    values = np.empty((datasets, beta_tilde.size))
    for k in range(datasets):
        energy = -scale * sphere_projections(n, d, 1, rng)[0]
        for i, b in enumerate(beta_tilde):
            logw = -b * energy
            values[k, i] = np.exp(special.logsumexp(2 * logw) - 2 * special.logsumexp(logw))
    return values.mean(0), values.std(0, ddof=1) / np.sqrt(datasets)


def rem_large_m(beta_tilde) -> np.ndarray:
    """Large-M law: E[Y] = 0 for β̃ ≤ β_c = 2√log 2, 1 − β_c/β̃ above."""
    b = np.asarray(beta_tilde, float)
    return np.where(b > BETA_C, 1.0 - BETA_C / np.maximum(b, 1e-300), 0.0)


def expected_minimum(n: int, sd: float) -> float:
    """E[min of n i.i.d. N(0, sd²)] = sd·∫ z n φ(z)(1 − Φ(z))^{n−1} dz."""
    n = float(n)
    log_n = np.log(n)
    f = lambda z: z * np.exp(log_n + special.log_ndtr(-z) * (n - 1) - 0.5 * z * z) / np.sqrt(2 * np.pi)  # noqa: E731
    centre = -np.sqrt(2 * log_n)
    return sd * integrate.quad(f, centre - 12, centre + 12, limit=200, points=[centre])[0]


def rem_beta_c(m_bits: int) -> float:
    """Finite-size critical β̃: β_c(M) = |E min_j E_j| / Var(E) with Var(E) = M/2 (§6)."""
    var = m_bits / 2.0
    return abs(expected_minimum(2**m_bits, np.sqrt(var))) / var


def rem_finite_m(beta_tilde, m_bits: int) -> np.ndarray:
    """Finite-M law E[Y] ≈ 1 − β_c(M)/β̃ above β_c(M), 0 below."""
    b = np.asarray(beta_tilde, float)
    bc = rem_beta_c(m_bits)
    return np.where(b > bc, 1.0 - bc / np.maximum(b, 1e-300), 0.0)


def condensation_time(nu: float, x_norm: float, sigma: float) -> float:
    """t_cond(x) = ν|x| / (2σ²√log 2) (Ambrogioni 2023 eq. 47), where β̃ = ν|x|/(σ²t) = β_c."""
    return nu * x_norm / (2.0 * sigma**2 * np.sqrt(np.log(2.0)))


# ---------------------------------------------------------------- collapse (Biroli et al. 2024)
@dataclass(frozen=True)
class ExcessEntropy:
    """f^e(t) = s_sep(t) − s^e(t) by Monte Carlo (per variable), with standard errors, at the times
    ``times`` whose effective noise variances are ``s2``."""

    times: np.ndarray
    s2: np.ndarray
    f: np.ndarray
    f_se: np.ndarray
    alpha: float


def excess_entropy(target: Target, process: Process, times, samples: int, rng: np.random.Generator,
                   progress=None) -> ExcessEntropy:
    """Empirical excess entropy density of a discrete target (Biroli et al. 2024 eq. 4–5):
    f^e = s_sep − s^e with s_sep = α + ½ + ½ log(2πb²), s^e = −(1/d) E_{x∼P^e_t} log P^e_t(x), α = (log n)/d.

    Estimated as f^e = α − H(π)/d + E[−log w_μ(x̃)]/d, x̃ = y_μ + s·z drawn from the point μ ~ π it came from and
    w_μ its posterior weight (science.md §5): the same expectation, since log N(x̃; y_μ, s²) has the mean that
    s_sep subtracts, but without the noise's own χ²_d fluctuation, which at d = 1,000 made the plain estimator's
    standard error larger than α itself."""
    data = target.data
    n, d = data.n, target.d
    alpha = np.log(n) / d
    weights = data.weights
    spread = alpha + np.sum(weights * data.log_weights) / d             # (log n − H(π))/d: 0 for equal weights
    f, se = np.empty(len(times)), np.empty(len(times))
    for i, t in enumerate(times):
        s2 = float(process.s2(t))
        mu = rng.choice(n, size=samples, p=weights)
        y = data.points[mu]
        x_tilde = y + np.sqrt(s2) * rng.standard_normal((samples, d))
        log_z = target.posterior(x_tilde, s2, full_cov=False).log_z
        # log w_μ = log π_μ + (x̃·y_μ − ½|y_μ|²)/s² − log Z(x̃)                 (science.md §1)
        log_w = data.log_weights[mu] + (np.einsum("ij,ij->i", x_tilde, y) - 0.5 * np.einsum("ij,ij->i", y, y)) / s2 \
            - log_z
        per = spread - log_w / d
        f[i], se[i] = per.mean(), per.std(ddof=1) / np.sqrt(samples)
        if progress is not None:
            progress(i + 1, len(times))
    times = np.asarray(times, float)
    return ExcessEntropy(times, process.s2(times), f, se, alpha)


def mixture_excess_entropy(times, n: int, d: int, var_c: float, process: Process = VP) -> np.ndarray:
    """Large-d theory for the Gaussian mixture (Biroli et al. 2024): f(t) = α + ½ log(Δ_t/Γ_t), Γ_t = Δ_t + σ_c² e^{−2t}
    under VP, i.e. f = α + ½ log(s²/(s² + σ_c²)) in the effective noise s² of any process (x̃ = x/a
    shifts s_sep and s^e alike); its zero is eq. 10."""
    s2 = process.s2(np.asarray(times, float))
    return np.log(n) / d + 0.5 * np.log(s2 / (s2 + var_c))


def collapse_from_excess(ex: ExcessEntropy, process: Process, lo: float = 0.2, hi: float = 0.6) -> float | None:
    """t_C estimated from f^e where lo ≤ f^e/α ≤ hi (just above the collapse), extrapolated to f^e = 0
    in the variables that make the mixture law a straight line: q = e^{2(α − f)} − 1 equals σ_c²/s²
    on it, so a line q = A/s² + B is fitted and solved for f = 0, q = e^{2α} − 1.  Exact on the law's
    curve (a line in log t, used before, landed ~7% low there: the curve is concave in log t)."""
    if ex.alpha <= 0:                       # one data point: nothing to collapse onto but itself
        return None
    ratio = ex.f / ex.alpha
    sel = (ratio >= lo) & (ratio <= hi)
    if sel.sum() < 2:
        return None
    q = np.expm1(2.0 * (ex.alpha - ex.f[sel]))
    slope, intercept = np.polyfit(1.0 / ex.s2[sel], q, 1)
    gap = np.expm1(2.0 * ex.alpha) - intercept
    if slope <= 0 or gap <= 0:
        return None
    return float(process.time_of_s2(slope / gap))
