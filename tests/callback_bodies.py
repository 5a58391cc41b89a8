"""Hand-made /_dash-update-component bodies shared by the server, fuzz and hardening tests."""

LANDSCAPE_OUTPUT = '..landscape-graph.figure...landscape-caption.children...{"name":"plot","type":"page-ctl"}.style..'


def landscape_body(state):
    """The landscape page's render callback, as the browser sends it, with ``state`` in the store (its t
    in the released-time store)."""
    t = state.get("t") if isinstance(state, dict) else None
    return {"output": LANDSCAPE_OUTPUT,
            "outputs": [{"id": "landscape-graph", "property": "figure"},
                        {"id": "landscape-caption", "property": "children"},
                        {"id": {"type": "page-ctl", "name": "plot"}, "property": "style"}],
            "inputs": [{"id": "lab-state", "property": "data", "value": state},
                       {"id": "lab-time-set", "property": "data", "value": t},
                       {"id": "probe", "property": "data", "value": None}],
            "changedPropIds": ["lab-state.data"], "state": []}
