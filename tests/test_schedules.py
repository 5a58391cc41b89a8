"""The samplers' step grids (core/schedules.py): log t, Karras et al.'s ρ = 7 in σ = s, and entropic time."""
import numpy as np
import pytest

from core.entropy import gaussian_subspace_rate
from core.processes import Process
from core.schedules import SCHEDULES, entropic_clock, entropic_times, karras_times, step_times
from core.targets import make_target

PROCESSES = [Process("VE"), Process("VP"), Process("FM")]


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.kind)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_grid_runs_from_t_max_down_to_t_min(process, schedule):
    t_max = 0.999 if process.kind == "FM" else 5.0
    clock = entropic_clock(make_target("two_deltas", d=1), process, 1e-3, t_max, np.random.default_rng(0), 200)
    grid = step_times(schedule, process, 1e-3, t_max, 30, clock)
    assert grid.shape == (31,) and grid[0] == t_max and grid[-1] == 1e-3 and np.all(np.diff(grid) < 0)


def test_karras_grid_is_eq5_in_the_noise_level():
    """σ_i^{1/ρ} is linear in i (Karras et al. 2022 eq. 5), σ = s(t) of the process: the same σ grid for every
    process, the same times up to each process's s²(t)."""
    for process in PROCESSES:
        t_max = 0.99 if process.kind == "FM" else 3.0
        grid = karras_times(process, 1e-3, t_max, 20)
        root = np.sqrt(process.s2(grid)) ** (1 / 7)
        np.testing.assert_allclose(np.diff(root, 2), 0.0, atol=1e-9)
    ve = karras_times(Process("VE"), 1e-2, 10.0, 4)
    sigma = (10 ** (1 / 14) + np.arange(5) / 4 * (1e-2 ** (1 / 14) - 10 ** (1 / 14))) ** 7   # σ = √t under VE σ = 1
    np.testing.assert_allclose(ve, sigma**2, rtol=1e-12)


def test_entropic_grid_takes_equal_steps_of_conditional_entropy():
    """On the Gaussian subspace the rate is exact (Ambrogioni 2025 eq. 22): the Monte Carlo clock integrates it,
    and the grid's steps each carry the same H(y|x_t) within 2 % of a step (the clock's Monte Carlo, 48 times)."""
    process = Process("VE")
    target = make_target("subspace", d=4, r=1.0, dd=3)
    times, h = entropic_clock(target, process, 1e-3, 100.0, np.random.default_rng(1), 4000)
    fine = np.geomspace(1e-3, 100.0, 20_001)
    rate = gaussian_subspace_rate(process, fine, 1.0, 3)
    exact = np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(fine))])
    np.testing.assert_allclose(h[-1], exact[-1], rtol=0.02)
    grid = entropic_times((times, h), 12)
    h_at = np.interp(np.log(grid), np.log(fine), exact)
    steps = -np.diff(h_at)
    np.testing.assert_allclose(steps, exact[-1] / 12, rtol=0.05)


def test_a_flat_clock_keeps_an_ordered_grid():
    """No information produced between two times (a flat H): the grid still runs down, spread in log t there."""
    times = np.geomspace(1e-3, 10.0, 9)
    h = np.array([0, 0, 0, 0, 1, 2, 2, 2, 2], float)
    grid = entropic_times((times, h), 8)
    assert grid[0] == 10.0 and grid[-1] == 1e-3 and np.all(np.diff(grid) < 0)
    assert np.sum((grid > times[3]) & (grid < times[5])) >= 5      # most steps where H rises
    flat = entropic_times((times, np.zeros(9)), 4)
    np.testing.assert_allclose(flat, np.geomspace(10.0, 1e-3, 5))
