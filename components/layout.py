"""The frame around every page: a responsive Mantine AppShell.

Header: brand, one link per page, the presets menu (on a phone: a burger).  Navbar: the shared
control panel (on a phone: a drawer the burger opens, with the page links above the controls).
Main: the notices, the teaching toolbar, a preset's caption, and the page with a lesson's step beside it.
Colors and sizes come from ``components.theme``.
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from components import ids
from components.controls import browser_declaration, control_panel
from components.presets import preset_menu
from components.recorder import recorder
from components.state import default_state, without_time
from components.teaching import preset_caption_area, stage_bar, toolbar
from components.theme import FIGURE_THEME, HEADER_HEIGHT, MANTINE_THEME, PANEL_WIDTH, PHONE_BREAKPOINT
from components.tour import tour_panel


def page_links(where: str) -> list:
    """One link per registered page; hrefs carry the state (assets/state.js, ``links``)."""
    return [dcc.Link(page["name"], href=page["path"], className="nav-link",
                     id={"type": ids.NAV_LINK, "path": page["path"], "where": where})
            for page in dash.page_registry.values() if page.get("nav", True)]


def header() -> dmc.Group:
    """Burger (phone), brand, page links (wider screens), presets."""
    return dmc.Group([
        dmc.Burger(id=ids.BURGER, hiddenFrom=PHONE_BREAKPOINT, size="sm", color="white",
                   **{"aria-label": "controls and pages"}),
        html.Span([html.Span("Diffusion Thermodynamics Lab", className="brand-long"),
                   html.Span("DT Lab", className="brand-short")], className="brand",
                  title="Diffusion Thermodynamics Lab"),
        dmc.Group(page_links("header"), gap="sm", visibleFrom=PHONE_BREAKPOINT, className="nav-links"),
        preset_menu(),
    ], h="100%", px="md", gap="md", wrap="nowrap", className="navbar")


def app_layout() -> dmc.MantineProvider:
    """The whole app: location, stores, and the shell."""
    return dmc.MantineProvider(id=ids.THEME, theme=MANTINE_THEME, forceColorScheme="light", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE, data=without_time(default_state())),
        dcc.Store(id=ids.TIME, data=default_state().t),
        dcc.Store(id=ids.TIME_SET, data=default_state().t),
        dcc.Store(id=ids.SCHEMA, data=browser_declaration()),
        dcc.Store(id=ids.FIGURE_THEME, data=FIGURE_THEME),
        recorder(),
        dmc.AppShell([
            dmc.AppShellHeader(header()),
            dmc.AppShellNavbar([
                dmc.Stack(page_links("drawer"), gap=4, hiddenFrom=PHONE_BREAKPOINT, className="drawer-links"),
                control_panel(),
            ], className="drawer"),
            dmc.AppShellMain([
                html.Div(id=ids.NOTICE, className="notice", role="status"),
                html.Div(id=ids.SERVER_NOTICE, className="notice", role="status"),
                html.Div(id=ids.JOB_NOTICE, className="notice", role="alert"),
                stage_bar(), toolbar(), preset_caption_area(),
                html.Div([html.Div(dash.page_container, className="lesson-page"), tour_panel()],
                         className="lesson-layout"),
            ], className="page"),
        ], id=ids.SHELL, header={"height": HEADER_HEIGHT}, padding="md",
            navbar={"width": PANEL_WIDTH, "breakpoint": PHONE_BREAKPOINT, "collapsed": {"mobile": True}}),
    ])


# The burger opens the drawer; going to another page closes it (the phone shows the page).
clientside_callback(ClientsideFunction("shell", "drawer"), Output(ids.SHELL, "navbar"),
                    Input(ids.BURGER, "opened"), State(ids.SHELL, "navbar"))
clientside_callback(ClientsideFunction("shell", "closeOnNavigation"), Output(ids.BURGER, "opened"),
                    Input(ids.URL, "pathname"), prevent_initial_call=True)
