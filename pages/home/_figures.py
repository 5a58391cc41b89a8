"""The home view's thumbnails: one small live figure per view (closed forms or cached default runs)."""
from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

from components.plotting import BASE_LAYOUT, image_sheet_figure
from components.state import default_state, parse_state
from core.bath import mean_field_magnetization
from core.datasets import DataError, digits_points
from core.entropy import two_deltas_rate
from core.hierarchy import forward_backward, make_hierarchy
from core.image_sets import class_images
from core.processes import Process
from core.regimes import phi_closed_form
from core.training import Features, feature_moments, train_score
from core.uturn import two_gaussian_return, two_gaussian_tv
from pages import bifurcation
from pages.landscape import landscape_2d_figure, landscape_view, view_inputs
from pages.memorization import phase_figure


def _landscape():
    state, _ = parse_state({**default_state("circle").raw(), "t": 0.25})
    v = landscape_view(view_inputs(state))
    fig = go.Figure(landscape_2d_figure(v.u, v.v, v.f, np.zeros((0, 2)), v.fixed_uv, v.kinds, v.data_uv, ""))
    fig.update_traces(showscale=False, selector=dict(type="contour"))
    return fig


def _bifurcation():
    state, _ = parse_state(default_state("two_deltas"))
    return bifurcation.paths_figure(bifurcation.JOB.result(state), 0.5)


def _particles():
    t = np.linspace(0.0, 3.0, 80)
    t_s = 0.5 * np.log(1001.0)
    fig = go.Figure(go.Scatter(x=t, y=phi_closed_form(t * t_s, np.sqrt(1000.0), 1.0), line=dict(width=3)))
    fig.add_vline(x=1.0, line=dict(dash="dash", color="#ff7f0e"))
    return fig


def _entropy():
    t = np.geomspace(0.02, 20, 80)
    fig = go.Figure(go.Scatter(x=t, y=two_deltas_rate(Process("VE"), t), line=dict(width=3, color="#1f77b4")))
    fig.add_vline(x=1.0, line=dict(dash="dot", color="#d62728"))
    fig.update_xaxes(type="log")
    return fig


def _memorization():
    state = default_state("mixture_samples").replace(process="VP", n=200, d=2, cluster_width=0.3)
    return phase_figure(state, 0.55, 0.3)


def _ising():
    t = np.geomspace(0.3, 3.0, 120)
    fig = go.Figure(go.Scatter(x=t, y=mean_field_magnetization(t), line=dict(width=3, color="#08519c")))
    fig.add_trace(go.Scatter(x=t, y=-mean_field_magnetization(t), line=dict(width=3, color="#08519c")))
    fig.add_vline(x=1.0, line=dict(dash="dash", color="#d62728"))
    fig.update_xaxes(type="log")
    return fig


def _training():
    """Train (dashed) and test loss of a small random-features model against training time (d = 4, n = 16)."""
    rng = np.random.default_rng(0)
    features = Features.random(256, 4, rng)
    points = rng.standard_normal((16, 4))
    a, b = 0.97, 0.25
    train = feature_moments(features, points, a, b, 256, rng)
    test = feature_moments(features, rng.standard_normal((4096, 4)), a, b, 1, rng)
    model, taus = train_score(features, train, b), np.geomspace(0.01, 1e4, 60)
    fig = go.Figure(go.Scatter(x=taus, y=model.loss_curve(test, taus), line=dict(width=3)))
    fig.add_trace(go.Scatter(x=taus, y=model.loss_curve(train, taus), line=dict(width=2, dash="dash")))
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return fig


def _images():
    """Ten training images of the Images view: Fashion-MNIST's T-shirts and trousers (the 8×8 digits 0 and 1 where
    Fashion-MNIST is not installed)."""
    try:
        images, _ = class_images("fashion-mnist", (0, 1), 10, 28, 0)
    except DataError:
        images, _ = digits_points("01", 10, 0)
    return image_sheet_figure(images, [""] * len(images), columns=5)


def _uturn():
    """The return probability of two Gaussian classes against t (closed form) and their total variation."""
    process, t = Process("VP"), np.geomspace(0.01, 5, 80)
    fig = go.Figure(go.Scatter(x=t, y=two_gaussian_return(t, 2.0, 0.25, process), line=dict(width=3)))
    fig.add_trace(go.Scatter(x=t, y=two_gaussian_tv(t, 2.0, 0.25, process), line=dict(width=2, dash="dash")))
    fig.update_xaxes(type="log")
    return fig


def _hierarchy():
    """What a U-turn changes at the root and at the leaves of a small random hierarchy model, against s²."""
    h = make_hierarchy(4, 8, 2, 6, seed=0)
    s2 = np.geomspace(0.03, 1.0, 14)
    fb = forward_backward(h, s2, 300, np.random.default_rng(0))
    fig = go.Figure(go.Scatter(x=s2, y=fb.changed[:, 0], line=dict(width=3)))
    fig.add_trace(go.Scatter(x=s2, y=fb.changed[:, -1], line=dict(width=2, dash="dash")))
    fig.update_xaxes(type="log")
    return fig


def _data():
    images, labels = digits_points("0123456789", 20, 0)
    return image_sheet_figure(images, labels, columns=10)


THUMBNAILS = {"/landscape": _landscape, "/bifurcation": _bifurcation, "/particles": _particles,
              "/entropy": _entropy, "/memorization": _memorization, "/ising": _ising,
              "/training": _training, "/images": _images, "/uturn": _uturn,
              "/hierarchy": _hierarchy, "/data": _data}


@functools.cache
def thumbnail(path: str) -> dict:
    """The card figure of the view at ``path`` (an empty figure for a view without one): the same for every state,
    drawn once per worker."""
    fig = go.Figure(THUMBNAILS.get(path, dict)())
    fig.update_layout(**{**BASE_LAYOUT, "margin": dict(l=5, r=5, t=5, b=5)}, height=220, showlegend=False,
                      title=None)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig.to_plotly_json()
