"""Uploaded datasets kept on the server, named by the hash of their content (never by the
user's file name) so that a link ``?target=custom&pts=@KEY`` can share them.  They live in the
lab's cache (FileSystemCache or Redis) for ``DATASET_TIMEOUT`` seconds."""
from __future__ import annotations

import hashlib
import os

import numpy as np

from components.cache import SHARED

DATASET_TIMEOUT = int(os.environ.get("DATASET_TIMEOUT", str(7 * 24 * 3600)))


def dataset_key(points: np.ndarray, weights: np.ndarray) -> str:
    """16 hex digits of the SHA-256 of the arrays' bytes and shape."""
    digest = hashlib.sha256()
    for a in (points, weights):
        a = np.ascontiguousarray(a, dtype="<f8")
        digest.update(str(a.shape).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:16]


def store_dataset(points: np.ndarray, weights: np.ndarray) -> str:
    """Keep a validated dataset; returns its key (the same content always gets the same key)."""
    key = dataset_key(points, weights)
    # stored as float64 arrays; flask-caching pickles them, but only arrays the server itself built
    SHARED.set(f"dataset:{key}", (np.asarray(points, float), np.asarray(weights, float)), timeout=DATASET_TIMEOUT)
    return key


def load_dataset(key: str):
    """(points, weights) for ``key``, or None when it is not (or no longer) stored."""
    return SHARED.get(f"dataset:{key}")

