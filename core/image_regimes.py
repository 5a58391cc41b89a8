"""Speciation and collapse on a training set of images, as Biroli, Bonnaire, de Bortoli & Mézard (2024,
arXiv:2402.18491) measure them on real data (§5: Table 1, Figs. 4–5), with the exact empirical score.

One backward *trunk* of ``pairs`` trajectories runs from t_max to t_min.  At each clone time t_k its state is
copied and the copy runs on to t_min with noise of its own (the trunk is the other copy), so that

    φ(t_k)   = P(both copies end in the same class)           (Fig. 4; class: the label of the end's
                                                                nearest training image)
    φ_C(t_k) = P(both copies end on the same training image)  (Fig. 5, top left)

cost ``steps`` plus, per clone time, the steps below it — not twice the whole run per clone time.  On the trunk,
the nearest training image μ*(t) = argmin_μ |x(t) − a(t)·y_μ| and its posterior weight are recorded every few
steps; a trajectory's collapse time t̂_C is when μ* stops changing and dominates the posterior
(``core.regimes.collapse_times``, Fig. 5, top right).  The empirical excess entropy f^e(t) = s_sep − s^e
(``core.memorization.excess_entropy``) gives the collapse criterion f^e(t_C) = 0 (Fig. 5, bottom).  Pictures:
the first trajectories at chosen times, each beside its nearest training image and the posterior's largest
weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dynamics import initial_particles, nearest_and_weight, reverse_times, reverse_trajectories
from core.memorization import ExcessEntropy, collapse_from_excess, excess_entropy
from core.processes import Process
from core.regimes import collapse_times, speciation_time
from core.targets import Target


@dataclass(frozen=True)
class Pictures:
    """The first trajectories at chosen times: x(t)/a(t) (the image the reverse process holds, in data units),
    the nearest training image's index μ*, and the posterior's largest weights and their images' indices.

    times : (T,) ; images : (T, M, d) float32 ; nearest : (T, M) ; top : (T, M, k) indices ; top_weight : (T, M, k)
    """

    times: np.ndarray
    images: np.ndarray
    nearest: np.ndarray
    top: np.ndarray
    top_weight: np.ndarray


@dataclass(frozen=True)
class ImageRegimes:
    """Speciation and collapse measured on one training set.

    clone_times : (K,) decreasing ; phi, phi_se, phi_c, phi_c_se : (K,) with binomial standard errors ;
    collapse : (M,) t̂_C per trunk trajectory (NaN: did not collapse) ; excess : f^e(t) with standard errors ;
    t_c_entropy : the collapse time where f^e reaches 0 (None when the curve gives none) ; pictures ;
    t_s : the lab's speciation time, a²Λ = b² ; t_min, t_max, steps : the integration.
    """

    clone_times: np.ndarray
    phi: np.ndarray
    phi_se: np.ndarray
    phi_c: np.ndarray
    phi_c_se: np.ndarray
    collapse: np.ndarray
    excess: ExcessEntropy | None
    t_c_entropy: float | None
    pictures: Pictures | None
    t_s: float
    t_min: float
    t_max: float
    steps: int


def binomial_se(p, count: int) -> np.ndarray:
    """Standard error of a frequency p over ``count`` trials, floored at one trial's worth (p = 0 or 1 is not
    exact: √(p(1 − p)/count) ≥ 1/count)."""
    p = np.asarray(p, float)
    return np.sqrt(np.maximum(p * (1 - p), 1.0 / count) / count)


def top_weights(target: Target, x, a: float, s2: float, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The k largest posterior weights w_μ(x̃) at x̃ = x/a (science.md §1) and their points' indices, for a few
    rows of x (log-space softmax over all n points)."""
    y = target.data.points
    logits = (np.asarray(x, float) / a @ y.T - 0.5 * np.einsum("ij,ij->i", y, y)[None]) / s2 \
        + target.data.log_weights[None]
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    k = min(k, y.shape[0])
    order = np.argsort(-w, axis=1)[:, :k]
    return order, np.take_along_axis(w, order, axis=1)


def image_regimes(target: Target, process: Process, labels, clone_times, pairs: int, steps: int,
                  rng: np.random.Generator, t_min: float, t_max: float, picture_times=(), shown: int = 0,
                  track_every: int = 2, entropy_times=None, entropy_samples: int = 0, sampler: str = "euler",
                  progress=None) -> ImageRegimes:
    """Run the experiment of the module docstring on a discrete target whose points carry ``labels``.

    ``clone_times`` and ``picture_times`` are inserted in the geometric grid of ``steps`` steps; μ* is recorded
    every ``track_every`` steps on all ``pairs`` trunk trajectories; f^e at ``entropy_times`` from
    ``entropy_samples`` draws each (none when 0).  ``progress(i, n)`` counts the integration steps done.
    """
    labels = np.asarray(labels)
    clone_times = np.sort(np.asarray(clone_times, float))[::-1]
    picture_times = np.sort(np.asarray(picture_times, float))[::-1]
    grid = reverse_times(t_min, t_max, steps)
    times = np.unique(np.r_[grid, clone_times, picture_times])[::-1]       # the stops inserted in the grid
    index = {float(s): i for i, s in enumerate(times)}
    clone_at = [index[float(s)] for s in clone_times]
    picture_at = {index[float(s)]: s for s in picture_times}
    track_at = {index[float(s)] for s in grid[::max(1, track_every)]}
    stops = sorted(set(clone_at) | set(picture_at) | track_at | {0, times.size - 1})
    total = (times.size - 1) + sum(times.size - 1 - i for i in clone_at)
    done = 0

    def advance(x, i0, i1):
        nonlocal done
        if i1 > i0:
            x = reverse_trajectories(target, process, x, times[i0:i1 + 1], rng=rng, record_every=10**9,
                                     sampler=sampler).final
            done += i1 - i0
            if progress is not None:
                progress(done, total)
        return x

    x = initial_particles(process, t_max, target, pairs, rng)
    saved, near, weight, near_times, shots = {}, [], [], [], []
    for i0, i1 in zip(stops[:-1], stops[1:], strict=True):
        a, s2 = float(process.a(times[i0])), float(process.s2(times[i0]))
        if i0 in clone_at:
            saved[i0] = x.copy()
        if i0 in track_at:
            mu, w = nearest_and_weight(target, x, a, s2)
            near.append(mu)
            weight.append(w)
            near_times.append(times[i0])
        if i0 in picture_at and shown:
            top, top_w = top_weights(target, x[:shown], a, s2)
            shots.append((x[:shown] / a, top[:, 0], top, top_w))
        x = advance(x, i0, i1)
    a_end, s2_end = float(process.a(times[-1])), float(process.s2(times[-1]))
    end_point, end_weight = nearest_and_weight(target, x, a_end, s2_end)
    near.append(end_point)
    weight.append(end_weight)
    near_times.append(times[-1])
    if shown and times[-1] in picture_at.values():
        top, top_w = top_weights(target, x[:shown], a_end, s2_end)
        shots.append((x[:shown] / a_end, top[:, 0], top, top_w))

    same_class, same_point = [], []
    for i in clone_at:
        copy = advance(saved.pop(i), i, times.size - 1)
        copy_point = nearest_and_weight(target, copy, a_end)[0]
        same_point.append(np.mean(copy_point == end_point))
        same_class.append(np.mean(labels[copy_point] == labels[end_point]))

    excess = t_c = None
    if entropy_samples:
        excess = excess_entropy(target, process, np.asarray(entropy_times, float), entropy_samples, rng)
        t_c = collapse_from_excess(excess, process)
    pictures = None
    if shots:
        images, nearest, top, top_w = (np.stack(parts) for parts in zip(*shots, strict=True))
        pictures = Pictures(picture_times[:len(shots)], images.astype(np.float32), nearest, top, top_w)
    collapse = collapse_times(np.array(near), np.array(weight), np.array(near_times))
    phi, phi_c = np.array(same_class), np.array(same_point)
    return ImageRegimes(clone_times, phi, binomial_se(phi, pairs), phi_c, binomial_se(phi_c, pairs), collapse,
                        excess, t_c, pictures, speciation_time(target, process), t_min, t_max, steps)
