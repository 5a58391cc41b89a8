"""Pages in a real headless Chromium (dash.testing's dash_duo with Debian's chromium)."""
import time
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from dash import page_registry
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browsing import TRACK_REQUESTS, drawn_selector, scroll_to, settle, wait_for
from tests.installed import missing

pytestmark = pytest.mark.browser
TIMEOUT = 20


@pytest.fixture
def duo(dash_duo, lab):
    dash_duo.start_server(lab.app)
    return dash_duo


def query(duo):
    return {k: v[-1] for k, v in parse_qs(urlparse(duo.driver.current_url).query).items()}


def thumbnails_drawn(duo):
    """Home cards whose graph has been drawn (plotly adds several svg.main-svg per graph)."""
    script = ("return [...document.querySelectorAll('.card .js-plotly-plot')]"
              ".filter(g => g.querySelector('.main-svg')).length")
    return duo.driver.execute_script(script)


def cards(duo):
    return len(duo.driver.find_elements(By.CSS_SELECTOR, ".card"))


def no_errors(duo):
    severe = [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert not severe, severe
    assert not duo.driver.find_elements(By.CSS_SELECTOR, ".dash-fe-error__title")


def test_every_page_loads_and_navigation_keeps_state(duo):
    duo.driver.get(duo.server_url + "/")
    wait_for(lambda: thumbnails_drawn(duo) == cards(duo))
    brand = duo.find_element(".brand")             # the full name on a wide screen, "DT Lab" on a laptop
    assert brand.text in ("Diffusion Thermodynamics Lab", "DT Lab")
    assert brand.get_attribute("title") == "Diffusion Thermodynamics Lab"
    for path in [page["path"] for page in page_registry.values()]:
        duo.driver.get(duo.server_url + path)
        wait_for(lambda path=path: duo.driver.find_elements(By.CSS_SELECTOR, drawn_selector(path))
                 and (path != "/about" or "References" in duo.find_element(".page").text)
                 and (path != "/compare" or len(duo.driver.find_elements(By.CSS_SELECTOR, drawn_selector(path))) == 2))
        no_errors(duo)
    duo.driver.get(duo.server_url + "/landscape?target=two_deltas&t=0.5")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.5", timeout=TIMEOUT)
    # The nav link carries the state to the home page and back.
    duo.find_element("a.nav-link[href^='/?']").click()
    wait_for(lambda: thumbnails_drawn(duo) == cards(duo))
    duo.find_element("a.nav-link[href^='/landscape']").click()
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.5", timeout=TIMEOUT)
    assert query(duo)["target"] == "two_deltas"
    no_errors(duo)


def test_url_restores_controls(duo):
    duo.driver.get(duo.server_url + "/landscape?target=gaussian_points&d=3&n=20&t=0.05&seed=4")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.05", timeout=TIMEOUT)
    wait_for(lambda: duo.find_element("#ctl-d").get_attribute("value") == "3")
    assert duo.find_element("#ctl-n").get_attribute("value") == "20"
    assert duo.find_element("#ctl-seed").get_attribute("value") == "4"
    assert "Random dataset (Gaussian)" in duo.find_element("#ctl-target").text
    assert "principal axis" in duo.find_element("#landscape-graph").text
    no_errors(duo)


def test_garbage_url_shows_defaults_and_notice(duo):
    duo.driver.get(duo.server_url + "/landscape?t=abc&d=%ZZ&target=zzz&n=1e99&sigma=-4")
    duo.wait_for_contains_text("#state-notice", "adjusted", timeout=TIMEOUT)
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.3", timeout=TIMEOUT)
    assert "K deltas on a circle" in duo.find_element("#ctl-target").text
    no_errors(duo)


def test_control_change_updates_figure_url_and_back_button(duo):
    duo.driver.get(duo.server_url + "/landscape?target=circle&t=0.25")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.25", timeout=TIMEOUT)
    box = duo.find_element("#ctl-t")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.8", Keys.ENTER)
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.8", timeout=TIMEOUT)
    wait_for(lambda: query(duo).get("t") == "0.8")
    assert "above t_c" in duo.find_element("#landscape-caption").text
    # The slider moves time too (keyboard on its handle: one step of 0.01 in log10 t).
    handle = duo.find_element("#ctl-logt [role='slider']")
    handle.send_keys(Keys.ARROW_LEFT)
    wait_for(lambda: query(duo).get("t") not in (None, "0.8"))
    duo.driver.back()
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.8", timeout=TIMEOUT)
    no_errors(duo)


def test_the_strip_below_the_fold_is_computed_once_seen(duo):
    """A page open does not pay for the five-panel strip below the fold (issue 30): it shows a placeholder until
    scrolled into view, then its five panels — and follows a parameter change from then on."""
    duo.driver.set_window_size(1440, 900)                     # a laptop: the strip lies below the fold
    duo.driver.get(duo.server_url + "/landscape?target=circle&t=0.25")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.25", timeout=60)
    settle(duo)
    heatmaps = ("const g = document.querySelector('#strip-graph .js-plotly-plot');"
                "return g && g.data ? g.data.filter(t => t.type === 'heatmap').length : 0")
    assert duo.driver.execute_script(heatmaps) == 0
    assert "drawn when you scroll here" in duo.find_element("#strip-graph").text
    wait_for(lambda: scroll_to(duo, "#strip-graph") or duo.driver.execute_script(heatmaps) == 5, timeout=60)
    names = "return document.querySelector('#strip-graph .js-plotly-plot').data.map(t => t.name).join()"
    before = duo.driver.execute_script(names)
    box = duo.find_element("#ctl-r")                      # seen once: a parameter change redraws it at once
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("2", Keys.ENTER)
    wait_for(lambda: duo.driver.execute_script(heatmaps) == 5 and duo.driver.execute_script(names) != before,
             timeout=60)
    no_errors(duo)


def test_click_sets_probe_and_weights(duo):
    duo.driver.get(duo.server_url + "/landscape?target=circle&t=0.2")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.2", timeout=TIMEOUT)
    assert "No probe" in duo.find_element("#probe-readout").text
    plot = duo.find_element("#landscape-graph .nsewdrag")
    ActionChains(duo.driver).move_to_element_with_offset(plot, plot.size["width"] // 4, 0).click().perform()
    duo.wait_for_contains_text("#probe-readout", "1/Σw²", timeout=TIMEOUT)
    wait_for(lambda: len(duo.driver.find_elements(By.CSS_SELECTOR, "#weights-graph .bars .point")) == 4)
    assert "probe x̃" in duo.find_element("#landscape-graph").text
    no_errors(duo)


def test_one_dimensional_probe(duo):
    duo.driver.get(duo.server_url + "/landscape?target=two_deltas&t=0.4")
    duo.wait_for_contains_text("#landscape-graph .gtitle", "t = 0.4", timeout=TIMEOUT)
    plot = duo.find_element("#landscape-graph .nsewdrag")
    ActionChains(duo.driver).move_to_element_with_offset(plot, -plot.size["width"] // 4, 0).click().perform()
    duo.wait_for_contains_text("#probe-readout", "1/Σw²", timeout=TIMEOUT)
    wait_for(lambda: len(duo.driver.find_elements(By.CSS_SELECTOR, "#weights-graph .bars .point")) == 2)
    assert not duo.find_element(".landscape-plot").is_displayed()   # no surface option in 1-D
    no_errors(duo)


def test_bifurcation_time_and_field(duo):
    duo.driver.get(duo.server_url + "/bifurcation?target=two_deltas&t=0.5")
    duo.wait_for_contains_text("#bif-caption", "critical (pitchfork)", timeout=TIMEOUT)
    assert "First branching found: t = 1" in duo.find_element("#bif-caption").text
    duo.wait_for_contains_text("#bif-exponents", "mean field 3", timeout=TIMEOUT)
    lines_before = duo.driver.find_elements(By.CSS_SELECTOR, "#bif-paths .shapelayer path")
    assert len(lines_before) == 3          # predicted, found, now
    box = duo.find_element("#ctl-h")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.05", Keys.ENTER)
    duo.wait_for_contains_text("#bif-caption", "first-order", timeout=TIMEOUT)
    wait_for(lambda: query(duo).get("h") == "0.05")
    handle = duo.find_element("#ctl-logt [role='slider']")
    handle.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: query(duo).get("t") not in (None, "0.5"))
    # A time move patches the 'now' line of the drawn figure (the last shape of the paths panel).
    now_line = ("const gd = document.querySelector('#bif-paths .js-plotly-plot');"
                "return gd.layout.shapes[gd.layout.shapes.length - 1].x0;")
    wait_for(lambda: abs(duo.driver.execute_script(now_line) - float(query(duo)["t"])) < 1e-3)
    no_errors(duo)


def test_bifurcation_continuation_runs_in_the_background(duo):
    duo.driver.get(duo.server_url + "/bifurcation?target=circle&t=0.3")
    duo.wait_for_contains_text("#bif-caption", "3 merges: 3 pitchforks", timeout=60)
    assert "First branching found: t = 0.50" in duo.find_element("#bif-caption").text
    assert duo.driver.find_elements(By.CSS_SELECTOR, "#bif-tree .scatterlayer .trace")
    no_errors(duo)


def test_a_stored_result_is_drawn_without_a_job(dash_duo, lab, app_context):
    """A class that follows the lecturer finds each job's result stored: the page draws it with no background job
    (issue 30: a job costs a process and a poll, ~1 s); a new parameter set still runs one."""
    from components.state import parse_state
    from pages.bifurcation._model import JOB
    JOB.result(parse_state({"target": "circle", "n": "5"})[0])
    dash_duo.start_server(lab.app)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_REQUESTS})
    dash_duo.driver.get(dash_duo.server_url + "/bifurcation?target=circle&n=5&t=0.3")
    dash_duo.wait_for_contains_text("#bif-caption", "merges", timeout=60)
    job = "return window.__requests.filter(r => r.startsWith('bif-ready.data'))"
    assert dash_duo.driver.execute_script(job) == []
    box = dash_duo.find_element("#ctl-n")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("7", Keys.ENTER)                                  # a parameter set not stored: a job
    wait_for(lambda: dash_duo.driver.execute_script(job), timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#bif-caption", "merges", timeout=60)


def test_particles_play_and_pause(duo):
    duo.driver.get(duo.server_url + "/particles?target=circle&t=50")
    duo.wait_for_contains_text("#particles-status", "loaded", timeout=60)
    clock = duo.find_element("#particles-clock")
    wait_for(lambda: clock.get_attribute("data-frame") is not None)
    start = int(clock.get_attribute("data-frame"))
    duo.find_element("#particles-play").click()
    wait_for(lambda: int(clock.get_attribute("data-frame")) > start + 5)
    duo.find_element("#particles-pause").click()
    time.sleep(0.3)
    paused_at = int(clock.get_attribute("data-frame"))
    time.sleep(1.0)
    assert int(clock.get_attribute("data-frame")) == paused_at
    renders = duo.driver.execute_script("return window.DTL_particles.renders")
    assert renders > 5
    # The fan and the caption are drawn from the same run; the slider scrubs the frame.
    duo.wait_for_contains_text("#particles-caption", "Speciation t_s", timeout=TIMEOUT)
    box = duo.find_element("#ctl-t")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.01", Keys.ENTER)
    def clock_time():
        return float(clock.text.split("t = ")[1].split(" ")[0])
    wait_for(lambda: abs(np.log(clock_time() / 0.01)) < 0.05)   # nearest recorded frame
    no_errors(duo)


#: Records, at each animation frame while the particles play, the frame shown and the URL's t.
RECORD_PLAY = ("window.__seen = []; window.__urlT = []; const a = window.DTL_particles;"
               "(function rec() { if (a.playing) { window.__seen.push(Math.floor(a.frame));"
               " window.__urlT.push(Number(new URLSearchParams(location.search).get('t'))); }"
               " if (window.__seen.length < 1e5) requestAnimationFrame(rec); })();")


def test_particles_play_runs_from_t_max_and_the_slider_follows(duo):
    """Play starts the reverse process at t_max whatever the slider says, the slider and URL follow the
    frames, and the end leaves t = t_min in the URL (issue 22)."""
    duo.driver.get(duo.server_url + "/particles?target=circle&t=0.01")
    duo.wait_for_contains_text("#particles-status", "loaded", timeout=60)
    clock = duo.find_element("#particles-clock")
    wait_for(lambda: clock.get_attribute("data-frame") is not None)
    assert int(clock.get_attribute("data-frame")) > 100                       # scrubbed to t = 0.01
    duo.driver.execute_script("window.DTL_particles.speed = 0.5")
    length = duo.driver.execute_script("return history.length")
    # every animation frame while playing, the frame and the URL's t are recorded (a busy machine's polling
    # saw the first frames pass before it looked)
    duo.driver.execute_script(RECORD_PLAY)
    duo.find_element("#particles-play").click()
    wait_for(lambda: duo.driver.execute_script("return window.__seen.length > 0"))
    wait_for(lambda: not duo.driver.execute_script("return window.DTL_particles.playing"), timeout=120)
    seen, url_t = duo.driver.execute_script("return [window.__seen, window.__urlT]")
    assert seen[0] < 40, seen[:5]                                            # from t_max
    assert max(url_t) > 0.1, url_t[:5]                                      # the URL follows the frames
    wait_for(lambda: float(query(duo)["t"]) == pytest.approx(1e-3))
    assert duo.driver.execute_script("return history.length") <= length + 1   # one entry, at the end
    handle = duo.find_element("#ctl-logt [role='slider']")
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(-3)
    # Play again after the run ended on its own: a whole run from t_max once more (it kept the last
    # frame's clock and jumped to the end, or restarted mid-run, issue 28)
    duo.driver.execute_script(RECORD_PLAY)
    duo.find_element("#particles-play").click()
    wait_for(lambda: duo.driver.execute_script("return window.__seen.length > 0"))
    wait_for(lambda: not duo.driver.execute_script("return window.DTL_particles.playing"), timeout=120)
    seen = duo.driver.execute_script("return window.__seen")
    frames = duo.driver.execute_script("return window.DTL_particles.frames")
    assert seen and seen[0] < 40, seen[:5]                                   # from t_max again
    assert len(set(seen)) > 20, sorted(set(seen))                           # through the run, not a jump
    assert seen == sorted(seen) and seen[-1] >= 0.9 * frames                 # recorded while playing
    assert int(clock.get_attribute("data-frame")) == frames - 1
    no_errors(duo)


def test_a_crafted_ising_link_is_clamped_and_drawn_in_time(duo):
    """/ising?spins=1e6&K=abc&temp=0: the notice names each clamped value and the figures are drawn
    (the d = 1,000 fixed-point scan took 6 s a model, and with its reference model the request
    overran the 20 s limit on a busy machine, leaving empty axes)."""
    duo.driver.get(duo.server_url + "/ising?spins=1e6&K=abc&temp=0")
    duo.wait_for_contains_text("#state-notice", "set to the maximum 1000", timeout=TIMEOUT)
    drawn = ("const g = document.querySelector('#ising-diagram .js-plotly-plot');"     # traces with points
             "return g && g.data ? g.data.filter(t => t.x && (t.x.length || t.x.bdata)).length : 0")
    wait_for(lambda: duo.driver.execute_script(drawn) >= 2, timeout=40)
    assert "took longer" not in duo.find_element("body").text
    assert "not a number" in duo.find_element("#state-notice").text
    no_errors(duo)


def test_entropy_profile_changes_with_target(duo):
    duo.driver.get(duo.server_url + "/entropy?target=two_deltas&t=0.5")
    duo.wait_for_contains_text("#entropy-caption", "First branching of the fixed-point paths: t = 1", timeout=60)
    first = duo.find_element("#entropy-caption").text
    assert "two deltas, 1-D quadrature" in duo.find_element("#entropy-profile").text
    duo.driver.get(duo.server_url + "/entropy?target=subspace&d=6&dd=2&t=0.5")
    duo.wait_for_contains_text("#entropy-profile", "Ambrogioni 2025 eq. 22", timeout=60)
    wait_for(lambda: duo.find_element("#entropy-caption").text not in ("", first))
    no_errors(duo)


def test_memorization_panels(duo):
    duo.driver.get(duo.server_url + "/memorization?target=mixture_samples&process=VP&n=500&d=10&r=1&sc=1&t=0.3")
    duo.wait_for_contains_text("#mem-caption", "Eq. 10: t_C", timeout=90)
    for graph in ("#mem-participation", "#mem-rem", "#mem-collapse", "#mem-phase"):
        assert duo.driver.find_elements(By.CSS_SELECTOR, graph + " .main-svg")
    assert "large M: 1 − β_c/β̃" in duo.find_element("#mem-rem").text
    no_errors(duo)


def test_ising_temperature_across_the_critical_point(duo):
    """T > J: paramagnetic target, Λ ≈ 1/(1 − J/T); T < J: two-peaked target, the branching moves to large t."""
    duo.driver.get(duo.server_url + "/ising?spins=10&J=1&temp=1.5&t=0.5")
    duo.wait_for_contains_text("#ising-target .gtitle", "paramagnetic", timeout=TIMEOUT)
    above = duo.find_element("#ising-diagram .gtitle").text
    assert "2^10 = 1,024 states" in duo.find_element("#ising-caption").text
    box = duo.find_element("#ctl-temp")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.6", Keys.ENTER)
    duo.wait_for_contains_text("#ising-target .gtitle", "ferromagnetic", timeout=TIMEOUT)
    wait_for(lambda: duo.find_element("#ising-diagram .gtitle").text != above)
    lam = lambda text: float(text.split("Λ = ")[1].split()[0])  # noqa: E731
    assert lam(duo.find_element("#ising-diagram .gtitle").text) > 3 * lam(above)
    wait_for(lambda: query(duo).get("temp") == "0.6")
    duo.wait_for_contains_text("#bath-caption", "T_c = w", timeout=60)
    for graph in ("#bath-distribution", "#bath-magnetization", "#bath-trajectories", "#bath-variance"):
        assert duo.driver.find_elements(By.CSS_SELECTOR, graph + " .main-svg")
    no_errors(duo)


def test_compare_shows_two_states_on_one_time_axis(duo):
    """/compare: the view in the lab's state (VE) beside the same with flow matching, each computed as on its own
    page; the page's time box moves both (issue 28: side by side, sliders linked)."""
    duo.driver.get(duo.server_url + "/compare?target=two_deltas&t=0.5&view=/landscape&vs=ve-fm")
    wait_for(lambda: len(duo.driver.find_elements(By.CSS_SELECTOR, ".compare-frame[src]")) == 2, timeout=TIMEOUT)
    assert "process=FM" in duo.find_element("#compare-frame-b").get_attribute("src")

    def in_frame(name, selector):
        duo.driver.switch_to.frame(duo.find_element(f"#compare-frame-{name}"))
        try:
            found = duo.driver.find_elements(By.CSS_SELECTOR, selector)
            return found[0].text if found else ""
        finally:
            duo.driver.switch_to.default_content()

    for name in "ab":
        wait_for(lambda name=name: "t = 0.5" in in_frame(name, "#landscape-graph .gtitle"), timeout=60)
    assert "FM (flow matching" in in_frame("b", "#landscape-caption")
    assert "FM (flow matching" not in in_frame("a", "#landscape-caption")
    box = duo.find_element("#ctl-t")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("0.2", Keys.ENTER)
    for name in "ab":                                      # one time axis: both sides follow the page's t
        wait_for(lambda name=name: "t = 0.2 " in in_frame(name, "#landscape-graph .gtitle"), timeout=60)
    no_errors(duo)


@pytest.mark.skipif(bool(missing("fashion_mnist")), reason=missing("fashion_mnist") or "")
def test_the_images_page_runs_its_experiment_on_fashion_mnist(duo):
    """A fresh clone with the data installed (.ci/run installs it): the Images page's job runs on 100 T-shirts and
    trousers, draws its pictures, Fig. 4 and Fig. 5 and names both collapse times; Table 1 holds the set at the
    paper's preprocessing beside the paper's rows."""
    duo.driver.get(duo.server_url + "/images?target=fashion_mnist&process=VP&n=100&side=28&t=0.3")
    duo.wait_for_contains_text("#images-caption", "mean collapse time", timeout=120)
    for graph in ("#images-pictures", "#images-speciation", "#images-collapse"):
        wait_for(lambda graph=graph: duo.driver.execute_script(
            f"const g = document.querySelector('{graph} .js-plotly-plot'); return g && g.data && g.data.length > 0"),
            TIMEOUT)
    table = duo.find_element("#images-table").text
    assert "the paper's preprocessing" in table and "LSUN (Biroli et al. 2024)" in table and "60.5" in table
    no_errors(duo)


@pytest.mark.skipif(not missing("kmnist"), reason="KMNIST is installed here: nothing falls back")
def test_a_set_that_is_not_installed_says_how_to_install_it(duo):
    duo.driver.get(duo.server_url + "/images?target=kmnist&process=VP")
    duo.wait_for_contains_text("#server-notice", "Kuzushiji-MNIST is not installed", timeout=TIMEOUT)
    assert "DATA_DIR/kmnist" in duo.find_element("#server-notice").text


def test_the_hierarchy_page_runs_its_model_and_follows_its_controls(duo):
    """The Hierarchy page's job runs on the default grammar and names the transition; changing L in its own
    control goes into the link and reruns the model; an m the vocabulary cannot hold gets the page's note."""
    duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",       # a laptop, whatever a test before left
                               {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    duo.driver.get(duo.server_url + "/hierarchy?process=VP&t=0.06")
    duo.wait_for_contains_text("#hierarchy-caption", "the susceptibility peaks at t* =", timeout=120)
    for graph in ("#hierarchy-changes", "#hierarchy-susceptibility", "#hierarchy-uturns"):
        wait_for(lambda graph=graph: duo.driver.execute_script(
            f"const g = document.querySelector('{graph} .js-plotly-plot'); return g && g.data && g.data.length > 0"),
            TIMEOUT)
    box = duo.find_element("#hierarchy-levels input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("3", Keys.ENTER)
    duo.wait_for_contains_text("#hierarchy-caption", "L = 3, v = 8", timeout=120)   # a new job: a busy CI is slow
    assert "hl=3" in duo.driver.current_url
    duo.driver.get(duo.server_url + "/hierarchy?process=VP&hv=3&hm=9")
    duo.wait_for_contains_text("#hierarchy-note", "m ≤ v^(s−1) = 3", timeout=TIMEOUT)
    no_errors(duo)
