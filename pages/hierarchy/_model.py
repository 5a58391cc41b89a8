"""The hierarchical-data view's computations: the forward–backward experiment on a random hierarchy model over the
noise levels (a job, in s² so that one result serves every process), and a few U-turns at the state's time
(core/hierarchy.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.jobs import TimeFreeJob
from components.state import LabState, process_of
from core.hierarchy import (
    ForwardBackward,
    Hierarchy,
    forward_backward,
    largest_rules,
    make_hierarchy,
    one_hot,
    posterior_trees,
    sample_trees,
)
from core.streams import stream

#: Noise levels s² of the experiment (geometric), trees per level, and the work per level it may cost (trees ×
#: leaves × v × m × s, the belief propagation's products).
NOISE_LEVELS, NOISE_LOW, NOISE_HIGH = 36, 1e-2, 1e2
TREES, WORK_PER_LEVEL = 2_000, 1.5e8
#: The rules are drawn once per (L, v, s, m) with this seed (the grammar; the experiment's noise follows the state's
#: seed stream).
RULES_SEED = 0
#: U-turns drawn at the state's time.
EXAMPLES = 24


def hierarchy_of(state: LabState) -> tuple[Hierarchy, str | None]:
    """The state's RHM and a note when m was lowered to v^(s−1) (the most rules that keep tuples distinct)."""
    v, s = state.hierarchy_vocabulary, state.hierarchy_branching
    m = min(state.hierarchy_rules, largest_rules(v, s))
    note = (None if m == state.hierarchy_rules else
            f"m = {state.hierarchy_rules} rules per symbol need m ≤ v^(s−1) = {m}: using m = {m}.")
    return make_hierarchy(state.hierarchy_levels, v, s, m, RULES_SEED), note


def trees_per_level(h: Hierarchy) -> int:
    """Trees per noise level within WORK_PER_LEVEL (at least 200)."""
    work = h.leaves * h.vocabulary * h.rules_per_symbol * h.branching
    return int(np.clip(WORK_PER_LEVEL // work, 200, TREES))


@dataclass(frozen=True)
class HierarchyResult:
    """The experiment (core.hierarchy.ForwardBackward) and the transition: ``s2_star``, the noise level at which the
    susceptibility peaks (None when it nowhere exceeds 1 by four of its standard errors, √(2/trees) relative: the
    leaves change one by one, as when m = v^(s−1) makes them independent), and ``s2_half``, where the root's change
    reaches half its t → ∞ value."""

    experiment: ForwardBackward
    s2_star: float | None
    s2_half: float
    levels: int


def _compute(inputs: LabState, progress=None) -> HierarchyResult:
    h, _ = hierarchy_of(inputs)
    s2 = np.geomspace(NOISE_LOW, NOISE_HIGH, NOISE_LEVELS)
    fb = forward_backward(h, s2, trees_per_level(h), stream(inputs.seed, "hierarchy"), progress=progress)
    root = fb.changed[:, 0] / fb.prior_changed[0]
    half = float(np.exp(np.interp(0.5, np.maximum.accumulate(root), np.log(s2))))
    peak = int(np.nanargmax(fb.susceptibility))
    pronounced = fb.susceptibility[peak] > 1 + 4 * np.sqrt(2 / fb.count)
    return HierarchyResult(fb, float(s2[peak]) if pronounced else None, half, h.levels)


#: The view's job: it reads the model's four numbers and the seed, not the target nor the process (the result is in s²).
JOB = TimeFreeJob("hierarchy", _compute, reads=("hl", "hv", "hs", "hm", "seed"), target=False,
                  status=lambda i, n: f"noise level {i} of {n}")


@dataclass(frozen=True)
class HierarchyUTurns:
    """EXAMPLES U-turns at time t: the leaves before (``before``, (E, s^L)) and after (``after``) and which symbols of
    each level changed (``changed``, a list of (E, s^ℓ) booleans, root first)."""

    t: float
    s2: float
    before: np.ndarray
    after: np.ndarray
    changed: list


def hierarchy_uturns(state: LabState) -> HierarchyUTurns:
    """A few trees noised to the state's t and resampled from p(tree | x_t) (the exact reverse process's law)."""
    h, _ = hierarchy_of(state)
    s2 = float(process_of(state).s2(state.t))
    rng = stream(state.seed, "hierarchy-uturns")
    trees = sample_trees(h, EXAMPLES, rng)
    x_tilde = one_hot(h, trees[-1]) + np.sqrt(s2) * rng.standard_normal((EXAMPLES, h.d))
    back = posterior_trees(h, x_tilde, s2, rng)
    return HierarchyUTurns(state.t, s2, trees[-1], back[-1], [a != b for a, b in zip(trees, back, strict=True)])
