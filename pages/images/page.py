"""Real images: speciation and collapse on Fashion-MNIST, MNIST, KMNIST or the 8×8 digits (Biroli et al. 2024 §5)."""
import dash
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.plotting import empty_figure
from components.state import state_from_store, state_query
from components.timemoves import drawn, wire_time_moves
from pages.images._figures import collapse_figure, collapse_time, pictures_figure, speciation_figure
from pages.images._model import (
    JOB,
    PAIRS,
    STEPS,
    is_images,
    paper_rows,
    preprocessed_rows,
    state_row,
)

dash.register_page(__name__, path="/images", name="Images", title="Real images", order=5.5,
                   controls=("target", "t", "process", "sigma", "n", "cls", "side", "seed"))

#: Links to image targets for a state that has none (the paper's shape, two classes).
STARTS = (("Fashion-MNIST, T-shirt/top vs trouser", {"target": "fashion_mnist", "process": "VP"}),
          ("the 8×8 digits, 0 vs 1", {"target": "digits", "process": "VP"}))


def layout(**_query):
    return html.Div([
        html.H1("Speciation and collapse on real images"),
        dcc.Markdown(r"""Biroli, Bonnaire, de Bortoli & Mézard (2024) test their theory on images: two classes of a
set, $n$ images of $d$ pixels. With the exact empirical score the reverse process first **speciates** — a copy
made before $t_s$ may end in the other class, one made after cannot ($\phi(t)$, their Fig. 4; $t_s$ from the
top eigenvalue $\Lambda$ of the data covariance, their Table 1) — and then **collapses** onto one training
image ($\phi_C$, the last change of the nearest training image, and the zero of the excess entropy $f^e$: their
Fig. 5). Here every trajectory runs the lab's exact score on the images you choose; the paper ran a trained
U-Net under VP — choose VP to compare times.""", mathjax=True, className="explain"),
        html.Div(id="images-choose", className="target-note"),
        JOB.progress_bar("images", cancel=True),
        html.Div(id="images-caption", className="caption"),
        dcc.Graph(id="images-pictures", figure=empty_figure("computing…", 500)),
        dcc.Graph(id="images-speciation", figure=empty_figure("computing…", 420)),
        dcc.Graph(id="images-collapse", figure=empty_figure("computing…", 400)),
        html.H2("Table 1: the speciation time from the data's spectrum"),
        html.Div(id="images-table"),
        *JOB.stores("images"),
    ])


JOB.wire("images", cancel=True)
wire_time_moves("images-speciation", "images-collapse")


def _choose(state):
    """For a state without labelled images: what this view needs, and links to start from."""
    links = [html.A(text, href=f"/images?{state_query(state.replace(**values))}") for text, values in STARTS]
    return [f"This view runs on labelled images; {state.spec.name} is not. Start from ",
            links[0], " or ", links[1], "."]


@callback(Output("images-pictures", "figure"), Output("images-speciation", "figure"),
          Output("images-collapse", "figure"), Output("images-caption", "children"),
          Output("images-choose", "children"),
          Input("images-ready", "data"), Input(ids.STATE, "data"), State(ids.TIME, "data"))
@drawn("images-page", "moved", job=JOB)
def render_images(ready, data, time):
    """The stored experiment drawn once per result; the time lines are moved in the browser."""
    state = state_from_store(data, time)
    if not is_images(state):
        blank = empty_figure("choose an image target (above)", 300)
        return blank, blank, blank, None, _choose(state)
    result = JOB.stored(state)
    if result is None:
        wait = empty_figure(JOB.waiting(ready, f"computing {PAIRS} trajectories of {STEPS} steps and their copies…"),
                            420)
        return wait, wait, wait, JOB.waiting(ready, "Computing (see the progress bar)."), None
    reg = result.regimes
    t_c = collapse_time(result)
    caption = [f"{result.name}, n = {len(result.training):,} images of d = {result.training.shape[1]:,} pixels, "
               f"{result.pairs} trajectories: t_s = {reg.t_s:.3g} (a²Λ = b²)"]
    if result.t_c_measured:
        caption.append(f"; mean collapse time t̂_C = {result.t_c_measured:.3g}")
    if reg.t_c_entropy:
        caption.append(f"; f^e = 0 at t_C = {reg.t_c_entropy:.3g}")
    if t_c is None:
        caption.append("; no collapse within the run")
    caption.append(".")
    return (pictures_figure(result), speciation_figure(result, state.t), collapse_figure(result, state.t),
            "".join(caption), None)


@callback(Output("images-table", "children"), Input(ids.STATE, "data"))
def table_one(data):
    """Table 1: the state's set, every installed set at the paper's MNIST preprocessing, and the paper's rows."""
    state = state_from_store(data)
    rows = ([state_row(state)] if is_images(state) else []) + preprocessed_rows() + paper_rows()
    heads = ("set", "n", "d", "Λ", "½ log Λ (the paper's t_s)", "½ log(1 + Λ) (the lab's t_s, VP)")
    body = [html.Tr(html.Td(row, colSpan=len(heads), className="target-note")) if isinstance(row, str) else
            html.Tr([html.Td(row.label), html.Td(f"{row.n:,}"), html.Td(f"{row.d:,}"), html.Td(f"{row.lam:.3g}"),
                     html.Td(f"{row.t_s_paper:.3g}"), html.Td(f"{row.t_s_lab:.3g}")]) for row in rows]
    note = html.P("Pixels are scaled to [0, 1] (value / 255), as the lab's every image target. Λ scales with the "
                  "square of that scale: the paper's Λ = 7.66 for MNIST 0/1 matches this scaling only if the paper "
                  "used it too — the comparison is a check of the preprocessing, not of the theory, whose t_s "
                  "follows from whichever Λ the data have.", className="explain")
    return [html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(body)],
                                className="data-table"), className="table-scroll"), note]
