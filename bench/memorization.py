"""Memorization page: Y(t) for N = 100,000 points in d = 100 over 50 times, and the REM panel
at M = 20 (about a million points)."""
from __future__ import annotations

import time

import numpy as np

from core.memorization import BETA_C, participation_at_typical_points, rem_participation
from core.processes import Process
from core.targets import make_target


def run() -> list[dict]:
    target = make_target("gaussian_points", n=100_000, d=100, seed=0)
    proc = Process("VE")
    times = np.geomspace(1e-3, 1e2, 50)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    participation_at_typical_points(target, proc, times, 20, rng)
    y_seconds = time.perf_counter() - start
    start = time.perf_counter()
    rem_participation(20, np.linspace(0.25, 3.0, 23) * BETA_C, 4, rng, d=400)
    rem_seconds = time.perf_counter() - start
    return [dict(case="Y(t), N = 100,000, d = 100, 50 times (20 points each)", seconds=y_seconds, target_s=2.0),
            dict(case="REM panel at M = 20 (4 datasets × 23 β̃)", seconds=rem_seconds, target_s=5.0)]


if __name__ == "__main__":
    for row in run():
        print(row)
