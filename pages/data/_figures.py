"""Figures of the Data page: the drawing canvas and a sheet of digit images."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, heatmap, scatter
from components.plotting import BASE_LAYOUT, f32

CANVAS = 2.0
GRID = np.linspace(-CANVAS, CANVAS, 81)


def canvas_figure(points, weights) -> dict:
    """A transparent click grid over [−2, 2]² (clicks anywhere add a point) and the points, sized by weight."""
    fig = PlainFigure(heatmap(x=f32(GRID), y=f32(GRID), z=np.zeros((GRID.size, GRID.size), np.float32),
                              showscale=False, opacity=0.0, hoverinfo="none", name="canvas"))
    if len(points):
        p, w = np.asarray(points, float), np.asarray(weights, float)
        fig.add_trace(scatter(x=f32(p[:, 0]), y=f32(p[:, 1]), mode="markers", name="points",
                              marker=dict(size=f32(10 + 10 * np.sqrt(w / w.max())), color="#1d3557",
                                          line=dict(color="white", width=1)),
                              customdata=f32(w), hovertemplate="(%{x:.2f}, %{y:.2f}), weight %{customdata:.3g}"
                              "<br>click to remove<extra></extra>"))
    fig.update_layout(**BASE_LAYOUT, height=520, showlegend=False,
                      title=f"{len(points)} point(s): click to add, click a point to remove")
    fig.update_xaxes(range=[-CANVAS, CANVAS], zeroline=True, title_text="x₁", constrain="domain")
    fig.update_yaxes(range=[-CANVAS, CANVAS], scaleanchor="x", scaleratio=1, zeroline=True, title_text="x₂")
    return fig.to_plotly_json()


