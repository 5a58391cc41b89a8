"""Figures drawn once and moved to t (components/timemoves.py) equal figures drawn at t: the declared
moving parts are all that depends on t (issue 18)."""
import json

import pytest

from components.state import default_state, parse_state
from components.timemoves import REFERENCE_T, moved
from tests.figures import assert_same_drawing, is_figure

TIMES = (0.004, 0.21, 0.5, 1.7, 60.0)
CASES = {
    "bifurcation paths": ("bifurcation", {"target": "circle", "n": "6"}),
    "bifurcation axis": ("bifurcation", {"target": "two_deltas"}),
    "bifurcation dataset": ("bifurcation", {"target": "gaussian_points", "n": "7", "d": "3", "seed": "2"}),
    "entropy": ("entropy", {"target": "two_deltas"}),
    "entropy paths": ("entropy", {"target": "circle", "n": "5"}),
    "memorization": ("memorization", {"target": "mixture_samples", "d": "4", "n": "60"}),
    "ising": ("ising", {"spins": "8", "temp": "0.7", "K": "20"}),
}


def _renders(view, state):
    """(name, drawn at t directly, drawn once and moved) for each render of ``view`` that moves parts."""
    from pages.bifurcation import page as bifurcation
    from pages.entropy import page as entropy
    from pages.ising import page as ising
    from pages.memorization import page as memorization
    if view == "bifurcation":
        bifurcation.JOB.result(state)
        return [("diagram", bifurcation.render_diagram, (None, state))]
    if view == "entropy":
        entropy.JOB.result(state)
        return [(f"profile {axis}", entropy.render_profile, (None, state.replace(time_axis=axis)))
                for axis in ("log", "entropic")]
    if view == "memorization":
        memorization.JOB.result(state)
        return [("memorization", memorization.render_memorization, (None, state))]
    ising.BATH_JOB.result(state)
    return [("model", ising.render_ising, (state,)), ("bath", ising.render_bath, (None, state))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_moved_drawing_equals_drawing_at_t(app_context, case):
    view, raw = CASES[case]
    state, _ = parse_state(raw)
    for name, render, args in _renders(view, state):
        for t in TIMES:
            direct = render.__wrapped__(*args, t)
            served = render(*args, t)
            for i, (a, b) in enumerate(zip(direct, served, strict=True)):
                if is_figure(a):
                    assert_same_drawing(a, b, f"{case} {name} output {i} t={t}")
                else:
                    assert a == b


def test_a_figure_without_moving_parts_is_left_alone():
    fig = {"data": [], "layout": {"title": {"text": "x"}}}
    assert moved(fig, 0.5) is fig and moved("a caption", 0.5) == "a caption"
    drawn = {"data": [], "layout": {"meta": {"time": {"t": REFERENCE_T, "movers": []}}}}
    assert moved(drawn, REFERENCE_T) is drawn


def test_reference_state_is_json(app_context):
    """What the browser receives round-trips through JSON (the meta tables are plain)."""
    from pages.bifurcation import page as bifurcation
    state = default_state("two_deltas")
    bifurcation.JOB.result(state)
    drawn = [fig for fig in bifurcation.render_diagram(None, state, 0.3)[:4] if "meta" in fig["layout"]]
    assert len(drawn) == 2                          # the paths and the stability panels (axis mode)
    for fig in drawn:
        json.dumps(fig["layout"]["meta"])
