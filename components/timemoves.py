"""Time moves drawn in the browser: a figure says which of its parts depend on t, and
``assets/timemoves.js`` moves them when the ``lab-time`` store changes — no server request.

A figure builder draws at one t and declares its moving parts::

    now_line(fig, t)                                   # a vertical line at t (``row=…`` for subplots)
    movable(fig, t, title("Fisher spectrum at t = {t}"),
            nearest(0, "y", times, eigenvalues))        # trace 0's y: the row of the nearest time

and the page wires its graphs once: ``wire_time_moves("entropy-fisher", ...)``.  Movers:

- shapes named ``"now"`` (``"now-y"``) move to x = t (y = t); ``axis_map`` maps t to another x axis;
- ``constant``: traces whose x (or y) values all equal t;
- ``nearest``: a trace property read from a table on a time grid (the row nearest in log t);
- ``merging``: traces (or points of one trace) colored by the groups merged by t (union of the
  merges with τ ≤ t, groups numbered by their first member: ``clusters_at``'s rule);
- ``links``: dendrogram links drawn one way at or below t, another above;
- ``title``: the title's text with ``{t}`` and, between ``breaks``, one of ``labels`` for ``{label}``.

Tables travel as plotly's packed typed arrays ({dtype, bdata, shape}); the browser picks rows
exactly as the server would (nearest in log t), so a released slider position shows what a
server render at that t shows.
"""
from __future__ import annotations

import base64

import numpy as np
from dash import ClientsideFunction, Input, Output, clientside_callback

from components import ids

NOW, NOW_Y = "now", "now-y"


def packed(a, dtype="<f4") -> dict:
    """An array as plotly packs it: little-endian bytes in base64 with its shape."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return {"dtype": np.dtype(dtype).str.lstrip("<>|="), "bdata": base64.b64encode(a.tobytes()).decode(),
            "shape": list(a.shape)}


def now_line(fig, t: float, horizontal: bool = False, **kw) -> None:
    """The line at the current time (vertical at x = t, or horizontal at y = t), movable in the browser."""
    line = kw.pop("line", dict(color="black", width=2))
    if horizontal:
        fig.add_hline(y=t, line=line, name=NOW_Y, **kw)
    else:
        fig.add_vline(x=t, line=line, name=NOW, **kw)


def movable(fig, t: float, *movers: dict, axis_map: dict | None = None):
    """Declare ``fig`` drawn at ``t`` with ``movers`` (and its now lines placed by ``axis_map``)."""
    spec = {"t": float(t), "movers": list(movers)}
    if axis_map is not None:
        spec["map"] = axis_map
    fig.update_layout(meta={"time": spec})
    return fig


def constant(traces, prop: str = "x") -> dict:
    return {"kind": "constant", "traces": list(traces), "prop": prop}


def nearest(trace: int, prop: str, times, values) -> dict:
    """``values[k]`` (one row per time) becomes the trace's ``prop`` at the time nearest t (in log t)."""
    values = np.asarray(values, dtype=float)
    return {"kind": "nearest", "trace": trace, "prop": prop, "log_times": packed(np.log(times), "<f8"),
            "values": packed(values.reshape(len(values), -1))}


def merging(traces, count: int, merges, palette, prop: str = "line.color", points: bool = False) -> dict:
    """Color each of ``count`` paths (path j: trace ``traces[j]``, or point j of trace ``traces[0]`` if
    ``points``) by its group at t: ``merges`` are (τ, a, b), paths a and b joined for t ≥ τ."""
    table = [[float(tau), int(a), int(b)] for tau, a, b in merges]
    return {"kind": "merging", "traces": list(traces), "count": int(count), "merges": table,
            "palette": list(palette), "prop": prop, "points": points}


def links(traces, heights, on: dict, off: dict) -> dict:
    """Dendrogram links: ``on`` style while their height is ≤ t (not yet decided), ``off`` above."""
    return {"kind": "links", "traces": list(traces), "heights": [float(h) for h in heights], "on": on, "off": off}


def title(text: str, breaks=(), labels=()) -> dict:
    """The title at t: ``{t}`` as 3 significant digits, ``{label}`` the label of the interval of t."""
    return {"kind": "title", "text": text, "breaks": [float(b) for b in breaks], "labels": list(labels)}


def axis_of(times, xs) -> dict:
    """Now lines at x(t) interpolated in log t (an entropic time axis, for instance)."""
    return {"log_times": packed(np.log(times), "<f8"), "x": packed(xs, "<f8")}


def wire_time_moves(*graph_ids: str) -> None:
    """One clientside callback: a time move (or a new figure from the server) moves each graph's
    declared parts to the current t, in the browser."""
    clientside_callback(ClientsideFunction("time", "move"),
                        *[Output(g, "figure", allow_duplicate=True) for g in graph_ids],
                        Input(ids.TIME, "data"), *[Input(g, "figure") for g in graph_ids],
                        prevent_initial_call=True)


def title_text(mover: dict, t: float) -> str:
    """The title ``title(...)`` gives at ``t`` (the browser's rule: the label of the interval of t)."""
    label = mover["labels"][sum(b <= t for b in mover["breaks"])] if mover["labels"] else ""
    return mover["text"].replace("{t}", f"{t:.3g}").replace("{label}", label)


def nearest_index(times, t: float) -> int:
    """The index of the time nearest ``t`` in log t (the browser's ``nearest`` rule)."""
    return int(np.argmin(np.abs(np.log(np.asarray(times, float)) - np.log(t))))
