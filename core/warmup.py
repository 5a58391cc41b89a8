"""Compile (or load from the numba cache) every kernel signature the lab uses.

Called once at server start (app.py, and gunicorn's ``--preload`` master) so that no user
request pays for JIT compilation.
"""
from __future__ import annotations

import time

import numpy as np

from core.bath import heat_bath
from core.dynamics import reverse_trajectories
from core.ising import curie_weiss_couplings, curie_weiss_log_dos, enumerate_log_dos, line_magnetization
from core.landscape import fixed_points
from core.posterior import DiscreteData, empirical_posterior
from core.processes import Process
from core.targets import make_target


def warm_kernels() -> float:
    """Run each numba kernel once on tiny inputs; return the seconds it took."""
    start = time.perf_counter()
    tiny = DiscreteData(np.array([[1.0], [-1.0]]), np.ones(2))
    for full_cov in (False, True):
        empirical_posterior(np.zeros((3, 1)), 1.0, tiny, full_cov)
    deltas = make_target("two_deltas", d=1)
    fixed_points(deltas, 0.3, np.array([[0.5], [0.5], [-0.5]]))
    for sde in (True, False):
        reverse_trajectories(deltas, Process("VE"), np.zeros((2, 1)), np.array([1.0, 0.5, 0.1]), sde=sde,
                             rng=np.random.default_rng(0))
    enumerate_log_dos(curie_weiss_couplings(2, 1.0), 1.0)
    line_magnetization(curie_weiss_log_dos(2, 1.0, 1.0), 0.1, 1.0)
    heat_bath(2, 1.0, [1.0], sweeps=1, burn=0)
    return time.perf_counter() - start
