"""The particles page's runs: trajectories, colors from the future, the density fan and the
regime times, packed for the browser (float32 frames as base64, sent once per run)."""
from __future__ import annotations

import base64

import numpy as np
from scipy.cluster.vq import kmeans2

from components.cache import cached
from components.jobs import TimeFreeJob
from components.state import process_of, target_of, time_free_key
from core import limits
from core.bifurcation import AXIAL_TARGETS, symmetry_axis
from core.datasets import digits_points
from core.dynamics import initial_particles, reverse_times, reverse_trajectories
from core.landscape import principal_plane
from core.regimes import last_change_times, mixture_collapse_time, speciation_time
from pages import bifurcation

STEPS = 200
#: frames × particles sent per run (≈ 3 MB of float32 positions).
FRAME_BUDGET = 400_000
PARTICLE_CHOICES = (500, 2_000, 5_000, 20_000)
#: Work of one run, particles × data points × steps (~10 s at 7 ns per pair), and particles ×
#: dimensions × steps (the integrator's own updates and noise, ~1 s at 2·10⁷): larger runs are cut
#: to fewer particles, with a notice.
WORK_MAX = 4e8
DIM_WORK_MAX = 2e7
#: particles whose nearest training point is tracked over time (μ*, collapse times).
TRACKED = 300
GROUPS = 6
#: Generated digit images shown beside their nearest training image.
SHOWN_IMAGES = 12


def run_params(particles, dynamics, seed_offset) -> dict:
    """Page-local run settings, validated: particle count, SDE/ODE, seed offset."""
    try:
        p = int(particles)
    except (TypeError, ValueError):
        p = 2_000
    p = min(PARTICLE_CHOICES, key=lambda c: abs(c - p))
    try:
        offset = int(seed_offset or 0) % 10_000
    except (TypeError, ValueError):
        offset = 0
    return {"particles": p, "sde": dynamics != "ode", "offset": offset}


def time_range(target, process) -> tuple[float, float]:
    """t_min = 10⁻³ and a t_max at which the noise swamps the data (s² ≥ 25 × spread)."""
    spread = max(target.top_eigenvalue, float(np.max(np.sum(target.display_points**2, axis=1))))
    t_max = float(process.time_of_s2(25.0 * spread))
    return limits.T_MIN, float(np.clip(t_max, 1.0, limits.T_MAX))


def end_labels(target, state, final) -> np.ndarray:
    """Colors from the future: the class each particle ends in (digits: the nearest class mean,
    the classifier of the cloning experiment)."""
    if state["target"] == "digits":
        images, classes = digits_points(state["cls"], state["n"], state["seed"])
        kinds = np.unique(classes)
        means = np.stack([images[classes == k].mean(0) for k in kinds])
        dist = np.sum(final**2, 1)[:, None] - 2 * final @ means.T + np.sum(means**2, 1)[None]
        return kinds[np.argmin(dist, axis=1)].astype(np.int8)
    if state["target"] in ("mixture", "mixture_samples"):
        return (final @ target.display_points[0] > 0).astype(np.int8)
    if target.is_discrete:
        y = target.data.points
        nearest = np.argmin(np.sum(final**2, 1)[:, None] - 2 * final @ y.T + np.sum(y**2, 1)[None], axis=1)
        if target.data.n <= 10:
            return nearest.astype(np.int8)
        _, groups = kmeans2(y, min(GROUPS, target.data.n), seed=0, minit="++")
        return groups[nearest].astype(np.int8)
    plane = principal_plane(target) if target.d >= 2 else None
    if plane is None:
        return (final[:, 0] > 0).astype(np.int8)
    uv = final @ plane.axes.T
    return (np.floor((np.arctan2(uv[:, 1], uv[:, 0]) + np.pi) / (2 * np.pi) * GROUPS) % GROUPS).astype(np.int8)


def regime_times(target, state, process, nearest=None, times=None) -> dict:
    """t_s (a²Λ = b²) and t_C: seed 003 eq. 10 for the mixture under VP, and the mean
    last-change time of μ* measured on the trajectories (seed 003 Fig. 5)."""
    out = {"t_s": speciation_time(target, process), "t_c_theory": None, "t_c_measured": None}
    if state["target"] in ("mixture", "mixture_samples") and state["process"] == "VP":
        n = state["n"] if state["target"] == "mixture_samples" else np.inf
        out["t_c_theory"] = mixture_collapse_time(n, target.d, state["sc"] ** 2) if np.isfinite(n) else 0.0
    if nearest is not None:
        out["collapse_times"] = last_change_times(nearest, times)
        out["t_c_measured"] = float(np.mean(out["collapse_times"]))
    return out


def encode(array, dtype) -> str:
    """base64 of a contiguous little-endian array (decoded by assets/particles.js)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def run_key(state: dict, particles, dynamics, seed_offset) -> tuple:
    """What a run depends on: the state without t and the validated run settings."""
    return (time_free_key(state), tuple(sorted(run_params(particles, dynamics, seed_offset).items())))


def run_summary(state: dict, particles, dynamics, seed_offset) -> dict:
    """The run without its frames: what the side panels redraw on every time move (the frames,
    ~3 MB, were unpickled from the cache on each move before)."""
    return cached("particles-summary", run_key(state, particles, dynamics, seed_offset),
                  lambda: {k: v for k, v in JOB.result(state, particles, dynamics, seed_offset).items()
                           if k != "frames_b64"})


def _run(state, particles, dynamics, seed_offset, progress=None):
    return _simulate(state, run_params(particles, dynamics, seed_offset), progress)


def _simulate(state, params, progress):
    target, process = target_of(state), process_of(state)
    n_data = target.data.n if target.is_discrete else 2
    p = int(min(params["particles"], max(50, WORK_MAX // (n_data * STEPS)),
                max(50, DIM_WORK_MAX // (target.d * STEPS))))
    t_min, t_max = time_range(target, process)
    times = reverse_times(t_min, t_max, STEPS)
    frames_wanted = int(np.clip(FRAME_BUDGET // p, 20, STEPS + 1))
    every = max(1, int(round(STEPS / (frames_wanted - 1))))
    rng = np.random.default_rng(state["seed"] * 10_007 + params["offset"])
    if target.d >= 2:
        axes = principal_plane(target).axes
    else:
        axes = np.ones((1, 1))
    x0 = initial_particles(process, t_max, target, p, rng)
    traj = reverse_trajectories(target, process, x0, times, sde=params["sde"], rng=rng, record_every=every,
                                projection=(np.zeros(target.d), axes),
                                track_nearest=TRACKED if target.is_discrete else 0, progress=progress)
    frames = traj.frames
    if target.d == 1:  # a line: spread the particles vertically by a fixed jitter
        jitter = np.random.default_rng(1).uniform(-1, 1, p).astype(np.float32)
        frames = np.concatenate([frames, np.broadcast_to(jitter[None, :, None], frames.shape)], axis=2)
    labels = end_labels(target, state, traj.final)
    regimes = regime_times(target, state, process, traj.nearest, traj.times)
    data_uv = target.display_points @ axes.T
    if target.d == 1:
        data_uv = np.column_stack([data_uv[:, 0], np.zeros(len(data_uv))])
    span = float(np.percentile(np.abs(frames), 99.5)) * 1.1 + 1e-9
    fan_edges = np.linspace(-span, span, 81)
    fan = np.stack([np.histogram(f[:, 0], bins=fan_edges)[0] for f in frames], axis=1).astype(np.float32)
    images = None
    if state["target"] == "digits":      # generated images beside their nearest training image
        final = traj.final[:SHOWN_IMAGES] / float(process.a(times[-1]))
        y = target.data.points
        nearest = np.argmin(np.sum(final**2, 1)[:, None] - 2 * final @ y.T + np.sum(y**2, 1)[None], axis=1)
        images = dict(generated=final.astype(np.float32), nearest=y[nearest].astype(np.float32),
                      distance=np.linalg.norm(final - y[nearest], axis=1), labels=labels[:SHOWN_IMAGES])
    return dict(times=traj.times, frames_b64=encode(frames, "<f4"), shape=list(frames.shape), images=images,
                labels=labels, data_uv=data_uv, span=span, fan=fan / p, fan_edges=fan_edges,
                regimes=regimes, nearest=traj.nearest, fixed=_fixed_paths_overlay(state, target),
                sde=params["sde"], particles=p, requested=params["particles"])


def _fixed_paths_overlay(state, target):
    """Fixed-point paths along the top axis for axial targets (exact diagram), else None."""
    if state["target"] not in AXIAL_TARGETS:
        return None
    view = bifurcation.JOB.result(state)
    diagram = view.diagram
    # the diagram lies on the symmetry axis e; the fan shows the projection on the plane's first axis
    scale = float(symmetry_axis(target) @ principal_plane(target).axes[0]) if target.d >= 2 else 1.0
    return diagram.along(scale * diagram.x)


#: The particles view's job: one run of the reverse process, keyed by the state without t and the
#: page's run controls (particle count, SDE/ODE, the "new run" button's count as a seed offset).
JOB = TimeFreeJob("particles", _run, key=run_key, status=lambda i, n: f"frame {i} of {n}",
                  controls=(("particles-count", "value"), ("particles-dynamics", "value"),
                            ("particles-rerun", "n_clicks")))
