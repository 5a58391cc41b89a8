"""The particles page's runs: trajectories, colors from the future, the density fan and the
regime times, packed for the browser (float32 frames, sent once per run)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster.vq import kmeans2

from components.cache import cached
from components.jobs import TimeFreeJob
from components.state import GUIDANCE_KEYS, LabState, model_of, process_of, target_of
from components.typed_arrays import packed, unpacked
from core import limits
from core.bifurcation import symmetry_axis
from core.dynamics import (
    SAMPLERS,
    initial_particles,
    posterior_mean_of,
    reverse_trajectories,
)
from core.guidance import class_names, populated_classes
from core.guidance_schedules import SCHEDULE_NAMES
from core.landscape import principal_plane
from core.regimes import cloning_experiment, collapse_times, mixture_collapse_time, phi_closed_form, speciation_time
from core.sampling import GuidanceSweep, SamplingError, guidance_sweep, reference_moments, sampling_error
from core.schedules import SCHEDULES, entropic_clock, step_times
from core.streams import stream
from core.targets import class_labels
from pages import bifurcation

#: frames × particles sent per run (≈ 3 MB of float32 positions).
FRAME_BUDGET = 400_000
#: Work of one run, particles × data points × steps (~10 s at 7 ns per pair), and particles ×
#: dimensions × steps (the integrator's own updates and noise, ~1 s at 2·10⁷): larger runs are cut
#: to fewer particles, with a notice.
WORK_MAX = 4e8
DIM_WORK_MAX = 2e7
#: particles whose nearest training point is tracked over time (μ*, collapse times).
TRACKED = 300
GROUPS = 6
#: Discrete targets with at most this many points color each point as its own class.
POINT_CLASSES_MAX = 10
#: Generated digit images shown beside their nearest training image.
SHOWN_IMAGES = 12


def run_params(state, rerun=0) -> dict:
    """The run's settings, read from the state (validated there): particle count, SDE/ODE, sampler, steps, the
    step grid (core.schedules), and the "new run" button's count as a seed offset."""
    try:
        offset = int(rerun or 0) % 10_000
    except (TypeError, ValueError, OverflowError):
        offset = 0
    return {"particles": state.particles, "sde": state.dynamics != "ode", "offset": offset,
            "sampler": state.sampler, "steps": state.steps, "schedule": state.schedule}


def time_range(target, process) -> tuple[float, float]:
    """t_min = 10⁻³ and a t_max at which the noise swamps the data (s² ≥ 25 × spread), at least
    t = 1 (flow matching: where s² ≥ 1) and at most the process's last time."""
    spread = max(target.top_eigenvalue, float(np.max(np.sum(target.display_points**2, axis=1))))
    t_max = float(process.time_of_s2(25.0 * spread))
    return limits.T_MIN, float(np.clip(t_max, min(1.0, float(process.time_of_s2(1.0))), process.t_max))


def classes_are_points(target, spec) -> bool:
    """Each training point is its own class (a few deltas): not labelled images, not the two-cluster
    mixture, at most POINT_CLASSES_MAX points. Choosing a class is then collapsing onto a point."""
    return (target.is_discrete and not spec.labelled and not spec.two_clusters
            and target.data.n <= POINT_CLASSES_MAX)


def end_labels(target, state, final) -> np.ndarray:
    """Colors from the future: the class each particle ends in (labelled images — digits, the image sets: the
    nearest class mean, the classifier of the cloning experiment; numbered in the order of the classes)."""
    spec = state.spec
    if spec.labelled:
        images, classes = target.data.points, class_labels(target)
        kinds = np.unique(classes)
        means = np.stack([images[classes == k].mean(0) for k in kinds])
        dist = np.sum(final**2, 1)[:, None] - 2 * final @ means.T + np.sum(means**2, 1)[None]
        return kinds[np.argmin(dist, axis=1)].astype(np.int8)
    if spec.two_clusters:
        return (final @ target.display_points[0] > 0).astype(np.int8)
    if target.is_discrete:
        y = target.data.points
        nearest = np.argmin(np.sum(final**2, 1)[:, None] - 2 * final @ y.T + np.sum(y**2, 1)[None], axis=1)
        if classes_are_points(target, spec):
            return nearest.astype(np.int8)
        _, groups = kmeans2(y, min(GROUPS, target.data.n), seed=0, minit="++")
        return groups[nearest].astype(np.int8)
    plane = principal_plane(target) if target.d >= 2 else None
    if plane is None:
        return (final[:, 0] > 0).astype(np.int8)
    uv = final @ plane.axes.T
    return (np.floor((np.arctan2(uv[:, 1], uv[:, 0]) + np.pi) / (2 * np.pi) * GROUPS) % GROUPS).astype(np.int8)


@dataclass(frozen=True)
class Regimes:
    """The dynamical regimes of a run (Biroli et al. 2024).

    Attributes
    ----------
    t_s : float
        Speciation time, a²Λ = b².
    t_c_theory : float or None
        Collapse time of Biroli et al. 2024 eq. 10 (the two-cluster mixture under VP).
    t_c_measured : float or None
        Median over tracked trajectories of their collapse time (``core.regimes.collapse_times``:
        μ* fixed and dominating the posterior from then on); None when fewer than half collapse.
    collapse_times : array or None
        Those collapse times, one per tracked trajectory (NaN: did not collapse in the run).
    point_classes : bool
        Each class is a single training point (a few deltas): choosing a class is collapsing, so
        there is no regime II between t_s and t_C.
    """

    t_s: float
    t_c_theory: float | None = None
    t_c_measured: float | None = None
    collapse_times: np.ndarray | None = None
    point_classes: bool = False

    @property
    def t_c(self) -> float | None:
        """The collapse time shown: measured when there is one, else the theory's."""
        return self.t_c_measured if self.t_c_measured is not None else self.t_c_theory


def regime_times(target, state, process, nearest=None, weight=None, times=None) -> Regimes:
    """t_s (a²Λ = b²) and t_C: Biroli et al. 2024 eq. 10 for the mixture (in s², for any process), and the
    median collapse time measured on the trajectories (Biroli et al. 2024 Fig. 5, with the posterior-weight
    condition)."""
    t_c_theory = None
    spec = state.spec
    if spec.two_clusters:
        n = state.n if spec.discrete else np.inf
        t_c_theory = mixture_collapse_time(n, target.d, state.cluster_width ** 2, process) if np.isfinite(n) else 0.0
    point_classes = classes_are_points(target, spec)
    if nearest is None:
        return Regimes(speciation_time(target, process), t_c_theory, point_classes=point_classes)
    collapse = collapse_times(nearest, weight, times)
    measured = float(np.nanmedian(collapse)) if np.mean(np.isfinite(collapse)) >= 0.5 else None
    return Regimes(speciation_time(target, process), t_c_theory, measured, collapse, point_classes)


@dataclass(frozen=True)
class ParticleRun:
    """One run of the reverse process, as the particles view draws it.

    Attributes
    ----------
    times : (F,) array
        Times of the recorded frames, from t_max down to t_min.
    packed_frames : dict or None
        The (F, P, 2) float32 frames in the principal plane, packed (components.typed_arrays: sent to the
        browser once); None in a run summary.
    labels : (P,) int array
        The class each particle ends in (colors from the future).
    data_uv : (N, 2) array
        The data points in the same plane (at t the process sees them at a(t)·y: ``scales``).
    scales : (F,) array
        a(t) at each frame (1 under VE).
    spans : (F,) array
        Half-width of the square that shows each frame's cloud and the scaled data.
    fan, fan_edges : arrays
        Density of the first coordinate per frame (the fan) and its bin edges.
    regimes : Regimes
        t_s and t_C.
    nearest : (F, tracked) int array or None
        The nearest training point μ* of the tracked trajectories (discrete targets).
    fixed : AxisDiagram or None
        The exact fixed-point paths along the first axis (axial targets).
    images : dict or None
        Digits: generated images, their nearest training images, distances and labels.
    sde : bool
        SDE or probability-flow ODE.
    particles, requested : int
        Particles run, and asked for (the run is capped by size).
    d : int
        Dimension of the target (d = 1: the second plotted coordinate is a fixed jitter, not an axis).
    sampler : str
        The integrator (core.dynamics.SAMPLERS).
    steps : int
        Its number of steps from t_max to t_min.
    schedule : str
        Its step grid (core.schedules).
    """

    times: np.ndarray
    packed_frames: dict | None
    labels: np.ndarray
    data_uv: np.ndarray
    scales: np.ndarray
    spans: np.ndarray
    fan: np.ndarray
    fan_edges: np.ndarray
    regimes: Regimes
    nearest: np.ndarray | None
    fixed: object
    images: dict | None
    sde: bool
    particles: int
    requested: int
    d: int
    sampler: str = "euler"
    steps: int = 200
    schedule: str = "log"

    def frames(self) -> np.ndarray:
        """The recorded positions, (F, P, K) float32."""
        return unpacked(self.packed_frames)


def run_summary(state, rerun=0) -> ParticleRun:
    """The run without its frames: what the side panels redraw on every time move (the frames,
    ~3 MB, were unpickled from the cache on each move before)."""
    return cached("particles-summary", JOB.key(state, rerun),
                  lambda: replace(JOB.result(state, rerun), packed_frames=None))


def _run(inputs, rerun=0, progress=None):
    return _simulate(inputs, run_params(inputs, rerun), progress)


def _simulate(state, params, progress):
    target, model, process = target_of(state), model_of(state), process_of(state)
    steps = params["steps"]
    evals = 2 if params["sampler"] == "heun" else 1          # posterior evaluations per step
    n_data = (target.data.n if target.is_discrete else 2) * (2 if model is not target else 1)
    p = int(min(params["particles"], max(50, WORK_MAX // (n_data * steps * evals)),
                max(50, DIM_WORK_MAX // (target.d * steps))))
    t_min, t_max = time_range(target, process)
    clock = (entropic_clock(target, process, t_min, t_max, stream(state.seed, "entropy-clock"))
             if params["schedule"] == "entropic" else None)
    times = step_times(params["schedule"], process, t_min, t_max, steps, clock)
    frames_wanted = int(np.clip(FRAME_BUDGET // p, 20, steps + 1))
    every = max(1, int(round(steps / (frames_wanted - 1))))
    rng = stream(state.seed, "particles", params["offset"])
    if target.d >= 2:
        axes = principal_plane(target).axes
    else:
        axes = np.ones((1, 1))
    x0 = initial_particles(process, t_max, target, p, rng)
    traj = reverse_trajectories(target, process, x0, times, sde=params["sde"], rng=rng, record_every=every,
                                projection=(np.zeros(target.d), axes),
                                track_nearest=TRACKED if target.is_discrete else 0, progress=progress,
                                sampler=params["sampler"], mean=posterior_mean_of(model))
    frames = traj.frames
    if target.d == 1:  # a line: spread the particles vertically by a fixed jitter
        jitter = np.random.default_rng(1).uniform(-1, 1, p).astype(np.float32)
        frames = np.concatenate([frames, np.broadcast_to(jitter[None, :, None], frames.shape)], axis=2)
    labels = end_labels(target, state, traj.final)
    regimes = regime_times(target, state, process, traj.nearest, traj.weight, traj.times)
    data_uv = target.display_points @ axes.T
    if target.d == 1:
        data_uv = np.column_stack([data_uv[:, 0], np.zeros(len(data_uv))])
    scales = process.a(traj.times).astype(float)
    reach = np.max(np.abs(data_uv)) if len(data_uv) else 0.0
    spans = 1.15 * np.maximum(np.percentile(np.abs(frames), 99.5, axis=(1, 2)), scales * reach) + 1e-9
    span = float(spans.max())
    fan_edges = np.linspace(-span, span, 81)
    fan = np.stack([np.histogram(f[:, 0], bins=fan_edges)[0] for f in frames], axis=1).astype(np.float32)
    images = None
    if state.image_shape:      # generated images beside their nearest training image
        final = traj.final[:SHOWN_IMAGES] / float(process.a(times[-1]))
        y = target.data.points
        nearest = np.argmin(np.sum(final**2, 1)[:, None] - 2 * final @ y.T + np.sum(y**2, 1)[None], axis=1)
        images = dict(generated=final.astype(np.float32), nearest=y[nearest].astype(np.float32),
                      distance=np.linalg.norm(final - y[nearest], axis=1),
                      labels=[class_names(target)[k] for k in labels[:SHOWN_IMAGES]])
    return ParticleRun(times=traj.times, packed_frames=packed(frames), images=images,
                       labels=labels, data_uv=data_uv, scales=scales, spans=spans, fan=fan / p, fan_edges=fan_edges,
                       regimes=regimes, nearest=traj.nearest, fixed=_fixed_paths_overlay(state, target),
                       sde=params["sde"], particles=p, requested=params["particles"], d=target.d,
                       sampler=params["sampler"], steps=steps, schedule=params["schedule"])


def _fixed_paths_overlay(state, target):
    """Fixed-point paths along the top axis for axial targets (exact diagram), else None."""
    if not state.spec.axial:
        return None
    view = bifurcation.JOB.result(state)
    diagram = view.diagram
    # the diagram lies on the symmetry axis e; the fan shows the projection on the plane's first axis
    scale = float(symmetry_axis(target) @ principal_plane(target).axes[0]) if target.d >= 2 else 1.0
    return diagram.along(scale * diagram.x)


#: The cloning experiment: pairs of clones per clone time, and reverse steps.
CLONE_PAIRS, CLONE_STEPS = 600, 120


@dataclass(frozen=True)
class CloningResult:
    """The cloning experiment (Biroli et al. 2024 §3): copies of a backward trajectory made at t run on apart.

    Attributes
    ----------
    times : (K,) array
        Clone times, around t_s.
    phi, phi_se : (K,) arrays
        φ(t): probability that both copies end in the same class, and its standard error.
    phi_c, phi_c_se : (K,) arrays or None
        φ_C(t): same training point (discrete targets).
    t_s : float
        Speciation time.
    theory_t, theory : arrays or None
        φ(t) of Biroli et al. 2024 eq. 6 on a fine grid (the two-cluster mixture under VP).
    """

    times: np.ndarray
    phi: np.ndarray
    phi_se: np.ndarray
    phi_c: np.ndarray | None
    phi_c_se: np.ndarray | None
    t_s: float
    theory_t: np.ndarray | None = None
    theory: np.ndarray | None = None


def cloning(state, progress=None) -> CloningResult:
    """The cloning experiment over eight clone times around t_s, classes by ``end_labels``, integrated by
    the state's sampler on the state's step grid (Euler's φ(t_s) is 1.2% low at d = 100, Heun's within 0.1%:
    docs/pages.md)."""
    target, process = target_of(state), process_of(state)
    t_min, t_max = time_range(target, process)
    t_s = speciation_time(target, process)
    clone_times = np.unique(np.clip(t_s * np.geomspace(0.15, 4.0, 8), 2 * t_min, 0.8 * t_max))
    clock = (entropic_clock(target, process, t_min, t_max, stream(state.seed, "entropy-clock"))
             if state.schedule == "entropic" else None)
    grid = step_times(state.schedule, process, t_min, t_max, CLONE_STEPS, clock)
    result = cloning_experiment(target, process, clone_times, lambda x: end_labels(target, state, x), CLONE_PAIRS,
                                grid, stream(state.seed, "cloning"), progress=progress, sampler=state.sampler)
    theory_t = theory = None
    if state.spec.two_clusters:
        theory_t = np.geomspace(clone_times.min(), clone_times.max(), 60)
        theory = phi_closed_form(theory_t, np.sqrt(target.d) * state.r, state.cluster_width ** 2, process)
    return CloningResult(result.times, result.phi, result.phi_se, result.phi_c, result.phi_c_se, t_s, theory_t, theory)


#: The particles view's job: one run of the reverse process, keyed by the state narrowed to what it reads (the
#: run settings and guidance) and the "new run" button's count as a seed offset.
JOB = TimeFreeJob("particles", _run, reads=(*GUIDANCE_KEYS, "particles", "dynamics", "sampler", "steps", "grid"),
                  status=lambda i, n: f"frame {i} of {n}", controls=(("particles-rerun", "n_clicks"),))


#: The sampling-error panel and the guidance sweep: step counts, the work particles × data points × steps ×
#: evaluations (~20 s at 7 ns per pair, a background job with its progress bar), and the fewest particles
#: worth measuring with (a larger dataset is refused with a notice).
ERROR_STEPS = (5, 10, 20, 50, 100, 200)
ERROR_WORK_MAX = 3e9
EXPERIMENT_MIN_PARTICLES = 100


def _experiment_particles(target, per_particle: float, most: int) -> int | None:
    """Particles an experiment can afford (≤ ``most``), or None when not even EXPERIMENT_MIN_PARTICLES fit."""
    n_data = target.data.n if target.is_discrete else 8          # the mixture law's kernel costs ~8 points
    particles = int(ERROR_WORK_MAX // (per_particle * n_data * max(1.0, target.d / 100)))
    return min(particles, most) if particles >= EXPERIMENT_MIN_PARTICLES else None


def experiment_limit(per_particle: float) -> int:
    """The largest dataset (d ≤ 100) an experiment of this cost per particle and data point runs on."""
    return int(ERROR_WORK_MAX // (per_particle * EXPERIMENT_MIN_PARTICLES))


#: Work per particle and data point: the sampling panel (3 samplers, Heun twice, all step counts, every schedule;
#: the entropy clock's 48 × 400 queries are a few per cent of it) and the sweep.  The ODE's step errors are
#: paired with this many Heun steps from the same starts (core.sampling).
REFERENCE_STEPS = 1_000
SAMPLING_WORK = sum(ERROR_STEPS) * 4 * len(SCHEDULES) + 2 * REFERENCE_STEPS


def sampling_errors(state: LabState, sde: bool, progress=None) -> tuple[SamplingError, ...] | None:
    """Errors of the generated law for the three samplers against ERROR_STEPS on each step grid of
    core.schedules (core.sampling): E|x|², exact for every target, and the first class's share where the target
    has classes.  None if the dataset is too large for the budget."""
    target, process = target_of(state), process_of(state)
    particles = _experiment_particles(target, SAMPLING_WORK, 8_000)
    if particles is None:
        return None
    t_min, t_max = time_range(target, process)
    clock = entropic_clock(target, process, t_min, t_max, stream(state.seed, "entropy-clock"))
    start = initial_particles(process, t_max, target, particles, stream(state.seed, "sampling", 0))
    reference = None if sde else reference_moments(target, process, start, t_min, t_max, REFERENCE_STEPS)
    parts = len(SCHEDULES)

    def part(k):
        return None if progress is None else lambda i, n: progress(k * n + i, parts * n)

    return tuple(sampling_error(target, process, SAMPLERS, ERROR_STEPS, sde, particles, t_min, t_max,
                                lambda j: stream(state.seed, "sampling", j), progress=part(k),
                                reference_steps=REFERENCE_STEPS, schedule=schedule, clock=clock,
                                reference=reference)
                 for k, schedule in enumerate(SCHEDULES))


#: The guidance sweep's strengths (−1: unconditional; 0: the class), its schedules w(t) (the interval and window
#: schedules at w > 0 only), its steps, and its work per particle and data point (the class's kernel and the
#: target's, Heun twice, every run).
SWEEP_W = (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_SCHEDULES = SCHEDULE_NAMES
SWEEP_RUNS = len(SWEEP_W) + (len(SWEEP_SCHEDULES) - 1) * sum(w > 0 for w in SWEEP_W)
SWEEP_STEPS = 200
SWEEP_WORK = 2 * SWEEP_STEPS * 2 * SWEEP_RUNS


def guidance_effects(state: LabState, progress=None) -> GuidanceSweep | None:
    """The guided reverse SDE at each of SWEEP_W and each schedule w(t) (the window's negative w: the state's)
    toward the state's class (class 0 when unguided), Heun steps: the fraction of samples in the class, their
    spread and shift against the exact class law (core.sampling.guidance_sweep).  None for a target without
    classes or too large for the budget."""
    target, process = target_of(state), process_of(state)
    particles = _experiment_particles(target, SWEEP_WORK, 4_000)
    if state.spec.classes is None or particles is None:
        return None
    t_min, t_max = time_range(target, process)
    cls = populated_classes(target)[0] if state.guided_class == "none" else int(state.guided_class)
    return guidance_sweep(target, process, cls, SWEEP_W, "heun", SWEEP_STEPS, particles, t_min, t_max,
                          lambda k: stream(state.seed, "guidance", k), progress=progress,
                          schedules=SWEEP_SCHEDULES, w_neg=state.guidance_window)
