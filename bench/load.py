"""Load test: simulated students moving the time slider on every page of the lab at once.

    python -m bench.load                  # 50 users for 60 s against gunicorn on 127.0.0.1
    python -m bench.load --users 20 --seconds 30

Each user is a thread with its own HTTP session that does what a slider move makes the browser do:
the URL callback (``sync_state``), then the page's render callback, with a new t, then thinks for
0.5–1.5 s; every ten moves it switches page.  The background jobs behind the pages are computed
once before the run (the state's time does not enter their keys), as they would be after the
first student of a class.  Reported: requests, errors, latency percentiles per page and in all,
and the peak resident memory of each gunicorn worker, sampled every 0.5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import requests

from bench.browser import start_server, wait_healthy
from components.state import default_state, parse_state, time_free_key

#: page → (target, the render callback's output key, its inputs as (id, property, value or "STATE"))
PAGES = {
    "landscape": ("circle", "..landscape-graph.figure...landscape-caption.children...landscape-view.style..",
                  [("lab-state", "data", "STATE"), ("landscape-view", "value", "map"),
                   ("landscape-hopfield", "value", []), ("probe", "data", None)]),
    "bifurcation": ("two_deltas", "..bif-paths.figure...bif-tree.figure...bif-trace.figure...bif-stability.figure"
                                  "...bif-exponents.figure...bif-caption.children...bif-drawn.data..",
                    [("bif-ready", "data", "ready"), ("lab-state", "data", "STATE")]),
    "entropy": ("two_deltas", "..entropy-profile.figure...entropy-fisher.figure...entropy-cumulative.figure"
                              "...entropy-caption.children...entropy-lyapunov.figure..",
                [("entropy-ready", "data", "ready"), ("lab-state", "data", "STATE"), ("entropy-axis", "value", [])]),
    "memorization": ("mixture_samples", "..mem-participation.figure...mem-rem.figure...mem-collapse.figure"
                                        "...mem-phase.figure...mem-caption.children..",
                     [("mem-ready", "data", "ready"), ("lab-state", "data", "STATE")]),
    "ising": ("two_deltas", "..ising-target.figure...ising-response.figure...ising-diagram.figure"
                            "...ising-caption.children..", [("lab-state", "data", "STATE")]),
}


def _callback_body(output, inputs, state, spec):
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in output[2:-2].split("...")]
    body_inputs = [{"id": i, "property": p, "value": state if v == "STATE" else v} for i, p, v in inputs]
    # after its first draw the browser holds the drawn key, so a time move is a Patch of the time lines
    held = {"lab-state": state, "bif-drawn": repr(time_free_key(parse_state(state)[0]))}
    states = [{"id": s["id"], "property": s["property"], "value": held.get(s["id"])} for s in spec.get("state", [])]
    return {"output": output, "outputs": outputs, "inputs": body_inputs, "state": states,
            "changedPropIds": ["lab-state.data"]}


def _sync_body(search, spec):
    inputs = [{"id": i["id"], "property": i["property"], "value": search if i["property"] == "search" else None}
              for i in spec["inputs"]]
    states = [{"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]]
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
               for p in SYNC_OUTPUT[2:-2].split("...")]
    return {"output": SYNC_OUTPUT, "outputs": outputs, "inputs": inputs, "state": states,
            "changedPropIds": ["url.search"]}


SYNC_OUTPUT = None


def prepare_jobs(cache_dir):
    """Compute each page's background job for its default state into the server's cache folder."""
    os.environ["CACHE_DIR"] = cache_dir
    import app as lab
    import pages.bifurcation as bifurcation_data
    import pages.entropy as entropy_data
    import pages.memorization as memorization_data
    with lab.server.test_request_context():
        bifurcation_data.JOB.result(default_state("two_deltas"))
        entropy_data.JOB.result(default_state("two_deltas"))
        memorization_data.JOB.result(default_state("mixture_samples"))
    return lab.app.callback_map


def user(url, specs, stop, records, rng):
    session = requests.Session()
    page = rng.choice(list(PAGES))
    moves = 0
    while not stop.is_set():
        target, output, inputs = PAGES[page]
        t = float(10 ** round(rng.uniform(-1.5, 0.7), 2))     # the slider's positions: steps of 0.01 in log10 t
        state = {**default_state(target), "t": t}
        for name, body in (("sync", _sync_body(f"?target={target}&t={t:.4g}", specs[SYNC_OUTPUT])),
                           (page, _callback_body(output, inputs, state, specs[output]))):
            start = time.perf_counter()
            try:
                r = session.post(url + "/_dash-update-component", json=body, timeout=30)
                ok = r.status_code == 200
            except requests.RequestException:
                ok = False
            records.append((name, time.perf_counter() - start, ok))
        moves += 1
        if moves % 10 == 0:
            page = rng.choice(list(PAGES))
        stop.wait(rng.uniform(0.5, 1.5))


def sample_memory(server_pid, stop, peaks):
    master = psutil.Process(server_pid)
    while not stop.is_set():
        for child in master.children():
            try:
                peaks[child.pid] = max(peaks.get(child.pid, 0), child.memory_info().rss)
            except psutil.NoSuchProcess:
                pass
        stop.wait(0.5)


def run(users=50, seconds=60, workers="2", threads="4") -> dict:
    global SYNC_OUTPUT
    cache_dir = tempfile.mkdtemp(prefix="dtlab-load-")
    specs = prepare_jobs(cache_dir)
    SYNC_OUTPUT = next(k for k in specs if k.startswith("..url.search"))
    proc, url = start_server({"CACHE_DIR": cache_dir, "WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads})
    try:
        wait_healthy(url)
        stop, records, peaks = threading.Event(), [], {}
        start_rss = {c.pid: c.memory_info().rss for c in psutil.Process(proc.pid).children()}
        threads_ = [threading.Thread(target=user, args=(url, specs, stop, records, random.Random(i)))
                    for i in range(users)]
        watcher = threading.Thread(target=sample_memory, args=(proc.pid, stop, peaks))
        watcher.start()
        for th in threads_:
            th.start()
        time.sleep(seconds)
        stop.set()
        for th in threads_ + [watcher]:
            th.join()
        healthy = requests.get(url + "/healthz", timeout=5).ok
    finally:
        proc.terminate()
        proc.wait()
    lat = np.array([r[1] for r in records]) * 1e3
    per_page = {name: dict(n=int(sum(1 for r in records if r[0] == name)),
                           p50=float(np.percentile([r[1] * 1e3 for r in records if r[0] == name], 50)),
                           p95=float(np.percentile([r[1] * 1e3 for r in records if r[0] == name], 95)))
                for name in {r[0] for r in records}}
    return dict(users=users, seconds=seconds, workers=int(workers), threads=int(threads), requests=len(records),
                errors=int(sum(not r[2] for r in records)), rate=len(records) / seconds,
                p50=float(np.percentile(lat, 50)), p95=float(np.percentile(lat, 95)), p99=float(np.percentile(lat, 99)),
                per_page=per_page, healthy=healthy,
                worker_rss_start_mb={str(k): v / 2**20 for k, v in start_rss.items()},
                worker_rss_peak_mb={str(k): v / 2**20 for k, v in peaks.items()})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--threads", default="4")
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.workers, args.threads)
    print(json.dumps(result, indent=1))
    out = Path(__file__).parent / "results" / "load.json"
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
