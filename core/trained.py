"""The thermodynamics of a trained score model (Ambrogioni 2023 (short version) §8; issue 20).

A model s_A(x) = A·φ(Wx/√d) trained at a diffusion time with x = a·x̃ has the denoiser
(core.training.TrainedDenoiser)

    m(x̃) = (x + b²·s_A(x))/a = x̃ + (b²/a)·A·φ(a W x̃/√d)        (science.md §1: s = (a⟨y⟩ − x)/b²)

and its thermodynamics is read off m as off an exact posterior mean: the self-consistency equation
x̃ = m(x̃) (Ambrogioni 2023 (short version) eq. 29, solved here by root finding), the stability of a root
from the Jacobian ∂m/∂x̃ = I + b²·A·diag(φ')·W/√d (a root is a minimum of F̃ when every eigenvalue of
∂m/∂x̃ is below 1), and F̃ along a line as the integral of the projected field x̃ − m(x̃).  Ambrogioni 2023
(short version) §8 warns that the roots
lie where the model was hardly trained: in d dimensions the noisy inputs x̃ = y + sη sit on shells of
radius ≈ s√d around the points, so the neighbourhood of a point (where its fixed point lies) is rarely
visited; ``poorly_trained`` marks it.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from core.training import TrainedDenoiser


def self_consistent_points(model: TrainedDenoiser, starts, tol: float = 1e-9, max_iter: int = 80):
    """Roots of x̃ = m(x̃) (Ambrogioni 2023 (short version) eq. 29) by Levenberg–Marquardt from each start, merged.

    Returns
    -------
    roots : (R, d) array
        Distinct roots (two closer than 10⁻⁵ of the starts' spread are one).
    stable : (R,) bool array
        Whether each is a minimum of F̃: every eigenvalue of ∂m/∂x̃ has real part below 1.
    """
    x = np.array(np.atleast_2d(starts), dtype=float)
    d = x.shape[1]
    eye = np.eye(d)
    damping = np.full(len(x), 1e-3)
    g = x - model.mean(x)
    for _ in range(max_iter):
        norm = np.linalg.norm(g, axis=1)
        rows = np.flatnonzero((norm >= tol * (1 + np.linalg.norm(x, axis=1))) & (damping < 1e12))
        if rows.size == 0:                         # every row converged, or stalled with no step that helps
            break
        jac = eye - model.jacobian(x[rows])                                    # ∇g
        jt = np.transpose(jac, (0, 2, 1))
        normal = jt @ jac
        scale = 1.0 + np.trace(normal, axis1=1, axis2=2) / d                  # damping relative to JᵀJ's size
        lhs = normal + (damping[rows] * scale)[:, None, None] * eye
        trial = x[rows] - np.linalg.solve(lhs, (jt @ g[rows, :, None]))[:, :, 0]
        g_trial = trial - model.mean(trial)
        better = np.linalg.norm(g_trial, axis=1) < norm[rows]
        x[rows[better]], g[rows[better]] = trial[better], g_trial[better]
        damping[rows] = np.clip(np.where(better, damping[rows] / 3, damping[rows] * 4), 1e-12, 1e12)
    done = np.linalg.norm(g, axis=1) < max(tol, 1e-6) * (1 + np.linalg.norm(x, axis=1))
    x = x[done]
    if len(x) == 0:
        return np.zeros((0, d)), np.zeros(0, bool)
    roots = distinct_rows(x, 1e-5 * (1.0 + float(np.ptp(np.atleast_2d(starts), axis=0).max())))
    stable = np.array([np.max(np.linalg.eigvals(j).real) < 1.0 for j in model.jacobian(roots)])
    return roots, stable


def distinct_rows(x, scale: float) -> np.ndarray:
    """The rows of x with those closer than ``scale`` to an earlier one dropped (roots found from several starts)."""
    kept = []
    for row in np.atleast_2d(x):
        if all(np.linalg.norm(row - k) > scale for k in kept):
            kept.append(row)
    return np.array(kept).reshape(len(kept), np.shape(x)[-1])


def line_free_energy(mean, origin, axis, u) -> np.ndarray:
    """F̃ along x̃ = origin + u·axis: ∫ axis·(x̃ − m(x̃)) du by the trapezoid rule, shifted to minimum 0.
    For an exact posterior mean this is the regularized free energy on the line (science.md §2, ∇F̃ = x̃ − ⟨y⟩);
    for a trained model it is the same integral of its field (exact where the field is a gradient)."""
    u = np.asarray(u, float)
    x = origin[None, :] + u[:, None] * axis[None, :]
    force = (x - mean(x)) @ axis
    f = np.r_[0.0, np.cumsum(0.5 * (force[1:] + force[:-1]) * np.diff(u))]
    return f - f.min()


def poorly_trained(x_tilde, points, s2: float, level: float = 0.01) -> np.ndarray:
    """Where the training inputs almost never fall (Ambrogioni 2023 (short version) §8): True at the rows of x̃
    that no point's noise shell reaches, i.e. |x̃ − y_i|²/s² lies outside the central 1 − 2·level of χ²_d
    for every point i (the inputs x̃ = y_i + sη have |x̃ − y_i|²/s² ~ χ²_d)."""
    x_tilde = np.atleast_2d(np.asarray(x_tilde, float))
    points = np.asarray(points, float)
    d = points.shape[1]
    lo, hi = chi2.ppf(level, d) * s2, chi2.ppf(1.0 - level, d) * s2
    far = np.ones(len(x_tilde), bool)
    for start in range(0, len(points), 512):
        block = points[start:start + 512]
        r2 = (np.sum(x_tilde**2, 1)[:, None] - 2 * x_tilde @ block.T + np.sum(block**2, 1)[None, :])
        far &= ~np.any((r2 >= lo) & (r2 <= hi), axis=1)
    return far


def split_time(times, stable_counts) -> float | None:
    """The critical time a model's fixed points imply: on a grid of times (increasing) with the number of
    minima at each, the geometric midpoint between the last time of the run of ≥ 2 minima that starts at the
    first time and the next (the last time if the run reaches it); None if the first time has one minimum."""
    times, counts = np.asarray(times, float), np.asarray(stable_counts)
    if counts.size == 0 or counts[0] < 2:
        return None
    if np.all(counts >= 2):
        return float(times[-1])
    last = int(np.argmax(counts < 2)) - 1
    return float(np.sqrt(times[last] * times[last + 1]))
