"""Lessons: guided tours through the lab, each a sequence of views with a few sentences and a question."""
import dash
from dash import dcc, html

from components.lessons import lessons

dash.register_page(__name__, path="/lessons", name="Lessons", title="Lessons", order=0.5, controls=())


def _card(lesson):
    return dcc.Link([
        html.H3(lesson.title),
        html.P(f"{lesson.level} · {len(lesson.steps)} steps · about {lesson.minutes} min", className="lesson-meta"),
        html.P(lesson.summary),
        html.P(["Follows: ", "; ".join(lesson.papers)], className="lesson-meta"),
    ], href=lesson.href(1), className="lesson-card card", id=f"lesson-card-{lesson.key}")


def layout(**_query):
    return html.Div([
        html.H1("Lessons"),
        dcc.Markdown("""Guided tours through the lab, written from the papers: each step opens a view in the state it
talks about, says what to notice, and asks a question you answer from the figure. The step's text sits beside the
live view — play with the controls, and go back to the step's view when you like. Back and Next are links: the
browser's Back works, and a step's link opens that step for anyone (a lecturer's clicker sends Page Up / Page
Down; in lecture mode ← and → move through the steps too).""", className="explain"),
        html.Div([_card(lesson) for lesson in lessons().values()], className="lessons-grid"),
    ])
