"""Processes, targets, score, Jacobian and free energy against identities (science.md §1–2)."""
import numpy as np
import pytest

from core.processes import Process, time_grid
from core.score import free_energy, posterior_at, score, score_jacobian
from core.targets import SPECS, make_target
from tests.installed import every_target

PROCESSES = [Process("VE", 1.0), Process("VE", 0.5), Process("VP"), Process("FM")]


def log_density(target, process, x, t):
    """log p_t(x) = log Z(x̃) − |x̃|²/(2s²) − (d/2) log(2πs²) − d log a (from §1's kernel)."""
    a, s2 = float(process.a(t)), float(process.s2(t))
    xt = x / a
    d = x.shape[1]
    return (target.posterior(xt, s2).log_z - (xt**2).sum(1) / (2 * s2)
            - 0.5 * d * np.log(2 * np.pi * s2) - d * np.log(a))


def test_process_coefficients():
    t = np.array([0.01, 0.3, 2.0])
    ve, vp, fm = Process("VE", 2.0), Process("VP"), Process("FM")
    np.testing.assert_allclose(ve.s2(t), 4 * t)
    for proc in (vp, fm):
        np.testing.assert_allclose(proc.s2(t[:2]), proc.b2(t[:2]) / proc.a(t[:2]) ** 2)
    np.testing.assert_allclose(fm.a(t[:2]) + np.sqrt(fm.b2(t[:2])), 1.0)          # x_t = (1 − t)y + tz
    h = 1e-6
    for proc in (ve, vp, fm):
        t_in = t[t < proc.t_max]
        np.testing.assert_allclose(proc.nu2(t_in), (proc.s2(t_in + h) - proc.s2(t_in - h)) / (2 * h), rtol=1e-6)
        np.testing.assert_allclose(proc.time_of_s2(proc.s2(t_in)), t_in)
        log_a = lambda u, proc=proc: np.log(proc.a(u))  # noqa: E731
        np.testing.assert_allclose(proc.dlog_a(t_in), (log_a(t_in + h) - log_a(t_in - h)) / (2 * h), atol=1e-8)
        # g² = d(b²)/dt − 2(d log a/dt)·b²: the forward SDE with these marginals (science.md §9)
        db2 = (proc.b2(t_in + h) - proc.b2(t_in - h)) / (2 * h)
        np.testing.assert_allclose(proc.g2(t_in), db2 - 2 * proc.dlog_a(t_in) * proc.b2(t_in), rtol=1e-6)
    # flow matching's critical time a²Λ = b²: t_c = √Λ/(1 + √Λ), ½ for two deltas ±1 (Λ = 1)
    assert fm.time_of_s2(1.0) == pytest.approx(0.5)
    assert fm.time_of_s2(9.0) == pytest.approx(0.75)
    assert fm.t_max < 1 and ve.t_max == vp.t_max
    grid = time_grid(1e-3, 10, 50)
    assert grid[0] == pytest.approx(1e-3) and grid[-1] == pytest.approx(10)
    assert np.allclose(np.diff(np.log(grid)), np.log(1e4) / 49)
    with pytest.raises(ValueError):
        Process("XX")
    with pytest.raises(ValueError):
        Process("VE", 0.0)


@pytest.mark.parametrize("key", every_target())
@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: f"{p.kind}{p.sigma}")
def test_score_and_jacobian_are_derivatives(key, process):
    target = make_target(key, d=3, n=6, seed=1)
    d = target.d
    t = 0.4
    x = np.random.default_rng(5).standard_normal((4, d)) * 1.2
    sc, jac = score(target, process, x, t), score_jacobian(target, process, x, t)
    h = 1e-5
    for k in range(d):
        e = np.zeros(d)
        e[k] = h
        fd_score = (log_density(target, process, x + e, t) - log_density(target, process, x - e, t)) / (2 * h)
        np.testing.assert_allclose(sc[:, k], fd_score, rtol=1e-5, atol=1e-6)
        fd_jac = (score(target, process, x + e, t) - score(target, process, x - e, t)) / (2 * h)
        np.testing.assert_allclose(jac[:, :, k], fd_jac, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(jac, np.swapaxes(jac, 1, 2), atol=1e-12)


def test_free_energy_two_deltas_closed_form():
    # F̃ = −T log cosh(x/T) + x²/2 + const with T = σ²t (issue 3, Ambrogioni 2023 §5).
    target = make_target("two_deltas", d=1)
    x = np.linspace(-2, 2, 81)[:, None]
    for t in (0.3, 1.0, 2.5):
        f = free_energy(target, Process("VE"), x, t)
        ref = -t * (np.logaddexp(x[:, 0] / t, -x[:, 0] / t) - np.log(2)) + x[:, 0] ** 2 / 2
        np.testing.assert_allclose(f - f[40], ref - ref[40], atol=1e-12)


@pytest.mark.parametrize("key", every_target())
def test_free_energy_gradient_is_minus_drift(key):
    # ∇_x̃ F̃ = x̃ − ⟨y⟩: fixed points of the generative drift are critical points of F̃.
    target, proc, t = make_target(key, d=2, n=7, seed=3), Process("VP"), 0.5
    x = np.random.default_rng(6).standard_normal((5, target.d))
    a = float(proc.a(t))
    grad = x / a - posterior_at(target, proc, x, t).mean
    h = 1e-6
    for k in range(target.d):
        e = np.zeros(target.d)
        e[k] = h * a
        fd = (free_energy(target, proc, x + e, t) - free_energy(target, proc, x - e, t)) / (2 * h)
        np.testing.assert_allclose(fd, grad[:, k], rtol=1e-5, atol=1e-6)


def test_targets_are_deterministic_and_cached():
    a = make_target("gaussian_points", d=4, n=30, seed=7)
    b = make_target("gaussian_points", d=4, n=30, seed=7, pw=0.2)   # unused parameter
    c = make_target("gaussian_points", d=4, n=30, seed=8)
    assert a is b
    assert not np.allclose(a.data.points, c.data.points)
    again = SPECS["gaussian_points"].build(key="gaussian_points", name="", params=(),
                                           d=4, n=30, seed=7, r=1.0)
    np.testing.assert_array_equal(a.data.points, again.data.points)


def test_target_covariances():
    circle = make_target("circle", n=4, r=2.0)
    assert circle.d == 2 and circle.data.n == 4
    np.testing.assert_allclose(circle.covariance, 2.0 * np.eye(2), atol=1e-12)   # r²/2 · I
    two = make_target("two_deltas", d=1, r=1.0, pw=0.8)
    np.testing.assert_allclose(two.covariance, [[1 - 0.6**2]])                      # 1 − ⟨y⟩²
    rng = np.random.default_rng(0)
    for key in ("mixture", "hypersphere", "subspace"):
        t = make_target(key, d=3, r=1.5, sc=0.5, dd=2)
        y = t.sample(200_000, rng)
        np.testing.assert_allclose(np.cov(y.T), t.covariance, atol=0.03)
    mix = make_target("mixture", d=4, r=1.0, sc=0.5)
    assert mix.top_eigenvalue == pytest.approx(4 * 1.0 + 0.25)                     # dμ̃² + σ_c²
