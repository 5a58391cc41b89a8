"""What browser tests share: a callback-request tracker installed before any page script, a wait for a
page to settle (no callback pending, no background job running), and a wait for a condition."""
import time

#: How long a page's background job may take before a browser test fails (seconds): a bound, not a wait (the tests
#: return as soon as the result shows).  Jobs of a few seconds on a quiet machine took minutes in CI beside the other
#: worker's tests, and beside two CPU-burning loops.
JOB_BOUND = 300
#: Installed before any page script: every callback request is counted (pending, and by output).
TRACK_REQUESTS = """
window.__requests = [];
window.__pending = 0;
const fetch0 = window.fetch;
window.fetch = function (url, init) {
  if (!String(url).includes('_dash-update-component')) return fetch0.apply(this, arguments);
  let output = '?';
  try { output = JSON.parse(init.body).output; } catch (e) {}
  window.__requests.push(output);
  window.__pending += 1;
  return fetch0.apply(this, arguments).finally(() => { window.__pending -= 1; });
};
"""
COUNT_REQUESTS = "window.__requests = [];"

#: What shows that a page without a figure of its own is drawn (a page with one: ".page .main-svg").
DRAWN = {"/compare": ".compare-frame[src]",          # it draws inside its two frames, each a page of its own
         "/lessons": ".lesson-card", "/handout": ".page h1", "/about": ".page h2"}


def drawn_selector(path: str) -> str:
    """The CSS selector that appears once ``path`` has drawn."""
    return DRAWN.get(path, ".page .main-svg")


def settle(duo, seconds=1.5, timeout=90):
    """Wait until no callback has been pending and no background job running for ``seconds``."""
    busy = ("return window.__pending > 0 || [...document.querySelectorAll('.running')]"
            ".some(el => getComputedStyle(el).display !== 'none')")
    end, quiet = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < end:
        if duo.driver.execute_script(busy):
            quiet = time.monotonic()
        elif time.monotonic() - quiet > seconds:
            return
        time.sleep(0.1)


def wait_for(predicate, timeout=30):
    """Poll ``predicate`` until it is true (exceptions while the DOM is rewritten count as not yet)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if predicate():
                return
        except Exception:  # the DOM is being rewritten: retry
            pass
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def scroll_to(duo, selector: str):
    """Bring an element into view: figures below the fold are drawn once they are seen (the landscape's strip).
    Call it inside the wait (``wait_for(lambda: scroll_to(...) or drawn())``): a figure drawn above it later
    pushes it out of view again."""
    duo.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", selector)
