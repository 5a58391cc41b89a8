"""Bifurcation: fixed-point paths, stability, susceptibility, critical exponents, the decision tree."""
import dash
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.plotting import empty_figure
from components.state import GUIDANCE_KEYS, guidance_label, state_from_store
from components.timemoves import drawn, wire_time_moves
from pages.bifurcation._figures import (
    dendrogram_figure,
    exponents_figure,
    paths_figure,
    stability_figure,
    trace_figure,
)
from pages.bifurcation._model import JOB, AxisResult, Diagram, NoDiagram, PathsResult, variant_of

dash.register_page(__name__, path="/bifurcation", name="Bifurcation", title="Bifurcation diagram", order=2,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "pw", "sc", "dd", "h",
                             *GUIDANCE_KEYS))


def layout(**_query):
    return html.Div([
        html.H1("Bifurcation diagram"),
        dcc.Markdown(r"""Generation as a cascade of spontaneous symmetry breakings (Ambrogioni 2023 §5–6,
Ambrogioni 2025 §5). Fixed
points solve $\tilde x = \langle y\rangle(\tilde x + h)$; a path is stable while $\nabla^2\tilde F = I - C/s^2$ is
positive definite, and two paths branch where an eigenvalue reaches 0 — continuously at a pitchfork (symmetric
targets), or through a fold where one path vanishes and jumps (first-order: unequal weights, a field $h$, or data
without symmetry). The self-consistent susceptibility $\chi = (I - \beta C)^{-1}\beta C$ diverges at the branching;
for two deltas $m = \tanh((m + h)/T)$ gives $\beta = \tfrac12$, $\gamma = 1$, $\delta = 3$.""",
                     mathjax=True, className="explain"),
        JOB.progress_bar("bif"),
        html.Div(id="bif-caption", className="caption"),
        html.Div([dcc.Graph(id="bif-paths", className="half"), dcc.Graph(id="bif-tree", className="half")],
                 className="row"),
        html.Div([dcc.Graph(id="bif-trace", className="half"), dcc.Graph(id="bif-stability", className="half")],
                 className="row"),
        dcc.Graph(id="bif-exponents"),
        *JOB.stores("bif"),
    ])



JOB.wire("bif")
wire_time_moves("bif-paths", "bif-tree", "bif-trace", "bif-stability")


@callback(Output("bif-paths", "figure"), Output("bif-tree", "figure"), Output("bif-trace", "figure"),
          Output("bif-stability", "figure"), Output("bif-exponents", "figure"), Output("bif-caption", "children"),
          Input("bif-ready", "data"), Input(ids.STATE, "data"), State(ids.TIME, "data"))
@drawn("bifurcation-page", "moved", job=JOB)
def render_diagram(ready, data, time):
    """Draw the stored diagram once per result; the current time's parts are moved (server and browser)."""
    state = state_from_store(data, time)
    view = JOB.stored(state)
    if view is None:
        if variant_of(state) is AxisResult:        # exact root finding is quick: compute it here
            view = JOB.result(state)
        else:
            wait = empty_figure(JOB.waiting(ready))
            caption = JOB.waiting(ready, "Computing the fixed-point paths (see the progress bar).")
            return wait, wait, wait, wait, wait, caption
    t = state.t
    if isinstance(view, NoDiagram):
        msg = empty_figure("continuation runs for discrete targets of 2 ≤ n ≤ 128 distinct points in d ≤ 64")
        return msg, msg, msg, msg, msg, _caption(view, state)
    paths = paths_figure(view, t)
    stability = stability_figure(view, t)
    if isinstance(view, PathsResult):
        tree = dendrogram_figure(view, t)
        trace = trace_figure(view, t) if view.d >= 2 else empty_figure("d = 1: see the left panel")
    else:
        tree = empty_figure("exact 1-D diagram: the tree is the pitchfork itself")
        trace = empty_figure("fixed points lie on the symmetry axis (left panel)")
    expo = (exponents_figure(view.exponents) if isinstance(view, AxisResult) and view.exponents
            else empty_figure("critical exponents: a symmetric pitchfork is needed "
                              "(two deltas with π₊ = ½, hypersphere or mixture law, h = 0)"))
    return paths, tree, trace, stability, expo, _caption(view, state)


def _caption(view, state):
    parts = [f"Transition: {view.kind}. ",
             f"Predicted instability of the symmetric point (a²Λ = b², Λ = {view.lam:.4g}): "
             f"t = {view.t_pred:.4g}. "]
    if isinstance(view, Diagram) and view.t_meas:
        parts.append(f"First branching found: t = {view.t_meas:.4g}. ")
    guided = guidance_label(state)
    if guided:
        parts.append(f"Fixed points of the guided model ({guided}; science.md §9): the prediction a²Λ = b² is "
                     "the unguided model's. ")
    if isinstance(view, PathsResult):
        kinds = [m.kind for m in view.merges]
        parts.append(f"{len(kinds)} merges: {kinds.count('pitchfork')} pitchforks, {kinds.count('fold')} folds. ")
    if state.process == "VP":
        parts.append("VP: paths are drawn in the process's coordinates x = e^{−t} x̃. ")
    elif state.process == "FM":
        parts.append("FM: paths are drawn in the process's coordinates x = (1 − t) x̃; t_c = √Λ/(1 + √Λ). ")
    return parts
