"""Reverse diffusion: particles integrated from t_max down to t_min (SCIENCE.md §4).

Every scheme is Euler–Maruyama on a geometric time grid, written as

    x ← x + (c_x·x + c_s·score)·dt + c_n·√dt·ξ,   score = (a⟨y⟩ − x)/b²,

with (c_x, c_s, c_n) = (0, σ², σ) for the VE SDE, (0, σ²/2, 0) for the VE probability-flow
ODE, (1, 2, √2) for the VP SDE (seed 003 eq. 3) and (1, 1, 0) for the VP ODE.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.processes import Process
from core.targets import Target

#: Targets this small (N and d ≤ 8) run all steps in one fused numba loop (no per-step call).
TINY_N, TINY_D = 8, 8


def scheme(process: Process, sde: bool) -> tuple[float, float, float]:
    """(c_x, c_s, c_n) of the reverse step for this process and SDE/ODE choice."""
    if process.kind == "VE":
        s2 = process.sigma**2
        return (0.0, s2, process.sigma) if sde else (0.0, 0.5 * s2, 0.0)
    return (1.0, 2.0, np.sqrt(2.0)) if sde else (1.0, 1.0, 0.0)


def reverse_times(t_min: float, t_max: float, steps: int) -> np.ndarray:
    """steps + 1 times from t_max down to t_min, geometric (dense near t_min)."""
    return np.geomspace(t_max, t_min, int(steps) + 1)


def initial_particles(process: Process, t_max: float, target: Target, size: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Draws of x_{t_max} = a·y + b·z: the forward process run on the target."""
    a, b = float(process.a(t_max)), float(np.sqrt(process.b2(t_max)))
    return a * target.sample(size, rng) + b * rng.standard_normal((size, target.d))


@dataclass(frozen=True)
class Trajectories:
    """Recorded reverse trajectories.

    Attributes
    ----------
    times : (F,) array
        Recorded times, decreasing from t_max to t_min.
    frames : (F, P, k) float32 array
        Positions projected by ``projection`` (k = 2 for a plane; the full state if None).
    final : (P, d) array
        Positions at t_min (full dimension).
    nearest : (F, M) int32 array or None
        Index μ* of the nearest scaled data point a·y_μ at each recorded time, for the first M
        particles (discrete targets).
    weight : (F, M) float32 array or None
        The posterior weight w_μ*(x̃) of that point (SCIENCE.md §1): near 1 once the trajectory
        has fallen onto it.
    """

    times: np.ndarray
    frames: np.ndarray
    final: np.ndarray
    nearest: np.ndarray | None
    weight: np.ndarray | None = None


def reverse_trajectories(target: Target, process: Process, x0, times, sde: bool = True,
                         rng: np.random.Generator | None = None, record_every: int = 1,
                         projection=None, track_nearest: int = 0, progress=None) -> Trajectories:
    """Integrate particles ``x0`` (P, d) backwards along ``times`` (decreasing).

    ``projection``: (origin (d,), axes (k, d)) applied to recorded frames, so memory is
    O(F·P·k), not O(F·P·d).  ``track_nearest``: record μ* for the first that many particles.
    Tiny discrete targets run one fused numba loop; the others call the posterior kernel once
    per step (BLAS + numpy).  ``progress(i, n)`` is called every recorded frame.
    """
    rng = np.random.default_rng() if rng is None else rng
    times = np.asarray(times, float)
    x = np.array(x0, dtype=float)
    p, d = x.shape
    c_x, c_s, c_n = scheme(process, sde)
    origin, axes = (np.zeros(d), np.eye(d)) if projection is None else projection
    record = np.unique(np.r_[np.arange(0, times.size, max(1, record_every)), times.size - 1])
    frames = np.empty((record.size, p, axes.shape[0]), np.float32)
    tracked = min(int(track_nearest), p) if target.is_discrete else 0
    nearest = np.empty((record.size, tracked), np.int32) if tracked else None
    weight = np.empty((record.size, tracked), np.float32) if tracked else None
    a_all, b2_all, s2_all = process.a(times), process.b2(times), process.s2(times)
    tiny = target.is_discrete and target.data.n <= TINY_N and d <= TINY_D
    noise_scale = c_n if sde else 0.0
    data = target.data
    for r, k in enumerate(record):
        frames[r] = (x - origin) @ axes.T
        if nearest is not None:
            nearest[r], weight[r] = nearest_and_weight(target, x[:tracked], float(a_all[k]), float(s2_all[k]))
        if progress is not None:
            progress(r + 1, record.size)
        if r + 1 == record.size:
            break
        stop = record[r + 1]                      # integrate steps k … stop − 1
        dt = times[k:stop] - times[k + 1:stop + 1]
        noise = rng.standard_normal((stop - k, p, d)) if noise_scale else np.zeros((stop - k, 1, d))
        if tiny:
            x = _tiny_steps(x, np.ascontiguousarray(data.centred), data.centre, data.log_weights,
                            a_all[k:stop], b2_all[k:stop], s2_all[k:stop], dt, c_x, c_s, noise_scale, noise)
        else:
            for j in range(stop - k):
                a, b2 = a_all[k + j], b2_all[k + j]
                mean = target.posterior(x / a, s2_all[k + j], full_cov=False).mean
                score = (a * mean - x) / b2
                x = x + (c_x * x + c_s * score) * dt[j] + noise_scale * np.sqrt(dt[j]) * noise[j]
    return Trajectories(times[record], frames, x, nearest, weight)


def nearest_index(target: Target, x, a: float) -> np.ndarray:
    """μ* = argmin_μ |x − a·y_μ| (seed 003 Fig. 5), by one GEMM per block of particles."""
    return nearest_and_weight(target, x, a)[0]


def nearest_and_weight(target: Target, x, a: float, s2: float | None = None):
    """μ* = argmin_μ |x − a·y_μ| (seed 003 Fig. 5) and, given s², its posterior weight
    w_μ* = π_μ* e^{ℓ_μ*} / Σ_ν π_ν e^{ℓ_ν}, ℓ_ν = (x̃·y_ν − |y_ν|²/2)/s², x̃ = x/a (SCIENCE.md §1),
    in log-space, by one GEMM per block of particles."""
    data = target.data
    y = data.points
    y2 = np.einsum("ij,ij->i", y, y)
    index = np.empty(len(x), np.int32)
    weight = np.empty(len(x), np.float32)
    rows = max(1, (1 << 20) // len(y))
    for start in range(0, len(x), rows):
        xy = x[start:start + rows] @ y.T
        mu = np.argmin(a * a * y2[None, :] - 2.0 * a * xy, axis=1)
        index[start:start + rows] = mu
        if s2 is not None:
            logits = (xy / a - 0.5 * y2[None, :]) / s2 + data.log_weights[None, :]
            top = logits.max(axis=1, keepdims=True)
            log_z = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
            weight[start:start + rows] = np.exp(logits[np.arange(len(mu)), mu] - log_z)
    return index, (weight if s2 is not None else None)


@numba.njit(cache=True)
def _tiny_steps(x, u, centre, log_w, a, b2, s2, dt, c_x, c_s, c_n, noise):
    """Fused reverse steps for tiny discrete targets (N, d ≤ 8): posterior mean per particle
    with a max-shifted softmax, then the Euler–Maruyama update."""
    p, d = x.shape
    n = u.shape[0]
    out = x.copy()
    logits = np.empty(n)
    for k in range(dt.size):
        for i in range(p):
            top = -np.inf
            for j in range(n):
                dot = 0.0
                sq = 0.0
                for m in range(d):
                    dot += (out[i, m] / a[k] - centre[m]) * u[j, m]
                    sq += u[j, m] * u[j, m]
                logits[j] = log_w[j] + (dot - 0.5 * sq) / s2[k]
                top = max(top, logits[j])
            z = 0.0
            for j in range(n):
                logits[j] = np.exp(logits[j] - top)
                z += logits[j]
            root = np.sqrt(dt[k])
            for m in range(d):
                mean = centre[m]
                for j in range(n):
                    mean += logits[j] / z * u[j, m]
                score = (a[k] * mean - out[i, m]) / b2[k]
                step = (c_x * out[i, m] + c_s * score) * dt[k]
                if c_n != 0.0:
                    step += c_n * root * noise[k, i, m]
                out[i, m] += step
    return out
