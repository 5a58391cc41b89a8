"""A lecturer writes a lesson: "+ Step" in the toolbar records the current view as a step, asks for its text, and
the recorded steps make a lesson file to download — or to open as a tour at once, kept on the server and shared by
its link (components.lessons.store_lesson).  The draft lives in the browser (local storage) until it is cleared;
every step and the whole file are validated by the same parser as the lab's own lessons."""
from __future__ import annotations

import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html, no_update

from components import ids
from components.lessons import (
    LEVELS,
    MAX_STEPS,
    LessonError,
    lesson_toml,
    page_paths,
    parse_lesson,
    store_lesson,
)
from components.state import state_from_store, state_query

#: The fields a recorded step asks for: (key, label, multi-line).
STEP_FIELDS = (("title", "Step title", False), ("text", "Text (two to four sentences)", True),
               ("notice", "What to notice", True), ("action", "What to do (optional)", False),
               ("question", "Question (optional)", False), ("answer", "Answer (with a question)", True))
EMPTY_DRAFT = {"title": "", "level": LEVELS[0], "summary": "", "steps": []}


def _input(key, label, multiline):
    box = (dcc.Textarea(id=f"rec-{key}", value="", rows=3, style={"width": "100%"}) if multiline
           else dcc.Input(id=f"rec-{key}", value="", type="text", debounce=False, style={"width": "100%"}))
    return html.Label([label, box], className="rec-field")


def recorder() -> html.Div:
    """The recorder's dialog and its stores (one per app, opened by the toolbar's "+ Step")."""
    return html.Div([
        dcc.Store(id="lesson-draft", storage_type="local", data=EMPTY_DRAFT),
        dcc.Download(id="rec-download"),
        dmc.Modal(id="rec-modal", title="Write a lesson: this view as a step", size="lg", opened=False, children=[
            html.P(["The view: ", html.Code(id="rec-view")], className="rec-view"),
            *[_input(key, label, multiline) for key, label, multiline in STEP_FIELDS],
            html.Div([html.Button("Add this step", id="rec-add", n_clicks=0, className="primary")],
                     className="options"),
            html.Hr(),
            html.P(id="rec-steps", className="caption"),
            _input("lesson-title", "Lesson title", False),
            html.Label(["Level", dcc.Dropdown(id="rec-level", options=list(LEVELS), value=LEVELS[0],
                                              clearable=False, searchable=False)], className="rec-field"),
            _input("summary", "One-line summary", False),
            html.Div([html.Button("Download the lesson (.toml)", id="rec-save", n_clicks=0),
                      html.Button("Open it as a tour", id="rec-open", n_clicks=0),
                      html.Button("Start over", id="rec-clear", n_clicks=0)], className="options"),
            html.Div(id="rec-message", className="caption", role="status"),
        ]),
    ])


def _view_of(path, data, time) -> str:
    """The current view as a step's view: the page and its state without the tour's own fields."""
    state = state_from_store(data, time).replace(lesson="none", step=1)
    return f"{path or '/'}{state_query(state)}"


def _text(value) -> str:
    """A browser's value as text ("" for anything else: a store or a request may hold anything)."""
    return value if isinstance(value, str) else ""


def _draft_steps(draft) -> list:
    """The draft's steps as the writer takes them: dicts of texts, at most MAX_STEPS + 1 (one too many is refused
    by the parser, with its reason)."""
    steps = draft.get("steps") if isinstance(draft, dict) else None
    keys = ("view", *(key for key, _, _ in STEP_FIELDS))
    return [{key: _text(step.get(key)) for key in keys} for step in (steps if isinstance(steps, list) else [])
            if isinstance(step, dict)][:MAX_STEPS + 1]


def _draft_lesson(draft, title, level, summary):
    """The draft as a lesson file's text and the parsed lesson (or LessonError)."""
    text = lesson_toml(_text(title), _text(level), _text(summary), [], _draft_steps(draft))
    return text, parse_lesson(text, "draft", page_paths())


@callback(Output("rec-modal", "opened"), Output("rec-view", "children"), Input("record-step", "n_clicks"),
          State(ids.URL, "pathname"), State(ids.STATE, "data"), State(ids.TIME, "data"), prevent_initial_call=True)
def open_recorder(_n, path, data, time):
    """'+ Step': the dialog opens on the current view."""
    return True, _view_of(path, data, time)


@callback(Output("lesson-draft", "data"), Output("rec-message", "children"),
          *[Output(f"rec-{key}", "value") for key, _, _ in STEP_FIELDS],
          Input("rec-add", "n_clicks"), State("lesson-draft", "data"), State("rec-view", "children"),
          *[State(f"rec-{key}", "value") for key, _, _ in STEP_FIELDS], prevent_initial_call=True)
def add_step(_add, draft, view, *values):
    """Add the recorded view with its text to the draft, checked as the lab's lessons are (or say why not)."""
    step = {"view": _text(view), **{key: _text(v) for (key, _, _), v in zip(STEP_FIELDS, values, strict=True)}}
    try:   # the step checked as the lab checks a lesson's (a second copy makes the two steps a lesson needs)
        _draft_lesson({"steps": [step, step]}, "check", LEVELS[0], "check")
    except LessonError as err:
        return no_update, f"Not added: {str(err).replace('step 1: ', '')}.", *[no_update] * len(STEP_FIELDS)
    steps = _draft_steps(draft) + [step]
    return ({**EMPTY_DRAFT, "steps": steps}, f"Step {len(steps)} added. Go to the next view and press “+ Step” again.",
            *[""] * len(STEP_FIELDS))


@callback(Output("lesson-draft", "data", allow_duplicate=True),
          Output("rec-message", "children", allow_duplicate=True), Input("rec-clear", "n_clicks"),
          prevent_initial_call=True)
def clear_draft(_n):
    """Start over."""
    return EMPTY_DRAFT, "The draft is empty."


@callback(Output("rec-steps", "children"), Input("lesson-draft", "data"))
def list_steps(draft):
    """The steps recorded so far."""
    steps = _draft_steps(draft)
    if not steps:
        return "No steps yet."
    return [f"{len(steps)} step(s): ", "; ".join(f"{k}. {s.get('title', '')}" for k, s in enumerate(steps, 1))]


@callback(Output("rec-download", "data"), Output("rec-message", "children", allow_duplicate=True),
          Input("rec-save", "n_clicks"), State("lesson-draft", "data"), State("rec-lesson-title", "value"),
          State("rec-level", "value"), State("rec-summary", "value"), prevent_initial_call=True)
def download_lesson(_n, draft, title, level, summary):
    """The draft as a lesson file to download (or what keeps it from being a lesson yet)."""
    try:
        text, _ = _draft_lesson(draft, title, level, summary)
    except LessonError as err:
        return no_update, f"Not yet a lesson: {err}."
    return dict(content=text, filename="lesson.toml", type="application/toml"), "Downloaded lesson.toml."


@callback(Output("rec-message", "children", allow_duplicate=True), Input("rec-open", "n_clicks"),
          State("lesson-draft", "data"), State("rec-lesson-title", "value"), State("rec-level", "value"),
          State("rec-summary", "value"), prevent_initial_call=True)
def open_lesson(_n, draft, title, level, summary):
    """The draft kept on the server and linked: the tour opens for anyone with the link."""
    try:
        text, _ = _draft_lesson(draft, title, level, summary)
    except LessonError as err:
        return f"Not yet a lesson: {err}."
    key = store_lesson(text)
    lesson = parse_lesson(text, key, page_paths())
    return ["Kept on the server: ", dcc.Link("open the tour", href=lesson.href(1), id="rec-tour"),
            " — share that link with your class."]
