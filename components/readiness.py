"""Readiness: whether each part the configuration asks for answers now (``/readyz``).

``/healthz`` (Dash's) says the process serves requests: a liveness check.  ``/readyz`` checks what the
lab needs beyond its process — the shared result cache (a writable folder, or Redis), the background
jobs' store (a writable folder, or Redis as Celery's broker) and, under Celery, that a worker answers —
and answers 200 when all do, 503 with the failing parts named when one does not.  The container's health
check asks it (Dockerfile), so an orchestrator sees a lab whose Redis is gone as unhealthy, while the
pages that do not need Redis are still served.
"""
from __future__ import annotations

import logging
import os
import tempfile
import time

import flask

log = logging.getLogger(__name__)

#: Seconds each check may wait for an answer.
CHECK_TIMEOUT = 1.0


def _writable(folder: str) -> tuple[bool, str]:
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-"):
            pass
    except OSError as err:
        return False, f"{folder} is not writable ({err.strerror or err})"
    return True, f"{folder} is writable"


def _redis_answers(url: str) -> tuple[bool, str]:
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT).ping()
    except (redis.RedisError, OSError) as err:
        return False, f"Redis does not answer ({type(err).__name__}: {str(err)[:120]})"
    return True, "Redis answers"


def _celery_workers(celery_app) -> tuple[bool, str]:
    try:
        replies = celery_app.control.ping(timeout=CHECK_TIMEOUT)
    except Exception as err:   # noqa: BLE001 — a broker error of any kind means no worker is reachable
        return False, f"the workers could not be asked ({type(err).__name__})"
    if not replies:
        return False, f"no Celery worker answered within {CHECK_TIMEOUT:g} s"
    return True, f"{len(replies)} Celery worker{'s' if len(replies) > 1 else ''} answered"


def readiness(cache_config: dict, jobs_folder: str | None, redis_url: str | None, celery_app=None,
              ask_workers: bool = True) -> dict:
    """Each dependency's state: {"ready": bool, "checks": {name: {"ok": bool, "detail": str}}, "seconds": float}."""
    start = time.monotonic()
    checks = {}
    if cache_config["CACHE_TYPE"] == "FileSystemCache":
        checks["result cache"] = _writable(cache_config["CACHE_DIR"])
    else:
        checks["result cache"] = _redis_answers(cache_config["CACHE_REDIS_URL"])
    if redis_url:
        checks["job queue"] = _redis_answers(redis_url)
        if ask_workers:
            checks["job workers"] = (_celery_workers(celery_app) if checks["job queue"][0]
                                     else (False, "not asked: the job queue does not answer"))
    elif jobs_folder:
        checks["job store"] = _writable(jobs_folder)
    return {"ready": all(ok for ok, _ in checks.values()),
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
            "seconds": round(time.monotonic() - start, 3)}


def register_readiness(server, cache_config: dict, jobs_folder: str | None, redis_url: str | None,
                       celery_app=None) -> None:
    """``GET /readyz``: 200 and the checks when every dependency answers, else 503 and the checks.  What does not
    answer at start is logged then, one line each (the workers are not asked: they may start after the web)."""
    report = readiness(cache_config, jobs_folder, redis_url, celery_app, ask_workers=False)
    for name, check in report["checks"].items():
        if not check["ok"]:
            log.warning("at start, the %s does not answer: %s; the pages that need it say so", name, check["detail"])

    def readyz():
        report = readiness(cache_config, jobs_folder, redis_url, celery_app)
        return flask.jsonify(report), 200 if report["ready"] else 503
    server.add_url_rule("/readyz", "readyz", readyz)
