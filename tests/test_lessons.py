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
        children, hidden = tour.show_step(lesson.state(1).raw(), "/landscape")
    finally:
        del lessons()["hostile"]
    assert not hidden
    texts = [c for c in children if getattr(c, "className", None) == "lesson-text"]
    assert texts[0].children == "<script>alert(1)</script> <b>bold</b>"


def test_the_panel_links_the_neighbouring_steps_and_the_way_back(app_context):
    from components import tour
    lesson = next(iter(lessons().values()))
    state = lesson.state(2)
    children, hidden = tour.show_step(state.raw(), lesson.steps[1].path)
    ids = {getattr(c, "id", None): c for c in _walk(children)}
    assert not hidden and ids["lesson-prev"].href == lesson.href(1) and ids["lesson-next"].href == lesson.href(3)
    restore = [c for c in _walk(children) if "lesson-restore" in str(getattr(c, "className", ""))][0]
    assert restore.className == "lesson-restore same" and float(getattr(restore, "data-t")) == state.t
    assert ids["lesson-restore"].href == lesson.href(2)
    played = state.replace(process="VP" if state.process != "VP" else "VE")        # the view changed (t aside)
    children, _ = tour.show_step(played.raw(), lesson.steps[1].path)
    restore = [c for c in _walk(children) if "lesson-restore" in str(getattr(c, "className", ""))][0]
    assert restore.className == "lesson-restore"
    last = len(lesson.steps)
    children, _ = tour.show_step(lesson.state(last).raw(), lesson.steps[-1].path)
    assert {getattr(c, "id", None) for c in _walk(children)} >= {"lesson-finish", "lesson-close", "lesson-handout"}
    missing = state.replace(lesson="no-such-lesson")
    children, hidden = tour.show_step(missing.raw(), "/landscape")
    assert not hidden and "no lesson “no-such-lesson”" in children[0].children
    assert tour.show_step(state.replace(lesson="none").raw(), "/landscape") == (None, True)
    assert tour.show_step(state.raw(), "/handout") == (None, True)


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


def _lesson_keys():
    """The lab's lesson files' names (the browser test runs one lesson per test: two workers share them)."""
    return sorted(path.stem for path in LESSON_DIR.glob("*.toml"))


def _shown(duo, text) -> bool:
    """Whether the view shows ``text``; if not yet, scroll on (figures below the fold are drawn once seen)."""
    if " ".join(text.split()) in " ".join(duo.driver.find_element("css selector", ".lesson-page").text.split()):
        return True                                  # (a title too wide for its figure is wrapped: lines joined)
    duo.driver.execute_script("window.scrollY + innerHeight >= document.body.scrollHeight - 2 ? "
                              "window.scrollTo(0, 0) : window.scrollBy(0, innerHeight / 2)")
    return False


BAR_ABOVE_FIGURE = (
    "const p = document.getElementById('lesson-panel').getBoundingClientRect();"
    "const g = [...document.querySelectorAll('.lesson-page .js-plotly-plot')].find(e => e.offsetParent);"
    "return p.top >= 0 && p.bottom < innerHeight / 4 && (!g || g.getBoundingClientRect().top >= p.bottom)")


@pytest.mark.browser
@pytest.mark.parametrize("key", _lesson_keys())
def test_a_lesson_runs_start_to_finish_on_a_laptop_a_phone_and_a_projector(duo, app_context, key):
    """From the index through every step by Next: at 1,440 px the step beside the view, which shows every text the
    step relies on (its `shows`: the numbers it names), and at 390 px the step above the view. Then at 1,920 px in
    lecture mode, from the last step back by ← and PageUp and on by PageDown, a caption bar above the stage's figure
    at each; Finish leads to the index and the browser's Back to the last step."""
    from selenium.webdriver.common.keys import Keys

    from tests.browsing import JOB_BOUND, wait_for
    lesson = lessons()[key]
    count = len(lesson.steps)

    def at_step(k):
        wait_for(lambda: _step_heading(duo).startswith(f"Step {k} of {count}"), TIMEOUT)

    def press(key_):
        duo.driver.find_element("css selector", "body").send_keys(key_)

    _screen(duo, 1440, 900)
    duo.driver.get(duo.server_url + "/lessons")
    duo.wait_for_element(f"#lesson-card-{key}", timeout=TIMEOUT).click()
    for k, step in enumerate(lesson.steps, start=1):
        at_step(k)
        _screen(duo, 1440, 900)
        assert (f"step={k}" in duo.driver.current_url or k == 1) and _panel_beside_view(duo), (key, k)
        for text in step.shows:
            try:
                wait_for(lambda text=text: _shown(duo, text), JOB_BOUND)       # a job's numbers among them
            except AssertionError:
                raise AssertionError((key, k, text, duo.driver.current_url)) from None
        duo.driver.execute_script("window.scrollTo(0, 0)")
        _screen(duo, 390, 844, mobile=True)
        wait_for(lambda: _panel_above_view(duo), TIMEOUT)
        _screen(duo, 1440, 900)
        link = "lesson-next" if k < count else "lesson-finish"
        wait_for(lambda link=link: duo.driver.execute_script(    # the panel may be redrawn between finding and clicking
            "const e = document.getElementById(arguments[0]); if (e) e.click(); return !!e", link), TIMEOUT)
    wait_for(lambda: duo.driver.current_url.endswith("/lessons"), TIMEOUT)
    duo.driver.back()
    at_step(count)
    _screen(duo, 1920, 1080)
    duo.driver.execute_script("document.getElementById('lecture-toggle').click()")
    for key_, k in ((None, count), (Keys.ARROW_LEFT, count - 1), (Keys.PAGE_UP, count - 2),
                    (Keys.PAGE_DOWN, count - 1), (Keys.ARROW_RIGHT, count)):
        if key_:
            press(key_)
        at_step(k)
        wait_for(lambda: duo.driver.execute_script(BAR_ABOVE_FIGURE), TIMEOUT)
    duo.driver.execute_script("document.getElementById('stage-exit').click()")


# --- a lecturer writes a lesson ---------------------------------------------------------------------------------

def test_a_lesson_file_written_by_the_lab_reads_back_the_same(app_context):
    from components.lessons import lesson_toml
    for lesson in lessons().values():
        steps = [dict(title=s.title, view=f"{s.path}?{s.query}", text=s.text, notice=s.notice, action=s.action,
                      question=s.question, answer=s.answer, shows=list(s.shows)) for s in lesson.steps]
        text = lesson_toml(lesson.title, lesson.level, lesson.summary, lesson.papers, steps)
        assert parse_lesson(text, lesson.key, page_paths()) == lesson
    odd = lesson_toml('quotes " and \\ backslash\nand a newline', "introductory", "s", [], [])
    assert 'quotes \\" and \\\\ backslash\\u000aand' in odd


def test_recording_steps_builds_a_lesson_to_download_or_to_open(app_context):
    """+ Step records the view without the tour's fields; a step the parser refuses is not added and says why; two
    steps and a title make a file that downloads and, kept on the server, opens as a tour by its link."""
    from components import recorder, tour
    from components.lessons import lesson_of
    from components.state import parse_state
    state = parse_state({"target": "two_deltas", "t": "0.5", "lesson": "1-symmetry-breaking", "step": "2"})[0]
    opened, view = recorder.open_recorder(1, "/landscape", state.raw(), 0.5)
    assert opened and view.startswith("/landscape?") and "lesson=" not in view and "target=two_deltas" in view
    fields = ["A title", "Two sentences. Here.", "Notice this.", "", "", ""]
    draft, message, *cleared = recorder.add_step(1, recorder.EMPTY_DRAFT, view, *fields)
    assert len(draft["steps"]) == 1 and message.startswith("Step 1 added") and cleared == [""] * 6
    refused = recorder.add_step(2, draft, "/nowhere?t=1", *fields)
    assert refused[0] is recorder.no_update and "has no page “/nowhere”" in refused[1]
    no_notice = recorder.add_step(2, draft, view, "T", "Text.", "", "", "", "")
    assert "“notice” is missing" in no_notice[1]
    draft = recorder.add_step(2, draft, "/bifurcation?target=two_deltas&t=0.6", *fields)[0]
    early = recorder.download_lesson(1, draft, "", "introductory", "S.")
    assert early[0] is recorder.no_update and "“title” is missing" in early[1]
    download, message = recorder.download_lesson(1, draft, "My lesson", "introductory", "One line.")
    assert download["filename"] == "lesson.toml" and parse_lesson(download["content"], "mine", page_paths())
    message = recorder.open_lesson(1, draft, "My lesson", "introductory", "One line.")
    link = next(c for c in message if getattr(c, "id", None) == "rec-tour")
    assert "lesson=%40" in link.href or "lesson=@" in link.href
    key = "@" + link.href.split("lesson=")[1].split("&")[0].replace("%40", "@")[1:]
    stored = parse_state({"target": "two_deltas", "t": "0.5", "lesson": key})[0]
    assert lesson_of(stored).title == "My lesson"
    children, hidden = tour.show_step(stored.raw(), "/landscape")
    assert not hidden and any("A title" in str(getattr(c, "children", "")) for c in children)
    gone = stored.replace(lesson="@" + "0" * 16)
    assert "no longer kept on the server" in tour.show_step(gone.raw(), "/landscape")[0][0].children


def test_an_uploaded_lesson_is_validated_never_run(app_context):
    import base64

    from pages.lessons import page
    def upload(text):
        return "data:application/toml;base64," + base64.b64encode(text.encode()).decode()
    good = page.upload_lesson(upload(lesson_text()))
    assert "2 steps, is kept on the server" in "".join(c if isinstance(c, str) else "" for c in good)
    bad = page.upload_lesson(upload(lesson_text(GOOD_STEP.replace("/landscape", "/admin") + GOOD_STEP)))
    assert bad.startswith("Upload refused: step 1: the lab has no page “/admin”")
    code = page.upload_lesson(upload('title = "x"\n__import__("os").system("true")\n'))
    assert code.startswith("Upload refused: the lesson file is not valid TOML")
    binary = page.upload_lesson("data:application/octet-stream;base64," + base64.b64encode(b"\xff\xfe\x00").decode())
    assert binary == "Upload refused: the file is not UTF-8 text. Nothing was opened."


@pytest.mark.browser
def test_a_lecturer_records_two_views_and_opens_them_as_a_tour_and_uploads_a_file(duo, app_context, tmp_path):
    """+ Step on the landscape and on the bifurcation page, each with its text; a title; “Open it as a tour”: the
    tour's link shows the first recorded view with its text. A lesson file dropped on /lessons opens the same way;
    a file with an unknown page is refused, saying which step and why."""
    from tests.browsing import wait_for

    def fill(field, text):
        box = duo.find_element(f"#rec-{field}")
        box.clear()
        box.send_keys(text)

    _screen(duo, 1440, 900)
    for path, title in (("/landscape?target=two_deltas&t=0.5", "Two wells"),
                        ("/bifurcation?target=two_deltas&t=0.6", "The pitchfork")):
        duo.driver.get(duo.server_url + path)
        duo.wait_for_element("#record-step", timeout=TIMEOUT).click()
        wait_for(lambda: "target=two_deltas" in duo.find_element("#rec-view").text, TIMEOUT)
        fill("title", title)
        fill("text", "Look at the figure. It has what we said.")
        fill("notice", "The wells.")
        duo.find_element("#rec-add").click()
        wait_for(lambda: "added" in duo.find_element("#rec-message").text, TIMEOUT)
    fill("lesson-title", "Recorded in class")
    fill("summary", "Two views.")
    duo.find_element("#rec-open").click()
    duo.wait_for_element("#rec-tour", timeout=TIMEOUT).click()
    wait_for(lambda: _step_heading(duo) == "Step 1 of 2: Two wells", TIMEOUT)
    assert "/landscape?" in duo.driver.current_url and "lesson=%40" in duo.driver.current_url.replace("@", "%40")
    file = tmp_path / "lesson.toml"
    file.write_text(lesson_text(GOOD_STEP.replace("/landscape", "/nowhere") + GOOD_STEP))
    duo.driver.get(duo.server_url + "/lessons")
    duo.wait_for_element("#lesson-upload input[type=file]", timeout=TIMEOUT).send_keys(str(file))
    duo.wait_for_contains_text("#lesson-upload-message", "step 1: the lab has no page “/nowhere”", timeout=TIMEOUT)
    file.write_text(lesson_text())
    duo.driver.get(duo.server_url + "/lessons")
    duo.wait_for_element("#lesson-upload input[type=file]", timeout=TIMEOUT).send_keys(str(file))
    duo.wait_for_element("#lesson-upload-link", timeout=TIMEOUT).click()
    wait_for(lambda: _step_heading(duo) == "Step 1 of 2: One", TIMEOUT)


@pytest.mark.browser
def test_the_handout_prints_each_step_whole_with_its_figure_and_the_answers_last(duo, app_context):
    """/handout: every step's view becomes a picture; printed at A4 and at Letter, the shell is gone, every step
    fits on a page (so it is never split), the answers start a page of their own, and the PDF has at most a page
    per step plus the answers."""
    import base64
    import re

    from tests.browsing import wait_for
    lesson = lessons()["1-symmetry-breaking"]
    _screen(duo, 1440, 900)
    duo.driver.get(duo.server_url + f"/handout?lesson={lesson.key}")
    duo.wait_for_element("#handout", timeout=TIMEOUT)
    wait_for(lambda: duo.driver.execute_script(
        "return document.querySelectorAll('img.handout-image').length") == len(lesson.steps), 240)
    duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    for name, (width_in, height_in) in {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}.items():
        body_px = (height_in * 25.4 - 2 * 14) / 25.4 * 96                     # @page margin 14 mm
        _screen(duo, round((width_in * 25.4 - 2 * 14) / 25.4 * 96), round(body_px))
        layout = duo.driver.execute_script(
            "return [[...document.querySelectorAll('.handout-step')].map(e => e.getBoundingClientRect().height),"
            " getComputedStyle(document.querySelector('.handout-answers')).breakBefore,"
            " getComputedStyle(document.querySelector('.toolbar')).display]")
        heights, answers_break, toolbar = layout
        assert max(heights) < body_px and answers_break == "page" and toolbar == "none", (name, layout)
        pdf = base64.b64decode(duo.driver.execute_cdp_cmd("Page.printToPDF", {
            "paperWidth": width_in, "paperHeight": height_in, "marginTop": 0, "marginBottom": 0})["data"])
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 2 <= pages <= len(lesson.steps) + 1, (name, pages)


def test_the_handout_of_a_lesson_the_lab_does_not_have_says_so(app_context):
    from pages.handout import page
    for key in ("no-such-lesson", "<script>", None, "@" + "0" * 16):
        assert "No such lesson" in str(page.layout(lesson=key))
    full = str(page.layout(lesson="1-symmetry-breaking"))
    assert full.count("handout-frame") == 7 and "Answers" in full and "embed=1" in full
