"""Closed-form posteriors of continuous targets (science.md §3.3–3.5).

Each returns the same ``PosteriorStats`` as the empirical kernel, with
log Z(x̃) = log ∫ φ(y) exp((x̃·y − ½|y|²)/s²) dy, so every target shares one free energy.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, ive, logsumexp

from core.posterior import PosteriorStats, check_noise

_TINY_KAPPA = 1e-8


def _column(s2):
    """s² shaped to broadcast against (P, k) arrays."""
    return s2[:, None] if np.ndim(s2) == 1 else s2


def log_bessel_i(nu, kappa):
    """log I_ν(κ) for ν ≥ 0, κ > 0, without overflow or underflow.

    Uses ``scipy.special.ive`` (log I = log ive + κ) where it is representable and the
    uniform (Debye) asymptotic expansion in ν (DLMF 10.41.3, three terms) where ive
    underflows (large ν, small κ).
    """
    nu = np.asarray(nu, dtype=float)
    kappa = np.asarray(kappa, dtype=float)
    with np.errstate(divide="ignore"):
        direct = np.log(ive(nu, kappa)) + kappa
    return np.where(np.isfinite(direct) & (direct > -700.0), direct, debye_log_bessel_i(nu, kappa))


def debye_log_bessel_i(nu, kappa):
    """Uniform asymptotic expansion of log I_ν(νz) for large ν (DLMF 10.41.3, terms to u₂/ν²)."""
    with np.errstate(all="ignore"):  # ν = 0 gives NaN here; callers use it only for ν ≫ 1
        z = kappa / nu
        root = np.sqrt(1.0 + z * z)
        p = 1.0 / root
        eta = root + np.log(z / (1.0 + root))
        u1 = (3.0 * p - 5.0 * p**3) / 24.0
        u2 = (81.0 * p**2 - 462.0 * p**4 + 385.0 * p**6) / 1152.0
        return (-0.5 * np.log(2.0 * np.pi * nu) + nu * eta - 0.5 * np.log(root)
                + np.log1p(u1 / nu + u2 / nu**2))


def bessel_ratio(d, kappa):
    """A_d(κ) = I_{d/2}(κ) / I_{d/2−1}(κ), the vMF mean resultant length (A_1 = tanh)."""
    kappa = np.asarray(kappa, dtype=float)
    safe = np.maximum(kappa, _TINY_KAPPA)
    ratio = np.exp(log_bessel_i(d / 2.0, safe) - log_bessel_i(abs(d / 2.0 - 1.0), safe))
    if d == 1:  # I_{-1/2} ≠ I_{1/2}: use the exact A_1 = tanh κ.
        ratio = np.tanh(safe)
    return np.where(kappa < _TINY_KAPPA, kappa / d, ratio)


def log_vmf_normaliser(d, kappa):
    """log E_u[exp(κ u·e)] for u uniform on S^{d−1}: log Γ(d/2) + (1 − d/2) log(κ/2) + log I_{d/2−1}(κ)."""
    kappa = np.asarray(kappa, dtype=float)
    safe = np.maximum(kappa, _TINY_KAPPA)
    if d == 1:
        value = np.logaddexp(safe, -safe) - np.log(2.0)  # log cosh κ
    else:
        value = (gammaln(d / 2.0) + (1.0 - d / 2.0) * np.log(safe / 2.0)
                 + log_bessel_i(d / 2.0 - 1.0, safe))
    return np.where(kappa < _TINY_KAPPA, kappa**2 / (2.0 * d), value)


def hypersphere_posterior(x_tilde, s2, radius, full_cov=False) -> PosteriorStats:
    """Uniform target on the sphere of radius r in d dims: von Mises–Fisher posterior.

    κ = r|x̃|/s², ⟨y⟩ = r·A_d(κ)·x̂, tr C = r²(1 − A²),
    C = r²[(A/κ)(I − x̂x̂ᵀ) + (1 − A² − (d−1)A/κ) x̂x̂ᵀ]  (science.md §3.3),
    log Z = log E_u exp(κ u·x̂) − r²/(2s²).
    """
    x = np.atleast_2d(np.asarray(x_tilde, dtype=float))
    s2 = check_noise(s2, x.shape[0])
    d = x.shape[1]
    norm = np.linalg.norm(x, axis=1)
    kappa = radius * norm / s2
    a = bessel_ratio(d, kappa)
    unit = np.divide(x, norm[:, None], out=np.zeros_like(x), where=norm[:, None] > 0)
    mean = radius * a[:, None] * unit
    log_z = log_vmf_normaliser(d, kappa) - radius**2 / (2.0 * s2)
    trace = radius**2 * np.maximum(1.0 - a * a, 0.0)
    cov = None
    if full_cov:
        a_over_k = np.where(kappa < _TINY_KAPPA, 1.0 / d, a / np.maximum(kappa, _TINY_KAPPA))
        radial = 1.0 - a * a - (d - 1) * a_over_k
        outer = unit[:, :, None] * unit[:, None, :]
        cov = radius**2 * (a_over_k[:, None, None] * (np.eye(d) - outer)
                           + radial[:, None, None] * outer)
        # At x̃ = 0 there is no direction: the posterior is the uniform law, C = r²/d · I.
        cov[norm == 0] = radius**2 / d * np.eye(d)
    return PosteriorStats(log_z, mean, trace, None, cov)


def gaussian_mixture_posterior(x_tilde, s2, means, weights, var_c, full_cov=False
                               ) -> PosteriorStats:
    """Isotropic Gaussian mixture Σ_k π_k N(μ_k, σ_c² I) (Biroli et al. 2024; science.md §3.4).

    The noised law is Σ_k π_k N(μ_k, (σ_c² + s²) I); the responsibilities r_k(x̃) weigh the
    component posteriors N(μ_k + σ_c²/(σ_c² + s²)·(x̃ − μ_k), v I) with v = σ_c² s²/(σ_c² + s²).
    """
    x = np.atleast_2d(np.asarray(x_tilde, dtype=float))
    s2 = check_noise(s2, x.shape[0])
    mu = np.atleast_2d(np.asarray(means, dtype=float))
    d = x.shape[1]
    tot = var_c + _column(s2)
    sq = (np.einsum("ij,ij->i", x, x)[:, None] - 2.0 * x @ mu.T
          + np.einsum("ij,ij->i", mu, mu)[None, :])
    logits = np.log(np.asarray(weights, dtype=float) / np.sum(weights)) - sq / (2.0 * tot)
    log_p = logsumexp(logits, axis=1) - 0.5 * d * np.log(2.0 * np.pi * (var_c + s2))
    resp = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    shrink = np.asarray(_column(var_c / (var_c + s2)))   # 0-d or (P, 1)
    v = var_c * s2 / (var_c + s2)                         # scalar or (P,)
    comp_mean = mu[None, :, :] + shrink[..., None] * (x[:, None, :] - mu[None, :, :])  # (P, K, d)
    mean = np.einsum("pk,pkd->pd", resp, comp_mean)
    e_y2 = d * v + np.einsum("pk,pkd,pkd->p", resp, comp_mean, comp_mean)
    trace = np.maximum(e_y2 - np.einsum("ij,ij->i", mean, mean), 0.0)
    log_z = log_p + 0.5 * d * np.log(2.0 * np.pi * s2) + np.einsum("ij,ij->i", x, x) / (2.0 * s2)
    cov = None
    if full_cov:
        second = np.einsum("pk,pki,pkj->pij", resp, comp_mean, comp_mean)
        cov = np.reshape(v, (-1, 1, 1) if np.ndim(v) else ()) * np.eye(d) + second - (
            mean[:, :, None] * mean[:, None, :])
    return PosteriorStats(log_z, mean, trace, None, cov)


def gaussian_subspace_posterior(x_tilde, s2, scale, d_data, full_cov=False) -> PosteriorStats:
    """N(0, h² I) on the first D_data of D coordinates (Ambrogioni 2025 eqs. 19–22).

    On the subspace ⟨y_i⟩ = h² x̃_i/(h² + s²) and Var = h²s²/(h² + s²); off it y = 0.
    log Z = Σ_{i ≤ D_data} [½ log(s²/(h² + s²)) + h² x̃_i² / (2 s² (h² + s²))].
    """
    x = np.atleast_2d(np.asarray(x_tilde, dtype=float))
    s2 = check_noise(s2, x.shape[0])
    d = x.shape[1]
    h2 = scale**2
    on = np.arange(d) < d_data
    mean = np.where(on, h2 / (h2 + _column(s2)) * x, 0.0)
    var = h2 * s2 / (h2 + s2)                             # scalar or (P,)
    xs = x[:, on]
    log_z = (0.5 * d_data * np.log(s2 / (h2 + s2))
             + h2 * np.einsum("ij,ij->i", xs, xs) / (2.0 * s2 * (h2 + s2)))
    trace = np.broadcast_to(d_data * var, (x.shape[0],)).copy()
    cov = None
    if full_cov:
        cov = np.zeros((x.shape[0], d, d))
        idx = np.flatnonzero(on)
        cov[:, idx, idx] = np.reshape(var, (-1, 1)) if np.ndim(var) else var
    return PosteriorStats(log_z, mean, trace, None, cov)
