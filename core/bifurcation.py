"""Fixed-point paths, their stability and branching (science.md §2–3; Ambrogioni 2023 §5–6; Ambrogioni 2025 §5).

Fixed points solve x̃ = ⟨y⟩(x̃ + h·e) at effective noise s² (h: a probe field along the unit
vector e).  ∇²F̃ = I − C/s² decides stability; the self-consistent susceptibility is
χ = (I − βC)⁻¹βC with β = 1/s², whose top eigenvalue λ/(1 − λ) (λ: top eigenvalue of βC)
diverges where a branch loses stability.

Two routes:

* ``axis_diagram``: all fixed points on a symmetry axis by bracketed 1-D root finding — exact
  for two deltas, the hypersphere and the Gaussian mixture, whose fixed points lie on that axis.
* ``fixed_point_paths``: continuation of the K stable paths γ_j(t), γ_j(0) = y_j, of a discrete
  target as t grows, recording where two paths merge (their branching time τ_jk, Ambrogioni 2025 §5.1)
  and whether they met continuously (pitchfork) or a branch vanished at a fold.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.landscape import FIXED_POINT_MAX_D
from core.newton import solve_fixed_points
from core.targets import Target, subset_target

#: A merge is a pitchfork when the two paths are closer than this (× the data scale) just
#: before it; at a fold the gap stays finite.  Bisection leaves the paths ~√(δt) apart.
PITCHFORK_GAP = 0.05


def symmetry_axis(target: Target) -> np.ndarray:
    """Unit vector e along which an axial target's fixed points lie (its top principal axis)."""
    vals, vecs = np.linalg.eigh(target.covariance)
    e = vecs[:, -1]
    return e * np.sign(e[np.argmax(np.abs(e))])


#: Covariance entries (points × d²) above which eᵀCe is taken from the posterior identity
#: C = s²·∂⟨y⟩/∂x̃ (§2) by a central difference along e instead of full covariances (memory).
AXIS_COV_BUDGET = 2**22


def _axis_mean(target, s2, m, axis, h):
    """⟨y⟩·e at x̃ = (m + h)·e; s2 and m broadcast to one shape (one s² per point)."""
    m, s2 = np.broadcast_arrays(np.asarray(m, float), np.asarray(s2, float))
    return (target.posterior(np.outer(m.ravel() + h, axis), s2.ravel(), full_cov=False).mean @ axis).reshape(m.shape)


def _axis_moments(target, s2, m, axis, h):
    """⟨y⟩·e, eᵀCe and tr C at x̃ = (m + h)·e (shapes as ``_axis_mean``)."""
    m, s2 = np.broadcast_arrays(np.asarray(m, float), np.asarray(s2, float))
    x, s2f = np.outer(m.ravel() + h, axis), s2.ravel()
    if x.shape[0] * axis.size**2 <= AXIS_COV_BUDGET:
        st = target.posterior(x, s2f, full_cov=True)
        var = np.einsum("i,pij,j->p", axis, st.cov, axis)
    else:
        st = target.posterior(x, s2f, full_cov=False)
        # the posterior varies on the scale min(s², 1): a step 1e-4 of it leaves ~1e-8 relative error
        step = (1e-4 * np.minimum(s2f, 1.0) * (1.0 + np.abs(m.ravel() + h)))[:, None] * axis
        up = target.posterior(x + step, s2f, full_cov=False).mean @ axis
        down = target.posterior(x - step, s2f, full_cov=False).mean @ axis
        var = s2f * (up - down) / (2 * step @ axis)
    return (st.mean @ axis).reshape(m.shape), var.reshape(m.shape), st.trace_cov.reshape(m.shape)


@dataclass(frozen=True)
class AxisDiagram:
    """Fixed points on the axis e at each time: one row per (time, root).

    Attributes
    ----------
    time, m : (R,) arrays
        Time and position m (x̃ = m·e) of each root.
    curvature : (R,) array
        1 − eᵀCe/s², the Hessian of F̃ along e (> 0: stable along the axis).
    stable : (R,) bool
        Stable in every direction (transverse eigenvalues ≥ −1e-6, for the hypersphere the
        ring's Goldstone modes are 0).
    branch : (R,) int
        Branch label, continuous in time (for drawing).
    """

    time: np.ndarray
    m: np.ndarray
    curvature: np.ndarray
    stable: np.ndarray
    branch: np.ndarray


def axis_roots(target, s2_values, axis, h: float = 0.0, half_width: float | None = None,
               grid: int = 401, tol: float = 1e-13) -> list[np.ndarray]:
    """Roots m of g(m) = m − ⟨y⟩((m + h)e)·e in [−W, W] for each s² in ``s2_values``.

    Sign changes on a grid bracket every root (roots closer than the grid step can be
    missed); vectorized bisection over all brackets of all times refines them.  W defaults to
    1.5 × the largest |y·e| × the target's reach (every fixed point is a posterior mean, inside the
    support; a guided mean reaches 1 + 2|w| times as far).
    """
    s2_values = np.atleast_1d(np.asarray(s2_values, float))
    if half_width is None:
        half_width = 1.5 * target.reach * float(np.abs(target.display_points @ axis).max()) + 1e-9
    m = np.linspace(-half_width, half_width, grid)
    mm, ss = np.meshgrid(m, s2_values)                   # (T, M)
    g = mm - _axis_mean(target, ss, mm, axis, h)
    exact_t, exact_m = np.nonzero(g == 0)
    bt, bm = np.nonzero(np.sign(g[:, :-1]) * np.sign(g[:, 1:]) < 0)
    lo, hi, g_lo, s2b = m[bm], m[bm + 1], g[bt, bm], s2_values[bt]
    while lo.size and np.max(hi - lo) > tol * half_width:   # bisection, ~40 rounds
        mid = 0.5 * (lo + hi)
        g_mid = mid - _axis_mean(target, s2b, mid, axis, h)
        left = np.sign(g_mid) == np.sign(g_lo)
        lo, g_lo = np.where(left, mid, lo), np.where(left, g_mid, g_lo)
        hi = np.where(left, hi, mid)
    times = np.concatenate([exact_t, bt])
    roots = np.concatenate([m[exact_m], 0.5 * (lo + hi)])
    return [np.sort(roots[times == k]) for k in range(s2_values.size)]


def axis_diagram(target: Target, s2_values, times, h: float = 0.0, grid: int = 401) -> AxisDiagram:
    """Every fixed point on the symmetry axis at each time (exact for targets whose spec is ``axial``)."""
    axis = symmetry_axis(target)
    s2_values = np.asarray(s2_values, float)
    per_time = axis_roots(target, s2_values, axis, h, grid=grid)
    counts = [r.size for r in per_time]
    time = np.repeat(np.asarray(times, float), counts)
    s2_rows = np.repeat(s2_values, counts)
    m = np.concatenate(per_time)
    stable, curvature = _stability(target, s2_rows, m, axis, h)
    return AxisDiagram(time, m, curvature, stable, _label_branches(time, m))


def _stability(target, s2_rows, m, axis, h):
    """Curvature 1 − eᵀCe/s² along e and stability in every direction.  Above AXIS_COV_BUDGET the
    transverse covariance is taken as isotropic on the dimensions that carry variance, which holds
    on the axis of every axial target (each is symmetric under rotations about e; the subspace
    Gaussian's covariance is the same everywhere): λ⊥ = (tr C − eᵀCe)/(dims − 1)."""
    d = axis.size
    if m.size * d**2 <= AXIS_COV_BUDGET:
        cov = target.posterior(np.outer(m + h, axis), s2_rows, full_cov=True).cov
        hess = np.eye(d) - cov / s2_rows[:, None, None]
        curvature = np.einsum("i,pij,j->p", axis, hess, axis)
        return (curvature > 1e-9) & (np.linalg.eigvalsh(hess)[:, 0] > -1e-6), curvature
    along, across = _axis_spectrum(target, s2_rows, m, axis, h)
    curvature = 1.0 - along / s2_rows
    return (curvature > 1e-9) & (1.0 - across / s2_rows > -1e-6), curvature


def _axis_spectrum(target, s2_rows, m, axis, h):
    """(eᵀCe, λ⊥) on the axis without full covariances (see ``_stability``)."""
    _, along, trace = _axis_moments(target, s2_rows, m, axis, h)
    # the transverse variance is shared by the directions the target spreads over (the rank of its
    # covariance: d for the sphere and the mixture, D_data for the subspace; two deltas have none)
    dims = int(np.linalg.matrix_rank(target.covariance, hermitian=True))
    return along, (trace - along) / max(dims - 1, 1)


def _label_branches(time, m):
    """Greedy continuation of roots across consecutive times: nearest previous root wins."""
    labels = np.empty(m.size, int)
    next_label = 0
    prev_m, prev_lab = np.zeros(0), np.zeros(0, int)
    for t in np.unique(time):
        idx = np.flatnonzero(time == t)
        cur = m[idx]
        lab = np.full(cur.size, -1)
        if prev_m.size:
            dist = np.abs(cur[:, None] - prev_m[None, :])
            for _ in range(min(cur.size, prev_m.size)):
                i, j = np.unravel_index(np.argmin(dist), dist.shape)
                lab[i] = prev_lab[j]
                dist[i, :], dist[:, j] = np.inf, np.inf
        for i in np.flatnonzero(lab < 0):
            lab[i], next_label = next_label, next_label + 1
        labels[idx] = lab
        prev_m, prev_lab = cur, lab
    return labels


def susceptibility(target: Target, s2, points, h: float = 0.0, axis=None) -> np.ndarray:
    """Top eigenvalue of the self-consistent χ = (I − βC)⁻¹βC at fixed points (§2).

    λ/(1 − λ) for the top eigenvalue λ of βC; +inf where λ ≥ 1 (beyond the instability).
    """
    x = np.atleast_2d(points) + (0.0 if axis is None else h * np.asarray(axis))
    s2 = np.asarray(s2, float)
    if axis is not None and x.shape[0] * x.shape[1] ** 2 > AXIS_COV_BUDGET:     # axial, large d
        rows = np.broadcast_to(s2, x.shape[:1])
        lam = np.max(_axis_spectrum(target, rows, np.atleast_2d(points) @ axis, axis, h), axis=0) / rows
    else:
        cov = target.posterior(x, s2, full_cov=True).cov
        lam = np.linalg.eigvalsh(cov / (s2[:, None, None] if s2.ndim else s2))[:, -1]
    with np.errstate(divide="ignore"):
        return np.where(lam < 1.0, lam / (1.0 - lam), np.inf)


@dataclass(frozen=True)
class Exponent:
    """A log-log fit y ∝ x^slope: the fitted slope, its standard error and the data."""

    name: str
    value: float
    stderr: float
    mean_field: float
    x: np.ndarray
    y: np.ndarray


def _fit(name, x, y, mean_field, sign=1.0):
    coef, cov = np.polyfit(np.log(x), np.log(y), 1, cov=True)
    return Exponent(name, float(sign * coef[0]), float(np.sqrt(cov[0, 0])), mean_field, x, y)


def symmetric_instability_s2(target: Target) -> float:
    """s² where the symmetric point 0 of an axial target loses stability: eᵀC(0)e = s².

    Equals Λ when the posterior at 0 is the prior (two symmetric deltas, the hypersphere);
    for the Gaussian mixture ±m it is |m|² − σ_c², not Λ = |m|² + σ_c².
    """
    axis = symmetry_axis(target)
    lam = target.top_eigenvalue
    lo, hi = 1e-8 * lam, 1e3 * lam
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        var = _axis_moments(target, np.array([mid]), np.zeros(1), axis, 0.0)[1][0]
        lo, hi = (mid, hi) if var > mid else (lo, mid)
        if hi / lo - 1 < 1e-14:
            break
    return float(np.sqrt(lo * hi))


def critical_exponents(target: Target, s2_c: float | None = None, eps=None
                       ) -> tuple[Exponent, Exponent, Exponent]:
    """Mean-field exponents β, γ, δ of an axial target's pitchfork at s² = s²_c (§3.1);
    s²_c defaults to ``symmetric_instability_s2``.

    β: m ∝ (s²_c − s²)^β on the broken branch; γ: χ ∝ (s² − s²_c)^−γ at the symmetric point;
    δ: h ∝ m^δ on the critical isotherm (h solves m = ⟨y⟩((m + h)e)·e).  The reduced
    distances ε = |s² − s²_c|/s²_c run over ``eps`` (default 10⁻⁴…10⁻², where corrections to
    scaling are below 1%); the same exponents hold in t since s²(t) is smooth at t_c.
    """
    eps = np.geomspace(1e-4, 1e-2, 12) if eps is None else np.asarray(eps)
    s2_c = symmetric_instability_s2(target) if s2_c is None else s2_c
    axis = symmetry_axis(target)
    m_branch = np.array([r[-1] for r in axis_roots(target, s2_c * (1 - eps), axis)])
    beta = _fit("β", eps, m_branch, 0.5)
    chi = susceptibility(target, s2_c * (1 + eps), np.zeros((eps.size, axis.size)))
    gamma = _fit("γ", eps, chi, 1.0, sign=-1.0)
    scale = float(np.abs(target.display_points @ axis).max())
    m_small = scale * np.geomspace(1e-3, 3e-2, 12)
    h = _field_for(target, s2_c, m_small, axis)
    delta = _fit("δ", m_small, h, 3.0)
    return beta, gamma, delta


def _field_for(target, s2, m, axis):
    """h with m = ⟨y⟩((m + h)e)·e for each m (array), by bisection on x = m + h
    (⟨y⟩·e increases with x since its derivative eᵀCe/s² ≥ 0)."""
    m = np.asarray(m, float)
    lo, hi = m.copy(), m + 10.0 * s2 + 10.0
    s2_rows = np.full(m.shape, s2)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = _axis_mean(target, s2_rows, mid, axis, 0.0) < m
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        if np.all(hi - lo < 1e-15 * np.maximum(1.0, np.abs(mid))):
            break
    return 0.5 * (lo + hi) - m


@dataclass(frozen=True)
class Merge:
    """Two groups of data points whose fixed-point paths meet at time ``time``.

    ``kind`` is 'pitchfork' (the paths met continuously: a critical branching) or 'fold'
    (one path's fixed point vanished and it jumped to the nearest survivor: first order).
    """

    time: float
    left: tuple
    right: tuple
    kind: str


@dataclass(frozen=True)
class FixedPointPaths:
    """Stable fixed-point paths γ_j(t) of a discrete target, one per data point (Ambrogioni 2025 §5.1).

    Attributes
    ----------
    times : (T,) array
    paths : (K, T, d) array
        γ_j(t) in effective coordinates x̃ (equal for paths that have merged).
    hessian_min : (K, T) array
        Smallest eigenvalue of ∇²F̃ = I − C/s² on each path (→ 0 at a branching).
    chi : (K, T) array
        Top eigenvalue of the self-consistent susceptibility χ on each path.
    merges : list of Merge
        In the order found (times non-decreasing along every branch of the tree);
        ``linkage`` is the same tree in scipy's format (heights = times).
    unstable : list of (times, points) arrays
        Unstable branches that continue below each pitchfork (the fixed point the stable
        paths split from), followed backwards in time while Newton converges.
    """

    times: np.ndarray
    paths: np.ndarray
    hessian_min: np.ndarray
    chi: np.ndarray
    merges: list
    linkage: np.ndarray
    unstable: list


def _newton(target, x, s2, h_vec, iters=40, tol=1e-10):
    """Any fixed point near each row (core.newton); returns (x, converged)."""
    x, residual = solve_fixed_points(target, x, s2, h_vec, tol=tol, max_iter=iters)
    return x, residual < 1e2 * tol


def _minimize(target, x, s2, h_vec):
    """The local minimum of Φ = −s² log Z(x + h) + ½|x|² reached from each row (core.newton): one
    that still exists near x in a few steps; one that vanished at a fold slides to the nearest
    surviving minimum."""
    return solve_fixed_points(target, x, s2, h_vec, minimize=True, max_iter=100, halvings=30)[0]


def _hessian_min(target, x, s2, h_vec):
    cov = target.posterior(x + h_vec, s2, full_cov=True).cov
    return np.linalg.eigvalsh(np.eye(x.shape[1]) - cov / s2)[:, 0]


def distinct_minima_starts(target: Target, model: Target, s2: float, h: float = 0.0) -> tuple[Target, np.ndarray]:
    """The data points whose minimum of the model's F̃ at s² (the earliest time) is their own: one point per
    distinct minimum, the one nearest it.  For a guided model this is where its paths start — every point
    at w = −1 (the unconditional model), the class's points for w ≥ 0 (the other points' descent ends on
    them), and what the model keeps in between; starting from the class alone drew 3 of six deltas' paths
    at w = −1 (issue 28).  Returns the starts as a target and their indices among the target's points."""
    y = target.data.points
    h_vec = h * symmetry_axis(target)
    ends = _minimize(model, y, s2, h_vec)
    residual = np.linalg.norm(ends - model.posterior(ends + h_vec, s2).mean, axis=1)
    scale = float(np.sqrt(np.trace(target.covariance)) + 1e-12)
    # a minimum: a fixed point (not a halt on a flat stretch of F̃) with a positive-definite Hessian
    minimum = (residual < 1e-6 * scale) & (_hessian_min(model, ends, s2, h_vec) > 0)
    keep = []
    for j in np.argsort(np.linalg.norm(ends - y, axis=1), kind="stable"):
        if minimum[j] and all(np.linalg.norm(ends[j] - ends[k]) > 1e-4 * scale for k in keep):
            keep.append(j)
    keep = np.sort(keep)
    return (target if len(keep) == len(y) else subset_target(target, keep)), keep


def fixed_point_paths(target: Target, s2_values, times, h: float = 0.0, merge_tol: float = 1e-6,
                      refine: int = 7, progress=None, model: Target | None = None) -> FixedPointPaths:
    """Follow the stable fixed point of every data point from small to large t.

    ``model``: the posterior whose fixed points are followed, if not the target's own (a guided model,
    core.guidance, whose paths start at its class's points: pass the class as ``target``).

    At each time, a shifted Newton minimization of F̃ continues each distinct path from its
    previous position: it returns the same local minimum while it exists, and after a fold
    the nearest surviving one.  ``progress(i, n)``, if given, is called after each time step.
    Paths whose points coincide (within
    ``merge_tol`` × the data scale) merge; each merge time is refined by ``refine`` bisections
    in log t.  ``h`` is a probe field along the top principal axis.
    """
    if not target.is_discrete:
        raise ValueError("continuation follows the paths of a discrete target")
    if target.d > FIXED_POINT_MAX_D:
        raise ValueError(f"continuation runs up to d = {FIXED_POINT_MAX_D}")
    s2_values = np.asarray(s2_values, float)
    times = np.asarray(times, float)
    y = target.data.points
    k, d = y.shape
    h_vec = h * symmetry_axis(target)
    scale = float(np.sqrt(np.trace(target.covariance)) + 1e-12)
    tol = merge_tol * scale
    rep = np.arange(k)                    # cluster representative of each path
    target = target if model is None else model
    x = _newton(target, y, s2_values[0], h_vec)[0]
    paths = np.empty((k, times.size, d))
    merges, members = [], {j: (j,) for j in range(k)}
    formed = dict.fromkeys(range(k), 0.0)          # time each current cluster was formed
    x_prev = x.copy()
    for i, s2 in enumerate(s2_values):
        reps = np.unique(rep)
        if i > 0:
            new = _minimize(target, x[reps], s2, h_vec)
            x[reps] = new
            for a, b in _coincident(new, tol):
                ra, rb = rep[reps[a]], rep[reps[b]]
                if ra == rb:
                    continue
                tau, gap = _refine_merge(target, x_prev[[ra, rb]], s2_values[i - 1], s2, times[i - 1],
                                         times[i], h_vec, tol, refine)
                # Continuous meeting (pitchfork): the paths are already close just before τ;
                # a fold leaves a finite gap that the vanished path jumps across.
                kind = "pitchfork" if gap < PITCHFORK_GAP * scale else "fold"
                # Refined times of merges found in one step may invert: a parent never
                # precedes its children in the tree.
                tau = max(tau, formed[ra], formed[rb])
                formed[ra] = tau
                merges.append(Merge(tau, members[ra], members[rb], kind))
                members[ra] = members[ra] + members[rb]
                rep[rep == rb] = ra
                x[rep == ra] = x[ra]
        x[:] = x[rep]
        paths[:, i] = x
        x_prev = x.copy()
        if progress is not None:
            progress(i + 1, times.size)
    hess, chi = _path_spectra(target, paths, s2_values, h_vec)
    unstable = _unstable_branches(target, merges, paths, s2_values, times, h_vec, tol)
    return FixedPointPaths(times, paths, hess, chi, merges, _linkage(merges, k), unstable)


def _coincident(points, tol):
    """Pairs (a, b), a < b, of rows closer than ``tol``."""
    diff = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    a, b = np.nonzero(np.triu(diff < tol, 1))
    return list(zip(a.tolist(), b.tolist(), strict=True))


def _refine_merge(target, pair, s2_lo, s2_hi, t_lo, t_hi, h_vec, tol, steps):
    """Bisect in log t for the first time the two paths (at ``pair`` when t = t_lo) coincide.

    Returns (τ, the distance between the two paths just before τ)."""
    def s2_at(t):
        frac = np.log(t / t_lo) / np.log(t_hi / t_lo)
        return float(np.exp(np.log(s2_lo) + frac * np.log(s2_hi / s2_lo)))

    lo, hi = t_lo, t_hi
    start = np.array(pair, float)
    for _ in range(steps):
        mid = np.sqrt(lo * hi)
        moved = _minimize(target, start, s2_at(mid), h_vec)
        if np.linalg.norm(moved[0] - moved[1]) < tol:
            hi = mid
        else:
            lo, start = mid, moved
    return float(np.sqrt(lo * hi)), float(np.linalg.norm(start[0] - start[1]))


def _path_spectra(target, paths, s2_values, h_vec):
    k, n_t, d = paths.shape
    x = paths.reshape(-1, d)
    s2_rows = np.tile(s2_values, k)
    cov = target.posterior(x + h_vec, s2_rows, full_cov=True).cov / s2_rows[:, None, None]
    lam = np.linalg.eigvalsh(cov)[:, -1]
    with np.errstate(divide="ignore"):
        chi = np.where(lam < 1.0, lam / (1.0 - lam), np.inf)
    return (1.0 - lam).reshape(k, n_t), chi.reshape(k, n_t)


def _unstable_branches(target, merges, paths, s2_values, times, h_vec, tol):
    """Follow each pitchfork's merged point backwards in time while it stays an unstable root."""
    branches = []
    for merge in merges:
        if merge.kind != "pitchfork":
            continue
        i = int(np.searchsorted(times, merge.time))
        if i >= times.size:
            continue
        x = paths[merge.left[0], i][None]
        pts, ts = [], []
        for j in range(i - 1, -1, -1):
            new, ok = _newton(target, x, s2_values[j], h_vec, iters=30)
            if not ok[0] or _hessian_min(target, new, s2_values[j], h_vec)[0] > 1e-8:
                break
            if np.min(np.linalg.norm(paths[:, j] - new[0], axis=1)) < tol:
                break
            pts.append(new[0])
            ts.append(times[j])
            x = new
        if pts:
            branches.append((np.array(ts[::-1]), np.array(pts[::-1])))
    return branches


def _linkage(merges, k):
    """scipy linkage matrix (rows: cluster a, cluster b, height τ, size) of the merge tree."""
    cluster_of = {j: j for j in range(k)}
    rows = []
    for n, m in enumerate(merges):
        a, b = cluster_of[m.left[0]], cluster_of[m.right[0]]
        rows.append([min(a, b), max(a, b), m.time, len(m.left) + len(m.right)])
        for j in m.left + m.right:
            cluster_of[j] = k + n
    return np.array(rows, float).reshape(-1, 4)
