"""Shared fixtures: the app (kernels warmed once), a Flask app context for cached calls,
and Chrome options for dash.testing's ``dash_duo``."""
import os
import tempfile

import pytest

os.environ.setdefault("CACHE_DIR", tempfile.mkdtemp(prefix="dtlab-test-cache-"))
# each test process its own local jobs' folder, and so its own JOB_SLOTS: the other xdist worker's servers (their
# long image jobs) do not hold the slots a test's job waits for (a lesson's 8 s job once waited past 120 s)
os.environ.setdefault("BACKGROUND_CACHE_DIR", tempfile.mkdtemp(prefix="dtlab-test-jobs-"))
os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000")


def pytest_setup_options():
    """Chrome flags for dash.testing (called by its webdriver factory)."""
    from selenium.webdriver.chrome.options import Options
    options = Options()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='dtlab-chrome-')}")
    options.binary_location = os.environ["DASH_TEST_CHROMEPATH"]
    return options


#: Tiers that start shared services (Redis, Celery workers, containers) or kill processes: one xdist worker runs
#: them all, one after the other, while the other tiers share the cores (.ci/run: -n 2 --dist loadgroup).
SERVICES = ("redis", "faults", "container")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(item.get_closest_marker(name) for name in SERVICES):
            item.add_marker(pytest.mark.xdist_group("services"))


@pytest.fixture(autouse=True, scope="session")
def own_dash_ports():
    """dash.testing numbers its servers' ports from 58050 in every process: each xdist worker gets its own range."""
    from dash.testing.application_runners import BaseDashRunner
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    BaseDashRunner._next_port = 58050 + 500 * int(worker[2:] or 0)


@pytest.fixture(autouse=True, scope="session")
def bounded_server_stop():
    """dash.testing stops its threaded server by raising SystemExit in every thread it started, then joins the
    server thread with no timeout: once in CI a thread stayed blocked and the run hung for 15 minutes in a
    teardown. Join for 10 s at most; a thread still alive is a daemon and dies with the run."""
    from dash.testing.application_runners import ThreadedRunner

    def stop(self):
        self.thread.kill()
        self.thread.join(timeout=10)
        self._app, self.started = None, False

    original, ThreadedRunner.stop = ThreadedRunner.stop, stop
    yield
    ThreadedRunner.stop = original


@pytest.fixture(scope="session")
def lab():
    import app as lab_app
    return lab_app


@pytest.fixture
def app_context(lab):
    with lab.server.test_request_context():
        yield


@pytest.fixture(scope="session")
def gunicorn_url(tmp_path_factory):
    """The lab under gunicorn, as the container serves it (one server for the session)."""
    from tests.servers import gunicorn
    folder = tmp_path_factory.mktemp("gunicorn")
    with gunicorn(folder / "gunicorn.log", CACHE_DIR=str(folder / "cache")) as url:
        yield url
