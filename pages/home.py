"""Home: what the lab is, and a card per view with a live thumbnail."""
import dash
import numpy as np
from dash import Input, Output, callback, dcc, html

from components import ids
from components.figures import landscape_2d_figure
from components.landscape_data import landscape_view, state_key
from components.state import default_state, parse_state

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
]


def layout(**_query):
    cards = [html.Div([
        dcc.Link(html.H3(name), href=path),
        dcc.Graph(id="home-thumb-landscape", config={"staticPlot": True},
                  style={"height": "240px"}) if path == "/landscape" else None,
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


@callback(Output("home-thumb-landscape", "figure"), Input(ids.STATE, "data"))
def landscape_thumbnail(_state):
    """The four-delta landscape below its critical time."""
    state, _ = parse_state({**default_state("circle"), "t": 0.25})
    v = landscape_view(state_key(state))
    fig = landscape_2d_figure(v["u"], v["v"], v["f"], np.zeros((0, 2)), v["fixed_uv"], v["kinds"],
                              v["data_uv"], title="")
    fig.update_layout(height=240, margin=dict(l=5, r=5, t=5, b=5), showlegend=False)
    fig.update_traces(showscale=False, selector=dict(type="contour"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig

