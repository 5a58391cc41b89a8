"""Server-side latency of each page's callbacks over a sweep of the time slider.

Each callback request goes through the Flask test client (routing, JSON, compression
excluded), with the time moved to a new value every request so caches do not hide the work.

    python -m bench.pages     # issue 30: explorers' states (landscape, Ising) and the first drawing of job results
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from bench.timing import percentiles

SWEEP = np.geomspace(0.05, 2.0, 30)


def _landscape_body(state):
    return {"output": ('..landscape-graph.figure...landscape-caption.children...'
                       '{"name":"plot","type":"page-ctl"}.style..'),
            "outputs": [{"id": "landscape-graph", "property": "figure"},
                        {"id": "landscape-caption", "property": "children"},
                        {"id": {"type": "page-ctl", "name": "plot"}, "property": "style"}],
            "inputs": [{"id": "lab-state", "property": "data", "value": state},
                       {"id": "lab-time-set", "property": "data", "value": state["t"]},
                       {"id": "probe", "property": "data", "value": None}],
            "changedPropIds": ["lab-state.data"], "state": []}


CASES = {
    "landscape: four deltas": ({"target": "circle"}, _landscape_body),
    "landscape: 1,000 points, d = 2": ({"target": "gaussian_points", "n": 1000, "d": 2}, _landscape_body),
    "landscape: 50 points, d = 10": ({"target": "sphere_points", "n": 50, "d": 10}, _landscape_body),
}


def run() -> list[dict]:
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="dtlab-bench-")   # no hits from earlier runs
    import app
    client = app.server.test_client()
    rows = []
    for name, (base, body_of) in CASES.items():
        times, sizes = [], []
        for t in SWEEP:
            state = {**base, "t": float(t)}
            start = time.perf_counter()
            response = client.post("/_dash-update-component", json=body_of(state))
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.data[:300]
            sizes.append(len(response.data))
        rows.append(dict(case=name, **{k: v * 1e3 for k, v in percentiles(times).items()},
                         payload_bytes=int(np.median(sizes))))
    return rows


def redraw_run() -> list[dict]:
    """Server-side time of each other page's render at a new time (what a page opened or a typed time
    costs; a slider move costs the server nothing since issue 18): the drawing is shared per result and
    moved to t.  p50/p95 over the sweep."""
    import app
    import pages.bifurcation as bifurcation_data
    import pages.entropy as entropy_data
    import pages.memorization as memorization_data
    import pages.particles as particles_data
    from components.state import parse_state
    from pages.bifurcation import page as bifurcation
    from pages.entropy import page as entropy
    from pages.memorization import page as memorization
    from pages.particles import page as particles

    cases = {
        "bifurcation: two deltas": ({"target": "two_deltas"}, bifurcation_data.JOB,
                                    lambda s: bifurcation.render_diagram(None, s, s.t)),
        "particles: four deltas": ({"target": "circle"}, particles_data.JOB,
                                   lambda s: particles.render_side({"ok": 1}, s, s.t, 0)),
        "entropy: two deltas": ({"target": "two_deltas"}, entropy_data.JOB,
                                lambda s: entropy.render_profile(None, s, s.t)),
        "memorization: 500 samples, d = 10": ({"target": "mixture_samples", "n": 500, "d": 10, "process": "VP"},
                                              memorization_data.JOB,
                                              lambda s: memorization.render_memorization(None, s, s.t)),
    }
    rows = []
    with app.server.test_request_context():
        for name, (raw, job, redraw) in cases.items():
            state, _ = parse_state(raw)
            job.result(state, *((0,) if job.controls else ()))
            times = []
            for t in SWEEP:
                start = time.perf_counter()
                redraw(state.replace(t=float(t)))
                times.append(time.perf_counter() - start)
            rows.append(dict(case=name, **{k: v * 1e3 for k, v in percentiles(times).items()}))
    return rows


def explorers_run(count: int = 15, seed: int = 30) -> list[dict]:
    """What a parameter set nobody chose costs the server (issue 30): the landscape's figure for explorers' states
    (bench.load's: target among its samples, d 2–100, n 8–1,000, r 0.3–3, a new seed: the target is built too) and
    the Ising page's two model callbacks (d 8–1,000 spins, J 0.5–2, T 0.3–3), each state new to the cache.  Median
    and max ms over ``count`` states."""
    import math
    import random

    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="dtlab-bench-")
    import app
    from bench.load import PAGES, explored_state
    from components.state import default_state
    from pages.ising import page as ising

    rng = random.Random(seed)
    client = app.server.test_client()
    landscape, model = [], []
    for _ in range(count):
        state = explored_state(PAGES["landscape"], rng)
        body = _landscape_body({**state.raw(), "t": 0.3})
        start = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        landscape.append(time.perf_counter() - start)
        assert response.status_code == 200, response.data[:300]
    with app.server.test_request_context():
        for _ in range(count):
            spins = round(math.exp(rng.uniform(math.log(8), math.log(1000))))
            state = default_state().replace(spins=spins, coupling=round(rng.uniform(0.5, 2.0), 3),
                                            temperature=round(rng.uniform(0.3, 3.0), 3))
            start = time.perf_counter()
            ising.render_ising(state, 0.5)
            ising.render_ising_now(state, 0.5)
            model.append(time.perf_counter() - start)
    return [dict(case=name, median_ms=1e3 * float(np.median(times)), max_ms=1e3 * float(np.max(times)))
            for name, times in (("landscape figure, explorers' states", landscape),
                                ("Ising model and response, explorers' states", model))]


def job_figures_run(count: int = 3, seed: int = 30) -> list[dict]:
    """The first drawing of a job's result (issue 30): each job page's render callbacks for a result just computed
    (not timed), at the page's default state and ``count - 1`` explorers' states (bench.load's), each new to the
    drawing caches.  What a student waits for once the progress bar is full; median and max ms."""
    import random

    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="dtlab-bench-")
    import importlib

    import app
    from bench.load import PAGES, explored_state
    from components.state import default_state
    from pages.bifurcation import page as bifurcation
    from pages.entropy import page as entropy
    from pages.memorization import page as memorization
    from pages.particles import page as particles
    from pages.training import page as training

    def particles_open(data, t):
        payload, figure = particles.send_run({"ok": 1}, data, 0)
        return payload, figure, particles.render_side(payload, data, t, 0)

    cases = {"bifurcation": (bifurcation.render_diagram,), "entropy": (entropy.render_profile,),
             "memorization": (memorization.render_memorization,), "particles": (particles_open,),
             "training": (training.render_curves, training.render_model)}
    rng = random.Random(seed)
    rows = []
    with app.server.test_request_context():
        for name, renders in cases.items():
            page = PAGES[name]
            job = importlib.import_module(f"pages.{name}._model").JOB
            targets = page.targets if name in ("training", "ising") else ("two_deltas", "circle", "mixture_samples")
            states = [default_state(targets[0])] + [explored_state(page, rng) for _ in range(count - 1)]
            times = []
            for state in states:
                job.result(state, *((0,) if job.controls else ()))
                data = state.raw()
                start = time.perf_counter()
                for render in renders:
                    render(*(() if render is particles_open else (None,)), data, 0.4)
                times.append(time.perf_counter() - start)
            rows.append(dict(case=f"{name}: first drawing of a result", median_ms=1e3 * float(np.median(times)),
                             max_ms=1e3 * float(np.max(times))))
    return rows


if __name__ == "__main__":
    for row in explorers_run() + job_figures_run():
        print(f"{row['case']:48s} median {row['median_ms']:7.1f} ms   max {row['max_ms']:7.1f} ms")
