"""Ising page: enumeration of 2^16 states plus a 100-point time sweep of the fixed points, and the
generative bath's heat-bath Monte Carlo at K = 1,000 (the page's job also runs K = 10 and 100)."""
from __future__ import annotations

import time

import numpy as np

from core.bath import heat_bath
from core.ising import magnetization_log_dos, target_top_eigenvalue, uniform_fixed_points
from core.warmup import warm_kernels
from pages.ising._model import BATH_T


def run() -> list[dict]:
    warm_kernels()
    start = time.perf_counter()
    log_dos = magnetization_log_dos(16, 1.0, 1.5)
    lam = target_top_eigenvalue(log_dos)
    uniform_fixed_points(log_dos, np.geomspace(0.01, 8.0, 100) * max(lam, 1.0))
    sweep = time.perf_counter() - start
    steps = []
    start = time.perf_counter()
    heat_bath(1000, 1.0, BATH_T, seed=0, progress=lambda i, n: steps.append(i))
    mc = time.perf_counter() - start
    return [dict(case="Ising: enumerate 2^16 states + 100-time fixed-point sweep", seconds=sweep, target_s=1.0),
            dict(case=f"generative bath: K = 1,000, {len(BATH_T)} temperatures × 750 sweeps "
                      f"({len(steps)} progress reports)", seconds=mc, target_s=5.0)]


if __name__ == "__main__":
    for row in run():
        print(row)
