"""Server CPU of a page open with parameters nobody chose before (issue 30's cost budget), per page.

    python -m bench.page_costs [--out bench/results/page_costs.json]

Serves the lab with gunicorn as the container does, but one worker (so every request lands in one
process), opens each page in headless Chromium with a fresh seed (no cached result can answer), waits
until no callback is pending and no job runs, and reads the CPU seconds (user + system) the worker and
the job processes it forked spent: everything that page open computed on the server, split into the worker's own
(synchronous callbacks: the browser waits for them) and the jobs'. Each page at its
default sizes and at sizes near the caps. Run it on a quiet machine; it prints one line per page.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import psutil

from bench.screenshots import browser, settled
from tests.browsing import TRACK_REQUESTS  # noqa: F401  (browser() installs it: requests are counted)
from tests.servers import gunicorn

#: (page, query at the defaults, query near the caps); a fresh seed is added to each.
PAGES = (
    ("/landscape", "target=gaussian_points&t=0.3", "target=gaussian_points&n=20000&d=100&t=0.3"),
    ("/bifurcation", "target=gaussian_points&t=0.3", "target=gaussian_points&n=128&d=16&t=0.3"),
    ("/particles", "target=gaussian_points&t=0.3", "target=gaussian_points&n=2000&d=10&particles=5000&t=0.3"),
    ("/entropy", "target=gaussian_points&t=0.3", "target=gaussian_points&n=2000&d=50&t=0.3"),
    ("/memorization", "target=gaussian_points&t=0.3", "target=gaussian_points&n=20000&d=50&t=0.3"),
    ("/ising", "t=0.5", "spins=1000&K=5000&t=0.5"),
    ("/training", "target=gaussian_points&d=4&n=32&t=0.05", "target=gaussian_points&d=64&n=2048&t=0.05"),
    ("/data", "target=gaussian_points", "target=gaussian_points&n=20000&d=100"),
)


class ServerClock:
    """CPU seconds of one gunicorn worker and of every process it forks (the background jobs)."""

    def __init__(self, worker: psutil.Process):
        self.worker, self.seen = worker, {}

    def look(self):
        for p in [self.worker, *self.worker.children(recursive=True)]:
            try:
                t = p.cpu_times()
                self.seen[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass

    def total(self) -> float:
        return sum(self.seen.values())

    def synchronous(self) -> float:
        """The worker's own CPU: its callbacks, answered while the browser waits."""
        return self.seen[self.worker.pid]


def measure(driver, url: str, worker: psutil.Process) -> dict:
    clock = ServerClock(worker)
    clock.look()
    start_cpu, start_sync, start = clock.total(), clock.synchronous(), time.perf_counter()
    # the job processes are counted while they live: look while the page settles
    driver.get(url)
    end = time.monotonic() + 180
    while time.monotonic() < end:
        clock.look()
        busy = driver.execute_script("return window.__pending > 0 || [...document.querySelectorAll('.running')]"
                                     ".some(el => getComputedStyle(el).display !== 'none')")
        if not busy and time.perf_counter() - start > 1.0:
            settled(driver, quiet=1.5)
            clock.look()
            break
        time.sleep(0.05)
    requests = driver.execute_script("return window.__requests.length")
    sync = clock.synchronous() - start_sync
    return {"cpu_s": round(clock.total() - start_cpu, 3), "synchronous_cpu_s": round(sync, 3),
            "jobs_cpu_s": round(clock.total() - start_cpu - sync, 3), "wall_s": round(time.perf_counter() - start, 2),
            "requests": requests}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/page_costs.json")
    parser.add_argument("--pages", nargs="*", help="only these paths (default: all)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dtlab-costs-"))
    rows = []
    with gunicorn(folder / "gunicorn.log", CACHE_DIR=str(folder / "cache"), WEB_CONCURRENCY="1") as url:
        master = next(p for p in psutil.process_iter(["cmdline"])
                      if p.info["cmdline"] and "gunicorn" in " ".join(p.info["cmdline"])
                      and any(c.status == psutil.CONN_LISTEN and c.laddr.port == int(url.rsplit(":", 1)[1])
                              for c in p.net_connections("tcp")))
        worker = master.children()[0]
        driver = browser(1440, 900, False)
        try:
            driver.get(url + "/about")                 # the shell's own first requests, not a page's
            settled(driver)
            for path, defaults, caps in [p for p in PAGES if not args.pages or p[0] in args.pages]:
                for label, query in (("defaults", defaults), ("caps", caps)):
                    seed = random.SystemRandom().randrange(10**6)
                    row = {"page": path, "sizes": label, "query": query,
                           **measure(driver, f"{url}{path}?{query}&seed={seed}", worker)}
                    rows.append(row)
                    print(f"{path:14s} {label:8s} CPU {row['cpu_s']:7.3f} s (synchronous "
                          f"{row['synchronous_cpu_s']:.3f}, jobs {row['jobs_cpu_s']:.3f}) "
                          f" wall {row['wall_s']:6.2f} s  {row['requests']:3d} requests  ({query})", flush=True)
        finally:
            driver.quit()
    Path(args.out).write_text(json.dumps({"machine": f"{psutil.cpu_count()} cores", "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
