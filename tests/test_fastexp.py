"""The vectorized exponential of the posterior kernel against numpy's (correctly rounded to < 1 ulp)."""
import numpy as np

from core.fastexp import LOG_FLOOR, exp_floored


def fast_exp(x, shift=0.0):
    g = np.array(x, dtype=np.float64)
    exp_floored(g, shift, np.empty_like(g))
    return g


def ulps(value, reference):
    return np.abs(value - reference) / np.spacing(reference)


def test_within_one_ulp_over_the_kernel_domain():
    rng = np.random.default_rng(0)
    # a dense grid, random points, the ends, and the points where the reduction switches k
    k = np.arange(-116, 1)
    x = np.concatenate([np.linspace(LOG_FLOOR, 0.0, 400_001), LOG_FLOOR * rng.random(400_000),
                        [0.0, -0.0, -1e-300, -5e-324, LOG_FLOOR],
                        (k + 0.5) * np.log(2.0), np.nextafter((k + 0.5) * np.log(2.0), 0.0)])
    x = x[x >= LOG_FLOOR]
    assert ulps(fast_exp(x), np.exp(x)).max() <= 1.0
    assert fast_exp([0.0])[0] == 1.0


def test_shift_and_floor():
    x = np.array([3.0, 2.5, -100.0, 3.0 - 80.0, -1e300])
    out = fast_exp(x, shift=3.0)
    np.testing.assert_allclose(out[:2], [1.0, np.exp(-0.5)], rtol=2e-16)
    # at and below the floor: e^{-80}, never a subnormal or zero
    np.testing.assert_allclose(out[2:], np.exp(LOG_FLOOR), rtol=2e-16)
