"""The manager that runs long callbacks in the background (Dash's standard path).

DiskcacheManager: each job runs in a forked process and reports progress through a
diskcache folder on this machine (``BACKGROUND_CACHE_DIR``).
"""
from __future__ import annotations

import os
import tempfile

import diskcache
from dash import DiskcacheManager, no_update

from components.bifurcation_data import paths_key
from components.state import state_from_store


def background_manager() -> DiskcacheManager:
    """A DiskcacheManager on ``BACKGROUND_CACHE_DIR`` (default: a folder in the temp dir)."""
    folder = os.environ.get("BACKGROUND_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-jobs"))
    return DiskcacheManager(diskcache.Cache(folder), expire=600)


def time_free_key(data, current):
    """Callback body for a page's key store: the state without t, or no_update when unchanged,
    so moving the time slider never restarts the page's background job."""
    key = repr(paths_key(state_from_store(data)))
    return no_update if key == current else key
