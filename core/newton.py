"""The fixed-point equation of the generative drift, solved by damped Newton (science.md §2–3).

Fixed points solve g(x̃) = x̃ − ⟨y⟩(x̃ + h) = 0.  Its Jacobian ∇g = I − C/s² is the Hessian of

    Φ(x̃) = −s² log Z(x̃ + h) + ½|x̃|²,   ∇Φ = g,

the regularized free energy F̃ in the field h, so fixed points are the stationary points of Φ and the
stable ones its minima.  One solver serves the landscape (every fixed point near a set of seeds) and
the bifurcation diagram (roots and minima tracked through time).
"""
from __future__ import annotations

import numpy as np

from core.targets import Target


def solve_fixed_points(target: Target, x, s2: float, h=None, *, minimize: bool = False, tol: float = 1e-10,
                       max_iter: int = 60, halvings: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton on g(x̃) = x̃ − ⟨y⟩(x̃ + h) from each row of ``x``.

    Parameters
    ----------
    target : Target
    x : (P, d) array_like
        Starting points x̃.
    s2 : float
        Effective noise s².
    h : (d,) array, optional
        Field added to the argument of ⟨y⟩ (the probe field of §2); zero by default.
    minimize : bool
        False: Newton steps halved until |g| decreases — converges to the fixed point near a seed,
        stable or not.  True: the Hessian shifted to be positive definite (Levenberg–Marquardt) and
        steps halved until Φ decreases (Armijo) — only minima; a minimum that vanished at a fold
        slides to the nearest surviving one.
    tol : float
        A row is done when |g| < tol.
    max_iter, halvings : int
        Newton iterations, and step halvings per iteration (a row none of whose halved steps
        improves the merit stops where it is).

    Returns
    -------
    x : (P, d) array
        The end points.
    residual : (P,) array
        |g| at them: callers decide what counts as converged.
    """
    x = np.array(np.atleast_2d(x), dtype=float)
    h = np.zeros(x.shape[1]) if h is None else np.asarray(h, float)
    eye = np.eye(x.shape[1])

    def merit(z, st):
        if minimize:
            return -s2 * st.log_z + 0.5 * np.einsum("ij,ij->i", z, z)
        return np.linalg.norm(z - st.mean, axis=1)

    active = np.arange(len(x))
    for _ in range(max_iter):
        if active.size == 0:
            break
        st = target.posterior(x[active] + h, s2, full_cov=True)
        g = x[active] - st.mean
        moving = np.linalg.norm(g, axis=1) >= tol
        active, g, hess = active[moving], g[moving], eye - st.cov[moving] / s2
        if active.size == 0:
            break
        if minimize:
            hess = hess + np.maximum(0.0, 1e-3 - np.linalg.eigvalsh(hess)[:, 0])[:, None, None] * eye
        with np.errstate(all="ignore"):
            step = np.linalg.solve(hess + 1e-12 * eye, g[:, :, None])[:, :, 0]
        bad = ~np.isfinite(step).all(axis=1)
        step[bad] = g[bad]
        now = merit(x[active], _subset(st, moving))
        # Armijo for Φ (its slope along −step is −g·step); a relative decrease for |g|
        slope = np.einsum("ij,ij->i", g, step) if minimize else now
        lam = np.ones(active.size)
        pending = np.ones(active.size, bool)
        for _ in range(halvings):
            trial = x[active[pending]] - lam[pending, None] * step[pending]
            new = merit(trial, target.posterior(trial + h, s2, full_cov=False))
            ok = new <= now[pending] - 1e-4 * lam[pending] * slope[pending] + (
                1e-14 * np.abs(now[pending]) if minimize else 0.0)
            idx = np.flatnonzero(pending)
            x[active[idx[ok]]] = trial[ok]
            pending[idx[ok]] = False
            lam[pending] *= 0.5
            if not pending.any():
                break
        active = active[~pending]
    residual = np.linalg.norm(x - target.posterior(x + h, s2, full_cov=False).mean, axis=1)
    return x, residual


def _subset(stats, rows):
    """The posterior moments of the selected rows (log Z and the mean are all the merit needs)."""
    return type(stats)(stats.log_z[rows], stats.mean[rows], stats.trace_cov[rows])
