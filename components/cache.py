"""The lab's two caches: shared results and this worker's memory.

``cached(kind, key, compute)`` and the ``shared(kind)`` decorator keep results in flask-caching's store — a
FileSystemCache by default (shared by the gunicorn workers of one container), Redis when
``CACHE_REDIS_URL`` (or ``REDIS_URL``, which also moves the background jobs to Celery) is set; ``local``
keeps answers in this worker's memory.  Keys are the arguments' text: pass scalars, tuples and LabStates,
never long arrays (numpy prints them with '...').
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from flask_caching import Cache

cache = Cache()


def code_version() -> str:
    """A hash of the physics, data and view code: results cached by another version never match."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1()
    for path in sorted([*root.glob("core/*.py"), *root.glob("components/*.py"), *root.glob("pages/*/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


VERSION = code_version()


def versioned(kind: str, key) -> str:
    """Cache name of ``key`` for results of ``kind`` under this code version (flask-caching's
    CACHE_KEY_PREFIX is ignored by FileSystemCache, so the version goes into every name)."""
    return f"{VERSION}:{kind}:{key!r}"


def cached(kind: str, key, compute):
    """The stored result for (kind, key), or ``compute()`` stored under it."""
    name = versioned(kind, key)
    hit = cache.get(name)
    if hit is None:
        hit = compute()
        cache.set(name, hit)
    return hit


def shared(kind: str, ready=None):
    """Decorator: the function's answers kept in the lab's shared cache (every worker, Celery included), per
    its arguments (their repr; a LabState prints the same in every worker).  Figures are stored as plain
    dicts, so a repeated request costs a cache read (~3 ms) instead of a drawing (~40–60 ms).  ``ready(*args)``
    (optional) says whether the answer is final: answers given while a job runs are not stored."""
    def wrap(fn):
        @functools.wraps(fn)
        def memoized(*args):
            name = versioned(kind, hashlib.sha1(repr(args).encode()).hexdigest())
            hit = cache.get(name)
            if hit is None:
                hit = _plain_all(fn(*args))
                if ready is None or ready(*args):
                    cache.set(name, hit)
            return hit
        return memoized
    return wrap


def local(maxsize: int = 64):
    """Decorator: the ``maxsize`` most recent answers kept in this worker's memory, never in the shared
    cache.  For answers at one time t: they are many and rarely shared (a student's released times), and
    FileSystemCache over its threshold reads every file's header on each write (cachelib ``_remove_older``):
    a class filled it in a minute and stalled (bench/load.py)."""
    def wrap(fn):
        store: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def memoized(*args):
            name = hashlib.sha1(repr(args).encode()).hexdigest()
            with lock:
                if name in store:
                    store.move_to_end(name)
                    return store[name]
            hit = _plain_all(fn(*args))
            with lock:
                store[name] = hit
                while len(store) > maxsize:
                    store.popitem(last=False)
            return hit
        return memoized
    return wrap


def _plain_all(out):
    return tuple(_plain(o) for o in out) if isinstance(out, tuple) else _plain(out)


def _plain(value):
    return value.to_plotly_json() if hasattr(value, "to_plotly_json") and hasattr(value, "data") else value


def cache_config() -> dict:
    """The flask-caching configuration chosen from the environment."""
    common = {"CACHE_DEFAULT_TIMEOUT": int(os.environ.get("CACHE_TIMEOUT", "3600"))}
    redis_url = os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL")
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, **common}
    directory = os.environ.get("CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-cache"))
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": directory, "CACHE_THRESHOLD": 2000, **common}


def init_cache(server) -> None:
    """Attach the cache to the Flask server."""
    cache.init_app(server, config=cache_config())
