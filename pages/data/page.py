"""Data: draw points, upload a dataset, or pick handwritten digits — a target for every page."""
import base64

import dash
import numpy as np
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.plotting import image_sheet_figure
from components.state import parse_state, state_from_store, state_query, target_of
from components.userdata import store_dataset
from core.datasets import (
    INLINE_MAX_POINTS,
    UPLOAD_MAX_BYTES,
    DataError,
    check_upload_size,
    digits_points,
    encode_inline,
    parse_upload,
    points_csv,
)
from pages.data._figures import canvas_figure
from pages.data._model import digits_table

dash.register_page(__name__, path="/data", name="Data", title="Your data", order=7, controls=("t",))

PRESETS = {
    "two": ([[1.0, 0.0], [-1.0, 0.0]], [1.0, 1.0]),
    "ring": ([[np.cos(a), np.sin(a)] for a in 2 * np.pi * np.arange(8) / 8], [1.0] * 8),
    "clusters": ([[1 + 0.15 * np.cos(a), 0.6 + 0.15 * np.sin(a)] for a in 2 * np.pi * np.arange(5) / 5]
                 + [[-1 + 0.15 * np.cos(a), -0.6 + 0.15 * np.sin(a)] for a in 2 * np.pi * np.arange(5) / 5],
                 [1.0] * 10),
}
#: A click closer than this to a point removes it.
PICK = 0.08


def layout(**_query):
    return html.Div([
        html.H1("Your data as the target"),
        dcc.Markdown(f"""Any set of points can be the target of every page. **Draw** in 2-D (click to add, click a
point to remove, set the weight of new points), **upload** a CSV or NumPy `.npy` file (rows = points, columns =
dimensions; a CSV may end with a column named `weight`), or take **handwritten digits** from scikit-learn's bundled
set. A drawn set of up to {INLINE_MAX_POINTS} points travels inside the link itself; an upload is kept on this server
under the hash of its content, and a link carries that hash (it works on this server while the upload is kept, a week
by default).""",
                     className="explain"),
        html.H2("Draw"),
        html.Div([
            html.Button("Two deltas", id="data-preset-two", n_clicks=0),
            html.Button("Ring", id="data-preset-ring", n_clicks=0),
            html.Button("Clusters", id="data-preset-clusters", n_clicks=0),
            html.Button("Clear", id="data-clear", n_clicks=0),
            html.Label(["weight of new points ", dcc.Input(id="data-weight", type="number", value=1, min=0.01,
                                                           max=100, step="any", className="ctl-number")]),
            html.Button("Use as target", id="data-use-drawn", n_clicks=0, className="primary"),
        ], className="options"),
        dcc.Graph(id="data-canvas", config={"displayModeBar": False}),
        html.H2("Upload"),
        # the component drops a file over max_size without a word: assets/upload.js reports its size
        html.Div(dcc.Upload(html.Div(["Drop a .csv or .npy file here, or ", html.A("choose one")]),
                            id="data-upload", max_size=UPLOAD_MAX_BYTES, className="upload", multiple=False),
                 **{"data-max-bytes": str(UPLOAD_MAX_BYTES), "data-rejected-store": "data-upload-rejected"}),
        dcc.Store(id="data-upload-rejected"),
        html.Div(id="data-upload-message", className="caption", role="status"),
        html.Div([html.Button("Download the current target as CSV", id="data-download-button", n_clicks=0)],
                 className="options"),
        dcc.Download(id="data-download"),
        html.H2("Handwritten digits (scikit-learn, offline)"),
        html.Div([
            dcc.Checklist(id="data-digit-classes", options=[{"label": f" {k}", "value": str(k)} for k in range(10)],
                          value=["0", "1"], inline=True),
            html.Label(["images ", dcc.Input(id="data-digit-n", type="number", value=360, min=2, max=1797, step=1,
                                             className="ctl-number")]),
            html.Button("Use digits as target", id="data-use-digits", n_clicks=0, className="primary"),
        ], className="options"),
        html.Div(id="data-digit-table"),
        dcc.Graph(id="data-digit-sheet", config={"displayModeBar": False}),
        dcc.Store(id="drawn", storage_type="session", data={"points": PRESETS["two"][0], "weights": PRESETS["two"][1]}),
    ])


@callback(Output("drawn", "data"), Input("data-canvas", "clickData"), Input("data-preset-two", "n_clicks"),
          Input("data-preset-ring", "n_clicks"), Input("data-preset-clusters", "n_clicks"),
          Input("data-clear", "n_clicks"), State("data-weight", "value"), State("drawn", "data"),
          prevent_initial_call=True)
def edit_drawing(click, _two, _ring, _clusters, _clear, weight, drawn):
    """Add a point where the canvas is clicked, remove a clicked point, or start from a preset."""
    points, weights = _drawn(drawn)
    trigger = ctx.triggered_id
    if trigger == "data-clear":
        return {"points": [], "weights": []}
    if isinstance(trigger, str) and trigger.startswith("data-preset-"):
        pts, w = PRESETS[trigger.removeprefix("data-preset-")]
        return {"points": [list(map(float, p)) for p in pts], "weights": list(w)}
    try:
        x, y = float(click["points"][0]["x"]), float(click["points"][0]["y"])
    except (TypeError, KeyError, IndexError, ValueError):
        return no_update
    if not (np.isfinite(x) and np.isfinite(y)):
        return no_update
    if points:
        dist = np.hypot(np.array(points)[:, 0] - x, np.array(points)[:, 1] - y)
        if dist.min() < PICK:
            k = int(np.argmin(dist))
            return {"points": points[:k] + points[k + 1:], "weights": weights[:k] + weights[k + 1:]}
    if len(points) >= INLINE_MAX_POINTS:
        return no_update
    w = float(weight) if isinstance(weight, (int, float)) and 0 < weight <= 100 else 1.0
    return {"points": points + [[round(x, 3), round(y, 3)]], "weights": weights + [w]}


def _drawn(drawn):
    """The drawn set from the session store, or nothing if it was tampered with."""
    try:
        points = [[float(a), float(b)] for a, b in drawn["points"]]
        weights = [float(w) for w in drawn["weights"]]
        return (points, weights) if len(points) == len(weights) else ([], [])
    except (TypeError, KeyError, ValueError):
        return [], []


@callback(Output("data-canvas", "figure"), Input("drawn", "data"))
def render_canvas(drawn):
    return canvas_figure(*_drawn(drawn))


@callback(Output(ids.URL, "search", allow_duplicate=True), Output("data-upload-message", "children",
                                                                  allow_duplicate=True),
          Input("data-use-drawn", "n_clicks"), State("drawn", "data"), State(ids.STATE, "data"),
          State(ids.TIME, "data"), prevent_initial_call=True)
def use_drawing(n_clicks, drawn, data, t):
    """The drawn set becomes the custom target of every page (carried inside the link)."""
    if not n_clicks:
        return no_update, no_update
    points, weights = _drawn(drawn)
    try:
        pts = encode_inline(points, weights)
    except DataError as err:
        return no_update, f"Cannot use the drawing: {err}."
    state, _ = parse_state({**state_from_store(data, t).raw(), "target": "custom", "pts": pts})
    return state_query(state), _now_target(f"your {len(points)} drawn point(s)", state)


def _now_target(what, state):
    pages = (("/landscape", "Landscape"), ("/bifurcation", "Bifurcation"), ("/particles", "Particles"),
             ("/entropy", "Entropy"), ("/memorization", "Memorization"))
    links = [dcc.Link(name, href=path + state_query(state), className="inline-link") for path, name in pages]
    return [f"The target of every page is now {what}. Open: ", *sum(([link, " "] for link in links), [])]


@callback(Output(ids.URL, "search", allow_duplicate=True), Output("data-upload-message", "children"),
          Input("data-upload", "contents"), State("data-upload", "filename"), State(ids.STATE, "data"),
          State(ids.TIME, "data"), prevent_initial_call=True)
def upload(contents, filename, data, t):
    """Validate an upload in memory, keep it under its content hash, make it the target."""
    if contents is None:
        return no_update, no_update
    try:
        points, weights = parse_upload(filename if isinstance(filename, str) else "", _decode(contents))
    except DataError as err:
        return no_update, f"Upload refused: {err}. Nothing was changed."
    key = store_dataset(points, weights)
    state, _ = parse_state({**state_from_store(data, t).raw(), "target": "custom", "pts": "@" + key})
    return state_query(state), _now_target(f"the {points.shape[0]:,} uploaded points in {points.shape[1]} "
                                           f"dimensions (kept as {key})", state)


@callback(Output("data-upload-message", "children", allow_duplicate=True), Input("data-upload-rejected", "data"),
          prevent_initial_call=True)
def upload_too_large(rejected):
    """A file the browser would not read (over the size limit): its name, its size and the limit."""
    if not isinstance(rejected, dict):
        return no_update
    size, name = rejected.get("size"), str(rejected.get("name", "the file"))[:120]
    try:
        check_upload_size(int(size))
    except DataError as err:
        return f"Upload refused ({name}): {err}. Nothing was changed."
    except (TypeError, ValueError):
        return no_update
    return no_update


def _decode(contents) -> bytes:
    """The bytes of a dcc.Upload 'data:...;base64,...' string (size checked before decoding)."""
    if not isinstance(contents, str) or "," not in contents:
        raise DataError("the upload did not arrive as a file")
    encoded = contents.split(",", 1)[1]
    check_upload_size(len(encoded) * 3 // 4)
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:
        raise DataError("the upload is not valid base64") from None


@callback(Output("data-download", "data"), Input("data-download-button", "n_clicks"), State(ids.STATE, "data"),
          State(ids.TIME, "data"), prevent_initial_call=True)
def download_target(_n, data, t):
    """The current target's points and weights as CSV (a continuous law: 2,000 samples of it)."""
    state = state_from_store(data, t)
    target = target_of(state)
    if target.is_discrete:
        points, weights, what = target.data.points, target.data.weights, "its points"
    else:
        points = target.sample(2_000, np.random.default_rng(state.seed))
        weights, what = np.full(len(points), 1 / len(points)), "2,000 samples of the continuous law"
    text = points_csv(points, weights, [f"Diffusion Thermodynamics Lab target {target.name}: {what}",
                                        f"link parameters: {state_query(state)}"])
    return {"content": text, "filename": f"dtlab_target_{state.target}.csv", "type": "text/csv"}


def digits_table_view(chosen: str, n: int, seed: int) -> html.Div:
    """The table in the spirit of Biroli et al. 2024 Table 1, and why a large-Λ time can be negative."""
    found = digits_table(chosen, n, seed)
    rows = [html.Tr([html.Td(row.label), html.Td(f"{row.n:,}"), html.Td(str(row.d)), html.Td(f"{row.lam:.3g}"),
                     html.Td(f"{row.t_s:.3g}"), html.Td(f"{row.t_s_large_lambda:.3g}")])
            for row in found]
    heads = ("classes", "n", "d", "Λ", "t_s = ½ log(1 + Λ) (VP, a²Λ = b²; every page)",
             "Biroli et al. 2024's ½ log Λ (Λ ≫ 1)")
    table = html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)], className="data-table")
    note = None
    if any(row.lam < 1 for row in found):
        note = html.P(
            "Where Λ < 1, ½ log Λ is negative: it is the large-Λ form of a²Λ = b² (e^{2t} = 1 + Λ under VP), "
            "not a time. Every page uses t_s = ½ log(1 + Λ), which is always positive.", className="target-note")
    return html.Div([table, note])


@callback(Output("data-digit-table", "children"), Output("data-digit-sheet", "figure"),
          Output(ids.URL, "search", allow_duplicate=True),
          Input("data-digit-classes", "value"), Input("data-digit-n", "value"), Input("data-use-digits", "n_clicks"),
          State(ids.STATE, "data"), State(ids.TIME, "data"), prevent_initial_call="initial_duplicate")
def digits_panel(classes, n, use_clicks, data, t):
    """Sample images and a table in the spirit of Biroli et al. 2024 Table 1: classes, n, d, Λ, t_s (both forms)."""
    ticked = classes if isinstance(classes, list) else []          # a hand-made request may send anything
    chosen = "".join(sorted({c for c in ticked if isinstance(c, str) and c.isdigit()}))
    n = int(n) if isinstance(n, (int, float)) and np.isfinite(n) else 360
    state = state_from_store(data, t)
    table = digits_table_view(chosen, n, state.seed)
    images, labels = digits_points(chosen if len(chosen) >= 2 else "01", 24, state.seed)
    sheet = image_sheet_figure(images, labels, title="24 of the chosen images (pixels scaled to [0, 1])")
    if ctx.triggered_id != "data-use-digits" or not use_clicks or len(chosen) < 2:
        return table, sheet, no_update
    new, _ = parse_state({**state.raw(), "target": "digits", "cls": chosen, "n": max(2, n)})
    return table, sheet, state_query(new)
