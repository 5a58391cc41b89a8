"""Time of the bifurcation page's computations (uncached): the exact two-delta diagram with
its exponents, and the continuation of 64 paths in d = 10."""
from __future__ import annotations

import numpy as np

from bench.timing import median_time
from components.state import parse_state
from pages.bifurcation._model import AxisResult, PathsResult, _compute, variant_of

CASES = {
    "two-delta diagram + exponents": ({"target": "two_deltas"}, 0.1),
    "continuation, 64 points in d = 10": ({"target": "gaussian_points", "n": "64", "d": "10"}, 2.0),
    "continuation, four deltas": ({"target": "circle"}, 2.0),
}


def run(repeats: int = 3) -> list[dict]:
    rows = []
    for name, (raw, target_s) in CASES.items():
        state, _ = parse_state(raw)
        assert variant_of(state) in (AxisResult, PathsResult)
        seconds = median_time(lambda s=state: _compute(s, None), repeats)
        rows.append(dict(case=name, seconds=float(seconds), target_s=target_s))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r, "✓" if r["seconds"] <= r["target_s"] else "✗", np.round(r["seconds"], 3))
