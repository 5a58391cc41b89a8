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
from threadpoolctl import threadpool_limits

#: Seconds a finished job's result is kept.
JOB_EXPIRE = 600


def serial_blas_in_the_server() -> None:
    """BLAS on one thread in the web server's process (and the workers gunicorn forks from it).  A background
    job is a fork of a threaded server: forking while another request thread is inside a multithreaded BLAS
    call deadlocks in OpenBLAS's fork handler (seen: a home-page thumbnail's matrix product and a bifurcation
    job's fork, both stuck for 15 minutes).  With one BLAS thread there is no pool to wait for.  Jobs get the
    machine's BLAS threads back in their own process (``parallel_blas_in_a_job``)."""
    threadpool_limits(limits=1, user_api="blas")


def parallel_blas_in_a_job() -> None:
    """Every core for BLAS inside a background job's own process (a fork of the server or a Celery worker),
    where no other thread can fork."""
    threadpool_limits(limits=os.cpu_count() or 1, user_api="blas")


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

