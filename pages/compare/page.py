"""Compare: one view in two states side by side, their times linked — a lecturer's "what changes?".

The left state (A) is the lab's state, set by the control panel; the right one (B) is A with one contrast
applied (``CONTRASTS``).  Each side is the view itself in an ``embed=1`` frame (no header, controls or intro),
and the page's time slider moves both (assets/compare.js)."""
import dash
from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from components import ids

dash.register_page(__name__, path="/compare", name="Compare", title="Side by side", order=8.5,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "pw", "sc", "dd"))

#: The views that can be compared (path → name).
VIEWS = {"/landscape": "Landscape", "/bifurcation": "Bifurcation", "/particles": "Particles",
         "/entropy": "Entropy", "/memorization": "Memorization"}
#: key → (label, A's settings, B's settings), as link parameters; the views validate them as any link's.
CONTRASTS = {
    "ve-fm": ("VE against flow matching", "process=VE", "process=FM"),
    "vp-fm": ("VP against flow matching", "process=VP", "process=FM"),
    "guided": ("unguided against guided (first class, w = 2)", "gc=none", "gc=0&gw=2"),
    "heun": ("Euler–Maruyama against Heun (Particles)", "sampler=euler", "sampler=heun"),
    "ode": ("SDE against the probability-flow ODE (Particles)", "dynamics=sde", "dynamics=ode"),
}


def layout(view="/landscape", vs="ve-fm", **_query):
    """``?view=/particles&vs=heun`` in the link choose the view and the contrast."""
    view = view if view in VIEWS else "/landscape"
    vs = vs if vs in CONTRASTS else "ve-fm"
    side = lambda name: html.Div([html.Div(id=f"compare-label-{name}", className="compare-label"),  # noqa: E731
                                  html.Iframe(id=f"compare-frame-{name}", className="compare-frame")],
                                 className="half compare-side")
    return html.Div([
        html.H1("Side by side: what changes?"),
        html.P("One view in two states on one time axis: the left is the lab's state (the controls), the right "
               "the same with one thing changed. The time slider, the time box and ←/→ move both; each side is "
               "the view itself, computed as it would be on its own page.", className="explain"),
        html.Div([
            html.Label("View"),
            dcc.Dropdown(id="compare-view", options=[{"label": n, "value": p} for p, n in VIEWS.items()],
                         value=view, clearable=False, searchable=False, style={"width": "12em"}),
            html.Label("Left against right"),
            dcc.Dropdown(id="compare-vs", options=[{"label": c[0], "value": k} for k, c in CONTRASTS.items()],
                         value=vs, clearable=False, searchable=False, style={"width": "24em"}),
        ], className="options stage-keep"),
        html.Div([side("a"), side("b")], className="row compare-row"),
        dcc.Store(id="compare-contrasts", data={k: [a, b] for k, (_, a, b) in CONTRASTS.items()}),
    ])


clientside_callback(ClientsideFunction("compare", "frames"),
                    Output("compare-frame-a", "src"), Output("compare-frame-b", "src"),
                    Output("compare-label-a", "children"), Output("compare-label-b", "children"),
                    Input(ids.STATE, "data"), Input("compare-view", "value"), Input("compare-vs", "value"),
                    State(ids.TIME, "data"), State("compare-contrasts", "data"), State(ids.SCHEMA, "data"))
clientside_callback(ClientsideFunction("compare", "time"), Output("compare-view", "className"),
                    Input(ids.TIME, "data"), Input(ids.TIME_SET, "data"))
