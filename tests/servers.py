"""Real servers for the tests: gunicorn exactly as the Dockerfile runs it, redis-server, a celery worker."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def gunicorn(log_path: Path, port: int | None = None, **env_overrides):
    """``gunicorn -c gunicorn.conf.py app:server`` on loopback ``port`` (a free one by default); yields its URL."""
    port = port or free_port()
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4",
           **env_overrides}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log_path)
            yield url
        finally:
            _stop(proc)


def wait_healthy(url, proc, log_path, timeout=90):
    """Until this gunicorn has booted a worker (its own log says so: with REUSE_PORT another process may answer on
    the same port) and the port answers /healthz."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            break
        try:
            if b"Booting worker" in Path(log_path).read_bytes() \
                    and requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz: " + Path(log_path).read_text()[-2000:])


def redis_server_argv(command: list, address: str, port: int) -> list:
    """A redis-server command line (``command``) listening on ``address:port`` only."""
    return [*command, "--bind", address, "--port", str(port)]


def start_redis(port: int) -> subprocess.Popen:
    """redis-server on loopback ``port`` (no persistence), answering PING when this returns."""
    proc = subprocess.Popen(redis_server_argv(["redis-server", "--save", "", "--appendonly", "no"], "127.0.0.1", port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis
    client = redis.Redis(port=port)
    for _ in range(600):
        try:
            if client.ping():
                return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    _stop(proc)
    raise RuntimeError(f"redis-server did not answer on port {port}")


@contextlib.contextmanager
def redis_server(port: int | None = None):
    """A throw-away redis-server on loopback (no persistence), on ``port`` or a free one; yields its URL."""
    port = port or free_port()
    proc = start_redis(port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


@contextlib.contextmanager
def celery_worker(redis_url: str, log_path: Path, **env_overrides):
    """``celery -A app:celery_app worker`` against ``redis_url``; yields the process."""
    env = {**os.environ, "REDIS_URL": redis_url, **env_overrides}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--loglevel=INFO",
                                 "--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            start = time.monotonic()
            while b"ready." not in Path(log_path).read_bytes():
                if proc.poll() is not None or time.monotonic() - start > 90:
                    raise RuntimeError("celery worker did not start: " + Path(log_path).read_text()[-2000:])
                time.sleep(0.2)
            yield proc
        finally:
            _stop(proc)
