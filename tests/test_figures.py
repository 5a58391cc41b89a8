"""Figure builders return the traces and layout the pages rely on."""
import json

import numpy as np
import plotly.graph_objects as go

from pages.landscape import _figures as figures
from tests.figures import assert_plotly_reads_back, plain


def test_landscape_2d_traces_and_payload_dtype():
    u = np.linspace(-1, 1, 5)
    f = np.add.outer(u**2, u**2)
    arrows = figures.arrow_segments(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 2.0]]), 0.5)
    kinds = np.array(["minimum", "saddle"])
    fig = figures.landscape_2d_figure(u, u, f, arrows, np.array([[0, 0], [0.5, 0.5]]), kinds,
                                      np.array([[1.0, 1.0]]), "title", probe=np.array([0.2, 0.1]),
                                      probe_mean=np.array([0.5, 0.5]))
    names = [t["name"] for t in fig["data"]]
    assert names[:3] == ["F̃", "score direction", "data points"]
    assert "stable fixed point" in names and "saddle (unstable)" in names and "probe x̃" in names
    assert fig["data"][0]["z"]["dtype"] == "f4"                # typed arrays, not lists
    assert len(fig["layout"]["annotations"]) == 1              # ⟨y⟩ arrow from the probe
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"
    surface = figures.landscape_2d_figure(u, u, f, arrows, np.zeros((0, 2)), np.array([], "<U8"),
                                          np.zeros((1, 2)), "", surface=True)
    assert surface["data"][0]["type"] == "surface"


def test_the_landscape_map_built_as_a_dict_is_what_plotly_writes():
    """The map skips plotly's objects (components.plainfig.plain_figure): plotly must read it back — every property
    known, every value valid (go.Figure raises otherwise) — and write exactly the same figure, template included."""
    u = np.linspace(-1, 1, 7)
    f = np.add.outer(u**2, u**3)
    arrows = figures.arrow_segments(np.zeros((3, 2)), np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), 0.5)
    kinds = np.array(["minimum", "saddle", "maximum", "marginal"])
    for extra in ({}, dict(hopfield=f.T, probe=np.array([0.2, 0.1]), probe_mean=np.array([0.5, 0.5]))):
        fig = figures.landscape_2d_figure(u, u, f, arrows, np.arange(8.0).reshape(4, 2) / 8, kinds,
                                          np.array([[1.0, 1.0], [0.0, -1.0]]), "a title", **extra)
        assert_plotly_reads_back(fig)


def test_arrow_segments_point_along_the_field():
    tails = np.array([[0.0, 0.0], [1.0, 1.0]])
    seg = figures.arrow_segments(tails, np.array([[3.0, 0.0], [0.0, -1.0]]), 1.0)
    assert seg.shape == (6, 2) and np.isnan(seg[2::3]).all()
    assert seg[1, 0] > 0 and seg[1, 1] == 0 and seg[4, 1] < 1


def test_landscape_1d_and_strip():
    x = np.linspace(-2, 2, 11)
    fig = go.Figure(figures.landscape_1d_figure(x, x**2, -x, [0.0], [0.0], [0.0], np.array(["minimum"]), "T",
                                                data_x=[1.0, -1.0], hopfield=x**2, probe=0.5, probe_mean=0.2))
    assert {t.name for t in fig.data} >= {"F̃", "score", "Hopfield energy E (eq. 40)", "probe x̃"}
    strip = go.Figure(figures.small_multiples_figure([0.5, 1.0, 2.0], [x**2] * 3, x, 1.0))
    assert len(strip.data) == 3 and strip.layout.annotations[1].text == "t_c = 1"


def test_weights_are_sorted():
    fig = go.Figure(figures.weights_figure(np.array([0.1, 0.6, 0.3]), np.arange(3)))
    assert list(fig.data[0].x) == ["1", "2", "0"]


def test_the_ising_pages_release_figures_built_as_dicts_are_what_plotly_writes():
    """The Ising response and the bath's histogram, drawn at every released time, skip plotly's objects too."""
    from pages.ising import _figures as ising
    from pages.ising._model import FIELD, BathResult
    curves = np.tanh(np.outer([0.5, 1.0, 2.0], FIELD))
    response = ising.response_figure(np.array([0.25, 0.5, 1.0]), curves, 0.7, np.tanh(1.3 * FIELD),
                                     np.array([-0.8, 0.0, 0.8]))
    temps = np.array([2.0, 1.0, 0.5])
    bins = np.linspace(-1, 1, 42)
    bath = BathResult(K=10, w=1.0, temps=temps, sizes=[10], mean={10: temps}, variance={10: temps}, bins=bins,
                      hist=np.ones((3, 41)), exact_m=np.linspace(-1, 1, 11), exact_p=np.full((3, 11), 1 / 11),
                      mean_field=np.array([0.0, 0.0, 0.96]), bath=np.zeros((3, 4)), plain=np.zeros((3, 4)))
    for fig in (response, ising.bath_distribution_figure(bath, 2)):
        assert_plotly_reads_back(fig)


def _same_figure(built: dict, plotly_fig: go.Figure):
    assert_plotly_reads_back(built)
    assert json.dumps(plain(built), sort_keys=True) == json.dumps(plain(plotly_fig), sort_keys=True)


def test_a_plain_figure_is_the_figure_plotly_builds():
    """components.plainfig builds, without plotly's objects, what the same calls on go.Figure build: a subplot grid
    with titles and shared axes, traces on cells, axes updated by row and column, magic underscores, string titles,
    None as unset, named colorscales, and lines and rectangles spanning a cell — left out of an empty one, as plotly
    leaves them out even where the cell is named."""
    from plotly.subplots import make_subplots

    from components.plainfig import PlainFigure, heatmap, scatter
    t = np.geomspace(0.01, 10, 7)

    def draw(make, trace_of):
        fig = make(rows=3, cols=2, shared_xaxes=True, vertical_spacing=0.07, row_heights=[0.5, 0.3, 0.2],
                   subplot_titles=("a", f"b at t = {t[2]:.3g}", "", "d"))
        fig.add_trace(trace_of("Scatter", x=t, y=t**2, mode="lines", line_width=2, name="x²", fill=None), 1, 1)
        fig.add_trace(trace_of("Heatmap", z=np.outer(t, t), colorscale="Viridis", showscale=False,
                               colorbar=dict(title=dict(text="z", side="right"))), 2, 2)
        fig.add_trace(trace_of("Scatter", x=t, y=-t, mode="markers", marker_color="#d62728",
                               error_y=dict(array=0.1 * t)), 3, 1)
        fig.add_vline(x=0.5, line=dict(color="black", width=2), name="now")      # every cell with a trace
        for row in (1, 2, 3):
            fig.add_vline(x=0.3, row=row, col=1, line=dict(dash="dot"))          # row 2, col 1 is empty: left out
        fig.add_hline(y=0, row=3, col=1, line=dict(color="#999"))
        fig.add_vrect(x0=0.1, x1=0.2, row=1, col=1, fillcolor="#999", opacity=0.2, line_width=0)
        fig.add_annotation(text="note", showarrow=False, xref="x3 domain", yref="y3 domain", x=0.5, y=0.5)
        fig.update_xaxes(type="log")
        fig.update_xaxes(title_text="t", row=3)
        fig.update_yaxes(type="log", range=np.log10([0.01, 100]), row=1, col=1, title="y")
        fig.update_layout(height=500, title="a figure", legend=dict(orientation="h", y=-0.2), xaxis_visible=True,
                          meta={"time": {"t": 0.5, "movers": []}})
        fig.update_layout(legend_y=-0.3)
        return fig

    plotly_fig = draw(lambda **kw: make_subplots(**kw), lambda kind, **kw: getattr(go, kind)(**kw))
    built = draw(PlainFigure.subplots, lambda kind, **kw: {"Scatter": scatter, "Heatmap": heatmap}[kind](**kw))
    _same_figure(built.to_plotly_json(), plotly_fig)
    single = PlainFigure(scatter(x=[1.0, 2.0], y=[3.0, 4.0]))
    single.add_vline(x=1.5, name="now")
    single.add_hline(y=3.5)
    reference = go.Figure(go.Scatter(x=[1.0, 2.0], y=[3.0, 4.0]))
    reference.add_vline(x=1.5, name="now")
    reference.add_hline(y=3.5)
    _same_figure(single.to_plotly_json(), reference)


def test_arrays_are_packed_as_plotly_packs_them():
    """components.plainfig.typed_array_spec writes what plotly's to_typed_array_spec writes, for the dtypes plotly.js
    reads (its own path for 64-bit integers and text), shapes and strides included."""
    from _plotly_utils.utils import to_typed_array_spec

    from components.plainfig import typed_array_spec
    rng = np.random.default_rng(0)
    for a in (rng.random(5), rng.random((3, 4)).astype(np.float32), np.arange(6, dtype=np.int32),
              np.arange(4, dtype=np.uint8), np.arange(5), 10**12 * np.arange(3), rng.random((4, 6))[:, ::2],
              rng.random((2, 3, 2)).T, np.array(["a", "b"]), np.zeros(0)):
        ours, theirs = typed_array_spec(a), to_typed_array_spec(a)
        assert json.dumps(plain(ours)) == json.dumps(plain(theirs)) and type(ours) is type(theirs), a.dtype
        if isinstance(ours, dict):
            assert ours == theirs
