"""Teaching toolbar on every page: lecture mode, theme, copy link, PNG/SVG/CSV export (issue 9).

The work happens in the browser (``assets/teaching.js``): images come from Plotly.downloadImage at
slide size, the CSV from the arrays plotly holds, lecture mode restyles every figure.  The server
only puts a preset's caption above the page.
"""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html

from components import ids
from components.presets import preset_of

SLIDE_WIDTH = 1920


def toolbar() -> html.Div:
    """Buttons above every page; keyboard: space plays/pauses, ←/→ step t by a fifth of a decade
    (``components.theme``; on the focused slider they step 0.01 decade)."""
    return html.Div([
        html.Button("Lecture mode", id="lecture-toggle", n_clicks=0, title="large fonts, thick lines, "
                    "no controls; also ?lecture=1 in the URL; Esc leaves"),
        html.Button("Dark", id="theme-toggle", n_clicks=0, title="dark or light theme; also ?theme=dark"),
        html.Button("Copy link", id="copy-link", n_clicks=0, title="the URL of exactly this view"),
        html.Button("PNG", id="export-png", n_clicks=0, title=f"every figure, {SLIDE_WIDTH} px wide"),
        html.Button("SVG", id="export-svg", n_clicks=0, title="every figure as vector graphics"),
        html.Button("CSV", id="export-csv", n_clicks=0, title="the data behind every figure"),
        html.Button("+ Step", id="record-step", n_clicks=0, title="add this view as a step of a lesson you write"),
        html.Span(id="toolbar-status", role="status", className="toolbar-status"),
    ], id="toolbar", className="toolbar")


def stage_bar() -> html.Div:
    """Lecture mode's bar (shown only there, assets/teaching.js): the page's title, a large t, buttons for what
    the keys do (←/→ step t), the controls folded away (they open over the page), the theme and the way out."""
    return html.Div([
        html.Span(id="stage-title", className="stage-title"),
        html.Span(id="stage-time", className="stage-time", role="status"),
        html.Button("◀", id="stage-earlier", title="earlier t (←)", **{"aria-label": "earlier t"}),
        html.Button("▶", id="stage-later", title="later t (→)", **{"aria-label": "later t"}),
        html.Button("Controls", id="stage-controls", title="open or fold the control panel"),
        html.Button("Light / dark", id="stage-theme", title="the other theme"),
        html.Button("Leave lecture mode", id="stage-exit", title="also Esc"),
    ], id="stage-bar", className="stage-bar")


def preset_caption_area() -> html.Div:
    return html.Div(id="preset-caption", className="preset-caption")


@callback(Output("preset-caption", "children"), Input(ids.URL, "search"))
def show_preset_caption(search):
    """The caption of the preset named in the URL (gone once a control rewrites the URL)."""
    preset = preset_of(search if isinstance(search, str) else None)
    if preset is None:
        return None
    return [html.Strong(preset.title + ". "), preset.caption]


clientside_callback(ClientsideFunction("teaching", "mode"), Output("toolbar", "data-mode"),
                    Output(ids.THEME, "forceColorScheme"),
                    Input("lecture-toggle", "n_clicks"), Input("theme-toggle", "n_clicks"), Input(ids.URL, "search"),
                    State(ids.FIGURE_THEME, "data"))
clientside_callback(ClientsideFunction("teaching", "stageTime"), Output("stage-time", "children"),
                    Input(ids.TIME, "data"))
clientside_callback(ClientsideFunction("teaching", "copyLink"), Output("toolbar-status", "children"),
                    Input("copy-link", "n_clicks"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("teaching", "exportFigures"), Output("export-png", "data-done"),
                    Output("toolbar-status", "children", allow_duplicate=True),
                    Input("export-png", "n_clicks"), Input("export-svg", "n_clicks"), Input("export-csv", "n_clicks"),
                    prevent_initial_call=True)
