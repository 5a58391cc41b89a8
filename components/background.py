"""The manager that runs long callbacks in the background (Dash's standard path).

Without ``REDIS_URL``: a DiskcacheManager, each job a forked process reporting progress through a
diskcache folder on this machine (``BACKGROUND_CACHE_DIR``).  With ``REDIS_URL``: a CeleryManager on
that Redis (broker and result backend); the jobs then run in a separate worker,
``celery -A app:celery_app worker``, on this or another machine.
"""
from __future__ import annotations

import os
import tempfile

from dash import CeleryManager, DiskcacheManager

#: Seconds a finished job's result is kept.
JOB_EXPIRE = 600


def celery_app(redis_url: str):
    """The Celery application of the lab's background jobs."""
    from celery import Celery
    app = Celery("dtlab", broker=redis_url, backend=redis_url)
    app.conf.update(broker_connection_retry_on_startup=True, result_expires=JOB_EXPIRE,
                    worker_prefetch_multiplier=1, task_acks_late=True)
    return app


def background_manager():
    """CeleryManager when ``REDIS_URL`` is set, else a DiskcacheManager on ``BACKGROUND_CACHE_DIR``."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return CeleryManager(celery_app(redis_url), expire=JOB_EXPIRE)
    import diskcache
    folder = os.environ.get("BACKGROUND_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-jobs"))
    return DiskcacheManager(diskcache.Cache(folder), expire=JOB_EXPIRE)

