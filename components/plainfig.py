"""Figures built as the dicts plotly writes, without plotly's objects.

``go.Figure`` validates every property as it is set: a subplot grid cost ~9 ms, a trace or a line at a time 1–4 ms,
and writing the objects out again ~4 ms a figure — most of the first drawing of a job's result (issue 30).
``PlainFigure`` has the building methods the lab's figure builders use, with plotly's meanings (magic underscores
such as ``title_text``, a string title as ``{"text": …}``, lines and rectangles spanning a subplot, a subplot grid
from ``make_subplots`` itself, computed once per shape of grid); ``to_plotly_json`` gives the dict.  The tests have
plotly read each builder's figure back unchanged (tests/test_figures.py)::

    fig = PlainFigure.subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("a", "b"))
    fig.add_trace(scatter(x=t, y=y, mode="lines", line_width=2), 2, 1)
    fig.add_vline(x=0.5, row=2, col=1)
    fig.update_xaxes(type="log")
    return fig.to_plotly_json()
"""
from __future__ import annotations

import base64
import copy
import functools

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.subplots import make_subplots

# The template is the default once, not a layout key: passing template="plotly_white" to each
# figure deep-copied and validated it every time (~14 ms a figure, most of a redraw).
pio.templates.default = "plotly_white"

#: The default template as plotly writes it into every figure's layout (read once).
TEMPLATE = go.Figure().to_plotly_json()["layout"]["template"]


#: numpy's dtypes that plotly.js reads as typed arrays, by plotly's short names.
TYPED = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4", "float32": "f4",
         "float64": "f8"}


def typed_array_spec(a: np.ndarray):
    """``a`` as plotly's ``to_typed_array_spec`` writes it (base64 bytes, dtype, shape as "r, c"), directly for the
    dtypes plotly.js reads (plotly's own took ~0.3 ms an array, most of it checks through narwhals); the others
    (64-bit integers, text) through plotly's."""
    short = TYPED.get(a.dtype.name)
    if short is None or a.size == 0 or a.dtype.byteorder == ">":
        return to_typed_array_spec(a)
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(a)).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = str(a.shape)[1:-1]
    return spec


def packed_arrays(value):
    """``value`` (dicts, lists) with its numpy arrays written as plotly writes them: typed-array specs."""
    if isinstance(value, np.ndarray):
        return typed_array_spec(value)
    if isinstance(value, dict):
        return {k: packed_arrays(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [packed_arrays(v) for v in value]
    return value


def plain_figure(data: list, layout: dict) -> dict:
    """A figure as the dict plotly's objects would write, built without them (~1 ms where go.Figure's
    validation took ~20: the landscape's figure at every released time).  Traces and layout are written in
    plotly's own nesting (``title={"text": …}``, colorscales as lists); tests/test_figures.py checks that plotly
    reads each such figure back unchanged."""
    return {"data": packed_arrays(data), "layout": {**packed_arrays(layout), "template": TEMPLATE}}


#: Prefixes that plotly's magic underscores split (``line_width`` → ``line.width``); others stay whole (``error_y``).
MAGIC = frozenset({"title", "xaxis", "yaxis", "zaxis", "scene", "legend", "font", "marker", "line", "margin",
                   "colorbar"})


def _expanded(props: dict) -> dict:
    """``props`` with magic underscores nested and string titles as ``{"text": …}``."""
    out: dict = {}
    for key, value in props.items():
        head, _, rest = key.partition("_")
        if rest and head in MAGIC:
            _merge(out, {head: _expanded({rest: value})})
        else:
            _merge(out, {key: value})
    return out


def _merge(target: dict, props: dict) -> dict:
    """Merge ``props`` into ``target`` as plotly's ``update`` does: nested dicts key by key, the rest replaced, None
    unset."""
    for key, value in props.items():
        if value is None:
            target.pop(key, None)
            continue
        if key == "title" and isinstance(value, str):
            value = {"text": value}
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], _expanded(value))
        elif isinstance(value, dict):
            target[key] = _merge({}, _expanded(value))
        else:
            target[key] = value
    return target


def _layout_value(value):
    """Layout values as plotly writes them: arrays and numpy numbers as plain lists and floats."""
    if isinstance(value, dict):
        return {k: _layout_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_layout_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@functools.lru_cache(maxsize=32)
def _named_colorscale(name: str) -> tuple:
    """A named colorscale's stops as plotly writes them (plotly.js's scale of the same name differs)."""
    return tuple((float(at), color) for at, color in go.Heatmap(colorscale=name).colorscale)


def trace(kind: str, **props) -> dict:
    """A trace of plotly type ``kind`` (``scatter``, ``heatmap``, …) with ``props`` (None: unset)."""
    out = {"type": kind, **_merge({}, _expanded(props))}
    for owner in (out, out.get("marker") or {}):
        if isinstance(owner.get("colorscale"), str):
            owner["colorscale"] = [list(stop) for stop in _named_colorscale(owner["colorscale"])]
    return out


scatter = functools.partial(trace, "scatter")
scattergl = functools.partial(trace, "scattergl")
heatmap = functools.partial(trace, "heatmap")
histogram = functools.partial(trace, "histogram")
bar = functools.partial(trace, "bar")
contour = functools.partial(trace, "contour")


@functools.lru_cache(maxsize=128)
def _grid(rows: int, cols: int, options: tuple, titled: tuple) -> tuple[dict, dict]:
    """The layout ``make_subplots`` writes for this grid (titles as placeholders) and each cell's axis references."""
    kw = {k: list(v) if isinstance(v, tuple) else v for k, v in options}
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"\0{i}" if t else "" for i, t in enumerate(titled)]
                        if titled else None, **kw)
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)
    cells = {}
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            sub = fig.get_subplot(r, c)
            cells[(r, c)] = (sub.xaxis.plotly_name.replace("axis", ""), sub.yaxis.plotly_name.replace("axis", ""))
    return layout, cells


class PlainFigure:
    """A figure under construction as plain data (see the module's docstring)."""

    def __init__(self, data=None):
        self.data = [data] if isinstance(data, dict) else list(data or [])
        self.layout: dict = {}
        self._cells = None                      # a plain figure: one cell, axes x and y

    @classmethod
    def subplots(cls, rows: int = 1, cols: int = 1, subplot_titles=None, **options) -> PlainFigure:
        """``make_subplots(rows, cols, subplot_titles, **options)`` as plain data."""
        titles = list(subplot_titles or ())
        frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
        layout, cells = _grid(rows, cols, frozen, tuple(bool(t) for t in titles))
        fig = cls()
        fig.layout = copy.deepcopy(layout)
        for note in fig.layout.get("annotations", []):
            if note["text"].startswith("\0"):
                note["text"] = titles[int(note["text"][1:])]
        fig._cells = cells
        return fig

    def _refs(self, row, col) -> list[tuple[str, str]]:
        """The (x, y) axis references of the cells in ``row`` and ``col`` (None: all)."""
        if self._cells is None:
            return [("x", "y")]
        return [ref for (r, c), ref in self._cells.items() if row in (None, r) and col in (None, c)]

    def add_trace(self, trace: dict, row=None, col=None) -> PlainFigure:
        if row is not None:
            x, y = self._refs(row, col)[0]
            trace = {**trace, "xaxis": x, "yaxis": y}
        self.data.append(trace)
        return self

    def update_layout(self, **props) -> PlainFigure:
        _merge(self.layout, _expanded(props))
        return self

    def _update_axes(self, letter: str, row, col, props: dict) -> PlainFigure:
        for refs in self._refs(row, col):
            ref = refs[0 if letter == "x" else 1]
            _merge(self.layout.setdefault(f"{letter}axis{ref[1:]}", {}), _expanded(props))
        return self

    def update_xaxes(self, row=None, col=None, **props) -> PlainFigure:
        return self._update_axes("x", row, col, props)

    def update_yaxes(self, row=None, col=None, **props) -> PlainFigure:
        return self._update_axes("y", row, col, props)

    def _used(self) -> set:
        """The (x, y) references that a trace, shape or annotation is drawn on (plotly's ``_subplot_not_empty``)."""
        used = {(t.get("xaxis", "x"), t.get("yaxis", "y")) for t in self.data}
        for kind in ("shapes", "annotations"):
            used.update((item.get("xref"), item.get("yref")) for item in self.layout.get(kind, []))
        return used

    def _spanning(self, shape: dict, across: str, row, col, props: dict) -> PlainFigure:
        """A shape spanning its cell ``across`` ("x" or "y", in the axis's domain), in each cell of row and col (None:
        all) that holds something: plotly's ``exclude_empty_subplots``, which leaves out an empty subplot even when it
        is named."""
        refs = self._refs(row, col)
        if self._cells is not None:
            used = self._used()
            refs = [ref for ref in refs if ref in used]
        for x, y in refs:
            spans = {"xref": f"{x} domain", "yref": y} if across == "x" else {"xref": x, "yref": f"{y} domain"}
            self.layout.setdefault("shapes", []).append(_merge({**shape, **spans}, _expanded(props)))
        return self

    def add_vline(self, x, row=None, col=None, **props) -> PlainFigure:
        return self._spanning({"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1}, "y", row, col, props)

    def add_hline(self, y, row=None, col=None, **props) -> PlainFigure:
        return self._spanning({"type": "line", "x0": 0, "x1": 1, "y0": y, "y1": y}, "x", row, col, props)

    def add_vrect(self, x0, x1, row=None, col=None, **props) -> PlainFigure:
        return self._spanning({"type": "rect", "x0": x0, "x1": x1, "y0": 0, "y1": 1}, "y", row, col, props)

    def add_annotation(self, **props) -> PlainFigure:
        self.layout.setdefault("annotations", []).append(_merge({}, _expanded(props)))
        return self

    def update_annotations(self, **props) -> PlainFigure:
        for note in self.layout.get("annotations", []):
            _merge(note, _expanded(props))
        return self

    def to_plotly_json(self) -> dict:
        return plain_figure(self.data, _layout_value(self.layout))
