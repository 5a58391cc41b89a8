"""Forward noising processes mapped onto one posterior kernel (SCIENCE.md §1).

Each process is ``x_t = a(t)·y + b(t)·z``.  Every quantity the lab computes uses the
effective (VE-like) coordinates ``x̃ = x / a`` and noise variance ``s² = b² / a²``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROCESS_KINDS = ("VE", "VP")


@dataclass(frozen=True)
class Process:
    """A forward process.

    Parameters
    ----------
    kind : {"VE", "VP"}
        ``VE``: a = 1, b² = σ²t (Brownian).  ``VP``: a = e^{-t}, b² = 1 − e^{-2t}
        (Ornstein–Uhlenbeck, seed 003).
    sigma : float
        Noise scale σ of the VE process (ignored by VP).
    """

    kind: str = "VE"
    sigma: float = 1.0

    def __post_init__(self):
        if self.kind not in PROCESS_KINDS:
            raise ValueError(f"process kind must be one of {PROCESS_KINDS}, got {self.kind!r}")
        if not np.isfinite(self.sigma) or self.sigma <= 0:
            raise ValueError(f"sigma must be positive and finite, got {self.sigma!r}")

    def a(self, t):
        """Signal scale a(t)."""
        t = np.asarray(t, dtype=float)
        return np.ones_like(t) if self.kind == "VE" else np.exp(-t)

    def b2(self, t):
        """Noise variance b(t)²: σ²t (VE) or −expm1(−2t) = 1 − e^{−2t} (VP)."""
        t = np.asarray(t, dtype=float)
        return self.sigma**2 * t if self.kind == "VE" else -np.expm1(-2.0 * t)

    def s2(self, t):
        """Effective noise variance s² = b²/a²: σ²t (VE) or e^{2t} − 1 (VP)."""
        t = np.asarray(t, dtype=float)
        return self.sigma**2 * t if self.kind == "VE" else np.expm1(2.0 * t)

    def nu2(self, t):
        """ν(t)² = d(b²/a²)/dt (SCIENCE.md §1): σ² (VE) or 2e^{2t} (VP)."""
        t = np.asarray(t, dtype=float)
        return np.full_like(t, self.sigma**2) if self.kind == "VE" else 2.0 * np.exp(2.0 * t)

    def dlog_a(self, t):
        """d(log a)/dt: 0 (VE) or −1 (VP).  The marginal entropy rate of x_t = a·x̃ gains D·d(log a)/dt
        over that of x̃ (SCIENCE.md §9)."""
        t = np.asarray(t, dtype=float)
        return np.zeros_like(t) if self.kind == "VE" else np.full_like(t, -1.0)

    def beta(self, t):
        """Inverse temperature β(t) = 1/s²(t) of the Boltzmann weights (seed 000 §4)."""
        return 1.0 / self.s2(t)

    def time_of_s2(self, s2):
        """Inverse of s²(t): the time at which the effective noise variance equals ``s2``."""
        s2 = np.asarray(s2, dtype=float)
        return s2 / self.sigma**2 if self.kind == "VE" else 0.5 * np.log1p(s2)


def time_grid(t_min: float, t_max: float, n: int) -> np.ndarray:
    """``n`` log-spaced times from ``t_min`` to ``t_max`` (dense near t_min, SCIENCE.md §4)."""
    if not (0 < t_min < t_max) or n < 2:
        raise ValueError("need 0 < t_min < t_max and n >= 2")
    return np.geomspace(t_min, t_max, int(n))
