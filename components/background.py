"""The manager that runs long callbacks in the background (Dash's standard path).

Without ``REDIS_URL``: a DiskcacheManager, each job a forked process reporting progress through a
diskcache folder on this machine (``BACKGROUND_CACHE_DIR``).  With ``REDIS_URL``: a CeleryManager on
that Redis (broker and result backend); the jobs then run in a separate worker,
``celery -A app:celery_app worker``, on this or another machine.

Both are watched (``Watched``): a job that cannot be queued, whose process stopped without a result, or that
has neither progressed nor computed for ``JOB_STALL_SECONDS`` ends as an error, which the callback's ``on_error``
turns into a message on the page (``failure_message``) — never an endless "computing…".
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import stat
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

from dash import CeleryManager, DiskcacheManager
from threadpoolctl import threadpool_limits

#: Seconds a finished job's result is kept.
JOB_EXPIRE = 600
#: Seconds a job may go without reporting progress (queued: without starting) before it is given up.  A computing
#: job's process that used CPU reports again (``heartbeat``): a job starved by a busy machine is slow, not stalled.
JOB_STALL_SECONDS = float(os.environ.get("JOB_STALL_SECONDS", "120"))
#: Seconds between a computing job's heartbeats, and the CPU its process must have used in one (a fraction of it).
HEARTBEAT_SECONDS, HEARTBEAT_CPU = min(10.0, JOB_STALL_SECONDS / 4), 0.01
log = logging.getLogger(__name__)
#: Background jobs one browser may have running at once: a crafted client cannot fill the queue for the class.
JOBS_PER_CLIENT = int(os.environ.get("JOBS_PER_CLIENT", "3"))
#: Seconds without a poll after which a browser's job is taken as left behind (its page closed or left; Dash polls a
#: running job every second): when the browser asks for a job beyond JOBS_PER_CLIENT, those are cancelled first.
LEFT_BEHIND_SECONDS = float(os.environ.get("LEFT_BEHIND_SECONDS", "6"))
#: How much lower a background job's process runs than the web server's (Unix niceness), on top of Linux's
#: SCHED_BATCH: a request a student waits on (a figure at a released time, a new parameter) preempts a job when it
#: wakes, and gets 1.6× a job's share of the CPU at niceness 2.  Not more by default: niceness also ranks a job
#: against every other process of the machine (of its cgroup), and at 10 a job beside two CPU-bound processes got a
#: ninth of a core (a 46 s experiment took 466 s).  On a box of its own the lab may set it higher.
JOB_NICENESS = int(os.environ.get("JOB_NICENESS", "2"))
#: Jobs computing at once on this machine without Celery (its cores by default); the others wait their turn, in
#: order, saying how many are ahead: a crowd's jobs never all run at once (CPU and memory stay bounded).
JOB_SLOTS = int(os.environ.get("JOB_SLOTS", str(os.cpu_count() or 1)))
#: Jobs that may wait for a slot without Celery: a job beyond them is refused at once (each waiting job is a
#: process holding memory; under Celery a waiting job is a message in Redis and the queue is not bounded).
JOB_QUEUE = int(os.environ.get("JOB_QUEUE", str(3 * JOB_SLOTS)))
#: Seconds between a waiting job's looks for a free slot, and at most between two reports of its place.
SLOT_LOOK, SLOT_REPORT = 0.25, 5.0
#: A queued job's progress line: how many jobs wait before it.
QUEUED = "waiting in the job queue: {ahead} job{s} ahead"

#: What the user reads when a job ends without a result, by cause (``failure_message``).
FAILURES = {
    "queue": "The job could not be queued: the job queue (Redis) cannot be reached. Retry when it is back.",
    "unreachable": "The job queue (Redis) cannot be reached, so the job's result cannot come back. Retry when it "
                   "is back.",
    "lost": "The job's process stopped before it finished (killed, or out of memory). Retry, or run a smaller case.",
    "stalled": "The job made no progress for {seconds:.0f} s (no job worker free or running?). Retry, or run a "
               "smaller case.",
    "failed": "The computation failed ({what}). Retry, or change the parameters.",
    "store": "The job finished, but its result could not be stored: the shared result cache cannot be reached. "
             "Retry when it is back.",
    "full": "The server's job queue is full ({live} jobs computing or waiting for its {slots} job slots): Retry in a "
            "moment.",
    "busy": "This browser already has {running} job{s} running (the most one browser may run at once, so that a "
            "class shares the job workers). Retry when one has finished.",
}


def serial_blas_in_the_server() -> None:
    """BLAS on one thread in the web server's process (and the workers gunicorn forks from it).  A background
    job is a fork of a threaded server: forking while another request thread is inside a multithreaded BLAS
    call deadlocks in OpenBLAS's fork handler (seen: a home-page thumbnail's matrix product and a bifurcation
    job's fork, both stuck for 15 minutes).  With one BLAS thread there is no pool to wait for.  Jobs get the
    machine's BLAS threads back in their own process (``in_a_job_process``)."""
    threadpool_limits(limits=1, user_api="blas")


def in_a_job_process() -> None:
    """A background job's own process (a fork of the server or a Celery pool process), where no other thread can
    fork: every core for BLAS, scheduled as a batch job ``JOB_NICENESS`` below the server (set once: a pool process
    runs many jobs; threads it starts later inherit both)."""
    threadpool_limits(limits=os.cpu_count() or 1, user_api="blas")
    with suppress(AttributeError, OSError):               # not Linux: niceness alone
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    current = os.nice(0)
    if current < JOB_NICENESS:
        os.nice(JOB_NICENESS - current)


@contextmanager
def job_slot(report):
    """Hold one of ``JOB_SLOTS`` slots while the body computes (local jobs; under Celery its workers' concurrency is
    the limit and this does nothing).  Jobs wait in arrival order; ``report(ahead)`` says how many wait before this
    one, when that changes and every ``SLOT_REPORT`` s (a waiting job is not stalled).  Slots are ``flock``-ed
    files in the jobs' folder: a job killed while computing frees its slot with its process."""
    folder = jobs_folder()
    if folder is None:
        yield
        return
    slots = Path(folder, "slots")
    (slots / "waiting").mkdir(parents=True, exist_ok=True)
    me = slots / "waiting" / f"{time.time():.6f}-{os.getpid()}"
    me.touch()
    said, said_at = None, 0.0
    try:
        while True:
            ahead = _waiting_before(me)
            if ahead == 0:
                for i in range(JOB_SLOTS):
                    fd = os.open(slots / f"slot-{i}", os.O_CREAT | os.O_RDWR)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        os.close(fd)
                        continue
                    me.unlink(missing_ok=True)
                    try:
                        yield
                    finally:
                        os.close(fd)                    # closing the file releases its lock
                    return
            if ahead != said or time.monotonic() - said_at > SLOT_REPORT:
                report(ahead)
                said, said_at = ahead, time.monotonic()
            time.sleep(SLOT_LOOK)
    finally:
        me.unlink(missing_ok=True)


@contextmanager
def heartbeat(beat, every: float | None = None, least: float | None = None):
    """While the body runs, call ``beat()`` every ``every`` s (``HEARTBEAT_SECONDS``) in which this process used at
    least ``least × every`` s of CPU (``HEARTBEAT_CPU``; all its threads: BLAS's and numba's too).  A job calls it to
    report its last progress again: one step longer than ``JOB_STALL_SECONDS`` on a machine busy with other work
    still counts as computing, while a process that uses no CPU (stopped, or deadlocked — a fork inside a threaded
    BLAS once hung 15 minutes) stays silent and is given up as stalled.  A kernel that holds the GIL delays a beat
    until it returns."""
    done = threading.Event()
    every = HEARTBEAT_SECONDS if every is None else every
    least = HEARTBEAT_CPU if least is None else least

    def beats():
        used = time.process_time()
        while not done.wait(every):
            now = time.process_time()
            if now - used >= least * every:
                beat()
            used = now

    thread = threading.Thread(target=beats, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _waiting_before(me: Path) -> int:
    """Jobs waiting for a slot that arrived before ``me`` (a waiting file whose process is gone is removed)."""
    import psutil
    ahead = 0
    for other in sorted(me.parent.iterdir()):
        if other.name >= me.name:
            break
        if psutil.pid_exists(int(other.name.rsplit("-", 1)[1])):
            ahead += 1
        else:
            other.unlink(missing_ok=True)
    return ahead


#: A Celery worker still alive this many seconds after logging "Unrecoverable error" exits (ExitAfterUnrecoverable).
UNRECOVERABLE_GRACE = float(os.environ.get("UNRECOVERABLE_GRACE", "15"))


class ExitAfterUnrecoverable(logging.Handler):
    """Celery logs "Unrecoverable error" (CRITICAL, on ``celery.worker.worker``) and then stops the worker — but that
    stop can hang: in one CI run Redis was killed mid-job, kombu's reader met the closed connection, and the worker
    neither exited nor reconnected for two minutes (a known class of kombu bugs). A worker still alive ``grace``
    seconds after the message exits with status 1, so the container's restart policy (docker-compose.yml) starts a
    new one."""

    def __init__(self, grace: float = UNRECOVERABLE_GRACE):
        super().__init__(logging.CRITICAL)
        self.grace = grace

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Unrecoverable error"):
            timer = threading.Timer(self.grace, os._exit, args=(1,))
            timer.daemon = True
            timer.start()


def _watch_for_unrecoverable(**_):
    logging.getLogger("celery.worker.worker").addHandler(ExitAfterUnrecoverable())


def celery_app(redis_url: str):
    """The Celery application of the lab's background jobs."""
    from celery import Celery
    from celery.signals import worker_init
    worker_init.connect(_watch_for_unrecoverable, weak=False)
    app = Celery("dtlab", broker=redis_url, backend=redis_url)
    # a Redis that stops mid-way is given up within seconds (Celery's default retries the result store 20 times,
    # ~20 s, longer than a callback may take): the page then says so and offers Retry (components.jobs)
    quick = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
    app.conf.update(broker_connection_retry_on_startup=True, result_expires=JOB_EXPIRE,
                    worker_prefetch_multiplier=1, task_acks_late=True,
                    result_backend_transport_options={"retry_policy": quick}, task_publish_retry_policy=quick,
                    redis_socket_connect_timeout=2, broker_connection_timeout=2)
    return app


def jobs_folder() -> str | None:
    """The folder of the local jobs' progress and results (``BACKGROUND_CACHE_DIR``); None under Celery."""
    if os.environ.get("REDIS_URL"):
        return None
    return os.environ.get("BACKGROUND_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dtlab-jobs"))


def background_manager():
    """CeleryManager when ``REDIS_URL`` is set, else a DiskcacheManager on ``BACKGROUND_CACHE_DIR``."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return WatchedCeleryManager(celery_app(redis_url), expire=JOB_EXPIRE)
    import diskcache
    return WatchedDiskcacheManager(diskcache.Cache(jobs_folder()), expire=JOB_EXPIRE)



class JobFailure(RuntimeError):
    """A background job that cannot give a result; ``str()`` is the message for the user."""


def _failure(message: str) -> dict:
    """A job's outcome as Dash reads a job's error: it calls the callback's ``on_error`` with it."""
    return {"background_callback_error": {"msg": f"{JobFailure.__name__}: {message}", "tb": ""}}


def _unreachable() -> tuple:
    """What a broker or result backend that cannot be reached raises."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError
    return (OSError, RedisError, OperationalError)


def failure_message(err: Exception) -> str:
    """The user's words for an error a background callback ended with (its ``on_error``); logged in one line."""
    text = str(err)
    marker = f"{JobFailure.__name__}: "
    if isinstance(err, JobFailure):
        message = text
    elif marker in text:                  # a watched job's outcome, through Dash's BackgroundCallbackError
        message = text.split(marker, 1)[1].split("\n", 1)[0]
    elif isinstance(err, _unreachable()):      # polling a job while Redis is gone
        message = FAILURES["unreachable"]
    else:                                  # the computation itself raised: its last line says what
        last = [line for line in text.strip().splitlines() if line.strip()]
        message = FAILURES["failed"].format(what=(last[-1] if last else type(err).__name__)[:160])
    log.warning("background job failed: %s", message)
    return message


def client_id() -> str:
    """Who asks for a job: the browser's session (components.hardening gives each browser one), or, for a client
    that keeps no cookie, its address."""
    from flask import has_request_context, request

    from components.hardening import CLIENT
    return request.environ.get(CLIENT, "local") if has_request_context() else "local"


class Watched:
    """Mixin for a Dash background manager: queueing errors, lost jobs and stalled jobs become job errors, a browser
    runs at most ``JOBS_PER_CLIENT`` jobs at once, and (``live_max``) the server holds a bounded number of jobs.

    The time a job was queued or last reported progress is kept beside its result (``{key}-heard``), each
    browser's jobs under ``jobs-of-{client}`` and all under ``jobs-all``, in the manager's own store, so whichever
    web worker answers sees them."""

    #: Jobs computing or waiting at once on this server; None: not bounded.
    live_max: int | None = None

    def call_job_fn(self, key, job_fn, args, context):
        mine = f"jobs-of-{client_id()}"
        own = self._live(mine)
        if len(own) >= JOBS_PER_CLIENT:
            own = self._without_left_behind(own)
        everyone = self._live("jobs-all") if self.live_max is not None else []     # Celery keeps no such list
        if len(own) >= JOBS_PER_CLIENT:
            raise JobFailure(FAILURES["busy"].format(running=len(own), s="" if len(own) == 1 else "s"))
        if self.live_max is not None and len(everyone) >= self.live_max:
            raise JobFailure(FAILURES["full"].format(live=len(everyone), slots=JOB_SLOTS))
        try:
            job = super().call_job_fn(key, job_fn, args, context)
        except Exception as err:   # noqa: BLE001 — whatever stops the queueing (Celery's result consumer raises a
            # RuntimeError when it cannot reconnect to Redis), the job is not queued; the cause goes to the log
            log.warning("job not queued: %s: %s", type(err).__name__, " ".join(str(err).split())[:200])
            raise JobFailure(FAILURES["queue"]) from None
        self._put(f"{key}-heard", repr(time.time()))
        self._put(f"{key}-polled", repr(time.time()))
        with self._transaction():        # two web workers adding a job at once both keep theirs
            self._put(mine, json.dumps(self._live(mine) + [[job, time.time(), key]]))
            if self.live_max is not None:
                self._put("jobs-all", json.dumps(self._live("jobs-all") + [[job, time.time(), key]]))
        return job

    def _live(self, name) -> list:
        """The [job, queued at, key] kept under ``name`` whose job still runs (a handle older than a job result's
        life is dropped: Celery reads an expired task as PENDING, which would count as running for ever)."""
        return [entry for entry in json.loads(self._get(name) or "[]")     # (one kept before 12/2026 has no key)
                if time.time() - entry[1] < JOB_EXPIRE and self.job_running(entry[0])]

    def _without_left_behind(self, own: list) -> list:
        """``own`` less the jobs no page has polled for ``LEFT_BEHIND_SECONDS``, which are cancelled: a student who
        opens job pages one after the other is not refused for the jobs of the pages left (their results, once
        computed, would have been kept; a page opened again starts its job again)."""
        kept = []
        for entry in own:
            polled = self._get(f"{entry[2]}-polled") if len(entry) > 2 else None
            if polled is not None and time.time() - float(polled) > LEFT_BEHIND_SECONDS:
                log.warning("a job left behind was cancelled for a new one of the same browser")
                self.terminate_job(entry[0])
            else:
                kept.append(entry)
        return kept

    def _transaction(self):
        return nullcontext()

    def get_progress(self, key):
        progress = super().get_progress(key)
        if progress is not None:
            self._put(f"{key}-heard", repr(time.time()))
        return progress

    def _heard(self, key):
        value = self._get(f"{key}-heard")
        return float(value) if value is not None else None

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or job is None:
            return result
        self._put(f"{key}-polled", repr(time.time()))      # a page still waits for it
        if not self.job_running(job):
            result = super().get_result(key, job)        # it may have finished between the two looks
            return _failure(FAILURES["lost"]) if result is self.UNDEFINED else result
        heard = self._heard(key)
        if heard is not None and time.time() - heard > JOB_STALL_SECONDS:
            self.terminate_job(job)
            return _failure(FAILURES["stalled"].format(seconds=JOB_STALL_SECONDS))
        return result


def close_inherited_sockets() -> None:
    """Close every socket a forked job inherited from its web worker.  A job forked while other threads of the
    worker served students held copies of their keep-alive connections: when the worker closed one, the job's
    copy kept it open, and the student's next request on it went to a process that never answers (seen under
    bench.load: requests waited out a 60 s timeout).  A job needs none of them: diskcache reads files and
    redis-py opens new connections in a new process."""
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                os.close(int(name))
        except OSError:                      # the listing's own descriptor, already gone
            pass


class WatchedDiskcacheManager(Watched, DiskcacheManager):
    """Jobs as forked processes on this machine, watched; at most ``JOB_SLOTS`` compute and ``JOB_QUEUE`` wait."""

    live_max = JOB_SLOTS + JOB_QUEUE

    def call_job_fn(self, key, job_fn, args, context):
        def job(*job_args):
            close_inherited_sockets()
            return job_fn(*job_args)
        return super().call_job_fn(key, job, args, context)

    def _transaction(self):
        return self.handle.transact()            # the job counts, read and written by one web worker at a time

    def _put(self, name, text):
        self.handle.set(name, text, expire=JOB_EXPIRE)

    def _get(self, name):
        return self.handle.get(name)


def queued_ahead(client, task_id: str | None, queue: str = "celery") -> int | None:
    """How many jobs wait before ``task_id`` in Celery's Redis queue (kombu pushes on the left and workers pop on
    the right); None when it is not waiting there (taken by a worker, or unknown)."""
    if not task_id:
        return None
    messages = client.lrange(queue, 0, -1)
    for i, raw in enumerate(messages):
        try:
            found = json.loads(raw)["headers"]["id"] == task_id
        except (ValueError, KeyError, TypeError):
            continue
        if found:
            return len(messages) - 1 - i
    return None


class WatchedCeleryManager(Watched, CeleryManager):
    """Jobs on Celery workers through Redis, watched.  A job is queued only after Redis answered a ping (within a
    second): queueing into a stopped Redis retried for ~20 s, past the callback's deadline, and the page never
    heard why.  While a job waits in the queue its progress line says how many jobs are ahead of it (not counted
    as progress: a queue that never moves is still reported after ``JOB_STALL_SECONDS``)."""

    def call_job_fn(self, key, job_fn, args, context):
        import redis
        try:
            self._broker().ping()
        except (redis.RedisError, OSError) as err:
            log.warning("job not queued: %s: %s", type(err).__name__, " ".join(str(err).split())[:200])
            raise JobFailure(FAILURES["queue"]) from None
        job = super().call_job_fn(key, job_fn, args, context)
        self.handle.backend.set(f"{key}-task", job)
        return job

    def get_progress(self, key):
        progress = super().get_progress(key)
        if progress is not None:
            return progress
        task = self.handle.backend.get(f"{key}-task")
        ahead = queued_ahead(self._broker(), task.decode() if isinstance(task, bytes) else task)
        if ahead is None:
            return None
        return ["0", "1", QUEUED.format(ahead=ahead, s="" if ahead == 1 else "s")]

    def _broker(self):
        if getattr(self, "_broker_client", None) is None:
            import redis
            self._broker_client = redis.Redis.from_url(self.handle.conf.broker_url, socket_connect_timeout=1,
                                                       socket_timeout=1)
        return self._broker_client

    def _put(self, name, text):
        self.handle.backend.set(name, text)          # kept for result_expires (JOB_EXPIRE), as a job's result

    def _get(self, name):
        value = self.handle.backend.get(name)
        return value.decode() if isinstance(value, bytes) else value
