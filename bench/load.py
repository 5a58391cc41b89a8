"""Load test for a class: simulated students on one server, doing what the browser does since issue 18.

    python -m bench.load                         # 200 users for 120 s against gunicorn on 127.0.0.1
    python -m bench.load --users 50 --seconds 120

Each user is a thread with its own HTTP session.  It opens a page (the page's server callbacks, as the
browser fires them on load), then makes time moves: it reads for 1–3 s, drags the time slider through
3–8 positions 0.1–0.3 s apart — drawn in the browser, no request — and releases it: the time-free
pages (bifurcation, entropy, memorization) send nothing, the landscape and Ising pages ask for the
exact figures at the released t.  Every 10 moves it picks another parameter set of the page (from a
pool whose jobs are computed before the run, as after the first student of a class); after 30 it
switches page.  Reported per kind of action: requests, errors,
p50/p95/p99; moves that needed no request; worker RSS at start and peak; the load generator's own CPU.
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
from components.state import default_state, without_time

#: page → (parameter pool, the render callbacks a page load fires (output prefixes), those a released
#: time move fires).  Pools are small variations a lecturer would ask the class to try.
PAGES = {
    "landscape": ([default_state("circle").replace(n=n) for n in (4, 5, 6, 8)],
                  ("landscape-graph", "weights-graph", "strip-graph", "landscape-stack"),
                  ("landscape-graph",)),
    "bifurcation": ([default_state("two_deltas").replace(r=r) for r in (1.0, 1.5)], ("bif-paths",), ()),
    "entropy": ([default_state("two_deltas").replace(r=r) for r in (1.0, 1.5)], ("entropy-profile",), ()),
    "memorization": ([default_state("mixture_samples")], ("mem-participation",), ()),
    "ising": ([default_state().replace(temperature=temp) for temp in (0.7, 1.5)],
              ("ising-target", "ising-response", "bath-magnetization", "bath-distribution"),
              ("ising-response", "bath-distribution")),
}
FAILURES: list[str] = []
#: Values the browser holds for the page's own controls and job stores.
HELD = {"probe": None,
        "bif-ready": "ready", "entropy-ready": "ready", "mem-ready": "ready", "bath-ready": "ready"}


def body(output: str, spec: dict, state: dict, t: float) -> dict:
    """A /_dash-update-component request for ``output`` with ``state`` in the store and ``t`` in the time stores."""
    def value(item):
        if item["id"] == "lab-state":
            return without_time(state)
        if item["id"] in ("lab-time", "lab-time-set"):
            return t
        return HELD.get(item["id"])
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
               for p in (output[2:-2].split("...") if output.startswith("..") else [output])]
    return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
            "changedPropIds": ["lab-state.data"],
            "inputs": [{**i, "value": value(i)} for i in spec["inputs"]],
            "state": [{**s, "value": value(s)} for s in spec.get("state", [])]}


def callback_of(specs: dict, prefix: str) -> str:
    """The server callback whose first output is ``prefix``'s (not a clientside one writing it too)."""
    return next(k for k, v in specs.items() if "callback" in v and (k.startswith(f"..{prefix}.")
                                                                    or k.startswith(f"{prefix}.")))


def prepare_jobs(cache_dir):
    """Compute each pool's background jobs into the server's cache folder (a warm cache)."""
    os.environ["CACHE_DIR"] = cache_dir
    import app as lab
    from pages import bifurcation, entropy, memorization
    from pages.ising._model import BATH_JOB
    jobs = {"bifurcation": bifurcation.JOB, "entropy": entropy.JOB, "memorization": memorization.JOB,
            "ising": BATH_JOB}
    with lab.server.test_request_context():
        for page, job in jobs.items():
            for state in PAGES[page][0]:
                job.result(state)
    return lab.app.callback_map


def user(url, specs, stop, records, rng):
    session = requests.Session()

    def send(kind, prefixes, state, t):
        for prefix in prefixes:
            output = callback_of(specs, prefix)
            start = time.perf_counter()
            try:
                status = session.post(url + "/_dash-update-component", json=body(output, specs[output], state, t),
                                      timeout=60).status_code
            except requests.RequestException as err:
                status = type(err).__name__
            records.append((kind, time.perf_counter() - start, status == 200, start))
            if status != 200:
                FAILURES.append(f"{kind} {prefix}: {status}")

    moves = 0
    while not stop.is_set():
        page = rng.choice(list(PAGES))
        pool, on_open, on_release = PAGES[page]
        state, t = rng.choice(pool), 0.3
        start = time.perf_counter()
        ok = session.get(url + f"/{page}", timeout=60).ok
        records.append(("open: page HTML", time.perf_counter() - start, ok, start))
        send("open: render", ("server-notice",) + on_open, state, t)
        for _ in range(30):                                     # thirty time moves, then another page
            if stop.wait(rng.uniform(1.0, 3.0)):                # reading the figure
                return
            for _ in range(rng.randint(3, 8)):                   # a drag: drawn in the browser
                if stop.wait(rng.uniform(0.1, 0.3)):
                    return
                t = float(np.clip(round(t * 10 ** rng.uniform(-0.1, 0.1), 2 - int(np.floor(np.log10(t)))),
                                  1e-3, 1e2))
                records.append(("drag position (no request)", 0.0, True, time.perf_counter()))
            send("time move (release)", on_release, state, t)   # nothing on the time-free pages
            moves += 1
            if moves % 10 == 0:
                state = rng.choice(pool)
                send("parameter change", ("server-notice",) + on_open, state, t)


def sample_memory(server_pid, stop, peaks, series):
    """Peak RSS of each worker, and the largest worker's RSS (MB) every 20 s."""
    master, last = psutil.Process(server_pid), 0.0
    while not stop.is_set():
        rss = []
        for child in master.children():
            try:
                rss.append(child.memory_info().rss)
                peaks[child.pid] = max(peaks.get(child.pid, 0), rss[-1])
            except psutil.NoSuchProcess:
                pass
        if time.monotonic() - last >= 20 and rss:
            series.append(round(max(rss) / 2**20))
            last = time.monotonic()
        stop.wait(0.5)


def summary(records, kind):
    lat = np.array([r[1] for r in records if r[0] == kind]) * 1e3
    return dict(n=int(lat.size), errors=int(sum(not r[2] for r in records if r[0] == kind)),
                p50=float(np.percentile(lat, 50)), p95=float(np.percentile(lat, 95)),
                p99=float(np.percentile(lat, 99)))


def windows(sent, origin, width=20.0) -> list:
    """p95 (ms) of all requests started in each ``width``-second window of the run."""
    out = []
    for lo in np.arange(0.0, max(r[3] for r in sent) - origin, width):
        lat = [r[1] * 1e3 for r in sent if lo <= r[3] - origin < lo + width]
        out.append(round(float(np.percentile(lat, 95)), 1) if lat else None)
    return out


def run(users=200, seconds=120, workers="2", threads="4") -> dict:
    cache_dir = tempfile.mkdtemp(prefix="dtlab-load-")
    specs = prepare_jobs(cache_dir)
    proc, url = start_server({"CACHE_DIR": cache_dir, "WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads})
    try:
        wait_healthy(url)
        stop, records, peaks, rss_series = threading.Event(), [], {}, []
        start_rss = {c.pid: c.memory_info().rss for c in psutil.Process(proc.pid).children()}
        me, cpu0, wall0 = psutil.Process(), psutil.Process().cpu_times(), time.perf_counter()
        server = psutil.Process(proc.pid).children()
        server0 = sum(sum(w.cpu_times()[:2]) for w in server)
        threads_ = [threading.Thread(target=user, args=(url, specs, stop, records, random.Random(i)))
                    for i in range(users)]
        watcher = threading.Thread(target=sample_memory, args=(proc.pid, stop, peaks, rss_series))
        watcher.start()
        for th in threads_:
            th.start()
        time.sleep(seconds)
        stop.set()
        for th in threads_ + [watcher]:
            th.join()
        cpu1, wall = me.cpu_times(), time.perf_counter() - wall0
        server_cpu = (sum(sum(w.cpu_times()[:2]) for w in server) - server0) / wall
        healthy = requests.get(url + "/healthz", timeout=5).ok
    finally:
        proc.terminate()
        proc.wait()
    sent = [r for r in records if r[0] != "drag position (no request)"]
    return dict(users=users, seconds=seconds, workers=int(workers), threads=int(threads), requests=len(sent),
                errors=int(sum(not r[2] for r in sent)), healthy=healthy,
                drag_positions=sum(1 for r in records if r[0] == "drag position (no request)"),
                release_requests=sum(1 for r in records if r[0] == "time move (release)"),
                per_action={kind: summary(records, kind) for kind in sorted({r[0] for r in sent})},
                p95_by_20s=windows(sent, wall0),
                load_generator_cpu=((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall,
                server_cpu=server_cpu,
                worker_rss_start_mb={str(k): v / 2**20 for k, v in start_rss.items()},
                worker_rss_peak_mb={str(k): v / 2**20 for k, v in peaks.items()},
                largest_worker_rss_mb_by_20s=rss_series, failures=sorted(set(FAILURES)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--threads", default="4")
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.workers, args.threads)
    print(json.dumps(result, indent=1))
    out = Path(__file__).parent / "results" / f"load-{args.users}.json"
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
