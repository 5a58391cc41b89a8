"""The Monte Carlo pages' jobs, uncached: the entropy profile and the memorization panels for
discrete targets at the dimensions the pages live in (the posterior kernel dominates both).

    python -m bench.monte_carlo            # this checkout
To compare kernels, run the same module from a checkout of the other version in the same session
(docs/performance.md, Benchmarks: the before/after rows were measured that way, alternating).
"""
from __future__ import annotations

import json
import sys
import time

from components.state import default_state
from pages.entropy import _model as entropy_data
from pages.memorization import _model as memorization_data

CASES = [("entropy", "gaussian_points", dict(n=1000, d=2)), ("entropy", "gaussian_points", dict(n=200, d=10)),
         ("entropy", "mixture_samples", dict(n=2000, d=2)),
         ("memorization", "gaussian_points", dict(n=1000, d=2)), ("memorization", "mixture_samples", dict(n=2000, d=8))]


def run(repeats: int = 2) -> list[dict]:
    rows = []
    for page, target, shape in CASES:
        state = {**default_state(target), **shape}
        compute = entropy_data._compute if page == "entropy" else memorization_data._compute
        compute(state, None)                                   # warm the target and any lazy import
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            compute(state, None)
            best = min(best, time.perf_counter() - start)
        rows.append(dict(page=page, target=target, **shape, seconds=best))
    return rows


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=1)
    print()
