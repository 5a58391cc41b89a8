"""A view's long computation, run once per set of inputs as a background job (one shape for all).

A view whose heavy result does not depend on the time slider declares it once, with the fields it reads
beyond the target's shape and the process::

    JOB = TimeFreeJob("bifurcation", compute, reads=("gc", "gw", "h"))   # compute(inputs, progress) -> result

its page puts ``JOB.progress_bar(prefix)`` and ``JOB.stores(prefix)`` in its layout and calls
``JOB.wire(prefix)``; its render callbacks take ``Input(f"{prefix}-ready", "data")`` and read
``JOB.stored(state)`` (None while the job runs).  ``compute`` receives ``JOB.inputs(state)``: the state
narrowed to what it reads (components.state.inputs_of; every other field at its default, t included),
which is also the result's cache key — so a field outside the key cannot change the result.  What flows:

    state store ──► {prefix}-key   (the inputs; no_update while only t or an unread field moves)
                ──► {prefix}-queue (the key, when the result is not stored yet)
                ──► background job: JOB.result(state, progress) computes and caches the result
                ──► {prefix}-ready (the key again; at once when it was stored) ──► render callbacks redraw at the
                    current t

A job that ends without a result (not queued, its process killed, stalled: components.background) sets
``{prefix}-ready`` to ``"failed:<message>"`` (text, like a key: render callbacks key their caches by it); the
message shows with a Retry button beside the progress bar until a new run starts, and render callbacks draw
``JOB.waiting(ready)`` instead of the figure ("computing…" or the failure).

Results live in the lab's cache (components.cache), shared by gunicorn workers and Celery workers.
A page control that is not a state field (a "new run" button's count) can enter the key too
(``controls``: (id, property) pairs): its values are passed to ``compute`` after the inputs.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, callback, ctx, dcc, html, no_update, set_props

from components import ids
from components.background import (
    FAILURES,
    QUEUED,
    JobFailure,
    failure_message,
    heartbeat,
    in_a_job_process,
    job_slot,
)
from components.cache import SHARED, versioned
from components.plotting import empty_figure
from components.state import LabState, inputs_of, state_from_store

HIDDEN, SHOWN = {"display": "none"}, {"display": "flex"}
#: Seconds a job's claim on its result lives without a progress step (then another job may compute it).
CLAIM_SECONDS = 30
#: Seconds between two looks of a job waiting for the same computation in another job.
WAIT_STEP = 0.25
WAITING = "the same computation is running for another student: waiting for its result"
#: A job's progress line once it has its slot, before its first step.
COMPUTING = "computing…"
#: How ``{prefix}-ready`` begins when the job ended without a result.
FAILED = "failed:"


def _wait_for(name: str, claim: str, progress):
    """The result another job is computing under ``claim``, once stored; None if the claim lapses first."""
    while SHARED.held(claim):
        if progress is not None:
            progress(0, 1, WAITING)
        found = SHARED.get(name, fresh=True)
        if found is not None:
            return found
        time.sleep(WAIT_STEP)
    return SHARED.get(name, fresh=True)


def download_failed(err):
    """``on_error`` of an on-demand job without a panel of its own (a download): the failure at the page's top."""
    set_props(ids.JOB_NOTICE, {"children": [html.Strong("The download failed: "), failure_message(err)]})
    return no_update


def figure_failed(height: int):
    """``on_error`` of an on-demand job that draws one figure: the failure in the figure's place."""
    return lambda err: empty_figure(failure_message(err), height)


def step_status(i: int, n: int) -> str:
    return f"step {i} of {n}"


@dataclass(frozen=True)
class TimeFreeJob:
    """A cached computation keyed by its inputs.

    Attributes
    ----------
    kind : str
        Cache namespace of the results.
    compute : callable
        ``compute(inputs, *controls, progress=None)`` → the result (a plain value or frozen dataclass);
        ``inputs`` is a LabState narrowed to ``reads``.
    reads : tuple of str
        State fields the result reads besides the target, its shape parameters and the process.
    target : bool
        Whether it reads the target and the process at all (the generative bath does not).
    controls : tuple of (component id, property)
        Page controls that are not state fields and enter the key.
    status : callable
        ``status(i, n)`` → the text beside the progress bar.
    applies : callable
        ``applies(state)``: whether the view computes anything for this state (the images view: an image target);
        no job is queued where it does not, and the page says why.
    """

    kind: str
    compute: Callable[..., Any]
    reads: tuple = ()
    target: bool = True
    controls: tuple = ()
    status: Callable[[int, int], str] = step_status
    applies: Callable[[LabState], bool] = lambda _state: True

    def inputs(self, state: LabState) -> LabState:
        """What ``compute`` receives: the state narrowed to what it reads."""
        return inputs_of(state, self.reads, self.target)

    def key(self, state: LabState, *controls) -> tuple:
        return (self.inputs(state), *controls)

    def result(self, state: LabState, *controls, progress=None, slot=None):
        """The result for ``state``: from the cache, or computed now from its inputs and stored.

        Identical jobs in flight compute once: the first claims the result's name (``SharedStore.claim``, renewed
        at each progress step and heartbeat, so a job that died frees it within ``CLAIM_SECONDS``); the others wait
        for its result, saying so beside their progress bar, and compute themselves only if the claim lapses without
        one.  ``progress(i, n, text=None)``; ``slot(report)``, a context manager held while computing
        (``components.background.job_slot``: a background job waits its turn for a CPU)."""
        name = versioned(self.kind, self.key(state, *controls))
        found = SHARED.get(name, fresh=True)
        if found is not None:
            return found
        claim = f"{name}:computing"
        if not SHARED.claim(claim, CLAIM_SECONDS):
            found = _wait_for(name, claim, progress)
            if found is not None:
                return found
            SHARED.claim(claim, CLAIM_SECONDS)

        said = [(0, 1, None)]

        def step(i, n, text=None):
            said[0] = (i, n, text)
            SHARED.claim_again(claim, CLAIM_SECONDS)
            if progress is not None:
                progress(i, n, text)
        def queued(ahead):
            step(0, 1, QUEUED.format(ahead=ahead, s="" if ahead == 1 else "s"))
        try:
            with slot(queued) if slot is not None else nullcontext():
                if said[0][2] is not None:                   # it waited for its slot: no longer
                    step(0, 1, COMPUTING)
                with heartbeat(lambda: step(*said[0])):     # a long step on a busy machine is not a stalled job
                    found = self.compute(self.inputs(state), *controls, progress=step)
            SHARED.set(name, found)
        finally:
            SHARED.release(claim)
        return found

    def stored(self, state: LabState, *controls):
        """The stored result, or None if it has not been computed (or has expired): never computes."""
        return SHARED.get(versioned(self.kind, self.key(state, *controls)), fresh=True)

    def is_stored(self, state: LabState, *controls) -> bool:
        """Whether the result is stored (without reading it)."""
        return SHARED.has(versioned(self.kind, self.key(state, *controls)))

    def progress_bar(self, prefix: str, cancel: bool = False) -> html.Div:
        """Progress bar, status text and (optionally) a Cancel button, shown while the job runs; in their place
        the failure and a Retry button when a job ended without a result."""
        parts = [html.Progress(id=f"{prefix}-progress", value="0", max="1"),
                 html.Span(id=f"{prefix}-status", className="status")]
        if cancel:
            parts.append(html.Button("Cancel", id=f"{prefix}-cancel", n_clicks=0))
        failure = html.Div([html.Span(id=f"{prefix}-failure-text"),
                            html.Button("Retry", id=f"{prefix}-retry", n_clicks=0)],
                           id=f"{prefix}-failure", className="job-failure", role="alert", style=HIDDEN)
        return html.Div([html.Div(parts, id=f"{prefix}-running", className="running"), failure])

    @staticmethod
    def failed(ready) -> bool:
        """Whether the ``{prefix}-ready`` store says the job ended without a result."""
        return isinstance(ready, str) and ready.startswith(FAILED)

    @classmethod
    def waiting(cls, ready, busy: str = "computing…") -> str:
        """What a figure says while its job's result is missing: ``busy`` while the job runs, or that it failed."""
        return "No result yet: the last run failed (see the message above)." if cls.failed(ready) else busy

    @staticmethod
    def stores(prefix: str) -> list:
        return [dcc.Store(id=f"{prefix}-key"), dcc.Store(id=f"{prefix}-queue"), dcc.Store(id=f"{prefix}-ready")]

    def wire(self, prefix: str, cancel: bool = False) -> None:
        """Register the page's callbacks: the key store (which answers at once when the result is stored) and
        the background job (queued only when it is not)."""
        control_inputs = [Input(cid, prop) for cid, prop in self.controls]
        control_states = [State(cid, prop) for cid, prop in self.controls]

        @callback(Output(f"{prefix}-key", "data"), Output(f"{prefix}-queue", "data"), Output(f"{prefix}-ready", "data"),
                  Input(ids.STATE, "data"), Input(f"{prefix}-retry", "n_clicks"), *control_inputs,
                  State(f"{prefix}-key", "data"))
        def job_key(data, retries, *rest):
            """The job's key; no_update when unchanged, so moving t (or a field it does not read) never restarts it.
            A stored result is ready at once, with no job (a class that follows the lecturer finds every result
            stored: a job costs a process and a poll, ~1 s); otherwise the key goes to the queue.  Retry gives
            the same inputs a new key, so the job runs again."""
            *controls, current = rest
            state = state_from_store(data)
            if not self.applies(state):
                return no_update, no_update, no_update
            key = repr(self.key(state, *controls))
            if ctx.triggered_id == f"{prefix}-retry":
                key = f"{key} (retry {retries})"
                return key, key, no_update
            if current == key or str(current).startswith(f"{key} (retry "):
                return no_update, no_update, no_update
            if self.is_stored(state, *controls):
                return key, no_update, key
            return key, key, no_update

        @callback(Output(f"{prefix}-failure", "style"), Output(f"{prefix}-failure-text", "children"),
                  Input(f"{prefix}-ready", "data"), Input(f"{prefix}-key", "data"), prevent_initial_call=True)
        def show_failure(ready, _key):
            """The failure and Retry when the job's run failed; hidden once a new run starts (a new key)."""
            if f"{prefix}-ready.data" in ctx.triggered_prop_ids and self.failed(ready):
                return SHOWN, ready[len(FAILED):]
            return HIDDEN, no_update

        def failed(err):
            """A job that ended without a result (its ``on_error``): the ready store says so, with the message."""
            return FAILED + failure_message(err)

        @callback(Output(f"{prefix}-ready", "data", allow_duplicate=True), Input(f"{prefix}-queue", "data"),
                  State(ids.STATE, "data"),
                  *control_states, background=True, prevent_initial_call=True, on_error=failed,
                  cancel=[Input(f"{prefix}-cancel", "n_clicks")] if cancel else None,
                  running=[(Output(f"{prefix}-running", "style"), {"display": "flex"}, {"display": "none"})],
                  progress=[Output(f"{prefix}-progress", "value"), Output(f"{prefix}-progress", "max"),
                            Output(f"{prefix}-status", "children")])
        def run_job(set_progress, key, data, *controls):
            """Compute (or find) the result in a background job, reporting progress."""
            in_a_job_process()
            SHARED.retry_now()                    # a new process: the shared cache may be back since the last failure
            set_progress(("0", "1", "starting…"))
            self.result(state_from_store(data), *controls, slot=job_slot,
                        progress=lambda i, n, text=None: set_progress((str(i), str(n), text or self.status(i, n))))
            if SHARED.down_since is not None:      # kept in this process only: the page could never read it
                raise JobFailure(FAILURES["store"])
            return key

        job_key.__name__ = f"{prefix.replace('-', '_')}_job_key"
        show_failure.__name__ = f"{prefix.replace('-', '_')}_show_failure"
        run_job.__name__ = f"{prefix.replace('-', '_')}_run_job"
