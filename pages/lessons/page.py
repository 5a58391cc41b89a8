"""Lessons: guided tours through the lab, each a sequence of views with a few sentences and a question."""
import base64

import dash
from dash import Input, Output, callback, dcc, html, no_update

from components.lessons import MAX_BYTES, LessonError, lessons, page_paths, parse_lesson, store_lesson
from components.userdata import DATASET_TIMEOUT

dash.register_page(__name__, path="/lessons", name="Lessons", title="Lessons", order=0.5, controls=())


def _card(lesson):
    return dcc.Link([
        html.H3(lesson.title),
        html.P(f"{lesson.level} · {len(lesson.steps)} steps · about {lesson.minutes} min", className="lesson-meta"),
        html.P(lesson.summary),
        html.P(["Follows: ", "; ".join(lesson.papers)], className="lesson-meta"),
    ], href=lesson.href(1), className="lesson-card card", id=f"lesson-card-{lesson.key}")


def _entry(lesson):
    """A lesson's card and the link to its handout."""
    return html.Div([_card(lesson), dcc.Link("Handout to print", href=f"/handout?lesson={lesson.key}",
                                             className="lesson-meta", id=f"lesson-handout-{lesson.key}")])


def layout(**_query):
    return html.Div([
        html.H1("Lessons"),
        dcc.Markdown("""Guided tours through the lab, written from the papers: each step opens a view in the state it
talks about, says what to notice, and asks a question you answer from the figure. The step's text sits beside the
live view — play with the controls, and go back to the step's view when you like. Back and Next are links: the
browser's Back works, and a step's link opens that step for anyone (a lecturer's clicker sends Page Up / Page
Down; in lecture mode ← and → move through the steps too).""", className="explain"),
        html.Div([_entry(lesson) for lesson in lessons().values()], className="lessons-grid"),
        html.H2("Your own lesson"),
        html.P("Write one with “+ Step” on any page (it records the view you see and asks for the text), or as a "
               "file (docs/lessons.md in the lab's repository says how). Drop a lesson file here to open it as a "
               f"tour: it is read as data, never run; the server keeps it for {DATASET_TIMEOUT / 86400:g} days, and "
               "its link opens it for anyone.", className="explain"),
        html.Div(dcc.Upload(html.Div(["Drop a lesson file (.toml) here, or ", html.A("choose one")]),
                            id="lesson-upload", max_size=MAX_BYTES, className="upload", multiple=False),
                 **{"data-max-bytes": str(MAX_BYTES), "data-rejected-store": "lesson-upload-rejected"}),
        dcc.Store(id="lesson-upload-rejected"),
        html.Div(id="lesson-upload-message", className="caption", role="status"),
    ])


def read_upload(contents) -> str:
    """The text of an uploaded lesson file (a 'data:…;base64,…' string), or LessonError."""
    if not isinstance(contents, str) or "," not in contents:
        raise LessonError("the upload did not arrive as a file")
    encoded = contents.split(",", 1)[1]
    if len(encoded) * 3 // 4 > MAX_BYTES:
        raise LessonError(f"the lesson file is over {MAX_BYTES // 1000} kB")
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except ValueError:
        raise LessonError("the file is not UTF-8 text") from None


@callback(Output("lesson-upload-message", "children"), Input("lesson-upload", "contents"), prevent_initial_call=True)
def upload_lesson(contents):
    """Validate an uploaded lesson (never executed), keep it under its content hash, and link its first step."""
    if contents is None:
        return no_update
    try:
        text = read_upload(contents)
        key = store_lesson(text)
    except LessonError as err:
        return f"Upload refused: {err}. Nothing was opened."
    lesson = parse_lesson(text, key, page_paths())
    return ["“", lesson.title, f"”, {len(lesson.steps)} steps, is kept on the server: ",
            dcc.Link("open the tour", href=lesson.href(1), id="lesson-upload-link"),
            " — its link opens it for anyone."]


@callback(Output("lesson-upload-message", "children", allow_duplicate=True), Input("lesson-upload-rejected", "data"),
          prevent_initial_call=True)
def upload_too_large(rejected):
    """A file the browser would not read (over the limit): its name and the limit."""
    if not isinstance(rejected, dict):
        return no_update
    return (f"Upload refused ({str(rejected.get('name', 'the file'))[:120]}): the lesson file is over "
            f"{MAX_BYTES // 1000} kB. Nothing was opened.")
