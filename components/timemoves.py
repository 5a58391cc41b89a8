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

import functools

import numpy as np
from dash import ClientsideFunction, Input, Output, clientside_callback

from components import ids
from components.cache import local, shared
from components.state import FIELDS, LabState, state_from_store, time_of, without_time
from components.typed_arrays import is_packed, packed, unpacked

NOW, NOW_Y = "now", "now-y"
#: The time at which ``drawn(kind, 'moved')`` draws a figure before moving it.
REFERENCE_T = FIELDS["t"].default


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


def nearest_time_index(times, t: float) -> int:
    """The index of the time nearest ``t`` in log t (the browser's ``nearest`` rule)."""
    return int(np.argmin(np.abs(np.log(np.asarray(times, float)) - np.log(t))))


def _length(values) -> int:
    """The length of a trace's array, packed by plotly ({dtype, bdata}) or not."""
    return unpacked(values).size if is_packed(values) else len(values)


def _set(data: list, i: int, prop: str, value) -> None:
    trace = data[i] = dict(data[i])
    *path, last = prop.split(".")
    for key in path:
        trace[key] = dict(trace.get(key) or {})
        trace = trace[key]
    trace[last] = value


def merge_groups(merges, count: int, t: float) -> list[int]:
    """Group number of each of ``count`` paths at t: the union of the merges (τ, a, b) with τ ≤ t, groups
    numbered in the order of their first member (the browser's ``merging`` rule)."""
    parent = list(range(count))

    def find(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for tau, a, b in merges:
        if tau <= t:
            parent[find(b)] = find(a)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(find(j), len(numbers)) for j in range(count)]


def _move_trace_parts(mover: dict, t: float, data: list, layout: dict) -> None:
    kind = mover["kind"]
    if kind == "constant":
        for i in mover["traces"]:
            _set(data, i, mover["prop"], np.full(_length(data[i][mover["prop"]]), t))
    elif kind == "nearest":
        row = unpacked(mover["values"])[nearest_time_index(np.exp(unpacked(mover["log_times"])), t)]
        _set(data, mover["trace"], mover["prop"], row.tolist())
    elif kind == "merging":
        group = merge_groups(mover["merges"], mover["count"], t)
        colors = [mover["palette"][g % len(mover["palette"])] for g in group]
        if mover["points"]:
            _set(data, mover["traces"][0], mover["prop"], colors)
        else:
            for i, color in zip(mover["traces"], colors, strict=True):
                _set(data, i, mover["prop"], color)
    elif kind == "links":
        for i, height in zip(mover["traces"], mover["heights"], strict=True):
            _set(data, i, "line", {**(data[i].get("line") or {}), **(mover["on"] if height <= t else mover["off"])})
    elif kind == "title":
        title = layout.get("title")
        layout["title"] = {**(title if isinstance(title, dict) else {}), "text": title_text(mover, t)}


def moved(fig, t: float):
    """``fig`` (a plotly figure or its dict) with its declared parts at ``t``: the server's twin of
    assets/timemoves.js, so a figure drawn once per result serves every time (tests check the two agree)."""
    fig = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    spec = ((fig.get("layout") or {}).get("meta") or {}).get("time") if isinstance(fig, dict) else None
    if not spec or spec["t"] == t:
        return fig
    layout = {**fig["layout"], "meta": {**fig["layout"]["meta"], "time": {**spec, "t": t}}}
    x = t
    if "map" in spec:
        x = float(np.interp(np.log(t), unpacked(spec["map"]["log_times"]), unpacked(spec["map"]["x"])))
    if "shapes" in layout:
        layout["shapes"] = [{**s, "x0": x, "x1": x} if s.get("name") == NOW else
                            {**s, "y0": t, "y1": t} if s.get("name") == NOW_Y else s for s in layout["shapes"]]
    data = list(fig.get("data", []))
    for mover in spec["movers"]:
        _move_trace_parts(mover, t, data, layout)
    return {**fig, "data": data, "layout": layout}


def drawn(kind: str, time: str | None, job=None):
    """The one decorator of a render callback: how its answer is cached, by how it depends on t.

    ``time="moved"``: the last argument is the ``lab-time`` store; the function is called at ``REFERENCE_T``,
    its answer kept in the shared cache per its other arguments (``components.cache.shared``; not while
    ``job``, the TimeFreeJob the figures draw, has no result for the state) and ``moved`` to the validated
    t — every student, at every time, shares one drawing per result.
    ``time="exact"``: the answer is computed at the t it is given (a released or typed time) and kept in this
    worker's memory (``components.cache.local``).  ``time=None``: the answer does not depend on t and is kept
    in the shared cache.  A state store's value among the arguments is keyed validated and without t."""
    def ready(*args):
        data = next((a for a in args if isinstance(a, (dict, LabState))), None)
        return job is None or job.stored(state_from_store(data)) is not None

    def wrap(fn):
        if time == "exact":
            return local()(fn)
        if time is None:
            return shared(kind, ready)(fn)
        memo = shared(kind, ready)(lambda *args: fn(*args, REFERENCE_T))

        @functools.wraps(fn)
        def at_time(*args):
            *rest, when = args
            t = time_of(when)
            # a t inside the state (a hand-made request, a test) is not the time and must not split the cache
            out = memo(*[without_time(state_from_store(a)) if isinstance(a, (dict, LabState)) else a for a in rest])
            return tuple(moved(o, t) for o in out) if isinstance(out, tuple) else moved(out, t)
        return at_time
    return wrap
