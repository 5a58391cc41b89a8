"""Where a sampler puts its steps: the grid of times from t_max down to t_min (science.md §4).

- ``"log"``: uniform in log t (the lab's grid since the start).
- ``"karras"``: Karras, Aittala, Aila & Laine (2022, arXiv:2206.00364) eq. 5 with ρ = 7, in the noise level
  σ = s = b/a (the VE noise every process maps to through x̃ = x/a):
  σ_i = (σ_max^{1/ρ} + i/N·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, i = 0 … N — dense at low noise.
- ``"entropic"``: uniform in the conditional entropy H(y|x_t) (Stancevic, Handke & Ambrogioni 2025): every step
  carries the same information, ΔH = (H(t_max) − H(t_min))/N, by inverting the cumulative entropy rate that the
  Entropy page computes (``entropic_clock``).
"""
from __future__ import annotations

import numpy as np

from core.entropy import entropy_profile
from core.processes import Process
from core.targets import Target

SCHEDULES = ("log", "karras", "entropic")
SCHEDULE_NAMES = {"log": "uniform in log t", "karras": "Karras ρ = 7", "entropic": "entropic time"}
KARRAS_RHO = 7.0
#: Times and draws per time of the entropy clock's Monte Carlo.
CLOCK_TIMES, CLOCK_SAMPLES = 48, 400


def karras_times(process: Process, t_min: float, t_max: float, steps: int, rho: float = KARRAS_RHO) -> np.ndarray:
    """Karras et al. 2022 eq. 5 in σ = s(t), mapped back to the process's times (decreasing, steps + 1)."""
    s_max, s_min = np.sqrt(process.s2(t_max)), np.sqrt(process.s2(t_min))
    i = np.arange(steps + 1) / steps
    sigma = (s_max ** (1 / rho) + i * (s_min ** (1 / rho) - s_max ** (1 / rho))) ** rho
    times = process.time_of_s2(sigma**2)
    times[0], times[-1] = t_max, t_min
    return times


def entropic_clock(target: Target, process: Process, t_min: float, t_max: float, rng: np.random.Generator,
                   samples: int = CLOCK_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """H(y|x_t) − H(y|x_{t_min}) on CLOCK_TIMES log-spaced times (increasing): the trapezoid integral of the
    Monte Carlo rate Ḣ = ½ ν² E tr C / s⁴ (Ambrogioni 2025 eq. 17), made non-decreasing (Ḣ ≥ 0; its noise is not)."""
    times = np.geomspace(t_min, t_max, CLOCK_TIMES)
    profile = entropy_profile(target, process, times, samples, rng)
    rate = np.maximum(profile.rate, 0.0)
    return times, np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(times))])


def entropic_times(clock: tuple[np.ndarray, np.ndarray], steps: int) -> np.ndarray:
    """Times (decreasing, steps + 1) at equal steps of the clock's H, by linear interpolation in (H, log t).

    Where H is flat (no information produced: below a discrete target's collapse, or at t ≫ t_s) its times are
    spread in log t over the flat stretch, so the grid stays ordered; the equal-entropy property holds wherever H
    rises."""
    times, h = clock
    total = h[-1]
    if not total > 0:
        return np.geomspace(times[-1], times[0], steps + 1)
    # strictly increasing for the inversion: a ramp of 10⁻⁹ of the total across the grid breaks the ties
    h = h + 1e-9 * total * np.linspace(0.0, 1.0, h.size)
    wanted = np.linspace(h[-1], h[0], steps + 1)
    out = np.exp(np.interp(wanted, h, np.log(times)))
    out[0], out[-1] = times[-1], times[0]
    return out


def step_times(schedule: str, process: Process, t_min: float, t_max: float, steps: int, clock=None) -> np.ndarray:
    """The sampler's grid for ``schedule`` (one of SCHEDULES), decreasing from t_max to t_min, steps + 1 times;
    ``clock`` is ``entropic_clock``'s answer (needed for "entropic")."""
    if schedule == "log":
        return np.geomspace(t_max, t_min, int(steps) + 1)
    if schedule == "karras":
        return karras_times(process, t_min, t_max, int(steps))
    if schedule == "entropic":
        if clock is None:
            raise ValueError("the entropic schedule needs the entropy clock (entropic_clock)")
        return entropic_times(clock, int(steps))
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
