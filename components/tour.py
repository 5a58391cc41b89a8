"""The tour: a lesson's step beside the live view (laptop), above it (phone), or as a caption bar (lecture mode).

The panel reads the state's ``lesson`` and ``step`` fields (components.lessons): the step's title, text, what
to notice and do, its question with the answer behind a click, a progress line, and Back / Next as links to the
neighbouring steps' views — so the browser's Back works and a step is shared by its link.  The reader may play
with the controls; while the view differs from the step's, a link brings it back (assets/tour.js shows it when only
t has moved, and closes the lesson in the browser, keeping the view).
"""
from __future__ import annotations

from dash import Input, Output, callback, dcc, html

from components import ids
from components.lessons import lesson_of
from components.state import state_from_store, without_time
from components.userdata import DATASET_TIMEOUT


def tour_panel() -> html.Aside:
    """The panel's place in the shell (empty and hidden without a lesson)."""
    return html.Aside(id="lesson-panel", className="lesson-panel", hidden=True, **{"aria-label": "lesson"})


def _same_view(state, step_state, path, step_path) -> bool:
    """Whether the reader still sees the step's view, t aside (its page and every other field): a time move
    changes no request, so the browser compares t (assets/tour.js, from the restore link's data-t)."""
    return path == step_path and without_time(state) == without_time(step_state)


@callback(Output("lesson-panel", "children"), Output("lesson-panel", "hidden"),
          Input(ids.STATE, "data"), Input(ids.URL, "pathname"))
def show_step(data, path):
    """The state's lesson step, or nothing (time moves send no request: the panel does not read t)."""
    state = state_from_store(data)
    if state.lesson == "none" or path == "/handout":          # the handout prints the whole lesson itself
        return None, True
    lesson = lesson_of(state)
    if lesson is None:
        gone = (f"This shared lesson is no longer kept on the server (it keeps one {DATASET_TIMEOUT / 86400:g} days)."
                if state.lesson.startswith("@") else f"The lab has no lesson “{state.lesson}”.")
        return [html.P(gone, className="lesson-missing"),
                dcc.Link("All lessons", href="/lessons"), " · ",
                html.A("Close", href="#", id="lesson-close")], False
    k = min(state.step, len(lesson.steps))
    step = lesson.steps[k - 1]
    progress = html.Div([html.Span(className="lesson-dot" + (" done" if j <= k else ""))
                         for j in range(1, len(lesson.steps) + 1)],
                        className="lesson-progress", title=f"step {k} of {len(lesson.steps)}")
    body = [html.P(step.text, className="lesson-text"),
            html.P([html.Strong("Notice: "), step.notice], className="lesson-notice")]
    if step.action:
        body.append(html.P([html.Strong("Try: "), step.action], className="lesson-action"))
    if step.question:
        body.append(html.Details([html.Summary(["Question: ", step.question]),
                                  html.P(step.answer, className="lesson-answer")], className="lesson-question"))
    step_state = lesson.state(k)
    same = _same_view(state, step_state, path, step.path)
    body.append(html.P(dcc.Link("↺ Back to the step's view", href=lesson.href(k), id="lesson-restore"),
                       className="lesson-restore" + (" same" if same else ""), **{"data-t": repr(step_state.t)}))
    back = (dcc.Link("← Back", href=lesson.href(k - 1), id="lesson-prev", className="lesson-button") if k > 1
            else html.Span())
    after = (dcc.Link("Next →", href=lesson.href(k + 1), id="lesson-next", className="lesson-button")
             if k < len(lesson.steps) else dcc.Link("Finish ✓", href="/lessons", id="lesson-finish",
                                                    className="lesson-button"))
    return [html.Div([dcc.Link(lesson.title, href="/lessons", className="lesson-title", title="all lessons"),
                      dcc.Link("handout", href=f"/handout?lesson={state.lesson}", id="lesson-handout",
                               className="lesson-close", title="the lesson's handout, to print"),
                      html.A("×", href="#", id="lesson-close", className="lesson-close",
                             title="close the lesson (keep this view)")], className="lesson-head"),
            html.H3(f"Step {k} of {len(lesson.steps)}: {step.title}", className="lesson-step"),
            progress, *body, html.Div([back, after], className="lesson-nav")], False
