"""Faults injected into the real stack (issue 34): Redis stopped before and during a job, a Celery worker killed
mid-job, a local job's process killed, a gunicorn worker killed mid-request, the cache folder removed or made
unwritable, a CACHE_DIR that is not a folder.  Each asserts what the user sees (a message, Retry, the result once
the part is back), what /readyz says, and that the log has one line per failure, no traceback."""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests
from selenium.webdriver.common.keys import Keys

from tests.callback_bodies import landscape_body
from tests.servers import ROOT, celery_worker, free_port, gunicorn, redis_server, start_redis

pytestmark = [pytest.mark.faults, pytest.mark.server, pytest.mark.browser]
#: A job's budget without progress in these servers (the lab's default is 120 s): a stalled job is reported after it.
#: With Redis, long enough for a Celery worker to start while a job waits in the queue.
STALL, STALL_CELERY = "10", "30"


def bifurcation_link(seed: int) -> str:
    """A continuation job of a few seconds (128 points in d = 8; a fresh seed, so never a cached result)."""
    return f"/bifurcation?target=gaussian_points&n=128&d=8&seed={seed}&t=0.3"


def fresh_seed() -> int:
    return random.SystemRandom().randrange(10**6)


class Clock:
    """Seconds since a fault (or a Retry), printed per step: docs/operations.md records a run's numbers."""

    def __init__(self, what: str):
        self.what, self.start = what, time.monotonic()

    def say(self, step: str) -> None:
        print(f"\nFAULT {self.what}: {step} after {time.monotonic() - self.start:.1f} s")


def text_of(dash_duo, selector: str) -> str:
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", selector)


def wait_until(condition, what: str, timeout: float = 120):
    """Poll ``condition`` until it holds (a bound, not a wait: it returns as soon as it holds)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


def gunicorn_workers(url: str) -> list[psutil.Process]:
    port = int(url.rsplit(":", 1)[1])
    masters = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] and "gunicorn" in " ".join(
        p.info["cmdline"]) and any(c.laddr.port == port for c in _listening(p))]
    return [child for master in masters for child in master.children() if _alive(child)]


def _alive(process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _listening(process):
    try:
        return [c for c in process.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return []


def job_processes(url: str) -> list[psutil.Process]:
    """The local background jobs: processes the gunicorn workers forked."""
    return [job for worker in gunicorn_workers(url) for job in worker.children() if _alive(job)]


def no_traceback(log: Path):
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


def assert_no_severe(dash_duo):
    severe = [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"
              and "_dash-update-component" not in e.get("message", "")]   # a killed worker's request, expected
    assert not severe, severe


# --- without Redis: local jobs, the file cache -----------------------------------------------------------

@pytest.fixture(scope="module")
def local_lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults-local")
    cache = folder / "cache"
    with gunicorn(folder / "gunicorn.log", CACHE_DIR=str(cache), BACKGROUND_CACHE_DIR=str(folder / "jobs"),
                  JOB_STALL_SECONDS=STALL) as url:
        yield url, cache, folder / "gunicorn.log"


def test_a_hung_job_and_a_killed_job_are_reported_and_retry_completes(local_lab, dash_duo):
    """A job's process that uses no CPU (stopped here, as a deadlocked one would be) is given up as stalled after
    JOB_STALL_SECONDS — its heartbeat (components.background.heartbeat) stays silent; a killed one is reported as
    stopped at once; Retry then completes."""
    url, _, log = local_lab
    dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
    wait_until(lambda: job_processes(url), "the job's process")
    for job in job_processes(url):
        job.send_signal(signal.SIGSTOP)
    clock = Clock(f"job process stopped (JOB_STALL_SECONDS={STALL})")
    dash_duo.wait_for_contains_text("#bif-failure-text", "made no progress", timeout=120)
    clock.say("message")
    wait_until(lambda: not job_processes(url), "the stopped job's process ended")
    dash_duo.find_element("#bif-retry").click()
    wait_until(lambda: job_processes(url), "the Retry's job process")
    for job in job_processes(url):
        job.send_signal(signal.SIGKILL)
    clock = Clock("job process killed")
    dash_duo.wait_for_contains_text("#bif-failure-text", "stopped before it finished", timeout=120)
    dash_duo.wait_for_contains_text("#bif-paths", "the last run failed", timeout=60)   # the figure too
    clock.say("message")
    dash_duo.find_element("#bif-retry").click()
    retry = Clock("job process killed, Retry")
    dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
    retry.say("result")
    assert not dash_duo.find_element("#bif-failure").is_displayed()
    text = log.read_text()
    assert "background job failed: The job made no progress" in text
    assert "background job failed: The job's process stopped" in text
    no_traceback(log)
    assert_no_severe(dash_duo)


def test_a_killed_gunicorn_worker_is_replaced_and_cached_results_are_served(local_lab, dash_duo):
    url, _, log = local_lab
    body = landscape_body({"target": "gaussian_points", "n": 3000, "d": 20, "t": 0.2, "seed": fresh_seed()})
    before = requests.post(url + "/_dash-update-component", json=body, timeout=60)
    assert before.status_code == 200
    dash_duo.driver.get(url + "/landscape?target=circle&t=0.2")
    dash_duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.2", timeout=60)
    heavy = landscape_body({"target": "gaussian_points", "n": 20000, "d": 200, "t": 0.05, "seed": fresh_seed()})
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(_post_or_error(url, heavy))) for _ in range(4)]
    for thread in threads:
        thread.start()
    port = int(url.rsplit(":", 1)[1])
    wait_until(lambda: sum(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
                           for c in psutil.Process().net_connections("tcp")) >= 4, "four requests in flight")
    old = gunicorn_workers(url)
    for worker in old:                                           # mid-request: four heavy callbacks in flight
        worker.send_signal(signal.SIGKILL)
    clock = Clock("gunicorn workers killed")
    for thread in threads:
        thread.join(120)
    wait_until(lambda: len(gunicorn_workers(url)) == len(old) and not {w.pid for w in gunicorn_workers(url)}
               & {w.pid for w in old}, "new gunicorn workers")
    clock.say("new workers")
    # the browser's next request is served: a typed time redraws the landscape
    box = dash_duo.find_element("#ctl-t")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.5", Keys.ENTER)
    dash_duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.5", timeout=60)
    clock.say("the browser's next request served")
    # the result computed before the fault comes from the shared file cache: the very same answer
    after = requests.post(url + "/_dash-update-component", json=body, timeout=60)
    assert after.status_code == 200
    assert after.json()["response"]["landscape-caption"] == before.json()["response"]["landscape-caption"]
    assert requests.get(url + "/readyz", timeout=10).status_code == 200
    assert len(answers) == 4 and any(a != 200 for a in answers), answers     # the killed requests did fail


def _post_or_error(url, body):
    try:
        return requests.post(url + "/_dash-update-component", json=body, timeout=60).status_code
    except requests.RequestException as err:
        return type(err).__name__


def test_the_cache_folder_removed_or_unwritable(local_lab, dash_duo):
    url, cache, log = local_lab
    shutil.rmtree(cache)                                          # removed: made again at the next write
    dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
    dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
    assert cache.is_dir()
    shutil.rmtree(cache)
    cache.write_text("not a folder")                             # unwritable: pages still compute, jobs say why
    clock = Clock("cache folder unwritable")
    try:
        ready = requests.get(url + "/readyz", timeout=10)
        assert ready.status_code == 503 and not ready.json()["checks"]["result cache"]["ok"]
        dash_duo.driver.get(url + "/landscape?target=circle&t=0.2")
        dash_duo.wait_for_element("#landscape-graph .main-svg", timeout=60)
        dash_duo.wait_for_contains_text("#server-notice", "Sharing is off", timeout=60)
        dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
        dash_duo.wait_for_contains_text("#bif-failure-text", "could not be stored", timeout=120)
        clock.say("job's message")
    finally:
        cache.unlink()
    dash_duo.find_element("#bif-retry").click()                  # the folder is back: Retry completes
    retry = Clock("cache folder back, Retry")
    dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
    retry.say("result")
    assert requests.get(url + "/readyz", timeout=10).status_code == 200
    # logged once per worker that met it (which worker sees the store back first is up to gunicorn's balancing)
    assert "shared cache unreachable" in log.read_text()
    no_traceback(log)


def test_a_cache_dir_that_is_not_a_folder_names_the_setting(tmp_path):
    bad = tmp_path / "cache"
    bad.write_text("x")
    env = {**os.environ, "CACHE_DIR": str(bad), "BIND": f"127.0.0.1:{free_port()}", "WEB_CONCURRENCY": "1"}
    run = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert f"CACHE_DIR={bad} is not a folder" in run.stdout + run.stderr


# --- with Redis: Celery jobs, the Redis cache -------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_lab(tmp_path_factory):
    """gunicorn with REDIS_URL at a port where nothing listens yet (the tests start and stop Redis there)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
    folder = tmp_path_factory.mktemp("faults-redis")
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    with gunicorn(folder / "gunicorn.log", REDIS_URL=redis_url, JOB_STALL_SECONDS=STALL_CELERY) as url:
        yield url, port, redis_url, folder


def test_redis_down_at_start_then_back(redis_lab, dash_duo):
    url, port, redis_url, folder = redis_lab
    log = folder / "gunicorn.log"
    assert "at start, the job queue does not answer" in log.read_text()
    assert requests.get(url + "/healthz", timeout=10).status_code == 200            # alive
    ready = requests.get(url + "/readyz", timeout=10)                                # not ready, and says why
    assert ready.status_code == 503 and not ready.json()["checks"]["job queue"]["ok"], ready.text
    # what does not need Redis is served: the landscape computes (per worker) and says sharing is off
    dash_duo.driver.get(url + "/landscape?target=circle&t=0.2")
    dash_duo.wait_for_element("#landscape-graph .main-svg", timeout=60)
    dash_duo.wait_for_contains_text("#server-notice", "Sharing is off", timeout=60)
    # a job cannot be queued: the message and Retry, not empty axes
    dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
    clock = Clock("Redis down at start, page opened")
    dash_duo.wait_for_contains_text("#bif-failure-text", "could not be queued", timeout=60)
    dash_duo.wait_for_contains_text("#bif-paths", "the last run failed", timeout=60)
    clock.say("message")
    with redis_server(port), celery_worker(redis_url, folder / "worker.log"):
        back = Clock("Redis and a worker back")
        wait_until(lambda: requests.get(url + "/readyz", timeout=10).status_code == 200, "ready with Redis back")
        back.say("ready")
        dash_duo.find_element("#bif-retry").click()
        dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
        back.say("Retry's result")
        dash_duo.driver.get(url + "/landscape?target=circle&t=0.3")
        dash_duo.wait_for_element("#landscape-graph .main-svg", timeout=60)
        wait_until(lambda: "Sharing is off" not in text_of(dash_duo, "#server-notice"), "sharing back on")
    assert "background job failed: The job could not be queued" in log.read_text()
    no_traceback(log)
    assert_no_severe(dash_duo)


def test_a_killed_celery_worker_is_reported_and_a_new_one_takes_the_retry(redis_lab, dash_duo):
    url, port, redis_url, folder = redis_lab
    log = folder / "gunicorn.log"
    with redis_server(port):
        worker_log = folder / "worker-killed.log"
        with celery_worker(redis_url, worker_log) as worker:
            dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
            wait_until(lambda: b"] received" in worker_log.read_bytes(), "the worker took the job")
            for process in [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]:
                process.send_signal(signal.SIGKILL)                # the worker and its pool, mid-job
            clock = Clock(f"Celery worker killed (JOB_STALL_SECONDS={STALL_CELERY})")
            dash_duo.wait_for_contains_text("#bif-failure-text", "made no progress", timeout=120)
            clock.say("message")
        dash_duo.find_element("#bif-retry").click()            # no worker yet: the job waits in the queue, and says so
        retry = Clock("Retry without a worker")
        dash_duo.wait_for_contains_text("#bif-status", "waiting in the job queue: 0 jobs ahead", timeout=60)
        retry.say("the queue's position shown")
        with celery_worker(redis_url, folder / "worker-new.log"):
            dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
            retry.say("result, a new worker started meanwhile")
    no_traceback(log)


def test_redis_stopped_during_a_job_then_back(redis_lab, dash_duo):
    url, port, redis_url, folder = redis_lab
    log = folder / "gunicorn.log"
    redis = start_redis(port)
    try:
        worker_log = folder / "worker-during.log"
        with celery_worker(redis_url, worker_log) as worker:
            dash_duo.driver.get(url + bifurcation_link(fresh_seed()))
            wait_until(lambda: b"] received" in worker_log.read_bytes(), "the worker took the job")
            redis.kill()                                           # Redis gone mid-job
            redis.wait()
            clock = Clock("Redis stopped mid-job")
            dash_duo.wait_for_contains_text("#bif-failure-text", "cannot be reached", timeout=120)
            clock.say("message")
            redis = start_redis(port)
            # a worker that lost Redis mid-task exits (kombu's "Unrecoverable error" while it restores the unacked
            # message) or reconnects: the compose file restarts an exited one (restart: unless-stopped), as this does
            wait_until(lambda: worker.poll() is not None or worker_log.read_bytes().count(b"Connected to redis") > 1,
                       "the worker reconnected or exited")
            with (celery_worker(redis_url, folder / "worker-restarted.log") if worker.poll() is not None
                  else contextlib.nullcontext()):
                dash_duo.find_element("#bif-retry").click()
                retry = Clock("Redis back, Retry")
                dash_duo.wait_for_contains_text("#bif-caption", "Transition", timeout=180)
                retry.say("result")
    finally:
        redis.kill()
        redis.wait()
    no_traceback(log)
