"""The control panel every page shares, and the callbacks that keep it in the URL.

One circular callback joins ``url.search`` and the controls: a new URL (a pasted link, the
back button) sets the controls; a control change writes the URL.  Both go through
``parse_state``, so the validated state in the ``lab-state`` store is all a page reads.
"""
from __future__ import annotations

import math

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.state import (
    FIELDS,
    PAGE_FIELDS,
    SHAPE_FIELDS,
    default_state,
    parse_query,
    parse_state,
    state_query,
)
from core import limits
from core.targets import SPECS, target_defaults

LOG_T_MIN, LOG_T_MAX = math.log10(limits.T_MIN), math.log10(limits.T_MAX)
#: Controls a page shows when it does not list its own (``register_page(..., controls=...)``).
ALL_CONTROLS = ("target", "t", "process", "sigma") + SHAPE_FIELDS
#: State fields edited by one control each (t has two: the log slider and the typed box).
EDITABLE = ("process", "sigma") + SHAPE_FIELDS + PAGE_FIELDS
_ORDER = ("target", "t", "process", "sigma", "d", "n", "r", "pw", "sc", "dd", "cls", "pts", "seed", "h",
          "spins", "J", "temp", "K", "w")


def _row(name, label, control, help_text=""):
    return html.Div([html.Label(label, htmlFor=ids.CONTROL.get(name), title=help_text), control],
                    id={"type": ids.CONTROL_ROW, "name": name}, className="ctl-row")


def _number(name, step):
    _, default, low, high, _ = FIELDS[name]
    return dcc.Input(id=ids.CONTROL[name], type="number", value=default, min=low, max=high,
                     step=step, debounce=True, className="ctl-number")


def control_panel() -> html.Div:
    """The shared controls (values are set from the URL by ``sync_state``)."""
    state = default_state()
    marks = {k: (f"{10.0**k:g}") for k in range(int(LOG_T_MIN), int(LOG_T_MAX) + 1)}
    rows = {
        "target": _row("target", "Target", dcc.Dropdown(
            id=ids.CONTROL["target"], options=[{"label": s.name, "value": k} for k, s in SPECS.items()],
            value=state["target"], clearable=False, searchable=False)),
        "t": _row("t", "Time t", html.Div([
            dcc.Slider(id=ids.LOG_T, min=LOG_T_MIN, max=LOG_T_MAX, step=0.01,
                       value=math.log10(state["t"]), marks=marks, allow_direct_input=False,
                       updatemode="drag", tooltip={"always_visible": False}),
            dcc.Input(id=ids.T_INPUT, type="number", value=state["t"], min=limits.T_MIN,
                      max=limits.T_MAX, step="any", debounce=True, className="ctl-number"),
        ], className="ctl-time"), "diffusion time (log scale); type a value in the box"),
        "process": _row("process", "Process", dcc.RadioItems(
            id=ids.CONTROL["process"], options=[{"label": " VE", "value": "VE"},
                                                {"label": " VP", "value": "VP"}],
            value=state["process"], inline=True)),
        "sigma": _row("sigma", "σ (VE)", _number("sigma", "any")),
        "d": _row("d", "Dimension d", _number("d", 1)),
        "n": _row("n", "Samples n (K)", _number("n", 1)),
        "r": _row("r", "Scale r (μ̃, h)", _number("r", "any")),
        "pw": _row("pw", "Weight π₊", _number("pw", "any")),
        "sc": _row("sc", "Width σ_c", _number("sc", "any")),
        "dd": _row("dd", "D_data", _number("dd", 1)),
        "seed": _row("seed", "Seed", _number("seed", 1)),
        "cls": _row("cls", "Digit classes", dcc.Input(id=ids.CONTROL["cls"], type="text", value="01", debounce=True,
                                                      className="ctl-number"), "two or more of 0–9, e.g. 017"),
        "pts": _row("pts", "Points", dcc.Input(id=ids.CONTROL["pts"], type="text", value=FIELDS["pts"][1],
                                               debounce=True, className="ctl-number"),
                    "edited on the Data page"),
        "h": _row("h", "Probe field h", _number("h", "any"), "field along the symmetry axis"),
        "spins": _row("spins", "Spins d", _number("spins", 1), "enumerated up to 16, closed form above"),
        "J": _row("J", "Coupling J", _number("J", "any"), "Curie–Weiss W_jk = −J/d"),
        "temp": _row("temp", "Ising T", _number("temp", "any"), "temperature of the target; T_c = J"),
        "K": _row("K", "Replicas K", _number("K", 1), "sites of the generative bath"),
        "w": _row("w", "Bath coupling w", _number("w", "any"), "all-to-all coupling w/K; T_c = w"),
    }
    return html.Div([html.H2("Controls"), *[rows[k] for k in _ORDER],
                     html.P(id="target-note", className="target-note")],
                    id=ids.PANEL, className="control-panel")


_CONTROL_INPUTS = [Input(ids.CONTROL["target"], "value"), Input(ids.LOG_T, "value"),
                   Input(ids.T_INPUT, "value")] + [
    Input(ids.CONTROL[k], "value") for k in EDITABLE]
_CONTROL_OUTPUTS = [Output(ids.CONTROL["target"], "value"), Output(ids.LOG_T, "value"),
                    Output(ids.T_INPUT, "value")] + [
    Output(ids.CONTROL[k], "value") for k in EDITABLE]


@callback(Output(ids.URL, "search"), *_CONTROL_OUTPUTS, Output(ids.STATE, "data"),
          Output(ids.NOTICE, "children"),
          Input(ids.URL, "search"), *_CONTROL_INPUTS, State(ids.STATE, "data"))
def sync_state(search, target, log_t, t, process, sigma, *rest):
    """URL ⇄ controls.  Returns the URL, every control value, the state and the notices."""
    return resolve_state(ctx.triggered_id, search, target, log_t, t, process, sigma, *rest)


def resolve_state(trigger, search, target, log_t, t, process, sigma, *rest):
    """``sync_state`` for an explicit trigger id (None or the URL: read the query string)."""
    *shape, current = rest
    if trigger in (None, ids.URL):
        raw, notices = parse_query(search)
        state, more = parse_state(raw)
        url = no_update
    else:
        raw = dict(zip(("target",) + EDITABLE, (target, process, sigma, *shape), strict=True))
        raw["t"] = _t_from_slider(log_t) if trigger == ids.LOG_T else t
        if trigger == ids.CONTROL["target"] and target in SPECS:
            raw.update({k: v for k, v in target_defaults(target).items() if k in SHAPE_FIELDS})
        base, _ = parse_state(current if isinstance(current, dict) else None)
        notices = []
        state, more = parse_state(raw, base=base)
        url = state_query(state)
    values = [state["target"], math.log10(state["t"]), state["t"]] + [
        state[k] for k in EDITABLE]
    return (url, *values, state, _notice(notices + more))


def _t_from_slider(log_t):
    try:
        return 10.0 ** float(log_t)
    except (TypeError, ValueError, OverflowError):
        return None


def _notice(notices):
    if not notices:
        return None
    return [html.Strong("Some values were adjusted: "), " ".join(notices)]


@callback(Output({"type": ids.CONTROL_ROW, "name": ALL}, "style"), Output(ids.PANEL, "style"),
          Output("target-note", "children"),
          Input(ids.URL, "pathname"), Input(ids.STATE, "data"))
def show_relevant_controls(pathname, state):
    """Show the controls the page lists and its target uses; hide the panel on pages without.

    A page registered with ``own_target=True`` (its own model, VE only) shows exactly its list."""
    state, _ = parse_state(state if isinstance(state, dict) else None)
    page = next((p for p in dash.page_registry.values() if p["path"] == pathname), None) or {}
    wanted = set(page.get("controls", ALL_CONTROLS)) if page else set()
    own = page.get("own_target", False)
    spec = SPECS[state["target"]]
    shown = []
    for name in ids.requested_ids("name", ctx.outputs_list[0]):
        visible = name in wanted and (own or name not in SHAPE_FIELDS or name in spec.uses)
        visible = visible and (own or name != "sigma" or state["process"] == "VE")
        shown.append(None if visible else {"display": "none"})
    panel = None if wanted else {"display": "none"}
    return shown, panel, None if own else spec.note


@callback(Output({"type": ids.NAV_LINK, "path": ALL}, "href"), Input(ids.URL, "search"))
def carry_state_in_links(search):
    """Navigation links keep the query string, so moving between pages keeps the state."""
    state, _ = parse_state(parse_query(search)[0])
    return [(path or "/") + state_query(state) for path in ids.requested_ids("path", ctx.outputs_list)]
