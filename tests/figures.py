"""Read the numeric arrays of a figure in the tests, whether a go.Figure or the plain dict a
memoized render callback answers (numpy arrays there are packed: components.typed_arrays)."""
import numpy as np
import plotly.graph_objects as go

from components.typed_arrays import is_packed, unpacked


def as_array(value):
    """A numeric numpy array, or None for text and missing values."""
    if value is None:
        return None
    if is_packed(value):
        return unpacked(value)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return a


def trace_arrays(fig):
    """(trace type, trace name, attribute, array) for x, y, z of every trace."""
    data = fig["data"] if isinstance(fig, dict) else [t.to_plotly_json() for t in fig.data]
    for trace in data:
        for attr in ("x", "y", "z"):
            a = as_array(trace.get(attr))
            if a is not None and a.size:
                yield trace.get("type", "scatter"), trace.get("name"), attr, a.astype(float)


def is_figure(value) -> bool:
    return isinstance(value, go.Figure) or (isinstance(value, dict) and "data" in value and "layout" in value)


def plain(value):
    """A figure (or any part of one) as JSON would carry it, with packed arrays unpacked to float lists
    and numbers as floats: two drawings compare equal when they show the same thing."""
    import json

    import plotly.io as pio
    if isinstance(value, go.Figure):
        value = json.loads(pio.to_json(value))
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        return [float(x) for x in as_array(value).ravel()]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [float(x) for x in value.ravel()] if value.dtype.kind in "fiu" else value.tolist()
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def assert_same_drawing(a, b, where=""):
    """Equal figures up to float32 rounding (1e-6 relative)."""
    a, b = plain(a), plain(b)
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, set(a) ^ set(b))
        for k in a:
            assert_same_drawing(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_drawing(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-6 * max(1.0, abs(a)), (where, a, b)
    else:
        assert a == b, (where, a, b)


def assert_plotly_reads_back(fig):
    """A figure built as a plain dict (components.plainfig) is one plotly reads back unchanged: every property known,
    every value valid (go.Figure raises otherwise), nothing added or dropped — template and NaN gaps included."""
    import json
    if isinstance(fig, go.Figure):
        return
    again = go.Figure(fig).to_plotly_json()
    assert json.dumps(plain(again), sort_keys=True) == json.dumps(plain(fig), sort_keys=True)
