"""Figure builders of the Ising page: the diffused Ising model and the generative bath."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, bar, plain_figure, scatter
from components.plotting import BASE_LAYOUT, f32
from components.timemoves import movable, now_line
from pages.ising._model import FIELD, BathResult, IsingModel

SIZE_COLORS = {10: "#9ecae1", 100: "#4292c6", 1000: "#08519c"}
CHOSEN = "#d62728"


def _phase(temp: float, coupling: float) -> str:
    if coupling == 0:
        return "independent spins"
    if temp == coupling:
        return "critical, T = J"
    return "ferromagnetic, T < J" if temp < coupling else "paramagnetic, T > J"


def target_figure(view: IsingModel, spins: int, coupling: float, temp: float) -> dict:
    """The target's own law of m = M/d (eq. 17 summed over the states of each M)."""
    fig = PlainFigure(bar(x=f32(view.m), y=f32(view.p), marker_color="#1f77b4", name="P(m)",
                          hovertemplate="m = %{x:.3f}<br>P = %{y:.3g}<extra></extra>"))
    how = "2^d states enumerated" if view.enumerated else "closed form (d > 16)"
    fig.update_layout(**BASE_LAYOUT, height=330, bargap=0.05, showlegend=False,
                      title=f"target P(m), d = {spins}: {_phase(temp, coupling)} ({how})")
    fig.update_xaxes(title_text="magnetization per spin m = M/d", range=[-1.05, 1.05])
    fig.update_yaxes(title_text="probability")
    return fig.to_plotly_json()


def response_figure(log_t: np.ndarray, curves: np.ndarray, t_now: float, now: np.ndarray,
                    fixed_h: np.ndarray) -> dict:
    """m(h, t) on the uniform line for several t, the current t bold; its crossings with m = h are the
    fixed points of the generative drift.  A plain dict (components.plainfig.plain_figure): drawn at every
    released time."""
    data = [dict(type="scatter", x=f32(FIELD), y=f32(row), mode="lines", line=dict(width=1.5, color="#9ecae1"),
                 name=f"t = {t:.3g}", hovertemplate=f"t = {t:.3g}<br>h = %{{x:.3f}}<br>m = %{{y:.3f}}<extra></extra>")
            for t, row in zip(log_t, curves, strict=True)]
    data += [dict(type="scatter", x=f32(FIELD), y=f32(now), mode="lines", line=dict(width=4, color="#08306b"),
                  name=f"now, t = {t_now:.3g}"),
             dict(type="scatter", x=[-1.6, 1.6], y=[-1.6, 1.6], mode="lines", name="m = h",
                  line=dict(color="#888", dash="dash")),
             dict(type="scatter", x=f32(fixed_h), y=f32(fixed_h), mode="markers", name="fixed points now",
                  marker=dict(size=11, color="#d62728", line=dict(color="white", width=1)))]
    layout = dict(**BASE_LAYOUT, height=330, title=dict(text="⟨y_j⟩ along the uniform direction x̃ = h(1, …, 1)"),
                  legend=dict(font=dict(size=11)),
                  xaxis=dict(title=dict(text="field h (x̃ per spin)"), range=[-1.6, 1.6]),
                  yaxis=dict(title=dict(text="m(h, t) = ⟨y_j⟩"), range=[-1.1, 1.1]))
    return plain_figure(data, layout)


def ising_diagram_figure(view: IsingModel, sigma: float, t_now: float, reference=None) -> dict:
    """Fixed points h* over t = s²/σ²: stable; stable on the line but unstable across spins; unstable.
    ``reference`` = (T, J, view) of a target on the other side of T = J, drawn faint for comparison."""
    fig = PlainFigure()
    if reference is not None:
        temp, coupling, other = reference
        stable = other.fp_line & other.fp_across
        name = f"stable, T = {temp:.3g}: {_phase(temp, coupling)} (dotted: its t_c)"
        fig.add_trace(scatter(x=f32(other.fp_s2[stable] / sigma**2), y=f32(other.fp_h[stable]),
                              mode="markers", name=name, marker=dict(color="#bbb", size=5)))
        fig.add_vline(x=other.lam / sigma**2, line=dict(color="#bbb", dash="dot", width=2))
    t = view.fp_s2 / sigma**2
    h, line, across = view.fp_h, view.fp_line, view.fp_across
    groups = (("stable", line & across, dict(color="#111", symbol="circle", size=6)),
              ("stable on the line, unstable across spins", line & ~across,
               dict(color="#ff7f0e", symbol="circle", size=6)),
              ("unstable along the line", ~line, dict(color="#d62728", symbol="circle-open", size=6)))
    for name, mask, marker in groups:
        fig.add_trace(scatter(x=f32(t[mask]), y=f32(h[mask]), mode="markers", name=name, marker=marker,
                              hovertemplate="t = %{x:.3g}<br>h* = %{y:.3f}<extra></extra>"))
    t_c = view.lam / sigma**2
    fig.add_vline(x=t_c, line=dict(color="#2ca02c", dash="dash", width=2))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=380, legend=dict(orientation="h", y=-0.25),
                      title=f"fixed points of the generative drift; green: σ²t_c = Λ = {view.lam:.3g}")
    fig.update_xaxes(type="log", title_text="diffusion time t")
    fig.update_yaxes(title_text="h* (fixed point per spin)", range=[-1.1, 1.1])
    return fig.to_plotly_json()


def bath_distribution_figure(view: BathResult, index: int) -> dict:
    """Heat-bath histogram of m̄ at the current T (symmetrized), the exact finite-K law and ±m_MF.  A plain dict
    (components.plainfig.plain_figure): drawn at every released time."""
    centers = 0.5 * (view.bins[1:] + view.bins[:-1])
    width = float(view.bins[1] - view.bins[0])
    temp = view.temps[index]
    density = view.exact_p[index] * view.K / 2          # the law of M/K has spacing 2/K
    data = [dict(type="bar", x=f32(centers), y=f32(view.hist[index]), width=width, name="heat-bath Monte Carlo",
                 marker=dict(color="#9ecae1")),
            dict(type="scatter", x=f32(view.exact_m), y=f32(density), mode="lines", name=f"exact, K = {view.K}",
                 line=dict(color=CHOSEN, width=2))]
    m_mf = float(view.mean_field[index])
    shapes = [dict(type="line", x0=sign * m_mf, x1=sign * m_mf, xref="x", y0=0, y1=1, yref="y domain",
                   line=dict(color="black", dash="dot", width=2)) for sign in (-1, 1)]
    layout = dict(**BASE_LAYOUT, height=330, bargap=0, legend=dict(orientation="h", y=-0.25), shapes=shapes,
                  title=dict(text=f"bath magnetization at T = σ²t = {temp:.3g} (dotted: ±m of tanh((wm)/T))"),
                  xaxis=dict(title=dict(text="m̄ = Σ y^μ / K"), range=[-1.05, 1.05]),
                  yaxis=dict(title=dict(text="density")))
    return plain_figure(data, layout)


def _per_size(view: BathResult, t, quantity: str) -> PlainFigure:
    """A figure with one curve of ``view.<quantity>[K]`` against t for each simulated K."""
    fig = PlainFigure()
    for k in view.sizes:
        fig.add_trace(scatter(x=f32(t), y=f32(getattr(view, quantity)[k]), mode="lines+markers", name=f"K = {k}",
                              marker=dict(size=4), line=dict(color=SIZE_COLORS.get(k, CHOSEN), width=2)))
    return fig


def _finish_panel(fig, t_now, title):
    """The current time, the title and the log-time axis of a bath panel."""
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=330, title=title, legend=dict(font=dict(size=11)))
    fig.update_xaxes(type="log", title_text="diffusion time t (T = σ²t)")


def bath_magnetization_figure(view: BathResult, sigma: float, t_now: float) -> dict:
    """Pure-state magnetization ⟨|m̄|⟩ against t for each K, approaching the mean-field solution."""
    t = view.temps / sigma**2
    fig = _per_size(view, t, "mean")
    fig.add_trace(scatter(x=f32(t), y=f32(view.mean_field), mode="lines", name="K → ∞: m = tanh(wm/T)",
                          line=dict(color="black", width=3, dash="dash")))
    _finish_panel(fig, t_now, "pure-state magnetization ⟨|m̄|⟩")
    fig.update_yaxes(title_text="⟨|m̄|⟩", range=[0, 1.05])
    return fig.to_plotly_json()


def bath_variance_figure(view: BathResult, sigma: float, t_now: float, mean_field_variance: np.ndarray) -> dict:
    """The particle's noise variance T·∂m/∂h per unit dt/t: Monte Carlo per K, mean field (diverging at
    T_c = w), and the ordinary reverse diffusion's T."""
    t = view.temps / sigma**2
    fig = _per_size(view, t, "variance")
    finite = np.where(np.isfinite(mean_field_variance) & (mean_field_variance > 0), mean_field_variance, np.nan)
    fig.add_trace(scatter(x=f32(t), y=f32(finite), mode="lines", name="mean field T(1−m²)/(T−w(1−m²))",
                          line=dict(color="black", width=3, dash="dash"), connectgaps=False))
    fig.add_trace(scatter(x=f32(t), y=f32(view.temps), mode="lines", name="ordinary diffusion: T",
                          line=dict(color="#2ca02c", width=2, dash="dot")))
    _finish_panel(fig, t_now, "bath noise variance T·∂m/∂h (per unit dt/t)")
    top = np.nanmax([np.nanmax(v) for v in view.variance.values()] + [np.nanmax(view.temps)])
    fig.update_yaxes(type="log", title_text="variance", range=[-3, np.log10(top) + 0.3])
    return fig.to_plotly_json()


def bath_trajectories_figure(view: BathResult, sigma: float, t_now: float) -> dict:
    """Particles driven by the bath (eq. 37) and by ordinary reverse diffusion, same start, same noise."""
    t = view.temps / sigma**2
    fig = PlainFigure()
    for name, paths, color in (("driven by the bath (eq. 37)", view.bath, CHOSEN),
                               ("ordinary reverse diffusion", view.plain, "#1f77b4")):
        x = np.tile(np.r_[t, np.nan], paths.shape[1])
        y = np.concatenate([np.r_[paths[:, j], np.nan] for j in range(paths.shape[1])])
        fig.add_trace(scatter(x=f32(x), y=f32(y), mode="lines", name=name, line=dict(color=color, width=1),
                              opacity=0.6, connectgaps=False))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=380, legend=dict(orientation="h", y=-0.25),
                      title=f"Brownian particles, K = {view.K}: bath-driven against ordinary diffusion")
    fig.update_xaxes(type="log", autorange="reversed", dtick=1,
                     title_text="diffusion time t (reversed: generation runs left to right)")
    fig.update_yaxes(title_text="x")
    return fig.to_plotly_json()
