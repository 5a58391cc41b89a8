"""gunicorn settings for the lab, read from the environment (the Dockerfile and the tests use this file).

--preload imports app.py once in the master, which warms the numba kernels; forked workers
then serve at once.  Workers × threads should not exceed the cores by much: each request
may use two threads of its own in the posterior kernel.
"""
import ctypes
import os

# No kernel uses numba's parallel=True: keep its thread pool at one thread rather than one per
# core in every worker (workers × threads × numba threads would oversubscribe the 2 cores).  The
# posterior kernel runs its own two threads with BLAS at one thread each (core/posterior.py).
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

# glibc gives each thread that allocates its own malloc arena (up to 8 per core) and rarely returns
# their memory: under a class (bench/load.py, 200 users) a worker grew from 180 to 400 MB in four
# minutes and kept growing; with two arenas it levels off near 260 MB.  Set in the master before the
# workers fork, so they inherit it (MALLOC_ARENA_MAX in the environment would do the same).
try:
    ctypes.CDLL("libc.so.6").mallopt(-8, int(os.environ.get("MALLOC_ARENA_MAX", "2")))   # M_ARENA_MAX
except OSError:  # not glibc
    pass

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8050')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# A student reads a figure for seconds between requests: gunicorn's default keep-alive (2 s) closed
# connections just as they were reused (bench/load.py counted them as connection errors).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
preload_app = True
# REUSE_PORT=1: several gunicorn masters on one host bind the same port and the kernel spreads connections over
# them (more web processes behind one port without a proxy; they share results through REDIS_URL).
reuse_port = os.environ.get("REUSE_PORT") == "1"
accesslog = "-" if os.environ.get("ACCESS_LOG") == "1" else None
control_socket_disable = True  # containers: no control socket
# A long share link (drawn points, ~4 KB, or longer by hand) must reach the app, which reads the first
# MAX_QUERY_CHARS and says on the page what it ignored.  gunicorn caps any positive value at 8,190 bytes
# (8,300-character links got its raw "URI Too Long"); 0 is its "unlimited", which its parser still bounds
# at 1 MiB a request line (gunicorn/http/message.py), so memory stays bounded.
limit_request_line = 0
