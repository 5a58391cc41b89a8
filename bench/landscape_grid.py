"""How fine the landscape's map must be: F̃ on a coarser grid, drawn as the browser draws it, against the fine one.

    python -m bench.landscape_grid

plotly draws the map (a contour trace coloured as a heatmap) by interpolating its grid; for each target and time the
map on an ``n``-point side is interpolated bilinearly onto the 200-point grid and compared with F̃ computed there,
relative to one of the map's 28 contour levels (the finest step of colour the eye is shown): the 99.9th percentile
over the grid and the largest, worst over the times.  Also: the answer's
bytes as the release sends them (the z grid, float32 in base64) and the map's compute time.
"""
from __future__ import annotations

import json
import time

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from components.state import default_state, model_of, process_of, target_of
from pages.landscape._model import view_grid

CASES = {"four deltas (circle)": default_state("circle"), "two deltas, d = 2": default_state("two_deltas").replace(d=2),
         "50 points on a sphere, d = 10": default_state("sphere_points").replace(n=50, d=10),
         "1,000 Gaussian points, d = 2": default_state("gaussian_points").replace(n=1000, d=2),
         "mixture, 200 points, d = 3": default_state("mixture_samples").replace(n=200, d=3)}
TIMES = (0.003, 0.03, 0.1, 0.3, 1.0, 3.0)
SIDES = (200, 160, 140, 120, 100)
LEVELS = 28


def _map(state, side, s2):
    target, model = target_of(state), model_of(state)
    grid = view_grid(target, side**2 * (target.data.n if target.is_discrete else 64), (side, side))
    start = time.perf_counter()
    f = grid.landscape(model, s2).free_energy.reshape(side, side)
    return grid.axis, f, time.perf_counter() - start


def run() -> dict:
    out = {}
    for name, state in CASES.items():
        process = process_of(state)
        rows = {side: {"worst_levels": 0.0, "max_levels": 0.0, "seconds": 0.0} for side in SIDES}
        for t in TIMES:
            s2 = float(process.s2(t))
            axis, fine, _ = _map(state, SIDES[0], s2)
            step = (np.percentile(fine, 99) - fine.min()) / LEVELS       # the contour levels' step, outliers aside
            uu, vv = np.meshgrid(axis, axis, indexing="xy")
            for side in SIDES:
                coarse_axis, coarse, seconds = _map(state, side, s2)
                # the coarse grid spans the same square: interpolate (rows are v, columns u)
                shown = RegularGridInterpolator((coarse_axis, coarse_axis), coarse)(np.column_stack([vv.ravel(),
                                                                                                     uu.ravel()]))
                error = np.abs(shown.reshape(fine.shape) - fine)
                rows[side]["worst_levels"] = max(rows[side]["worst_levels"], float(np.percentile(error, 99.9) / step))
                rows[side]["max_levels"] = max(rows[side]["max_levels"], float(error.max() / step))
                rows[side]["seconds"] += seconds / len(TIMES)
        out[name] = {str(side): dict(worst_levels=round(r["worst_levels"], 3), max_levels=round(r["max_levels"], 3),
                                     ms=round(1e3 * r["seconds"], 1),
                                     z_kb=round(4 * side**2 * 4 / 3 / 1e3)) for side, r in rows.items()}
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
