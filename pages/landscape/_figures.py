"""The landscape view's figures: F̃ and the score in 1-D, the F̃ map or surface in 2-D, the strip of
F̃ at multiples of t_c, the sorted Boltzmann weights at the probe."""
from __future__ import annotations

import numpy as np
from plotly.colors import sequential

from components.animation import blank, canvas, caption, colormap, image_in_square, stamp
from components.plainfig import PlainFigure, bar, contour, heatmap, plain_figure, scatter, trace
from components.plotting import BASE_LAYOUT, f32, fixed_point_traces


def arrow_segments(tails, vectors, length):
    """Line segments tail → tail + v̂·length·m/(m + median m) with NaN gaps between arrows."""
    mag = np.linalg.norm(vectors, axis=1)
    ref = np.median(mag[mag > 0]) if (mag > 0).any() else 1.0
    unit = np.divide(vectors, mag[:, None], out=np.zeros_like(vectors), where=mag[:, None] > 0)
    tips = tails + unit * (length * mag / (mag + ref))[:, None]
    seg = np.full((len(tails) * 3, 2), np.nan)
    seg[0::3], seg[1::3] = tails, tips
    return seg


def landscape_1d_figure(x, f, score, fixed_x, fixed_f, fixed_score, kinds, title, data_x=None,
                        hopfield=None, probe=None, probe_mean=None, score_closed=None):
    """F̃(x) above the score, fixed points on both panels; the probe and ⟨y⟩ as an arrow; the closed-form guided
    score (science.md §9) over the kernel's where given."""
    fig = PlainFigure.subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                               subplot_titles=("regularized free energy F̃(x̃)", "score ∇log p_t(x)"))
    fig.add_trace(scatter(x=f32(x), y=f32(f), name="F̃", line=dict(width=3, color="#1f77b4")), 1, 1)
    if hopfield is not None:
        fig.add_trace(scatter(x=f32(x), y=f32(hopfield), name="Hopfield energy E (eq. 40)",
                              line=dict(width=2, dash="dot", color="#9467bd")), 1, 1)
    fig.add_trace(scatter(x=f32(x), y=f32(score), name="score", line=dict(width=2, color="#2ca02c")),
                  2, 1)
    if score_closed is not None:
        fig.add_trace(scatter(x=f32(x), y=f32(score_closed), name="guided score, closed form (science.md §9)",
                              line=dict(width=2, dash="dot", color="#ff7f0e")), 2, 1)
    fig.add_hline(y=0, line=dict(color="#999", width=1), row=2, col=1)
    for tr in fixed_point_traces(np.column_stack([fixed_x, fixed_f]), kinds, row=1):
        fig.add_trace(tr, 1, 1)
    for tr in fixed_point_traces(np.column_stack([fixed_x, fixed_score]), kinds, row=2):
        fig.add_trace(tr, 2, 1)
    if data_x is not None:
        fig.add_trace(scatter(x=f32(data_x), y=np.zeros(len(data_x), np.float32), mode="markers",
                              name="data points", marker=dict(symbol="triangle-up", size=10,
                                                              color="#ff7f0e")), 2, 1)
    if probe is not None:
        fig.add_trace(scatter(x=[probe], y=[float(np.interp(probe, x, f))], mode="markers",
                              name="probe x̃", marker=dict(symbol="cross", size=12, color="#e41a1c")),
                      1, 1)
        fig.add_annotation(x=probe_mean, y=0, ax=probe, ay=0, xref="x2", yref="y2", axref="x2",
                           ayref="y2", showarrow=True, arrowhead=3, arrowwidth=2.5,
                           arrowcolor="#e41a1c", text="")
    # hovermode "x": a click anywhere above a point of the curve reports that point (the probe).
    fig.update_layout(**BASE_LAYOUT, title=title, height=560, hovermode="x",
                      legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(title_text="x̃", row=2, col=1)
    return fig.to_plotly_json()


#: Viridis as plotly writes a named colorscale into a figure (a list of [level, color]).
VIRIDIS_LEVELS = PlainFigure(contour(colorscale="Viridis")).to_plotly_json()["data"][0]["colorscale"]


def landscape_2d_figure(u, v, f, arrows, fixed_uv, kinds, data_uv, title, surface=False,
                        hopfield=None, probe=None, probe_mean=None, axis_labels=("u", "v")):
    """F̃ as a heatmap with contours (or a 3-D surface), descent arrows, fixed points, data: the map a plain dict
    (components.plainfig.plain_figure; drawn at every released time)."""
    if surface:
        fig = PlainFigure(trace("surface", x=f32(u), y=f32(v), z=f32(f), colorscale="Viridis",
                                  colorbar=dict(title=dict(text="F̃", side="right")), name="F̃"))
        fig.update_layout(**BASE_LAYOUT, title=title, height=600,
                          scene=dict(xaxis_title=axis_labels[0], yaxis_title=axis_labels[1],
                                     zaxis_title="F̃"))
        return fig.to_plotly_json()
    data = [dict(type="contour", x=f32(u), y=f32(v), z=f32(f), colorscale=VIRIDIS_LEVELS, ncontours=28,
                 contours=dict(coloring="heatmap", showlines=True),
                 line=dict(width=0.5, color="rgba(255,255,255,0.35)"),
                 colorbar=dict(title=dict(text="F̃", side="right")), name="F̃",
                 hovertemplate="(%{x:.3f}, %{y:.3f})<br>F̃ = %{z:.4g}<extra></extra>")]
    if hopfield is not None:
        data.append(dict(type="contour", x=f32(u), y=f32(v), z=f32(hopfield), ncontours=14,
                         contours=dict(coloring="none"), showscale=False,
                         line=dict(color="#ff4fd8", width=1.2, dash="dot"),
                         name="Hopfield energy E (eq. 40)", showlegend=True, hoverinfo="skip"))
    heads = np.tile(np.array([0, 7, 0], np.float32), len(arrows) // 3)
    data.append(dict(type="scatter", x=f32(arrows[:, 0]), y=f32(arrows[:, 1]), mode="lines+markers",
                     line=dict(color="rgba(255,255,255,0.8)", width=1.2),
                     marker=dict(symbol="arrow", angleref="previous", size=heads, color="rgba(255,255,255,0.9)"),
                     name="score direction", hoverinfo="skip"))
    data.append(dict(type="scatter", x=f32(data_uv[:, 0]), y=f32(data_uv[:, 1]), mode="markers",
                     name="data points", marker=dict(symbol="triangle-up", size=9, color="#ff7f0e",
                                                     line=dict(color="black", width=1))))
    data += fixed_point_traces(fixed_uv, kinds)
    layout = dict(**BASE_LAYOUT, title=dict(text=title), height=600, hovermode="closest",
                  legend=dict(orientation="h", y=-0.1),
                  xaxis=dict(title=dict(text=axis_labels[0]), range=[float(u[0]), float(u[-1])], constrain="domain"),
                  yaxis=dict(title=dict(text=axis_labels[1]), range=[float(v[0]), float(v[-1])],
                             scaleanchor="x", scaleratio=1))
    if probe is not None:
        data.append(dict(type="scatter", x=[float(probe[0])], y=[float(probe[1])], mode="markers", name="probe x̃",
                         marker=dict(symbol="cross", size=12, color="#e41a1c")))
        layout["annotations"] = [dict(x=float(probe_mean[0]), y=float(probe_mean[1]), ax=float(probe[0]),
                                      ay=float(probe[1]), xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                                      arrowhead=3, arrowwidth=2.5, arrowcolor="#e41a1c", text="")]
    return plain_figure(data, layout)


def small_multiples_figure(times, panels, extent, t_c, labels=("u", "v")):
    """A strip of F̃ heatmaps (1-D: curves) at several times on one shared color scale."""
    k = len(times)
    titles = [("t_c = " if t_c > 0 and abs(np.log(t / t_c)) < 1e-6 else "t = ") + f"{t:.3g}" for t in times]
    fig = PlainFigure.subplots(rows=1, cols=k, horizontal_spacing=0.02, subplot_titles=titles)
    fig.update_annotations(font_size=12)          # five titles side by side fit a phone
    one_d = panels[0].ndim == 1
    zmax = float(max(np.percentile(p, 90) for p in panels)) or 1.0
    for i, panel in enumerate(panels):
        name = f"F̃ − min at t = {times[i]:.3g}"          # each panel's trace says its time (CSV export)
        if one_d:
            fig.add_trace(scatter(x=f32(extent), y=f32(panel), showlegend=False, name=name,
                                  line=dict(width=2.5, color="#1f77b4")), 1, i + 1)
        else:
            fig.add_trace(heatmap(x=f32(extent), y=f32(extent), z=f32(panel), zmin=0, zmax=zmax, name=name,
                                  colorscale="Viridis", showscale=i == k - 1, zsmooth="best",
                                  colorbar=dict(title=dict(text="F̃ − min", side="right"))), 1, i + 1)
            fig.update_yaxes(scaleanchor=f"x{i + 1}" if i else "x", row=1, col=i + 1, showticklabels=i == 0)
    fig.update_layout(**BASE_LAYOUT, height=300 if not one_d else 260,
                      title="F̃ across the critical time (shared color scale)")
    if one_d:
        fig.update_yaxes(range=[0, zmax])
    return fig.to_plotly_json()


def weights_figure(weights, labels, top=30):
    """Sorted Boltzmann weights w_j(x) of the probe point (the largest ``top``)."""
    order = np.argsort(weights)[::-1][:top]
    fig = PlainFigure(bar(x=[str(labels[i]) for i in order], y=f32(weights[order]),
                          marker_color="#1f77b4", hovertemplate="point %{x}: w = %{y:.4f}<extra></extra>"))
    fig.update_layout(**BASE_LAYOUT, height=260, title="Boltzmann weights w_j(x̃), sorted",
                      xaxis_title="data point j", yaxis_title="w_j", yaxis_range=[0, 1])
    fig.update_layout(margin=dict(l=50, r=10, t=40, b=40))
    return fig.to_plotly_json()


VIRIDIS = sequential.Viridis
#: The 1-D curve's color in a sweep (the figure's F̃ blue).
CURVE_COLOR = (31, 119, 180)
#: Frames of the time sweep between two of the stack's times (linear in log t, as the browser's preview).
SWEEP_SUBSTEPS = 4


def sweep_movie(stack, data_uv, t_c: float, dark: bool, heading: str) -> list[np.ndarray]:
    """F̃ from the largest time to the smallest as slide frames (components.animation), from the landscape's stack
    (8-bit frames, interpolated in log t): in 2-D a map on the principal plane with the data points, each
    frame on its own color scale (0 to its 90th percentile); in 1-D the curve.  t and which side of t_c beside it."""
    c = canvas(dark)
    side = len(stack.axis)
    size = side if stack.d == 1 else side * side
    values = stack.low[:, None] + (stack.high - stack.low)[:, None] / 255 * stack.levels.reshape(-1, size)
    log_t = np.log(stack.times)
    wanted = np.linspace(log_t[-1], log_t[0], SWEEP_SUBSTEPS * (len(log_t) - 1) + 1)      # generation: t falls
    span = float(np.max(np.abs(stack.axis)))
    ink = np.array(c.ink, np.uint8)
    scale = [[k / (len(VIRIDIS) - 1), color] for k, color in enumerate(VIRIDIS)]
    out = []
    for lt in wanted:
        k = min(int(np.searchsorted(log_t, lt, side="right")) - 1, len(log_t) - 2)
        w = float(np.clip((lt - log_t[k]) / (log_t[k + 1] - log_t[k]), 0, 1))
        f = (1 - w) * values[k] + w * values[k + 1]
        frame = blank(c)
        if stack.d == 1:
            curve = np.column_stack([stack.axis, span * (2 * f / max(float(np.percentile(f, 90)), 1e-12) - 1)])
            dense = np.column_stack([np.interp(np.linspace(0, side - 1, 4 * side), np.arange(side), curve[:, j])
                                     for j in (0, 1)])
            stamp(frame, dense, span, np.tile(np.array(CURVE_COLOR, np.uint8), (len(dense), 1)), radius=2)
            stamp(frame, np.column_stack([data_uv[:, 0], np.full(len(data_uv), -0.9 * span)]), span,
                  np.tile(ink, (len(data_uv), 1)), radius=3)
        else:
            image = colormap(f.reshape(side, side), 0.0, max(float(np.percentile(f, 90)), 1e-12), scale)[::-1]
            image_in_square(frame, image)
            stamp(frame, data_uv, span, np.tile(np.array((255, 127, 14), np.uint8), (len(data_uv), 1)), radius=3)
        t = float(np.exp(lt))
        phase = "one well (above t_c)" if t > t_c else "broken symmetry (below t_c)"
        out.append(caption(frame, c, f"t = {t:.3g}", [f"t_c = {t_c:.3g}: {phase}", heading]))
    return out
