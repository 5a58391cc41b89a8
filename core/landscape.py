"""Free-energy landscapes, fixed points and their stability (science.md §2–3; Ambrogioni 2023 §5–7).

Everything is in effective coordinates x̃ = x/a at noise s² = b²/a², where
F̃(x̃) = −s² log Z(x̃) + ½|x̃|², ∇F̃ = x̃ − ⟨y⟩ and ∇²F̃ = I − C/s².  The score is
(a/b²)(⟨y⟩ − x̃) = −(a/b²)∇F̃, so generation is a noisy descent on F̃.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from core.newton import solve_fixed_points
from core.posterior import BLOCK_ELEMENTS, DiscreteData, empirical_posterior
from core.targets import Target

#: Fixed points are searched for by Newton in the full space only up to this dimension.
FIXED_POINT_MAX_D = 64
#: Numbers in one block of plane points embedded in the full space (8 MB of float64).
EMBED_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class Plane:
    """A 2-D slice x̃ = origin + u·axes[0] + v·axes[1] through the data space."""

    origin: np.ndarray
    axes: np.ndarray   # (2, d), orthonormal rows

    def embed(self, uv) -> np.ndarray:
        """Plane coordinates (P, 2) → points (P, d)."""
        return self.origin + np.atleast_2d(uv) @ self.axes

    def project(self, x) -> np.ndarray:
        """Points (P, d) → plane coordinates (P, 2)."""
        return (np.atleast_2d(x) - self.origin) @ self.axes.T


def principal_plane(target: Target) -> Plane:
    """The plane through the target's mean along the top two principal axes of its covariance
    (the coordinate plane through 0 when d = 2)."""
    d = target.d
    if d == 2:
        return Plane(np.zeros(2), np.eye(2))
    if d < 2:
        raise ValueError("a plane needs d >= 2")
    vals, vecs = target.covariance_eigh
    order = np.argsort(vals)[::-1][:2]
    mean = target.data.centre if target.is_discrete else np.zeros(d)
    return Plane(np.asarray(mean, float), vecs[:, order].T.copy())


@dataclass(frozen=True)
class Landscape:
    """F̃ and the descent direction ⟨y⟩ − x̃ on a set of points.

    ``free_energy`` is shifted so that its minimum over the points is 0.
    """

    points: np.ndarray
    free_energy: np.ndarray
    drift: np.ndarray
    participation: np.ndarray | None


def landscape(target: Target, s2: float, points) -> Landscape:
    """F̃(x̃) = −s² log Z + ½|x̃|² (§2) and ⟨y⟩ − x̃ at ``points`` (P, d)."""
    x = np.atleast_2d(np.asarray(points, dtype=float))
    st = target.posterior(x, s2, full_cov=False)
    f = -s2 * st.log_z + 0.5 * np.einsum("ij,ij->i", x, x)
    return Landscape(x, f - f.min(), st.mean - x, st.participation)


def plane_landscape(target: Target, s2: float, plane: Plane, uv) -> Landscape:
    """F̃ and the in-plane part of ⟨y⟩ − x̃ at plane points x̃ = origin + (u, v)·axes, ``uv`` (P, 2).

    For data y_j: with q = x̃ − origin in the plane, p_j the projection of y_j − origin on it and r_j the length of
    the rest of y_j − origin, |x̃ − y_j|² = |q − p_j|² + r_j² = |(q, 0) − (p_j, r_j)|²: the posterior over j, its
    log Z and F̃ are those of the 3-D data (p_j, r_j) at the query (q, 0), weights unchanged — exactly, at O(P·N)
    instead of O(P·N·d).  Targets without data points (mixture laws, a guided model) are evaluated in full."""
    uv = np.atleast_2d(np.asarray(uv, dtype=float))
    if target.data is None or target.d <= 3:
        # in the full space, a block of plane points at a time: never a (P, d) array at large d
        rows = max(1, EMBED_ELEMENTS // target.d)
        f, drift, part = np.empty(len(uv)), np.empty((len(uv), 2)), None
        for start in range(0, len(uv), rows):
            block = slice(start, start + rows)
            x = plane.embed(uv[block])
            st = target.posterior(x, s2, full_cov=False)
            f[block] = -s2 * st.log_z + 0.5 * np.einsum("ij,ij->i", x, x)
            drift[block] = (st.mean - x) @ plane.axes.T
            if st.participation is not None:
                part = np.empty(len(uv)) if part is None else part
                part[block] = st.participation
        return Landscape(uv, f - f.min(), drift, part)
    offset = target.data.points - plane.origin
    p = offset @ plane.axes.T
    across = np.sqrt(np.maximum(np.einsum("ij,ij->i", offset, offset) - np.einsum("ij,ij->i", p, p), 0.0))
    reduced = DiscreteData(np.column_stack([p, across]), target.data.weights)
    query = np.column_stack([uv, np.zeros(len(uv))])
    st = empirical_posterior(query, s2, reduced, full_cov=False)
    f = -s2 * st.log_z + 0.5 * np.einsum("ij,ij->i", query, query)
    return Landscape(uv, f - f.min(), st.mean[:, :2] - uv, st.participation)


@dataclass(frozen=True)
class FixedPoints:
    """Solutions of x̃ = ⟨y⟩(x̃) with the Hessian spectrum of F̃ there.

    ``kind`` is 'minimum' (stable: every eigenvalue of I − C/s² > 0), 'maximum', 'saddle'
    or 'marginal' (an eigenvalue within tolerance of 0: a branching point).
    """

    points: np.ndarray        # (K, d)
    hessian_eigs: np.ndarray  # (K, d), ascending eigenvalues of ∇²F̃ = I − C/s²
    kind: np.ndarray          # (K,) str

    @property
    def stable(self) -> np.ndarray:
        return self.kind == "minimum"


def fixed_points(target: Target, s2: float, seeds, tol: float = 1e-9, max_iter: int = 60,
                 merge: float | None = None) -> FixedPoints:
    """All fixed points reachable by damped Newton on g(x̃) = x̃ − ⟨y⟩(x̃) from ``seeds``
    (core.newton), kept when |g| < 10³·tol·(1 + scale), deduplicated within ``merge`` (default 1e-4
    of the scale) and classified by the eigenvalues of the Hessian I − C/s² of F̃.
    """
    x = np.array(np.atleast_2d(seeds), dtype=float)
    d = x.shape[1]
    if d > FIXED_POINT_MAX_D:
        raise ValueError(f"fixed points are searched for up to d = {FIXED_POINT_MAX_D}")
    scale = float(np.sqrt(np.trace(target.covariance)) + np.abs(target.display_points).max())
    accept = 1e3 * tol * (1 + scale)
    x, residual = solve_fixed_points(target, x, s2, tol=tol * (1 + scale), max_iter=max_iter, halvings=8)
    x = x[residual < accept]
    merge = 1e-4 * scale if merge is None else merge
    x = x[_first_of_each_cluster(x, merge)]
    if len(x) == 0:
        return FixedPoints(np.zeros((0, d)), np.zeros((0, d)), np.zeros(0, dtype="<U8"))
    x, flat = _merge_flat_roots(target, x, s2, accept, 0.05 * scale)
    cov = target.posterior(x, s2, full_cov=True).cov
    eigs = np.linalg.eigvalsh(np.eye(d) - cov / s2)
    kind = classify(eigs)
    kind[flat] = "marginal"
    return FixedPoints(x, eigs, kind)


def _merge_flat_roots(target: Target, x: np.ndarray, s2: float, accept: float, reach: float):
    """Roots that |g| cannot tell apart are one degenerate root.  Where ∇g = I − C/s² is singular (at a
    pitchfork: x̃ − tanh x̃ ≈ x̃³/3 at t_c for two deltas) Newton converges linearly and stops anywhere
    |g| < accept: seeds from either side end at distinct points ±(3·accept)^⅓.  Two roots closer than
    ``reach`` with |g| < accept all along the segment between them (checked at ¼, ½, ¾) are merged into
    their centroid, which is flagged as flat (a zero Hessian eigenvalue within what g resolves).
    Returns (points, flat mask)."""
    ii, jj = _close_pairs(x, np.nextafter(reach, 0.0)).T
    if ii.size == 0:
        return x, np.zeros(len(x), bool)
    fractions = np.array([0.25, 0.5, 0.75])
    between = (x[ii, None, :] * (1 - fractions[:, None]) + x[jj, None, :] * fractions[:, None]).reshape(-1, x.shape[1])
    g = np.linalg.norm(between - target.posterior(between, s2, full_cov=False).mean, axis=1)
    flat_pair = (g.reshape(len(ii), len(fractions)) < accept).all(axis=1)
    group = np.arange(len(x))                    # union–find over the flat pairs
    def root(k):
        while group[k] != k:
            k = group[k]
        return k
    for i, j in zip(ii[flat_pair], jj[flat_pair], strict=True):
        group[root(i)] = root(j)
    labels = np.array([root(k) for k in range(len(x))])
    heads = np.unique(labels)
    merged = np.array([x[labels == h].mean(axis=0) for h in heads])
    return merged, np.array([(labels == h).sum() > 1 for h in heads])


def _close_pairs(x: np.ndarray, within: float) -> np.ndarray:
    """Index pairs (i < j) of rows at most ``within`` apart: a k-d tree, so K roots cost ~K log K, not K²."""
    if len(x) < 2:
        return np.zeros((0, 2), int)
    return cKDTree(x).query_pairs(within, output_type="ndarray").reshape(-1, 2)


def _first_of_each_cluster(x: np.ndarray, merge: float) -> np.ndarray:
    """Rows kept when each row is dropped if an earlier kept row lies within ``merge`` (a mask)."""
    pairs = _close_pairs(x, merge)
    earlier, later = pairs.min(axis=1), pairs.max(axis=1)
    order = np.argsort(later, kind="stable")
    return _kept_in_order(len(x), later[order], earlier[order])


@numba.njit(cache=True)
def _kept_in_order(count, later, earlier):
    """keep[j] = no kept i < j is j's neighbour, over pairs (earlier, later) sorted by their later row: each row's
    verdict is final before a later row reads it.  A loop over the pairs (a Python one was 6 ms for 300 roots)."""
    keep = np.ones(count, np.bool_)
    for k in range(later.shape[0]):
        if keep[earlier[k]]:
            keep[later[k]] = False
    return keep


def classify(hessian_eigs, tol: float = 1e-6) -> np.ndarray:
    """'minimum', 'maximum', 'saddle' or 'marginal' from eigenvalues of ∇²F̃ (rows)."""
    e = np.atleast_2d(hessian_eigs)
    kind = np.where((e > tol).all(1), "minimum", np.where((e < -tol).all(1), "maximum", "saddle"))
    return np.where((np.abs(e) <= tol).any(1), "marginal", kind)


def critical_s2(target: Target) -> float:
    """s² at which the symmetric point loses stability: s² = Λ, i.e. a²Λ = b² (§3)."""
    return target.top_eigenvalue


def boltzmann_weights(target: Target, x_tilde, s2: float) -> np.ndarray:
    """w_j(x̃) for one query point of a discrete target (science.md §1), shape (N,)."""
    data = target.data
    u = data.centred
    logits = data.log_weights + (u @ (np.asarray(x_tilde, float) - data.centre) - data.half_sq) / s2
    logits -= logits.max()
    w = np.exp(logits)
    return w / w.sum()


def hopfield_energy(target: Target, s2: float, points) -> np.ndarray:
    """Modern-Hopfield energy E(x) = −s² log Σ_j e^{x·y_j/s²} + ½|x|² (Ambrogioni 2023 eq. 40).

    Equals F̃ up to a constant when all |y_j| are equal (data on a sphere); shifted to min 0.
    """
    x = np.atleast_2d(np.asarray(points, dtype=float))
    y, log_w = target.data.points, target.data.log_weights
    lse = np.empty(len(x))
    rows = max(1, BLOCK_ELEMENTS // len(y))
    for start in range(0, len(x), rows):     # chunked: memory O(rows·N), never O(P·N)
        logits = x[start:start + rows] @ y.T / s2 + log_w
        top = logits.max(axis=1, keepdims=True)
        lse[start:start + rows] = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    e = -s2 * lse + 0.5 * np.einsum("ij,ij->i", x, x)
    return e - e.min()
