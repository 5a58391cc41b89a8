"""Figures of the U-turn view: the class-return probability against t, and the U-turns at t."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, scatter
from components.plotting import BASE_LAYOUT, f32
from components.timemoves import movable, now_line
from pages.uturn._model import UTurnPaths, UTurnResult

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def return_figure(result: UTurnResult, t_now: float) -> dict:
    """R_c(t) for every class by Monte Carlo (3 s.e.), its closed form and the total variation between the noised
    classes where they are two Gaussians, the critical window shaded, t_s (and eq. 10's t_C) marked."""
    u = result.uturns
    fig = PlainFigure()
    if result.window is not None:
        fig.add_vrect(x0=result.window[0], x1=result.window[1], fillcolor="rgba(255,127,14,0.15)", line_width=0)
    for k, name in enumerate(u.classes):
        color = COLORS[k % len(COLORS)]
        fig.add_trace(scatter(x=u.times, y=u.ret[k], mode="markers", error_y=dict(array=3 * u.ret_se[k]),
                              marker=dict(color=color, size=6), name=f"return to {name} (Monte Carlo, 3 s.e.)"))
        fig.add_hline(y=u.weights[k], line=dict(color=color, dash="dot", width=1))
    if result.theory is not None:
        fig.add_trace(scatter(x=result.theory_t, y=result.theory, mode="lines", line=dict(color=COLORS[0], width=2),
                              name=f"return to {u.classes[0]}: two-Gaussian integral"))
        fig.add_trace(scatter(x=result.theory_t, y=result.tv, mode="lines",
                              line=dict(color="#ff7f0e", width=2, dash="dash"),
                              name="total variation between the noised classes"))
    # (a line's annotation lands at the wrong x on a log axis in plotly: the lines are named in the title)
    fig.add_vline(x=result.t_s, line=dict(color="#555", dash="dash"))
    if result.t_c:
        fig.add_vline(x=result.t_c, line=dict(color="#2ca02c", dash="dot", width=2))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=440, legend=dict(orientation="h", y=-0.25),
                      title=f"U-turns: noised to t and run back, the probability of returning to the class "
                      f"({result.samples:,} per class and time)<br>dotted: the class weights; dashed: t_s"
                      + ("; green: eq. 10's t_C" if result.t_c else "")
                      + ("; shaded: the critical window" if result.window is not None else ""))
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="probability", range=[-0.02, 1.05])
    return fig.to_plotly_json()


def paths_figure(paths: UTurnPaths) -> dict:
    """Forward paths (grey) from data points of each class to x_t, and the way back (colored by the class each
    ends in), in x̃ = x/a on the principal plane; the starts marked in their class's color."""
    fig = PlainFigure()
    if paths.data is not None:
        fig.add_trace(scatter(x=f32(paths.data[:, 0]), y=f32(paths.data[:, 1]), mode="markers", name="data",
                              marker=dict(color="#999", size=5)))
    for c in range(paths.forward.shape[0]):
        xs, ys = _joined(paths.forward[c])
        fig.add_trace(scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(120,120,120,0.45)", width=1),
                              name="forward to x_t" if c == 0 else None, showlegend=c == 0))
    for c in range(paths.backward.shape[0]):
        for k in range(len(paths.classes)):
            mine = paths.ends[c] == k
            if not mine.any():
                continue
            xs, ys = _joined(paths.backward[c][mine])
            fig.add_trace(scatter(x=xs, y=ys, mode="lines", line=dict(color=COLORS[k % len(COLORS)], width=1.5),
                                  name=f"back, ends in {paths.classes[k]}", legendgroup=f"end{k}",
                                  showlegend=c == 0 or not (paths.ends[0] == k).any()))
        starts = paths.forward[c][:, 0]
        fig.add_trace(scatter(x=starts[:, 0], y=starts[:, 1], mode="markers", showlegend=False,
                              marker=dict(color=COLORS[c % len(COLORS)], size=9, symbol="circle-open")))
    fig.update_layout(**BASE_LAYOUT, height=440, legend=dict(orientation="h", y=-0.2),
                      title=f"U-turns at t = {paths.t:.3g}: forward (grey) and back, colored by the class reached")
    fig.update_xaxes(title_text="x̃ along the first principal axis")
    fig.update_yaxes(title_text="second axis", scaleanchor="x")
    return fig.to_plotly_json()


def _joined(paths) -> tuple[np.ndarray, np.ndarray]:
    """Paths (P, F, 2) as one line with NaN breaks (one trace for many paths)."""
    gap = np.full((paths.shape[0], 1, 2), np.nan, np.float32)
    joined = np.concatenate([paths, gap], axis=1).reshape(-1, 2)
    return f32(joined[:, 0]), f32(joined[:, 1])
