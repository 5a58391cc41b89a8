"""The training page (issue 20): what its job costs, and what it measures, in one run.

    python -m bench.training

Times the whole job (16 diffusion times × 4 nested sizes trained, 7 × 4 generations, the thermodynamics of the
full model) for the preset and for larger cases; the training moments in float32 against float64 (the ratio is
why the features are float32); and the measured τ_gen, τ_mem and the exponent of τ_mem against n.
"""
from __future__ import annotations

import time

import numpy as np

from bench.timing import median_time
from core.training import Features, Moments, feature_moments

CASES = (("preset: Gaussian points, d = 4, n = 32", dict(target="gaussian_points", d=4, n=32, process="VP"), 512),
         ("the same, p = 256", dict(target="gaussian_points", d=4, n=32, process="VP"), 256),
         ("the same, p = 1,024", dict(target="gaussian_points", d=4, n=32, process="VP"), 1024),
         ("two-cluster mixture, d = 16, n = 128", dict(target="mixture_samples", d=16, n=128, process="VP"), 512),
         ("digits 0/1, d = 64, n = 300", dict(target="digits", n=300, process="VP"), 512),
         ("the cap: Gaussian points, d = 64, n = 2,048, p = 1,024",
          dict(target="gaussian_points", d=64, n=2048, process="VP"), 1024))


def jobs() -> list[dict]:
    from components.state import parse_state
    from components.timemoves import nearest_time_index
    from pages.training._figures import tau_mem_slope
    from pages.training._model import _compute
    rows = []
    for name, raw, width in CASES:
        state = parse_state({k: str(v) for k, v in raw.items()})[0]
        start = time.perf_counter()
        result = _compute(state, width)
        seconds = time.perf_counter() - start
        g = nearest_time_index(result.times, 0.05)
        rows.append(dict(case=name, seconds=seconds, t=result.times[g], sizes=result.sizes.tolist(),
                         tau_gen=result.tau_gen[:, g].tolist(), tau_mem=result.tau_mem[:, g].tolist(),
                         slope=tau_mem_slope(result, g), copies=result.copies[:, -1].tolist(),
                         copies_exact=result.copies_exact))
    return rows


def _moments64(features: Features, points, a, b, draws, rng) -> Moments:
    """The float64 reference of core.training.feature_moments (equal weights)."""
    rows = np.repeat(np.arange(len(points)), draws)
    u = v = 0.0
    for start in range(0, rows.size, 4096):
        y = points[rows[start:start + 4096]]
        eta = rng.standard_normal(y.shape)
        phi = features(a * y + b * eta)
        u, v = u + phi.T @ phi / rows.size, v + phi.T @ eta / rows.size
    return Moments(u, v, float(y.shape[1]))


def precision(repeats: int = 3) -> dict:
    rng = np.random.default_rng(0)
    features, points = Features.random(512, 16, rng), rng.standard_normal((32, 16))
    args = (features, points, 0.9, 0.3, 256)
    t32 = median_time(lambda: feature_moments(*args, np.random.default_rng(1)), repeats)
    t64 = median_time(lambda: _moments64(*args, np.random.default_rng(1)), repeats)
    diff = np.abs(feature_moments(*args, np.random.default_rng(1)).u - _moments64(*args, np.random.default_rng(1)).u)
    return dict(float32=t32, float64=t64, ratio=t64 / t32, max_u_error=float(diff.max()))


def main():
    p = precision()
    print(f"U, V for p = 512, d = 16, 8,192 inputs: float32 {p['float32'] * 1e3:.0f} ms, float64 "
          f"{p['float64'] * 1e3:.0f} ms ({p['ratio']:.1f}×), max |ΔU| {p['max_u_error']:.1e}")
    for row in jobs():
        gen = ", ".join(f"{x:.2g}" for x in row["tau_gen"])
        mem = ", ".join(f"{x:.2g}" for x in row["tau_mem"])
        slope = "—" if row["slope"] is None else f"{row['slope']:.2f}"
        print(f"{row['case']}: {row['seconds']:.1f} s; at t = {row['t']:.3g}, n = {row['sizes']}: τ_gen {gen}; "
              f"τ_mem {mem} (∝ n^{slope}); copies at τ = ∞ {[round(c, 3) for c in row['copies']]} "
              f"(exact score {row['copies_exact']:.2f})")


if __name__ == "__main__":
    main()
