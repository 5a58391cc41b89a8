"""U-turns and the critical window (core/uturn.py) against their closed forms and limits."""
import numpy as np
import pytest

from core.processes import Process
from core.targets import make_target
from core.uturn import (
    class_posterior,
    decision_window,
    two_gaussian_return,
    two_gaussian_tv,
    u_turn_returns,
)

PROCESSES = [Process("VE"), Process("VP"), Process("FM")]


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.kind)
def test_monte_carlo_return_meets_the_two_gaussian_integral(process):
    """The mixture law ±m (d = 3, μ̃ = 0.6, σ_c = 0.5) through the lab's kernel against E_z[sigmoid(2κ + 2√κ z)]:
    4,000 U-turns per time, within 4 standard errors."""
    target = make_target("mixture", d=3, r=0.6, sc=0.5)
    times = process.time_of_s2(np.array([0.05, 0.3, 1.0, 4.0]))
    mc = u_turn_returns(target, process, times, 4000, np.random.default_rng(0))
    exact = two_gaussian_return(times, 0.6 * np.sqrt(3), 0.25, process)
    for k in range(2):                                           # the classes are symmetric: the same curve
        assert np.all(np.abs(mc.ret[k] - exact) < 4 * mc.ret_se[k] + 1e-3), (mc.ret[k], exact)


def test_return_probability_limits():
    """t → 0: E[P(A|y)], 1 for two deltas, the overlap's share for the mixture; t → ∞: the class weight (also
    with unequal weights: log-odds ℓ)."""
    process = Process("VE")
    assert two_gaussian_return([1e-8], 1.0, 0.0, process)[0] == pytest.approx(1.0, abs=1e-9)
    assert two_gaussian_return([1e9], 1.0, 0.0, process)[0] == pytest.approx(0.5, abs=1e-4)
    assert two_gaussian_return([1e9], 1.0, 0.0, process, np.log(0.3 / 0.7))[0] == pytest.approx(0.3, abs=1e-4)
    kappa = 1.0 / 0.49
    z = np.random.default_rng(1).standard_normal(400_000)
    overlap = np.mean(1 / (1 + np.exp(-(2 * kappa + 2 * np.sqrt(kappa) * z))))
    assert two_gaussian_return([1e-12], 1.0, 0.49, process)[0] == pytest.approx(overlap, abs=3e-3)
    deltas = make_target("two_deltas", d=1, r=1.0, pw=0.3)
    mc = u_turn_returns(deltas, process, [1e-3, 1e4], 2000, np.random.default_rng(2))
    np.testing.assert_allclose(mc.ret[:, 0], 1.0, atol=1e-6)                 # separated: always back
    np.testing.assert_allclose(mc.ret[:, 1], [0.3, 0.7], atol=0.01)           # pure noise: the weights
    np.testing.assert_allclose(mc.ret[0], two_gaussian_return(mc.times, 1.0, 0.0, process, np.log(0.3 / 0.7)),
                               atol=4 * mc.ret_se[0].max() + 1e-3)


def test_class_posteriors_sum_to_one_and_tv_is_their_mean_gap():
    """Σ_c P(c|x̃) = 1 on a discrete target with classes, and the closed-form TV equals E_mix|P(A|x̃) − P(B|x̃)|
    by Monte Carlo on the mixture law (TV = ½∫|p_A − p_B| = E_{½(p_A + p_B)}|2P(A|x̃) − 1|)."""
    circle = make_target("circle", n=6, r=1.0)
    x = np.random.default_rng(3).standard_normal((50, 2))
    np.testing.assert_allclose(class_posterior(circle, x, 0.3).sum(axis=1), 1.0, atol=1e-12)
    process, target = Process("VP"), make_target("mixture", d=2, r=0.8, sc=0.4)
    rng = np.random.default_rng(4)
    for t in (0.1, 0.6, 2.0):
        s2 = float(process.s2(t))
        x = target.sample(20_000, rng) + np.sqrt(s2) * rng.standard_normal((20_000, 2))
        gap = np.abs(np.diff(class_posterior(target, x, s2), axis=1))[:, 0]
        tv = two_gaussian_tv([t], 0.8 * np.sqrt(2), 0.16, process)[0]
        assert gap.mean() == pytest.approx(tv, abs=4 * gap.std() / np.sqrt(20_000) + 1e-3)


def test_the_decision_window_brackets_where_the_classes_separate():
    process = Process("VP")
    times = np.geomspace(1e-3, 10, 400)
    tv = two_gaussian_tv(times, 3.0, 0.25, process)
    early, late = decision_window(times, tv)
    assert early < late
    assert two_gaussian_tv([early], 3.0, 0.25, process)[0] == pytest.approx(0.9, abs=0.01)
    assert two_gaussian_tv([late], 3.0, 0.25, process)[0] == pytest.approx(0.1, abs=0.01)


def test_the_page_draws_the_return_curve_the_window_and_the_paths(app_context):
    """The mixture law: the job's curve meets the closed form, the window lies around t_s, every figure is finite;
    a target without classes gets links to two that have them, and no job."""
    from components.state import default_state, parse_state
    from pages.uturn import page
    from pages.uturn._model import JOB
    from tests.figures import trace_arrays
    state = parse_state({"target": "mixture", "d": "2", "r": "1", "sc": "0.3", "process": "VP", "t": "0.4"})[0]
    result = JOB.result(state)
    early, late = result.window
    assert early < result.t_s < late
    exact = np.interp(np.log(result.uturns.times), np.log(result.theory_t), result.theory)
    assert np.all(np.abs(result.uturns.ret[0] - exact) < 4 * result.uturns.ret_se[0] + 0.01)
    fig, choose = page.render_returns("ready", state.raw(), 0.4)
    paths = page.render_paths(state.raw(), 0.4)
    assert choose is None
    for figure in (fig, paths):
        for _kind, name, _attr, a in trace_arrays(figure):
            a = np.asarray(a, float)
            assert np.isfinite(a[~np.isnan(a)]).all() and np.isfinite(a).any(), name
    assert not JOB.applies(default_state("gaussian_points"))
    blank, choose = page.render_returns(None, default_state("gaussian_points").raw(), 0.4)
    assert "target=two_deltas" in repr(choose) and "target=mixture" in repr(choose)
