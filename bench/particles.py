"""Particles page: server time of one run and the browser's animation frame rate.

The frame rate is measured in headless Chromium (software WebGL on this machine) by counting
Plotly.restyle renders of the requestAnimationFrame loop over a few seconds of playback.
"""
from __future__ import annotations

import time

import numpy as np

from bench.browser import chrome_options, start_server, wait_healthy
from bench.timing import median_time
from core.dynamics import initial_particles, reverse_times, reverse_trajectories
from core.processes import Process
from core.targets import make_target


def server_run(repeats: int = 2) -> dict:
    """2,000 particles × 200 steps against n = 1,000 points in d = 2 (VE SDE)."""
    target, process = make_target("gaussian_points", n=1000, d=2, seed=0), Process("VE")
    times = reverse_times(1e-3, 25.0, 200)
    rng = np.random.default_rng(0)
    x0 = initial_particles(process, times[0], target, 2000, rng)
    seconds = median_time(lambda: reverse_trajectories(target, process, x0, times, rng=rng,
                                                      projection=(np.zeros(2), np.eye(2))), repeats)
    return dict(case="2,000 particles × 200 steps, n = 1,000, d = 2", seconds=seconds, target_s=1.0)


def browser_fps(particle_counts=(2_000, 5_000), seconds: float = 4.0) -> list[dict]:
    """Frames per second of the animation in headless Chromium, served by gunicorn."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    server, url = start_server()
    rows = []
    try:
        wait_healthy(url)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=chrome_options())
        for count in particle_counts:
            driver.get(f"{url}/particles?target=circle&t=50&particles={count}")
            deadline = time.time() + 90
            while time.time() < deadline:
                status = driver.execute_script(
                    "const e = document.getElementById('particles-status'); return e ? e.textContent : '';")
                if "loaded" in status:
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError(f"no run loaded for {count} particles: {driver.title!r} {driver.current_url}")
            driver.execute_script("window.DTL_particles.secondsPerRun = 1000; window.DTL_particles.renders = 0;")
            driver.execute_script("document.getElementById('particles-play').click();")
            time.sleep(seconds)
            renders = driver.execute_script("return window.DTL_particles.renders")
            driver.execute_script("document.getElementById('particles-pause').click();")
            rows.append(dict(particles=count, fps=renders / seconds, target_fps=30 if count == 2_000 else None))
        driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


if __name__ == "__main__":
    print(server_run())
    print(browser_fps())
