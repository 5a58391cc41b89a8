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
                ──► background job: JOB.result(state, progress) computes and caches the result
                ──► {prefix}-ready (the key again) ──► render callbacks redraw at the current t

Results live in the lab's cache (components.cache), shared by gunicorn workers and Celery workers.
A page control that is not a state field (a "new run" button's count) can enter the key too
(``controls``: (id, property) pairs): its values are passed to ``compute`` after the inputs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, callback, dcc, html, no_update

from components import ids
from components.background import parallel_blas_in_a_job
from components.cache import cache, cached, versioned
from components.state import LabState, inputs_of, state_from_store


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
    """

    kind: str
    compute: Callable[..., Any]
    reads: tuple = ()
    target: bool = True
    controls: tuple = ()
    status: Callable[[int, int], str] = step_status

    def inputs(self, state: LabState) -> LabState:
        """What ``compute`` receives: the state narrowed to what it reads."""
        return inputs_of(state, self.reads, self.target)

    def key(self, state: LabState, *controls) -> tuple:
        return (self.inputs(state), *controls)

    def result(self, state: LabState, *controls, progress=None):
        """The result for ``state``: from the cache, or computed now from its inputs and stored."""
        return cached(self.kind, self.key(state, *controls),
                      lambda: self.compute(self.inputs(state), *controls, progress=progress))

    def stored(self, state: LabState, *controls):
        """The stored result, or None if it has not been computed (or has expired): never computes."""
        return cache.get(versioned(self.kind, self.key(state, *controls)))

    def progress_bar(self, prefix: str, cancel: bool = False) -> html.Div:
        """Progress bar, status text and (optionally) a Cancel button, shown while the job runs."""
        parts = [html.Progress(id=f"{prefix}-progress", value="0", max="1"),
                 html.Span(id=f"{prefix}-status", className="status")]
        if cancel:
            parts.append(html.Button("Cancel", id=f"{prefix}-cancel", n_clicks=0))
        return html.Div(parts, id=f"{prefix}-running", className="running")

    @staticmethod
    def stores(prefix: str) -> list:
        return [dcc.Store(id=f"{prefix}-key"), dcc.Store(id=f"{prefix}-ready")]

    def wire(self, prefix: str, cancel: bool = False) -> None:
        """Register the page's two callbacks: the key store and the background job."""
        control_inputs = [Input(cid, prop) for cid, prop in self.controls]
        control_states = [State(cid, prop) for cid, prop in self.controls]

        @callback(Output(f"{prefix}-key", "data"), Input(ids.STATE, "data"), *control_inputs,
                  State(f"{prefix}-key", "data"))
        def job_key(data, *rest):
            """The job's key; no_update when unchanged, so moving t (or a field it does not read) never restarts it."""
            *controls, current = rest
            key = repr(self.key(state_from_store(data), *controls))
            return no_update if key == current else key

        @callback(Output(f"{prefix}-ready", "data"), Input(f"{prefix}-key", "data"), State(ids.STATE, "data"),
                  *control_states, background=True, prevent_initial_call=True,
                  cancel=[Input(f"{prefix}-cancel", "n_clicks")] if cancel else None,
                  running=[(Output(f"{prefix}-running", "style"), {"display": "flex"}, {"display": "none"})],
                  progress=[Output(f"{prefix}-progress", "value"), Output(f"{prefix}-progress", "max"),
                            Output(f"{prefix}-status", "children")])
        def run_job(set_progress, key, data, *controls):
            """Compute (or find) the result in a background job, reporting progress."""
            parallel_blas_in_a_job()
            set_progress(("0", "1", "starting…"))
            self.result(state_from_store(data), *controls,
                        progress=lambda i, n: set_progress((str(i), str(n), self.status(i, n))))
            return key

        job_key.__name__ = f"{prefix.replace('-', '_')}_job_key"
        run_job.__name__ = f"{prefix.replace('-', '_')}_run_job"
