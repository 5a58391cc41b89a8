"""The app served by gunicorn exactly as the Dockerfile serves it (issue 2, container)."""
import json

import pytest
import requests

from tests.browsing import JOB_BOUND, wait_for
from tests.callback_bodies import landscape_body

pytestmark = pytest.mark.server


def test_health_and_every_page(gunicorn_url):
    import dash  # noqa: F401  (page registry is filled by importing app below)
    from dash import page_registry

    import app  # noqa: F401
    assert requests.get(gunicorn_url + "/healthz", timeout=5).text.strip() != ""
    for page in page_registry.values():
        r = requests.get(gunicorn_url + page["path"] + "?t=abc&d=%ZZ", timeout=10)
        assert r.status_code == 200 and "_dash-config" in r.text
    assert requests.get(gunicorn_url + "/no-such-page", timeout=10).status_code == 200  # Dash 404 page
    # a share link longer than gunicorn's default request line (4,094 bytes) reaches the app, which
    # reads its first MAX_QUERY_CHARS and says so on the page (not gunicorn's raw "URI Too Long")
    # — past gunicorn's 8,190-byte cap for a set limit too (a 9 KB and a 100 KB link, issue 28)
    for repeat in (600, 900, 10_000):
        long = requests.get(gunicorn_url + "/landscape?target=custom&pts=" + "0.5,0.5,1;" * repeat, timeout=10)
        assert long.status_code == 200 and "_dash-config" in long.text, (repeat, long.status_code)


@pytest.mark.parametrize("state", [
    {"target": "circle", "t": 0.25},
    {"target": "gaussian_points", "t": "0", "n": 10**9, "d": "x"},
    {"target": ["x"], "t": {"a": 1}, "sigma": -1, "process": 7},
    "not a dict",
])
def test_hand_made_callback_requests(gunicorn_url, state):
    body = landscape_body({**state, "hopfield": "on"} if isinstance(state, dict) else state)
    r = requests.post(gunicorn_url + "/_dash-update-component", json=body, timeout=30)
    assert r.status_code == 200, r.text[:500]
    assert "Traceback" not in r.text
    body = json.loads(r.text)
    assert "landscape-graph" in body["response"]


def test_malformed_callback_body_is_refused_without_traceback(gunicorn_url):
    r = requests.post(gunicorn_url + "/_dash-update-component", data=b"\xff{not json", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "Traceback" not in r.text
    assert requests.get(gunicorn_url + "/healthz", timeout=5).status_code == 200


@pytest.mark.browser
def test_pages_and_background_job_in_chromium_under_gunicorn(gunicorn_url, dash_duo):
    """The container's server in a real browser: a page renders and a background job
    (continuation, forked by the DiskcacheManager from a gunicorn worker) completes."""
    dash_duo.driver.get(gunicorn_url + "/landscape?target=circle&t=0.25")
    dash_duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.25", timeout=30)
    dash_duo.driver.get(gunicorn_url + "/bifurcation?target=circle&r=1.5&t=0.3")
    dash_duo.wait_for_contains_text("#bif-caption", "3 pitchforks", timeout=JOB_BOUND)
    # a 9 KB link opens the page with a notice, not gunicorn's "URI Too Long" (issue 28)
    dash_duo.driver.get(gunicorn_url + "/landscape?target=custom&pts=" + "0.5,0.5,1;" * 900)
    dash_duo.wait_for_contains_text("#state-notice", "too long", timeout=30)
    dash_duo.wait_for_element("#landscape-graph .main-svg", timeout=30)
    severe = [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert not severe, severe


@pytest.mark.browser
def test_a_browser_that_leaves_a_job_page_is_not_refused_its_next_job(dash_duo, tmp_path):
    """A student who opens job pages one after the other: the job of a page left behind (no poll since
    LEFT_BEHIND_SECONDS, 0 here) is cancelled for the new one instead of the new one being refused (one job per
    browser here, JOBS_PER_CLIENT = 1; CI once refused a container's job after a tour of the pages)."""
    from tests.servers import gunicorn
    log = tmp_path / "gunicorn.log"
    with gunicorn(log, CACHE_DIR=str(tmp_path / "cache"), BACKGROUND_CACHE_DIR=str(tmp_path / "jobs"),
                  JOBS_PER_CLIENT="1", LEFT_BEHIND_SECONDS="0") as url:
        dash_duo.driver.get(url + "/training?target=gaussian_points&d=32&n=1024&seed=7")   # a job of ~30 s
        dash_duo.wait_for_contains_text("#training-status", "step", timeout=JOB_BOUND)       # computing
        dash_duo.driver.get(url + "/bifurcation?target=circle&r=1.5&t=0.3")
        shown = "return ['bif-caption', 'bif-failure-text'].map(id => document.getElementById(id)?.textContent || '')"

        def ended():                                                                      # a result or a refusal
            caption, failure = dash_duo.driver.execute_script(shown)
            return "3 pitchforks" in caption or failure
        wait_for(ended, JOB_BOUND)
        caption, failure = dash_duo.driver.execute_script(shown)
        assert "3 pitchforks" in caption and not failure, failure
        text = log.read_text()
    assert "a job left behind was cancelled" in text and "already has 1 job running" not in text


def test_dash_is_set_up_before_the_first_request(lab):
    # Otherwise two threads of a fresh gunicorn worker race: one sets Dash up while the other is
    # refused the scripts ("dash is not a registered library").
    assert lab.app.registered_paths["dash"]
    assert lab.app._got_first_request["setup_server"]


def test_security_headers_and_body_limit(gunicorn_url):
    r = requests.get(gunicorn_url + "/landscape", timeout=10)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" not in csp.split(";")[1]          # scripts: only Dash's own inline ones, by hash
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "same-origin"
    big = requests.post(gunicorn_url + "/_dash-update-component", data=b"x" * (9 * 2**20), timeout=30,
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "Traceback" not in big.text
    browser_side = requests.post(gunicorn_url + "/_dash-update-component", timeout=10, json={
        "output": "particles-play.className", "outputs": {"id": "particles-play", "property": "className"},
        "inputs": [{"id": "particles-play", "property": "n_clicks", "value": 1}], "changedPropIds": []})
    assert browser_side.status_code == 400 and "in the browser" in browser_side.text
