"""A class on one server, seen from the browser (issue 18): payload budgets per page, and slider → figure
latency while simulated students load the server.

    python -m bench.class_scale                # budgets, then latency alone and under 200 users
    python -m bench.class_scale --users 50

Budgets (no load): bytes and requests of each page's first draw, of ten time moves (keyboard steps of the
slider: each is a released move), and of one parameter change; the gunicorn workers' CPU seconds over the
ten moves.  Latency: a headless Chromium drags the slider in 3-pixel steps on each page and times each
pointer move to the next change of the page's main figure in the DOM (the landscape's is its preview).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import requests

from bench.browser import chrome_options, start_server, wait_healthy
from bench.load import prepare_jobs, student

#: page → (link, the main figure, a control the page uses and a new value for it)
PAGES = {
    "landscape": ("?target=circle&n=4&t=0.3", "#landscape-graph", "#ctl-r", "1.5"),
    "bifurcation": ("?target=two_deltas&t=0.3", "#bif-paths", "#ctl-r", "1.5"),
    "entropy": ("?target=two_deltas&t=0.3", "#entropy-profile", "#ctl-r", "1.5"),
    "memorization": ("?target=mixture_samples&t=0.3", "#mem-participation", "#ctl-sc", "0.5"),
    "particles": ("?target=circle&t=0.3", "#particles-fan", "#ctl-r", "1.5"),
    "ising": ("?t=0.3", "#ising-diagram", "#ctl-temp", "0.7"),
}
RESOURCES = """
return performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component'))
  .map(e => [e.encodedBodySize, e.decodedBodySize]);
"""
WATCH = """
const watched = document.querySelector(arguments[0]);
window.__lat = []; window.__pending = null;
document.addEventListener('pointermove', (e) => { if (e.buttons) window.__pending = performance.now(); }, true);
new MutationObserver(() => {
  if (window.__pending !== null) { window.__lat.push(performance.now() - window.__pending); window.__pending = null; }
}).observe(watched, { subtree: true, childList: true, attributes: true, characterData: true });
"""


def _idle(driver, seconds=2.0, timeout=120):
    busy = ("return document.querySelector('._dash-loading') !== null || [...document.querySelectorAll('.running')]"
            ".some(el => getComputedStyle(el).display !== 'none')")
    end, quiet = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < end and time.monotonic() - quiet < seconds:
        if driver.execute_script(busy):
            quiet = time.monotonic()
        time.sleep(0.1)


def _phase(driver):
    """Callback responses since the last call: (requests, gzip kB, JSON kB)."""
    rows = driver.execute_script(RESOURCES)
    driver.execute_script("performance.clearResourceTimings()")
    return dict(requests=len(rows), gzip_kb=sum(r[0] for r in rows) / 1e3, json_kb=sum(r[1] for r in rows) / 1e3)


def _worker_cpu(pid):
    return sum(sum(c.cpu_times()[:2]) for c in psutil.Process(pid).children())


def budgets(driver, url, pid) -> dict:
    from selenium.webdriver.common.keys import Keys
    out = {}
    for page, (query, _, control, value) in PAGES.items():
        driver.get(url + "/" + page + query)
        driver.execute_script("performance.setResourceTimingBufferSize(10000)")
        _idle(driver)
        first = _phase(driver)
        handle = driver.find_element("css selector", "#ctl-logt [role='slider']")
        cpu = _worker_cpu(pid)
        for i in range(10):
            handle.send_keys(Keys.ARROW_RIGHT if i % 2 else Keys.ARROW_LEFT)
            time.sleep(0.3)
        _idle(driver)
        moves = _phase(driver)
        moves["worker_cpu_ms_per_move"] = (_worker_cpu(pid) - cpu) * 100
        box = driver.find_element("css selector", control)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(value, Keys.ENTER)
        _idle(driver)
        out[page] = dict(first_draw=first, ten_time_moves=moves, parameter_change=_phase(driver))
    return out


def latency(driver, url, moves=30) -> dict:
    from selenium.webdriver.common.action_chains import ActionChains
    out = {}
    for page, (query, graph, _, _) in PAGES.items():
        driver.get(url + "/" + page + query)
        _idle(driver)
        driver.execute_script(WATCH, graph)
        handle = driver.find_element("css selector", "#ctl-logt [role='slider']")
        chain = ActionChains(driver).click_and_hold(handle)     # one gesture: the pointer stays down
        for i in range(moves):
            chain = chain.move_by_offset(3 if (i // 10) % 2 == 0 else -3, 0).pause(0.25)
        chain.release().perform()
        lat = driver.execute_script("return window.__lat")
        out[page] = dict(moves=moves, redraws=len(lat), p50=float(np.percentile(lat, 50)) if lat else None,
                         p95=float(np.percentile(lat, 95)) if lat else None)
    return out


def run(users=200) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    cache_dir = tempfile.mkdtemp(prefix="dtlab-class-")
    prepare_jobs(cache_dir)
    proc, url = start_server({"CACHE_DIR": cache_dir})
    try:
        wait_healthy(url)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=chrome_options())
        result = dict(budgets=budgets(driver, url, proc.pid), latency_alone=latency(driver, url))
        specs = {d["output"]: d for d in requests.get(url + "/_dash-dependencies", timeout=30).json()}
        stop, records, failures, counts = threading.Event(), [], [], {"requests": 0, "polls": 0}
        crowd = [threading.Thread(target=student, args=(url, specs, "class", stop, records, failures, counts, i))
                 for i in range(users)]
        for th in crowd:
            th.start()
        time.sleep(10)
        result[f"latency_with_{users}_users"] = latency(driver, url)
        stop.set()
        for th in crowd:
            th.join()
        sent = [r for r in records if r[0] != "drag position (no request)"]
        result["crowd_requests"], result["crowd_errors"] = len(sent), sum(not r[2] for r in sent)
        result["crowd_failures"] = sorted(set(failures))
        driver.quit()
    finally:
        proc.terminate()
        proc.wait()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    result = run(parser.parse_args().users)
    print(json.dumps(result, indent=1))
    (Path(__file__).parent / "results" / "class_scale.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
