"""Figure builders of the entropy page."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, scatter
from components.plotting import BASE_LAYOUT, f32, gapped
from components.timemoves import axis_of, constant, movable, nearest, nearest_time_index, now_line
from pages import bifurcation
from pages.bifurcation import branch_runs, group_colors, group_merging
from pages.entropy._model import EntropyResult


def profile_figure(view: EntropyResult, t_now: float, entropic: bool = False) -> dict:
    """Ḣ(y|x_t) by two estimators (with error bands), Δdiv, and the fixed-point paths on one axis."""
    fig = PlainFigure.subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.42, 0.28, 0.30],
                               subplot_titles=("conditional entropy rate Ḣ(y|x_t)", "divergence of the score",
                                               "decisions: fixed-point paths (top principal axis)"))
    t = np.asarray(view.times)
    x = np.asarray(view.cumulative) if entropic else t
    rate, se = np.asarray(view.rate), np.asarray(view.rate_se)
    fig.add_trace(scatter(x=np.r_[x, x[::-1]], y=np.r_[rate + se, (rate - se)[::-1]], fill="toself",
                          fillcolor="rgba(31,119,180,0.25)", line=dict(width=0), hoverinfo="skip",
                          name="±1 s.e."), 1, 1)
    fig.add_trace(scatter(x=x, y=rate, mode="lines", name="eq. 17 (posterior variance)",
                          line=dict(color="#1f77b4", width=3)), 1, 1)
    fig.add_trace(scatter(x=x, y=view.rate_score, mode="markers", name="eq. 15 (score norm)",
                          error_y=dict(array=view.rate_score_se, thickness=1),
                          marker=dict(size=5, color="#ff7f0e")), 1, 1)
    if view.exact is not None:
        fig.add_trace(scatter(x=x, y=view.exact, mode="lines", name=view.exact_name,
                              line=dict(color="#d62728", dash="dash", width=2)), 1, 1)
    fig.add_trace(scatter(x=x, y=t * rate, mode="lines", name="t·Ḣ (per unit log t)",
                          line=dict(color="#9467bd", dash="dot", width=2)), 1, 1)
    top = 1.3 * float(max(np.max(rate + se), np.max(t * rate)))
    fig.update_yaxes(range=[-0.15 * top, top], row=1, col=1)   # eq. 15 is noisy at small t: clip
    fig.add_trace(scatter(x=x, y=view.delta_div, mode="lines", name="Δdiv = div + D/s² (data part)",
                          line=dict(color="#2ca02c", width=2.5)), 2, 1)
    fig.add_trace(scatter(x=x, y=-np.asarray(view.trivial_div), mode="lines",
                          name="D/s² (minus the trivial part)",
                          line=dict(color="#7f7f7f", dash="dot", width=2)), 2, 1)
    movers = _decisions(fig, view, t, x, t_now)
    now = float(np.interp(np.log(t_now), np.log(t), x)) if entropic else t_now
    for row in (1, 2, 3):
        now_line(fig, now, row=row, col=1)
    movable(fig, t_now, *movers, axis_map=axis_of(t, x) if entropic else None)
    fig.update_xaxes(type="linear" if entropic else "log")
    fig.update_xaxes(title_text="entropic time H(y|x_t) (nats)" if entropic else "t", row=3, col=1)
    fig.update_yaxes(type="log", row=2, col=1)
    fig.update_layout(**BASE_LAYOUT, height=820, legend=dict(orientation="h", y=-0.08))
    return fig.to_plotly_json()


def _decisions(fig, view, t, x, t_now) -> list:
    """The fixed-point paths in the third row; returns the movers of their colors."""
    dec = view.decisions
    if dec is None:
        fig.add_annotation(text="fixed-point paths: axial targets and datasets with n ≤ 16", showarrow=False,
                           xref="x3 domain", yref="y3 domain", x=0.5, y=0.5)
        return []
    movers = []
    to_x = lambda tt: np.interp(np.log(tt), np.log(t), x)  # noqa: E731
    if isinstance(dec, bifurcation.AxisResult):
        stable, unstable = branch_runs(dec.diagram)
        for runs, dash, name in ((stable, "solid", "stable"), (unstable, "dash", "unstable")):
            gx, gy = gapped([(to_x(tt), yy) for tt, yy in runs])
            fig.add_trace(scatter(x=gx, y=gy, mode="lines", name=f"{name} fixed points", showlegend=False,
                                  line=dict(color="#1f77b4" if dash == "solid" else "#d62728", dash=dash)), 3, 1)
    else:
        first = len(fig.data)
        for j, color in enumerate(group_colors(dec, t_now)):
            fig.add_trace(scatter(x=f32(to_x(dec.times)), y=f32(dec.paths[j, :, 0]), mode="lines", showlegend=False,
                                  line=dict(width=1.5, color=color)), 3, 1)
        movers.append(group_merging(dec, range(first, len(fig.data))))
    if dec.t_meas:
        for row in (1, 3):
            fig.add_vline(x=float(to_x(dec.t_meas)), line=dict(color="#d62728", dash="dot"), row=row, col=1)
    return movers


def fisher_figure(view: EntropyResult, t_now: float) -> dict:
    """Mean eigenvalues of the Fisher information C/s⁴ at typical points against t, one line per rank."""
    fig = PlainFigure()
    for k in range(view.fisher.shape[1]):
        fig.add_trace(scatter(x=f32(view.fisher_times), y=f32(np.maximum(view.fisher[:, k], 1e-12)), mode="lines",
                              name=f"eigenvalue {k + 1}", showlegend=False, line=dict(width=2 if k == 0 else 1)))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=330, title="Fisher information spectrum (eigenvalues of C/s⁴)")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(type="log", title_text="mean eigenvalue")
    return fig.to_plotly_json()


def lyapunov_figure(view: EntropyResult, t_now: float) -> dict:
    """Jacobian eigenvalues of the score (local Lyapunov spectrum) along one reverse trajectory;
    markers: the spectrum at the fixed point the trajectory is heading to at the current time."""
    fig = PlainFigure()
    t, eigs = np.asarray(view.lyap_times), np.asarray(view.lyap)
    for k in range(eigs.shape[1]):
        fig.add_trace(scatter(x=f32(t), y=f32(eigs[:, k]), mode="lines", line=dict(width=1.5), showlegend=False))
    markers = len(fig.data)
    fixed = view.lyap_fixed[nearest_time_index(t, t_now)]
    fig.add_trace(scatter(x=np.full(fixed.size, t_now), y=fixed, mode="markers",
                          marker=dict(size=9, symbol="diamond", color="black"), name="at the fixed point"))
    now_line(fig, t_now, line=dict(color="black", width=1))
    fig.add_hline(y=0, line=dict(color="#999"))
    movable(fig, t_now, constant([markers], "x"), nearest(markers, "y", t, view.lyap_fixed))
    fig.update_layout(**BASE_LAYOUT, height=330, title="Local Lyapunov spectrum (eigenvalues of ∇ score)")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="eigenvalue of J")
    return fig.to_plotly_json()


def cumulative_figure(view: EntropyResult, t_now: float) -> dict:
    """The entropic time: cumulative conditional entropy H(y|x_t) − H(y|x_t₀) against t."""
    fig = PlainFigure(scatter(x=f32(view.times), y=f32(view.cumulative), mode="lines", line=dict(width=3),
                              name="H(y|x_t) − H(y|x_t₀)"))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=330, title="Entropic time: cumulative conditional entropy")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="nats")
    return fig.to_plotly_json()
