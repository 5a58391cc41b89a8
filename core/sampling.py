"""How well a sampler generates, measured against answers known exactly (science.md §4, §9).

``sampling_error``: every target's law at t_min is known through its second moment,
E|x_t|² = a²·E|y|² + d·b², so the relative error of the generated E|x|² measures a sampler's
discretization bias for any target (the start's |x|², whose mean is known, is a control variate);
where the target has classes, so does the share of its first class (its weight).

``guidance_sweep``: what classifier-free guidance does to the generated law, measured (the guided
sampler's output is not p(x|c)^{1+w}/p(x)^w in general): the fraction of samples in the class and
their spread against the exact class law's, for each schedule w(t) (core.guidance_schedules).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dynamics import initial_particles, nearest_rows, reverse_times, reverse_trajectories
from core.guidance import class_names, class_target, guided_target, populated_classes
from core.guidance_schedules import make_schedule
from core.processes import Process
from core.schedules import step_times
from core.targets import Target


def second_moment(target: Target, process: Process, t: float) -> float:
    """E|x_t|² = a²·E|y|² + d·b² (x_t = a·y + b·z); E|y|² = tr Cov for the lab's laws, all centred."""
    if target.is_discrete:
        ey2 = float(target.data.weights @ np.sum(target.data.points**2, axis=1))
    else:
        ey2 = float(np.trace(target.covariance))
    return float(process.a(t)) ** 2 * ey2 + target.d * float(process.b2(t))


@dataclass(frozen=True)
class SamplingError:
    """Errors of the generated law for each sampler (rows) and step count (columns), with their Monte Carlo
    standard errors: ``moment``, the relative error of E|x|²; ``fraction``, that of the first class's share
    (targets with classes: the answer is its weight), else None."""

    samplers: tuple
    steps: np.ndarray
    moment: np.ndarray
    moment_se: np.ndarray
    fraction: np.ndarray | None
    fraction_se: np.ndarray | None
    particles: int
    sde: bool
    #: the ODE only: E|x|² of each run minus that of a ``reference_steps`` Heun run from the same starts, over
    #: the exact E|x|² — the step error alone, paired particle by particle, so the sampling noise cancels
    paired: np.ndarray | None = None
    paired_se: np.ndarray | None = None
    reference_steps: int | None = None
    #: the step grid (core.schedules)
    schedule: str = "log"

    @property
    def noise_floor(self) -> float:
        """Two standard errors of the closed-form comparison (its median over the runs): the smallest relative
        error of E|x|² that this many particles resolve."""
        return float(2 * np.median(self.moment_se))


def sampling_error(target: Target, process: Process, samplers, steps, sde: bool, particles: int,
                   t_min: float, t_max: float, rng_of, progress=None,
                   reference_steps: int | None = None, schedule: str = "log", clock=None,
                   reference=None) -> SamplingError:
    """The relative errors of E|x_{t_min}|² and of the first class's share for each sampler and number of
    steps on the grid ``schedule`` (core.schedules; ``clock`` for the entropic one), from one start x_{t_max}
    shared by all (common random numbers: ``rng_of(0)`` draws the start and ``rng_of(1 + j)`` the noise at the
    j-th step count, the same for every sampler and schedule).

    E|x_end|² is estimated with the start's |x|² as a control variate (its mean is known):
    mean(A) − β(mean(B) − E B), β = cov(A, B)/var(B) — noise-free for a linear flow (the Gaussian under
    the ODE: A ∝ B) and for a flow onto points of one norm (A constant).  Elsewhere (a mixture of many
    points) the sampling noise of E|x|² can exceed the step error: for the ODE, ``reference_steps`` adds the
    step error paired with a fine Heun run from the same starts on the Karras grid (a deterministic map: the
    noise cancels particle by particle, and Euler's 1/N and Heun's 1/N² show); ``reference``, that run's |x|²
    when already computed (``reference_moments``: one for every schedule)."""
    steps = np.asarray(steps, int)
    start = initial_particles(process, t_max, target, particles, rng_of(0))
    b = np.sum(start**2, axis=1)
    b_exact, a_exact = second_moment(target, process, t_max), second_moment(target, process, t_min)
    share = class_share(target) if populated_classes(target) else 0.0
    shared = share > 0                 # a first class with points: its share is measured too
    shape = (len(samplers), steps.size)
    moment, moment_se = np.empty(shape), np.empty(shape)
    fraction, fraction_se = (np.empty(shape), np.empty(shape)) if shared else (None, None)
    pairing = reference_steps is not None and not sde
    paired, paired_se = (np.empty(shape), np.empty(shape)) if pairing else (None, None)
    total = len(samplers) * steps.size + pairing
    if pairing:
        if reference is None:
            reference = reference_moments(target, process, start, t_min, t_max, reference_steps)
        if progress is not None:
            progress(1, total)
    done = int(pairing)
    for i, sampler in enumerate(samplers):
        for j, n in enumerate(steps):
            grid = step_times(schedule, process, t_min, t_max, int(n), clock)
            end = reverse_trajectories(target, process, start, grid, sde=sde, rng=rng_of(1 + j), record_every=10**9,
                                       sampler=sampler).final
            a = np.sum(end**2, axis=1)
            cov = np.cov(a, b)
            beta = cov[0, 1] / cov[1, 1] if cov[1, 1] > 0 else 0.0
            resid = a - beta * (b - b_exact)
            moment[i, j] = resid.mean() / a_exact - 1.0
            moment_se[i, j] = resid.std(ddof=1) / (np.sqrt(particles) * a_exact)
            if pairing:
                diff = (a - reference) / a_exact
                paired[i, j], paired_se[i, j] = diff.mean(), diff.std(ddof=1) / np.sqrt(particles)
            if shared:
                p = float(np.mean(class_of(target, end / float(process.a(t_min))) == 0))
                fraction[i, j] = p / share - 1.0
                fraction_se[i, j] = np.sqrt(max(p * (1 - p), 1.0 / particles) / particles) / share
            done += 1
            if progress is not None:
                progress(done, total)
    return SamplingError(tuple(samplers), steps, moment, moment_se, fraction, fraction_se, particles, sde,
                         paired, paired_se, reference_steps if pairing else None, schedule)


def reference_moments(target: Target, process: Process, start, t_min: float, t_max: float, steps: int) -> np.ndarray:
    """|x|² at t_min of the probability-flow ODE run from ``start`` in ``steps`` Heun steps on the Karras grid
    (dense at low noise, where the flow bends): the fine run that paired step errors are measured against."""
    fine = step_times("karras", process, t_min, t_max, steps)
    return np.sum(reverse_trajectories(target, process, start, fine, sde=False, record_every=10**9,
                                       sampler="heun").final ** 2, axis=1)


def class_of(target: Target, x_tilde) -> np.ndarray:
    """The class of each row: that of the nearest point among the classes' display points (the data
    points of a discrete target; the two centres of the mixture law)."""
    classes = {c: class_target(target, c) for c in populated_classes(target)}
    points = np.vstack([own.display_points for own in classes.values()])
    labels = np.concatenate([np.full(len(own.display_points), k) for k, own in classes.items()])
    return labels[nearest_rows(x_tilde, points)[0][:, 0]]


def class_share(target: Target, c: int = 0) -> float:
    """The weight π_c of class c (the first by default): Σ π_j over its points (a law's classes: equal shares)."""
    if target.is_discrete:
        return float(target.data.weights @ (class_of(target, target.data.points) == c))
    return 1.0 / len(class_names(target))


@dataclass(frozen=True)
class GuidanceSweep:
    """Generated samples against the guidance strength w for class ``cls``, one row per schedule w(t)
    (core.guidance_schedules; the negative window's strength ``w_neg``), measured as the exact class law is.

    ``fraction``: the fraction ending in the class (standard error ``fraction_se``; the exact law's own is
    ``exact_fraction``: its samples the class rule puts elsewhere); ``spread``: the variance tr Cov of those
    samples over the exact law's, measured alike (1: the class as it is; < 1: guidance shrinks it); ``axis_spread``:
    the same along the class axis (the class mean minus the target's), where guidance acts; ``shift``: the
    distance of their mean from the exact law's, over its RMS radius.  Rows a schedule does not run (w ≤ 0 but for
    the constant schedule, where w = −1 is the unconditional model) are NaN."""

    w: np.ndarray
    cls: int
    schedules: tuple
    fraction: np.ndarray
    fraction_se: np.ndarray
    spread: np.ndarray
    axis_spread: np.ndarray
    shift: np.ndarray
    exact_fraction: float
    particles: int
    w_neg: float


def _class_statistics(target: Target, cls: int, x_tilde, axis) -> tuple:
    """(fraction in the class, tr Cov, variance along ``axis``, mean) of the rows the class rule puts in ``cls``
    (all rows when fewer than two are)."""
    inside = class_of(target, x_tilde) == cls
    chosen = x_tilde[inside] if inside.sum() >= 2 else x_tilde
    return (float(inside.mean()), float(np.sum(chosen.var(axis=0, ddof=1))), float((chosen @ axis).var(ddof=1)),
            chosen.mean(axis=0))


def guidance_sweep(target: Target, process: Process, cls: int, ws, sampler: str, steps: int, particles: int,
                   t_min: float, t_max: float, rng_of, progress=None, schedules=("constant",),
                   w_neg: float = -0.5, exact_samples: int = 20_000) -> GuidanceSweep:
    """Run the guided reverse SDE for each schedule at each w (w = −1: unconditional) from one shared start and
    measure the class fraction, spread and shift of the samples at t_min against ``exact_samples`` draws of the
    class's law measured alike (``rng_of(0)``: the start; ``rng_of(1 + k)``: the noise of the k-th of R runs;
    ``rng_of(1 + R)``: the exact draws)."""
    ws = np.asarray(ws, float)
    own = class_target(target, cls)
    own_mean = own.data.weights @ own.data.points if own.is_discrete else own.display_points[0]
    everyone = target.data.weights @ target.data.points if target.is_discrete else np.zeros(target.d)
    axis = own_mean - everyone
    axis = axis / np.linalg.norm(axis) if np.linalg.norm(axis) > 0 else np.eye(target.d)[0]
    runs = [(i, k) for i, name in enumerate(schedules) for k, w in enumerate(ws) if name == "constant" or w > 0]
    exact_fraction, exact_var, exact_axis, exact_mean = _class_statistics(
        target, cls, own.sample(exact_samples, rng_of(1 + len(runs))), axis)
    radius = np.sqrt(exact_var) if exact_var > 0 else 1.0
    start = initial_particles(process, t_max, target, particles, rng_of(0))
    times = reverse_times(t_min, t_max, steps)
    a_end = float(process.a(t_min))
    shape = (len(schedules), ws.size)
    fraction, fraction_se, spread, axis_spread, shift = (np.full(shape, np.nan) for _ in range(5))
    for r, (i, k) in enumerate(runs):
        model = guided_target(target, cls, make_schedule(schedules[i], ws[k], w_neg))
        end = reverse_trajectories(model, process, start, times, rng=rng_of(1 + r), record_every=10**9,
                                   sampler=sampler).final / a_end
        fraction[i, k], var, var_axis, mean = _class_statistics(target, cls, end, axis)
        fraction_se[i, k] = np.sqrt(max(fraction[i, k] * (1 - fraction[i, k]), 1.0 / particles) / particles)
        spread[i, k] = var / exact_var if exact_var > 0 else np.nan
        axis_spread[i, k] = var_axis / exact_axis if exact_axis > 0 else np.nan
        shift[i, k] = float(np.linalg.norm(mean - exact_mean)) / radius
        if progress is not None:
            progress(r + 1, len(runs))
    return GuidanceSweep(ws, cls, tuple(schedules), fraction, fraction_se, spread, axis_spread, shift,
                         exact_fraction, particles, float(w_neg))
