"""The IDX format of MNIST, Fashion-MNIST and KMNIST (LeCun et al.'s ``train-images-idx3-ubyte``), read from any path.

A file is a 4-byte magic number — two zero bytes, a type code, the number of dimensions k — then k big-endian
uint32 sizes, then the values, big-endian, in C order.  ``.gz`` files are read through gzip.  Every failure raises
``IdxError`` with a message for the user; nothing is read past the sizes the header promises, and a header that
promises more than ``MAX_VALUES`` values is refused before any allocation.
"""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

#: IDX type code → numpy dtype (big-endian where it matters).
TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
         0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
#: The most values one file may hold (70,000 images of 32 × 32 is 7.2e7).
MAX_VALUES = 10**8


class IdxError(ValueError):
    """An IDX file the lab refuses, with the reason in words."""


def read_idx(path) -> np.ndarray:
    """The array in the IDX file at ``path`` (gzip-compressed if its name ends in ``.gz``), in native byte order."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            return _read(f, path.name)
    except (OSError, EOFError) as err:          # missing, unreadable, or not gzip after all
        raise IdxError(f"{path.name}: cannot be read ({err})") from None


def _read(f, name: str) -> np.ndarray:
    head = f.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in TYPES:
        raise IdxError(f"{name}: not an IDX file (its first bytes are {head.hex() or 'empty'})")
    dtype, k = TYPES[head[2]], head[3]
    if not 1 <= k <= 4:
        raise IdxError(f"{name}: an IDX array of {k} dimensions (the lab reads 1 to 4)")
    raw = f.read(4 * k)
    if len(raw) < 4 * k:
        raise IdxError(f"{name}: the header ends before its {k} sizes")
    shape = struct.unpack(f">{k}I", raw)
    count = int(np.prod(shape, dtype=np.int64))
    if count > MAX_VALUES:
        raise IdxError(f"{name}: {count:,} values (shape {shape}) is over the lab's {MAX_VALUES:,}")
    data = f.read(count * dtype.itemsize)
    if len(data) < count * dtype.itemsize:
        raise IdxError(f"{name}: holds {len(data) // dtype.itemsize:,} of the {count:,} values its header promises")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` as an IDX file (gzip-compressed if the name ends in ``.gz``): for tests and for a user's own
    subsets."""
    array = np.asarray(array)
    code = next((c for c, t in TYPES.items() if t.kind == array.dtype.kind and t.itemsize == array.dtype.itemsize),
                None)
    if code is None or not 1 <= array.ndim <= 4:
        raise IdxError(f"an array of {array.dtype} with {array.ndim} dimensions has no IDX form")
    body = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) \
        + np.ascontiguousarray(array, dtype=TYPES[code]).tobytes()
    path = Path(path)
    with (gzip.open if path.suffix == ".gz" else open)(path, "wb") as f:
        f.write(body)
