"""Random streams for Monte Carlo, independent of the datasets drawn with the same seed.

A finite dataset is drawn with ``np.random.default_rng(seed)`` (``core.targets``).  A Monte Carlo run
that used the same generator replayed the dataset's own noise: the particles' starting noise of a
run of n particles on n mixture samples equalled the samples' deviations from their centres, and
the probability-flow ODE then carried particle i straight onto training point i (collapse at
t ≈ 2 instead of eq. 10's t_C ≈ 1.0 for d = 100, n = 1,000).  Each purpose gets its own stream.
"""
from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, purpose: str, *more: int) -> np.random.Generator:
    """Generator for ``purpose`` (e.g. "particles") under the lab's ``seed``: a SeedSequence of
    (crc32(purpose), seed, *more), never the dataset's own stream ``default_rng(seed)``."""
    return np.random.default_rng([zlib.crc32(purpose.encode()), int(seed), *(int(m) for m in more)])
