"""Reverse diffusion: particles integrated from t_max down to t_min (science.md §4, §9).

Every process x_t = a·y + b·z has the forward SDE dx = f·x dt + g dW, f = d(log a)/dt,
g² = a²ν² (``Process.g2``), and the reverse drift

    D(x, t) = −f·x + c·g²·score,   score = (a⟨y⟩ − x)/b²,

with c = 1 for the reverse SDE (noise g·√dt·ξ) and c = ½ for the probability-flow ODE.  For VE
this is (0, σ², σ) and for VP (Biroli et al. 2024 eq. 3) x + 2·score, √2; for flow matching the ODE is the
rectified-flow sampler dx = v dt, v = (x − ⟨y⟩)/t.  Three samplers step it backwards:

- ``euler``: Euler–Maruyama, x ← x + D·dt (+ g√dt ξ);
- ``heun``: Heun's predictor–corrector, x ← x + ½(D(x, t) + D(x̄, t − dt))·dt (+ the same noise),
  second order for the ODE (Karras et al. 2022, Alg. 1);
- ``ddim``: the exponential integrator that is exact when the posterior mean is constant over the
  step (Song et al. 2021, DDIM): x ← a'·m + √(b'² − σ²)·(x − a·m)/b + σ·ξ, m = ⟨y⟩(x̃), with σ = 0
  for the ODE and, for the SDE, σ² = b'²(b² − (a/a')²b'²)/b², the exact posterior of x_{t'} given
  x_t and y = m (ancestral sampling, DDPM).
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.processes import Process
from core.targets import Target

#: Targets this small (N and d ≤ 8) take their posterior mean from a fused numba loop.
TINY_N, TINY_D = 8, 8
SAMPLERS = ("euler", "heun", "ddim")
SAMPLER_NAMES = {"euler": "Euler–Maruyama", "heun": "Heun (2nd order)", "ddim": "exponential (DDIM)"}


def posterior_mean_of(target: Target):
    """The posterior mean ⟨y⟩(x̃, s²) of ``target`` as a function of (x̃ (P, d), s²) (science.md §1):
    the fused numba loop for tiny discrete targets, the kernel for the others."""
    if target.is_discrete and target.data.n <= TINY_N and target.d <= TINY_D:
        data = target.data
        u, centre, log_w = np.ascontiguousarray(data.centred), data.centre, data.log_weights
        return lambda x_tilde, s2: _tiny_mean(np.ascontiguousarray(x_tilde, dtype=float), u, centre, log_w, float(s2))
    return lambda x_tilde, s2: target.posterior(x_tilde, s2, full_cov=False).mean


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
        The posterior weight w_μ*(x̃) of that point (science.md §1): near 1 once the trajectory
        has fallen onto it.
    """

    times: np.ndarray
    frames: np.ndarray
    final: np.ndarray
    nearest: np.ndarray | None
    weight: np.ndarray | None = None


def reverse_trajectories(target: Target, process: Process, x0, times, sde: bool = True,
                         rng: np.random.Generator | None = None, record_every: int = 1,
                         projection=None, track_nearest: int = 0, progress=None,
                         sampler: str = "euler", mean=None) -> Trajectories:
    """Integrate particles ``x0`` (P, d) backwards along ``times`` (decreasing) with ``sampler``.

    ``projection``: (origin (d,), axes (k, d)) applied to recorded frames, so memory is
    O(F·P·k), not O(F·P·d).  ``track_nearest``: record μ* for the first that many particles.
    ``mean(x̃, s²)``: the posterior mean that drives the score (default: the target's; guidance
    passes its guided mean).  ``progress(i, n)`` is called every recorded frame.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    rng = np.random.default_rng() if rng is None else rng
    mean = posterior_mean_of(target) if mean is None else mean
    times = np.asarray(times, float)
    x = np.array(x0, dtype=float)
    p, d = x.shape
    origin, axes = (np.zeros(d), np.eye(d)) if projection is None else projection
    record = np.unique(np.r_[np.arange(0, times.size, max(1, record_every)), times.size - 1])
    frames = np.empty((record.size, p, axes.shape[0]), np.float32)
    tracked = min(int(track_nearest), p) if target.is_discrete else 0
    nearest = np.empty((record.size, tracked), np.int32) if tracked else None
    weight = np.empty((record.size, tracked), np.float32) if tracked else None
    coef = dict(a=process.a(times), b2=process.b2(times), s2=process.s2(times), f=process.dlog_a(times),
                g2=process.g2(times), c=1.0 if sde else 0.5)
    step = _STEPS[sampler]
    for r, k in enumerate(record):
        frames[r] = (x - origin) @ axes.T
        if nearest is not None:
            nearest[r], weight[r] = nearest_and_weight(target, x[:tracked], float(coef["a"][k]), float(coef["s2"][k]))
        if progress is not None:
            progress(r + 1, record.size)
        if r + 1 == record.size:
            break
        for j in range(k, record[r + 1]):
            noise = rng.standard_normal((p, d)) if sde else None
            x = step(x, j, times[j] - times[j + 1], mean, coef, noise)
    return Trajectories(times[record], frames, x, nearest, weight)


def _drift(x, m, k, coef):
    """Reverse drift D = −f·x + c·g²·(a·m − x)/b² at grid index k (module docstring)."""
    return -coef["f"][k] * x + coef["c"] * coef["g2"][k] * (coef["a"][k] * m - x) / coef["b2"][k]


def _euler(x, k, dt, mean, coef, noise):
    drift = _drift(x, mean(x / coef["a"][k], coef["s2"][k]), k, coef)
    x_next = x + drift * dt
    return x_next if noise is None else x_next + np.sqrt(coef["g2"][k] * dt) * noise


def _heun(x, k, dt, mean, coef, noise):
    kick = 0.0 if noise is None else np.sqrt(coef["g2"][k] * dt) * noise
    first = _drift(x, mean(x / coef["a"][k], coef["s2"][k]), k, coef)
    guess = x + first * dt + kick
    second = _drift(guess, mean(guess / coef["a"][k + 1], coef["s2"][k + 1]), k + 1, coef)
    return x + 0.5 * (first + second) * dt + kick


def _ddim(x, k, dt, mean, coef, noise):
    a, a_next = coef["a"][k], coef["a"][k + 1]
    b2, b2_next = coef["b2"][k], coef["b2"][k + 1]
    m = mean(x / a, coef["s2"][k])
    eps = (x - a * m) / np.sqrt(b2)
    if noise is None:
        return a_next * m + np.sqrt(b2_next) * eps
    var = max(b2_next * (b2 - (a / a_next) ** 2 * b2_next) / b2, 0.0)
    return a_next * m + np.sqrt(b2_next - var) * eps + np.sqrt(var) * noise


_STEPS = {"euler": _euler, "heun": _heun, "ddim": _ddim}


def nearest_rows(x, points, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Indices (P, k) and distances (P, k) of the k nearest ``points`` to each row of ``x``, nearest first, by
    one GEMM per block of rows (~1M distances, 8 MB, at a time: never P × N at once)."""
    x, points = np.asarray(x, float), np.asarray(points, float)
    if not 1 <= k <= len(points):
        raise ValueError(f"need 1 ≤ k ≤ {len(points)} points, got k = {k}")
    sq = np.sum(points**2, axis=1)[None]
    rows = max(1, (1 << 20) // max(len(points), 1))
    index, dist = np.empty((len(x), k), np.int64), np.empty((len(x), k))
    for start in range(0, len(x), rows):
        block = x[start:start + rows]
        d2 = np.maximum(np.sum(block**2, axis=1)[:, None] - 2 * block @ points.T + sq, 0.0)
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(near, axis=1)
        index[start:start + rows] = np.take_along_axis(part, order, axis=1)
        dist[start:start + rows] = np.sqrt(np.take_along_axis(near, order, axis=1))
    return index, dist


def nearest_training_point(target: Target, x, a: float) -> np.ndarray:
    """μ* = argmin_μ |x − a·y_μ| (Biroli et al. 2024 Fig. 5), by one GEMM per block of particles."""
    return nearest_and_weight(target, x, a)[0]


def nearest_and_weight(target: Target, x, a: float, s2: float | None = None):
    """μ* = argmin_μ |x − a·y_μ| (Biroli et al. 2024 Fig. 5) and, given s², its posterior weight
    w_μ* = π_μ* e^{ℓ_μ*} / Σ_ν π_ν e^{ℓ_ν}, ℓ_ν = (x̃·y_ν − |y_ν|²/2)/s², x̃ = x/a (science.md §1),
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
def _tiny_mean(x_tilde, u, centre, log_w, s2):
    """Posterior mean ⟨y⟩ = centre + Σ_j w_j u_j at each row of x̃ (science.md §1) for tiny discrete
    targets (N, d ≤ 8): one max-shifted softmax per particle, no temporaries."""
    p, d = x_tilde.shape
    n = u.shape[0]
    out = np.empty((p, d))
    logits = np.empty(n)
    sq = np.empty(n)
    for j in range(n):
        sq[j] = 0.0
        for m in range(d):
            sq[j] += u[j, m] * u[j, m]
    for i in range(p):
        top = -np.inf
        for j in range(n):
            dot = 0.0
            for m in range(d):
                dot += (x_tilde[i, m] - centre[m]) * u[j, m]
            logits[j] = log_w[j] + (dot - 0.5 * sq[j]) / s2
            top = max(top, logits[j])
        z = 0.0
        for j in range(n):
            logits[j] = np.exp(logits[j] - top)
            z += logits[j]
        for m in range(d):
            mean = centre[m]
            for j in range(n):
                mean += logits[j] / z * u[j, m]
            out[i, m] = mean
    return out
