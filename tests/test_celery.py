"""The scale-out path: REDIS_URL set, gunicorn hands background callbacks to a separate celery
worker through a real redis-server, and the cache is Redis (issue 12).  One job end to end in a
real browser, its progress included."""
import shutil

import pytest

from tests.servers import celery_worker, gunicorn, redis_server

pytestmark = [pytest.mark.redis, pytest.mark.server, pytest.mark.browser]


@pytest.fixture(scope="module")
def scaled_out(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
    folder = tmp_path_factory.mktemp("celery")
    with redis_server() as url, celery_worker(url, folder / "worker.log") as _worker, \
            gunicorn(folder / "gunicorn.log", REDIS_URL=url) as web:
        yield web, folder / "worker.log"


#: Records each text of the bath's progress line (#bath-status) in window.__statuses.
STATUS_RECORDER = """
window.__statuses = [];
new MutationObserver(() => {
  const el = document.getElementById("bath-status");
  const text = el ? el.textContent : "";
  if (text && window.__statuses[window.__statuses.length - 1] !== text) window.__statuses.push(text);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_background_job_runs_on_the_celery_worker_with_progress(scaled_out, dash_duo):
    web, worker_log = scaled_out
    # every text the progress line shows is recorded as it appears: a quick run shows it for a moment only
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": STATUS_RECORDER})
    dash_duo.driver.get(web + "/ising?K=5000&w=1&seed=11&t=0.5")
    dash_duo.wait_for_contains_text("#ising-caption", "Λ = ", timeout=30)
    dash_duo.wait_for_contains_text("#bath-caption", "K = 5000", timeout=120)
    # progress came back through Redis while the worker ran
    statuses = dash_duo.driver.execute_script("return window.__statuses")
    assert any("% of the spin updates" in s for s in statuses), statuses
    log = worker_log.read_text()
    assert "background_callback_" in log and "succeeded" in log, log[-2000:]
    severe = [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert not severe, severe


def test_a_queued_job_knows_how_many_wait_before_it():
    """Three jobs sent to a queue no worker reads: the first sent has the two later ones behind it, none ahead."""
    import redis

    from components.background import celery_app, queued_ahead
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
    with redis_server() as url:
        app = celery_app(url)
        tasks = [app.send_task("dtlab.nothing", args=(k,)).id for k in range(3)]
        client = redis.Redis.from_url(url)
        assert [queued_ahead(client, task) for task in tasks] == [0, 1, 2]
        assert queued_ahead(client, "not-a-task") is None and queued_ahead(client, None) is None


def test_two_web_processes_behind_one_port_share_results(tmp_path):
    """Scaling past one web process (issue 30): two gunicorn masters on one port (REUSE_PORT), sharing Redis's
    cache and Celery's worker, with one SECRET_KEY.  A job computed through the port is found stored by every later
    student, whichever process answers — and both processes answer."""
    from bench.load import Browser
    from components.state import default_state
    from tests.servers import free_port
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
    port, state = free_port(), default_state("circle").replace(n=7)
    env = {"REUSE_PORT": "1", "SECRET_KEY": "one key for both", "WEB_CONCURRENCY": "1", "ACCESS_LOG": "1"}
    with redis_server() as url, celery_worker(url, tmp_path / "worker.log"), \
            gunicorn(tmp_path / "a.log", port, REDIS_URL=url, **env) as web, \
            gunicorn(tmp_path / "b.log", port, REDIS_URL=url, **env):
        import requests
        specs = {d["output"]: d for d in requests.get(web + "/_dash-dependencies", timeout=30).json()}
        records, failures = [], []

        def student():               # a new session each: a new connection, which the kernel gives to either
            browser = Browser(web, specs, records, failures, {"requests": 0, "polls": 0})
            browser.open("bifurcation", state, 0.3)
            assert browser.job("bif"), failures
        student()                                           # the first computes it, on the Celery worker
        assert [r[0] for r in records if r[0].startswith("job")] == ["job bif: time to result (queued)"]
        served = lambda: [len([line for line in (tmp_path / f"{name}.log").read_text().splitlines()   # noqa: E731
                               if "_dash-update-component" in line]) for name in "ab"]
        for later in range(40):
            student()
            if later >= 4 and min(served()) > 0:
                break
        kinds = [r[0] for r in records if r[0].startswith("job")][1:]
        assert kinds and set(kinds) == {"job: key (result stored)"}, kinds    # found by every later student
        assert min(served()) > 0, served()                                      # and both processes answered
