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


def test_background_job_runs_on_the_celery_worker_with_progress(scaled_out, dash_duo):
    web, worker_log = scaled_out
    dash_duo.driver.get(web + "/ising?K=5000&w=1&seed=11&t=0.5")
    dash_duo.wait_for_contains_text("#ising-caption", "Λ = ", timeout=30)
    # progress comes back through Redis while the worker runs (the K = 5,000 run takes seconds)
    dash_duo.wait_for_contains_text("#bath-status", "% of the spin updates", timeout=60)
    dash_duo.wait_for_contains_text("#bath-caption", "K = 5000", timeout=120)
    log = worker_log.read_text()
    assert "background_callback_" in log and "succeeded" in log, log[-2000:]
    severe = [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert not severe, severe
