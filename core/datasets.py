"""Your own points and a real dataset as targets (issue 11): parsing, validation, encoding.

Uploads are read from bytes in memory — CSV text or NumPy ``.npy`` with ``allow_pickle=False`` —
and every failure raises ``DataError`` with a message for the user.  Rows are points, columns are
dimensions; an optional last column named ``weight`` (CSV header) holds positive weights.
"""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from core import limits

#: Largest upload accepted, and the inline encoding's size for share links (points × dims).
UPLOAD_MAX_BYTES = 5 * 2**20
INLINE_MAX_POINTS = 64


class DataError(ValueError):
    """A dataset the lab refuses, with the reason in words."""


def validate_points(points, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Check shape, finiteness, magnitude (|value| ≤ limits.COORD_MAX), caps and weights; return float
    arrays (points (n, d), weights (n,))."""
    points = np.asarray(points, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise DataError(f"expected a table of points (rows × columns), got an array of {points.ndim} dimensions")
    n, d = points.shape
    if n == 0 or d == 0:
        raise DataError("the file holds no points")
    if n > limits.N_MAX or d > limits.D_MAX or n * d > limits.ND_MAX:
        raise DataError(f"{n:,} points in {d:,} dimensions is over the lab's caps (n ≤ {limits.N_MAX:,}, "
                        f"d ≤ {limits.D_MAX:,}, n·d ≤ {limits.ND_MAX:,})")
    if not np.isfinite(points).all():
        raise DataError("some values are NaN or infinite")
    largest = float(np.max(np.abs(points)))
    if largest > limits.COORD_MAX:
        raise DataError(f"a coordinate reaches {largest:.3g}; the lab takes values within ±{limits.COORD_MAX:,.0f} "
                        "(rescale the data: the diffusion's times are set for unit-scale points)")
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if weights.shape != (n,) or not np.isfinite(weights).all() or (weights <= 0).any():
        raise DataError("weights must be one positive, finite number per point")
    return points, weights


def parse_csv(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Points from CSV text; a header row is allowed, and a last column named ``weight``."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    if not rows:
        raise DataError("the file holds no points")
    header = None
    try:
        [float(c) for c in rows[0]]
    except ValueError:
        header, rows = [c.strip().lower() for c in rows[0]], rows[1:]
    if not rows:
        raise DataError("the file holds no points")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise DataError(f"ragged rows: row {i + 1} has {len(row)} values, the first has {width}")
    try:
        table = np.array([[float(c) for c in row] for row in rows])
    except ValueError as err:
        raise DataError(f"not numeric: {str(err)[:80]}") from None
    if header is not None and header[-1] in ("weight", "weights", "w") and width > 1:
        return validate_points(table[:, :-1], table[:, -1])
    return validate_points(table)


def parse_npy(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Points from a ``.npy`` file; object arrays (pickles) are refused, never loaded."""
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower() or "object" in str(err).lower():
            raise DataError("this .npy holds Python objects (a pickle): the lab never loads pickles") from None
        raise DataError("not a readable .npy file") from None
    except (OSError, EOFError):
        raise DataError("not a readable .npy file") from None
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise DataError(f"not numeric: the array's type is {array.dtype}")
    return validate_points(array)


def check_upload_size(nbytes: int) -> None:
    """Refuse a file over UPLOAD_MAX_BYTES, saying its size and the limit (the browser reports a file it
    refused to read by its size alone, so the same rule and words serve both)."""
    if nbytes > UPLOAD_MAX_BYTES:
        raise DataError(f"the file is {nbytes / 2**20:.1f} MiB; the limit is {UPLOAD_MAX_BYTES // 2**20} MiB")


def parse_upload(filename: str, raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Dispatch on the file's extension; size checked first.  The name is only used for its suffix."""
    check_upload_size(len(raw))
    name = (filename or "").lower()
    if name.endswith(".npy"):
        return parse_npy(raw)
    if name.endswith((".csv", ".txt")):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError("not text: the CSV is binary garbage or not UTF-8") from None
        if "\x00" in text:
            raise DataError("not text: the CSV holds NUL bytes")
        return parse_csv(text)
    raise DataError("upload a .csv or a .npy file")


def points_csv(points, weights, header_lines=()) -> str:
    """The dataset as CSV: ``# `` comment lines, a header x1…xd,weight, one row per point."""
    points, weights = np.asarray(points, float), np.asarray(weights, float)
    out = io.StringIO()
    for line in header_lines:
        out.write(f"# {line}\n")
    out.write(",".join([f"x{i + 1}" for i in range(points.shape[1])] + ["weight"]) + "\n")
    for row, w in zip(points, weights, strict=True):
        out.write(",".join(repr(float(v)) for v in row) + f",{float(w)!r}\n")
    return out.getvalue()


def encode_inline(points, weights) -> str:
    """Compact text for a share link: 'x,y,w;x,y,w;…' (4 significant digits), up to INLINE_MAX_POINTS."""
    points, weights = validate_points(points, weights)
    if len(points) > INLINE_MAX_POINTS:
        raise DataError(f"more than {INLINE_MAX_POINTS} points do not fit in a link")
    return ";".join(",".join(f"{v:.4g}" for v in (*row, w)) for row, w in zip(points, weights, strict=True))


def decode_inline(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of ``encode_inline``: every row has the same length, the last value is the weight."""
    rows = [r for r in (text or "").split(";") if r]
    if not rows or len(rows) > INLINE_MAX_POINTS:
        raise DataError(f"a drawn set has 1 to {INLINE_MAX_POINTS} points")
    try:
        table = [[float(v) for v in r.split(",")] for r in rows]
    except ValueError:
        raise DataError("the drawn set in the link is not numeric") from None
    if len({len(r) for r in table}) != 1 or len(table[0]) < 2:
        raise DataError("the drawn set in the link has ragged rows")
    table = np.array(table)
    if not all(math.isfinite(v) for v in table.ravel()):
        raise DataError("the drawn set in the link has NaN or infinite values")
    return validate_points(table[:, :-1], table[:, -1])


def digits_points(classes: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits (8×8, 1,797 images, read from the installed package,
    no network): the images of ``classes`` (e.g. '01'), pixels scaled to [0, 1], n of them at random
    (all of them if fewer).  Returns (points (n, 64), labels (n,))."""
    from sklearn.datasets import load_digits
    bunch = load_digits()
    wanted = np.isin(bunch.target, [int(c) for c in classes])
    x, y = bunch.data[wanted] / 16.0, bunch.target[wanted]
    pick = np.sort(_digit_order(len(x), seed)[: min(n, len(x))])
    return x[pick], y[pick]


def held_out_digits(classes: str, n: int, seed: int) -> np.ndarray:
    """The images of ``classes`` that ``digits_points(classes, n, seed)`` leaves out (a test set), (m, 64)."""
    from sklearn.datasets import load_digits
    bunch = load_digits()
    x = bunch.data[np.isin(bunch.target, [int(c) for c in classes])] / 16.0
    return x[np.sort(_digit_order(len(x), seed)[min(n, len(x)):])]


def _digit_order(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(count)


def top_eigenvalue(points) -> float:
    """Λ, the largest eigenvalue of the (uniformly weighted) data covariance (Biroli et al. 2024 Table 1)."""
    centred = points - points.mean(0)
    return float(np.linalg.eigvalsh(centred.T @ centred / len(points))[-1])
