"""The U-turn view's computations: the class-return probability over the time range (a job) and the U-turn
trajectories at the released time (core/uturn.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.jobs import TimeFreeJob
from components.state import LabState, process_of, target_of
from core import limits
from core.dynamics import reverse_times, reverse_trajectories
from core.guidance import class_names, class_target, populated_classes
from core.landscape import principal_plane
from core.regimes import mixture_collapse_time, speciation_time
from core.sampling import class_of
from core.streams import stream
from core.uturn import UTurns, decision_window, two_gaussian_return, two_gaussian_tv, u_turn_returns

#: Times of the return curve, U-turns per class and time, and the work P·n·d per time it may cost.
TIMES, SAMPLES, WORK_PER_TIME = 32, 2_000, 2e9
#: U-turn trajectories drawn per class, and their steps each way.
PATHS, PATH_STEPS = 12, 60


def has_classes(state: LabState) -> bool:
    """The view needs a target with classes (two deltas, the circle's arcs, the mixtures, digits, images)."""
    return state.spec.classes is not None


@dataclass(frozen=True)
class UTurnResult:
    """The return curve: ``uturns`` (core.uturn.UTurns), the closed form and the total variation where the classes
    are two Gaussians (``theory_t``, ``theory`` for the first class, ``tv``; None elsewhere), the critical window
    (TV from 0.9 to 0.1), t_s and, for samples of the mixture, eq. 10's t_C."""

    uturns: UTurns
    theory_t: np.ndarray | None
    theory: np.ndarray | None
    tv: np.ndarray | None
    window: tuple | None
    t_s: float
    t_c: float | None
    samples: int


def two_gaussians(state: LabState):
    """(|m|, σ_c², log-odds of the first class) where the classes are two Gaussians or two points, else None: the
    mixture law and its samples (their law), two deltas."""
    if state.spec.two_clusters:
        return np.sqrt(state.d) * state.r, state.cluster_width ** 2, 0.0
    if state.target == "two_deltas":
        return state.r, 0.0, float(np.log(state.weight_plus / (1 - state.weight_plus)))
    return None


def _compute(inputs: LabState, progress=None) -> UTurnResult:
    target, process = target_of(inputs), process_of(inputs)
    t_min, t_max = time_range(target, process)
    times = np.geomspace(t_min, t_max, TIMES)
    n = target.data.n if target.is_discrete else 8
    samples = int(np.clip(WORK_PER_TIME // (n * target.d * 2), 200, SAMPLES))
    uturns = u_turn_returns(target, process, times, samples, stream(inputs.seed, "uturn"), progress=progress)
    theory_t = theory = tv = window = None
    law = two_gaussians(inputs)
    if law is not None:
        theory_t = np.geomspace(t_min, t_max, 200)
        theory = two_gaussian_return(theory_t, law[0], law[1], process, law[2])
        tv = two_gaussian_tv(theory_t, law[0], law[1], process)
        window = decision_window(theory_t, tv)
    t_c = (mixture_collapse_time(target.data.n, target.d, inputs.cluster_width ** 2, process)
           if inputs.spec.two_clusters and target.is_discrete else None)
    return UTurnResult(uturns, theory_t, theory, tv, window, speciation_time(target, process), t_c, samples)


#: The view's job: the target (with its classes) and the process — nothing else.
JOB = TimeFreeJob("uturn", _compute, status=lambda i, n: f"time {i} of {n}", applies=has_classes)


@dataclass(frozen=True)
class UTurnPaths:
    """U-turns at time t in the principal plane: ``forward`` (C, P, F, 2) from y to x_t, ``backward`` (C, P, B, 2)
    from x_t back to t_min, ``ends`` (C, P) the class each ends in, ``data`` (n, 2) the target's points (None for a
    law), and the classes' names."""

    t: float
    forward: np.ndarray
    backward: np.ndarray
    ends: np.ndarray
    data: np.ndarray | None
    classes: tuple


def uturn_paths(state: LabState) -> UTurnPaths:
    """PATHS U-turns per class at the state's t: forward by the process's exact transitions, backward by the reverse
    SDE (Euler–Maruyama, PATH_STEPS steps on the log-t grid), each ended in the class of its nearest class point;
    drawn in x̃ = x/a on the principal plane (a line for d = 1)."""
    target, process = target_of(state), process_of(state)
    t_min, _ = time_range(target, process)
    t = float(max(state.t, 2 * t_min))
    rng = stream(state.seed, "uturn-paths")
    if target.d >= 2:
        plane = principal_plane(target)
        axes, shift = plane.axes, plane.origin @ plane.axes.T
    else:
        axes, shift = np.vstack([np.ones((1, 1)), np.zeros((1, 1))]), np.zeros(2)
    forward, backward, ends = [], [], []
    up = np.geomspace(t_min, t, PATH_STEPS + 1)
    for c in populated_classes(target):
        y = class_target(target, c).sample(PATHS, rng)
        x = float(process.a(up[0])) * y + float(np.sqrt(process.b2(up[0]))) * rng.standard_normal(y.shape)
        path = [x]
        for lo, hi in zip(up[:-1], up[1:], strict=True):     # the exact transition x_hi | x_lo
            ratio = float(process.a(hi) / process.a(lo))
            var = float(process.b2(hi) - ratio**2 * process.b2(lo))
            x = ratio * x + np.sqrt(max(var, 0.0)) * rng.standard_normal(x.shape)
            path.append(x)
        back = reverse_trajectories(target, process, x, reverse_times(t_min, t, PATH_STEPS), rng=rng,
                                    projection=(np.zeros(target.d), axes))
        forward.append(np.stack(path) @ axes.T / np.asarray(process.a(up))[:, None, None] - shift)
        backward.append(back.frames / np.asarray(process.a(back.times))[:, None, None] - shift)
        ends.append(class_of(target, back.final / float(process.a(back.times[-1]))))
    data = target.data.points @ axes.T - shift if target.is_discrete else None
    swap = lambda paths: np.swapaxes(np.array(paths, np.float32), 1, 2)      # noqa: E731  (C, P, F, 2)
    return UTurnPaths(t, swap(forward), swap(backward), np.array(ends), data,
                      tuple(class_names(target)[c] for c in populated_classes(target)))


def time_range(target, process) -> tuple[float, float]:
    """t_min = 10⁻³ and a t_max where the noise swamps the data (s² = 25 × its largest |y|² or Λ), within the
    process's times."""
    spread = max(target.top_eigenvalue, float(np.max(np.sum(target.display_points**2, axis=1))), 1e-6)
    return limits.T_MIN, float(min(process.time_of_s2(25.0 * spread), 0.99 * process.t_max))
