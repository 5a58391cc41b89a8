"""The data view's numbers: a table of the digits' classes in the spirit of Biroli et al. 2024 Table 1."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.datasets import digits_points, top_eigenvalue
from core.processes import Process

VP = Process("VP")


@dataclass(frozen=True)
class DigitsRow:
    """One row of the digits table: which classes, how many images, their dimension, Λ (the top
    eigenvalue of their covariance) and the VP speciation time t_s, where a²Λ = b², i.e.
    t_s = ½ log(1 + Λ) — the lab's t_s on every page (science.md §3) — beside Biroli et al. 2024's large-Λ
    form ½ log Λ (its Table 1), which is negative for Λ < 1."""

    label: str
    n: int
    d: int
    lam: float
    t_s: float
    t_s_large_lambda: float


def digits_table(chosen: str, n: int, seed: int) -> list[DigitsRow]:
    """The chosen classes (n images) beside three reference sets (all their images)."""
    rows = []
    for label, classes in ((f"chosen: {', '.join(chosen) or '—'}", chosen), ("0, 1", "01"), ("3, 8", "38"),
                           ("all ten", "0123456789")):
        if len(classes) < 2:
            continue
        x, _ = digits_points(classes, n if classes == chosen else 10_000, seed)
        lam = top_eigenvalue(x)
        rows.append(DigitsRow(label, len(x), x.shape[1], lam, float(VP.time_of_s2(lam)), 0.5 * np.log(lam)))
    return rows
