"""What the landscape page shows, computed from a state: per time in this worker's memory, time-free views shared.

Keys are tuples of scalars (the state's items), never arrays (caching traps).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.cache import local, shared
from components.state import (
    GUIDANCE_KEYS,
    LabState,
    guidance_of,
    guided_class_law,
    inputs_of,
    model_of,
    process_of,
    target_of,
)
from core import limits
from core.guidance import mixture_guided_score
from core.landscape import (
    FIXED_POINT_MAX_D,
    Plane,
    boltzmann_weights,
    critical_s2,
    fixed_points,
    hopfield_energy,
    landscape,
    plane_landscape,
    principal_plane,
)

#: Grid budget: grid points × data points per landscape (~40 ms on 2 cores at 2.7 ns/pair).
GRID_PAIRS = 1.5e7
#: Points a side of the view's map, and (2·high + 1 in all) of its line.  At 120 a side the map as plotly draws it
#: (interpolating its grid) is within 0.17 of one of its 28 contour levels of the map on 200 a side, at any time
#: (bench/landscape_grid.py), for 0.36 of the bytes a released time sends and of the work (issue 30).
MAP_SIDES, LINE_SIDES = (40, 120), (40, 200)
#: Fixed-point budget: seeds × N × d² per Newton iteration (about 0.05 s).
NEWTON_WORK = 2e7
MIN_SEEDS = 12
ARROWS = 17
STRIP_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)


#: What the landscape reads besides the target, its shape and the process: guidance.
READS = GUIDANCE_KEYS


def view_inputs(state: LabState, at_time: bool = True) -> LabState:
    """The state narrowed to what a landscape view reads (components.state.inputs_of), with the time t for the
    views at the current time: the views' cache key, hashable and printed the same by every worker."""
    inputs = inputs_of(state, READS)
    return inputs.replace(t=state.t) if at_time else inputs


def _extent(target, plane=None) -> float:
    pts = target.display_points if plane is None else plane.project(target.display_points)
    spread = np.sqrt(max(target.top_eigenvalue, 1e-12))
    return float(1.35 * max(np.abs(pts).max(), 2.0 * spread) + 0.15 * spread)


@dataclass(frozen=True)
class ViewGrid:
    """Where a landscape is evaluated: a line (d = 1) or a square grid on the principal plane."""

    axis: np.ndarray           # coordinates along the line, or along each plane axis
    plane: Plane | None
    coords: np.ndarray         # (P, 1) points on the line, or (P, 2) plane coordinates (u, v)

    @property
    def points(self) -> np.ndarray:
        """The points x̃ (P, d) in the full space (built on demand: (P, d) is 330 MB at d = 1,024)."""
        return self.coords if self.plane is None else self.plane.embed(self.coords)

    def landscape(self, model, s2: float):
        """F̃ and the drift on the grid: on a plane at O(P·N) (core.landscape.plane_landscape), drift in-plane."""
        if self.plane is None:
            return landscape(model, s2, self.coords)
        return plane_landscape(model, s2, self.plane, self.coords)


def view_grid(target, pairs: float, size_range: tuple[int, int]) -> ViewGrid:
    """A grid of at most ``pairs`` / N points (within ``size_range`` per side) framing the data."""
    n = target.data.n if target.is_discrete else 64
    lo, hi = size_range
    if target.d == 1:
        half = _extent(target)
        centre = target.data.centre[0] if target.is_discrete else 0.0
        axis = np.linspace(-half, half, 2 * hi + 1) + centre
        return ViewGrid(axis, None, axis[:, None])
    plane = principal_plane(target)
    half = _extent(target, plane)
    size = int(np.clip(np.sqrt(pairs / n), lo, hi))
    axis = np.linspace(-half, half, size)
    uu, vv = np.meshgrid(axis, axis)
    return ViewGrid(axis, plane, np.column_stack([uu.ravel(), vv.ravel()]))


def critical_time(state: LabState) -> float:
    """t_c where a²Λ = b², i.e. s²(t_c) = Λ (science.md §3)."""
    return float(process_of(state).time_of_s2(critical_s2(target_of(state))))


def on_sphere(target) -> bool:
    """True for discrete data with all |y_j| equal: then F̃ is the modern-Hopfield energy."""
    if not target.is_discrete:
        return False
    norms = np.linalg.norm(target.data.points, axis=1)
    return bool(np.ptp(norms) <= 1e-9 * max(1.0, norms.max()))


def pattern_gap(target, fp) -> float | None:
    """Largest distance from a stable fixed point to its nearest data point (discrete targets)."""
    if not target.is_discrete or not fp.stable.any():
        return None
    y = target.data.points
    return float(max(np.linalg.norm(y - p, axis=1).min() for p in fp.points[fp.stable]))


@dataclass(frozen=True)
class LandscapeAt:
    """F̃ at one time with its fixed points (science.md §2–3; Ambrogioni 2023 §5–7): what both shapes share.

    Attributes
    ----------
    d, t, s2, lam, t_c : int, float, float, float, float
        Dimension, time, its s², Λ and the critical time t_c (s²(t_c) = Λ).
    hopfield_ok : bool
        The data lie on a sphere: F̃ is then the modern-Hopfield energy (eq. 40).
    fixed_note : str
        What the fixed points shown are (or why none are searched).
    f : array
        F̃ on the line or on the (u, v) grid.
    kinds : array of str
        Kind of each fixed point: "minimum", "saddle", "maximum", "marginal".
    pattern_gap : float or None
        Largest distance from a stable fixed point to its nearest data point (None: no stable one found).
    fixed_searched : bool
        Whether fixed points were searched at all (not for large d·n): without a search, none shown
        does not mean none exist.
    """

    d: int
    t: float
    s2: float
    lam: float
    t_c: float
    hopfield_ok: bool
    fixed_note: str
    f: np.ndarray
    kinds: np.ndarray
    pattern_gap: float | None
    fixed_searched: bool


@dataclass(frozen=True)
class LineLandscape(LandscapeAt):
    """d = 1: F̃ on a line.

    Attributes
    ----------
    x, score : arrays
        The line and the score on it.
    fixed_x, fixed_f, fixed_score : arrays
        The fixed points: position, F̃ and score (0).
    data_x : array
        The data on the line.
    score_closed : array or None
        For a guided symmetric two-class target, science.md §9's closed-form guided score on the line.
    """

    x: np.ndarray
    score: np.ndarray
    fixed_x: np.ndarray
    fixed_f: np.ndarray
    fixed_score: np.ndarray
    data_x: np.ndarray
    score_closed: np.ndarray | None


@dataclass(frozen=True)
class PlaneLandscape(LandscapeAt):
    """d ≥ 2: F̃ on the principal plane (a slice through it for d > 2).

    Attributes
    ----------
    u, v : arrays
        The grid's axes.
    tails, drift : arrays; cell : float
        Arrow tails and the drift on the plane, and the arrow cell size.
    data_uv, fixed_uv : arrays
        Data and fixed points projected on the plane; ``fixed_full``: the fixed points in full.
    plane_origin, plane_axes : arrays
        The principal plane (x̃ = origin + (u, v)·axes).
    """

    u: np.ndarray
    v: np.ndarray
    tails: np.ndarray
    drift: np.ndarray
    cell: float
    data_uv: np.ndarray
    fixed_uv: np.ndarray
    fixed_full: np.ndarray
    plane_origin: np.ndarray
    plane_axes: np.ndarray


#: The landscape at one time: one class per shape.
LandscapeResult = LineLandscape | PlaneLandscape


@local(32)           # per time: this worker's memory
def landscape_view(inputs: LabState) -> LandscapeResult:
    """F̃, descent arrows, fixed points and data in 1-D or on the principal plane."""
    state = inputs
    target, model, process = target_of(state), model_of(state), process_of(state)
    t = state.t
    s2, a, b2 = float(process.s2(t)), float(process.a(t)), float(process.b2(t))
    n = target.data.n if target.is_discrete else 64
    out = dict(d=target.d, s2=s2, t=t, t_c=critical_time(state), hopfield_ok=on_sphere(target),
               fixed_note="", lam=target.top_eigenvalue, fixed_searched=True)
    grid = view_grid(target, GRID_PAIRS, LINE_SIDES if target.d == 1 else MAP_SIDES)
    if target.d == 1:
        fp = fixed_points(model, s2, np.vstack([grid.points[::20], target.display_points]))
        lan = landscape(model, s2, np.vstack([grid.points, fp.points]))   # one shift for both
        k = len(grid.axis)
        law = guided_class_law(state)       # science.md §9's guided score in closed form, an independent check
        out["score_closed"] = (None if law is None else
                               mixture_guided_score(a * grid.points, a, b2, law[0], law[1],
                                                    float(guidance_of(state).at(s2 / target.top_eigenvalue)))[:, 0])
        out.update(x=grid.axis, f=lan.free_energy[:k], score=a / b2 * lan.drift[:k, 0],
                   fixed_x=fp.points[:, 0], fixed_f=lan.free_energy[k:], fixed_score=np.zeros(len(fp.points)),
                   kinds=fp.kind, data_x=target.display_points[:, 0])
        out["pattern_gap"] = pattern_gap(target, fp)
        return LineLandscape(**out)
    lan = grid.landscape(model, s2)
    plane, axis = grid.plane, grid.axis
    size = len(axis)
    coarse = np.linspace(axis[0], axis[-1], ARROWS + 2)[1:-1]
    cu, cv = np.meshgrid(coarse, coarse)
    tails = np.column_stack([cu.ravel(), cv.ravel()])
    drift = plane_landscape(model, s2, plane, tails).drift
    out.update(u=axis, v=axis, f=lan.free_energy.reshape(size, size), tails=tails, drift=drift,
               cell=float(coarse[1] - coarse[0]), data_uv=plane.project(target.display_points),
               plane_origin=plane.origin, plane_axes=plane.axes)
    n_seeds = int(min(200, NEWTON_WORK / (n * target.d * (target.d + 1))))
    if target.d <= FIXED_POINT_MAX_D and n_seeds >= MIN_SEEDS:
        grid_seeds = plane.embed(tails[:: max(1, len(tails) // 60)])
        seeds = np.vstack([grid_seeds, target.display_points])[:n_seeds]
        fp = fixed_points(model, s2, seeds, max_iter=30)
        out.update(fixed_uv=plane.project(fp.points), kinds=fp.kind, fixed_full=fp.points,
                   pattern_gap=pattern_gap(target, fp))
        if target.d > 2:
            out["fixed_note"] = "fixed points of the full d-dimensional drift, projected on the plane"
    else:
        out.update(fixed_uv=np.zeros((0, 2)), kinds=np.zeros(0, "<U8"), fixed_full=np.zeros((0, target.d)),
                   pattern_gap=None, fixed_searched=False)
        out["fixed_note"] = (f"fixed points are searched for up to d = {FIXED_POINT_MAX_D} and "
                             f"n·d² ≤ {NEWTON_WORK / MIN_SEEDS:.1e}: not shown for this size")
    return PlaneLandscape(**out)


@local(32)
def hopfield_view(inputs: LabState) -> np.ndarray | None:
    """The modern-Hopfield energy on the landscape's grid (None unless the data lie on a sphere)."""
    state = inputs
    target = target_of(state)
    if not on_sphere(target):
        return None
    grid = view_grid(target, GRID_PAIRS, LINE_SIDES if target.d == 1 else MAP_SIDES)
    energy = hopfield_energy(target, float(process_of(state).s2(state.t)), grid.points)
    return energy if target.d == 1 else energy.reshape(len(grid.axis), len(grid.axis))


@dataclass(frozen=True)
class StripResult:
    """F̃ at the times where s² = s²_c × STRIP_FACTORS (VE: t_c × STRIP_FACTORS) on one grid (``panels``, one
    per time) along ``axis``."""

    times: np.ndarray
    panels: list
    axis: np.ndarray
    t_c: float


@shared("landscape-strip_view")
def strip_view(inputs: LabState) -> StripResult:
    """F̃ at noise s²_c × (¼, ½, 1, 2, 4) on one grid (the time itself is not in the key): VE's t_c × (¼ … 4),
    and inside flow matching's t < 1."""
    state = inputs
    target, model, process = target_of(state), model_of(state), process_of(state)
    t_c = critical_time(state)
    s2_c = critical_s2(target)
    times = np.clip(process.time_of_s2(s2_c * np.array(STRIP_FACTORS)), limits.T_MIN, process.t_max)
    grid = view_grid(target, GRID_PAIRS / 4, (30, 90) if target.d > 1 else (60, 120))
    shape = (-1,) if target.d == 1 else (len(grid.axis), len(grid.axis))
    panels = [grid.landscape(model, float(process.s2(t))).free_energy.reshape(shape) for t in times]
    return StripResult(times=times, panels=panels, axis=grid.axis, t_c=t_c)


@dataclass(frozen=True)
class Probe:
    """The posterior at one probed point x̃ (science.md §1–2).

    Attributes
    ----------
    x, mean : (d,) arrays
        The point and the magnetization ⟨y⟩ there.
    trace_cov, s2 : float
        tr C and the noise s².
    chi_eigs : array or None
        Eigenvalues of the bare susceptibility βC = C/s², descending (d ≤ FIXED_POINT_MAX_D).
    weights : (N,) array or None
        Boltzmann weights of the data points (discrete targets).
    effective_points : float or None
        1/Σw²: how many data points shape the score there.
    """

    x: np.ndarray
    mean: np.ndarray
    trace_cov: float
    s2: float
    chi_eigs: np.ndarray | None = None
    weights: np.ndarray | None = None
    effective_points: float | None = None


def probe_view(state: LabState, x_tilde) -> Probe:
    """Weights, magnetization, bare susceptibility βC and 1/Σw² at one point x̃ (§1–2)."""
    target, process = target_of(state), process_of(state)
    s2 = float(process.s2(state.t))
    x = np.asarray(x_tilde, float)[None]
    full = target.d <= FIXED_POINT_MAX_D
    st = target.posterior(x, s2, full_cov=full)
    chi_eigs = np.linalg.eigvalsh(st.cov[0])[::-1] / s2 if full else None
    if not target.is_discrete:
        return Probe(x[0], st.mean[0], float(st.trace_cov[0]), s2, chi_eigs)
    return Probe(x[0], st.mean[0], float(st.trace_cov[0]), s2, chi_eigs, boltzmann_weights(target, x[0], s2),
                 float(1.0 / st.participation[0]))


#: The scrub preview: F̃ at STACK_FRAMES times log-spaced over the slider's range (8 a decade), on a grid of
#: STACK_SIDE[0]–STACK_SIDE[1] points a side within STACK_PAIRS grid × data pairs in all (~0.2 s); the browser
#: interpolates linearly in log t between frames while the slider is dragged (bench/landscape_stack.py measures
#: the error).  Larger datasets get no preview: their exact landscape comes at the released time.
STACK_FRAMES, STACK_SIDE, STACK_PAIRS = 41, (16, 56), 1e8


@dataclass(frozen=True)
class StackResult:
    """F̃ − min F̃ at ``times`` (F,) on the view's line or plane (``axis``), quantized per frame to 8 bits:
    F̃ ≈ ``low[k]`` + (``high[k]`` − ``low[k]``) · ``levels[k]`` / 255.  1-D stacks also carry the score
    (same quantization, ``score_low``/``score_high``/``score_levels``)."""

    times: np.ndarray
    axis: np.ndarray
    d: int
    low: np.ndarray
    high: np.ndarray
    levels: np.ndarray
    score_low: np.ndarray | None = None
    score_high: np.ndarray | None = None
    score_levels: np.ndarray | None = None


def quantized(frames: np.ndarray):
    """Per-frame 8-bit quantization of (F, …) values: (low, high, levels)."""
    flat = frames.reshape(len(frames), -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    scale = np.where(high > low, high - low, 1.0)
    levels = np.rint((flat - low[:, None]) / scale[:, None] * 255).astype(np.uint8)
    return low, high, levels.reshape(frames.shape)


def stack_side(n: int, d: int) -> int:
    """Grid side of the preview for N = n points whose pairs with a grid point cost as in d dims (0: no preview
    at this size).  Data points on a plane cost as in 3 (core.landscape.plane_landscape): pass d = 3."""
    cost = STACK_FRAMES * max(1.0, d / 10) * n
    side = int(min(STACK_SIDE[1], np.sqrt(STACK_PAIRS / cost)))
    return side if side >= STACK_SIDE[0] else 0


@shared("landscape-stack_view")
def stack_view(inputs: LabState) -> StackResult | None:
    """The landscape at STACK_FRAMES times on a coarse copy of the view's grid (the time is not in the key)."""
    state = inputs
    target, model, process = target_of(state), model_of(state), process_of(state)
    n = target.data.n if target.is_discrete else 64
    side = stack_side(n, 3 if model.data is not None else target.d)
    if side == 0:
        return None
    times = np.geomspace(limits.T_MIN, process.t_max, STACK_FRAMES)
    grid = view_grid(target, side**2 * n, (side, side)) if target.d > 1 else None
    if target.d == 1:
        full = view_grid(target, 0, (0, 100))
        grid = ViewGrid(full.axis, None, full.coords)
    frames, scores = [], []
    for t in times:
        lan = grid.landscape(model, float(process.s2(t)))
        frames.append(lan.free_energy if target.d == 1 else lan.free_energy.reshape(side, side))
        scores.append(float(process.a(t)) / float(process.b2(t)) * lan.drift[:, 0])
    low, high, levels = quantized(np.array(frames))
    out = dict(times=times, axis=grid.axis, d=target.d, low=low, high=high, levels=levels)
    if target.d == 1:
        s_low, s_high, s_levels = quantized(np.array(scores))
        out.update(score_low=s_low, score_high=s_high, score_levels=s_levels)
    return StackResult(**out)
