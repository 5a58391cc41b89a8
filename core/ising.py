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


#: Numbers in one block of logits when the fixed points are scanned on a grid (4·10⁶: 32 MB of float64).
GRID_BLOCK = 4_000_000


def uniform_fixed_points(log_dos: np.ndarray, s2_grid, grid: int = 400, bisections: int = 40) -> UniformFixedPoints:
    """Roots of g(h) = m(h, s²) − h on [−1.05, 1.05] for each s²: sign changes on a grid that omits 0
    (g is odd, so the root at 0 is bracketed too), refined by bisection, all s² at once."""
    s2_grid = np.asarray(s2_grid, float)
    h = np.linspace(-1.05, 1.05, 2 * grid)
    # chunks of s² rows: a (rows, 2·grid, d + 1) block of logits stays near GRID_BLOCK numbers
    # (all 160 rows at d = 1,000 made 1 GB temporaries and took 6.2 s; chunked 1.7 s, measured in one run)
    rows = max(1, GRID_BLOCK // (h.size * len(log_dos)))
    g = np.concatenate([uniform_posterior(log_dos, h[None, :], s2_grid[i:i + rows, None]).m - h
                        for i in range(0, s2_grid.size, rows)]) if s2_grid.size else np.empty((0, h.size))
    row, col = np.nonzero(np.sign(g[:, :-1]) * np.sign(g[:, 1:]) < 0)
    lo, hi, s2 = h[col], h[col + 1], s2_grid[row]
    g_lo = g[row, col]
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        g_mid = uniform_posterior(log_dos, mid, s2).m - mid
        left = np.sign(g_mid) == np.sign(g_lo)
        lo, g_lo = np.where(left, mid, lo), np.where(left, g_mid, g_lo)
        hi = np.where(left, hi, mid)
    root = 0.5 * (lo + hi)
    post = uniform_posterior(log_dos, root, s2)
    return UniformFixedPoints(s2=s2, h=root, stable_line=post.slope < 1.0, stable_across=post.transverse < s2)
