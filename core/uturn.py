"""U-turns and critical windows: is a class decided by time t? (science.md §5).

A U-turn (Sclocchi, Favero & Wyart 2025; Achilli, Benedetti, Biroli & Mézard 2026, arXiv:2602.04404) takes a data
point y of class A, noises it to time t and runs the reverse process back with the exact score.  That reverse
process samples p(y | x_t), so the probability of coming back to class A is

    R_A(t) = E_{y ∼ φ_A, x̃ = y + s z} [P(A | x̃)],   P(c | x̃) = π_c Z_c(x̃) / Z(x̃),

Z the posterior kernel's partition function (science.md §1) of the target and Z_c of its class c.  It falls from
E[P(A | y)] at t → 0 (1 for separated classes) to the class's weight π_A at t → ∞.

For two Gaussian classes ±m of variance σ_c² (the two-cluster mixture; two deltas: σ_c = 0) with log-odds ℓ of
their weights, x̃ projected on m is Gaussian given the class and

    P(A | x̃) = sigmoid(2 m·x̃ / v + ℓ),  v = σ_c² + s²,   R_A(t) = E_z[sigmoid(2κ + 2√κ z + ℓ)],  κ = |m|²/v,

a one-dimensional Gaussian integral.  The critical window (Li & Chen 2024): the total variation between the two
noised classes, 2Φ(δ_t/2) − 1 with δ_t = 2|m|/√v their Mahalanobis distance, falls from 1 to 0 — the class is
decided while it is near 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from core.guidance import class_names, class_target, populated_classes
from core.processes import Process
from core.sampling import class_share
from core.targets import Target

#: Gauss–Hermite nodes for the one-dimensional integrals E_z[f(z)], z ~ N(0, 1).
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def class_posterior(target: Target, x_tilde, s2: float) -> np.ndarray:
    """P(c | x̃) for each populated class c (columns, in the order of ``populated_classes``): π_c Z_c / Z in
    log space."""
    log_z = target.posterior(x_tilde, s2, full_cov=False).log_z
    out = []
    for c in populated_classes(target):
        own = class_target(target, c)
        out.append(np.log(class_share(target, c)) + own.posterior(x_tilde, s2, full_cov=False).log_z - log_z)
    return np.exp(np.stack(out, axis=1))


@dataclass(frozen=True)
class UTurns:
    """R_c(t) by Monte Carlo: times (T,), classes (names), ret (C, T) and its standard error, the class weights."""

    times: np.ndarray
    classes: tuple
    ret: np.ndarray
    ret_se: np.ndarray
    weights: np.ndarray


def u_turn_returns(target: Target, process: Process, times, samples: int, rng: np.random.Generator,
                   progress=None) -> UTurns:
    """R_c(t) = E[P(c | y + s z)] over y of class c, for every populated class, at each time."""
    times = np.asarray(times, float)
    classes = populated_classes(target)
    ret, se = np.empty((len(classes), times.size)), np.empty((len(classes), times.size))
    for i, t in enumerate(times):
        s2 = float(process.s2(t))
        for k, c in enumerate(classes):
            y = class_target(target, c).sample(samples, rng)
            p = class_posterior(target, y + np.sqrt(s2) * rng.standard_normal(y.shape), s2)[:, k]
            ret[k, i], se[k, i] = p.mean(), p.std(ddof=1) / np.sqrt(samples)
        if progress is not None:
            progress(i + 1, times.size)
    names = class_names(target)
    return UTurns(times, tuple(names[c] for c in classes), ret, se,
                  np.array([class_share(target, c) for c in classes]))


def two_gaussian_return(times, m_norm: float, var_c: float, process: Process, log_odds: float = 0.0) -> np.ndarray:
    """R_A(t) = E_z[sigmoid(2κ + 2√κ z + ℓ)], κ = |m|²/(σ_c² + s²) (module docstring); ℓ = log(π_A/π_B)."""
    kappa = m_norm**2 / (var_c + process.s2(np.asarray(times, float)))
    arg = 2 * kappa[:, None] + 2 * np.sqrt(kappa)[:, None] * _NODES[None] + log_odds
    return expit(arg) @ _WEIGHTS


def two_gaussian_tv(times, m_norm: float, var_c: float, process: Process) -> np.ndarray:
    """Total variation between the two noised classes (Li & Chen 2024): 2Φ(δ_t/2) − 1, δ_t = 2|m|/√(σ_c² + s²)."""
    return 2 * ndtr(m_norm / np.sqrt(var_c + process.s2(np.asarray(times, float)))) - 1


def decision_window(times, tv, low: float = 0.1, high: float = 0.9) -> tuple[float, float]:
    """The times at which the total variation crosses ``high`` and ``low`` (log-interpolated): the critical window
    in which the class is decided."""
    order = np.argsort(tv)
    log_t = np.log(np.asarray(times, float))[order]
    tv = np.asarray(tv, float)[order]
    return float(np.exp(np.interp(high, tv, log_t))), float(np.exp(np.interp(low, tv, log_t)))
