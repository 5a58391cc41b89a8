"""Samplers, flow matching and guidance (issue 19): what each costs, as ratios measured in one run.

    python -m bench.samplers

Times one particles run per sampler (the page's default case), the particles page's two on-demand
experiments (sampling error against steps, the guidance sweep) and a guided entropy profile.
"""
from __future__ import annotations

import time

import numpy as np

from bench.timing import median_time
from core.dynamics import SAMPLERS, initial_particles, reverse_times, reverse_trajectories
from core.processes import Process
from core.targets import make_target


def sampler_runs(repeats: int = 3) -> list[dict]:
    """2,000 particles × 200 steps against n = 1,000 points in d = 2, per sampler and process."""
    target = make_target("gaussian_points", n=1000, d=2, seed=0)
    rows = []
    for kind in ("VE", "FM"):
        process = Process(kind)
        t_max = 25.0 if kind == "VE" else 0.95
        times = reverse_times(1e-3, t_max, 200)
        x0 = initial_particles(process, t_max, target, 2000, np.random.default_rng(0))
        base = None
        for sampler in SAMPLERS:
            seconds = median_time(lambda s=sampler, p=process, x=x0, ts=times: reverse_trajectories(
                target, p, x, ts, rng=np.random.default_rng(1), record_every=10**9, sampler=s), repeats)
            base = base or seconds
            rows.append(dict(case=f"{kind}, {sampler}", seconds=seconds, ratio=seconds / base))
    return rows


def experiments() -> list[dict]:
    """The particles page's experiments and a guided entropy profile, uncached, on the preset mixture."""
    from components.state import parse_state
    from pages.entropy._model import _compute as entropy_profile_job
    from pages.particles._model import guidance_effects, sampling_errors
    rows = []
    mixture = parse_state({"target": "mixture_samples", "process": "VP", "d": "2", "n": "1000", "r": "1.5",
                           "sc": "0.5"})[0]
    guided = {**mixture, "gc": "0", "gw": 2.0}
    for name, fn in (("sampling error, SDE (3 samplers × 6 step counts)", lambda: sampling_errors(mixture, True)),
                     ("guidance sweep (8 values of w)", lambda: guidance_effects(mixture)),
                     ("entropy profile, unguided", lambda: entropy_profile_job(mixture)),
                     ("entropy profile, guided (its own flow)", lambda: entropy_profile_job(guided))):
        start = time.perf_counter()
        fn()
        rows.append(dict(case=name, seconds=time.perf_counter() - start))
    return rows


def main() -> None:
    import app
    for row in sampler_runs():
        print(f"particles run {row['case']:>12}: {row['seconds']:.2f} s ({row['ratio']:.2f}× Euler)")
    with app.server.test_request_context():
        for row in experiments():
            print(f"{row['case']:>50}: {row['seconds']:.1f} s")


if __name__ == "__main__":
    main()
