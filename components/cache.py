"""flask-caching for the expensive core calls.

A FileSystemCache by default (shared by the gunicorn workers of one container), Redis when
``CACHE_REDIS_URL`` is set.  Memoize only functions of scalars and tuples: flask-caching
keys on the arguments' text, and numpy prints long arrays with '...' (DASH-NOTES).
"""
from __future__ import annotations

import os
import tempfile

from flask_caching import Cache

cache = Cache()


def cache_config() -> dict:
    """The flask-caching configuration chosen from the environment."""
    timeout = int(os.environ.get("CACHE_TIMEOUT", "3600"))
    redis_url = os.environ.get("CACHE_REDIS_URL")
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                "CACHE_DEFAULT_TIMEOUT": timeout}
    directory = os.environ.get("CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-cache"))
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": directory, "CACHE_THRESHOLD": 2000,
            "CACHE_DEFAULT_TIMEOUT": timeout}


def init_cache(server) -> None:
    """Attach the cache to the Flask server."""
    cache.init_app(server, config=cache_config())
