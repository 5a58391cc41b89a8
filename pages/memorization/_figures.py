"""Figure builders of the memorization page."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, scatter
from components.plotting import BASE_LAYOUT
from components.state import LabState, process_of
from components.timemoves import constant, movable, now_line
from core import limits
from core.memorization import BETA_C, mixture_excess_entropy, rem_large_m
from pages.memorization._model import MemorizationResult

M_COLORS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd")


def participation_figure(view: MemorizationResult, t_now: float, t_cond: float | None = None) -> dict:
    """Y(t) and 1/Y(t) at typical points (band: ±1 s.d.) and along generative trajectories;
    ``t_cond``: the REM condensation time of Ambrogioni 2023 eq. 47 for the probe norm, marked."""
    fig = PlainFigure.subplots(rows=1, cols=2, subplot_titles=("participation ratio Y = Σ w_j²",
                                                               "1/Y: training points that shape the score"))
    t = view.times
    for col, f in ((1, lambda y: y), (2, lambda y: 1 / np.maximum(y, 1e-300))):
        lo = np.clip(view.y_typical - view.y_typical_sd, 1 / view.n, 1)
        hi = np.clip(view.y_typical + view.y_typical_sd, 1 / view.n, 1)
        fig.add_trace(scatter(x=np.r_[t, t[::-1]], y=np.r_[f(hi), f(lo)[::-1]], fill="toself", line=dict(width=0),
                              fillcolor="rgba(31,119,180,0.2)", showlegend=False, hoverinfo="skip"), 1, col)
        fig.add_trace(scatter(x=t, y=f(view.y_typical), mode="lines", name="typical x_t ~ p^e_t",
                              line=dict(color="#1f77b4", width=3), showlegend=col == 1), 1, col)
        fig.add_trace(scatter(x=view.traj_times, y=f(view.y_path), mode="lines",
                              name="along generative trajectories", showlegend=col == 1,
                              line=dict(color="#d62728", width=2, dash="dash")), 1, col)
        now_line(fig, t_now, row=1, col=col)
        if t_cond is not None:
            fig.add_vline(x=t_cond, line=dict(color="#9467bd", dash="dash", width=2), row=1, col=col)
    fig.add_hline(y=1 / view.n, line=dict(color="#999", dash="dot"), row=1, col=1)
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(type="log", row=1, col=1, title_text="Y")
    fig.update_yaxes(type="log", row=1, col=2, title_text="1/Y")
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=380, legend=dict(orientation="h", y=-0.2),
                      title="purple dashed: t_cond of the random energy model (eq. 47, |x| = 1, ν = r)")
    return fig.to_plotly_json()


def rem_figure(view: MemorizationResult, beta_grid) -> dict:
    """Y against β̃ for N = 2^M points with the finite-M and large-M laws."""
    fig = PlainFigure()
    b = np.asarray(beta_grid)
    fine = np.linspace(b[0], b[-1], 200)
    for color, row in zip(M_COLORS, view.rem, strict=False):
        fig.add_trace(scatter(x=b / BETA_C, y=row["mean"], error_y=dict(array=row["se"]), mode="markers",
                              marker=dict(color=color, size=7), name=f"M = {row['m']} (N = 2^{row['m']})"))
        law = np.where(fine > row["beta_c"], 1 - row["beta_c"] / fine, 0.0)
        fig.add_trace(scatter(x=fine / BETA_C, y=law, mode="lines", line=dict(color=color, dash="dash", width=1.5),
                              name=f"1 − β_c({row['m']})/β̃", showlegend=False))
    fig.add_trace(scatter(x=fine / BETA_C, y=rem_large_m(fine), mode="lines", name="large M: 1 − β_c/β̃",
                          line=dict(color="black", width=3)))
    fig.update_layout(**BASE_LAYOUT, height=380, title="Condensation: random energy model (dashed: finite-M laws)",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text="β̃ / β_c   (β̃ = νβ(t)|x|,  β_c = 2√log 2)")
    fig.update_yaxes(title_text="E[Y]", range=[0, 1])
    return fig.to_plotly_json()


def collapse_figure(view: MemorizationResult, t_now: float, state: LabState) -> dict:
    """f^e(t)/α by Monte Carlo against the Gaussian-mixture theory, with both collapse times."""
    t = view.times
    fig = PlainFigure(scatter(x=t, y=view.f / view.alpha, mode="markers", name="f^e/α (Monte Carlo, 3 s.e.)",
                              error_y=dict(array=3 * view.f_se / view.alpha),
                              marker=dict(size=6, color="#1f77b4")))
    if view.t_c_theory is not None:
        fine = np.geomspace(t[0], t[-1], 200)
        theory = mixture_excess_entropy(fine, view.n, view.d, state.cluster_width ** 2, process_of(state)) / view.alpha
        fig.add_trace(scatter(x=fine, y=theory, mode="lines", name="mixture theory α + ½log(Δ/Γ)",
                              line=dict(color="#d62728", width=2)))
        fig.add_vline(x=view.t_c_theory, line=dict(color="#d62728", dash="dash"))
    if view.t_c_measured:
        fig.add_vline(x=view.t_c_measured, line=dict(color="#1f77b4", dash="dot", width=2))
    now_line(fig, t_now)
    fig.add_hline(y=0, line=dict(color="#999"))
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=380, title="Collapse: excess entropy density (dotted: t_C from f^e)",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="f^e / α", range=[-0.3, 1.2])
    return fig.to_plotly_json()


def phase_figure(state: LabState, t_s: float, t_now: float) -> dict:
    """Regimes I / II / III in the (α = log n / d, t) plane for the two-cluster mixture, in the state's process's
    times (``t_s``: its speciation time, s²(t_s) = Λ; VP: ½ log(1 + Λ)): collapse where s²(t_C) = σ_c²/(e^{2α} − 1)
    (eq. 10; VP: t_C = ½ log(1 + σ_c²/(e^{2α} − 1))); t on the slider's whole range (log scale), so the current
    point is always on the figure."""
    process = process_of(state)
    t_s = max(t_s, limits.T_MIN)              # Λ = 0 (one point) has t_s = 0: drawn at the axis's bottom
    alpha = np.geomspace(1e-3, 3, 200)
    var_c = max(state.cluster_width ** 2, 1e-6)
    t_c = np.maximum(process.time_of_s2(var_c / np.expm1(2 * alpha)), limits.T_MIN)
    low, top = limits.T_MIN, process.t_max
    fig = PlainFigure([
        scatter(x=alpha, y=np.full_like(alpha, top), fill=None, mode="lines", line=dict(width=0), showlegend=False),
        scatter(x=alpha, y=np.full_like(alpha, t_s), fill="tonexty", fillcolor="rgba(200,200,200,0.5)",
                mode="lines", line=dict(color="#ff7f0e", width=2), name="speciation t_s (I above)"),
        scatter(x=alpha, y=np.minimum(t_c, t_s), fill="tonexty", fillcolor="rgba(44,160,44,0.25)", mode="lines",
                line=dict(color="#2ca02c", width=2), name="collapse t_C(α) (II between, III below)"),
        scatter(x=alpha, y=np.full_like(alpha, low), fill="tonexty", fillcolor="rgba(214,39,40,0.25)",
                mode="lines", line=dict(width=0), showlegend=False),
    ])
    title = f"Phase diagram (two-cluster mixture, {process.kind} times)"
    here = np.log(max(state.n, 1)) / state.d
    fig.add_trace(scatter(x=[here], y=[t_now], mode="markers+text", text=["now"], textposition="top center",
                          marker=dict(size=14, color="black", symbol="x"), name="current (α, t)"))
    movers = [constant([len(fig.data) - 1], "y")]
    for label, y in (("I", np.sqrt(t_s * top)), ("III", np.sqrt(low * min(float(t_c[0]), t_s)))):
        fig.add_annotation(x=np.log10(alpha[10]), y=np.log10(y), text=label, showarrow=False, font=dict(size=20))
    movable(fig, t_now, *movers)
    fig.update_layout(**BASE_LAYOUT, height=380, title=title, legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(type="log", title_text="α = (log n)/d")
    fig.update_yaxes(type="log", title_text="t", range=[np.log10(low), np.log10(top)])
    return fig.to_plotly_json()
