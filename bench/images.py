"""The Images page's experiment (Biroli et al. 2024 Table 1, Figs. 4–5) on Fashion-MNIST: its wall time at the
default size and at the paper's MNIST size, the kernel's cost per step, and what it measures.

    python -m bench.images            # default (n = 2,000) and the paper's size (n = 10,000), VP
    python -m bench.images --quick    # the default only

Writes bench/results/images.json (docs/performance.md cites it).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bench.__main__ import machine
from components.state import parse_state, target_of
from core.posterior import empirical_posterior

RESULTS = Path(__file__).parent / "results" / "images.json"


def kernel_step(n: int, side: int, pairs: int, repeats: int = 5) -> float:
    """Seconds of one posterior-mean evaluation for ``pairs`` queries against n images of side² pixels."""
    target = target_of(parse_state({"target": "fashion_mnist", "n": n, "side": side})[0])
    x = target.data.points[:pairs] + 0.5 * np.random.default_rng(0).standard_normal((pairs, target.d))
    empirical_posterior(x, 0.25, target.data, full_cov=False)
    start = time.perf_counter()
    for _ in range(repeats):
        empirical_posterior(x, 0.25, target.data, full_cov=False)
    return (time.perf_counter() - start) / repeats


def experiment(n: int, side: int) -> dict:
    """The page's job on Fashion-MNIST T-shirt/top vs trouser under VP, timed, and its headline numbers."""
    from pages.images import _model
    state = parse_state({"target": "fashion_mnist", "n": n, "side": side, "process": "VP"})[0]
    start = time.perf_counter()
    result = _model._compute(_model.JOB.inputs(state))
    seconds = time.perf_counter() - start
    reg = result.regimes
    near = int(np.argmin(np.abs(np.log(reg.clone_times / reg.t_s))))
    return dict(n=n, d=side * side, pairs=result.pairs, seconds=seconds, t_s=reg.t_s,
                clone_times=reg.clone_times.tolist(), phi=reg.phi.tolist(), phi_c=reg.phi_c.tolist(),
                phi_nearest_t_s=[float(reg.clone_times[near]), float(reg.phi[near])],
                t_c_mean=result.t_c_measured, t_c_entropy=reg.t_c_entropy,
                collapsed=float(np.isfinite(reg.collapse).mean()),
                curves=[dict(name=c.name, n=c.n, d=c.d, t_s=c.t_s) for c in result.curves])


def main() -> None:
    import app as lab
    from components.background import in_a_job_process
    in_a_job_process()               # as the page's job runs: BLAS on every core, niced below the web server
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with lab.app.server.test_request_context():
        out = dict(machine=machine(),
                   kernel_step_s={f"n={n}, d={side * side}, P={p}": kernel_step(n, side, p)
                                  for n, side, p in ((2_000, 32, 400), (10_000, 32, 80), (10_000, 32, 400))},
                   runs=[experiment(n, 32) for n in ((2_000,) if args.quick else (2_000, 10_000))])
    print(json.dumps(out, indent=1))
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
