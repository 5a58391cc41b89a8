"""Ising: the diffused Ising model (Ambrogioni 2023 §4.4) and the multi-site generative bath (§8)."""
import dash
import numpy as np
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.plotting import empty_figure
from components.state import state_from_store
from components.timemoves import drawn, wire_time_moves
from core.ising import ENUM_MAX
from pages.ising._figures import (
    bath_distribution_figure,
    bath_magnetization_figure,
    bath_trajectories_figure,
    bath_variance_figure,
    ising_diagram_figure,
    response_figure,
    target_figure,
)
from pages.ising._model import BATH_JOB, at_time, ising_view

dash.register_page(__name__, path="/ising", name="Ising", title="Diffused Ising model and generative bath", order=6,
                   controls=("t", "sigma", "spins", "J", "temp", "K", "w", "seed"), own_target=True)


def layout(**_query):
    return html.Div([
        html.H1("Where the Ising analogy holds, and where it breaks"),
        dcc.Markdown(r"""**Diffused Ising model** (Ambrogioni 2023 §4.4). The target is $d$ spins with
$\log\varphi(y) = -\frac{1}{2T}\sum_{j\ne k} W_{jk}\,y_j y_k$, Curie–Weiss $W_{jk} = -J/d$, so the *target* is
ferromagnetic below $T = J$. The diffusion adds a field: the posterior is
$\propto \varphi(y)\,e^{\beta(t)\,\tilde x\cdot y}$ with $\beta(t) = 1/\sigma^2 t$ multiplying the field term only
(eq. 18). **t scales the susceptibility to the field; T decides the target's phase.** The generative
branching is the self-consistency $h = m(h, t)$: the symmetric point splits at
$\sigma^2 t_c = \Lambda = \mathrm{Var}_\varphi(M)/d$, which is $1/(1 - J/T)$ above $T = J$ and grows like $d\,m_0^2$
below it. The process is VE ($s^2 = \sigma^2 t$); the VP and FM switches do not apply here.""",
                     mathjax=True, className="explain"),
        html.Div(id="ising-caption", className="caption"),
        html.Div([dcc.Graph(id="ising-target", className="half"), dcc.Graph(id="ising-response", className="half")],
                 className="row"),
        dcc.Graph(id="ising-diagram"),
        dcc.Markdown(r"""**Generative bath** (Ambrogioni 2023 §8). $K$ replicas of the two-delta target, $y^\mu = \pm1$,
coupled all-to-all, $H = -\frac{w}{2K}\sum_{\mu\ne\nu} y^\mu y^\nu$, at temperature $T = \sigma^2 t$ (heat-bath Monte
Carlo). As $K\to\infty$ it obeys the diffusion's own mean-field equation $m = \tanh(wm/T)$, $T_c = w$. A particle
driven by the bath (eq. 37) relaxes toward the pure-state mean at rate $1/t$ with noise variance
$T\,\partial m/\partial h$ per unit $dt/t$ — $1/(1 - w/T)$ above $T_c$, divergent at $T_c$ — where ordinary reverse
diffusion has variance $T$.""", mathjax=True, className="explain"),
        BATH_JOB.progress_bar("bath"),
        html.Div(id="bath-caption", className="caption"),
        html.Div([dcc.Graph(id="bath-distribution", className="half"),
                  dcc.Graph(id="bath-magnetization", className="half")], className="row"),
        html.Div([dcc.Graph(id="bath-trajectories", className="half"),
                  dcc.Graph(id="bath-variance", className="half")], className="row"),
        *BATH_JOB.stores("bath"),
    ])


@callback(Output("ising-target", "figure"), Output("ising-diagram", "figure"), Input(ids.STATE, "data"),
          State(ids.TIME, "data"))
@drawn("ising-model", "moved")
def render_ising(data, time):
    """The target and the fixed-point diagram of the diffused Ising model (its time line then moves in
    the browser): cheap, a density of states over d + 1 magnetizations."""
    state = state_from_store(data, time)
    spins, coupling, temp, sigma = state.spins, state.coupling, state.temperature, state.sigma
    view = ising_view(state.spins, state.coupling, state.temperature)
    # the same model on the other side of T = J, faint: t only rescales, T changes the phase
    reference = None
    if coupling > 0:
        other_temp = 0.7 * coupling if temp > coupling else 1.5 * coupling
        reference = (other_temp, coupling, ising_view(spins, coupling, other_temp))
    return target_figure(view, spins, coupling, temp), ising_diagram_figure(view, sigma, state.t, reference)


@callback(Output("ising-response", "figure"), Output("ising-caption", "children"), Input(ids.STATE, "data"),
          Input(ids.TIME_SET, "data"))
@drawn("ising-at-time", "exact")
def render_ising_now(data, time):
    """The response m(h) and the fixed points at a released or typed time."""
    state = state_from_store(data, time)
    spins, coupling, temp, sigma, t = state.spins, state.coupling, state.temperature, state.sigma, state.t
    view = ising_view(state.spins, state.coupling, state.temperature)
    now = at_time(view, sigma, t)
    caption = [f"Λ = Var(M)/d = {view.lam:.4g}, so the symmetric fixed point branches at t_c = Λ/σ² = {now.t_c:.4g}. "
               f"At t = {t:.3g}: {len(now.fixed_h)} fixed point(s) on the uniform line, {now.stable} of them stable. "]
    if coupling > 0 and temp > coupling:
        caption.append(f"Mean field (d → ∞): Λ → 1/(1 − J/T) = {1 / (1 - coupling / temp):.4g}. ")
    caption.append(f"Posterior by exact enumeration of the 2^{spins} = {2**spins:,} states."
                   if spins <= ENUM_MAX else
                   f"d = {spins} > {ENUM_MAX}: 2^d states are too many to enumerate; the page uses the Curie–Weiss "
                   "reduction on the total magnetization, which is exact for these couplings.")
    if state.process == "FM":
        caption.append(" This page is VE (T = σ²t), but the lab's process is flow matching, which keeps t < 1: switch "
                       "the process to VE on another page for t up to 100.")
    return response_figure(now.family, now.curves, t, now.now, now.fixed_h), caption


BATH_JOB.wire("bath")
wire_time_moves("ising-diagram", "bath-magnetization", "bath-trajectories", "bath-variance")


@callback(Output("bath-magnetization", "figure"), Output("bath-trajectories", "figure"),
          Output("bath-variance", "figure"), Input("bath-ready", "data"), Input(ids.STATE, "data"),
          State(ids.TIME, "data"))
@drawn("ising-bath", "moved", job=BATH_JOB)
def render_bath(ready, data, time):
    """The bath against t, drawn once per result (its time lines are moved)."""
    state = state_from_store(data, time)
    view = BATH_JOB.stored(state)
    if view is None:
        wait = empty_figure(BATH_JOB.waiting(ready, "running the heat-bath Monte Carlo…"), 330)
        return wait, empty_figure(BATH_JOB.waiting(ready, "running…"), 380), wait
    sigma, t = state.sigma, state.t
    return (bath_magnetization_figure(view, sigma, t), bath_trajectories_figure(view, sigma, t),
            bath_variance_figure(view, sigma, t, view.mean_field_variance))


@callback(Output("bath-distribution", "figure"), Output("bath-caption", "children"), Input("bath-ready", "data"),
          Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"))
@drawn("bath-at-time", "exact")
def render_bath_now(ready, data, time):
    """The bath's histogram and caption at the simulated temperature nearest T = σ²t (released or typed t)."""
    state = state_from_store(data, time)
    view = BATH_JOB.stored(state)
    if view is None:
        return (empty_figure(BATH_JOB.waiting(ready, "running the heat-bath Monte Carlo…"), 330),
                BATH_JOB.waiting(ready, "Running (see the progress bar)."))
    sigma, t = state.sigma, state.t
    temp = sigma**2 * t
    index = int(np.argmin(np.abs(np.log(view.temps / temp))))
    caption = (f"T = σ²t = {temp:.3g} (nearest simulated: {view.temps[index]:.3g}); T_c = w = {view.w:.3g}. "
               f"K = {view.K}: ⟨|m̄|⟩ = {view.mean[view.K][index]:.3f}, "
               f"mean field {view.mean_field[index]:.3f}; variance {view.variance[view.K][index]:.3g}. "
               f"Heat-bath sweeps: 150 burn-in + 600 per temperature, {len(view.temps)} temperatures, "
               "annealed from hot to cold.")
    return bath_distribution_figure(view, index), caption
