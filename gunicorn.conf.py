"""gunicorn settings for the lab, read from the environment (the Dockerfile and the tests use this file).

--preload imports app.py once in the master, which warms the numba kernels; forked workers
then serve at once.  Workers × threads should not exceed the cores by much: each request
may use two threads of its own in the posterior kernel.
"""
import os

# No kernel uses numba's parallel=True: keep its thread pool at one thread rather than one per
# core in every worker (workers × threads × numba threads would oversubscribe the 2 cores).  The
# posterior kernel runs its own two threads with BLAS at one thread each (core/posterior.py).
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8050')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
preload_app = True
accesslog = "-" if os.environ.get("ACCESS_LOG") == "1" else None
control_socket_disable = True  # containers: no control socket (DASH-NOTES)
# A long share link (drawn points, ~4 KB) must reach the app, which reads the first MAX_QUERY_CHARS and
# says on the page what it ignored; gunicorn's default (4,094 bytes) answered a raw "URI Too Long".
limit_request_line = 16_384
