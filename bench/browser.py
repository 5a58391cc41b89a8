"""Browser latency (slider move → figure updated in the DOM) per page, and cold start.

Everything runs against gunicorn on a loopback port, as the container serves the lab.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

from bench.timing import percentiles

ROOT = Path(__file__).resolve().parents[1]
#: page → (URL query, element whose DOM changes when the page has redrawn)
PAGES = {
    "landscape": ("?target=circle&t=0.3", "#landscape-graph"),
    "bifurcation": ("?target=two_deltas&t=0.5", "#bif-paths"),
    "particles": ("?target=circle&t=0.5", "#particles-clock"),
    "entropy": ("?target=two_deltas&t=0.5", "#entropy-profile"),
}
MOVE = """
const done = arguments[arguments.length - 1];
const watched = document.querySelector(arguments[0]);
const handle = document.querySelector('#ctl-logt [role="slider"]');
const key = arguments[1];
const start = performance.now();
const observer = new MutationObserver(() => { observer.disconnect(); done(performance.now() - start); });
observer.observe(watched, {subtree: true, childList: true, attributes: true, characterData: true});
handle.focus();
handle.dispatchEvent(new KeyboardEvent('keydown', {key: key, code: key, bubbles: true}));
setTimeout(() => { observer.disconnect(); done(-1); }, 10000);
"""


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env_extra=None):
    """gunicorn -c gunicorn.conf.py app:server on a free loopback port; returns (process, url)."""
    port = _port()
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "CACHE_DIR": tempfile.mkdtemp(), **(env_extra or {})}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, f"http://127.0.0.1:{port}"


def chrome_options():
    """Headless Chromium flags that work on this machine, fresh profile."""
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1400,1000", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return options


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    """Block until the server answers /healthz."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def cold_start() -> dict:
    """Seconds from launching gunicorn to the first page, with the numba cache cold, then warm."""
    cache_dir = tempfile.mkdtemp(prefix="dtlab-numba-")
    out = {}
    for label in ("cold", "warm"):
        start = time.perf_counter()
        proc, url = start_server({"NUMBA_CACHE_DIR": cache_dir})
        try:
            while True:
                try:
                    if requests.get(url + "/landscape", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.05)
            out[label] = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return out


def latency(moves: int = 30) -> list[dict]:
    """p50/p95 of slider move → DOM mutation of each page's main figure (ms)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    proc, url = start_server()
    rows = []
    try:
        wait_healthy(url)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=chrome_options())
        driver.set_script_timeout(15)
        for name, (query, watched) in PAGES.items():
            driver.get(url + "/" + name + query)
            time.sleep(6)                          # initial render and any background job
            samples = []
            for i in range(moves):
                ms = driver.execute_async_script(MOVE, watched, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
                if ms >= 0:
                    samples.append(ms)
                time.sleep(0.3)
            rows.append(dict(page=name, **percentiles(samples), moves=len(samples)))
        driver.quit()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return rows


if __name__ == "__main__":
    print(cold_start())
    for row in latency():
        print(row, np.round(row["p95"], 1))
