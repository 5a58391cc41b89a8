"""Figure builders of the training page: (result, grid-time index g, training-time index k) → plotly figures."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, heatmap, scatter
from components.plotting import BASE_LAYOUT, f32, image_sheet_figure
from pages.training._model import SAMPLE_TAUS, TAUS, TrainingResult

#: One color per training-set size, smallest first: ordered, and mid-luminance so each reads on light and dark.
SIZE_COLORS = ("#4dc3ff", "#3d85f0", "#7d5ce6", "#c2479b")
EXACT, LAW = "#d62728", "#2ca02c"
#: The veil over the poorly trained region of the heat maps.
VEIL, CLEAR = "rgba(255,255,255,0.6)", "rgba(255,255,255,0)"
#: Where τ = ∞ (the fully trained ridge solution) sits on a log axis.
TAU_INFINITY = 1e6


SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def tau_label(tau: float) -> str:
    """A training time as a short label: 0.1, 1, 10, 10², …, ∞."""
    if not np.isfinite(tau):
        return "∞"
    return f"{tau:g}" if tau <= 10 else "10" + str(round(np.log10(tau))).translate(SUPERSCRIPTS)


def log_ticks(lo: float, hi: float) -> dict:
    """Ticks at 1, 2, 5 × 10^k between lo and hi, labelled in full (a log axis's own labels read "2", "5")."""
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    steps = (1, 2, 5) if np.log10(hi / lo) < 2.5 else (1,)
    values = [m * 10.0**k for k in decades for m in steps if lo <= m * 10.0**k <= hi]
    return dict(tickvals=values, ticktext=[f"{v:g}" for v in values])


def _sample_axis():
    return np.array([t if np.isfinite(t) else TAU_INFINITY for t in SAMPLE_TAUS])


def _size_color(result: TrainingResult, i: int) -> str:
    return SIZE_COLORS[len(SIZE_COLORS) - len(result.sizes) + i]


def tau_mem_slope(result: TrainingResult, g: int) -> float | None:
    """Slope of log τ_mem against log n at grid time g (least squares over the sizes where τ_mem exists)."""
    ok = np.isfinite(result.tau_mem[:, g])
    if ok.sum() < 2:
        return None
    return float(np.polyfit(np.log(result.sizes[ok]), np.log(result.tau_mem[ok, g]), 1)[0])


def loss_figure(result: TrainingResult, g: int) -> dict:
    """Train (dashed) and test (solid) loss against τ for each n, τ_gen (●) and τ_mem (✕) on the test curves;
    beside it τ_gen and τ_mem against n with a line ∝ n."""
    t = result.times[g]
    fig = PlainFigure.subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.12,
                               subplot_titles=(f"denoising loss at t = {t:.3g}", "τ_gen and τ_mem against n"))
    for i, n in enumerate(result.sizes):
        color = _size_color(result, i)
        fig.add_trace(scatter(x=TAUS, y=f32(result.test_loss[i, g]), mode="lines", name=f"n = {n}: test",
                              line=dict(color=color, width=2.5), legendgroup=str(n)), 1, 1)
        last = i == len(result.sizes) - 1
        fig.add_trace(scatter(x=TAUS, y=f32(result.train_loss[i, g]), mode="lines",
                              name="dashed: train" if last else f"n = {n}: train",
                              line=dict(color=color, width=1.5, dash="dash"), showlegend=last), 1, 1)
        for tau, symbol in ((result.tau_gen[i, g], "circle"), (result.tau_mem[i, g], "x")):
            if np.isfinite(tau):
                y = float(np.interp(np.log(tau), np.log(TAUS), result.test_loss[i, g]))
                fig.add_trace(scatter(x=[tau], y=[y], mode="markers", showlegend=False, legendgroup=str(n),
                                      marker=dict(symbol=symbol, size=11, color=color, line=dict(width=2))), 1, 1)
    fig.add_trace(scatter(x=result.sizes, y=f32(result.tau_gen[:, g]), mode="lines+markers", name="τ_gen",
                          marker=dict(symbol="circle", size=9), line=dict(color="#555")), 1, 2)
    ok = np.isfinite(result.tau_mem[:, g])
    if not ok.any():
        fig.add_annotation(text="no τ_mem: the test loss never<br>rises 2 % above its minimum", showarrow=False,
                           xref="x2 domain", yref="y2 domain", x=0.5, y=0.85)
    else:
        fig.add_trace(scatter(x=result.sizes[ok], y=f32(result.tau_mem[ok, g]), mode="lines+markers",
                              name="τ_mem", marker=dict(symbol="x", size=10), line=dict(color="#d62728")), 1, 2)
        n_ref, tau_ref = result.sizes[ok][-1], result.tau_mem[ok, g][-1]
        fig.add_trace(scatter(x=result.sizes, y=f32(tau_ref * result.sizes / n_ref), mode="lines", name="∝ n",
                              line=dict(color="#999", dash="dot")), 1, 2)
    low = max(float(min(np.nanmin(result.test_loss[:, g]), np.nanmin(result.train_loss[:, g]))), 1e-6) * 0.9
    start = float(np.nanmax(result.test_loss[:, g, 0]))             # nearly the untrained model's loss, 1
    high = min(float(np.nanmax(result.test_loss[:, g])), 10 * start) * 1.1
    fig.update_yaxes(range=np.log10([low, high]), type="log", title_text="loss", row=1, col=1,
                     **log_ticks(low, high))
    fig.update_xaxes(type="log", title_text="training time τ", row=1, col=1)
    fig.update_xaxes(type="log", title_text="training points n", tickvals=list(result.sizes), row=1, col=2)
    taus = np.r_[result.tau_gen[:, g], result.tau_mem[:, g]]
    taus = taus[np.isfinite(taus)]
    fig.update_yaxes(type="log", title_text="τ", row=1, col=2, **log_ticks(taus.min() * 0.8, taus.max() * 1.25))
    fig.update_layout(**BASE_LAYOUT, height=400, legend=dict(orientation="h", y=-0.2))
    return fig.to_plotly_json()


def copies_figure(result: TrainingResult) -> dict:
    """Fraction of generated samples that copy a training point, and their energy distance to the population,
    against τ, for each n; the exact empirical score and fresh population draws as reference lines."""
    x = _sample_axis()
    fig = PlainFigure.subplots(rows=1, cols=2, horizontal_spacing=0.12,
                               subplot_titles=("copies of a training point", "energy distance to the population"))
    for i, n in enumerate(result.sizes):
        color = _size_color(result, i)
        for col, y in ((1, result.copies[i]), (2, result.distance[i])):
            fig.add_trace(scatter(x=x, y=f32(y), mode="lines+markers", name=f"n = {n}", legendgroup=str(n),
                                  showlegend=col == 1, line=dict(color=color, width=2.5)), 1, col)
    for col, exact, law, law_name in ((1, result.copies_exact, result.copies_law, "population draws"),
                                      (2, result.distance_exact, result.distance_floor, "two population samples")):
        fig.add_trace(scatter(x=[x[0], x[-1]], y=[exact, exact], mode="lines", name=f"exact empirical score, "
                              f"n = {result.sizes[-1]}", legendgroup="exact", showlegend=col == 1,
                              line=dict(color=EXACT, dash="dash")), 1, col)
        fig.add_trace(scatter(x=[x[0], x[-1]], y=[law, law], mode="lines", name=law_name,
                              line=dict(color=LAW, dash="dot")), 1, col)
    ticks = dict(tickvals=list(x), ticktext=[tau_label(t) for t in SAMPLE_TAUS])
    fig.update_xaxes(type="log", title_text="training time τ", **ticks)
    fig.update_yaxes(title_text="fraction", range=[-0.03, 1.03], row=1, col=1)
    spread = np.r_[result.distance.ravel(), result.distance_exact, result.distance_floor]
    fig.update_yaxes(type="log", title_text="energy distance", row=1, col=2,
                     **log_ticks(max(spread.min(), 1e-9) * 0.8, spread.max() * 1.25))
    fig.update_layout(**BASE_LAYOUT, height=400, legend=dict(orientation="h", y=-0.22))
    return fig.to_plotly_json()


def samples_figures(result: TrainingResult, k: int, image_shape=None) -> tuple[dict, dict, dict]:
    """Samples of the model trained for SAMPLE_TAUS[k], of the exact empirical score and of the population, each
    in the principal plane on common axes (copies of a training point in red), or as images for an image target."""
    tau = tau_label(SAMPLE_TAUS[k])
    sets = (result.samples[k], result.exact, result.law)
    flagged = (result.copied[k], result.exact_copied, result.law_copied)
    names = (f"model at τ = {tau}", "exact score", "population")
    if image_shape is not None:
        return tuple(image_sheet_figure(s[:16], [""] * len(s[:16]), columns=8, title=name)
                     for s, name in zip(sets, names, strict=True))
    pts = _project(result, result.points)
    clouds = [_project(result, s) for s in sets]
    every = np.vstack([pts, *clouds])
    lo, hi = np.percentile(every, 1, axis=0), np.percentile(every, 99, axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-3)
    figs = []
    for uv, flags, name in zip(clouds, flagged, names, strict=True):
        fig = PlainFigure(scatter(x=f32(pts[:, 0]), y=f32(pts[:, 1]), mode="markers", name="training points",
                                  marker=dict(symbol="x", size=8, color="#111")))
        for mask, color, label in ((~flags, "#1f77b4", "new sample"), (flags, EXACT, "copy of a training point")):
            fig.add_trace(scatter(x=f32(uv[mask, 0]), y=f32(uv[mask, 1]), mode="markers", name=label,
                                  marker=dict(size=5, color=color, opacity=0.7)))
        fig.update_xaxes(title_text="u (first principal axis)", range=[lo[0] - pad[0], hi[0] + pad[0]])
        fig.update_yaxes(title_text="v", range=[lo[1] - pad[1], hi[1] + pad[1]])
        fig.update_layout(**BASE_LAYOUT, height=360, title=f"{name}: {flags.mean():.0%} copies",
                          legend=dict(orientation="h", y=-0.25))
        figs.append(fig.to_plotly_json())
    return tuple(figs)


def _project(result: TrainingResult, x) -> np.ndarray:
    x = np.asarray(x, float)
    if result.plane is None:
        return np.column_stack([x[:, 0], np.zeros(len(x))])
    return result.plane.project(x)


def field_figure(result: TrainingResult, g: int, k: int) -> dict:
    """|Δ predicted noise| per coordinate of the model (τ = SAMPLE_TAUS[k]) against the exact empirical score and
    against the population's, over the principal plane at grid time g; the poorly trained region veiled; the
    model's self-consistent points (● minimum, ○ other) and the training points (✕)."""
    t, tau = result.times[g], tau_label(SAMPLE_TAUS[k])
    fig = PlainFigure.subplots(rows=1, cols=2, horizontal_spacing=0.1, shared_yaxes=True,
                               subplot_titles=(f"model − exact empirical (τ = {tau}, t = {t:.3g})",
                                               "model − population (pale: poorly trained)"))
    top = float(max(np.percentile(result.error_exact[g, k], 99), np.percentile(result.error_law[g, k], 99), 1e-3))
    pts = _project(result, result.points)
    roots = result.roots[g][k]
    for col, err in ((1, result.error_exact[g, k]), (2, result.error_law[g, k])):
        fig.add_trace(heatmap(x=f32(result.grid_u), y=f32(result.grid_v), z=f32(err), zmin=0, zmax=top,
                              colorscale="Viridis", showscale=col == 2,
                              colorbar=dict(title=dict(text="RMS", side="right"), len=0.8),
                              hovertemplate="u %{x:.2f}, v %{y:.2f}: %{z:.3f}<extra></extra>"), 1, col)
        fig.add_trace(heatmap(x=f32(result.grid_u), y=f32(result.grid_v), z=f32(result.unreliable[g]),
                              zmin=0, zmax=1, showscale=False, colorscale=[[0, CLEAR], [1, VEIL]],
                              hoverinfo="skip"), 1, col)
        fig.add_trace(scatter(x=f32(pts[:, 0]), y=f32(pts[:, 1]), mode="markers", name="training points",
                              marker=dict(symbol="x", size=7, color="white", line=dict(width=1)),
                              showlegend=col == 1), 1, col)
        for stable, symbol, label in ((1, "circle", "self-consistent: minimum"), (0, "circle-open", "other")):
            sel = roots[roots[:, 2] == stable] if len(roots) else roots
            fig.add_trace(scatter(x=f32(sel[:, 0]) if len(sel) else [], y=f32(sel[:, 1]) if len(sel) else [],
                                  mode="markers", name=label, showlegend=col == 1,
                                  marker=dict(symbol=symbol, size=10, color="#ff7f0e", line=dict(width=2))), 1, col)
    fig.update_xaxes(title_text="u", range=[result.grid_u[0], result.grid_u[-1]])
    fig.update_yaxes(title_text="v", range=[result.grid_v[0], result.grid_v[-1]], row=1, col=1)
    fig.update_layout(**BASE_LAYOUT, height=420, legend=dict(orientation="h", y=-0.2))
    return fig.to_plotly_json()


def line_figure(result: TrainingResult, g: int, k: int) -> dict:
    """F̃ along the first principal axis at grid time g: the model's (τ = SAMPLE_TAUS[k]), the exact empirical and
    the population's; where no training input falls, shaded."""
    u = result.line_u
    fig = PlainFigure()
    bad = result.line_unreliable[g]
    edges = np.flatnonzero(np.diff(np.r_[0, bad.astype(int), 0]))
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        fig.add_vrect(x0=u[lo], x1=u[hi - 1], fillcolor="#999", opacity=0.2, line_width=0)
    fig.add_trace(scatter(x=f32(u), y=f32(result.line_model[g, k]), mode="lines",
                          name=f"trained model, τ = {tau_label(SAMPLE_TAUS[k])}",
                          line=dict(color="#1f77b4", width=3)))
    fig.add_trace(scatter(x=f32(u), y=f32(result.line_exact[g]), mode="lines", name="exact empirical",
                          line=dict(color=EXACT, dash="dash")))
    fig.add_trace(scatter(x=f32(u), y=f32(result.line_law[g]), mode="lines", name="population",
                          line=dict(color=LAW, dash="dot")))
    fig.update_layout(**BASE_LAYOUT, height=380, title=f"F̃ along the first principal axis, t = {result.times[g]:.3g} "
                      "(grey: poorly trained)", xaxis_title="u", yaxis_title="F̃ (min 0)",
                      legend=dict(orientation="h", y=-0.25))
    return fig.to_plotly_json()


def split_figure(result: TrainingResult, t_now: float) -> dict:
    """The critical time the model's fixed points imply (two minima or more below it) against τ, with the exact
    empirical score's and the population's (same grid and solver), and a²Λ = b² of the data."""
    x = _sample_axis()
    fig = PlainFigure()
    ok = np.isfinite(result.t_split_model)
    if ok.any():
        fig.add_trace(scatter(x=x[ok], y=f32(result.t_split_model[ok]), mode="lines+markers",
                              name="trained model", line=dict(color="#1f77b4", width=3), marker=dict(size=9)))
    for value, name, color, dash in ((result.t_split_exact, "exact empirical", EXACT, "dash"),
                                     (result.t_split_law, "population", LAW, "dot"),
                                     (result.t_s, "a²Λ = b² (data)", "#555", "dashdot")):
        if value is not None:
            fig.add_trace(scatter(x=[x[0], x[-1]], y=[value, value], mode="lines", name=name,
                                  line=dict(color=color, dash=dash)))
    fig.add_hline(y=t_now, line=dict(color="#888", width=1))
    fig.update_xaxes(type="log", title_text="training time τ", tickvals=list(x),
                     ticktext=[tau_label(t) for t in SAMPLE_TAUS])
    fig.update_yaxes(type="log", title_text="critical time", range=np.log10([result.times[0], result.times[-1]]),
                     **log_ticks(result.times[0], result.times[-1]))
    fig.update_layout(**BASE_LAYOUT, height=380, legend=dict(orientation="h", y=-0.25),
                      title="critical time from the fixed points")
    return fig.to_plotly_json()
