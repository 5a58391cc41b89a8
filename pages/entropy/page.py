"""Entropy: entropy-rate profiles, divergence of the score, Fisher spectra (Ambrogioni 2025)."""
import dash
import numpy as np
from dash import Input, Output, State, callback, dcc, html

from components import ids
from components.controls import page_control
from components.plotting import empty_figure
from components.state import GUIDANCE_KEYS, guidance_label, state_from_store
from components.timemoves import drawn, wire_time_moves
from pages.entropy._figures import cumulative_figure, fisher_figure, lyapunov_figure, profile_figure
from pages.entropy._model import JOB

dash.register_page(__name__, path="/entropy", name="Entropy", title="Information dynamics", order=4,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "pw", "sc", "dd",
                             *GUIDANCE_KEYS))


def layout(**query):
    return html.Div([
        html.H1("Information dynamics: entropy rate and decisions"),
        dcc.Markdown(r"""Generation transfers information from the noise to the sample. The conditional entropy
rate $\dot H(y|x_t) = \tfrac12 \nu^2\, \mathbb E[\operatorname{tr} \mathrm{Var}(y|x_t)]/s^4$
(Ambrogioni 2025 eq. 17) equals
$\tfrac12\nu^2\,\Delta\mathrm{div}$, the data-dependent divergence of the score (eq. 37), and peaks where the
fixed-point paths branch — the decisions (Ambrogioni 2025 Fig. 1). Here $s^2 = b^2/a^2$ and
$\nu^2 = ds^2/dt$, so VE, VP and flow matching (FM) share one formula; the marginal rate is
$\dot H(x_t) = D\nu^2/(2s^2) - \dot H(y|x_t) + D\,\tfrac{d\log a}{dt}$ (the last term, $-D$ under VP and
$-D/(1-t)$ under FM, turns the rate of $\tilde x = x/a$ into that of $x_t$).""",
                     mathjax=True, className="explain"),
        html.Div([page_control("axis", dcc.RadioItems, query,
                               options=[{"label": " log t axis", "value": "log"},
                                        {"label": " entropic time axis", "value": "entropic"}],
                               inline=True, className="entropy-axis")], className="options"),
        JOB.progress_bar("entropy"),
        html.Div(id="entropy-caption", className="caption"),
        dcc.Graph(id="entropy-profile", figure=empty_figure("computing the profile…", 820)),
        html.Div([dcc.Graph(id="entropy-fisher", className="half"),
                  dcc.Graph(id="entropy-cumulative", className="half")], className="row"),
        dcc.Graph(id="entropy-lyapunov"),
        *JOB.stores("entropy"),
    ])



JOB.wire("entropy")
wire_time_moves("entropy-profile", "entropy-fisher", "entropy-cumulative", "entropy-lyapunov")


@callback(Output("entropy-profile", "figure"), Output("entropy-fisher", "figure"),
          Output("entropy-cumulative", "figure"), Output("entropy-caption", "children"),
          Output("entropy-lyapunov", "figure"),
          Input("entropy-ready", "data"), Input(ids.STATE, "data"),
          State(ids.TIME, "data"))
@drawn("entropy-page", "moved", job=JOB)
def render_profile(ready, data, time):
    """Draw the stored profile and spectra once per result; the current time's parts are moved."""
    state = state_from_store(data, time)
    view = JOB.stored(state)
    if view is None:
        wait, text = empty_figure(JOB.waiting(ready, "computing the profile…"), 820), JOB.waiting(ready)
        return wait, empty_figure(text), empty_figure(text), JOB.waiting(ready, "Computing (see the progress bar)."), \
            empty_figure(text)
    t = state.t
    times, rate = np.asarray(view.times), np.asarray(view.rate)
    caption = [f"Ḣ(y|x_t) peaks at t ≈ {times[np.argmax(rate)]:.3g}; per unit log t (t·Ḣ) at "
               f"t ≈ {times[np.argmax(times * rate)]:.3g}. "]
    if view.decisions is not None and view.decisions.t_meas:
        caption.append(f"First branching of the fixed-point paths: t = {view.decisions.t_meas:.3g}. ")
    caption.append(f"Total information transferred over the grid: {view.cumulative[-1]:.3g} nats. "
                   f"Monte Carlo: {len(view.times)} times × {view.samples:,} samples.")
    guided = guidance_label(state)
    if guided:
        caption.append(f" Classifier-free guidance, {guided}: eq. 17 with the guided C_w = (1 + w)C_c − wC, averaged "
                       "over the guided probability-flow's own particles (Heun), so that Ḣ(x_t) is the entropy rate of "
                       "the law the guided sampler produces (w = 0: the class's rate). Where w > 0, C_w is not a "
                       "covariance and the 'conditional' rate can dip below 0; the score-norm estimator (eq. 15) rests "
                       "on Tweedie's identity, which a guided score does not satisfy, so the two part.")
    fisher = (fisher_figure(view, t) if view.fisher is not None
              else empty_figure("d too large for full covariances"))
    lyapunov = (lyapunov_figure(view, t) if view.lyap is not None
                else empty_figure("Jacobian spectra are drawn up to d = 32", 330))
    return (profile_figure(view, t, state.time_axis == "entropic"), fisher, cumulative_figure(view, t), caption,
            lyapunov)
