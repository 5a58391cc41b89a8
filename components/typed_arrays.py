"""Arrays as they travel to the browser: plotly's packed typed arrays ``{dtype, bdata, shape}`` (little-endian
bytes in base64).  The one codec on the server; assets/arrays.js is the browser's."""
from __future__ import annotations

import base64

import numpy as np


def packed(a, dtype="<f4") -> dict:
    """``a`` as plotly packs an array: its bytes as ``dtype`` in base64, with its shape."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return {"dtype": np.dtype(dtype).str.lstrip("<>|="), "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": list(a.shape)}


def is_packed(value) -> bool:
    """Whether ``value`` is a packed array (plotly writes numpy arrays so in a figure's JSON)."""
    return isinstance(value, dict) and isinstance(value.get("bdata"), str) and "dtype" in value


def unpacked(value) -> np.ndarray:
    """A packed array as numpy, in its shape (plotly may write the shape as text, '3, 4')."""
    flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
    shape = value.get("shape")
    if isinstance(shape, str):
        shape = [int(s) for s in shape.split(",")]
    return flat.reshape(shape) if shape else flat
