"""Forward noising processes mapped onto one posterior kernel (science.md §1).

Each process is ``x_t = a(t)·y + b(t)·z``.  Every quantity the lab computes uses the
effective (VE-like) coordinates ``x̃ = x / a`` and noise variance ``s² = b² / a²``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import limits

PROCESS_KINDS = ("VE", "VP", "FM")


@dataclass(frozen=True)
class Process:
    """A forward process.

    Parameters
    ----------
    kind : {"VE", "VP", "FM"}
        ``VE``: a = 1, b² = σ²t (Brownian).  ``VP``: a = e^{-t}, b² = 1 − e^{-2t}
        (Ornstein–Uhlenbeck, Biroli et al. 2024).  ``FM``: a = 1 − t, b = t, t < 1 (the linear
        interpolant of flow matching, science.md §9).
    sigma : float
        Noise scale σ of the VE process (ignored by VP and FM).
    """

    kind: str = "VE"
    sigma: float = 1.0

    def __post_init__(self):
        if self.kind not in PROCESS_KINDS:
            raise ValueError(f"process kind must be one of {PROCESS_KINDS}, got {self.kind!r}")
        if not np.isfinite(self.sigma) or self.sigma <= 0:
            raise ValueError(f"sigma must be positive and finite, got {self.sigma!r}")

    @property
    def t_max(self) -> float:
        """Latest time the lab evaluates: limits.T_MAX, or limits.FM_T_MAX < 1 for FM (a(1) = 0)."""
        return limits.FM_T_MAX if self.kind == "FM" else limits.T_MAX

    def a(self, t):
        """Signal scale a(t): 1 (VE), e^{−t} (VP), 1 − t (FM)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "VE":
            return np.ones_like(t)
        return np.exp(-t) if self.kind == "VP" else 1.0 - t

    def b2(self, t):
        """Noise variance b(t)²: σ²t (VE), −expm1(−2t) = 1 − e^{−2t} (VP), t² (FM)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "VE":
            return self.sigma**2 * t
        return -np.expm1(-2.0 * t) if self.kind == "VP" else t * t

    def s2(self, t):
        """Effective noise variance s² = b²/a²: σ²t (VE), e^{2t} − 1 (VP), t²/(1 − t)² (FM)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "VE":
            return self.sigma**2 * t
        return np.expm1(2.0 * t) if self.kind == "VP" else (t / (1.0 - t)) ** 2

    def nu2(self, t):
        """ν(t)² = d(b²/a²)/dt (science.md §1): σ² (VE), 2e^{2t} (VP), 2t/(1 − t)³ (FM)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "VE":
            return np.full_like(t, self.sigma**2)
        return 2.0 * np.exp(2.0 * t) if self.kind == "VP" else 2.0 * t / (1.0 - t) ** 3

    def dlog_a(self, t):
        """d(log a)/dt: 0 (VE), −1 (VP), −1/(1 − t) (FM).  The marginal entropy rate of x_t = a·x̃
        gains D·d(log a)/dt over that of x̃ (science.md §9)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "VE":
            return np.zeros_like(t)
        return np.full_like(t, -1.0) if self.kind == "VP" else -1.0 / (1.0 - t)

    def g2(self, t):
        """Squared diffusion g² of the forward SDE dx = (ȧ/a)x dt + g dW with these marginals:
        g² = d(b²)/dt − 2(ȧ/a)b² = a²·ν² (science.md §9): σ² (VE), 2 (VP), 2t/(1 − t) (FM)."""
        return self.a(t) ** 2 * self.nu2(t)

    def beta(self, t):
        """Inverse temperature β(t) = 1/s²(t) of the Boltzmann weights (Ambrogioni 2023 §4)."""
        return 1.0 / self.s2(t)

    def time_of_s2(self, s2):
        """Inverse of s²(t): the time at which the effective noise variance equals ``s2``."""
        s2 = np.asarray(s2, dtype=float)
        if self.kind == "VE":
            return s2 / self.sigma**2
        if self.kind == "VP":
            return 0.5 * np.log1p(s2)
        s = np.sqrt(s2)
        return s / (1.0 + s)


#: The Ornstein–Uhlenbeck process of Biroli et al. 2024, whose times its formulas quote.
VP = Process("VP")


def time_grid(t_min: float, t_max: float, n: int) -> np.ndarray:
    """``n`` log-spaced times from ``t_min`` to ``t_max`` (dense near t_min, science.md §4)."""
    if not (0 < t_min < t_max) or n < 2:
        raise ValueError("need 0 < t_min < t_max and n >= 2")
    return np.geomspace(t_min, t_max, int(n))
