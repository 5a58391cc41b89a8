"""The posterior kernel: Boltzmann weights of data points given a noisy point (science.md §1).

For a discrete target {y_j, π_j} and a query x̃ at effective noise s²,

    w_j(x̃) = π_j exp((x̃·y_j − ½|y_j|²)/s²) / Z(x̃),
    log Z   = logsumexp_j(log π_j + (x̃·y_j − ½|y_j|²)/s²).

``empirical_posterior`` returns log Z, the posterior mean ⟨y⟩, tr C, Σ_j w_j² and (when
asked) the covariance C, chunked over query points so memory is O(chunk·N).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numba
import numpy as np
from threadpoolctl import ThreadpoolController

from core.fastexp import LOG_FLOOR, exp_floored

#: Elements of one (rows × N) weight block: 2¹⁷ float64 = 1 MB per thread, cache-resident
#: (measured fastest at d = 2 to 100 against 2¹⁵…2²⁰; bench/kernel.py).
BLOCK_ELEMENTS = 1 << 17
#: GEMM needs enough rows to reach its peak when d is large.
MIN_BLOCK_ROWS = 128
#: Up to this dimension one fused numba pass per query row, over data held in L1/L2, beats BLAS +
#: numpy's passes over a weight block (measured: 1.3–2× faster at d ≤ 16, 5–50× with C; mixed at 24).
FUSED_MAX_D = 16
#: Below this many (query, data) pairs the fused kernel runs in the calling thread only.
THREAD_MIN_PAIRS = 1 << 16
#: The full covariance is returned by default only up to this dimension.
FULL_COV_MAX_D = 16
_THREADS = max(1, min(2, os.cpu_count() or 1))
_BLAS = ThreadpoolController()   # scanned once; .limit() is then ~20 µs (threadpool_limits: 300 µs)


@dataclass(frozen=True)
class PosteriorStats:
    """Posterior moments at P query points.

    Attributes
    ----------
    log_z : (P,) array
        log Z(x̃) with Z = Σ_j π_j exp((x̃·y_j − ½|y_j|²)/s²) (or its integral form).
    mean : (P, d) array
        Posterior mean ⟨y⟩ (the magnetization).
    trace_cov : (P,) array
        tr C = E|y|² − |⟨y⟩|² ≥ 0.
    participation : (P,) array or None
        Σ_j w_j² ∈ [1/N, 1]; None for continuous targets.
    cov : (P, d, d) array or None
        Posterior covariance C when requested.
    """

    log_z: np.ndarray
    mean: np.ndarray
    trace_cov: np.ndarray
    participation: np.ndarray | None = None
    cov: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class DiscreteData:
    """Data points and weights prepared once for the kernel (cached per dataset).

    The points are stored centred on their weighted mean c: the weights are unchanged by the
    shift (x̃·y − ½|y|² = (x̃ − c)·u − ½|u|² + const with u = y − c), and centring keeps
    tr C = Σw|u|² − |⟨u⟩|² free of cancellation and float32 accurate.
    """

    points: np.ndarray
    weights: np.ndarray
    centre: np.ndarray = field(init=False)
    extended: np.ndarray = field(init=False)
    log_weights: np.ndarray = field(init=False)
    half_sq: np.ndarray = field(init=False)
    by_coordinate: np.ndarray = field(init=False)

    def __post_init__(self):
        y = np.ascontiguousarray(self.points, dtype=np.float64)
        if y.ndim != 2 or y.shape[0] == 0:
            raise ValueError("points must be a non-empty (N, d) array")
        if not np.isfinite(y).all():
            raise ValueError("points must be finite")
        w = np.asarray(self.weights, dtype=np.float64)
        if w.shape != (y.shape[0],) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("weights must be N non-negative finite numbers with a positive sum")
        w = w / w.sum()
        c = w @ y
        # [U, |u|², 1] with U = Y − c: one GEMM with the weights gives Σe·u, Σe·|u|² and Z.
        ext = np.empty((y.shape[0], y.shape[1] + 2))
        np.subtract(y, c, out=ext[:, :-2])
        ext[:, -2] = np.einsum("ij,ij->i", ext[:, :-2], ext[:, :-2])
        ext[:, -1] = 1.0
        for name, value in (("points", y), ("weights", w), ("centre", c), ("extended", ext),
                            ("log_weights", np.log(np.where(w > 0, w, 1e-300))),
                            ("half_sq", 0.5 * ext[:, -2]),                        # ½|u_j|²
                            ("by_coordinate", np.ascontiguousarray(ext[:, :-2].T))):  # Uᵀ, (d, N)
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        return self.points.shape[0]

    @property
    def d(self) -> int:
        return self.points.shape[1]

    @property
    def centred(self) -> np.ndarray:
        """U = Y − c, a strided view (BLAS reads it without a copy)."""
        return self.extended[:, :-2]



def empirical_posterior(x_tilde, s2, data: DiscreteData, full_cov: bool | None = None
                        ) -> PosteriorStats:
    """Posterior moments of a discrete target at query points ``x_tilde`` (P, d).

    Parameters
    ----------
    x_tilde : (P, d) array_like
        Query points in effective coordinates x̃ = x/a.
    s2 : float or (P,) array
        Effective noise variance s² = b²/a² > 0, one value or one per query point.
    data : DiscreteData
    full_cov : bool, optional
        Return the (P, d, d) covariance; default: when d ≤ FULL_COV_MAX_D.

    Notes
    -----
    For d ≤ FUSED_MAX_D one fused numba pass per query row (logits, max, a vectorized exp,
    moments) over the data held in cache; above it, products x̃·y and w·y go to BLAS and
    exponentials to numpy, over blocks of query rows.  Both run on two threads.  A max-shifted
    log-sum-exp keeps every s² from 1e-8 to 1e8 finite.
    """
    x = np.atleast_2d(np.asarray(x_tilde, dtype=np.float64))
    if x.shape[1] != data.d:
        raise ValueError(f"query dimension {x.shape[1]} != data dimension {data.d}")
    s2 = check_noise(s2, x.shape[0])
    if full_cov is None:
        full_cov = data.d <= FULL_COV_MAX_D
    xc = x - data.centre
    if data.d <= FUSED_MAX_D:
        log_z, mean_u, e_u2, part, cov = _fused(xc, data, s2, full_cov)
    else:
        log_z, mean_u, e_u2, part, cov = _blocked(xc, data, s2, full_cov)
    # Undo the centring: log Z gains (x̃·c − ½|c|²)/s², ⟨y⟩ = c + ⟨u⟩, C is unchanged.
    log_z += (x @ data.centre - 0.5 * data.centre @ data.centre) / s2
    trace_cov = np.maximum(e_u2 - np.einsum("ij,ij->i", mean_u, mean_u), 0.0)
    return PosteriorStats(log_z, mean_u + data.centre, trace_cov, part, cov)


def _second_moment(g, u):
    """Σ_j g_pj u_j u_jᵀ for each row p: a plain loop for small d, batched GEMMs otherwise
    (einsum's path search alone cost ~0.2 ms per call on small inputs)."""
    n, d = u.shape
    if d <= 8:
        return np.einsum("pn,ni,nj->pij", g, u, u)
    out = np.empty((g.shape[0], d, d))
    rows = max(1, (1 << 20) // (n * d))
    for start in range(0, g.shape[0], rows):
        sl = slice(start, start + rows)
        out[sl] = np.matmul(g[sl, None, :] * u.T, u)
    return out


def check_noise(s2, p: int):
    """s² as a float or a (P,) array; refuses non-positive, non-finite or misshapen values."""
    s2 = np.asarray(s2, dtype=np.float64)
    if s2.ndim == 0:
        s2 = float(s2)
        ok = s2 > 0 and np.isfinite(s2)
    else:
        ok = s2.shape == (p,) and bool(np.all(s2 > 0) and np.isfinite(s2).all())
    if not ok:
        raise ValueError("s2 must be positive and finite, a number or one per query point")
    return s2


def _blocked(xc, data, s2, full_cov):
    p, n, d = xc.shape[0], data.n, data.d
    log_z, e_u2, part = np.empty(p), np.empty(p), np.empty(p)
    mean_u = np.empty((p, d))
    cov = np.empty((p, d, d)) if full_cov else None
    rows = max(BLOCK_ELEMENTS // n, MIN_BLOCK_ROWS if d > 32 else 1)
    starts = range(0, p, rows)
    per_row = np.ndim(s2) == 1
    xs = xc / (s2[:, None] if per_row else s2)
    ext = data.extended
    bias = data.log_weights - (0.0 if per_row else data.half_sq / s2)

    def block(start):
        sl = slice(start, min(start + rows, p))
        g = xs[sl] @ data.centred.T                      # x̃·u/s², BLAS (no copy)
        g += bias                                        # + log π − ½|u|²/s²
        if per_row:
            g -= np.outer(1.0 / s2[sl], data.half_sq)
        top = g.max(axis=1, keepdims=True)
        g -= top
        # Weights below e^{-80} (relative) change nothing in double precision, but their
        # subnormal squares and products made small-s² calls 4× slower: clamp them.
        np.maximum(g, LOG_FLOOR, out=g)
        np.exp(g, out=g)                                 # numpy's vectorized exp
        moments = g @ ext                                # [Σe·u, Σe·|u|², Σe] in one GEMM
        z = moments[:, -1]
        log_z[sl] = top[:, 0] + np.log(z)
        mean_u[sl] = moments[:, :d] / z[:, None]
        e_u2[sl] = moments[:, d] / z
        part[sl] = np.einsum("ij,ij->i", g, g) / z**2
        if full_cov:
            second = _second_moment(g, data.centred)
            cov[sl] = second / z[:, None, None] - mean_u[sl, :, None] * mean_u[sl, None, :]

    if len(starts) > 1 and _THREADS > 1:
        # Two threads over query blocks, BLAS at one thread each (fastest on 2 cores).
        # A fresh pool per call (~0.1 ms): nothing to go stale across forks or killed threads.
        with _BLAS.limit(limits=1, user_api="blas"), ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(block, starts))
    else:
        for start in starts:
            block(start)
    return log_z, mean_u, e_u2, part, cov


def _fused(xc, data, s2, full_cov):
    p, d = xc.shape
    inv_s2 = np.broadcast_to(1.0 / np.asarray(s2, dtype=np.float64), (p,)).copy()
    log_z, e_u2, part, mean_u = np.empty(p), np.empty(p), np.empty(p), np.empty((p, d))
    cov = np.empty((p, d, d) if full_cov else (0, d, d))
    args = (data.by_coordinate, data.half_sq, data.log_weights, full_cov)

    def rows(sl):
        _fused_rows(xc[sl], inv_s2[sl], *args, log_z[sl], mean_u[sl], e_u2[sl], part[sl],
                    cov[sl] if full_cov else cov)

    if _THREADS > 1 and p > 1 and p * data.n >= THREAD_MIN_PAIRS:
        # The kernel releases the GIL: one contiguous half of the rows per thread.
        bounds = np.linspace(0, p, _THREADS + 1).astype(int)
        with ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(rows, [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]))
    else:
        rows(slice(0, p))
    return log_z, mean_u, e_u2, part, (cov if full_cov else None)


@numba.njit(cache=True, nogil=True)
def _row_max(g):
    """max(g) with four independent running maxima (LLVM vectorizes them; one chain does not)."""
    n = g.shape[0]
    t0 = t1 = t2 = t3 = g[0]
    j = 0
    while j + 4 <= n:
        a, b, c, e = g[j], g[j + 1], g[j + 2], g[j + 3]
        t0 = a if a > t0 else t0
        t1 = b if b > t1 else t1
        t2 = c if c > t2 else t2
        t3 = e if e > t3 else t3
        j += 4
    while j < n:
        t0 = g[j] if g[j] > t0 else t0
        j += 1
    return max(max(t0, t1), max(t2, t3))


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _fused_rows(xc, inv_s2, ut, half_sq, log_w, full_cov, log_z, mean, e_u2, part, cov):
    """Posterior moments of query rows ``xc`` (centred) against centred data ``ut`` = Uᵀ (d, N).

    Per row, over the data in cache: g_j = log π_j + (x̃·u_j − ½|u_j|²)/s² (d sweeps), its
    maximum, e_j = exp(max(g_j − max, −80)) (core.fastexp), then Z = Σe, Σe·u, Σe·|u|², Σe² and
    Σe·u uᵀ.  Sums are reassociated (vectorized); each is a sum of N positive or mixed terms
    in float64, as in the BLAS path.
    """
    p, d = xc.shape
    n = ut.shape[1]
    g = np.empty(n)
    scratch = np.empty(n)
    for i in range(p):
        inv = inv_s2[i]
        for j in range(n):
            g[j] = log_w[j] - half_sq[j] * inv
        for k in range(d):
            a = xc[i, k] * inv
            for j in range(n):
                g[j] += a * ut[k, j]
        top = _row_max(g)
        exp_floored(g, top, scratch)
        z = 0.0
        sq = 0.0
        second = 0.0
        for j in range(n):
            e = g[j]
            z += e
            sq += e * e
            second += e * half_sq[j]
        log_z[i] = top + np.log(z)
        e_u2[i] = 2.0 * second / z
        part[i] = sq / (z * z)
        for k in range(d):
            acc = 0.0
            for j in range(n):
                acc += g[j] * ut[k, j]
            mean[i, k] = acc / z
        if full_cov:
            for k in range(d):
                for m in range(k, d):
                    acc = 0.0
                    for j in range(n):
                        acc += g[j] * ut[k, j] * ut[m, j]
                    c = acc / z - mean[i, k] * mean[i, m]
                    cov[i, k, m] = c
                    cov[i, m, k] = c
