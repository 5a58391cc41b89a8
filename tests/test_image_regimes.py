"""The real-image experiment's estimators (core/image_regimes.py) on Biroli et al. 2024's two-cluster mixture, where
eq. 6 gives φ(t) and eq. 10 the collapse time: the trunk-and-copy cloning, φ_C, t̂_C and the f^e criterion."""
import numpy as np
import pytest

from core.image_regimes import image_regimes, top_weights
from core.processes import Process
from core.regimes import mixture_collapse_time, phi_closed_form
from core.streams import stream
from core.targets import make_target


def _sides(target):
    """Class of each mixture sample: its side of the plane m·y = 0 (m = (1, …, 1))."""
    return (target.data.points.sum(axis=1) > 0).astype(int)


def test_cloning_on_the_trunk_matches_eq6():
    """n = 1,000 samples in d = 8 (μ̃ = σ_c = 1): the clone times lie well above eq. 10's t_C = 0.10, where the
    samples' score is the law's; φ within 3 standard errors (+0.02 for the grid and the finite n) of eq. 6."""
    target = make_target("mixture_samples", d=8, n=1000, r=1.0, sc=1.0, seed=1)
    process = Process("VP")
    times = [0.4, 0.8, 1.5]
    res = image_regimes(target, process, _sides(target), times, 800, 150, stream(0, "test"), 1e-3, 5.0)
    theory = phi_closed_form(res.clone_times, np.sqrt(8.0), 1.0, process)
    assert np.all(np.abs(res.phi - theory) < 3 * res.phi_se + 0.02)
    assert np.all(res.phi_c[:2] < 0.02)                   # far above t_C: the copies end on different samples


def test_collapse_estimators_meet_eq10():
    """n = 200 in d = 10 (eq. 10: t_C = 0.21, well below t_s = 1.2): copies made at t_C/4 end on the same
    sample, copies made at 4 t_C seldom do; the median t̂_C and the zero of f^e match eq. 10 (±25 % and ±15 %:
    300 trajectories on a 200-step grid, 400 draws per time; eq. 10 is the large-d law)."""
    target = make_target("mixture_samples", d=10, n=200, r=1.0, sc=1.0, seed=0)
    process = Process("VP")
    t_c = mixture_collapse_time(200, 10, 1.0)
    res = image_regimes(target, process, _sides(target), [t_c / 4, 4 * t_c], 300, 200, stream(1, "test"), 1e-3,
                        4.0, entropy_times=np.geomspace(t_c / 3, 6 * t_c, 20), entropy_samples=400)
    late, early = res.phi_c                                # clone times decreasing: 4 t_C, then t_C / 4
    assert early > 0.9 and late < 0.5
    theory = phi_closed_form(res.clone_times, np.sqrt(10.0), 1.0, process)      # both clone times below t_s
    assert np.all(np.abs(res.phi - theory) < 3 * res.phi_se + 0.03)
    assert np.nanmedian(res.collapse) == pytest.approx(t_c, rel=0.25)
    assert res.t_c_entropy == pytest.approx(t_c, rel=0.15)


def test_pictures_show_the_trajectories_and_the_posteriors_top_weights():
    target = make_target("mixture_samples", d=6, n=50, r=1.0, sc=0.5, seed=2)
    process = Process("VE")
    res = image_regimes(target, process, _sides(target), [0.5], 40, 60, stream(2, "test"), 1e-3, 20.0,
                        picture_times=[5.0, 0.5, 1e-3], shown=4)
    pics = res.pictures
    assert pics.images.shape == (3, 4, 6) and pics.top.shape == (3, 4, 3)
    assert np.all(np.diff(pics.top_weight, axis=2) <= 0) and np.all(pics.top_weight[..., 0] <= 1)
    # at t_min every shown trajectory has fallen on one sample: its top weight is ~1 and that sample is μ*
    assert np.all(pics.top_weight[-1, :, 0] > 0.99)
    np.testing.assert_array_equal(pics.nearest[-1], pics.top[-1, :, 0])
    # the weights are the posterior's: a softmax of (x̃·y − |y|²/2)/s² over all points
    x = np.random.default_rng(0).standard_normal((3, 6))
    top, w = top_weights(target, x, 1.0, 0.7, k=50)
    y = target.data.points
    logits = (x @ y.T - 0.5 * np.sum(y**2, 1)) / 0.7
    exact = np.exp(logits - logits.max(1, keepdims=True))
    exact /= exact.sum(1, keepdims=True)
    np.testing.assert_allclose(w, np.take_along_axis(exact, top, 1), rtol=1e-10)
