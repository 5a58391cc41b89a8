"""Figures of the real-images view: the pictures along the reverse process, Fig. 4 (φ against t/t_s on several
sets) and Fig. 5 (φ_C, the histogram of t̂_C, f^e/α) of Biroli et al. 2024."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, bar, heatmap, scatter
from components.plotting import BASE_LAYOUT, IMAGE_SHEET, f32
from components.timemoves import axis_of, movable, now_line
from pages.images._model import ImagesResult

#: φ at the speciation time that the paper's finite-size crossing gives (its Figs. 2 and 4, dashed).
PHI_AT_T_S = 0.775
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")


def regime(t: float, t_s: float, t_c: float | None) -> str:
    """Biroli et al. 2024's regime at time t: I above t_s (noise, no class yet), II between (a class, no training
    image), III below t_C (collapsed onto a training image)."""
    if t > t_s:
        return "I"
    return "III" if t_c is not None and t <= t_c else "II"


def collapse_time(result: ImagesResult) -> float | None:
    """The collapse time the view names regimes by: the mean t̂_C, else the zero of f^e."""
    return result.t_c_measured or result.regimes.t_c_entropy


def pictures_figure(result: ImagesResult) -> dict:
    """Columns: the picture times, each headed by its regime; rows: for each shown trajectory, x(t)/a(t) above its
    nearest training image μ*, and under that the posterior weight w_μ* of that image."""
    pics = result.regimes.pictures
    t_c = collapse_time(result)
    count, shown, d = pics.images.shape
    side = int(round(np.sqrt(d)))
    cell, block = side + 2, 2 * side + 2 + side // 2            # an image and its gap; a trajectory's two rows + label
    sheet = np.full((shown * block, count * cell), np.nan)
    fig = PlainFigure()
    height = shown * block

    def row(y):               # the sheet is drawn bottom-up (no reversed axis: a relayout may drop "reversed")
        return height - 1 - y

    for c in range(count):
        for m in range(shown):
            top = m * block
            sheet[top:top + side, c * cell:c * cell + side] = np.clip(pics.images[c, m], -0.5, 1.5).reshape(side, side)
            sheet[top + side + 1:top + 2 * side + 1, c * cell:c * cell + side] = \
                result.training[pics.nearest[c, m]].reshape(side, side)
            fig.add_annotation(x=c * cell + (side - 1) / 2, y=row(top + 2 * side + 1), showarrow=False,
                               text=f"{pics.top_weight[c, m, 0]:.2f}", font=dict(size=10), yanchor="top")
        t = pics.times[c]
        fig.add_annotation(x=c * cell + (side - 1) / 2, y=row(-1), showarrow=False, font=dict(size=11),
                           text=f"{t:.2g}<br>{regime(t, result.regimes.t_s, t_c)}", yanchor="bottom")
    fig.add_annotation(x=-1, y=row(-1), text="t<br>regime", showarrow=False, font=dict(size=11), xanchor="right",
                       yanchor="bottom")
    fig.add_trace(heatmap(z=f32(np.flipud(sheet)), colorscale="Greys", zmin=0, zmax=1, showscale=False,
                          hoverinfo="skip", name=IMAGE_SHEET))
    fig.update_layout(**{**BASE_LAYOUT, "margin": dict(l=50, r=10, t=110, b=10)}, height=140 + 80 * 2 * shown,
                      title=f"{result.name}: x(t)/a(t) along the reverse process above its nearest training image "
                      "(number: that image's posterior weight)")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return fig.to_plotly_json()


def speciation_figure(result: ImagesResult, t_now: float) -> dict:
    """Fig. 4: φ(t) against t/t_s for every set computed, 3 standard errors, the line φ = 0.775 and t = t_s."""
    fig = PlainFigure()
    for k, curve in enumerate(result.curves):
        fig.add_trace(scatter(x=curve.times / curve.t_s, y=curve.phi, mode="lines+markers",
                              error_y=dict(array=3 * curve.phi_se), line=dict(color=COLORS[k % len(COLORS)]),
                              name=f"{curve.name} (n = {curve.n:,}, d = {curve.d:,}, t_s = {curve.t_s:.3g})"))
    fig.add_hline(y=PHI_AT_T_S, line=dict(color="#777", dash="dash"))
    fig.add_vline(x=1.0, line=dict(color="#777", dash="dash"))
    own = result.curves[0]
    now_line(fig, t_now / own.t_s)
    grid = np.geomspace(result.regimes.t_min, result.regimes.t_max, 60)
    movable(fig, t_now, axis_map=axis_of(grid, grid / own.t_s))
    fig.update_layout(**BASE_LAYOUT, height=420, legend=dict(orientation="h", y=-0.25),
                      title="Speciation on real images (Biroli et al. 2024 Fig. 4): both copies in the same class")
    fig.update_xaxes(type="log", title_text="t / t_s (t_s = the lab's, a²Λ = b²)")
    fig.update_yaxes(title_text="φ(t)", range=[0.3, 1.05])
    return fig.to_plotly_json()


def collapse_figure(result: ImagesResult, t_now: float) -> dict:
    """Fig. 5: φ_C(t) (both copies on the same training image), the histogram of t̂_C, and f^e(t)/α with its zero;
    dashed: the mean t̂_C, dotted: t_C from f^e = 0."""
    reg = result.regimes
    fig = PlainFigure.subplots(rows=1, cols=3, horizontal_spacing=0.09,
                               subplot_titles=("φ_C(t): same training image", "collapse times t̂_C", "f^e(t) / α"))
    fig.add_trace(scatter(x=reg.clone_times, y=reg.phi_c, mode="lines+markers", error_y=dict(array=3 * reg.phi_c_se),
                          name="φ_C (3 s.e.)", line=dict(color=COLORS[0])), 1, 1)
    finite = reg.collapse[np.isfinite(reg.collapse)]
    if finite.size:
        edges = np.geomspace(finite.min() / 1.2, finite.max() * 1.2, 16)
        counts, _ = np.histogram(finite, bins=edges)
        fig.add_trace(bar(x=np.sqrt(edges[1:] * edges[:-1]), y=counts, width=np.diff(edges), marker_color=COLORS[1],
                          name=f"t̂_C of {finite.size} of {reg.collapse.size} trajectories"), 1, 2)
    ex = reg.excess
    if ex is not None:
        fig.add_trace(scatter(x=ex.times, y=ex.f / ex.alpha, mode="markers",
                              error_y=dict(array=3 * ex.f_se / ex.alpha),
                              marker=dict(color=COLORS[2]), name="f^e/α (Monte Carlo, 3 s.e.)"), 1, 3)
        fig.add_hline(y=0, line=dict(color="#999"), row=1, col=3)
    for col in (1, 2, 3):
        if result.t_c_measured:
            fig.add_vline(x=result.t_c_measured, line=dict(color="#d62728", dash="dash"), row=1, col=col)
        if reg.t_c_entropy:
            fig.add_vline(x=reg.t_c_entropy, line=dict(color="#2ca02c", dash="dot", width=2), row=1, col=col)
        now_line(fig, t_now, row=1, col=col)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=400, legend=dict(orientation="h", y=-0.3),
                      title="Collapse on real images (Biroli et al. 2024 Fig. 5): dashed mean t̂_C, dotted f^e = 0")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(range=[-0.05, 1.05], row=1, col=1)
    return fig.to_plotly_json()
