"""Size and range caps that keep one request within a few hundred MB and a few seconds.

Measured on the 2-core machine (bench/kernel.py): the kernel costs about 7 ns per
(query, data point) pair at d ≤ 100 and ~45 ns at d = 1,000, and holds two 8 MB blocks at
a time; a dataset costs 16·N·d bytes (the points and their centred copy).
"""
from __future__ import annotations

#: Time range of the sliders (the lab never evaluates at t = 0: the score diverges there).
T_MIN, T_MAX = 1e-3, 1e2
#: Latest time of flow matching, t < 1 (a = 1 − t vanishes at 1): s² = t²/(1 − t)² ≈ 10⁶ there.
FM_T_MAX = 0.999
#: Dimension, sample count and their product (N·d ≤ 1.024e7: 160 MB of data) — at most the shape of Biroli et al.
#: 2024's MNIST row, n = 10,000 images of 32 × 32.
D_MAX, N_MAX, ND_MAX = 1_024, 100_000, 10_240_000
#: Query points per request and the work P·N·d of one kernel call (~2 s at d = 100).
P_MAX, PND_MAX = 40_000, 2 * 10**10
#: Largest |coordinate| of drawn or uploaded points.  The kernels square distances (|x − y|² summed over
#: d ≤ 1,000 dimensions) and the figures travel in single precision (≤ 3.4e38): points at ±1e150 made the
#: landscape's covariance singular and its figure infinite.  At 1e6 the free energy |x|²/2s² stays below
#: 1e18 even at the smallest s² (t = 1e-3, σ = 0.05) — ample for any data a user rescales to the lab's times.
COORD_MAX = 1e6
#: Noise scale of the VE process.
SIGMA_MIN, SIGMA_MAX = 0.05, 20.0
#: Target shape parameters: scale r, weight π₊ of the first delta, cluster width σ_c.
R_MIN, R_MAX = 0.05, 20.0
PW_MIN, PW_MAX = 0.01, 0.99
SC_MIN, SC_MAX = 0.0, 10.0
SEED_MAX = 2**31 - 1
#: Probe field h along the symmetry axis (bifurcation page).
H_MIN, H_MAX = -5.0, 5.0


def max_queries(n: int, d: int) -> int:
    """Largest P allowed against N = n points in d dims: min(P_MAX, PND_MAX / (n·d))."""
    return int(max(1, min(P_MAX, PND_MAX // max(1, n * d))))
#: Diffused Ising model and generative bath (ising page): spins, coupling J, Ising temperature T,
#: replicas K (K = 5,000 runs in ~4 s) and bath coupling w.
SPINS_MAX = 1_000
J_MIN, J_MAX = 0.0, 3.0
TEMP_MIN, TEMP_MAX = 0.05, 5.0
K_MIN, K_MAX = 2, 5_000
W_MIN, W_MAX = 0.1, 3.0
