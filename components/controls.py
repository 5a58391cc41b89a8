"""The control panel every page shares, and the callbacks that keep it in the URL.

One circular clientside callback (assets/state.js) joins ``url.search``, the controls and the
stores: a new URL (a pasted link, the back button) sets the controls; a control change writes the
URL; a time move only touches ``lab-time`` (live) and ``lab-time-set`` (released or typed), so it
costs no server request.  The browser validates as ``parse_state`` does; the server validates again
every state it computes from (``state_from_store``) and says what it changed (``confirm_state``).
"""
from __future__ import annotations

import math

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from components import ids
from components.cache import sharing_notice
from components.state import FIELDS, SHAPE_FIELDS, browser_schema, default_state, parse_state
from core import limits
from core.guidance_schedules import BAND_LOW, SCHEDULE_LABELS
from core.image_sets import SIDES as IMAGE_SIDES
from core.targets import SPECS

LOG_T_MIN, LOG_T_MAX = math.log10(limits.T_MIN), math.log10(limits.T_MAX)
#: Controls a page shows when it does not list its own (``register_page(..., controls=...)``).
ALL_CONTROLS = ("target", "t", "process", "sigma") + SHAPE_FIELDS
#: The panel's rows, in order: a state field each (t has two controls: the log slider and the typed box).
PANEL_ROWS = ("target", "t", "process", "sigma", "d", "n", "r", "pw", "sc", "dd", "cls", "side", "pts", "seed", "h",
              "gc", "gw", "gs", "gn", "spins", "J", "temp", "K", "w")
#: Fields edited by one panel control each; the other fields (but t) are a page's own settings (``page_control``).
PANEL = tuple(k for k in PANEL_ROWS if k != "t")
PAGE_OWN = tuple(k for k in FIELDS if k not in PANEL_ROWS)


def page_control(key: str, control, query: dict, **props):
    """A page's own setting that is a state field (the particles' count, the training width…): a control of
    class ``control`` whose id names the field, so that the URL sync (assets/state.js) reads and sets it.
    ``query`` is what the page's layout received from the link: the control starts at the link's value (a
    control that appeared at its default would read as a change and overwrite the link)."""
    if key not in PAGE_OWN:
        raise ValueError(f"{key} is not a page's own field: declare it in components/state.py")
    value = getattr(parse_state({key: query.get(key)})[0], FIELDS[key].name)
    return control(id={"type": ids.PAGE_CONTROL, "name": key}, value=value, **props)


def _row(name, label, control, help_text=""):
    return html.Div([html.Label(label, htmlFor=ids.CONTROL.get(name), title=help_text), control],
                    id={"type": ids.CONTROL_ROW, "name": name}, className="ctl-row")


def _number(name, step):
    """A number box.  No min/max: the browser sends NaN for a value outside them, which read as 'not a
    number'; the state's rule clamps it and says to what (issue 28)."""
    return dcc.Input(id=ids.CONTROL[name], type="number", value=FIELDS[name].default, step=step, debounce=True,
                     className="ctl-number")


def control_panel() -> html.Div:
    """The shared controls (values are set from the URL by ``sync_state``)."""
    state = default_state()
    marks = {k: (f"{10.0**k:g}") for k in range(int(LOG_T_MIN), int(LOG_T_MAX) + 1)}
    rows = {
        "target": _row("target", "Target", dcc.Dropdown(
            id=ids.CONTROL["target"], options=[{"label": s.name, "value": k} for k, s in SPECS.items()],
            value=state.target, clearable=False, searchable=False)),
        "t": _row("t", "Time t", html.Div([
            dcc.Slider(id=ids.LOG_T, min=LOG_T_MIN, max=LOG_T_MAX, step=0.01,
                       value=math.log10(state.t), marks=marks, allow_direct_input=False,
                       updatemode="mouseup",
                       # below the slider: above it, the tooltip stayed over the Target box
                       tooltip={"always_visible": False, "transform": "timeOfSlider", "template": "t = {value}",
                                "placement": "bottom"}),
            # no min/max: the browser would send NaN for 500 or 0 ("not a number"); the state's rule
            # clamps a typed t and says so (assets/state.js coerce, components/state.py _coerce)
            dcc.Input(id=ids.T_INPUT, type="number", value=state.t, step="any", debounce=True,
                      className="ctl-number"),
        ], className="ctl-time"), "diffusion time (log scale); type a value in the box"),
        "process": _row("process", "Process", dcc.RadioItems(
            id=ids.CONTROL["process"], options=[{"label": " VE", "value": "VE"}, {"label": " VP", "value": "VP"},
                                                {"label": " FM", "value": "FM"}],
            value=state.process, inline=True),
            "VE: Brownian (σ²t); VP: Ornstein–Uhlenbeck; FM: flow matching's x_t = (1 − t)y + tz"),
        "sigma": _row("sigma", "σ (VE)", _number("sigma", "any")),
        "d": _row("d", "Dimension d", _number("d", 1)),
        "n": _row("n", "Samples n (K)", _number("n", 1)),
        "r": _row("r", "Scale r (μ̃, h)", _number("r", "any")),
        "pw": _row("pw", "Weight π₊", _number("pw", "any")),
        "sc": _row("sc", "Width σ_c", _number("sc", "any")),
        "dd": _row("dd", "D_data", _number("dd", 1)),
        "seed": _row("seed", "Seed", _number("seed", 1)),
        "cls": _row("cls", "Classes", dcc.Input(id=ids.CONTROL["cls"], type="text", value="01", debounce=True,
                                                className="ctl-number"),
                    "two or more of 0–9, e.g. 017 (digits; the image sets' classes are listed below the panel)"),
        "side": _row("side", "Image side", dcc.Dropdown(
            id=ids.CONTROL["side"], options=[{"label": f"{k} × {k} (d = {k * k:,})", "value": k} for k in IMAGE_SIDES],
            value=FIELDS["side"].default, clearable=False, searchable=False),
            "28 × 28 as the set comes, or zero-padded to 32 × 32 (Biroli et al. 2024's MNIST)"),
        "pts": _row("pts", "Points", dcc.Input(id=ids.CONTROL["pts"], type="text", value=FIELDS["pts"].default,
                                               debounce=True, className="ctl-number"),
                    "edited on the Data page"),
        "h": _row("h", "Probe field h", _number("h", "any"), "field along the symmetry axis"),
        "spins": _row("spins", "Spins d", _number("spins", 1), "enumerated up to 16, closed form above"),
        "J": _row("J", "Coupling J", _number("J", "any"), "Curie–Weiss W_jk = −J/d"),
        "temp": _row("temp", "Ising T", _number("temp", "any"), "temperature of the target; T_c = J"),
        "K": _row("K", "Replicas K", _number("K", 1), "sites of the generative bath"),
        "w": _row("w", "Bath coupling w", _number("w", "any"), "all-to-all coupling w/K; T_c = w"),
        "gc": _row("gc", "Guide to", dcc.Dropdown(id=ids.CONTROL["gc"], options=[{"label": "none (unguided)",
                                                                                   "value": "none"}],
                                                  value="none", clearable=False, searchable=False),
                   "classifier-free guidance toward a class (science.md §9)"),
        "gw": _row("gw", "Guidance w", dcc.Slider(
            id=ids.CONTROL["gw"], min=FIELDS["gw"].low, max=FIELDS["gw"].high, step=0.1, value=FIELDS["gw"].default,
            marks={k: f"{k:g}".replace("-", "−") for k in (-1, 0, 2, 4, 6, 8, 10)}, updatemode="mouseup",
            tooltip={"always_visible": False, "placement": "bottom"}),
                   "s_w = (1 + w)·score(x|c) − w·score(x): −1 unconditional, 0 the class, > 0 guided"),
        "gs": _row("gs", "Guidance w(t)", dcc.Dropdown(
            id=ids.CONTROL["gs"],
            options=[{"label": SCHEDULE_LABELS[k], "value": k} for k in FIELDS["gs"].low],
            value=FIELDS["gs"].default, clearable=False, searchable=False),
                   "when guidance acts, by the noise level s² against Λ (s² = Λ: speciation)"),
        "gn": _row("gn", "Window's w", dcc.Slider(
            id=ids.CONTROL["gn"], min=FIELDS["gn"].low, max=FIELDS["gn"].high, step=0.05, value=FIELDS["gn"].default,
            marks={k: f"{k:g}".replace("-", "−") for k in (-1, -0.5, 0)}, updatemode="mouseup",
            tooltip={"always_visible": False, "placement": "bottom"}),
                   f"negative guidance for {BAND_LOW:g}Λ ≤ s² < Λ, after speciation"),
    }
    return html.Div([html.H2("Controls"), *[rows[k] for k in PANEL_ROWS],
                     html.P(id="target-note", className="target-note")],
                    id=ids.PANEL, className="control-panel")


def browser_declaration() -> dict:
    """What the ``lab-schema`` store holds: the state's declaration (components.state.browser_schema), the
    panel's controls in the order the sync callback lists them, and each page's controls."""
    return {**browser_schema(), "panel": list(PANEL), "pages": page_controls()}


def page_controls() -> dict:
    """Path → the controls a page shows (``register_page(..., controls=...)``) and whether it has its own
    target (``own_target=True``: exactly its list, whatever the target uses)."""
    return {page["path"]: {"controls": list(page.get("controls", ALL_CONTROLS)), "own": page.get("own_target", False)}
            for page in dash.page_registry.values()}


# The browser keeps URL, controls and state in step (assets/state.js sync: the panel's controls in PANEL's
# order, which the schema publishes, then the page's own controls as one pattern-matching list).
_PAGE_CONTROLS = {"type": ids.PAGE_CONTROL, "name": ALL}
clientside_callback(
    ClientsideFunction("lab", "sync"),
    Output(ids.URL, "search"), Output(ids.LOG_T, "value"), Output(ids.T_INPUT, "value"),
    *[Output(ids.CONTROL[k], "value") for k in PANEL], Output(_PAGE_CONTROLS, "value"),
    Output(ids.STATE, "data"), Output(ids.TIME, "data"), Output(ids.TIME_SET, "data"), Output(ids.NOTICE, "children"),
    Input(ids.URL, "search"), Input(ids.LOG_T, "drag_value"), Input(ids.LOG_T, "value"), Input(ids.T_INPUT, "value"),
    *[Input(ids.CONTROL[k], "value") for k in PANEL], Input(_PAGE_CONTROLS, "value"),
    State(ids.STATE, "data"), State(ids.TIME, "data"), State(ids.SCHEMA, "data"))


@callback(Output(ids.SERVER_NOTICE, "children"), Output(ids.JOB_NOTICE, "children"), Input(ids.STATE, "data"))
def confirm_state(data):
    """The server's own validation of the state the browser sent (every computation validates it again):
    what the browser could not check (a drawn point set) or a hand-made request changed is said here — and
    whether the shared result cache is reachable (components.cache).  A new state clears the last job failure."""
    raw = {k: v for k, v in data.items() if k in FIELDS} if isinstance(data, dict) else {}
    _, notices = parse_state(raw)
    said = [html.Div([html.Strong("The server adjusted: "), " ".join(notices)])] if notices else []
    sharing = sharing_notice()
    if sharing:
        said.append(html.Div([html.Strong("Sharing is off: "), sharing]))
    return said or None, None


clientside_callback(ClientsideFunction("lab", "controls"),
                    Output({"type": ids.CONTROL_ROW, "name": ALL}, "style"), Output(ids.PANEL, "style"),
                    Output("target-note", "children"),
                    Input(ids.URL, "pathname"), Input(ids.STATE, "data"), State(ids.SCHEMA, "data"))
clientside_callback(ClientsideFunction("lab", "classOptions"), Output(ids.CONTROL["gc"], "options"),
                    Input(ids.STATE, "data"), State(ids.SCHEMA, "data"))
clientside_callback(ClientsideFunction("lab", "timeRange"),
                    Output(ids.LOG_T, "max"), Output(ids.LOG_T, "marks"),
                    Input(ids.STATE, "data"), State(ids.SCHEMA, "data"))
clientside_callback(ClientsideFunction("lab", "links"),
                    Output({"type": ids.NAV_LINK, "path": ALL, "where": ALL}, "href"),
                    Input(ids.URL, "search"), Input(ids.TIME, "data"), State(ids.SCHEMA, "data"))
