"""Component ids shared by the layout, the control panel and the pages."""
from components.state import FIELDS

URL = "url"
STATE = "lab-state"
#: The time t, live while the slider is dragged, and once released or typed (assets/state.js).
TIME = "lab-time"
TIME_SET = "lab-time-set"
#: What the browser needs to validate a state (components.state.browser_schema).
SCHEMA = "lab-schema"
NOTICE = "state-notice"
SERVER_NOTICE = "server-notice"
#: Where an on-demand background job without a panel of its own (a download) says it failed.
JOB_NOTICE = "job-notice"
PANEL = "control-panel"
NAV_LINK = "nav-link"
CONTROL_ROW = "ctl-row"
LOG_T = "ctl-logt"
T_INPUT = "ctl-t"
#: A page's own setting that is a state field: {"type": PAGE_CONTROL, "name": its key} (components.controls).
PAGE_CONTROL = "page-ctl"
#: State field → id of the panel's control that edits it (t has two: the log slider and T_INPUT).
CONTROL = {name: f"ctl-{name}" for name in FIELDS}

#: The shell (components/layout.py): Mantine's provider, the AppShell, the phone's burger, the figures' theme.
THEME = "lab-theme"
SHELL = "lab-shell"
BURGER = "lab-burger"
FIGURE_THEME = "lab-figure-theme"


def requested_ids(key: str, outputs_list) -> list:
    """The ``key`` field of each id of a pattern-matching (ALL) output, in the order the request
    lists them (``dash.ctx.outputs_list``); None where a hand-made request put anything but text.
    Sizing a callback's answer from the request itself keeps it valid whatever the request says."""
    return [item["id"].get(key) if isinstance(item.get("id"), dict) and isinstance(item["id"].get(key), str)
            else None for item in outputs_list]
