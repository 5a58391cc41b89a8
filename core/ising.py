"""The diffused Ising model (Ambrogioni 2023 §4.4, science.md §3.6), VE process.

Target: d spins y ∈ {±1}^d with ``log φ(y) = −(1/2T) Σ_{j≠k} W_jk y_j y_k + c`` (eq. 17).  Along the
uniform direction x̃ = h·(1, …, 1) the posterior weight ``φ(y)·exp(x̃·y/s²)`` depends on y only through
the total magnetization M = Σ_j y_j, so every quantity on that line follows from the
*magnetization density of states* ``g(M) = Σ_{y: M(y)=M} φ(y)``: by exact enumeration of the 2^d states
(any W, d ≤ ENUM_MAX) or in closed form for Curie–Weiss couplings W_jk = −J/d, where
``g(M) ∝ C(d, k)·exp(J(M² − d)/(2Td))`` with M = 2k − d (exact for every d).

T is the Ising temperature of the *target*; the diffusion time only enters through s² = σ²t, which
scales the response to the field: t sets the susceptibility, T the target's phase (T_c = J).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import gammaln, logsumexp

#: Largest d enumerated state by state (2^16 = 65,536 states).
ENUM_MAX = 16


def curie_weiss_couplings(d: int, coupling: float) -> np.ndarray:
    """W_jk = −J/d for j ≠ k, zero diagonal (ferromagnetic for J > 0)."""
    w = np.full((d, d), -coupling / d)
    np.fill_diagonal(w, 0.0)
    return w


@njit(cache=True)
def _enumerate_log_dos(w, inv_temp):
    """Gray-code walk over the 2^d states: each step flips one spin and updates the energy and the
    local fields in O(d); log g(M) accumulates by an online log-sum-exp per magnetization bin."""
    d = w.shape[0]
    y = -np.ones(d)
    field = np.zeros(d)                                   # f_j = Σ_{k≠j} W_jk y_k
    for j in range(d):
        for k in range(d):
            if k != j:
                field[j] += w[j, k] * y[k]
    log_phi = 0.0                                         # −(1/2T) Σ_{j≠k} W y y
    for j in range(d):
        log_phi -= 0.5 * inv_temp * y[j] * field[j]
    top = np.full(d + 1, -np.inf)
    acc = np.zeros(d + 1)
    up = 0
    for i in range(1 << d):
        if i > 0:
            j = 0
            while not (i >> j) & 1:                       # the bit that changes in the Gray code
                j += 1
            log_phi += 2.0 * inv_temp * y[j] * field[j]   # flipping y_j changes Σ_{j≠k} by −4 y_j f_j
            y[j] = -y[j]
            up += 1 if y[j] > 0 else -1
            for k in range(d):
                if k != j:
                    field[k] += 2.0 * w[k, j] * y[j]
        if log_phi > top[up]:
            acc[up] = acc[up] * np.exp(top[up] - log_phi) + 1.0
            top[up] = log_phi
        else:
            acc[up] += np.exp(log_phi - top[up])
    return top + np.log(acc)


def enumerate_log_dos(couplings: np.ndarray, temperature: float) -> np.ndarray:
    """log g(M) for M = −d, −d+2, …, d by enumerating all 2^d states (d ≤ ENUM_MAX), normalized."""
    w = np.ascontiguousarray(couplings, dtype=np.float64)
    if w.shape[0] > ENUM_MAX:
        raise ValueError(f"enumeration is limited to d ≤ {ENUM_MAX} (2^d states)")
    log_g = _enumerate_log_dos(w, 1.0 / temperature)
    return log_g - logsumexp(log_g)


def curie_weiss_log_dos(d: int, coupling: float, temperature: float) -> np.ndarray:
    """Closed form for W = −J/d: log g(M) = log C(d, k) + J(M² − d)/(2Td), M = 2k − d, normalized."""
    k = np.arange(d + 1)
    m_total = 2.0 * k - d
    log_g = gammaln(d + 1) - gammaln(k + 1) - gammaln(d - k + 1) + coupling * (m_total**2 - d) / (2 * temperature * d)
    return log_g - logsumexp(log_g)


def magnetization_log_dos(d: int, coupling: float, temperature: float) -> np.ndarray:
    """The Curie–Weiss density of states: enumerated for d ≤ ENUM_MAX, closed form above."""
    if d <= ENUM_MAX:
        return enumerate_log_dos(curie_weiss_couplings(d, coupling), temperature)
    return curie_weiss_log_dos(d, coupling, temperature)


def target_magnetization(log_dos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The target's own distribution of m = M/d: (m values, probabilities)."""
    d = len(log_dos) - 1
    return (2.0 * np.arange(d + 1) - d) / d, np.exp(log_dos - logsumexp(log_dos))


def target_top_eigenvalue(log_dos: np.ndarray) -> float:
    """Λ = Var_φ(M)/d, the covariance eigenvalue along (1, …, 1)/√d (the largest for J ≥ 0); the
    symmetric fixed point branches at σ²t_c = Λ (§3).  Curie–Weiss, d → ∞: Λ → 1/(1 − J/T) for T > J."""
    m, p = target_magnetization(log_dos)
    d = len(log_dos) - 1
    return float(d * (p @ m**2 - (p @ m) ** 2))


@dataclass(frozen=True)
class UniformPosterior:
    """Posterior statistics at x̃ = h·(1, …, 1) with noise s² (arrays broadcast over h and s²).

    m: ⟨y_j⟩ = ⟨M⟩/d.  slope: ∂m/∂h = Var(M)/(d s²) (= β·Λ_post, the bare susceptibility along the
    line).  transverse: λ⊥ = 1 − ⟨y_j y_k⟩_{j≠k}, the posterior covariance across spins, d − 1 times
    degenerate (0 for d = 1).
    """
    m: np.ndarray
    slope: np.ndarray
    transverse: np.ndarray


def uniform_posterior(log_dos: np.ndarray, h, s2) -> UniformPosterior:
    """Posterior on the uniform line from the density of states: p(M | h) ∝ g(M)·e^{hM/s²}."""
    d = len(log_dos) - 1
    m_total = 2.0 * np.arange(d + 1) - d
    h, s2 = np.broadcast_arrays(np.asarray(h, float), np.asarray(s2, float))
    logits = log_dos + (h / s2)[..., None] * m_total
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    first, second = p @ m_total, p @ m_total**2
    pair = (second - d) / (d * (d - 1)) if d > 1 else np.ones_like(first)
    return UniformPosterior(m=first / d, slope=np.maximum(second - first**2, 0.0) / (d * s2),
                            transverse=1.0 - pair)


@dataclass(frozen=True)
class UniformFixedPoints:
    """Fixed points h* = m(h*, s²) of the generative drift on the uniform line, one row per point.

    s2: the noise of each point.  h: its position.  stable_line: ∂m/∂h < 1 (stable along the line).
    stable_across: λ⊥ < s² (stable across spins; the Jacobian −1/s² + λ⊥/s⁴ is negative there).
    """
    s2: np.ndarray
    h: np.ndarray
    stable_line: np.ndarray
    stable_across: np.ndarray


#: A walk's terms are kept within [RESCALE⁻¹, 1) by this factor: no under- or overflow between two modes.
RESCALE = 1e200
#: A walk stops where the log of every further term is below the largest's by this much (e⁻⁴¹·⁴ = 10⁻¹⁸: the
#: d + 1 ≤ 1,001 terms left out change the sum by less than 10⁻¹⁵ of it, below double precision's reach).
NEGLIGIBLE_LOG = 41.4


@njit(cache=True)
def _upper_hull(values):
    """The least concave majorant H(k) ≥ values[k] (monotone chain), and its vertices' indices."""
    n = len(values)
    vertices = np.empty(n, np.int64)
    top = 0
    for k in range(n):
        while top >= 2:
            i, j = vertices[top - 2], vertices[top - 1]
            if (values[j] - values[i]) * (k - i) <= (values[k] - values[i]) * (j - i):
                top -= 1                                         # j lies on or below the chord i–k
            else:
                break
        vertices[top] = k
        top += 1
    vertices = vertices[:top]
    hull = np.empty(n)
    for v in range(top - 1):
        i, j = vertices[v], vertices[v + 1]
        for k in range(i, j + 1):
            hull[k] = values[i] + (values[j] - values[i]) * (k - i) / (j - i)
    hull[vertices[top - 1]] = values[vertices[top - 1]]
    return hull, vertices


@njit(cache=True)
def _line_means(log_dos, h, s2):
    """m = ⟨M⟩/d under p(M) ∝ g(M)·e^{hM/s²}, M = 2k − d, for each pair (h[i], s2[i]).

    The terms e_k = exp(logit_k − max), logit_k = log g(k) + 2k·h/s², are walked out from the largest:
    e_{k±1} = e_k·(g(k+1)/g(k)·e^{2h/s²})^{±1}: multiplications, one exp per pair (a per-term exp was 1.3·10⁸ exps
    for the page's diagram at d = 1,000).  The largest term sits on a vertex of the concave hull H of log g (found by
    bisection over its slopes), and H(k) + 2k·h/s², concave, bounds every term beyond k: a walk stops once that bound
    is NEGLIGIBLE_LOG below the largest.  Between two modes (a cold ferromagnet) a term is kept as e·RESCALE^(−c)."""
    d = len(log_dos) - 1
    ratio = np.exp(log_dos[1:] - log_dos[:-1])               # g(k + 1)/g(k)
    hull, vertices = _upper_hull(log_dos)
    slopes = np.empty(len(vertices) - 1)                      # decreasing
    for v in range(len(slopes)):
        slopes[v] = (log_dos[vertices[v + 1]] - log_dos[vertices[v]]) / (vertices[v + 1] - vertices[v])
    out = np.empty(len(h))
    for i in range(len(h)):
        tilt = 2.0 * h[i] / s2[i]
        lo, hi = 0, len(slopes)                               # the first vertex whose next slope + tilt < 0
        while lo < hi:
            mid = (lo + hi) // 2
            if slopes[mid] + tilt >= 0.0:
                lo = mid + 1
            else:
                hi = mid
        best = vertices[lo]
        top = log_dos[best] + tilt * best
        step = np.exp(tilt)
        z, first = 1.0, 2.0 * best - d
        for direction in (1, -1):
            e, c = 1.0, 0
            k = best
            while 0 <= k + direction <= d:
                if direction == 1:
                    e *= ratio[k] * step
                else:
                    e /= ratio[k - 1] * step
                k += direction
                if hull[k] + tilt * k - top < -NEGLIGIBLE_LOG:
                    break
                if e < 1.0 / RESCALE:
                    e, c = e * RESCALE, c + 1
                elif e >= 1.0 and c > 0:
                    e, c = e / RESCALE, c - 1
                if c == 0:
                    z += e
                    first += e * (2.0 * k - d)
        out[i] = first / (z * d) if d > 0 else 0.0
    return out


def line_magnetization(log_dos: np.ndarray, h, s2) -> np.ndarray:
    """m(h, s²) = ⟨y_j⟩ on the uniform line (uniform_posterior's m, by _line_means), broadcast over h and s²."""
    h, s2 = np.broadcast_arrays(np.asarray(h, float), np.asarray(s2, float))
    flat = _line_means(np.ascontiguousarray(log_dos, dtype=np.float64), np.ascontiguousarray(h.ravel()),
                       np.ascontiguousarray(s2.ravel()))
    return flat.reshape(h.shape)


def uniform_fixed_points(log_dos: np.ndarray, s2_grid, grid: int = 100, bisections: int = 40) -> UniformFixedPoints:
    """Roots of g(h) = m(h, s²) − h on [−1.05, 1.05] for each s²: sign changes on a grid of 2·``grid`` points that
    omits 0 (g is odd, so the root at 0 is bracketed too), refined by bisection, all s² at once.  100 a side finds
    the roots 400 a side finds, to 10⁻⁹, at every corner of the lab's ranges (tests/test_ising.py); two roots
    closer than the grid's step (2.1/199) would merge — a pitchfork's pair only within ~10⁻⁵ of its s²."""
    s2_grid = np.asarray(s2_grid, float)
    h = np.linspace(-1.05, 1.05, 2 * grid)
    g = line_magnetization(log_dos, h[None, :], s2_grid[:, None]) - h
    row, col = np.nonzero(np.sign(g[:, :-1]) * np.sign(g[:, 1:]) < 0)
    lo, hi, s2 = h[col], h[col + 1], s2_grid[row]
    g_lo = g[row, col]
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        g_mid = line_magnetization(log_dos, mid, s2) - mid
        left = np.sign(g_mid) == np.sign(g_lo)
        lo, g_lo = np.where(left, mid, lo), np.where(left, g_mid, g_lo)
        hi = np.where(left, hi, mid)
    root = 0.5 * (lo + hi)
    post = uniform_posterior(log_dos, root, s2)
    return UniformFixedPoints(s2=s2, h=root, stable_line=post.slope < 1.0, stable_across=post.transverse < s2)
