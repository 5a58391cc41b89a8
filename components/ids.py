"""Component ids shared by the layout, the control panel and the pages."""
URL = "url"
STATE = "lab-state"
NOTICE = "state-notice"
PANEL = "control-panel"
NAV_LINK = "nav-link"
CONTROL_ROW = "ctl-row"
LOG_T = "ctl-logt"
T_INPUT = "ctl-t"
#: State field → id of the control that edits it (t has two: the log slider and LOG_T).
CONTROL = {name: f"ctl-{name}" for name in
           ("target", "process", "t", "sigma", "d", "n", "seed", "r", "pw", "sc", "dd", "h",
            "spins", "J", "temp", "K", "w")}
