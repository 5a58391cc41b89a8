"""Hierarchical data: U-turns on the random hierarchy model, scored exactly by belief propagation (Sclocchi,
Favero & Wyart 2025)."""
import dash
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.controls import page_control
from components.plotting import empty_figure
from components.state import FIELDS, process_of, state_from_store
from components.timemoves import drawn, wire_time_moves
from core.hierarchy import largest_rules
from pages.hierarchy._figures import changes_figure, susceptibility_figure, uturns_figure
from pages.hierarchy._model import JOB, hierarchy_of, hierarchy_uturns

dash.register_page(__name__, path="/hierarchy", name="Hierarchy", title="Hierarchical data", order=5.8,
                   controls=("t", "process", "sigma"))

#: The model's four numbers, as the page's own controls: (state key, label).
MODEL_CONTROLS = (("hl", "Levels L", "levels"), ("hv", "Vocabulary v", "vocabulary"),
                  ("hs", "Branching s", "branching"), ("hm", "Rules per symbol m", "rules"))


def _control(key, query, name):
    """The model's number ``key`` as the page's own control (a box; the branching: a choice of two)."""
    field = FIELDS[key]
    if field.kind == "choice":
        control = page_control(key, dcc.Dropdown, query, options=[{"label": str(k), "value": k} for k in field.low],
                               clearable=False, searchable=False, style={"width": "6em"})
    else:
        control = page_control(key, dcc.Input, query, type="number", step=1, debounce=True, className="ctl-number")
    return html.Span(control, id=f"hierarchy-{name}")


def layout(**query):
    return html.Div([
        html.H1("Hierarchical data: what a U-turn changes, level by level"),
        dcc.Markdown(r"""Data made by a grammar: a class (the root, one of $v$ symbols) is rewritten $L$ times, each
symbol into $s$ symbols by one of its $m$ rules, and the $s^L$ leaves, one-hot, are the data — the random hierarchy
model of Sclocchi, Favero & Wyart (2025). Noise the leaves to time $t$, $x_t = a\,y + b\,z$: each leaf sees the
noise through its likelihood, so the posterior over trees is a tree and **belief propagation gives the exact
score** and exact samples of $p(\text{tree}\,|\,x_t)$ — what the reverse process with the exact score draws. Here
every U-turn is drawn that way, and we count which symbols changed at every level. The class (the root) is lost
abruptly at a transition time $t^*$, where the changes of the leaves are most correlated (the susceptibility's
peak); the leaves change smoothly across all times, so past $t^*$ a new class is made of old parts.""",
                     mathjax=True, className="explain"),
        html.Div([item for key, label, name in MODEL_CONTROLS
                  for item in (html.Label(label), _control(key, query, name))], className="options"),
        html.Div(id="hierarchy-note", className="target-note"),
        JOB.progress_bar("hierarchy", cancel=True),
        html.Div(id="hierarchy-caption", className="caption"),
        dcc.Graph(id="hierarchy-changes", figure=empty_figure("computing…", 440)),
        dcc.Graph(id="hierarchy-susceptibility", figure=empty_figure("computing…", 340)),
        dcc.Graph(id="hierarchy-uturns", figure=empty_figure("release the time slider to draw U-turns", 320)),
        *JOB.stores("hierarchy"),
    ])


JOB.wire("hierarchy", cancel=True)
wire_time_moves("hierarchy-changes", "hierarchy-susceptibility")


@callback(Output("hierarchy-changes", "figure"), Output("hierarchy-susceptibility", "figure"),
          Output("hierarchy-caption", "children"),
          Input("hierarchy-ready", "data"), Input(ids.STATE, "data"), State(ids.TIME, "data"))
@drawn("hierarchy-page", "moved", job=JOB)
def render_changes(ready, data, time):
    """The change fractions and the susceptibility, drawn once per result; the time line is moved in the browser."""
    state = state_from_store(data, time)
    result = JOB.stored(state)
    if result is None:
        waiting = JOB.waiting(ready)
        return empty_figure(waiting, 440), empty_figure(waiting, 340), None
    process = process_of(state)
    h, _ = hierarchy_of(state)
    t_half = float(process.time_of_s2(result.s2_half))
    independent = h.rules_per_symbol == largest_rules(h.vocabulary, h.branching)
    peak = (f"the susceptibility peaks at t* = {float(process.time_of_s2(result.s2_star)):.3g}"
            if result.s2_star is not None else "the leaves change one by one: the susceptibility has no peak"
            + (" (m = v^(s−1): every tuple is a rule, so the leaves are independent)" if independent else ""))
    caption = (f"L = {h.levels}, v = {h.vocabulary}, s = {h.branching}, m = {h.rules_per_symbol}: "
               f"{h.leaves:,} leaves, d = {h.d:,} ({state.process}). The class is lost half-way at t = {t_half:.3g}; "
               f"{peak}.")
    return changes_figure(result, process, state.t), susceptibility_figure(result, process, state.t), caption


@callback(Output("hierarchy-note", "children"), Input(ids.STATE, "data"))
def render_note(data):
    """Says when the state's m was lowered to what the vocabulary allows."""
    return hierarchy_of(state_from_store(data))[1]


@callback(Output("hierarchy-uturns", "figure"), Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"))
@drawn("hierarchy-uturns", "exact")
def render_uturns(data, t):
    """A few U-turns at the released or typed time, leaf by leaf."""
    return uturns_figure(hierarchy_uturns(state_from_store(data, t)))
