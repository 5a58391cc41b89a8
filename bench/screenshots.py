"""Screenshots of every page on a phone, a laptop and a projector (light, dark, lecture) for
docs/screenshots/ (issue 22).

    python -m bench.screenshots [--url http://127.0.0.1:8050] [--out docs/screenshots]

Without --url it serves the lab with gunicorn on a free port (as tests/servers.py does). Each
page is shot once it has settled (no callback pending, no job running), in the viewport only.
"""
from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browsing import TRACK_REQUESTS

#: (name, width, height, query added to the page's, mobile)
SCREENS = (("phone", 390, 844, "", True), ("laptop", 1440, 900, "", False),
           ("laptop-dark", 1440, 900, "theme=dark", False),
           ("projector-lecture", 1920, 1080, "lecture=1&theme=dark", False))
PAGES = ("/", "/landscape?target=circle&t=0.25", "/bifurcation?target=circle&t=0.3",
         "/particles?target=mixture_samples&process=VP&d=2&n=1000&r=1.5&sc=0.5&t=0.5",
         "/entropy?target=two_deltas&t=0.5", "/memorization?target=mixture_samples&process=VP&d=10&n=2000&t=0.3",
         "/images?target=fashion_mnist&process=VP&t=0.5", "/uturn?target=mixture&d=2&r=1&sc=0.3&process=VP&t=0.4",
         "/hierarchy?process=VP&t=0.06",
         "/ising", "/training?target=gaussian_points&d=4&n=32&process=VP&t=0.05", "/data", "/about")


def browser(width, height, mobile):
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--window-size={width},{height}", f"--user-data-dir={tempfile.mkdtemp(prefix='dtlab-shots-')}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_REQUESTS})
    return driver


def settled(driver, quiet=2.0, timeout=120):
    busy = ("return window.__pending > 0 || [...document.querySelectorAll('.running')]"
            ".some(el => getComputedStyle(el).display !== 'none')")
    end, still = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < end:
        if driver.execute_script(busy):
            still = time.monotonic()
        elif time.monotonic() - still > quiet:
            return
        time.sleep(0.2)


def shoot(url: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, width, height, extra, mobile in SCREENS:
        driver = browser(width, height, mobile)
        try:
            for page in PAGES:
                sep = "&" if "?" in page else "?"
                driver.get(url + page + (sep + extra if extra else ""))
                settled(driver)
                time.sleep(1.0)                       # titles are fitted after the last draw
                slug = page.split("?")[0].strip("/") or "home"
                path = out / f"{slug}-{name}.png"
                driver.save_screenshot(str(path))
                files.append(path)
        finally:
            driver.quit()
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None:
            from tests.servers import gunicorn
            folder = Path(tempfile.mkdtemp(prefix="dtlab-shots-"))
            url = stack.enter_context(gunicorn(folder / "gunicorn.log", CACHE_DIR=str(folder / "cache")))
        for path in shoot(url.rstrip("/"), Path(args.out)):
            print(path)


if __name__ == "__main__":
    main()
