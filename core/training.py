"""A score model trained by denoising score matching, in closed form over training time
(Bonnaire, Urfin, Biroli & Mézard 2025, "Why diffusion models don't memorize"; issue 20).

At one diffusion time t (x = a·y + b·η), the random-features model of the paper is

    s_A(x) = A·φ(W x / √d),   W ∈ R^{p×d} fixed Gaussian, φ = tanh, A ∈ R^{d×p} trained,

on the denoising loss L(A) = E ||b·s_A(a y + b η) + η||²/d + b²λ||A||²/d over training points y and
noise η.  L is quadratic in A: with U = E[φφᵀ] (p×p) and V = E[φηᵀ] (p×d) it is
(b² tr(AUAᵀ) + 2b tr(AV) + d)/d + b²λ|A|²/d, and gradient flow from A = 0, in a training time τ
scaled so that dA/dτ = −(d/2b²)∇L (the paper's learning rate ∝ d/Δ_t), is

    A(τ) = A*·(I − e^{−τ(U + λ)}),   A* = −Vᵀ(U + λ)⁻¹/b,

so every training time is one evaluation in U's eigenbasis.  The slow directions of U — small
eigenvalues set by how many training points there are — are learned last: that is where the
model turns from the population score to the empirical one (memorization at τ_mem ∝ n).

``linear`` features (φ(x) = x, p = d) give the best linear score, which for a Gaussian target is
the exact score −x/(a²h² + b²).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dynamics import nearest_rows
from core.processes import Process

#: Ridge of the paper's training loss (λ = 10⁻³ in its random-features runs).
RIDGE = 1e-3
#: Rows of features formed at a time when accumulating U and V (rows × p doubles ≈ 16 MB at p = 512).
FEATURE_ROWS = 4096


@dataclass(frozen=True)
class Features:
    """The model's fixed first layer: φ(W x/√d) with W (p, d) Gaussian, or the identity (``linear``)."""

    weights: np.ndarray | None

    @classmethod
    def random(cls, p: int, d: int, rng: np.random.Generator) -> Features:
        return cls(rng.standard_normal((p, d)))

    @classmethod
    def linear(cls) -> Features:
        return cls(None)

    def __call__(self, x) -> np.ndarray:
        """φ at the rows of ``x`` (P, d) → (P, p)."""
        x = np.asarray(x, float)
        if self.weights is None:
            return x
        return np.tanh(x @ self.weights.T / np.sqrt(x.shape[1]))


@dataclass(frozen=True)
class Moments:
    """U = E[φφᵀ] and V = E[φηᵀ] over x = a y + b η (y from a set of points, η fresh Gaussian draws)."""

    u: np.ndarray
    v: np.ndarray


def feature_moments(features: Features, points, a: float, b: float, draws: int,
                    rng: np.random.Generator) -> Moments:
    """U and V by Monte Carlo: ``draws`` noises per point, accumulated in blocks of FEATURE_ROWS rows (memory
    O(rows · p), never O(n · draws · p))."""
    points = np.asarray(points, float)
    n, d = points.shape
    rows = np.repeat(np.arange(n), draws)
    u = v = None
    for start in range(0, rows.size, FEATURE_ROWS):
        y = points[rows[start:start + FEATURE_ROWS]]
        eta = rng.standard_normal(y.shape)
        phi = features(a * y + b * eta)
        u = phi.T @ phi if u is None else u + phi.T @ phi
        v = phi.T @ eta if v is None else v + phi.T @ eta
    return Moments(u / rows.size, v / rows.size)


@dataclass(frozen=True)
class TrainedScore:
    """The gradient-flow solution at one diffusion time, ready for any training time τ.

    ``eig``, ``basis``: U + λ = basis · diag(eig) · basisᵀ on the training set; ``target``: A*·basis
    (the fully trained model in the eigenbasis); ``b``: the noise scale the model was trained at."""

    features: Features
    eig: np.ndarray
    basis: np.ndarray
    target: np.ndarray
    b: float

    def weights(self, tau: float) -> np.ndarray:
        """A(τ) = A*(I − e^{−τ(U+λ)}) (d, p); τ = ∞ gives the ridge solution A*."""
        grown = -np.expm1(-tau * self.eig) if np.isfinite(tau) else np.ones_like(self.eig)
        return (self.target * grown[None, :]) @ self.basis.T

    def score(self, x, tau: float) -> np.ndarray:
        """s_A(τ)(x) at the rows of x."""
        return self.features(x) @ self.weights(tau).T

    def loss(self, moments: Moments, tau: float) -> float:
        """The denoising loss E||b s + η||²/d without the ridge, under ``moments`` (train or test)."""
        a_w = self.weights(tau)
        d = a_w.shape[0]
        b = self.b
        return float((b * b * np.sum((a_w @ moments.u) * a_w) + 2 * b * np.sum(a_w * moments.v.T) + d) / d)


def train_score(features: Features, moments: Moments, b: float, ridge: float = RIDGE) -> TrainedScore:
    """The closed-form gradient flow of the denoising loss at noise scale b (module docstring)."""
    eig, basis = np.linalg.eigh(moments.u + ridge * np.eye(moments.u.shape[0]))
    star = -(moments.v.T @ basis) / (eig[None, :] * b)            # A*·basis = −Vᵀ Q diag(1/(μ+λ)) / b
    return TrainedScore(features, eig, basis, star, float(b))


@dataclass(frozen=True)
class ScoreOverTimes:
    """Trained scores on a grid of diffusion times (increasing), one model per time, sharing one first layer."""

    process: Process
    times: np.ndarray
    scores: tuple

    def mean(self, tau: float):
        """The posterior mean the reverse process needs (core.dynamics ``mean``), from the model trained for τ at
        the grid time nearest in log s²: ⟨y⟩ = (x + b²·s(x))/a with x = a·x̃ (SCIENCE.md §1: s = (a⟨y⟩ − x)/b²)."""
        log_s2 = np.log(self.process.s2(self.times))
        weights = [score.weights(tau) for score in self.scores]

        def posterior_mean(x_tilde, s2):
            k = int(np.argmin(np.abs(log_s2 - np.log(s2))))
            a, b2 = float(self.process.a(self.times[k])), float(self.process.b2(self.times[k]))
            x = a * np.asarray(x_tilde, float)
            return (x + b2 * self.scores[k].features(x) @ weights[k].T) / a
        return posterior_mean


def train_over_times(features: Features, points, process: Process, times, draws: int, rng: np.random.Generator,
                     ridge: float = RIDGE) -> ScoreOverTimes:
    """One model per diffusion time in ``times``, each trained (in closed form) on ``draws`` noisy copies of every
    point at that time's a and b."""
    times = np.sort(np.asarray(times, float))
    scores = []
    for t in times:
        a, b = float(process.a(t)), float(np.sqrt(process.b2(t)))
        scores.append(train_score(features, feature_moments(features, points, a, b, draws, rng), b, ridge))
    return ScoreOverTimes(process, times, tuple(scores))


def copy_fraction(samples, points, ratio: float = 1.0 / 3.0) -> tuple[float, np.ndarray]:
    """Fraction of ``samples`` that copy a training point, and the flag per sample: a sample is a copy when
    its distance to the nearest training point is below ``ratio`` × its distance to the second nearest
    (the criterion of Bonnaire et al. 2025, after Yoon et al. 2023: ratio 1/3)."""
    if len(samples) == 0:
        return 0.0, np.zeros(0, bool)
    two = nearest_rows(samples, points, 2)[1]
    flags = two[:, 0] < ratio * two[:, 1]
    return float(flags.mean()), flags
