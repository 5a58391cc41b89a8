"""The manager that runs long callbacks in the background (Dash's standard path).

DiskcacheManager: each job runs in a forked process and reports progress through a
diskcache folder on this machine (``BACKGROUND_CACHE_DIR``).
"""
from __future__ import annotations

import os
import tempfile

import diskcache
from dash import DiskcacheManager


def background_manager() -> DiskcacheManager:
    """A DiskcacheManager on ``BACKGROUND_CACHE_DIR`` (default: a folder in the temp dir)."""
    folder = os.environ.get("BACKGROUND_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-jobs"))
    return DiskcacheManager(diskcache.Cache(folder), expire=600)
