"""Guidance over time: schedules w(t) for classifier-free guidance (science.md §9).

A schedule gives the guidance strength at the noise level of time t, read as u = s²(t)/Λ: the effective noise
variance s² = b²/a² over the target's top covariance eigenvalue Λ.  u does not depend on the process (VE, VP and
FM at one u see the same posterior), and u = 1 is the speciation point a²Λ = b² (Biroli et al. 2024, eq. 3).

Why a schedule matters (science.md §9): along the class axis the guided score's slope is
−(1/Γ)(1 + w·a²|m|²(1 − tanh²)/Γ); it differs from the class's own only while the other class still pulls
(1 − tanh² > 0), around and after speciation.  A constant w > 0 steepens the well there and shrinks the
samples' spread along the axis; guidance before speciation (u ≥ 1) chooses the class while the well is still
shallow, and negative guidance in the window after it widens the well back.

- ``ConstantGuidance``: w at every time (Ho & Salimans 2022).
- ``IntervalGuidance``: w only in the band BAND_LOW ≤ u ≤ BAND_HIGH around speciation, 0 outside
  (guidance limited to an interval of noise levels, Kynkäänniemi et al. 2024).
- ``WindowGuidance``: w before speciation (u ≥ 1), w_neg ≤ 0 in the window BAND_LOW ≤ u < 1 after it, 0 below
  (the shape of Ventura, Achilli, Ambrogioni & Lucibello 2026's schedule, a negative-guidance window; where the
  lab places the window, in units of Λ, is its own choice, measured on the Particles page).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The band of noise levels u = s²/Λ around speciation in which the interval schedule guides and below whose
#: top (u = 1) the window schedule guides negatively.
BAND_LOW, BAND_HIGH = 0.25, 4.0
#: The schedules the lab offers, by name (the state's "gs" field), and how the lab names them to a reader.
SCHEDULE_NAMES = ("constant", "interval", "window")
SCHEDULE_LABELS = {"constant": "constant w", "interval": f"interval {BAND_LOW:g}Λ ≤ s² ≤ {BAND_HIGH:g}Λ",
                   "window": "negative window"}


def _signed(w: float) -> str:
    """A strength as text, with a true minus sign."""
    return f"{w:g}".replace("-", "−")


@dataclass(frozen=True)
class ConstantGuidance:
    """w(u) = w at every noise level."""

    w: float

    def at(self, u):
        """The guidance strength at noise level u = s²/Λ (scalar or array)."""
        return np.full(np.shape(u), self.w)[()]

    @property
    def key(self) -> tuple:
        """What the schedule is, as a hashable cache key."""
        return ("constant", self.w)

    @property
    def largest(self) -> float:
        """The largest |w| the schedule uses (how far the guided drift can reach)."""
        return abs(self.w)

    def describe(self) -> str:
        """The schedule in words, as captions say it."""
        return f"w = {_signed(self.w)}"


@dataclass(frozen=True)
class IntervalGuidance:
    """w(u) = w for BAND_LOW ≤ u ≤ BAND_HIGH, else 0."""

    w: float

    def at(self, u):
        """The guidance strength at noise level u = s²/Λ."""
        u = np.asarray(u, float)
        return np.where((u >= BAND_LOW) & (u <= BAND_HIGH), self.w, 0.0)[()]

    @property
    def key(self) -> tuple:
        return ("interval", self.w)

    @property
    def largest(self) -> float:
        return abs(self.w)

    def describe(self) -> str:
        """The schedule in words."""
        return f"w = {_signed(self.w)} for {BAND_LOW:g}Λ ≤ s² ≤ {BAND_HIGH:g}Λ, else 0"


@dataclass(frozen=True)
class WindowGuidance:
    """w(u) = w for u ≥ 1 (before speciation), w_neg for BAND_LOW ≤ u < 1, 0 below."""

    w: float
    w_neg: float

    def __post_init__(self):
        if not self.w_neg <= 0:
            raise ValueError(f"the window's guidance must be negative or zero, got {self.w_neg!r}")

    def at(self, u):
        """The guidance strength at noise level u = s²/Λ."""
        u = np.asarray(u, float)
        return np.where(u >= 1.0, self.w, np.where(u >= BAND_LOW, self.w_neg, 0.0))[()]

    @property
    def key(self) -> tuple:
        return ("window", self.w, self.w_neg)

    @property
    def largest(self) -> float:
        return max(abs(self.w), abs(self.w_neg))

    def describe(self) -> str:
        """The schedule in words."""
        return f"w = {_signed(self.w)} for s² ≥ Λ, {_signed(self.w_neg)} for {BAND_LOW:g}Λ ≤ s² < Λ, else 0"


GuidanceSchedule = ConstantGuidance | IntervalGuidance | WindowGuidance


def make_schedule(name: str, w: float, w_neg: float = 0.0) -> GuidanceSchedule:
    """The schedule called ``name`` (one of SCHEDULE_NAMES) with strength w (and the window's w_neg)."""
    if name == "constant":
        return ConstantGuidance(float(w))
    if name == "interval":
        return IntervalGuidance(float(w))
    if name == "window":
        return WindowGuidance(float(w), float(w_neg))
    raise ValueError(f"guidance schedule must be one of {SCHEDULE_NAMES}, got {name!r}")
