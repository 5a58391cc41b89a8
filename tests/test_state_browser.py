"""The browser's state logic (assets/state.js) against the server's (components/state.py), and time
moves that cost no request (issue 18), in a real headless Chromium."""
import json
import time

import numpy as np
import plotly.io
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from components.controls import browser_declaration
from components.state import parse_query, parse_state, state_query
from components.timemoves import REFERENCE_T, moved
from tests.browsing import COUNT_REQUESTS, TRACK_REQUESTS, settle, wait_for
from tests.figures import assert_same_drawing, is_figure

pytestmark = pytest.mark.browser
TIMEOUT = 30

#: Crafted links: out of range, not numbers, unknown choices, cross-field caps, repeated and odd keys.
LINKS = [
    "", "?t=1e9&d=3&n=abc&target=gaussian_points", "?t=abc&d=%ZZ&target=zzz&n=1e99&sigma=-4",
    "?target=circle&n=500", "?target=circle&n=1", "?target=digits&cls=7777", "?target=digits&cls=9310",
    "?target=gaussian_subspace&d=5&dd=9", "?target=gaussian_points&d=1000&n=100000", "?t=0&sigma=inf&r=nan",
    "?d=2.5&n=4.5&seed=-3", "?t=1_0&r=+2.&sc=.5e-1", "?t=0x10&r=1,5", "?target=two_deltas&d=7",
    "?process=XX&spins=1e9&K=1&w=0", "?pts=not-points&target=custom", "?t=0.5&t=0.7", "?t=&d=",
    "?" + "&".join(f"k{i}=1" for i in range(70)), "?target=sphere_points&" + "x" * 5000,
    "?target=hypersphere&d=3&r=2&process=VP&t=0.01", "?h=9&J=-1&temp=0&spins=16",
    "?process=FM&t=5", "?process=FM&t=0.9995", "?process=FM&t=0.5", "?target=mixture&gc=0&gw=25&process=FM&t=50",
    "?target=two_deltas&gc=1&gw=3", "?target=digits&cls=017&gc=2&gw=-5", "?target=digits&gc=5",
    "?target=gaussian_points&gc=0", "?gc=abc&gw=nan", "?target=circle&gc=1&gw=-1",
    "?particles=1e9&steps=-1&sampler=zz&dynamics=x&plot=3d&width=300&grid=cosine", "?grid=karras&steps=50",
    "?particles=5000&dynamics=ode&plot=surface",
    "?particles=abc&steps=55&width=1e400",
]



@pytest.fixture
def duo(dash_duo, lab):
    dash_duo.start_server(lab.app)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_REQUESTS})
    return dash_duo


def test_browser_validates_links_as_the_server_does(duo):
    duo.driver.get(duo.server_url + "/about")
    duo.wait_for_element("#ctl-logt", timeout=TIMEOUT)
    schema = browser_declaration()
    for link in LINKS:
        got = duo.driver.execute_script("return window.dash_clientside.lab.parse(arguments[0], arguments[1])",
                                        schema, link)
        raw, notices = parse_query(link)
        state, more = parse_state(raw)
        server_only = ("Your points", "This dataset has no points")        # the browser does not build datasets
        if any(n.startswith(server_only) for n in more):
            state = state.replace(points=got["state"]["pts"], guided_class=got["state"]["gc"])
            more = [n for n in more if not n.startswith(server_only)]
        assert got["state"] == json.loads(json.dumps(state.raw())), link
        assert got["notices"] == notices + more, link                     # worded alike, from one declaration
        # the browser writes the link the server would read back to the same state
        query = duo.driver.execute_script("return window.dash_clientside.lab.stateQuery(arguments[0], "
                                          "arguments[1], arguments[1 + 1])", schema, got["state"], state.t)
        assert parse_state(parse_query(query)[0])[0] == parse_state(parse_query(state_query(state))[0])[0], link


def test_server_confirms_what_the_browser_cannot_check(duo):
    duo.driver.get(duo.server_url + "/landscape?target=custom&pts=1,2,3;4")
    duo.wait_for_contains_text("#server-notice", "Your points", timeout=TIMEOUT)


def test_changing_target_loads_its_defaults(duo):
    duo.driver.get(duo.server_url + "/landscape?target=circle&t=0.4")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.4", timeout=TIMEOUT)
    duo.select_dcc_dropdown("#ctl-target", "Random dataset (on a sphere)")
    end = time.monotonic() + TIMEOUT
    while duo.find_element("#ctl-d").get_attribute("value") != "10" and time.monotonic() < end:
        time.sleep(0.1)
    assert duo.find_element("#ctl-n").get_attribute("value") == "50"
    assert "target=sphere_points" in duo.driver.current_url and "t=0.4" in duo.driver.current_url


@pytest.mark.parametrize("path,graph", [
    ("/bifurcation?target=circle&n=6&t=0.3", "#bif-paths"),
    ("/entropy?target=two_deltas&t=0.3", "#entropy-profile"),
    ("/memorization?target=mixture_samples&d=10&n=200&t=0.3", "#mem-participation"),
    ("/particles?target=circle&t=0.3", "#particles-fan"),
])
def test_a_time_move_on_a_time_free_page_sends_no_request(duo, path, graph):
    """Keys and a drag on the slider move the time lines in the browser: the URL and the figure's
    now line follow, and no callback request leaves the page."""
    duo.driver.get(duo.server_url + path)
    duo.wait_for_element(f"{graph} .main-svg", timeout=TIMEOUT)
    settle(duo)
    duo.driver.execute_script(COUNT_REQUESTS)
    now = ("return (document.querySelector(arguments[0] + ' .js-plotly-plot').layout.shapes || [])"
           ".filter(s => s.name === 'now').map(s => s.x0)")
    wait_for(lambda: duo.driver.execute_script(now, graph), timeout=TIMEOUT)      # the result drawn, not "computing"
    before = duo.driver.execute_script(now, graph)
    url_t = "return Number(new URLSearchParams(location.search).get('t'))"
    for _ in range(3):          # a busy machine may drop keys sent while the slider re-renders: press until t moves
        handle = duo.find_element("#ctl-logt [role='slider']")
        for _ in range(3):
            handle.send_keys(Keys.ARROW_RIGHT)
        ActionChains(duo.driver).click_and_hold(handle).move_by_offset(25, 0).pause(0.3).release().perform()
        try:
            wait_for(lambda: duo.driver.execute_script(url_t) > 0.3, timeout=10)
            break
        except AssertionError:
            continue
    end = time.monotonic() + TIMEOUT
    while duo.driver.execute_script(now, graph) == before and time.monotonic() < end:
        time.sleep(0.1)
    after = duo.driver.execute_script(now, graph)
    assert after != before and all(x == after[0] for x in after)
    settle(duo)
    t = float(dict(kv.split("=") for kv in duo.driver.current_url.split("?")[1].split("&"))["t"])
    assert t > 0.3
    assert duo.driver.execute_script("return window.__requests") == []


def test_landscape_scrubs_from_its_stack_and_redraws_exactly_on_release(duo):
    """The preview's frames are asked for when the pointer goes down on the slider, not at the page open
    (issue 30); the drag itself sends nothing; the release gets the exact landscape."""
    duo.driver.get(duo.server_url + "/landscape?target=circle&n=4&t=0.5")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.5", timeout=TIMEOUT)
    settle(duo)
    assert "landscape-stack.data" not in duo.driver.execute_script("return window.__requests")
    duo.driver.execute_script(COUNT_REQUESTS)
    handle = duo.find_element("#ctl-logt [role='slider']")
    # the frames arrive during the drag (the first move may come before them): the preview follows them
    ActionChains(duo.driver).click_and_hold(handle).move_by_offset(-20, 0).pause(0.3).move_by_offset(-10, 0) \
        .pause(0.5).perform()
    duo.wait_for_contains_text("#landscape-graph .gtitle", "preview", timeout=TIMEOUT)
    duo.wait_for_contains_text("#landscape-caption", "Preview at t ≈", timeout=TIMEOUT)   # the status line too
    assert "stable fixed point" not in duo.find_element("#landscape-caption").text
    assert duo.driver.execute_script("return window.__requests") == ["landscape-stack.data"]
    tooltip = "return (document.querySelector('#ctl-logt .dash-slider-tooltip') || {}).textContent"
    tip = duo.driver.execute_script(tooltip)
    assert tip and tip.startswith("t = 0.") and len(tip) <= 10, tip        # t itself, 3 digits, not log₁₀ t
    ActionChains(duo.driver).release().perform()
    title = "return (document.querySelector('#landscape-graph .gtitle') || {}).textContent || ''"
    end = time.monotonic() + TIMEOUT
    while "preview" in duo.driver.execute_script(title) and time.monotonic() < end:
        time.sleep(0.1)                 # read in one script: plotly replaces the title element as it draws
    assert "s² =" in duo.driver.execute_script(title)
    assert any("landscape-graph" in r for r in duo.driver.execute_script("return window.__requests"))
    duo.wait_for_contains_text("#landscape-caption", "stable fixed point", timeout=TIMEOUT)


def test_browser_moves_figures_as_the_server_does(duo, app_context):
    """assets/timemoves.js and components.timemoves.moved agree on every kind of moving part."""
    from pages.bifurcation import page as bifurcation
    from pages.entropy import page as entropy
    from pages.memorization import page as memorization
    figures = []
    cases = ((bifurcation.render_diagram, bifurcation.JOB, {"target": "circle", "n": "6"}),
             (entropy.render_profile, entropy.JOB, {"target": "circle", "n": "5", "axis": "entropic"}),
             (memorization.render_memorization, memorization.JOB, {"target": "mixture_samples", "d": "4", "n": "60"}))
    for render, job, raw in cases:
        state, _ = parse_state(raw)
        job.result(state)
        figures += [f for f in render(None, state, REFERENCE_T) if is_figure(f) and "meta" in f["layout"]]
    duo.driver.get(duo.server_url + "/about")
    duo.wait_for_element("#ctl-logt", timeout=TIMEOUT)
    for fig in figures:
        text = plotly.io.to_json(fig)
        for t in (0.004, 0.77, 20.0):
            got = duo.driver.execute_script("return window.dash_clientside.time.moved(JSON.parse(arguments[0]), "
                                            "arguments[1])", text, t)
            want = moved(json.loads(text), t)
            assert_same_drawing(got, want, f"t={t}")


def test_a_typed_time_of_many_digits_gets_the_exact_landscape(duo):
    """The slider echoes a typed time rounded to 6 digits: that echo is not a drag (no preview)."""
    duo.driver.get(duo.server_url + "/landscape?target=circle&n=4&t=0.5")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.5", timeout=TIMEOUT)
    box = duo.find_element("#ctl-t")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.123456789", Keys.ENTER)
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.1235", timeout=TIMEOUT)
    settle(duo)
    assert "preview" not in duo.find_element("#landscape-graph .gtitle").text


def test_ising_diagram_follows_a_drag_without_a_request(duo):
    """The Ising page computes its response at the released time; while the slider is dragged its
    diagram's time line moves in the browser and nothing is sent."""
    duo.driver.get(duo.server_url + "/ising?t=0.3")
    duo.wait_for_element("#ising-diagram .main-svg", timeout=TIMEOUT)
    settle(duo)
    duo.driver.execute_script(COUNT_REQUESTS)
    now = ("return (document.querySelector('#ising-diagram .js-plotly-plot').layout.shapes || [])"
           ".filter(s => s.name === 'now').map(s => s.x0)")
    before = duo.driver.execute_script(now)
    handle = duo.find_element("#ctl-logt [role='slider']")
    ActionChains(duo.driver).click_and_hold(handle).move_by_offset(30, 0).pause(0.5).perform()
    end = time.monotonic() + TIMEOUT
    while duo.driver.execute_script(now) == before and time.monotonic() < end:
        time.sleep(0.1)
    assert duo.driver.execute_script(now) != before
    assert duo.driver.execute_script("return window.__requests") == []
    ActionChains(duo.driver).release().perform()
    settle(duo)
    assert any("ising-response" in r for r in duo.driver.execute_script("return window.__requests"))


def test_number_boxes_show_their_whole_value(duo):
    """A slider's t shows in the box to 4 digits, and a 5-digit n fits its box (−/+ sit inside it)."""
    duo.driver.get(duo.server_url + "/memorization?target=mixture_samples&n=20000&d=10&t=0.3")
    duo.wait_for_element("#ctl-n", timeout=TIMEOUT)
    handle = duo.wait_for_element("#ctl-logt [role='slider']", timeout=TIMEOUT)
    handle.send_keys(Keys.ARROW_RIGHT)
    end = time.monotonic() + TIMEOUT
    while duo.find_element("#ctl-t").get_attribute("value") in ("0.3", "") and time.monotonic() < end:
        time.sleep(0.1)
    assert duo.find_element("#ctl-t").get_attribute("value") == "0.309"          # 10^-0.51: the slider snaps
    for box in ("#ctl-t", "#ctl-n"):
        fits = duo.driver.execute_script("const e = document.querySelector(arguments[0]); "
                                         "return e.scrollWidth <= e.clientWidth", box)
        assert fits, box


def test_typed_values_out_of_range_are_clamped_with_their_notice(duo):
    """500, 0, −3 or 1e9 typed in a box is set to the range's end and said so (the boxes' own min/max made the
    browser send NaN: "time t is not a number", and 1e9 stayed in the box while the figure kept the old t)."""
    duo.driver.get(duo.server_url + "/landscape?target=gaussian_points&n=20&t=0.25")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.25", timeout=TIMEOUT)
    cases = [("#ctl-t", "500", "maximum 100", "100"), ("#ctl-t", "0", "minimum 0.001", "0.001"),
             ("#ctl-t", "-3", "minimum 0.001", "0.001"), ("#ctl-t", "1e9", "maximum 100", "100"),
             ("#ctl-d", "5000", "maximum 1024", "1024"), ("#ctl-d", "0", "minimum 1", "1")]
    for box_id, typed, said, shown in cases:
        box = duo.find_element(box_id)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(typed, Keys.ENTER)
        echoed = "1000000000" if typed == "1e9" else typed
        duo.wait_for_contains_text("#state-notice", f"= {echoed} is outside", TIMEOUT)
        notice = duo.find_element("#state-notice").text
        assert said in notice and "not a number" not in notice
        end = time.monotonic() + TIMEOUT
        while duo.find_element(box_id).get_attribute("value") != shown and time.monotonic() < end:
            time.sleep(0.1)
        assert duo.find_element(box_id).get_attribute("value") == shown, (typed, box_id)
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 100", timeout=TIMEOUT)   # the figure follows


def test_time_box_steps_by_a_tenth_of_a_decade(duo):
    """The box's + and − multiply t by 10^±0.1 on the slider's grid (Dash's own steppers added ±1:
    0.3 jumped to 1 and − did nothing)."""
    duo.driver.get(duo.server_url + "/bifurcation?target=circle&t=0.3")
    duo.wait_for_element("#ctl-t", timeout=TIMEOUT)
    settle(duo)
    box = duo.find_element("#ctl-t")

    def step(kind):
        before = box.get_attribute("value")
        duo.find_element(f"button.dash-stepper-{kind}[aria-controls='ctl-t']").click()
        end = time.monotonic() + TIMEOUT
        while box.get_attribute("value") == before and time.monotonic() < end:
            time.sleep(0.1)
        return float(box.get_attribute("value"))

    assert step("increment") == pytest.approx(10 ** -0.42, rel=1e-3)     # 0.3 · 10^0.1, on the grid
    assert step("decrement") == pytest.approx(10 ** -0.52, rel=1e-3)
    assert step("decrement") == pytest.approx(10 ** -0.62, rel=1e-3)


def test_flow_matching_brings_the_time_into_its_range(duo):
    """Switching to FM at t = 5 sets t to 0.999 (with a notice), the slider ends there, and VE gives back its range."""
    duo.driver.get(duo.server_url + "/landscape?target=circle&t=5")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 5", timeout=TIMEOUT)
    duo.find_element("#ctl-process input[value='FM']").click()
    duo.wait_for_contains_text("#state-notice", "Flow matching runs over 0 < t < 1", timeout=TIMEOUT)
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.999", timeout=TIMEOUT)
    handle = duo.find_element("#ctl-logt [role='slider']")
    assert float(handle.get_attribute("aria-valuemax")) == pytest.approx(np.log10(0.999))
    assert "process=FM" in duo.driver.current_url and "t=0.999" in duo.driver.current_url
    duo.find_element("#ctl-process input[value='VE']").click()
    end = time.monotonic() + TIMEOUT
    while float(handle.get_attribute("aria-valuemax")) < 1.9 and time.monotonic() < end:
        time.sleep(0.1)
    assert float(handle.get_attribute("aria-valuemax")) == pytest.approx(2.0)


def test_guidance_controls_follow_the_target(duo):
    """Guide to lists the target's classes and shows only for targets with classes; w and the schedule show once a
    class is chosen, the window's negative w under the window schedule only."""
    duo.driver.get(duo.server_url + "/landscape?target=two_deltas&t=0.5")
    duo.wait_for_element("#ctl-gc", timeout=TIMEOUT)
    settle(duo)

    def shown(name):
        return duo.driver.execute_script("const e = document.getElementById(arguments[0]); "
                                         "return !!e && e.closest('.ctl-row').style.display !== 'none'", name)
    assert shown("ctl-gc") and not shown("ctl-gw")
    duo.select_dcc_dropdown("#ctl-gc", "class −r")
    duo.wait_for_contains_text("#landscape-caption", "guided to class −r, w = 1", timeout=TIMEOUT)
    assert shown("ctl-gw") and shown("ctl-gs") and not shown("ctl-gn") and "gc=1" in duo.driver.current_url
    duo.select_dcc_dropdown("#ctl-gs", "negative window")           # the window's own w appears
    duo.wait_for_contains_text("#landscape-caption", "−0.25 for 0.25Λ ≤ s² < Λ", timeout=TIMEOUT)
    assert shown("ctl-gn") and "gs=window" in duo.driver.current_url
    duo.select_dcc_dropdown("#ctl-target", "Random dataset (Gaussian)")
    end = time.monotonic() + TIMEOUT
    while shown("ctl-gc") and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(shown(f"ctl-{k}") for k in ("gc", "gw", "gs", "gn")) and "gc=" not in duo.driver.current_url
