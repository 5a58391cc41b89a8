"""Home: what the lab is, and a card per view with a live thumbnail."""
import dash
import numpy as np
import plotly.graph_objects as go
from dash import ALL, Input, Output, callback, ctx, dcc, html

from components import ids
from components.plotting import BASE_LAYOUT
from components.state import default_state, parse_state
from core.bath import mean_field_magnetization
from core.entropy import two_deltas_rate
from core.processes import Process
from core.regimes import phi_closed_form
from pages import bifurcation
from pages.landscape import landscape_2d_figure, landscape_view, state_key
from pages.memorization import phase_figure

dash.register_page(__name__, path="/", name="Home", title="Diffusion Thermodynamics Lab", order=0,
                   controls=())

VIEWS = [
    ("/landscape", "Free-energy landscape",
     "Drag the time down and watch F̃(x, t) split from one convex well into a well per data "
     "point: spontaneous symmetry breaking (seed 000 §5–7, Fig. 3)."),
    ("/bifurcation", "Bifurcation diagram",
     "Fixed-point paths from every data point merge into a decision tree; the susceptibility "
     "diverges at the branching and the critical exponents are mean-field (seed 000 §6, seed 004 §5)."),
    ("/particles", "Reverse diffusion",
     "A cloud of particles runs the reverse process in your browser: it splits into classes at the "
     "speciation time and collapses onto training points at the collapse time (seed 003)."),
    ("/entropy", "Information dynamics",
     "The conditional entropy rate — the divergence of the score — peaks where the fixed-point paths "
     "branch: generation's decisions, on one time axis (seed 004)."),
    ("/memorization", "Memorization",
     "How many training points shape the score, when the weights condense (random energy model) and when "
     "trajectories collapse onto training points: the curse of dimensionality α = log n / d (seed 000 §10, seed 003)."),
    ("/ising", "Ising model and generative bath",
     "A target that is itself a magnet: the Ising temperature sets its phase, the diffusion time only its "
     "response to the field; and K coupled replicas whose K → ∞ limit is the diffusion's mean-field equation "
     "(seed 000 §4.4, §8)."),
]


def layout(**_query):
    cards = [html.Div([
        dcc.Link(html.H3(name), href=path),
        dcc.Graph(id={"type": "home-thumb", "path": path}, config={"staticPlot": True}, style={"height": "220px"}),
        html.P(text),
    ], className="card") for path, name, text in VIEWS]
    return html.Div([
        html.H1("Diffusion Thermodynamics Lab"),
        html.P("Generative diffusion models are statistical-mechanics systems: as the noise is "
               "removed, their free energy breaks symmetry, their fixed points bifurcate and their "
               "samples condense onto data. This lab computes those quantities live, from the "
               "closed forms of four papers, for targets you choose. Pick a view, move the sliders, "
               "and every number you see is checked against theory in the test suite.",
               className="lead"),
        html.Div(cards, className="cards"),
    ])


def _landscape():
    state, _ = parse_state({**default_state("circle"), "t": 0.25})
    v = landscape_view(state_key(state))
    fig = landscape_2d_figure(v.u, v.v, v.f, np.zeros((0, 2)), v.fixed_uv, v.kinds, v.data_uv, "")
    fig.update_traces(showscale=False, selector=dict(type="contour"))
    return fig


def _bifurcation():
    state, _ = parse_state(default_state("two_deltas"))
    return bifurcation.paths_figure(bifurcation.JOB.result(state), 0.5)


def _particles():
    t = np.linspace(0.0, 3.0, 80)
    t_s = 0.5 * np.log(1001.0)
    fig = go.Figure(go.Scatter(x=t, y=phi_closed_form(t * t_s, np.sqrt(1000.0), 1.0), line=dict(width=3)))
    fig.add_vline(x=1.0, line=dict(dash="dash", color="#ff7f0e"))
    return fig


def _entropy():
    t = np.geomspace(0.02, 20, 80)
    fig = go.Figure(go.Scatter(x=t, y=two_deltas_rate(Process("VE"), t), line=dict(width=3, color="#1f77b4")))
    fig.add_vline(x=1.0, line=dict(dash="dot", color="#d62728"))
    fig.update_xaxes(type="log")
    return fig


def _memorization():
    return phase_figure({**default_state("mixture_samples"), "n": 200, "d": 2, "sc": 0.3}, 0.55, 0.3)


def _ising():
    t = np.geomspace(0.3, 3.0, 120)
    fig = go.Figure(go.Scatter(x=t, y=mean_field_magnetization(t), line=dict(width=3, color="#08519c")))
    fig.add_trace(go.Scatter(x=t, y=-mean_field_magnetization(t), line=dict(width=3, color="#08519c")))
    fig.add_vline(x=1.0, line=dict(dash="dash", color="#d62728"))
    fig.update_xaxes(type="log")
    return fig


THUMBNAILS = {"/landscape": _landscape, "/bifurcation": _bifurcation, "/particles": _particles,
              "/entropy": _entropy, "/memorization": _memorization, "/ising": _ising}


@callback(Output({"type": "home-thumb", "path": ALL}, "figure"), Input(ids.STATE, "data"))
def thumbnails(_state):
    """Small live figures of each view (cheap closed forms or cached default runs)."""
    figs = []
    for path in ids.requested_ids("path", ctx.outputs_list):
        fig = THUMBNAILS.get(path, lambda: go.Figure())()
        fig.update_layout(**{**BASE_LAYOUT, "margin": dict(l=5, r=5, t=5, b=5)}, height=220, showlegend=False,
                          title=None)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        figs.append(fig)
    return figs
