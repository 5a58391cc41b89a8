"""The thermodynamics of a trained score model (core.trained, Ambrogioni 2023 (short version) §8) and the
training page's measures (core.training: τ_gen, τ_mem, energy distance; core.targets: the population of a dataset)."""
import numpy as np
import pytest
from scipy.stats import chi2

from core.processes import Process
from core.targets import SPECS, make_target
from core.trained import line_free_energy, poorly_trained, self_consistent_points, split_time
from core.training import (
    Features,
    TrainedDenoiser,
    energy_distance,
    feature_moments,
    generalization_times,
    train_score,
)

VP = Process("VP")


def _trained(features, points, t, draws, seed=0, tau=np.inf):
    a, b2 = float(VP.a(t)), float(VP.b2(t))
    score = train_score(features, feature_moments(features, points, a, np.sqrt(b2), draws,
                                                  np.random.default_rng(seed)), np.sqrt(b2))
    return TrainedDenoiser(features, score.weights(tau), a, b2)


def test_a_linear_denoiser_is_the_gaussian_posterior_mean_with_one_stable_point():
    # φ(x) = x on N(0, h²I): m(x̃) = x̃ + (b²/a)·A·a x̃ with A = −1/(a²h² + b²) is h²/(h² + s²)·x̃ (science.md §1),
    # whose only self-consistent point is 0, a minimum (∂m/∂x̃ = h²/(h² + s²) < 1).
    h, d, t = 1.5, 3, 0.4
    points = h * np.random.default_rng(1).standard_normal((20_000, d))
    model = _trained(Features.linear(), points, t, 4)
    s2 = float(VP.s2(t))
    x = np.random.default_rng(2).standard_normal((5, d))
    np.testing.assert_allclose(model.mean(x), h * h / (h * h + s2) * x, atol=0.02 * np.abs(x).max())
    roots, stable = self_consistent_points(model, 3 * x)
    assert len(roots) == 1 and stable[0] and np.abs(roots[0]).max() < 1e-8


def test_the_jacobian_is_the_derivative_of_the_denoiser():
    rng = np.random.default_rng(3)
    features = Features.random(64, 5, rng)
    model = TrainedDenoiser(features, rng.standard_normal((5, 64)) / 8, 0.8, 0.36)
    x, eps = rng.standard_normal((2, 5)), 1e-6
    numeric = np.stack([(model.mean(x + eps * e) - model.mean(x - eps * e)) / (2 * eps) for e in np.eye(5)], axis=2)
    np.testing.assert_allclose(model.jacobian(x), numeric, atol=1e-7)


def test_a_wide_model_trained_long_has_a_minimum_at_each_of_two_points_and_one_at_high_noise():
    # Two points ±e₁ in d = 2, p = 800: fully trained at small noise (s ≈ 0.2) the model's self-consistent points
    # include a minimum within 0.1 of each point (it has learned the two wells); at large noise (s ≈ 2.8, past
    # the split s² = Λ = 1) one minimum at the centre — the model's own pitchfork.
    points = np.array([[1.0, 0.0], [-1.0, 0.0]])
    features = Features.random(800, 2, np.random.default_rng(4))
    starts = np.array([[1.2, 0.1], [-1.1, -0.1], [0.05, 0.0]])
    low = _trained(features, points, 0.02, 4000)
    roots, stable = self_consistent_points(low, starts)
    minima = roots[stable]
    for y in points:
        assert np.min(np.linalg.norm(minima - y, axis=1)) < 0.1
    high = _trained(features, points, 1.5, 4000)
    roots, stable = self_consistent_points(high, starts)
    assert stable.sum() == 1 and np.linalg.norm(roots[stable][0]) < 0.15


def test_line_free_energy_of_two_deltas_is_the_closed_form():
    # Two deltas ±1 in 1-D: F̃(x̃) = −s² log cosh(x̃/s²) + x̃²/2 up to a constant (science.md §2), so the integral
    # of x̃ − tanh(x̃/s²) along the line is it, to the trapezoid rule's O(h²).
    s2 = 0.3
    u = np.linspace(-2, 2, 4001)
    f = line_free_energy(lambda x: np.tanh(x / s2), np.zeros(1), np.ones(1), u)
    exact = -s2 * np.log(np.cosh(u / s2)) + u * u / 2
    np.testing.assert_allclose(f, exact - exact.min(), atol=1e-6)


def test_poorly_trained_marks_the_point_itself_and_far_away_but_not_the_shell():
    # d = 50, s = 0.1: the inputs from a point sit at |x̃ − y| ≈ s√d; the point itself and 10× the shell are
    # never reached; of the training inputs themselves, 2 % (the two 1 % tails of χ²_d) are flagged.
    d, s = 50, 0.1
    y = np.zeros((1, d))
    e = np.eye(d)[0]
    flags = poorly_trained(np.stack([0 * e, s * np.sqrt(d) * e, 10 * s * np.sqrt(d) * e]), y, s * s)
    assert flags.tolist() == [True, False, True]
    draws = s * np.random.default_rng(5).standard_normal((40_000, d))
    share = poorly_trained(draws, y, s * s).mean()
    assert share == pytest.approx(0.02, abs=4 * np.sqrt(0.02 * 0.98 / 40_000))
    assert chi2.ppf(0.01, d) * s * s < d * s * s < chi2.ppf(0.99, d) * s * s


def test_split_time_is_the_end_of_the_run_of_two_minima():
    times = np.array([0.01, 0.1, 1.0, 10.0])
    assert split_time(times, [3, 2, 1, 1]) == pytest.approx(np.sqrt(0.1 * 1.0))
    assert split_time(times, [2, 2, 2, 2]) == 10.0
    assert split_time(times, [1, 2, 2, 1]) is None


def test_generalization_times_read_a_dip_and_a_rise():
    taus = np.logspace(-2, 3, 51)
    loss = 1 - 0.1 * np.exp(-((np.log10(taus) + 0.5) ** 2)) + 0.2 * (taus / (taus + 100.0))
    tau_gen, tau_mem = generalization_times(taus, loss)
    assert tau_gen == pytest.approx(taus[np.argmin(loss)])
    k = np.argmin(loss)
    first = k + np.argmax(loss[k:] > 1.02 * loss[k])
    assert tau_mem == taus[first] and loss[first - 1] <= 1.02 * loss[k]
    assert np.isnan(generalization_times(taus, np.linspace(1, 0.5, 51))[1])   # never rises: no τ_mem


def test_energy_distance_of_two_points_and_of_one_law():
    assert energy_distance(np.zeros((3, 1)), np.ones((4, 1))) == pytest.approx(2.0)   # 2|0 − 1| − 0 − 0
    rng = np.random.default_rng(6)
    same = energy_distance(rng.standard_normal((400, 3)), rng.standard_normal((400, 3)))
    shifted = energy_distance(rng.standard_normal((400, 3)), 1 + rng.standard_normal((400, 3)))
    assert 0 < same < 0.05 < 0.3 < shifted


def test_the_population_of_a_dataset_is_its_law_or_its_held_out_images():
    gaussian = make_target("gaussian_points", d=3, n=20, r=2.0)
    law = SPECS["gaussian_points"].population(gaussian)
    np.testing.assert_allclose(law.covariance, 4.0 * np.eye(3))
    mixture = SPECS["mixture_samples"].population(make_target("mixture_samples", d=4, n=30, sc=0.5))
    assert not mixture.is_discrete and dict(mixture.params)["sc"] == 0.5
    digits = make_target("digits", n=300, cls="01", seed=3)
    held = SPECS["digits"].population(digits)
    train = {row.tobytes() for row in digits.data.points}
    assert held.data.n == 360 - 300 and not any(row.tobytes() in train for row in held.data.points)
    assert SPECS["digits"].population(make_target("digits", n=360, cls="01")) is None    # every image trained on
    assert SPECS["circle"].population is None
