"""The lab's two caches: shared results and this worker's memory.

``cached(kind, key, compute)`` and the ``shared(kind)`` decorator keep results in flask-caching's store — a
FileSystemCache by default (shared by the gunicorn workers of one container), Redis when
``CACHE_REDIS_URL`` (or ``REDIS_URL``, which also moves the background jobs to Celery) is set; ``local``
keeps answers in this worker's memory.  Keys are the arguments' text: pass scalars, tuples and LabStates,
never long arrays (numpy prints them with '...').

The shared store may fail (Redis stopped, the cache folder removed or full): reads and writes then go to
this worker's memory (``SHARED``), the log says so once, the pages say that sharing is off
(``sharing_notice``), and the store is tried again every ``RETRY_SECONDS`` — it is back without a restart.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

import psutil
from flask_caching import Cache

cache = Cache()
log = logging.getLogger(__name__)


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


class SharedStore:
    """The shared cache, or this worker's memory while the shared cache cannot be reached.

    A failed read or write (a connection error, an unwritable folder) marks the store down: the log says it
    once, values go to a bounded memory of this worker, and the shared store is tried again after
    ``RETRY_SECONDS``; the first success marks it up again (logged once too)."""

    RETRY_SECONDS = 5.0
    MEMORY_SIZE = 256

    def __init__(self):
        self.down_since: float | None = None
        self.reason = ""
        self._retry_at = 0.0
        self._memory: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str, fresh: bool = False):
        """The value, or None; ``fresh`` asks the shared store even while it is marked down (a job's result, which
        this worker's memory can never hold, is read so)."""
        if fresh or self._usable():
            answered, value = self._ask(lambda: cache.get(name))
            if answered:
                return value
        with self._lock:
            return self._memory.get(name)

    def has(self, name: str) -> bool:
        """Whether a value is stored under ``name`` (asked of the shared store, without reading the value)."""
        answered, found = self._ask(lambda: cache.has(name))
        if answered:
            return bool(found)
        with self._lock:
            return name in self._memory

    def _ask(self, question):
        """(True, the shared store's answer to ``question()``), or (False, None) when it failed (noted)."""
        try:
            answer = question()
        except _shared_errors() as err:
            self._failed(err)
            return False, None
        self._worked()
        return True, answer

    def set(self, name: str, value, timeout: int | None = None) -> None:
        if self._usable():
            try:
                stored = cache.set(name, value, timeout=timeout)
                if stored is False and _recreated_cache_folder():   # the folder was removed: make it again
                    stored = cache.set(name, value, timeout=timeout)
            except _shared_errors() as err:
                self._failed(err)
            else:
                if stored is False:
                    self._failed(OSError("the cache folder refused a write (removed, unwritable or full)"))
                else:
                    self._worked()
                    return
        with self._lock:
            self._memory[name] = value
            self._memory.move_to_end(name)
            while len(self._memory) > self.MEMORY_SIZE:
                self._memory.popitem(last=False)

    def claim(self, name: str, seconds: float) -> bool:
        """Take ``name`` for ``seconds`` unless another process holds it (Redis: atomic SET NX; the file cache: a
        check then a write, so two may rarely both win — then both compute, as without a claim).  True when
        taken, or when the shared store cannot be reached (this worker then computes alone anyway)."""
        if self._usable():
            try:
                return bool(cache.add(name, _owner(), timeout=max(1, round(seconds))))
            except _shared_errors() as err:
                self._failed(err)
        return True

    def claim_again(self, name: str, seconds: float) -> None:
        """Renew a claim this process holds."""
        if self._usable():
            try:
                cache.set(name, _owner(), timeout=max(1, round(seconds)))
            except _shared_errors() as err:
                self._failed(err)

    def held(self, name: str) -> bool:
        """Whether ``name`` is claimed by a live process (False when the shared store cannot be reached).  A claim
        of a process on this machine that is gone (a killed job) is released at once, not left to lapse."""
        try:
            owner = cache.get(name) if self._usable() else None
        except _shared_errors() as err:
            self._failed(err)
            return False
        if owner is None:
            return False
        if not _alive(owner):
            self.release(name)
            return False
        return True

    def release(self, name: str) -> None:
        try:
            cache.delete(name)
        except _shared_errors() as err:
            self._failed(err)

    def reachable(self) -> bool:
        """Try the shared store now (at most every RETRY_SECONDS once down).  A file cache answers reads of a
        missing folder with misses, so its folder is checked (and made again) instead of read."""
        if _FOLDER is not None and self._usable() and not _recreated_cache_folder():
            self._failed(NotADirectoryError(f"{_FOLDER} is not a folder"))
        else:
            self.get(versioned("probe", None))
        return self.down_since is None

    def retry_now(self) -> None:
        """Ask the shared store at the next read or write, whatever the last failure (a new job's process)."""
        self._retry_at = 0.0

    def _usable(self) -> bool:
        return self.down_since is None or time.monotonic() >= self._retry_at

    def _failed(self, err: Exception) -> None:
        self._retry_at = time.monotonic() + self.RETRY_SECONDS
        if self.down_since is None:
            self.down_since, self.reason = time.time(), _reason(err)
            log.warning("shared cache unreachable (%s): results are kept per worker; retrying every %g s",
                        self.reason, self.RETRY_SECONDS)

    def _worked(self) -> None:
        if self.down_since is not None:
            log.warning("shared cache reachable again after %.0f s", time.time() - self.down_since)
            self.down_since, self.reason = None, ""


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner) -> bool:
    """Whether a claim's owner ('host:pid') may still run: on another machine it cannot be told, so yes."""
    host, _, pid = str(owner).rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        return psutil.Process(int(pid)).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _shared_errors() -> tuple:
    """What a store that cannot be reached raises: OS errors (a folder, a socket) and Redis's own."""
    try:
        from redis.exceptions import RedisError
    except ImportError:      # the file cache alone
        return (OSError,)
    return (OSError, RedisError)


def _reason(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"[:200]


def _recreated_cache_folder() -> bool:
    """Make the file cache's folder again if it was removed (True if it exists now)."""
    if _FOLDER is None:
        return False
    try:
        os.makedirs(_FOLDER, exist_ok=True)
    except OSError:
        return False
    return os.path.isdir(_FOLDER)


class _OneLineForCacheFiles(logging.Filter):
    """cachelib's file cache logs a traceback for every write it cannot make (on the root logger); the lab logs
    the failure once itself (SharedStore), so these records keep their one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.pathname.replace(os.sep, "/").endswith("cachelib/file.py"):
            record.exc_info, record.exc_text = None, None
        return True


SHARED = SharedStore()
#: The file cache's folder (None with Redis).
_FOLDER: str | None = None


def sharing_notice() -> str | None:
    """What the pages say while the shared cache is down (``SharedStore.reachable``), else None."""
    if SHARED.reachable():
        return None
    return ("the shared result cache cannot be reached, so each of this server's workers computes alone (slower; "
            "background jobs cannot hand their results over). It is tried again every few seconds.")


_NOT_KEPT = object()                 # local(): no answer kept (None is an answer)
_pending: dict[str, list] = {}        # name → [lock, threads wanting it]: answers being computed in this worker
_pending_guard = threading.Lock()


def _computed_once(name: str, look, compute, missing=None):
    """``look()``, or when it answers ``missing``, ``compute()`` — one thread of this worker at a time per name: a
    request for an answer that another thread is computing waits for it and reads it (two callbacks of one page
    open, or two students asking the same thing at once, compute it once)."""
    hit = look()
    if hit is not missing:
        return hit
    with _pending_guard:
        entry = _pending.setdefault(name, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            hit = look()
            return compute() if hit is missing else hit
    finally:
        with _pending_guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _pending[name]


def cached(kind: str, key, compute):
    """The stored result for (kind, key), or ``compute()`` stored under it."""
    name = versioned(kind, key)

    def computed():
        value = compute()
        SHARED.set(name, value)
        return value
    return _computed_once(name, lambda: SHARED.get(name), computed)


def shared(kind: str, ready=None):
    """Decorator: the function's answers kept in the lab's shared cache (every worker, Celery included), per
    its arguments (their repr; a LabState prints the same in every worker).  Figures are stored as plain
    dicts, so a repeated request costs a cache read (~3 ms) instead of a drawing (~40–60 ms).  ``ready(*args)``
    (optional) says whether the answer is final: answers given while a job runs are not stored."""
    def wrap(fn):
        @functools.wraps(fn)
        def memoized(*args):
            name = versioned(kind, hashlib.sha1(repr(args).encode()).hexdigest())

            def computed():
                value = _plain_all(fn(*args))
                if ready is None or ready(*args):
                    SHARED.set(name, value)
                return value
            return _computed_once(name, lambda: SHARED.get(name), computed)
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

        def look(name):
            with lock:
                if name in store:
                    store.move_to_end(name)
                    return store[name]
            return _NOT_KEPT

        @functools.wraps(fn)
        def memoized(*args):
            name = f"{fn.__module__}.{fn.__qualname__}:" + hashlib.sha1(repr(args).encode()).hexdigest()

            def computed():
                value = _plain_all(fn(*args))
                with lock:
                    store[name] = value
                    while len(store) > maxsize:
                        store.popitem(last=False)
                return value
            return _computed_once(name, lambda: look(name), computed, missing=_NOT_KEPT)
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
    """Attach the cache to the Flask server.  A ``CACHE_DIR`` that exists but is not a folder stops the start
    with a message that names the setting."""
    global _FOLDER
    config = cache_config()
    if config["CACHE_TYPE"] == "FileSystemCache":
        _FOLDER = config["CACHE_DIR"]
        if os.path.exists(_FOLDER) and not os.path.isdir(_FOLDER):
            raise SystemExit(f"CACHE_DIR={_FOLDER} is not a folder: set CACHE_DIR to a writable folder "
                             "(it is made if missing)")
    else:    # a stopped Redis answers within a second, never hangs a request
        config["CACHE_OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 5}
    logging.getLogger().addFilter(_OneLineForCacheFiles())
    cache.init_app(server, config=config)
