"""Classifier-free guidance through the lab's one posterior kernel (science.md §9).

The guided score toward class c with strength w is

    s_w = (1 + w)∇log p_t(x|c) − w∇log p_t(x) = (a·m_w − x)/b²,   m_w = (1 + w)⟨y⟩_c − w⟨y⟩,

so a guided model is a target whose "posterior" has mean m_w, log-partition (1 + w)log Z_c − w log Z
and covariance C_w = (1 + w)C_c − wC (not a covariance: it may be indefinite).  Everything the lab
computes from a posterior then holds for the guided model as written: the guided free energy
F̃_w = ½|x̃|² − s²[(1 + w)log Z_c − w log Z], its fixed points x̃ = m_w and their Hessian I − C_w/s²,
the branching diagram and the reverse dynamics.  w = 0 is the class-conditional model; w = −1 the
unconditional one; −1 < w < 0 interpolates (guidance scale γ = 1 + w < 1).

Where guidance acts like the probe field h of §3 (an imperfect pitchfork, one branch continuous and the
other born by a fold) is −1 < w < 0.  For w ≥ 0 and classes that are single points or single Gaussians
(two deltas, the mixture law) the guided drift along the class axis is monotone — m − m_w(m) has slope
1 − (1 + w)k + w·∂⟨y⟩/∂x̃ ≥ 1 − k > 0 with k = ∂⟨y⟩_c/∂x̃ < 1 — so there is one fixed point at every t:
guidance removes the other class's well instead of tilting it.  (science.md §9 states the fold for
guidance in general; it holds for w < 0 only.)
"""
from __future__ import annotations

import functools

import numpy as np

from core.guidance_schedules import ConstantGuidance, GuidanceSchedule
from core.posterior import PosteriorStats
from core.targets import SPECS, Target

#: Guidance strengths the lab offers: w = −1 (unconditional) to 10 (near the class mean already).
W_MIN, W_MAX = -1.0, 10.0


@functools.lru_cache(maxsize=2)   # keyed by identity (core.targets keeps each target); a split copies its data
def _classes(target: Target) -> tuple:
    """The target's spec split into (name, class target or None) pairs; () without classes."""
    split = SPECS[target.key].classes
    return tuple(split(target)) if split else ()


def class_names(target: Target) -> list[str]:
    """Names of the target's classes, in order ([] for a target without classes)."""
    return [name for name, _ in _classes(target)]


def class_target(target: Target, c: int) -> Target:
    """Class ``c`` of the target as a normalized target of its own (its points, weights renormalized)."""
    if SPECS[target.key].classes is None:
        raise ValueError(f"{target.name} has no classes")
    classes = _classes(target)
    if not 0 <= c < len(classes):
        raise ValueError(f"class {c} out of range: {len(classes)} classes")
    name, own = classes[c]
    if own is None:
        raise ValueError(f"class {name} has no points in this dataset")
    return own


def populated_classes(target: Target) -> list[int]:
    """Indices of the classes that have points in this dataset (all of them for a law)."""
    return [k for k, (_, own) in enumerate(_classes(target)) if own is not None]


def guided_posterior(target: Target, cls: Target, guidance: GuidanceSchedule):
    """The guided posterior (x̃, s², full_cov) → PosteriorStats with mean m_w, log Z_w = (1 + w)log Z_c − w log Z
    and covariance C_w = (1 + w)C_c − wC (trace likewise), w = ``guidance`` at the noise level s²/Λ
    (core.guidance_schedules); participation is not defined (None)."""
    lam = target.top_eigenvalue

    def posterior(x_tilde, s2, full_cov=False):
        w = np.asarray(guidance.at(np.asarray(s2, float) / lam), float)   # one w, or one per row of x̃

        def mix(own, full):
            wk = w.reshape(w.shape + (1,) * (np.ndim(own) - w.ndim))
            return (1 + wk) * own - wk * full

        full = target.posterior(x_tilde, s2, full_cov=full_cov)
        own = cls.posterior(x_tilde, s2, full_cov=full_cov)
        return PosteriorStats(mix(own.log_z, full.log_z), mix(own.mean, full.mean),
                              mix(own.trace_cov, full.trace_cov), None,
                              None if own.cov is None else mix(own.cov, full.cov))
    return posterior


def guided_target(target: Target, c: int, guidance: float | GuidanceSchedule) -> Target:
    """The model guided toward class ``c`` with a constant strength w ∈ [−1, 10] or a schedule w(t)
    (core.guidance_schedules), as a (continuous) target: its posterior is ``guided_posterior``, its covariance
    and display points are the target's (the same principal axes), and its samples are class c's (what the
    guided sampler aims at for w = 0)."""
    schedule = ConstantGuidance(float(guidance)) if np.isscalar(guidance) else guidance
    strengths = np.asarray(schedule.key[1:], float)
    if not np.all(np.isfinite(strengths) & (strengths >= W_MIN) & (strengths <= W_MAX)):
        raise ValueError(f"guidance strength must be in [{W_MIN:g}, {W_MAX:g}], got {schedule.key[1:]!r}")
    cls = class_target(target, c)
    return Target(target.key, f"{target.name}, guided to class {class_names(target)[c]} ({schedule.describe()})",
                  target.params + (("guided", (c, schedule.key)),), target.d, None, target.covariance,
                  target.display_points, guided_posterior(target, cls, schedule), cls.sample,
                  reach=1.0 + 2.0 * schedule.largest)


def mixture_guided_score(x, a: float, b2: float, centre, var_c: float, w: float) -> np.ndarray:
    """Closed-form guided score of the two-cluster mixture ±m toward +m (science.md §9), Γ = a²σ_c² + b²:
    s_w(x) = [a·m((1 + w) − w·tanh(a·m·x/Γ)) − x]/Γ, written for m along any direction."""
    x = np.atleast_2d(np.asarray(x, float))
    centre = np.asarray(centre, float)
    gamma = a * a * var_c + b2
    tanh = np.tanh(a * (x @ centre) / gamma)
    return (a * centre[None, :] * ((1 + w) - w * tanh)[:, None] - x) / gamma


def mixture_guided_roots(m_norm: float, var_c: float, s2_values, w, grid: int = 2001) -> list[np.ndarray]:
    """Fixed points along m̂ of the two-cluster mixture ±m (variance σ_c², σ_c = 0: two deltas) guided toward +m
    (science.md §9): in x̃ = x/a, with M = |m|, the roots u of

        u = M·((1 + w) − w·tanh(M·u/(σ_c² + s²))),

    one array per s² (``w``: one strength, or one per s² for a schedule w(t); bracketed on a grid over
    [−(1 + 2|w|)M, (1 + 2|w|)M] and bisected to 1e-12 M)."""
    s2_values = np.atleast_1d(np.asarray(s2_values, float))
    ws = np.broadcast_to(np.asarray(w, float), s2_values.shape)
    out = []
    for s2, w in zip(s2_values, ws, strict=True):
        half = 1.5 * (1 + 2 * abs(w)) * m_norm + 1e-12
        u = np.linspace(-half, half, grid)
        gap = lambda v, s2=s2, w=w: v - m_norm * ((1 + w) - w * np.tanh(m_norm * v / (var_c + s2)))  # noqa: E731
        g = gap(u)
        k = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
        lo, hi, g_lo = u[k], u[k + 1], g[k]
        while lo.size and np.max(hi - lo) > 1e-12 * half:
            mid = 0.5 * (lo + hi)
            left = np.sign(gap(mid)) == np.sign(g_lo)
            lo, g_lo, hi = np.where(left, mid, lo), np.where(left, gap(mid), g_lo), np.where(left, hi, mid)
        out.append(np.sort(np.concatenate([u[g == 0], 0.5 * (lo + hi)])))
    return out
