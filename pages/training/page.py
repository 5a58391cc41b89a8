"""Training: a score model trained live, generalizing early and memorizing late (Bonnaire, Urfin, Biroli & Mézard
2025), and its thermodynamics read off the trained denoiser (Ambrogioni 2023, short version §8)."""
import dash
import numpy as np
from dash import Input, Output, callback, dcc, html

from components import ids
from components.controls import page_control
from components.plotting import empty_figure
from components.presets import BY_KEY
from components.state import WIDTH_CHOICES, state_from_store
from components.timemoves import drawn, nearest_time_index
from pages.training._figures import (
    copies_figure,
    field_figure,
    line_figure,
    loss_figure,
    samples_figures,
    split_figure,
    tau_label,
    tau_mem_slope,
)
from pages.training._model import JOB, SAMPLE_TAUS, TrainingResult

dash.register_page(__name__, path="/training", name="Training", title="Training a score model", order=8,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "pw", "sc"))


INTRO = r"""Every other page uses the exact score, and the exact score of $n$ points memorizes them. Here a
model is **trained** on the target's $n$ points by denoising score matching, as in Bonnaire, Urfin, Biroli & Mézard
(NeurIPS 2025): the random-features model $s_A(x) = A\,\tanh(Wx/\sqrt d)$ with a fixed Gaussian first layer
$W\in\mathbb R^{p\times d}$ and a trained readout $A$ (ridge $\lambda = 10^{-3}$), one per diffusion time of a grid. Its
loss is quadratic in $A$, so gradient descent has a closed form, $A(\tau) = A^*(I - e^{-\tau(U+\lambda)})$ with
$U = \mathbb E[\phi\phi^\top]$: every training time $\tau$ is one evaluation. The directions of $U$ that only the
training points span are learned last — the model first learns the law (**generalization**, at $\tau_{gen}$
independent of $n$), and only later its $n$ points (**memorization**, at $\tau_{mem}$ growing with $n$). The width $p$
is the paper's: $p \gg d$ ($\psi_p = p/d$ large) so that, trained long enough, the model can memorize. $\tau$ is
learning rate × full-batch steps, the rate scaled by $d/2b^2$ as the paper's is by $d/\Delta_t$. The test loss uses
fresh inputs from the population; $\tau_{mem}$ is where it has risen 2 % above its minimum. A generated sample is a
copy when its nearest training point is closer than a third of the second nearest (the paper's criterion)."""

THERMO = r"""The trained denoiser $m(\tilde x) = \tilde x + (b^2/a)\,A\,\phi(a\tilde x)$ has its own thermodynamics
(Ambrogioni 2023, short version §8): its fixed points solve the self-consistency equation
$\tilde x = m(\tilde x)$ (eq. 29, here by Levenberg–Marquardt from the training points), a fixed point is a
minimum of $\tilde F$ when every eigenvalue of
$\partial m/\partial\tilde x$ is below 1, and $\tilde F$ along a line is the integral of the field
$\tilde x - m(\tilde x)$.
The paper warns that these points lie where the model was hardly trained: the noisy inputs $\tilde x = y + s\eta$
sit on shells of radius $\approx s\sqrt d$ around the points, so no training input comes near a point itself —
pale on the heat maps, grey on the line: no training point's shell reaches there (|x̃ − y|²/s² outside the
central 98 % of $\chi^2_d$ for every point $y$)."""


def layout(**query):
    return html.Div([
        html.H1("Does a trained model memorize?"),
        dcc.Markdown(INTRO, mathjax=True, className="explain"),
        html.Div([
            html.Label("Width p"),
            page_control("width", dcc.Dropdown, query, options=[{"label": f"{p:,}", "value": p} for p in WIDTH_CHOICES],
                         clearable=False, searchable=False, style={"width": "7em"}, className="training-width"),
            html.Label("Samples and fields at training time τ"),
            html.Div(page_control("tau", dcc.Slider, query, min=0, max=len(SAMPLE_TAUS) - 1, step=1,
                                  marks={k: tau_label(t) for k, t in enumerate(SAMPLE_TAUS)}, allow_direct_input=False,
                                  updatemode="mouseup", className="training-tau"),
                     style={"minWidth": "16em", "flex": "1"}),
        ], className="options"),
        JOB.progress_bar("training", cancel=True),
        html.Div(id="training-caption", className="caption"),
        dcc.Graph(id="training-loss", figure=empty_figure("training…", 400)),
        dcc.Graph(id="training-copies", figure=empty_figure("training…", 400)),
        html.H2("Samples side by side"),
        html.Div([dcc.Graph(id=f"training-samples-{k}", className="third", figure=empty_figure("training…", 360))
                  for k in range(3)], className="row"),
        html.H2("Thermodynamics of the trained model"),
        dcc.Markdown(THERMO, mathjax=True, className="explain"),
        dcc.Graph(id="training-field", figure=empty_figure("training…", 420)),
        html.Div([dcc.Graph(id="training-line", className="half"), dcc.Graph(id="training-split", className="half")],
                 className="row"),
        *JOB.stores("training"),
    ])


JOB.wire("training", cancel=True)


def _result(data, time):
    state = state_from_store(data, time)
    return state, JOB.stored(state)


@callback(Output("training-loss", "figure"), Output("training-copies", "figure"), Output("training-split", "figure"),
          Output("training-caption", "children"),
          Input("training-ready", "data"), Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"))
@drawn("training-curves", "exact")
def render_curves(ready, data, time):
    """Losses, copies and distances against τ, and the critical time against τ (the curves at the grid time
    nearest t)."""
    state, result = _result(data, time)
    if not isinstance(result, TrainingResult):
        preset = BY_KEY["training-memorizes"]
        message = ([result.reason, " ", dcc.Link(f"Open the preset: {preset.title.lower()}.", href=preset.href)]
                   if result else JOB.waiting(ready, "Training (see the progress bar)."))
        wait = empty_figure(JOB.waiting(ready, "training…") if result is None else "nothing trained for this target",
                            380)
        return wait, wait, wait, message
    g = nearest_time_index(result.times, state.t)
    return (loss_figure(result, g), copies_figure(result), split_figure(result, state.t),
            _caption(result, g))


def _caption(result: TrainingResult, g: int) -> str:
    n = result.sizes[-1]
    slope = tau_mem_slope(result, g)
    parts = [f"p = {result.width:,} features, n = {', '.join(str(m) for m in result.sizes)} (nested subsets), "
             f"{len(result.times)} diffusion times from {result.times[0]:.2g} to {result.times[-1]:.2g}; "
             f"test inputs from {result.population}. At t = {result.times[g]:.3g} (the grid time nearest t): "
             f"τ_gen = {result.tau_gen[-1, g]:.2g} for n = {n}"]
    mem = result.tau_mem[-1, g]
    parts.append(f", τ_mem = {mem:.2g}" if np.isfinite(mem) else ", the test loss never rises 2 % (no τ_mem)")
    if slope is not None:
        parts.append(f"; τ_mem ∝ n^{slope:.2f} across n")
    parts.append(f". Copies after full training: {result.copies[-1, -1]:.0%} (exact empirical score "
                 f"{result.copies_exact:.0%}, population draws {result.copies_law:.0%}).")
    if not np.all(np.isfinite(result.t_split_model)):
        parts.append(" Critical time: a τ without a marker has one minimum even at the earliest time.")
    if result.t_split_law is None:
        parts.append(" The population has one minimum at every time (no split).")
    return "".join(parts)


@callback(*[Output(f"training-samples-{k}", "figure") for k in range(3)], Output("training-field", "figure"),
          Output("training-line", "figure"),
          Input("training-ready", "data"), Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"))
@drawn("training-model", "exact")
def render_model(ready, data, time):
    """Samples at the chosen τ; the score difference over the principal plane and F̃ along its axis at t."""
    state, result = _result(data, time)
    if not isinstance(result, TrainingResult):
        wait = empty_figure(JOB.waiting(ready, "training…") if result is None else "nothing trained for this target",
                            380)
        return wait, wait, wait, wait, wait
    k = state.tau_index
    g = nearest_time_index(result.times, state.t)
    field = (field_figure(result, g, k) if result.plane is not None else
             empty_figure("the heat map needs d ≥ 2: for d = 1 the line below is the whole space", 420))
    return (*samples_figures(result, k, state.image_shape), field, line_figure(result, g, k))
