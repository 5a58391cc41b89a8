"""Load test for a class: simulated students on one gunicorn server, replaying the requests the browser sends.

    python -m bench.load                           # the class follows the lecturer: 200 students, 120 s
    python -m bench.load --mode explorers          # every parameter change new, on every page, jobs included
    python -m bench.load --users 50 --processes 2

Each student is a thread with its own HTTP session (and so its own session cookie), spread over several
processes so the generator is not the bottleneck.  It opens a page — the HTML (its ``endId``, as the renderer
echoes it), then the page's server callbacks in the browser's order: the notices, each background job's key
callback and, when the result is not stored, the job itself polled at the callback's interval as the renderer
polls it, then the render callbacks fed with what the earlier answers held.  Then it makes time moves: reads
for 1–3 s, drags the slider through 3–8 positions 0.1–0.3 s apart (drawn in the browser: no request but the
landscape's preview frames, asked for once per parameter set at the first pointer-down) and releases it (the
landscape and Ising pages ask for the exact figures).  Every 10 moves it changes the parameters, after 30 it
switches page.

``class``: parameters from a small pool per page, jobs computed before the run (as after the first student).
``explorers``: every parameter change draws a state nobody chose (target, d, n, r, … uniform, the numbers in
log scale, within each field's range; ``parse_state`` clamps it like a link), on every page, particles and
training included; a quarter of the landscape's visitors scroll to its strip.

Reported per kind of action: count, errors, p50/p95/p99; the server's CPU (workers and the job processes they
fork) and the generator's; server CPU per request; worker RSS at start, by 20 s and at its peak.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import requests

from bench.browser import start_server, wait_healthy
from components.state import FIELDS, default_state, parse_state, without_time
from core.targets import SPECS


@dataclass(frozen=True)
class Page:
    """What a page's open sends (after the notices): its jobs' prefixes, then its render outputs; what a released
    time move sends; the fields an explorer changes; its lecturer's pool; its targets."""
    jobs: tuple
    on_open: tuple
    on_release: tuple
    explored: tuple
    pool: tuple
    targets: tuple = ("gaussian_points", "sphere_points", "mixture_samples", "circle", "two_deltas")


PAGES = {
    "landscape": Page((), ("landscape-graph", "weights-graph"), ("landscape-graph",), ("d", "n", "r", "process"),
                      tuple(default_state("circle").replace(n=n) for n in (4, 5, 6, 8))),
    "bifurcation": Page(("bif",), ("bif-paths",), (), ("d", "n", "r", "process"),
                        tuple(default_state("two_deltas").replace(r=r) for r in (1.0, 1.5))),
    "entropy": Page(("entropy",), ("entropy-profile",), (), ("d", "n", "r", "process"),
                    tuple(default_state("two_deltas").replace(r=r) for r in (1.0, 1.5))),
    "memorization": Page(("mem",), ("mem-participation",), (), ("d", "n", "r"),
                         (default_state("mixture_samples"),)),
    "particles": Page(("particles-job",), ("particles-run", "particles-fan"), (), ("d", "n", "r", "process"),
                      (default_state("circle"),)),
    "ising": Page(("bath",), ("ising-target", "ising-response", "bath-magnetization", "bath-distribution"),
                  ("ising-response", "bath-distribution"), ("temp",),
                  tuple(default_state().replace(temperature=temp) for temp in (0.7, 1.5)), ("two_deltas",)),
    "training": Page(("training",), ("training-loss", "training-samples-0"), (), ("n", "r"),
                     (default_state("gaussian_points"),), ("gaussian_points", "mixture_samples")),
}
#: The explorers' ranges (issue 30's class: d from 2 to 100, n from 8 to 1,000, r random).
EXPLORED = {"d": (2, 100), "n": (8, 1000), "r": (0.3, 3.0), "temp": (0.3, 3.0)}
#: Share of the landscape's explorers who scroll to its strip.
STRIP_SHARE = 0.25
#: Values of the page's own components before any answer (the browser's initial props).
INITIAL = {"probe.data": None, "particles-rerun.n_clicks": 0, "bif-retry.n_clicks": 0, "entropy-retry.n_clicks": 0,
           "mem-retry.n_clicks": 0, "particles-job-retry.n_clicks": 0, "bath-retry.n_clicks": 0,
           "training-retry.n_clicks": 0}


def explored_state(page: Page, rng: random.Random):
    """A state nobody chose: each explored field drawn from ``EXPLORED`` (log-uniform), a new seed for sampled
    targets; ``parse_state`` clamps it to the target's bounds like a link."""
    target = rng.choice(page.targets)
    raw = {"target": target, "seed": str(rng.randrange(10**6))}
    for name in page.explored:
        if name == "process":
            raw[name] = rng.choice(list(FIELDS[name].low))
        elif name in EXPLORED and (FIELDS[name].group != "shape" or name in SPECS[target].uses):
            low, high = EXPLORED[name]
            value = math.exp(rng.uniform(math.log(low), math.log(high)))
            raw[name] = str(round(value) if FIELDS[name].kind == "int" else round(value, 3))
    return parse_state(raw)[0]


class Browser:
    """One student's session: the values the page holds, and the callback requests the renderer would send."""

    def __init__(self, url, specs, records, failures, counts):
        self.url, self.specs, self.records, self.failures, self.counts = url, specs, records, failures, counts
        self.session, self.end_id, self.held = requests.Session(), None, {}

    def open(self, page: str, state, t: float):
        start = time.perf_counter()
        self.counts["requests"] += 1
        r = self.session.get(f"{self.url}/{page}", timeout=60)
        found = re.search(r'"end_id":\s*"([^"]+)"', r.text)
        self.end_id = found.group(1) if found else None
        self.held = {**INITIAL, "lab-state.data": without_time(state), "lab-time.data": t, "lab-time-set.data": t}
        self.record("open: page HTML", start, r.ok)

    def callback(self, prefix: str) -> str:
        """The server callback whose outputs begin with ``prefix``'s (not a clientside one writing it too)."""
        return next(k for k, v in self.specs.items() if not v.get("clientside_function")
                    and (k.startswith(f"..{prefix}.") or k.startswith(f"{prefix}.")))

    def body(self, output: str) -> dict:
        spec = self.specs[output]

        def item(i):
            key = f"{json.dumps(i['id'], separators=(',', ':')) if isinstance(i['id'], dict) else i['id']}." \
                  f"{i['property']}"
            return {**i, "value": self.held.get(key)}
        def part(text):                   # "id.prop", a pattern-matching id written as JSON
            cid, prop = text.rsplit(".", 1)
            return {"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop}
        outputs = [part(p) for p in (output[2:-2].split("...") if output.startswith("..") else [output])]
        return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
                "changedPropIds": [f"{i['id']}.{i['property']}" for i in spec["inputs"][:1]],
                "inputs": [item(i) for i in spec["inputs"]], "state": [item(s) for s in spec.get("state", [])]}

    def post(self, output: str, query: str = "") -> tuple[bool, dict | None]:
        """One callback request; what it answered is held for the requests after it."""
        self.counts["polls" if query else "requests"] += 1
        try:
            r = self.session.post(f"{self.url}/_dash-update-component?endId={self.end_id}{query}",
                                  json=self.body(output), timeout=60)
        except requests.RequestException as err:
            self.failures.append(f"{output[:40]}: {type(err).__name__}")
            return False, None
        if r.status_code == 204:
            return True, None
        if r.status_code != 200:
            self.failures.append(f"{output[:40]}: HTTP {r.status_code}")
            return False, None
        data = r.json()
        for cid, props in (data.get("response") or {}).items():
            for prop, value in props.items():
                self.held[f"{cid}.{prop}"] = value
        return True, data

    def send(self, kind: str, prefix: str) -> bool:
        start = time.perf_counter()
        ok, _ = self.post(self.callback(prefix))
        self.record(kind, start, ok)
        self.record(f"callback {prefix}", start, ok)
        return ok

    def job(self, prefix: str) -> bool:
        """A job as the page runs it: its key callback, then (result not stored) the job, polled until it answers."""
        start = time.perf_counter()
        ok, data = self.post(self.callback(f"{prefix}-key"))
        self.record(f"callback {prefix}-key", start, ok)
        queued = ok and data is not None and f"{prefix}-queue" in (data.get("response") or {})
        if queued:
            output = next(k for k in self.specs if k.startswith(f"{prefix}-ready.data@"))
            interval = self.specs[output]["background"]["interval"] / 1000
            ok, data = self.post(output)
            handles = data or {}
            query = f"&cacheKey={handles.get('cacheKey')}&job={handles.get('job')}"
            while ok and data is not None and "response" not in data:
                time.sleep(interval)
                ok, data = self.post(output, query)
            if ok and data is not None and str(self.held.get(f"{prefix}-ready.data", "")).startswith("failed:"):
                self.failures.append(f"job {prefix}: {self.held[f'{prefix}-ready.data'][:120]}")
                ok = False
        self.record(f"job {prefix}: time to result (queued)" if queued else "job: key (result stored)", start, ok)
        return ok

    def show(self, kind: str, name: str, page: Page, state) -> None:
        """The page's callbacks for a (new) state: notices, jobs, renders; one record for the whole."""
        self.held["lab-state.data"] = without_time(state)
        start = time.perf_counter()
        ok = self.send(f"{kind}: notices", "server-notice")
        for prefix in page.jobs:
            ok &= self.job(prefix)
        for prefix in page.on_open:
            ok &= self.send(f"{kind}: render", prefix)
        self.record(f"{kind}: until drawn", start, ok)
        self.record(f"{kind}: until drawn ({name})", start, ok)

    def record(self, kind, start, ok):
        self.records.append((kind, time.perf_counter() - start, bool(ok), start))


def student(url, specs, mode, stop, records, failures, counts, seed, pages=tuple(PAGES)):
    rng, browser, moves = random.Random(seed), Browser(url, specs, records, failures, counts), 0
    explore = mode == "explorers"
    while not stop.is_set():
        name = rng.choice(pages)
        page = PAGES[name]
        state, t = (explored_state(page, rng) if explore else rng.choice(page.pool)), 0.3
        browser.open(name, state, t)
        browser.show("open", name, page, state)
        wanted = False
        for _ in range(30):                                     # thirty time moves, then another page
            if stop.wait(rng.uniform(1.0, 3.0)):                # reading the figure
                return
            if name == "landscape" and not wanted:              # the first pointer-down asks for the frames
                browser.held["stack-state.data"] = browser.held["lab-state.data"]
                browser.send("landscape: preview frames", "landscape-stack")
                if explore and rng.random() < STRIP_SHARE:
                    browser.held["strip-state.data"] = browser.held["lab-state.data"]
                    browser.send("landscape: strip (scrolled to)", "strip-graph")
                wanted = True
            for _ in range(rng.randint(3, 8)):                   # a drag: drawn in the browser
                if stop.wait(rng.uniform(0.1, 0.3)):
                    return
                t = float(np.clip(round(t * 10 ** rng.uniform(-0.1, 0.1), 2 - int(np.floor(np.log10(t)))),
                                  1e-3, 1e2))
                records.append(("drag position (no request)", 0.0, True, time.perf_counter()))
            browser.held["lab-time.data"] = browser.held["lab-time-set.data"] = t
            start = time.perf_counter()
            ok = all([browser.send("time move (release): request", prefix) for prefix in page.on_release])
            if page.on_release:
                browser.record("time move (release)", start, ok)
            moves += 1
            if moves % 10 == 0:
                state = explored_state(page, rng) if explore else rng.choice(page.pool)
                browser.show("parameter change", name, page, state)
                wanted = False


def generator(url, specs, mode, seeds, seconds, origin, queue, pages):
    """One process of the load generator: a thread per student until ``origin + seconds``; its records, failures
    and CPU seconds go back through ``queue``."""
    stop, records, failures, counts = threading.Event(), [], [], {"requests": 0, "polls": 0}
    threads = [threading.Thread(target=student, args=(url, specs, mode, stop, records, failures, counts, seed, pages))
               for seed in seeds]
    for th in threads:
        th.start()
    stop.wait(max(0.0, origin + seconds - time.time()))
    stop.set()
    for th in threads:
        th.join()
    cpu = psutil.Process().cpu_times()
    queue.put((records, failures, cpu.user + cpu.system, counts))


def prepare_jobs(cache_dir):
    """Compute the class pools' background jobs into the server's cache folder (a warm cache, as after the first
    student)."""
    import os
    os.environ["CACHE_DIR"] = cache_dir
    import app as lab
    from pages import bifurcation, entropy, memorization, particles
    from pages.ising._model import BATH_JOB
    from pages.training._model import JOB as TRAINING
    jobs = {"bifurcation": bifurcation.JOB, "entropy": entropy.JOB, "memorization": memorization.JOB,
            "ising": BATH_JOB, "particles": particles.JOB, "training": TRAINING}
    with lab.server.test_request_context():
        for page, job in jobs.items():
            for state in PAGES[page].pool:
                job.result(state, *[INITIAL[f"{cid}.{prop}"] for cid, prop in job.controls])


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


def server_cpu(workers) -> float:
    """CPU seconds of the gunicorn workers and of the job processes they forked and reaped."""
    total = 0.0
    for w in workers:
        try:
            c = w.cpu_times()
            total += c.user + c.system + c.children_user + c.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def summary(records, kind):
    lat = np.array([r[1] for r in records if r[0] == kind]) * 1e3
    return dict(n=int(lat.size), errors=int(sum(not r[2] for r in records if r[0] == kind)),
                p50=round(float(np.percentile(lat, 50)), 1), p95=round(float(np.percentile(lat, 95)), 1),
                p99=round(float(np.percentile(lat, 99)), 1))


def run(users=200, seconds=120, mode="class", processes=4, workers="2", threads="4", pages=tuple(PAGES)) -> dict:
    cache_dir = tempfile.mkdtemp(prefix="dtlab-load-")
    if mode == "class":
        prepare_jobs(cache_dir)
    proc, url = start_server({"CACHE_DIR": cache_dir, "WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads})
    try:
        wait_healthy(url)
        specs = {d["output"]: d for d in requests.get(url + "/_dash-dependencies", timeout=30).json()}
        master = psutil.Process(proc.pid)
        while len(master.children()) < int(workers):        # every worker forked: each one's CPU is counted
            time.sleep(0.1)
        workers_ = master.children()
        start_rss = {w.pid: w.memory_info().rss for w in workers_}
        stop, peaks, rss_series = threading.Event(), {}, []
        watcher = threading.Thread(target=sample_memory, args=(proc.pid, stop, peaks, rss_series))
        watcher.start()
        context = multiprocessing.get_context("spawn")      # no threads of this process in the children
        queue = context.Queue()
        origin = time.time() + 5.0                           # every process started before the clock runs
        gens = [context.Process(target=generator,
                                args=(url, specs, mode, range(i, users, processes), seconds, origin, queue, pages))
                for i in range(processes)]
        for g in gens:
            g.start()
        time.sleep(max(0.0, origin - time.time()))
        cpu0 = server_cpu(workers_)
        results = [queue.get() for _ in gens]
        wall = time.time() - origin
        cpu1 = server_cpu(workers_)
        for g in gens:
            g.join()
        stop.set()
        watcher.join()
        healthy = requests.get(url + "/healthz", timeout=5).ok
    finally:
        proc.terminate()
        proc.wait()
    records = [r for rs, *_ in results for r in rs]
    failures = [f for _, fs, *_ in results for f in fs]
    sent = sum(c["requests"] for *_, c in results)
    polls = sum(c["polls"] for *_, c in results)
    return dict(mode=mode, pages=list(pages), users=users, seconds=seconds, generator_processes=processes,
                workers=int(workers), threads=int(threads), cores=psutil.cpu_count(), requests=sent, job_polls=polls,
                errors=int(sum(not r[2] for r in records)), healthy=healthy,
                drag_positions=sum(1 for r in records if r[0] == "drag position (no request)"),
                per_action={kind: summary(records, kind) for kind in sorted({r[0] for r in records})},
                server_cpu_cores=round((cpu1 - cpu0) / wall, 3),
                server_cpu_ms_per_request=round(1e3 * (cpu1 - cpu0) / max(1, sent + polls), 2),
                generator_cpu_cores=round(sum(c for _, _, c, _ in results) / wall, 3), wall_seconds=round(wall, 1),
                worker_rss_start_mb={str(k): round(v / 2**20) for k, v in start_rss.items()},
                worker_rss_peak_mb={str(k): round(v / 2**20) for k, v in peaks.items()},
                largest_worker_rss_mb_by_20s=rss_series, failures=sorted(set(failures))[:20])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("class", "explorers"), default="class")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--threads", default="4")
    parser.add_argument("--pages", nargs="*", choices=list(PAGES), default=list(PAGES))
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.mode, args.processes, args.workers, args.threads, tuple(args.pages))
    print(json.dumps(result, indent=1))
    subset = "" if len(args.pages) == len(PAGES) else f"-{len(args.pages)}pages"
    out = Path(__file__).parent / "results" / f"load-{args.mode}-{args.users}{subset}.json"
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
