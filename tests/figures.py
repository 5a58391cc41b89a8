"""Read the numeric arrays of a figure in the tests, whether a go.Figure or the plain dict a
memoized render callback answers (numpy arrays there are base64 'bdata' dicts)."""
import base64

import numpy as np
import plotly.graph_objects as go


def as_array(value):
    """A numeric numpy array, or None for text and missing values."""
    if value is None:
        return None
    if isinstance(value, dict) and "bdata" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):                  # plotly writes it as text: '122, 122'
            shape = tuple(int(s) for s in shape.split(","))
        return a.reshape(shape) if shape else a
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
