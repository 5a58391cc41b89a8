"""A lesson's handout: each step's figure (its view drawn in a frame, then turned into a picture by
assets/handout.js), its text and question, and the answers on a last page — printed to PDF from the browser, on A4
or Letter (assets/lab.css, @media print)."""
import dash
from dash import dcc, html

from components.lessons import lesson_of
from components.state import parse_state

dash.register_page(__name__, path="/handout", name="Handout", title="Lesson handout", order=9.5, controls=(),
                   nav=False)


def _step(k, step):
    frame = html.Iframe(src=f"{step.path}?{step.query}&embed=1&lecture=0&theme=light", className="handout-frame",
                        title=f"the view of step {k}", **{"data-step": str(k)})
    parts = [html.H2(f"Step {k}. {step.title}"), html.Div(frame, className="handout-figure"),
             html.P(step.text), html.P([html.Strong("Notice: "), step.notice])]
    if step.action:
        parts.append(html.P([html.Strong("Try: "), step.action]))
    if step.question:
        parts.append(html.P([html.Strong(f"Question {k}: "), step.question], className="handout-question"))
    return html.Section(parts, className="handout-step")


def layout(lesson=None, **_query):
    state = parse_state({"lesson": lesson})[0]
    found = lesson_of(state) if state.lesson != "none" else None
    if found is None:
        return html.Div([html.H1("Handout"), html.P(["No such lesson. ", dcc.Link("All lessons", href="/lessons")])])
    answers = [html.Li([html.Strong(f"Step {k}: "), s.answer], value=k)
               for k, s in enumerate(found.steps, start=1) if s.answer]
    return html.Div([
        html.Div([html.Button("Print or save as PDF", id="handout-print", className="primary"),
                  dcc.Link("Open the lesson", href=found.href(1))], className="options handout-tools"),
        html.H1(found.title),
        html.P(f"{found.level} · {len(found.steps)} steps · {'; '.join(found.papers)}", className="lesson-meta"),
        html.P(found.summary, className="lead"),
        *[_step(k, s) for k, s in enumerate(found.steps, start=1)],
        html.Section([html.H2("Answers"), html.Ol(answers)], className="handout-answers"),
    ], className="handout", id="handout")
