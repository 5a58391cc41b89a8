"""A score model trained by denoising score matching, in closed form over training time
(Bonnaire, Urfin, Biroli & Mézard 2025, "Why diffusion models don't memorize"; issue 20).

At one diffusion time t (x = a·y + b·η), the random-features model of the paper is

    s_A(x) = A·φ(W x / √d),   W ∈ R^{p×d} fixed Gaussian, φ = tanh, A ∈ R^{d×p} trained,

on the denoising loss L(A) = E ||b·s_A(a y + b η) + η||²/d + b²λ||A||²/d over training points y and
noise η.  L is quadratic in A: with U = E[φφᵀ] (p×p) and V = E[φηᵀ] (p×d) it is
(b² tr(AUAᵀ) + 2b tr(AV) + E|η|²)/d + b²λ|A|²/d, and gradient flow from A = 0, in a training time τ
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

    def __call__(self, x, dtype=np.float64) -> np.ndarray:
        """φ at the rows of ``x`` (P, d) → (P, p), computed in ``dtype`` (float32 for the training moments:
        3× faster, U off by ~1e-7)."""
        x = np.asarray(x, dtype)
        if self.weights is None:
            return x
        return np.tanh(x @ (self.weights.T / np.sqrt(x.shape[1])).astype(dtype))


@dataclass(frozen=True)
class Moments:
    """U = E[φφᵀ], V = E[φηᵀ] and E|η|² over x = a y + b η (y from a set of points, η fresh Gaussian draws)."""

    u: np.ndarray
    v: np.ndarray
    noise: float


def feature_moments(features: Features, points, a: float, b: float, draws: int,
                    rng: np.random.Generator, weights=None) -> Moments:
    """U and V by Monte Carlo: ``draws`` noises per point, each point counted with its weight (``weights``,
    normalized; equal by default), accumulated in blocks of FEATURE_ROWS rows (memory O(rows · p), never
    O(n · draws · p))."""
    points = np.asarray(points, float)
    n, d = points.shape
    share = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float) / np.sum(weights)
    rows = np.repeat(np.arange(n), draws)
    u = v = noise = 0.0
    for start in range(0, rows.size, FEATURE_ROWS):
        block = rows[start:start + FEATURE_ROWS]
        y = points[block]
        eta = rng.standard_normal(y.shape)
        phi = features(a * y + b * eta, np.float32)
        weighted = phi * (share[block] / draws).astype(np.float32)[:, None]
        u = u + (weighted.T @ phi).astype(np.float64)           # each block in float32, the sum in float64
        v = v + (weighted.T @ eta.astype(np.float32)).astype(np.float64)
        noise += float(np.sum(share[block] / draws * np.sum(eta * eta, axis=1)))
    return Moments(0.5 * (u + u.T), v, noise)                     # symmetric again after float32 block sums


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
    ridge: float = RIDGE

    def grown(self, tau: float) -> np.ndarray:
        """1 − e^{−τ(μ+λ)} per eigendirection: how much of A* each has learned by τ (all of it at τ = ∞)."""
        return -np.expm1(-tau * self.eig) if np.isfinite(tau) else np.ones_like(self.eig)

    def weights(self, tau: float) -> np.ndarray:
        """A(τ) = A*(I − e^{−τ(U+λ)}) (d, p); τ = ∞ gives the ridge solution A*."""
        return (self.target * self.grown(tau)[None, :]) @ self.basis.T

    def score(self, x, tau: float) -> np.ndarray:
        """s_A(τ)(x) at the rows of x."""
        return self.features(x) @ self.weights(tau).T

    def loss(self, moments: Moments, tau: float) -> float:
        """The denoising loss E||b s + η||²/d without the ridge at one training time (``loss_curve``)."""
        return float(self.loss_curve(moments, [tau])[0])

    def loss_curve(self, moments: Moments, taus, trained_on: bool = False) -> np.ndarray:
        """The denoising loss E||b s + η||²/d without the ridge, over the draws of ``moments`` (train or test), at
        each training time: (b² tr(AUAᵀ) + 2b tr(AV) + E|η|²)/d, a mean of squares (≥ 0 but for rounding, clipped
        there).  In U's eigenbasis A(τ) = T·diag(g(τ))·Qᵀ, so with K = (QᵀUQ) ∘ (TᵀT) and c_k = T_{:k}·(QᵀV)_{k:}
        it is (b²·gᵀKg + 2b·c·g + E|η|²)/d: p² per τ, not d·p².  ``trained_on``: these are the moments the model
        was trained on, whose QᵀUQ is diag(eig − λ) (no p³ rotation)."""
        grown = np.array([self.grown(tau) for tau in np.atleast_1d(taus)])
        rotated_u = np.diag(self.eig - self.ridge) if trained_on else self.basis.T @ moments.u @ self.basis
        kernel = rotated_u * (self.target.T @ self.target)
        linear = np.sum(self.target * (self.basis.T @ moments.v).T, axis=0)
        b, d = self.b, self.target.shape[0]
        value = b * b * np.sum((grown @ kernel) * grown, axis=1) + 2 * b * grown @ linear + moments.noise
        return np.maximum(value / d, 0.0)


def train_score(features: Features, moments: Moments, b: float, ridge: float = RIDGE) -> TrainedScore:
    """The closed-form gradient flow of the denoising loss at noise scale b (module docstring)."""
    eig, basis = np.linalg.eigh(moments.u + ridge * np.eye(moments.u.shape[0]))
    star = -(moments.v.T @ basis) / (eig[None, :] * b)            # A*·basis = −Vᵀ Q diag(1/(μ+λ)) / b
    return TrainedScore(features, eig, basis, star, float(b), ridge)


@dataclass(frozen=True)
class TrainedDenoiser:
    """m(x̃) of a trained model at one diffusion time: features, readout A (d, p), a and b² of that time."""

    features: Features
    readout: np.ndarray
    a: float
    b2: float

    def mean(self, x_tilde) -> np.ndarray:
        """m(x̃) = (x + b²·s_A(x))/a = x̃ + (b²/a)·A·φ(a x̃) at the rows of x̃ (P, d) (science.md §1:
        s = (a⟨y⟩ − x)/b², with x = a·x̃)."""
        x_tilde = np.atleast_2d(np.asarray(x_tilde, float))
        return x_tilde + (self.b2 / self.a) * self.features(self.a * x_tilde) @ self.readout.T

    def jacobian(self, x_tilde) -> np.ndarray:
        """∂m/∂x̃ = I + b²·A·diag(φ'(z))·W/√d at the rows of x̃ → (P, d, d) (linear features: I + b²A)."""
        x_tilde = np.atleast_2d(np.asarray(x_tilde, float))
        p_rows, d = x_tilde.shape
        w = self.features.weights
        if w is None:
            return np.broadcast_to(np.eye(d) + self.b2 * self.readout, (p_rows, d, d)).copy()
        slope = 1.0 - self.features(self.a * x_tilde) ** 2                    # tanh' at z = a W x̃/√d
        return np.eye(d) + self.b2 * (self.readout[None, :, :] * slope[:, None, :]) @ (w / np.sqrt(d))


@dataclass(frozen=True)
class ScoreOverTimes:
    """Trained scores on a grid of diffusion times (increasing), one model per time, sharing one first layer."""

    process: Process
    times: np.ndarray
    scores: tuple

    def denoiser(self, k: int, tau: float) -> TrainedDenoiser:
        """The denoiser of the model at grid time ``times[k]`` trained for τ."""
        t = self.times[k]
        return TrainedDenoiser(self.scores[k].features, self.scores[k].weights(tau), float(self.process.a(t)),
                               float(self.process.b2(t)))

    def mean(self, tau: float):
        """The posterior mean the reverse process needs (core.dynamics ``mean``): the denoiser of the model trained
        for τ at the grid time nearest in log s²."""
        log_s2 = np.log(self.process.s2(self.times))
        denoisers = [self.denoiser(k, tau) for k in range(len(self.times))]
        return lambda x_tilde, s2: denoisers[int(np.argmin(np.abs(log_s2 - np.log(s2))))].mean(x_tilde)


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


def generalization_times(taus, test_loss, rise: float = 0.02) -> tuple[float, float]:
    """τ_gen and τ_mem from a test-loss curve over training times ``taus`` (increasing): τ_gen where the test
    loss is least (the model is nearest the population score), τ_mem the first τ after it where the loss has
    risen ``rise`` (relative) above that minimum — the model has started to fit its training points rather
    than the law (Bonnaire et al. 2025 §3: τ_gen independent of n, τ_mem ∝ n).  NaN for τ_mem if it never
    rises that far."""
    taus, test_loss = np.asarray(taus, float), np.asarray(test_loss, float)
    k = int(np.argmin(test_loss))
    above = np.nonzero(test_loss[k:] > (1.0 + rise) * test_loss[k])[0]
    return float(taus[k]), float(taus[k + above[0]]) if above.size else float("nan")


def energy_distance(x, y) -> float:
    """Energy distance 2E|X − Y| − E|X − X'| − E|Y − Y'| between two samples (Székely & Rizzo 2013): zero
    only for equal laws; the V-statistic, so two samples of one law give a small positive value."""
    def mean_distance(u, v):
        d2 = np.sum(u**2, 1)[:, None] - 2 * u @ v.T + np.sum(v**2, 1)[None, :]
        return float(np.sqrt(np.maximum(d2, 0.0)).mean())
    x, y = np.asarray(x, float), np.asarray(y, float)
    return 2 * mean_distance(x, y) - mean_distance(x, x) - mean_distance(y, y)


def copy_fraction(samples, points, ratio: float = 1.0 / 3.0) -> tuple[float, np.ndarray]:
    """Fraction of ``samples`` that copy a training point, and the flag per sample: a sample is a copy when
    its distance to the nearest training point is below ``ratio`` × its distance to the second nearest
    (the criterion of Bonnaire et al. 2025, after Yoon et al. 2023: ratio 1/3)."""
    if len(samples) == 0:
        return 0.0, np.zeros(0, bool)
    two = nearest_rows(samples, points, 2)[1]
    flags = two[:, 0] < ratio * two[:, 1]
    return float(flags.mean()), flags
