"""One theme for the shell (Mantine) and the figures (plotly): colors for light and dark, lecture sizes.

``MANTINE_THEME`` goes to ``dmc.MantineProvider``; ``FIGURE_THEME`` goes to the browser (a store
read by ``assets/teaching.js``), which restyles every figure when the theme or lecture mode changes,
so a figure drawn once on the server serves both themes.
"""
from __future__ import annotations

#: Mantine's ``sm`` breakpoint (48em = 768 px): below it the controls go into a drawer.
PHONE_BREAKPOINT = "sm"
HEADER_HEIGHT = 52
PANEL_WIDTH = 290

MANTINE_THEME = {
    "primaryColor": "navy",
    "colors": {"navy": ["#eef3f8", "#d5e0ec", "#aac1d9", "#7c9fc4", "#5683b2", "#3f71a7",
                        "#2f5f93", "#264f7b", "#1d3557", "#132740"]},
    "primaryShade": {"light": 8, "dark": 4},
    "fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif",
    "defaultRadius": "sm",
}

FIGURE_THEME = {
    "light": {"fg": "#222222", "bg": "#ffffff", "grid": "#eeeeee", "zeroline": "#444444", "ink": "#111111"},
    "dark": {"fg": "#e8e8e8", "bg": "#111418", "grid": "#2c323a", "zeroline": "#9aa4b1", "ink": "#f2f2f2"},
    #: lecture mode: font size and least line width (the main figure reaches the screen's bottom edge)
    "lecture": {"font": 22, "line": 4},
    #: the time step of ←/→ outside the slider, in decades of t (5 presses cross a decade)
    "key_step_decades": 0.2,
    #: the time box's −/+ step, in decades of t
    "box_step_decades": 0.1,
}
