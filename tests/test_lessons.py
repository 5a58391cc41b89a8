"""Lessons (components/lessons.py, components/tour.py, pages/lessons): every lesson file valid, a bad one refused
with a clear message, the tour's panel, and each lesson run start to finish in Chromium."""
import re

import pytest

from components.lessons import LESSON_DIR, LessonError, lessons, page_paths, parse_lesson

PAGES = frozenset({"/landscape", "/particles", "/bifurcation"})
GOOD_STEP = '''
[[step]]
title = "One"
view = "/landscape?target=two_deltas&t=0.5"
text = "Some text."
notice = "Something."
'''


def lesson_text(steps=GOOD_STEP * 2, head='title = "A lesson"\nlevel = "introductory"\nsummary = "S."\n'):
    return head + steps


def test_every_lesson_of_the_lab_is_valid_and_reads_from_the_papers(app_context):
    found = lessons()
    assert len(found) == len(list(LESSON_DIR.glob("*.toml"))) >= 1
    for key, lesson in found.items():
        assert lesson.papers and 6 <= len(lesson.steps) <= 10, key           # issue 33: 6–10 steps each
        assert sum(bool(s.question) for s in lesson.steps) >= 2, key            # questions a student answers
        for k, step in enumerate(lesson.steps, start=1):
            assert 2 <= len(re.findall(r"[.!?](\s|$)", step.text)) <= 5, (key, k)   # two to four sentences
            href = lesson.href(k)
            assert href.startswith(step.path + "?") and f"lesson={key}" in href
            assert lesson.state(k).step == k


def test_a_step_is_validated_by_the_lab_state_parser():
    assert parse_lesson(lesson_text(), "ok", PAGES).steps[0].path == "/landscape"
    cases = {
        "not valid TOML": lesson_text() + "\n[[step]\n",
        "has no page “/nowhere”": lesson_text(GOOD_STEP.replace("/landscape", "/nowhere") + GOOD_STEP),
        "does not know the link parameter(s) colour": lesson_text(GOOD_STEP.replace("t=0.5", "t=0.5&colour=red")
                                                                  + GOOD_STEP),
        "would open with a notice": lesson_text(GOOD_STEP.replace("t=0.5", "t=1e9") + GOOD_STEP),
        "must be a page of the lab (“/landscape?t=0.5”), not “https://evil.example/landscape?": lesson_text(
            GOOD_STEP.replace('"/landscape?', '"https://evil.example/landscape?') + GOOD_STEP),
        "not “javascript:alert(1)”": lesson_text(GOOD_STEP.replace('"/landscape?target=two_deltas&t=0.5"',
                                                                    '"javascript:alert(1)"') + GOOD_STEP),
        "“notice” is missing": lesson_text(GOOD_STEP.replace('notice = "Something."', "") + GOOD_STEP),
        "an answer needs its question": lesson_text(GOOD_STEP + GOOD_STEP.replace('notice = "Something."',
                                                                                  'notice = "S."\nanswer = "A."')),
        "2 to 12 [[step]] tables": lesson_text(GOOD_STEP),
        "level must be one of": lesson_text(head='title = "A"\nlevel = "expert"\nsummary = "S."\n'),
        "does not know the link parameter(s) lesson": lesson_text(
            GOOD_STEP.replace("t=0.5", "t=0.5&lesson=other") + GOOD_STEP),
        "is over 64 kB": lesson_text() + "#" * 70_000,
    }
    for message, text in cases.items():
        with pytest.raises(LessonError, match=re.escape(message)):
            parse_lesson(text, "bad", PAGES)
    with pytest.raises(LessonError, match="not a lesson name"):
        parse_lesson(lesson_text(), "../etc", PAGES)


def test_hostile_text_stays_text(app_context):
    """Markup in a lesson is shown as the characters it is (Dash renders strings as text), and control characters
    are dropped."""
    from components import tour
    hostile = lesson_text(GOOD_STEP.replace("Some text.", "<script>alert(1)</script>\\u0007 <b>bold</b>") + GOOD_STEP)
    lesson = parse_lesson(hostile, "hostile", page_paths())
    assert lesson.steps[0].text == "<script>alert(1)</script> <b>bold</b>"
    lessons()["hostile"] = lesson
    try:
        children, hidden = tour.show_step(lesson.state(1).raw(), 0.5, "/landscape")
    finally:
        del lessons()["hostile"]
    assert not hidden
    texts = [c for c in children if getattr(c, "className", None) == "lesson-text"]
    assert texts[0].children == "<script>alert(1)</script> <b>bold</b>"


def test_the_panel_links_the_neighbouring_steps_and_the_way_back(app_context):
    from components import tour
    lesson = next(iter(lessons().values()))
    state = lesson.state(2)
    children, hidden = tour.show_step(state.raw(), state.t, lesson.steps[1].path)
    ids = {getattr(c, "id", None): c for c in _walk(children)}
    assert not hidden and ids["lesson-prev"].href == lesson.href(1) and ids["lesson-next"].href == lesson.href(3)
    assert "lesson-restore" not in ids                                   # the reader sees the step's view
    played = state.replace(t=state.t * 3)
    children, _ = tour.show_step(played.raw(), played.t, lesson.steps[1].path)
    restore = {getattr(c, "id", None): c for c in _walk(children)}["lesson-restore"]
    assert restore.href == lesson.href(2)
    last = len(lesson.steps)
    children, _ = tour.show_step(lesson.state(last).raw(), lesson.state(last).t, lesson.steps[-1].path)
    assert {getattr(c, "id", None) for c in _walk(children)} >= {"lesson-finish", "lesson-close"}
    missing = state.replace(lesson="no-such-lesson")
    children, hidden = tour.show_step(missing.raw(), missing.t, "/landscape")
    assert not hidden and "no lesson “no-such-lesson”" in children[0].children
    assert tour.show_step(state.replace(lesson="none").raw(), state.t, "/landscape") == (None, True)


def _walk(node):
    """Every component in a Dash tree."""
    items = node if isinstance(node, list) else [node]
    for item in items:
        if hasattr(item, "to_plotly_json"):
            yield item
            yield from _walk(getattr(item, "children", None) or [])


# --- in a real browser ----------------------------------------------------------------------------------------

TIMEOUT = 120


@pytest.fixture
def duo(dash_duo, lab):
    dash_duo.start_server(lab.app)
    return dash_duo


def _screen(duo, width, height, mobile=False):
    duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def _step_heading(duo):
    return duo.driver.execute_script("const h = document.querySelector('#lesson-panel .lesson-step');"
                                     "return h ? h.textContent : ''")


def _panel_above_view(duo) -> bool:
    return duo.driver.execute_script(
        "const p = document.getElementById('lesson-panel').getBoundingClientRect();"
        "const v = document.querySelector('.lesson-page').getBoundingClientRect();"
        "return p.bottom <= v.top + 1 && p.width > 300")


def _panel_beside_view(duo) -> bool:
    return duo.driver.execute_script(
        "const p = document.getElementById('lesson-panel').getBoundingClientRect();"
        "const v = document.querySelector('.lesson-page').getBoundingClientRect();"
        "return p.left >= v.right - 1 && p.top < innerHeight / 2")


@pytest.mark.browser
def test_each_lesson_runs_start_to_finish_and_shows_what_it_names(duo, app_context):
    """Each lesson from the index to Finish by its Next links: at 1,440 px the step sits beside the view, and the
    view shows every text the step relies on (its `shows`: the numbers it names); at 390 px the step sits above the
    view; Finish leads to the index and the browser's Back to the last step."""
    from tests.browsing import wait_for
    for key, lesson in lessons().items():
        _screen(duo, 1440, 900)
        duo.driver.get(duo.server_url + "/lessons")
        duo.wait_for_element(f"#lesson-card-{key}", timeout=TIMEOUT).click()
        count = len(lesson.steps)
        for k, step in enumerate(lesson.steps, start=1):
            wait_for(lambda k=k, count=count: _step_heading(duo).startswith(f"Step {k} of {count}"), TIMEOUT)
            assert (f"step={k}" in duo.driver.current_url or k == 1) and _panel_beside_view(duo), (key, k)
            for text in step.shows:
                wait_for(lambda text=text: text in duo.driver.find_element("css selector", ".lesson-page").text,
                         TIMEOUT)
            _screen(duo, 390, 844, mobile=True)
            wait_for(lambda: _panel_above_view(duo), TIMEOUT)
            _screen(duo, 1440, 900)
            duo.driver.find_element("css selector", "#lesson-next, #lesson-finish").click()
        wait_for(lambda: duo.driver.current_url.endswith("/lessons"), TIMEOUT)
        duo.driver.back()
        wait_for(lambda count=count: _step_heading(duo).startswith(f"Step {count} of"), TIMEOUT)


@pytest.mark.browser
def test_in_lecture_mode_each_lesson_is_a_caption_bar_moved_by_the_clicker(duo, app_context):
    """1,920 × 1,080 in lecture mode: every step of every lesson as a caption bar above the stage's figure, → and
    PageDown to the next step, ← and PageUp back."""
    from selenium.webdriver.common.keys import Keys

    from tests.browsing import wait_for
    _screen(duo, 1920, 1080)
    bar_above_figure = (
        "const p = document.getElementById('lesson-panel').getBoundingClientRect();"
        "const g = [...document.querySelectorAll('.lesson-page .js-plotly-plot')].find(e => e.offsetParent);"
        "return p.top >= 0 && p.bottom < innerHeight / 4 && (!g || g.getBoundingClientRect().top >= p.bottom)")
    for lesson in lessons().values():
        duo.driver.get(duo.server_url + lesson.href(1) + "&lecture=1&theme=dark")
        for k in range(1, len(lesson.steps) + 1):
            wait_for(lambda k=k: _step_heading(duo).startswith(f"Step {k} of"), TIMEOUT)
            wait_for(lambda: duo.driver.execute_script(bar_above_figure), TIMEOUT)
            if k < len(lesson.steps):
                duo.driver.find_element("css selector", "body").send_keys(
                    Keys.ARROW_RIGHT if k % 2 else Keys.PAGE_DOWN)
        duo.driver.find_element("css selector", "body").send_keys(Keys.ARROW_LEFT)
        wait_for(lambda lesson=lesson: _step_heading(duo).startswith(f"Step {len(lesson.steps) - 1} of"), TIMEOUT)
        duo.driver.find_element("css selector", "body").send_keys(Keys.PAGE_UP)
        wait_for(lambda lesson=lesson: _step_heading(duo).startswith(f"Step {len(lesson.steps) - 2} of"), TIMEOUT)
