"""Figure builders of the bifurcation page."""
from __future__ import annotations

import numpy as np
from plotly.colors import qualitative
from scipy.cluster.hierarchy import dendrogram

from components.plainfig import PlainFigure, scatter
from components.plotting import BASE_LAYOUT, f32, gapped, on_both_themes, time_lines
from components.timemoves import links, merging, movable, nearest, nearest_time_index, now_line, title, title_text
from pages.bifurcation._model import (
    AxisResult,
    BifurcationResult,
    PathsResult,
    branch_runs,
    clusters_at,
    merge_table,
)

PALETTE = on_both_themes(qualitative.Dark24)


def paths_figure(view: BifurcationResult, t_now: float) -> dict:
    """Fixed-point paths on the top principal axis against log t: stable solid, unstable dashed."""
    fig = PlainFigure()
    if isinstance(view, AxisResult):
        stable, unstable = branch_runs(view.diagram)
        for name, runs, dash in (("stable fixed points", stable, "solid"),
                                 ("unstable fixed points", unstable, "dash")):
            x, y = gapped(runs)
            fig.add_trace(scatter(x=f32(x), y=f32(y), mode="lines", name=name,
                                  line=dict(width=3 if dash == "solid" else 2, dash=dash,
                                            color="#1f77b4" if dash == "solid" else "#d62728")))
        if view.closed is not None:
            every = max(1, len(view.closed[0]) // 60)        # a marker every few times: the lines stay visible
            fig.add_trace(scatter(x=f32(view.closed[0][::every]), y=f32(view.closed[1][::every]), mode="markers",
                                  name="closed form (science.md §9)",
                                  marker=dict(symbol="circle-open", size=8, color="#ff7f0e", line=dict(width=2))))
    else:
        colors = group_colors(view, t_now)
        for j in range(view.paths.shape[0]):
            fig.add_trace(scatter(x=f32(view.times), y=f32(view.paths[j, :, 0]), mode="lines", name=f"path {j}",
                                  showlegend=False, line=dict(width=2, color=colors[j])))
        x, y = gapped([(ts, pts[:, 0]) for ts, pts in view.unstable])
        if x.size:
            fig.add_trace(scatter(x=f32(x), y=f32(y), mode="lines", name="unstable (below a pitchfork)",
                                  line=dict(width=2, dash="dash", color="#d62728")))
        movable(fig, t_now, group_merging(view, range(view.paths.shape[0])))
    time_lines(fig, t_now, view.t_pred, view.t_meas)
    if isinstance(view, AxisResult):
        movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=430, title="Fixed-point paths (top principal axis)",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(type="log", title_text="t  (dashed: a²Λ = b²;  dotted red: branching found;  solid: now)")
    fig.update_yaxes(title_text="x*·e₁ (process coordinates)")
    return fig.to_plotly_json()


def trace_figure(view: PathsResult, t_now: float) -> dict:
    """The paths on the top two principal axes, with the fixed points at the current time."""
    fig = PlainFigure()
    paths, k = view.paths, view.paths.shape[0]
    colors = group_colors(view, t_now)
    for j in range(k):
        fig.add_trace(scatter(x=f32(paths[j, :, 0]), y=f32(paths[j, :, 1]), mode="lines", showlegend=False,
                              line=dict(width=1.5, color=colors[j]), hoverinfo="skip"))
    i = nearest_time_index(view.times, t_now)
    fig.add_trace(scatter(x=f32(paths[:, i, 0]), y=f32(paths[:, i, 1]), mode="markers", showlegend=False,
                          marker=dict(size=11, color=colors, line=dict(color="black", width=1)),
                          hovertemplate="path %{pointNumber}<extra></extra>"))
    fig.add_trace(scatter(x=f32(view.data_proj[:, 0]), y=f32(view.data_proj[:, 1]), mode="markers",
                          name="data points", marker=dict(symbol="triangle-up", size=8, color="#ff7f0e")))
    heading = title("Paths in the principal plane (dots: t = {t})")
    movable(fig, t_now, group_merging(view, range(k)), group_merging(view, [k], points=True),
            nearest(k, "x", view.times, paths[:, :, 0].T), nearest(k, "y", view.times, paths[:, :, 1].T), heading)
    fig.update_layout(**BASE_LAYOUT, height=430, title=title_text(heading, t_now),
                      legend=dict(orientation="h", y=-0.15))
    fig.update_xaxes(title_text="principal axis 1")
    fig.update_yaxes(title_text="principal axis 2", scaleanchor="x")
    return fig.to_plotly_json()


def group_colors(view: PathsResult, t_now: float) -> list:
    """Path j's color: that of its group at t (``clusters_at``, groups in the order of their first path)."""
    colors = [""] * view.paths.shape[0]
    for c, members in enumerate(clusters_at(view, t_now)):
        for j in members:
            colors[j] = PALETTE[c % len(PALETTE)]
    return colors


def group_merging(view: PathsResult, traces, points: bool = False) -> dict:
    """The browser's recoloring by groups (the same rule as ``clusters_at``)."""
    return merging(list(traces), view.paths.shape[0], merge_table(view), PALETTE,
                   prop="marker.color" if points else "line.color", points=points)


def dendrogram_figure(view: PathsResult, t_now: float) -> dict:
    """The decision tree: merge heights are the branching times τ_jk (log scale).  Links below
    the current time (groups not yet decided between) are colored; decided ones are grey."""
    linkage = np.asarray(view.linkage)
    fig = PlainFigure()
    if linkage.shape[0] == 0:
        return fig.to_plotly_json()
    tree = dendrogram(linkage, no_plot=True)
    bottom = float(view.times[0])
    on, off = dict(width=3, color="#2ca02c"), dict(width=1.5, color="#aaa")
    heights = []
    for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
        ys = [max(y, bottom) for y in ys]
        heights.append(max(ys))
        fig.add_trace(scatter(x=xs, y=ys, mode="lines", showlegend=False, hoverinfo="text",
                              text=f"τ = {max(ys):.4g}", line=on if max(ys) <= t_now else off))
    now_line(fig, t_now, horizontal=True)
    movable(fig, t_now, links(range(len(heights)), heights, on, off))
    leaves = tree["leaves"]
    names = view.leaf_points
    together = len(heights) > 1 and max(heights) < 1.01 * min(heights)
    note = (f"<br>all {len(heights)} merges at t ≈ {max(heights):.3g}: one branching into {len(leaves)}"
            if together else "")
    fig.update_layout(**BASE_LAYOUT, height=430,
                      title="Decision tree (green: still undecided at the current t)" + note)
    # the range runs a third of a decade past the last merge (it sat on the top border) and labels only the
    # decades when there are two or more (the minor labels 2…9 piled up)
    low, high = np.log10(bottom), np.log10(max(heights)) + 1 / 3
    fig.update_yaxes(type="log", title_text="branching time τ", range=[low, high],
                     dtick=1 if high - low >= 2 else "D2")
    fig.update_xaxes(tickvals=[5 + 10 * i for i in range(len(leaves))],
                     ticktext=[str(names[j]) for j in leaves], title_text="data point",
                     showticklabels=len(leaves) <= 40)
    return fig.to_plotly_json()


def stability_figure(view: BifurcationResult, t_now: float) -> dict:
    """Smallest Hessian eigenvalue of F̃ along the stable paths (0 at a branching) and the
    top susceptibility χ (diverging there), both against log t."""
    fig = PlainFigure.subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                               subplot_titles=("min eigenvalue of ∇²F̃ = I − C/s² on stable paths",
                                               "susceptibility χ = (I − βC)⁻¹βC, top eigenvalue"))
    if isinstance(view, AxisResult):
        diagram = view.diagram
        stable, _ = branch_runs(diagram.along(diagram.curvature))
        x, y = gapped(stable)
        chi_t, chi = view.chi_times, view.chi_values
    else:
        x, y = gapped([(view.times, row) for row in view.hessian_min])
        chi_t = np.tile(view.times, view.chi_paths.shape[0])
        chi = view.chi_paths.ravel()
    fig.add_trace(scatter(x=f32(x), y=f32(y), mode="lines", name="λ_min(∇²F̃)",
                          line=dict(color="#1f77b4", width=2)), 1, 1)
    fig.add_hline(y=0, line=dict(color="#999", width=1), row=1, col=1)
    ok = np.isfinite(chi) & (chi > 0)
    order = np.argsort(chi_t[ok])
    fig.add_trace(scatter(x=f32(chi_t[ok][order]), y=f32(chi[ok][order]), mode="markers", name="χ",
                          marker=dict(size=4, color="#9467bd")), 2, 1)
    time_lines(fig, t_now, view.t_pred, view.t_meas, rows=(1, 2))
    movable(fig, t_now)
    fig.update_xaxes(type="log")
    fig.update_xaxes(title_text="t", row=2, col=1)
    top = float(np.max(chi[ok])) if ok.any() else 1.0
    fig.update_yaxes(type="log", range=[np.log10(top) - 4, np.log10(top) + 0.3], row=2, col=1)
    fig.update_layout(**BASE_LAYOUT, height=480, showlegend=False)
    return fig.to_plotly_json()


def exponents_figure(exponents) -> dict:
    """Log-log fits for β (m against ε), γ (χ against ε) and δ (h against m) with their lines."""
    titles = [f"{e.name} = {e.value:.4f} ± {e.stderr:.1g}  (mean field {e.mean_field:g})" for e in exponents]
    fig = PlainFigure.subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.08)
    labels = (("ε = |s² − s²_c|/s²_c", "m"), ("ε", "χ"), ("m", "h"))
    for i, (e, (xl, yl)) in enumerate(zip(exponents, labels, strict=True)):
        sign = -1.0 if e.name == "γ" else 1.0
        coef = np.polyfit(np.log(e.x), np.log(e.y), 1)
        fig.add_trace(scatter(x=e.x, y=e.y, mode="markers", name=f"{e.name} data",
                              marker=dict(size=7, color="#1f77b4")), 1, i + 1)
        fig.add_trace(scatter(x=e.x, y=np.exp(np.polyval(coef, np.log(e.x))), mode="lines",
                              name=f"fit, slope {sign * coef[0]:.3f}", line=dict(color="#d62728")), 1, i + 1)
        fig.update_xaxes(type="log", title_text=xl, row=1, col=i + 1)
        fig.update_yaxes(type="log", title_text=yl, row=1, col=i + 1)
    fig.update_layout(**BASE_LAYOUT, height=330, showlegend=False, title="Critical exponents (log-log fits)")
    return fig.to_plotly_json()
