"""The request deadline and the callback check, in-process (components/hardening.py)."""
import json

from components.hardening import callback_problem
from tests.callback_bodies import landscape_body


def _landscape_body(t):
    return landscape_body({"target": "sphere_points", "t": t})


def test_an_overrun_answers_a_notice_and_the_worker_goes_on(lab, monkeypatch):
    import components.hardening as hardening
    client = lab.server.test_client()
    monkeypatch.setattr(hardening, "REQUEST_TIMEOUT", 1e-4)
    slow = client.post("/_dash-update-component", json=_landscape_body(0.0123))
    assert slow.status_code == 200
    body = json.loads(slow.data)
    assert body["response"] == {} and "took longer than" in body["sideUpdate"]["state-notice"]["children"]
    monkeypatch.setattr(hardening, "REQUEST_TIMEOUT", 20.0)
    fine = client.post("/_dash-update-component", json=_landscape_body(0.0456))
    assert fine.status_code == 200 and "landscape-graph" in json.loads(fine.data)["response"]


def test_callback_check_reasons(lab):
    cmap = lab.app.callback_map
    body = _landscape_body(0.3)
    assert callback_problem(body, cmap) is None
    assert callback_problem([], cmap) == "the body must be a JSON object"
    assert "unknown" in callback_problem({**body, "output": "nope.figure"}, cmap)
    assert "must list 3" in callback_problem({**body, "inputs": body["inputs"][:2]}, cmap)
    assert "'outputs'" in callback_problem({**body, "outputs": body["outputs"][:1]}, cmap)
    other_control = [*body["outputs"][:2], {"id": {"type": "page-ctl", "name": "width"}, "property": "style"}]
    assert "'outputs' does not match" in callback_problem({**body, "outputs": other_control}, cmap)
    assert "changedPropIds" in callback_problem({**body, "changedPropIds": [1]}, cmap)


def test_the_server_runs_blas_on_one_thread(lab):
    """A background job forks the threaded server: a BLAS pool busy in another request thread at that moment
    deadlocks OpenBLAS's fork handler (a CI run hung 15 minutes so), so the server's BLAS has no pool."""
    from threadpoolctl import threadpool_info
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_every_background_callback_says_when_its_job_fails():
    """A background callback without ``on_error`` leaves "computing…" forever when its job cannot give a result
    (issue 34): every ``callback(..., background=True)`` in the app names its failure handler."""
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in [*root.glob("pages/*/*.py"), *root.glob("components/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "callback":
                keywords = {k.arg: k.value for k in node.keywords}
                if isinstance(keywords.get("background"), ast.Constant) and keywords["background"].value:
                    found.append((path.name, node.lineno, "on_error" in keywords))
    assert len(found) >= 6, found          # the jobs' runner, the particles' and the landscape's on-demand jobs
    assert all(has for *_, has in found), [f for f in found if not f[2]]
