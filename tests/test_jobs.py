"""Background jobs keyed by their inputs (components/jobs.py): identical jobs in flight compute once, and a job
whose claim lapses (its process died) does not keep the others waiting."""
import os
import threading
import time
import uuid

import pytest

from components.cache import SHARED, versioned
from components.jobs import WAITING, TimeFreeJob
from components.state import parse_state


def _in_app(lab, fn):
    def run():
        with lab.server.app_context():
            fn()
    return threading.Thread(target=run)


def _until(condition, timeout=60):
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "condition not met"
        time.sleep(0.02)


def test_two_identical_jobs_in_flight_compute_once(lab):
    started, release, calls, results, said = threading.Event(), threading.Event(), [], [], []

    def compute(inputs, progress=None):
        calls.append(inputs)
        started.set()
        release.wait(60)
        progress(1, 1)
        return f"result {len(calls)}"

    job = TimeFreeJob(f"shared-{uuid.uuid4().hex}", compute)
    state = parse_state({"target": "circle", "t": "0.4"})[0]
    first = _in_app(lab, lambda: results.append(job.result(state)))
    first.start()
    assert started.wait(60)
    # a second student, the same inputs (another t: not read by the job), while the first computes
    other = parse_state({"target": "circle", "t": "2"})[0]
    second = _in_app(lab, lambda: results.append(job.result(other, progress=lambda i, n, text=None: said.append(text))))
    second.start()
    _until(lambda: WAITING in said)                      # it says why it waits, beside its progress bar
    release.set()
    first.join(60)
    second.join(60)
    assert results == ["result 1", "result 1"] and len(calls) == 1


def test_a_long_step_on_a_busy_machine_is_reported_again_while_it_computes(lab, app_context, monkeypatch):
    """A job whose step outlasts the stall limit (starved by other work) is not given up: while its process uses
    CPU its last progress is reported again (``heartbeat``), renewing its claim too; a process that uses none (a
    stopped job: tests/test_faults.py) stays silent and is reported as stalled."""
    from components import background
    monkeypatch.setattr(background, "HEARTBEAT_SECONDS", 0.05)
    said = []

    def compute(inputs, progress=None):
        progress(1, 3, "one step that takes long")
        spent = time.process_time()
        while said.count((1, 3, "one step that takes long")) < 3:     # computing, never reporting
            sum(range(10_000))
            assert time.process_time() - spent < 20, "never reported again"
        return "done"

    job = TimeFreeJob(f"heartbeat-{uuid.uuid4().hex}", compute)
    state = parse_state({"target": "circle"})[0]
    assert job.result(state, progress=lambda i, n, text=None: said.append((i, n, text))) == "done"


def test_a_lapsed_claim_lets_the_waiting_job_compute(lab, app_context):
    """A claim whose job died (never released) lapses after its seconds; the waiting job then computes."""
    calls = []
    job = TimeFreeJob(f"lapsed-{uuid.uuid4().hex}", lambda inputs, progress=None: calls.append(1) or "mine")
    state = parse_state({"target": "circle"})[0]
    name = versioned(job.kind, job.key(state))
    assert SHARED.claim(f"{name}:computing", 1)              # a job that will never finish
    said = []
    assert job.result(state, progress=lambda i, n, text=None: said.append(text)) == "mine"
    assert calls == [1] and WAITING in said
    assert not SHARED.held(f"{name}:computing")              # released after computing


def test_a_claim_of_a_killed_job_on_this_machine_is_freed_at_once(lab, app_context):
    """A Retry after a job's process was killed does not wait for its claim to lapse (it waited 30 s)."""
    import socket
    import subprocess
    import sys

    from components.cache import cache
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    calls, said = [], []
    job = TimeFreeJob(f"killed-{uuid.uuid4().hex}", lambda inputs, progress=None: calls.append(1) or "mine")
    state = parse_state({"target": "circle"})[0]
    claim = f"{versioned(job.kind, job.key(state))}:computing"
    cache.set(claim, f"{socket.gethostname()}:{gone.stdout.strip()}", timeout=600)   # its owner has exited
    assert job.result(state, progress=lambda i, n, text=None: said.append(text)) == "mine"
    assert calls == [1] and WAITING not in said                 # never waited for the dead owner


def test_one_browser_runs_a_few_jobs_at_once(lab, tmp_path):
    """A browser (its session) may run ``JOBS_PER_CLIENT`` jobs at once: the next is refused with a message until
    one has ended or been left behind (no page polls it: cancelled for the new one); another browser is not held up
    (issue 30: one client cannot fill the queue for the class)."""
    import diskcache
    import pytest

    from components.background import JOBS_PER_CLIENT, LEFT_BEHIND_SECONDS, JobFailure, WatchedDiskcacheManager
    from components.hardening import CLIENT
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path)))
    release = tmp_path / "release"

    def job_fn(*_):                      # a job that runs until the test lets it end
        while not release.exists():
            time.sleep(0.02)

    def queue(client, n):
        with lab.server.test_request_context(environ_base={CLIENT: client}):
            return manager.call_job_fn(f"{client}-{n}", job_fn, (), {})
    jobs = [queue("browser A", n) for n in range(JOBS_PER_CLIENT)]
    try:
        with pytest.raises(JobFailure, match=f"already has {JOBS_PER_CLIENT} jobs running"):
            queue("browser A", "one more")
        jobs.append(queue("browser B", 0))                   # another browser queues
        manager.terminate_job(jobs[0])                       # one of A's ends (here: cancelled)
        _until(lambda: not manager.job_running(jobs[0]))
        jobs.append(queue("browser A", "after one ended"))
        # A's page of job 1 was left (no poll for longer than LEFT_BEHIND_SECONDS): a new job of A cancels it
        manager._put("browser A-1-polled", repr(time.time() - LEFT_BEHIND_SECONDS - 1))
        jobs.append(queue("browser A", "after one was left"))
        _until(lambda: not manager.job_running(jobs[1]))
        assert all(manager.job_running(job) for job in jobs[2:])
        with pytest.raises(JobFailure, match=f"already has {JOBS_PER_CLIENT} jobs running"):
            queue("browser A", "while three are watched")
    finally:
        release.touch()
        for job in jobs:
            manager.terminate_job(job)


def test_local_jobs_wait_their_turn_for_a_slot_and_say_their_place(monkeypatch, tmp_path):
    """Without Celery at most ``JOB_SLOTS`` jobs compute at once; the others wait in arrival order, each told how
    many are ahead of it (issue 30: a crowd's jobs never all run at once, and no bar stands frozen)."""
    from components import background
    monkeypatch.setenv("BACKGROUND_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(background, "JOB_SLOTS", 1)
    monkeypatch.setattr(background, "SLOT_LOOK", 0.02)
    order, places, release = [], {"B": [], "C": []}, {name: threading.Event() for name in "ABC"}

    def job(name):
        with background.job_slot(places.get(name, []).append):
            order.append(name)
            release[name].wait(60)
    threads = {name: threading.Thread(target=job, args=(name,)) for name in "ABC"}
    threads["A"].start()
    _until(lambda: order == ["A"])
    threads["B"].start()
    _until(lambda: places["B"])
    threads["C"].start()
    _until(lambda: places["C"])
    assert places["B"][0] == 0 and places["C"][0] == 1          # B is next; C has one job ahead
    for name in "ABC":
        release[name].set()
        _until(lambda name=name: not threads[name].is_alive())
    assert order == ["A", "B", "C"]


def test_a_job_process_runs_below_the_server():
    """A job's process is a batch job ``JOB_NICENESS`` below the server, once however many jobs a pool process runs:
    a request a student waits on preempts the jobs and gets more of the CPU."""
    import subprocess
    import sys

    from components.background import JOB_NICENESS
    code = ("import os; from components.background import in_a_job_process as job; "
            "before = os.nice(0); job(); job(); print(before, os.nice(0), os.sched_getscheduler(0))")
    before, after, policy = map(int, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                    check=True, cwd=__file__.rsplit("/tests/", 1)[0]).stdout.split())
    assert after == max(before, JOB_NICENESS)
    assert policy == os.SCHED_BATCH


def test_a_full_local_queue_refuses_at_once(lab, tmp_path, monkeypatch):
    """Without Celery a waiting job is a process: beyond ``live_max`` jobs computing or waiting, the next one is
    refused at once with a message (issue 30: 200 explorers forked hundreds of waiting jobs, which polled and held
    memory while the class waited minutes)."""
    import diskcache
    import pytest

    from components.background import JobFailure, WatchedDiskcacheManager
    from components.hardening import CLIENT
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path)))
    monkeypatch.setattr(manager, "live_max", 2)
    release = tmp_path / "release"

    def job_fn(*_):
        while not release.exists():
            time.sleep(0.02)

    def queue(client):
        with lab.server.test_request_context(environ_base={CLIENT: client}):
            return manager.call_job_fn(client, job_fn, (), {})
    jobs = [queue("browser A"), queue("browser B")]
    try:
        with pytest.raises(JobFailure, match="job queue is full"):
            queue("browser C")
        manager.terminate_job(jobs[0])
        _until(lambda: not manager.job_running(jobs[0]))
        jobs.append(queue("browser C"))                     # a place freed: admitted
    finally:
        release.touch()
        for job in jobs:
            manager.terminate_job(job)


def test_a_forked_job_keeps_no_student_connection_open(lab, tmp_path):
    """A local job is forked from a web worker that holds students' keep-alive connections: the job closes its
    copies at once, so a connection the worker closes is closed for the student (a copy kept open made the next
    request on it wait for ever)."""
    import os
    import socket

    import diskcache

    from components.background import WatchedDiskcacheManager
    from components.hardening import CLIENT
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")))
    server_side, student_side = socket.socketpair()
    seen = tmp_path / "seen"

    def job_fn(*_):
        try:
            os.fstat(server_side.fileno())
            seen.write_text("open")
        except OSError:
            seen.write_text("closed")
    with lab.server.test_request_context(environ_base={CLIENT: "browser A"}):
        job = manager.call_job_fn("sockets", job_fn, (), {})
    _until(lambda: seen.exists() and seen.read_text())     # written, not only created (write_text is two steps)
    assert seen.read_text() == "closed"
    server_side.close()                                   # the worker closes the connection: the student sees it
    student_side.settimeout(10)
    assert student_side.recv(1) == b""
    manager.terminate_job(job)


def test_a_celery_worker_that_logged_an_unrecoverable_error_exits_if_its_stop_hangs():
    """Celery's stop after "Unrecoverable error" once hung for minutes (Redis killed mid-job): the worker then exits
    with status 1 after UNRECOVERABLE_GRACE s, so its restart policy starts a new one. Other critical messages do
    not stop it."""
    import subprocess
    import sys

    from tests.servers import ROOT
    program = """
import logging, sys, time
from celery.signals import worker_init
from components.background import celery_app
celery_app("redis://127.0.0.1:1/0")
worker_init.send(sender=None)                      # what a starting worker sends
logging.getLogger("celery.worker.worker").critical(sys.argv[1])
print("logged", flush=True)
time.sleep(60)                                     # a stop that hangs
"""
    env = {**os.environ, "UNRECOVERABLE_GRACE": "0.5"}
    hung = subprocess.run([sys.executable, "-c", program, "Unrecoverable error: AttributeError()"], cwd=ROOT, env=env,
                          timeout=50, capture_output=True, text=True)
    assert hung.returncode == 1 and "logged" in hung.stdout, hung.stderr[-2000:]
    other = subprocess.Popen([sys.executable, "-c", program, "something else went wrong"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "logged"
        with pytest.raises(subprocess.TimeoutExpired):       # six times the grace: it would have exited by then
            other.wait(timeout=3)
    finally:
        other.kill()
        other.wait()
