"""The random hierarchy model's belief propagation against brute force, its samples against its laws, and the
U-turn experiment's limits and transition (core/hierarchy.py; science.md §5)."""
import itertools

import numpy as np
import pytest

from core.hierarchy import (
    forward_backward,
    largest_rules,
    leaf_marginals,
    level_marginals,
    make_hierarchy,
    one_hot,
    posterior_mean,
    posterior_trees,
    sample_trees,
    upward,
)
from core.posterior import DiscreteData, empirical_posterior


def every_sequence(h):
    """All sequences the grammar makes (one per tree: the rules of distinct symbols are disjoint)."""
    def expand(symbols, level):
        if level == h.levels:
            yield symbols
            return
        for choice in itertools.product(range(h.rules_per_symbol), repeat=len(symbols)):
            children = [h.rules[level][a, r] for a, r in zip(symbols, choice, strict=True)]
            yield from expand(np.concatenate(children), level + 1)
    return np.array([seq for root in range(h.vocabulary) for seq in expand(np.array([root]), 0)])


@pytest.fixture(scope="module")
def small():
    return make_hierarchy(2, 3, 2, 2, seed=1)       # 3 · 2³ = 24 sequences of 4 leaves, d = 12


def test_rules_are_distinct_tuples_and_the_grammar_makes_each_sequence_once(small):
    for rules in small.rules:
        assert rules.shape == (3, 2, 2)
        assert len({tuple(t) for t in rules.reshape(-1, 2)}) == 6
    seqs = every_sequence(small)
    assert len(seqs) == 3 * 2 ** 3 and len({tuple(s) for s in seqs}) == len(seqs)
    with pytest.raises(ValueError):
        make_hierarchy(2, 3, 2, largest_rules(3, 2) + 1)


def test_belief_propagation_is_the_lab_kernel_on_every_sequence(small):
    # The exact posterior over the 24 sequences (equal weights) by the lab's empirical kernel, E[y|x̃] and log Z,
    # against BP's: equal to rounding (BP is exact on a tree).
    y = one_hot(small, every_sequence(small))
    rng = np.random.default_rng(0)
    x_tilde = y[rng.integers(len(y), size=6)] + 0.9 * rng.standard_normal((6, small.d))
    s2 = 0.81
    exact = empirical_posterior(x_tilde, s2, DiscreteData(y, np.full(len(y), 1 / len(y))))
    np.testing.assert_allclose(posterior_mean(small, x_tilde, s2), exact.mean, atol=1e-12)
    # the lab's log Z carries −|y|²/(2s²) in each weight; every one-hot sequence has |y|² = s^L
    np.testing.assert_allclose(upward(small, x_tilde, s2).log_z - small.leaves / (2 * s2), exact.log_z, atol=1e-10)
    marginals = leaf_marginals(small, x_tilde, s2)
    np.testing.assert_allclose(marginals.sum(axis=-1), 1.0, atol=1e-12)


def test_posterior_trees_sample_the_posterior(small):
    # 100,000 draws from p(tree | x̃) for one x̃: each sequence's frequency within 4.5 binomial s.e. of its weight
    seqs = every_sequence(small)
    y = one_hot(small, seqs)
    rng = np.random.default_rng(3)
    x_tilde = y[5] + 0.8 * rng.standard_normal(small.d)
    s2 = 0.64
    weight = np.exp(x_tilde @ y.T / s2)
    weight /= weight.sum()
    draws = 100_000
    leaves = posterior_trees(small, np.repeat(x_tilde[None], draws, axis=0), s2, rng)[-1]
    index = {tuple(s): k for k, s in enumerate(seqs)}
    freq = np.bincount([index[tuple(s)] for s in leaves], minlength=len(seqs)) / draws
    assert np.all(np.abs(freq - weight) < 4.5 * np.sqrt(weight * (1 - weight) / draws) + 1e-4)


def test_prior_trees_are_uniform_and_levels_follow_their_marginals():
    h = make_hierarchy(3, 4, 2, 3, seed=2)
    trees = sample_trees(h, 40_000, np.random.default_rng(4))
    for level, law in enumerate(level_marginals(h)):
        counts = np.stack([(trees[level] == k).mean(axis=0) for k in range(h.vocabulary)], axis=-1)
        assert np.all(np.abs(counts - law) < 4.5 * np.sqrt(law * (1 - law) / 40_000) + 1e-4), level
    # a tree's leaves determine it: its upper levels are the BP posterior's at vanishing noise
    sharp = posterior_trees(h, one_hot(h, trees[-1][:50]), 1e-3, np.random.default_rng(5))
    for level in range(h.levels + 1):
        np.testing.assert_array_equal(sharp[level], trees[level][:50])


def test_uturns_change_nothing_at_small_noise_and_forget_everything_at_large():
    # t → 0: the posterior is the tree itself; t → ∞: the tree is a fresh draw, so each level changes with
    # probability 1 − Σ_k P(k)² (2,000 trees: within 4 s.e.)
    h = make_hierarchy(3, 4, 2, 3, seed=0)
    fb = forward_backward(h, [1e-3, 1e4], 2_000, np.random.default_rng(6))
    assert np.all(fb.changed[0] == 0)
    assert np.all(np.abs(fb.changed[1] - fb.prior_changed) < 4 * fb.changed_se[1] + 1e-9)


def test_the_class_is_lost_at_a_transition_that_sharpens_with_depth_while_leaves_change_smoothly():
    # Sclocchi, Favero & Wyart 2025: the root's change rises steeply at a threshold noise while the leaves' rises
    # smoothly; deeper trees make the threshold sharper (the width in log s² from 20 % to 80 % of the root's plateau
    # shrinks), and the leaves' changes are most correlated there (the susceptibility peaks inside that window).
    s2 = np.geomspace(0.02, 2.0, 24)
    widths = []
    for levels in (2, 5):
        h = make_hierarchy(levels, 8, 2, 6, seed=0)
        fb = forward_backward(h, s2, 2_000, np.random.default_rng(levels))
        root = np.maximum.accumulate(fb.changed[:, 0] / fb.prior_changed[0])
        lo, hi = (np.interp(q, root, np.log(s2)) for q in (0.2, 0.8))
        widths.append(hi - lo)
        leaves = fb.changed[:, -1] / fb.prior_changed[-1]
        at_half = np.interp(np.log(np.exp(0.5 * (lo + hi))), np.log(s2), leaves)
        assert at_half < 0.5                                      # the class has gone, most leaves have not
        peak = np.log(s2[np.nanargmax(fb.susceptibility)])
        if levels == 5:
            assert lo - np.log(s2[1] / s2[0]) <= peak <= hi + np.log(s2[1] / s2[0])
    assert widths[1] < 0.75 * widths[0]


def test_the_page_draws_levels_susceptibility_and_uturns(app_context):
    """The default model: the job's root curve rises before the leaves', the transition's line is drawn and named
    in the caption, every figure is finite, and one result serves every process (its t axis is t(s²))."""
    from components.state import parse_state
    from pages.hierarchy import page
    from pages.hierarchy._model import JOB
    from tests.figures import trace_arrays
    state = parse_state({"process": "VP", "t": "0.06"})[0]
    result = JOB.result(state)
    assert JOB.inputs(state) == JOB.inputs(state.replace(process="FM", t=0.3))
    fb = result.experiment
    root, leaves = fb.changed[:, 0] / fb.prior_changed[0], fb.changed[:, -1] / fb.prior_changed[-1]
    k = int(np.argmin(np.abs(fb.s2 - result.s2_half)))
    assert root[k] > leaves[k] + 0.2 and result.s2_star is not None
    changes, chi, caption = page.render_changes("ready", state.raw(), 0.06)
    uturns = page.render_uturns(state.raw(), 0.06)
    assert "L = 4, v = 8, s = 2, m = 6" in caption and "the susceptibility peaks at t* =" in caption
    for figure in (changes, chi, uturns):
        for _kind, name, _attr, a in trace_arrays(figure):
            a = np.asarray(a, float)
            assert np.isfinite(a[~np.isnan(a)]).all() and np.isfinite(a).any(), name


def test_an_impossible_grammar_is_refused_with_a_note(app_context):
    """m above v^(s−1) is lowered with a note; sizes beyond the lab's are clamped by the state's declaration."""
    from components.state import parse_state
    from core.hierarchy import LEVELS_MAX
    from pages.hierarchy import page
    from pages.hierarchy._model import hierarchy_of
    state, notices = parse_state({"hl": "99", "hv": "3", "hs": "2", "hm": "9"})
    assert state.hierarchy_levels == LEVELS_MAX and notices
    h, note = hierarchy_of(state)
    assert h.rules_per_symbol == 3 and "m ≤ v^(s−1) = 3" in note
    assert page.render_note(state.raw()) == note
