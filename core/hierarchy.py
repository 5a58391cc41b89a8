"""The random hierarchy model and its exact score by belief propagation (science.md §5).

The random hierarchy model (RHM; Petrini, Cagnetta, Sclocchi, Favero & Wyart 2023, used for diffusion by Sclocchi,
Favero & Wyart 2025): a root symbol (the class) among v is rewritten, level by level, by one of m rules, each an
s-tuple of symbols; after L levels the data is a sequence of s^L symbols, each one-hot in v dimensions
(d = s^L·v).  Every symbol has its own m rules, and no two symbols share a tuple, so a sequence has one tree
and all sequences are equally likely.

Gaussian noise on the one-hot sequence, x = a·y + b·z, is seen by each leaf through its likelihood
p(x_i | k) ∝ exp(x̃_ik/s²) (x̃ = x/a, s² = b²/a², |e_k|² = 1), so the posterior over trees is a tree-structured
graphical model: belief propagation is exact.  An upward pass gives each node's inside message (the likelihood
of its subtree's leaves given its symbol); a downward pass the outside messages and so the leaf marginals
E[y | x_t] — the exact posterior mean, whence the score (a·E[y|x_t] − x)/b² as for every target of the lab; and
sampling the rules from the root down with the inside messages draws trees from p(tree | x_t) exactly, which is
what the reverse process with the exact score samples (the forward–backward or U-turn experiment).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The models the lab builds: L ≤ LEVELS_MAX levels, v ≤ VOCABULARY_MAX symbols, branching s in BRANCHINGS.
LEVELS_MAX, VOCABULARY_MAX, BRANCHINGS = 6, 16, (2, 3)


def largest_rules(vocabulary: int, branching: int) -> int:
    """The most rules per symbol an RHM can have, v^(s−1): v symbols share the v^s tuples without overlap."""
    return int(vocabulary) ** (int(branching) - 1)


@dataclass(frozen=True)
class Hierarchy:
    """A random hierarchy model: ``rules[ℓ]`` (v, m, s) holds the children's symbols of each rule that rewrites a
    symbol of level ℓ into s symbols of level ℓ + 1 (levels 0 = the root … L = the leaves)."""

    levels: int
    vocabulary: int
    branching: int
    rules_per_symbol: int
    rules: tuple

    @property
    def leaves(self) -> int:
        """Number of leaves s^L (the sequence's length)."""
        return self.branching ** self.levels

    @property
    def d(self) -> int:
        """Dimension of the one-hot sequence, s^L·v."""
        return self.leaves * self.vocabulary

    def nodes(self, level: int) -> int:
        """Number of symbols at ``level`` (s^ℓ)."""
        return self.branching ** level


def make_hierarchy(levels: int, vocabulary: int, branching: int, rules_per_symbol: int, seed: int = 0) -> Hierarchy:
    """Draw an RHM's rules: at each level, v·m distinct s-tuples out of the v^s, m for each symbol (needs
    m ≤ v^(s−1))."""
    v, s, m = int(vocabulary), int(branching), int(rules_per_symbol)
    if levels < 1 or v < 2 or s < 2 or m < 1:
        raise ValueError("an RHM needs L ≥ 1 levels, v ≥ 2 symbols, branching s ≥ 2 and m ≥ 1 rules")
    if m > largest_rules(v, s):
        raise ValueError(f"m = {m} rules per symbol need m ≤ v^(s−1) = {largest_rules(v, s)} (distinct tuples for "
                         "every symbol)")
    rng = np.random.default_rng(seed)
    rules = []
    for _ in range(levels):
        tuples = rng.choice(v**s, size=v * m, replace=False).reshape(v, m)
        digits = (tuples[..., None] // v ** np.arange(s - 1, -1, -1)) % v          # base-v digits, (v, m, s)
        rules.append(digits.astype(np.int64))
    return Hierarchy(int(levels), v, s, m, tuple(rules))


def sample_trees(h: Hierarchy, count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``count`` trees from the model: the symbols of each level, a list of (count, s^ℓ) arrays, root first."""
    return _sample_down(h, np.full((count, 1, h.vocabulary), 1.0 / h.vocabulary),
                        [np.ones((count, h.nodes(k), h.vocabulary)) for k in range(1, h.levels + 1)], rng)


def one_hot(h: Hierarchy, leaves) -> np.ndarray:
    """The data vector y (count, s^L·v) of leaf symbols (count, s^L)."""
    leaves = np.asarray(leaves)
    y = np.zeros(leaves.shape + (h.vocabulary,))
    np.put_along_axis(y, leaves[..., None], 1.0, axis=-1)
    return y.reshape(leaves.shape[0], h.d)


@dataclass(frozen=True)
class Messages:
    """Belief propagation's upward pass: ``inside[ℓ]`` (P, s^ℓ, v), each node's normalized likelihood of its
    subtree's leaves given its symbol, and ``log_z`` (P,), log Σ_trees prior·Π_i exp(x̃_i·y_i/s²)."""

    inside: list
    log_z: np.ndarray


def upward(h: Hierarchy, x_tilde, s2: float) -> Messages:
    """The inside messages of every node given x̃ (P, s^L·v) at noise s²: leaves exp(x̃_ik/s²); a symbol a of level ℓ
    from its children c, (1/m) Σ_r Π_c inside_c[rule_r(a)_c]; normalized per node in log space."""
    v, s = h.vocabulary, h.branching
    x_tilde = np.atleast_2d(np.asarray(x_tilde, float))
    count = x_tilde.shape[0]
    log_lik = x_tilde.reshape(count, h.leaves, v) / s2
    top = log_lik.max(axis=-1, keepdims=True)
    message = np.exp(log_lik - top)
    norm = message.sum(axis=-1, keepdims=True)
    log_z = (top + np.log(norm)).sum(axis=(1, 2))
    inside = [message / norm]
    for level in range(h.levels - 1, -1, -1):
        rules = h.rules[level]                                            # (v, m, s): level → level + 1
        children = inside[0].reshape(count, h.nodes(level), s, v)
        joint = np.prod([children[:, :, c, :][:, :, rules[:, :, c]] for c in range(s)], axis=0)   # (P, n, v, m)
        message = joint.sum(axis=-1) / h.rules_per_symbol
        norm = message.sum(axis=-1, keepdims=True)
        log_z += np.log(norm).sum(axis=(1, 2))
        inside.insert(0, message / norm)
    log_z += np.log(inside[0][:, 0, :].sum(axis=-1) / v)                   # the root's uniform prior
    return Messages(inside, log_z)


def leaf_marginals(h: Hierarchy, x_tilde, s2: float) -> np.ndarray:
    """P(leaf i = k | x̃) (P, s^L, v) by the downward pass: outside(root) = the prior; a child's outside
    message sums over its parent's symbols and rules the parent's outside times its siblings' inside messages."""
    v, s, m = h.vocabulary, h.branching, h.rules_per_symbol
    inside = upward(h, x_tilde, s2).inside
    count = inside[0].shape[0]
    outside = np.full((count, 1, v), 1.0 / v)
    for level in range(h.levels):
        rules = h.rules[level]
        children = inside[level + 1].reshape(count, h.nodes(level), s, v)
        gathered = [children[:, :, c, :][:, :, rules[:, :, c]] for c in range(s)]     # (P, n, v, m) each
        below = []
        for c in range(s):
            weight = outside[..., None] * np.prod([g for k, g in enumerate(gathered) if k != c], axis=0)
            chosen = np.eye(v)[rules[:, :, c].reshape(-1)]                          # (v·m, v): rule → child symbol
            message = weight.reshape(count, h.nodes(level), v * m) @ chosen
            below.append(message / message.sum(axis=-1, keepdims=True))
        outside = np.stack(below, axis=2).reshape(count, h.nodes(level + 1), v)
    marginal = outside * inside[-1]
    return marginal / marginal.sum(axis=-1, keepdims=True)


def posterior_mean(h: Hierarchy, x_tilde, s2: float) -> np.ndarray:
    """E[y | x̃] (P, s^L·v), the leaf marginals as the one-hot sequence's mean: the exact score is
    (a·E[y|x_t] − x)/b² (science.md §1)."""
    return leaf_marginals(h, x_tilde, s2).reshape(np.atleast_2d(x_tilde).shape[0], h.d)


def posterior_trees(h: Hierarchy, x_tilde, s2: float, rng: np.random.Generator) -> list[np.ndarray]:
    """One tree per row of x̃ drawn from p(tree | x̃) exactly: the root ∝ prior·inside, then each node's rule
    ∝ Π_c inside_c[rule(a)_c] given its symbol a (the symbols of each level, root first)."""
    inside = upward(h, x_tilde, s2).inside
    return _sample_down(h, inside[0] / h.vocabulary, inside[1:], rng)


def _sample_down(h: Hierarchy, root_weight, inside_below, rng) -> list[np.ndarray]:
    s = h.branching
    count = root_weight.shape[0]
    symbols = [_draw(root_weight[:, 0, :], rng)[:, None]]
    for level in range(h.levels):
        rules = h.rules[level]
        parent = symbols[-1]                                                        # (P, n)
        children = inside_below[level].reshape(count, h.nodes(level), s, -1)
        options = rules[parent]                                                     # (P, n, m, s)
        weight = np.prod([np.take_along_axis(children[:, :, c, :], options[..., c], axis=-1) for c in range(s)],
                         axis=0)                                                    # (P, n, m)
        rule = _draw(weight.reshape(-1, h.rules_per_symbol), rng).reshape(parent.shape)
        chosen = np.take_along_axis(options, rule[..., None, None], axis=2)[:, :, 0, :]   # (P, n, s)
        symbols.append(chosen.reshape(count, h.nodes(level + 1)))
    return symbols


def _draw(weight, rng) -> np.ndarray:
    """One index per row of ``weight`` (rows ∝ probabilities)."""
    cumulative = np.cumsum(weight, axis=-1)
    u = rng.random(weight.shape[0]) * cumulative[:, -1]
    return np.minimum((cumulative < u[:, None]).sum(axis=-1), weight.shape[-1] - 1)


def level_marginals(h: Hierarchy) -> list[np.ndarray]:
    """The prior law of each node's symbol, a list of (s^ℓ, v) arrays (the root: uniform): each child of a symbol a
    takes rule r's symbol with probability 1/m."""
    v, s = h.vocabulary, h.branching
    law = [np.full((1, v), 1.0 / v)]
    for level in range(h.levels):
        rules = h.rules[level]
        child = np.stack([law[-1] @ (np.eye(v)[rules[:, :, c]].mean(axis=1)) for c in range(s)], axis=1)
        law.append(child.reshape(h.nodes(level + 1), v))
    return law


@dataclass(frozen=True)
class ForwardBackward:
    """The U-turn experiment on an RHM at each noise level s²: ``changed`` (S, L + 1), the fraction of symbols of each
    level (root first) that differ between a tree and the one resampled from p(tree | x_t) (standard errors
    ``changed_se``); ``prior_changed`` (L + 1,), its t → ∞ limit 1 − mean Σ_k P(k)² over a level's nodes;
    ``susceptibility`` (S,), Var(N)/Σ_i Var(δ_i) of the number N of changed leaves (1: leaves change
    independently; the size of the chunks that change together otherwise), with its bootstrap-free standard
    error by the delta method omitted: ``count`` trees per s²."""

    s2: np.ndarray
    changed: np.ndarray
    changed_se: np.ndarray
    prior_changed: np.ndarray
    susceptibility: np.ndarray
    count: int


def forward_backward(h: Hierarchy, s2_values, count: int, rng: np.random.Generator,
                     progress=None) -> ForwardBackward:
    """Draw ``count`` trees, noise their leaves to x̃ = y + s·z at each s², resample trees from p(tree | x̃) by belief
    propagation, and count what changed, level by level (Sclocchi, Favero & Wyart 2025's forward–backward
    experiment with the exact score)."""
    s2_values = np.asarray(s2_values, float)
    changed = np.empty((s2_values.size, h.levels + 1))
    changed_se = np.empty_like(changed)
    susceptibility = np.empty(s2_values.size)
    for k, s2 in enumerate(s2_values):
        trees = sample_trees(h, count, rng)
        x_tilde = one_hot(h, trees[-1]) + np.sqrt(s2) * rng.standard_normal((count, h.d))
        back = posterior_trees(h, x_tilde, s2, rng)
        for level in range(h.levels + 1):
            per_tree = (trees[level] != back[level]).mean(axis=1)
            changed[k, level] = per_tree.mean()
            changed_se[k, level] = per_tree.std(ddof=1) / np.sqrt(count)
        flips = trees[-1] != back[-1]
        independent = np.sum(flips.var(axis=0, ddof=1))
        susceptibility[k] = flips.sum(axis=1).var(ddof=1) / independent if independent > 0 else np.nan
        if progress is not None:
            progress(k + 1, s2_values.size)
    prior = np.array([1.0 - np.mean(np.sum(law**2, axis=1)) for law in level_marginals(h)])
    return ForwardBackward(s2_values, changed, changed_se, prior, susceptibility, int(count))
