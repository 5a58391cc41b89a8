"""What every view's figures share: the base layout, float32 payloads, fixed-point styles, NaN-gapped
lines, the time lines, an empty figure with a message, an image sheet, and the start-up warm-up."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.plainfig import PlainFigure, heatmap
from components.timemoves import now_line


def relative_luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#rrggbb' (0 black … 1 white)."""
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def on_both_themes(colors, low: float = 0.09, high: float = 0.6) -> list:
    """The colors that read on white and on the dark theme's near-black (their luminance between ``low`` and
    ``high``): Dark24's '#222A2A' drew a path invisible in the dark."""
    return [c for c in colors if low <= relative_luminance(c) <= high]


KIND_STYLE = {
    "minimum": dict(symbol="circle", color="#111", line=dict(color="white", width=1.5)),
    "saddle": dict(symbol="diamond-open", color="#d62728", line=dict(width=2)),
    "maximum": dict(symbol="circle-open", color="#d62728", line=dict(width=2)),
    "marginal": dict(symbol="x", color="#ff7f0e", line=dict(width=1)),
}
KIND_LABEL = {"minimum": "stable fixed point", "saddle": "saddle (unstable)",
              "maximum": "maximum (unstable)", "marginal": "marginal (branching)"}
# The modebar stands on the right edge, so it never covers a title (issue 22); titles wider than
# their figure are wrapped in the browser (assets/teaching.js, fitTitle).
BASE_LAYOUT = dict(margin=dict(l=55, r=36, t=50, b=45), modebar=dict(orientation="v"),
                   font=dict(size=13), uirevision="keep")


def f32(a):
    """float32 copy for the payload (plotly sends it as a base64 typed array)."""
    return np.asarray(a, dtype=np.float32)


def fixed_point_traces(points2d, kinds, row=None):
    """One marker trace (a dict) per kind of fixed point, positioned at ``points2d`` (K, 2)."""
    traces = []
    for kind, style in KIND_STYLE.items():
        mask = kinds == kind
        if mask.any():
            traces.append(dict(
                type="scatter", x=f32(points2d[mask, 0]), y=f32(points2d[mask, 1]), mode="markers",
                name=KIND_LABEL[kind], legendgroup=kind, showlegend=row in (None, 1),
                marker=dict(size=11, symbol=style["symbol"], color=style["color"],
                            line=dict(style["line"])),
                hovertemplate=KIND_LABEL[kind] + "<br>(%{x:.3f}, %{y:.3f})<extra></extra>"))
    return traces


def empty_figure(message, height=300) -> dict:
    """A blank figure that carries a message instead of data."""
    fig = PlainFigure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_layout(**BASE_LAYOUT, height=height, xaxis_visible=False, yaxis_visible=False)
    return fig.to_plotly_json()


def gapped(segments):
    """Concatenate (x, y) runs into one line with NaN gaps between runs (deliberate masks)."""
    xs, ys = [], []
    for x, y in segments:
        xs += [np.asarray(x, float), [np.nan]]
        ys += [np.asarray(y, float), [np.nan]]
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def time_lines(fig, t_now, predicted=None, measured=None, rows=(None,)):
    """Vertical lines at the predicted and measured critical times (if given) and at the current
    time, on each of ``rows`` (None: the whole figure); the browser moves the last (components.timemoves)."""
    for row in rows:
        kw = {} if row is None else dict(row=row, col=1)
        if predicted is not None:
            fig.add_vline(x=predicted, line=dict(color="#555", dash="dash", width=1.5), **kw)
        if measured:
            fig.add_vline(x=measured, line=dict(color="#d62728", dash="dot", width=2), **kw)
        now_line(fig, t_now, **kw)


#: The name of an image sheet's heatmap, whose NaN cells are the gaps between images (deliberate).
IMAGE_SHEET = "image sheet"


def image_sheet_figure(images, labels, columns=12, title="") -> dict:
    """Square grey images (flattened, pixels in [0, 1]) in a grid — one heatmap, one-pixel gaps — each labelled
    above with its text (its class, a distance).  Drawn bottom-up on an ordinary axis: a reversed one came out
    upside down once lecture mode relaid the figure out."""
    images = np.asarray(images)
    side = int(round(np.sqrt(images.shape[1])))
    cell = side + 1
    rows = int(np.ceil(len(images) / columns))
    sheet = np.full((rows * cell - 1, columns * cell - 1), np.nan)
    for k, (img, _) in enumerate(zip(images, labels, strict=True)):
        r, c = divmod(k, columns)
        sheet[r * cell:r * cell + side, c * cell:c * cell + side] = img.reshape(side, side)
    fig = PlainFigure(heatmap(z=f32(np.flipud(sheet)), colorscale="Greys", zmin=0, zmax=1, showscale=False,
                              hoverinfo="skip", name=IMAGE_SHEET))
    for k, lab in enumerate(labels):
        r, c = divmod(k, columns)
        fig.add_annotation(x=c * cell + (side - 1) / 2, y=sheet.shape[0] - 1 - (r * cell - 0.1 * cell), text=str(lab),
                           showarrow=False, font=dict(size=11))
    fig.update_layout(**BASE_LAYOUT, height=90 + 130 * rows, title=title)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return fig.to_plotly_json()


def warm_figures() -> None:
    """Build each trace type the lab draws once: plotly loads its validators lazily (~250 ms on the
    first figure of a type), which must not land on a user's first request."""
    z = np.zeros((3, 3))
    axis = np.arange(3.0)
    fig = make_subplots(rows=2, cols=1)
    fig.add_trace(go.Scatter(x=axis, y=axis), 1, 1)
    fig.add_trace(go.Heatmap(z=z), 2, 1)
    for trace in (go.Contour(z=z), go.Bar(x=axis, y=axis), go.Scattergl(x=axis, y=axis), go.Histogram(x=axis)):
        fig.add_trace(trace)
    fig.add_vline(x=1.0)
    fig.to_plotly_json()
    go.Figure(go.Surface(z=z)).to_plotly_json()
