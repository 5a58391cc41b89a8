"""U-turns: noise a data point to t, run it back, and see whether its class survives (Sclocchi, Favero & Wyart
2025; Achilli, Benedetti, Biroli & Mézard 2026; Li & Chen 2024)."""
import dash
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.plotting import empty_figure
from components.state import state_from_store, state_query
from components.timemoves import drawn, wire_time_moves
from pages.uturn._figures import paths_figure, return_figure
from pages.uturn._model import JOB, has_classes, uturn_paths

dash.register_page(__name__, path="/uturn", name="U-turns", title="U-turns and critical windows", order=5.7,
                   controls=("target", "t", "process", "sigma", "d", "n", "r", "pw", "sc", "cls", "side", "seed"))


def layout(**_query):
    return html.Div([
        html.H1("U-turns: when is the class decided?"),
        dcc.Markdown(r"""Take a data point of class $A$, noise it to time $t$, and run the reverse process back with
the exact score (Sclocchi, Favero & Wyart 2025; Achilli, Benedetti, Biroli & Mézard 2026). The way back samples
$p(y\,|\,x_t)$, so it returns to $A$ with probability $R_A(t) = \mathbb E[P(A\,|\,x_t)]$: near 1 while the class is
still written in $x_t$, the class's weight once the noise has erased it. For two Gaussian classes it is a
one-dimensional integral, and the class is decided in the **critical window** where the total variation between
the noised classes, $2\Phi(\delta_t/2) - 1$, falls from 1 to 0 (Li & Chen 2024) — around the speciation time
$t_s$.""", mathjax=True, className="explain"),
        html.Div(id="uturn-choose", className="target-note"),
        JOB.progress_bar("uturn", cancel=True),
        dcc.Graph(id="uturn-returns", figure=empty_figure("computing…", 440)),
        dcc.Graph(id="uturn-paths", figure=empty_figure("release the time slider to draw U-turns", 440)),
        *JOB.stores("uturn"),
    ])


JOB.wire("uturn", cancel=True)
wire_time_moves("uturn-returns")


@callback(Output("uturn-returns", "figure"), Output("uturn-choose", "children"),
          Input("uturn-ready", "data"), Input(ids.STATE, "data"), State(ids.TIME, "data"))
@drawn("uturn-page", "moved", job=JOB)
def render_returns(ready, data, time):
    """The return curve, drawn once per result; the time line is moved in the browser."""
    state = state_from_store(data, time)
    if not has_classes(state):
        link = html.A("two deltas", href=f"/uturn?{state_query(state.replace(target='two_deltas'))}")
        mixture = html.A("the two-cluster mixture", href=f"/uturn?{state_query(state.replace(target='mixture'))}")
        return empty_figure("choose a target with classes (above)", 300), [
            f"U-turns need classes; {state.spec.name} has none. Try ", link, " or ", mixture, "."]
    result = JOB.stored(state)
    if result is None:
        return empty_figure(JOB.waiting(ready), 440), None
    return return_figure(result, state.t), None


@callback(Output("uturn-paths", "figure"), Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"))
@drawn("uturn-paths", "exact")
def render_paths(data, t):
    """U-turn trajectories at the released or typed time."""
    state = state_from_store(data, t)
    if not has_classes(state):
        return empty_figure("choose a target with classes (above)", 300)
    return paths_figure(uturn_paths(state))
