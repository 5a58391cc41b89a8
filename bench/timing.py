"""Timing and memory helpers for the benchmarks."""
from __future__ import annotations

import time
import tracemalloc

import numpy as np


def median_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def peak_memory(fn) -> int:
    """Peak bytes numpy allocates during ``fn()`` (numpy reports to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def percentiles(samples, qs=(50, 95)) -> dict:
    """{'p50': …, 'p95': …} of ``samples``."""
    return {f"p{q}": float(np.percentile(samples, q)) for q in qs}
