"""Memorization: participation ratio, condensation (REM) and collapse (Ambrogioni 2023 §10, Biroli et al. 2024)."""
import dash
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.plotting import empty_figure
from components.state import process_of, state_from_store
from components.timemoves import drawn, wire_time_moves
from core.memorization import condensation_time
from pages.memorization._figures import collapse_figure, participation_figure, phase_figure, rem_figure
from pages.memorization._model import BETA_GRID, JOB

dash.register_page(__name__, path="/memorization", name="Memorization", title="Memorization", order=5,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "sc"))


def layout(**_query):
    return html.Div([
        html.H1("When does a diffusion model start to copy?"),
        dcc.Markdown(r"""With the exact empirical score, a model trained on $n$ points memorizes: below the
**collapse time** $t_C$ each trajectory falls onto one training point. The participation ratio
$Y = \sum_j w_j^2$ counts the points that shape the score ($1/Y$); in the random energy model of Ambrogioni 2023 §10
it condenses above $\tilde\beta_c = 2\sqrt{\log 2}$; the excess entropy $f^e = s_{sep} - s^e$ of Biroli et al. 2024
vanishes
below $t_C$, which is of order one only when $\alpha = (\log n)/d$ is.""", mathjax=True, className="explain"),
        JOB.progress_bar("mem", cancel=True),
        html.Div(id="mem-caption", className="caption"),
        dcc.Graph(id="mem-participation", figure=empty_figure("computing…", 380)),
        html.Div([dcc.Graph(id="mem-rem", className="half"), dcc.Graph(id="mem-collapse", className="half")],
                 className="row"),
        dcc.Graph(id="mem-phase"),
        *JOB.stores("mem"),
    ])



JOB.wire("mem", cancel=True)
wire_time_moves("mem-participation", "mem-collapse", "mem-phase")


@callback(Output("mem-participation", "figure"), Output("mem-rem", "figure"), Output("mem-collapse", "figure"),
          Output("mem-phase", "figure"), Output("mem-caption", "children"),
          Input("mem-ready", "data"), Input(ids.STATE, "data"), State(ids.TIME, "data"))
@drawn("memorization-page", "moved", job=JOB)
def render_memorization(ready, data, time):
    """Draw the stored result once per result; the current time's parts are moved."""
    state = state_from_store(data, time)
    view = JOB.stored(state)
    if view is None:
        wait = empty_figure(JOB.waiting(ready), 380)
        return wait, wait, wait, phase_figure(state, 1.0, state.t), \
            JOB.waiting(ready, "Computing (see the progress bar).")
    t = state.t
    # eq. 47 gives σ²t_cond, the noise s² at which β̃ = β_c: the time of that s² under any process
    t_cond = float(process_of(state).time_of_s2(condensation_time(state.r, 1.0, 1.0)))
    part = participation_figure(view, t, t_cond) if view.discrete else empty_figure(
        "the participation ratio needs a finite dataset (a discrete target)", 380)
    collapse = (collapse_figure(view, t, state) if view.discrete and view.alpha > 0 else
                empty_figure("the excess entropy needs a finite dataset of n ≥ 2 points (α = log n / d > 0)", 380))
    caption = [f"Condensation time for |x| = 1 (Ambrogioni 2023 eq. 47, ν = r): t_cond = {t_cond:.3g}. "]
    if view.t_c_measured:
        caption.append(f"Collapse from f^e: t_C ≈ {view.t_c_measured:.3g}. ")
    if view.t_c_theory is not None:
        caption.append(f"Eq. 10: t_C = {view.t_c_theory:.3g}. ")
    if view.discrete:
        caption.append(f"α = log n / d = {view.alpha:.3g}. ")
    return part, rem_figure(view, BETA_GRID), collapse, phase_figure(state, view.t_s, t), caption
