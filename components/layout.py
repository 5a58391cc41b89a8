"""The frame around every page: navigation bar, the shared control panel, the notice area."""
from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.controls import control_panel, page_controls
from components.presets import preset_menu
from components.state import browser_schema, default_state, without_time
from components.teaching import preset_caption_area, toolbar


def navbar() -> html.Nav:
    """Brand and one link per registered page (hrefs carry the state: ``carry_state_in_links``)."""
    links = [dcc.Link(page["name"], href=page["path"], className="nav-link",
                      id={"type": ids.NAV_LINK, "path": page["path"]})
             for page in dash.page_registry.values() if page.get("nav", True)]
    return html.Nav([html.Span("Diffusion Thermodynamics Lab", className="brand"), *links, preset_menu()],
                    className="navbar")


def app_layout() -> html.Div:
    """The whole app: location, state store, navigation, controls beside the page."""
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE, data=without_time(default_state())),
        dcc.Store(id=ids.TIME, data=default_state()["t"]),
        dcc.Store(id=ids.TIME_SET, data=default_state()["t"]),
        dcc.Store(id=ids.SCHEMA, data={**browser_schema(), "pages": page_controls()}),
        navbar(),
        html.Div(id=ids.NOTICE, className="notice", role="status"),
        html.Div(id=ids.SERVER_NOTICE, className="notice", role="status"),
        html.Div([control_panel(), html.Main([toolbar(), preset_caption_area(), dash.page_container],
                                             className="page")], className="body"),
    ])
