"""Score, its Jacobian and the free energy, built on the posterior kernel (science.md §1–2).

All functions take points ``x`` in the process's own coordinates at time ``t`` and map
them onto the kernel through x̃ = x/a(t), s² = b²/a².
"""
from __future__ import annotations

import numpy as np

from core.posterior import PosteriorStats
from core.processes import Process
from core.targets import Target


def posterior_at(target: Target, process: Process, x, t: float, full_cov=None) -> PosteriorStats:
    """Posterior moments of y given x_t = x (P, d)."""
    a = float(process.a(t))
    return target.posterior(np.atleast_2d(x) / a, float(process.s2(t)), full_cov)


def score(target: Target, process: Process, x, t: float) -> np.ndarray:
    """∇ log p_t(x) = (a⟨y⟩ − x)/b² (§1), shape (P, d)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    a, b2 = float(process.a(t)), float(process.b2(t))
    return (a * posterior_at(target, process, x, t, full_cov=False).mean - x) / b2


def score_jacobian(target: Target, process: Process, x, t: float) -> np.ndarray:
    """J = ∇∇ log p_t(x) = −I/b² + a²C/b⁴ (§1), shape (P, d, d)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    a, b2 = float(process.a(t)), float(process.b2(t))
    cov = posterior_at(target, process, x, t, full_cov=True).cov
    return -np.eye(x.shape[1]) / b2 + (a * a / (b2 * b2)) * cov


def free_energy(target: Target, process: Process, x, t: float) -> np.ndarray:
    """Regularized free energy F̃ = −s² log Z(x̃) + ½|x̃|² in effective coordinates (§2).

    For VE this is Ambrogioni 2023's F̃ = F + ½|x|² with β = 1/(σ²t); its gradient in x̃ is x̃ − ⟨y⟩,
    so the fixed points of the generative drift are its critical points.  For VP the same
    function of x̃ = x·e^t is shown.  Defined up to an x-independent constant.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    a, s2 = float(process.a(t)), float(process.s2(t))
    xt = x / a
    stats = target.posterior(xt, s2, full_cov=False)
    return -s2 * stats.log_z + 0.5 * np.einsum("ij,ij->i", xt, xt)
