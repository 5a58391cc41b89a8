"""An exponential that numba vectorizes, for the relative log-weights of the posterior kernel.

numba's ``math.exp`` is a scalar libm call (~8 ns per element here); this one is straight-line
arithmetic that LLVM turns into SIMD code (~1 ns per element).  Standard construction
(Cody & Waite range reduction; Muller, *Elementary Functions*, ch. 11):

    x = k·ln 2 + r,  k = round(x/ln 2),  |r| ≤ ½ ln 2,
    eʳ ≈ Σ_{n=0}^{13} rⁿ/n!   (truncation error ≤ (½ ln 2)¹⁴/14! ≈ 5·10⁻¹⁸, below an ulp),
    eˣ = 2ᵏ·eʳ,  2ᵏ built from its exponent bits.

ln 2 is split in two (hi + lo) so that k·ln 2 is exact enough for |k| ≤ 116.  The domain is the
kernel's: x ∈ [LOG_FLOOR, 0], x clamped to the floor below it (weights under e⁻⁸⁰ of the largest
change nothing in double precision).  Error ≤ 1 ulp over the domain (tests/test_fastexp.py).
"""
from __future__ import annotations

import math

import numba
import numpy as np

#: Smallest argument: e^{-80} ≈ 1.8e-35 of the largest weight (the kernel's floor).
LOG_FLOOR = -80.0
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01      # fdlibm's split of ln 2: hi has 32 significant bits
_LN2_LO = 1.90821492927058770002e-10
#: 1.5·2⁵², plus the exponent bias: adding it to an integer-valued k leaves k + 1023 in the low bits.
_EXPONENT_SHIFTER = 6755399441055744.0 + 1023.0


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def exp_floored(g, shift, scratch):
    """Overwrite ``g`` with exp(max(g − shift, LOG_FLOOR)), for g ≤ shift; ``scratch`` is a float64
    array at least as long as g.

    Three passes that LLVM vectorizes: reduction and polynomial, exponent bits, scaling.
    """
    n = g.shape[0]
    for j in range(n):
        t = max(g[j] - shift, LOG_FLOOR)
        k = math.floor(t * _LOG2E + 0.5)
        r = (t - k * _LN2_HI) - k * _LN2_LO
        p = 1.0 / 6227020800.0                # 1/13!
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        g[j] = p * r + 1.0
        scratch[j] = k + _EXPONENT_SHIFTER
    bits = scratch[:n].view(np.int64)
    for j in range(n):
        bits[j] = bits[j] << 52                # the low bits (k + 1023) become the exponent field
    for j in range(n):
        g[j] *= scratch[j]
