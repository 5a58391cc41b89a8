"""What the bifurcation page shows, computed once per state (the time slider excluded) and
memoized in the flask cache, which the background worker and the web workers share."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from components.jobs import TimeFreeJob
from components.state import GUIDANCE_KEYS, LabState, guidance_of, guided_class_law, model_of, process_of, target_of
from components.timemoves import merge_groups
from core.bifurcation import (
    axis_diagram,
    axis_roots,
    critical_exponents,
    distinct_minima_starts,
    fixed_point_paths,
    susceptibility,
    symmetry_axis,
)
from core.guidance import mixture_guided_roots
from core.landscape import FIXED_POINT_MAX_D, critical_s2, principal_plane

TIMES = 150
#: Extra times just below the predicted critical s² (exact axis diagrams).
NEAR_CRITICAL = 40
#: Continuation budget: K² × d per step (K paths, d dims) — 64 points in d = 10 take ~2 s.
CONTINUATION_MAX_N = 128


def _s2_range(target, axial: bool):
    lam = target.top_eigenvalue
    if axial:
        support = float(np.max(np.sum(target.display_points**2, axis=1)))
        return 0.05 * max(min(lam, support), 1e-12), max(3.0 * support, 20.0 * lam)
    u = target.data.centred
    sq = np.sum((u[:, None, :] - u[None, :, :]) ** 2, axis=2)
    closest = np.min(sq[np.triu_indices(len(u), 1)]) if len(u) > 1 else lam
    spread = float(np.max(np.sum(u**2, axis=1)))
    return max(closest / 400.0, 1e-6 * spread), 1.2 * spread + 1e-12


def symmetric_pitchfork(state: LabState) -> bool:
    """True when the axial target's transition is critical: no field, no guidance, equal weights, and a
    target that breaks a symmetry (a Gaussian does not)."""
    return state.symmetric() and state.probe_field == 0 and state.guided_class == "none"


@dataclass(frozen=True)
class AxisDiagram:
    """Fixed points on the symmetry axis of an axial target, one entry per (time, root).

    Attributes
    ----------
    time : (R,) array
        Time of each root.
    x : (R,) array
        Position along the axis (x = a·m, in the process's own coordinates).
    stable : (R,) bool array
        Stable (the Hessian of F̃ is positive definite there).
    branch : (R,) int array
        Which continuous branch the root lies on.
    curvature : (R,) array
        1 − (axis·C·axis)/s²: the Hessian of F̃ along the axis (0 at a branching).
    """

    time: np.ndarray
    x: np.ndarray
    stable: np.ndarray
    branch: np.ndarray
    curvature: np.ndarray

    def along(self, values) -> AxisDiagram:
        """The same roots with ``values`` in place of the positions (e.g. the curvature, or rescaled x)."""
        return replace(self, x=np.asarray(values))


@dataclass(frozen=True)
class Transition:
    """What every bifurcation result says: the transition predicted and named.

    Attributes
    ----------
    d : int
        Dimension.
    t_pred : float
        Predicted instability of the symmetric point, a²Λ = b² (science.md §3).
    lam : float
        Λ, the top eigenvalue of the data covariance.
    kind : str
        The transition in words (critical, first-order, mixed, none).
    """

    d: int
    t_pred: float
    lam: float
    kind: str


@dataclass(frozen=True)
class NoDiagram(Transition):
    """No diagram computed: a dataset past the continuation's size (the transition is still predicted)."""


@dataclass(frozen=True)
class Diagram(Transition):
    """Fixed points over the whole time range (either shape).

    Attributes
    ----------
    times, s2 : (T,) arrays
        The time grid and its s².
    t_meas : float or None
        The first branching found (the largest time with more than one stable fixed point); None: none.
    """

    times: np.ndarray
    s2: np.ndarray
    t_meas: float | None


@dataclass(frozen=True)
class AxisResult(Diagram):
    """Exact 1-D root finding on the symmetry axis of an axial target.

    Attributes
    ----------
    diagram : AxisDiagram
        Every root on the axis.
    chi_times, chi_values : arrays
        The self-consistent susceptibility along the stable (upper) branch.
    exponents : list or None
        Fits of β, γ, δ (symmetric pitchforks only).
    closed : tuple of two (R,) arrays or None
        (time, x) of science.md §9's closed-form guided roots, for a symmetric two-class axial target
        (two equal deltas, the mixture law) guided toward a class: an independent check of ``diagram``.
    """

    diagram: AxisDiagram
    chi_times: np.ndarray
    chi_values: np.ndarray
    exponents: list | None
    closed: tuple | None


@dataclass(frozen=True)
class PathsResult(Diagram):
    """Continuation of the N stable fixed-point paths of a discrete target (t_meas: the latest merge).

    Attributes
    ----------
    paths : (N, T, k) array
        The N stable paths γ_j(t), projected on the principal plane (k ≤ 2), times a.
    hessian_min, chi_paths : (N, T) arrays
        Smallest Hessian eigenvalue of F̃ and the susceptibility along each path.
    merges : tuple of core.bifurcation.Merge
        Every merge of two groups of paths (kind "pitchfork" or "fold"), in the order found.
    linkage : array
        The merges as a scipy linkage matrix (for the dendrogram).
    unstable : list of (times, points)
        Unstable fixed points met on the way, projected like the paths.
    data_proj : (N, k) array
        The data points projected on the principal plane.
    leaf_points : (N,) int array
        The data point each path starts from (a guided model starts from the points whose minimum it keeps:
        core.bifurcation.distinct_minima_starts).
    """

    paths: np.ndarray
    hessian_min: np.ndarray
    chi_paths: np.ndarray
    merges: tuple
    linkage: np.ndarray
    unstable: list
    data_proj: np.ndarray
    leaf_points: np.ndarray


def variant_of(state: LabState) -> type[Transition]:
    """The variant the state's result will be, known before computing it: ``AxisResult`` (exact 1-D root
    finding, quick), ``PathsResult`` (continuation, a background job) or ``NoDiagram`` (too large)."""
    if state.spec.axial:
        return AxisResult
    target = target_of(state)
    if (target.is_discrete and 2 <= target.data.n <= CONTINUATION_MAX_N and target.d <= FIXED_POINT_MAX_D
            and target.top_eigenvalue > 0):
        return PathsResult
    return NoDiagram


#: The bifurcation view's result: one class per shape.
BifurcationResult = NoDiagram | AxisResult | PathsResult


def _compute(state: LabState, progress=None) -> BifurcationResult:
    """Fixed-point paths over the time range, their stability, the tree and the exponents."""
    target, model, process = target_of(state), model_of(state), process_of(state)
    variant = variant_of(state)
    s2_c = critical_s2(target)
    out = dict(d=target.d, t_pred=float(process.time_of_s2(s2_c)), lam=target.top_eigenvalue,
               kind="critical (pitchfork)" if symmetric_pitchfork(state) else "first-order (imperfect)")
    if variant is NoDiagram:
        return NoDiagram(**out)
    lo, hi = _s2_range(target, axial=variant is AxisResult)
    s2 = np.geomspace(lo, hi, TIMES)
    if variant is AxisResult:
        # the branches leave the pitchfork as √(s²_c − s²): a grid dense near s²_c draws them down to 0
        # (on the geometric grid alone they stopped at ±0.25 and jumped)
        near = s2_c * (1.0 - np.geomspace(3e-5, 0.15, NEAR_CRITICAL))
        s2 = np.unique(np.concatenate([s2, near[(near > lo) & (near < hi)]]))
    times = process.time_of_s2(s2)
    out.update(times=times, s2=s2)
    if variant is AxisResult:
        diagram = axis_diagram(model, s2, times, h=state.probe_field)
        axis = symmetry_axis(target)
        a_rows = process.a(diagram.time)
        out.update(diagram=AxisDiagram(time=diagram.time, x=a_rows * diagram.m, stable=diagram.stable,
                                       branch=diagram.branch, curvature=diagram.curvature))
        law = guided_class_law(state)
        out["closed"] = (None if law is None else
                         _closed_guided_roots(target, *law, guidance_of(state).at(s2 / target.top_eigenvalue), s2,
                                              times, process))
        stable_count = np.array([np.sum(diagram.stable[diagram.time == t]) for t in times])
        out["t_meas"] = _axial_branching_time(model, process, s2, stable_count, axis, state.probe_field)
        top = diagram.stable & (diagram.m >= 0) if symmetric_pitchfork(state) else diagram.stable
        chi = susceptibility(model, np.interp(diagram.time, times, s2), diagram.m[:, None] * axis,
                             h=state.probe_field, axis=axis)
        out.update(chi_times=diagram.time[top], chi_values=chi[top], exponents=None)
        if symmetric_pitchfork(state):
            with np.errstate(divide="ignore", invalid="ignore"):
                fits = critical_exponents(target)
            # a unimodal target (e.g. a mixture wider than its separation) has no broken branch to fit
            out["exponents"] = fits if all(np.isfinite(f.value) for f in fits) else None
        if not state.spec.transition:
            out["kind"] = "no transition: a Gaussian target keeps one stable fixed point"
        elif state.guided_class != "none" and out["t_meas"] is None:
            out["kind"] = "none: the guided model keeps one stable fixed point, its class's, at every time"
        return AxisResult(**out)
    # guided: the points whose own minimum the guided model keeps at the earliest time
    starts, leaf_points = ((target, np.arange(target.data.n)) if state.guided_class == "none"
                           else distinct_minima_starts(target, model, s2[0], state.probe_field))
    paths = fixed_point_paths(starts, s2, times, h=state.probe_field, progress=progress, model=model)
    out["leaf_points"] = leaf_points
    plane = principal_plane(target) if target.d >= 2 else None
    a = process.a(times)[None, :, None]
    proj = (paths.paths - (plane.origin if plane else 0)) @ (plane.axes.T if plane else np.eye(1))
    out.update(paths=a * proj, hessian_min=paths.hessian_min, chi_paths=paths.chi,
               merges=tuple(paths.merges),
               linkage=paths.linkage, t_meas=paths.merges[-1].time if paths.merges else None,
               unstable=[(ts, process.a(ts)[:, None] * ((pts - (plane.origin if plane else 0))
                                                        @ (plane.axes.T if plane else np.eye(1))))
                         for ts, pts in paths.unstable],
               data_proj=(target.data.points - (plane.origin if plane else 0))
               @ (plane.axes.T if plane else np.eye(1)))
    if any(m.kind == "pitchfork" for m in paths.merges) and not any(m.kind == "fold" for m in paths.merges):
        out["kind"] = "critical (pitchforks only: a symmetric dataset)"
    elif any(m.kind == "pitchfork" for m in paths.merges):
        out["kind"] = "mixed: pitchforks and folds"
    else:
        out["kind"] = "first-order (folds: the generic case without symmetry)"
    return PathsResult(**out)


def _closed_guided_roots(target, centre, var_c, w, s2, times, process):
    """science.md §9's roots u = M((1 + w) − w tanh(Mu/(σ_c² + s²))) (w: one per s²) for the guided class of a symmetric
    two-class target (M: its centre's distance from the origin along the axis, σ_c²: its variance per
    dimension, 0 for a delta), in the process's coordinates x = a·u (class −: mirrored)."""
    along = float(centre @ symmetry_axis(target))
    roots = mixture_guided_roots(abs(along), var_c, s2, w)
    a = process.a(times)
    return (np.repeat(times, [r.size for r in roots]),
            np.concatenate([a_k * np.sign(along) * r for a_k, r in zip(a, roots, strict=True)]))


def _axial_branching_time(target, process, s2, stable_count, axis, h):
    """The largest time with more than one stable fixed point, refined by bisection in s²
    (roots closer than the root-finding grid are resolved by the curvature test below)."""
    multi = np.flatnonzero(stable_count > 1)
    if multi.size == 0 or multi[-1] + 1 >= s2.size:
        return None
    lo, hi = s2[multi[-1]], s2[multi[-1] + 1]
    for _ in range(22):                   # the grid's bracket (~4%) down to ~1e-8 relative
        mid = np.sqrt(lo * hi)
        roots = axis_roots(target, np.array([mid]), axis, h, grid=201)[0]
        x = np.outer(roots + h, axis)
        curv = 1.0 - np.einsum("i,pij,j->p", axis, target.posterior(x, mid, full_cov=True).cov, axis) / mid
        # In 1-D roots alternate stable/unstable, so an unstable root means two stable ones even
        # when the grid cannot resolve them (near a pitchfork they are √(t_c − t) apart).
        branched = np.sum(curv > 1e-12) > 1 or np.any(curv < -1e-12)
        lo, hi = (mid, hi) if branched else (lo, mid)
    return float(process.time_of_s2(np.sqrt(lo * hi)))


def branch_runs(diagram: AxisDiagram):
    """Split each branch of an axis diagram into runs of constant stability."""
    stable, unstable = [], []
    for b in np.unique(diagram.branch):
        sel = np.flatnonzero(diagram.branch == b)
        sel = sel[np.argsort(diagram.time[sel])]
        flags = diagram.stable[sel]
        cuts = np.flatnonzero(np.diff(flags.astype(int))) + 1
        for run in np.split(np.arange(sel.size), cuts):
            if run.size:
                idx = sel[run]
                (stable if flags[run[0]] else unstable).append((diagram.time[idx], diagram.x[idx]))
    return stable, unstable


def merge_table(view: PathsResult) -> list[tuple]:
    """The merges as (τ, a, b): paths a and b (a member of each group) joined for t ≥ τ (components.timemoves)."""
    return [(m.time, m.left[0], m.right[0]) for m in view.merges]


def clusters_at(view: PathsResult, t_now: float) -> list[list[int]]:
    """Groups of data points whose paths have merged by time ``t_now`` (equivalence classes), in the
    order of their first member."""
    group = merge_groups(merge_table(view), view.paths.shape[0], t_now)
    clusters: list[list[int]] = [[] for _ in range(max(group, default=-1) + 1)]
    for j, g in enumerate(group):
        clusters[g].append(j)
    return clusters


#: The bifurcation view's job: everything but t (root finding or continuation, a progress step per time).
JOB = TimeFreeJob("bifurcation", _compute, reads=(*GUIDANCE_KEYS, "h"), status=lambda i, n: f"time step {i} of {n}")
