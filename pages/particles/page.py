"""Particles: live reverse diffusion, speciation and collapse, the cloning experiment (Biroli et al. 2024)."""
import dash
import numpy as np
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from components import ids
from components.animation import FORMATS, movie_file
from components.controls import page_control
from components.jobs import download_failed, figure_failed
from components.plotting import empty_figure
from components.state import GUIDANCE_KEYS, PARTICLE_CHOICES, STEP_CHOICES, guidance_label, state_from_store
from components.timemoves import wire_time_moves
from core.dynamics import SAMPLER_NAMES, SAMPLERS
from core.schedules import SCHEDULE_NAMES, SCHEDULES
from pages.particles._figures import (
    cloning_figure,
    collapse_figure,
    fan_figure,
    guidance_figure,
    guidance_verdict,
    particles_figure,
    regime_title,
    run_movie,
    sampling_figure,
    schedule_verdict,
)
from pages.particles._model import (
    JOB,
    SAMPLING_WORK,
    SWEEP_WORK,
    cloning,
    experiment_limit,
    guidance_effects,
    run_summary,
    sampling_errors,
)

dash.register_page(__name__, path="/particles", name="Particles", title="Reverse diffusion", order=3,
                   controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r", "pw", "sc", "dd",
                             *GUIDANCE_KEYS))



CLONING_TEXT = ("Copies of one backward trajectory made at time t run on with independent noise; φ(t) is the "
                "probability that both end in the same class (φ_C: on the same training point). For the Gaussian "
                "mixture, eq. 6 of Biroli et al. 2024 gives φ in closed form (in s², for any process).")
SAMPLING_TEXT = ("Euler–Maruyama is first order; Heun's predictor–corrector is second order for the probability-flow "
                 "ODE; the exponential integrator (DDIM; ancestral sampling for the SDE) is exact while the posterior "
                 "mean stays put over a step, so it is exact for one data point (for flow matching its ODE step is "
                 "Euler's). Measured against answers known exactly: E|x|² = a²E|y|² + d·b² at t_min for every "
                 "target, and the first class's share (its weight) where the target has classes. One start and "
                 "one noise per step count are shared by the three samplers and the three step grids: uniform in "
                 "log t; Karras et al. 2022's ρ = 7 grid in the noise level s = b/a (dense at low noise); entropic "
                 "time, equal steps of the conditional entropy H(y|x_t) of the Entropy page (Stancevic, Handke & "
                 "Ambrogioni 2025: each step carries the same information). Under flow matching uniform steps in "
                 "log t are coarse near t = 1, where a = 1 − t changes fastest: there the other grids win. The "
                 "line under the figure says which grid did best here.")
GUIDANCE_TEXT = ("The guided score s_w = (1 + w)·∇log p_t(x|c) − w·∇log p_t(x) drives the reverse SDE (Heun, 200 "
                 "steps) from one shared start, for w from −1 (unconditional) through 0 (the class itself) to 8, "
                 "under three schedules w(t), by the noise level s² against the top eigenvalue Λ (s² = Λ is "
                 "speciation): constant; only in the band Λ/4 ≤ s² ≤ 4Λ around speciation (Kynkäänniemi et al. "
                 "2024); and w before speciation, then the negative w of the panel's “Window's w” for Λ/4 ≤ s² < Λ "
                 "(the shape of Ventura, Achilli, Ambrogioni & Lucibello 2026's schedule). Measured against exact "
                 "draws of the class law, measured alike: the fraction of samples in class c (class separability), "
                 "their spread along the class axis (solid) — where guidance steepens the well while the other class "
                 "still pulls — and in all directions (dotted), over the exact law's, and their mean's shift over "
                 "its RMS radius. The class is the one chosen under Guide "
                 "to (the first class when unguided).")


def _experiment(prefix, heading, text, button, placeholder=None):
    """An on-demand experiment: heading, explanation, its button and progress bar, and its figure."""
    return [html.H2(heading), html.P(text, className="explain"),
            html.Div([html.Button(button, id=f"{prefix}-run", n_clicks=0),
                      html.Progress(id=f"{prefix}-progress", value="0", max="1")], className="options"),
            dcc.Graph(id=f"{prefix}-graph", figure=empty_figure(placeholder or f"press “{button}”", 380))]


def layout(**query):
    """The run settings are state fields (``?particles=5000&dynamics=ode&sampler=heun&steps=50``): the URL sync
    sets them, as every control of the panel."""
    return html.Div([
        html.H1("Reverse diffusion: speciation and collapse"),
        dcc.Markdown(r"""Particles start as noise at $t_{max}$ and run the reverse process down to $t_{min}$ with the
exact score $\nabla\log p_t(x) = (a\langle y\rangle - x)/b^2$ (VE: $x \leftarrow x + \sigma^2\,\text{score}\,dt +
\sigma\sqrt{dt}\,\xi$; VP: Biroli et al. 2024 eq. 3; FM: the ODE is the rectified-flow sampler
$dx = (x - \langle y\rangle)/t\,dt$). Each is colored by where it ends: the cloud splits into classes
at the
speciation time $t_s$ ($a^2\Lambda = b^2$, i.e. $t_s \approx \tfrac12\log\Lambda$ for VP) and, for a finite dataset,
falls onto training points at the collapse time $t_C$ (Biroli et al. 2024 eq. 10). The slider scrubs; Play (or the space
bar)
animates in the browser.""", mathjax=True, className="explain"),
        html.Div([
            html.Label("Particles"),
            page_control("particles", dcc.Dropdown, query,
                         options=[{"label": f"{p:,}", "value": p} for p in PARTICLE_CHOICES],
                         clearable=False, style={"width": "9.5em"}, className="particles-count"),
            page_control("dynamics", dcc.RadioItems, query,
                         options=[{"label": " SDE", "value": "sde"},
                                  {"label": " ODE (probability flow)", "value": "ode"}],
                         inline=True, className="particles-dynamics"),
            html.Label("Sampler"),
            page_control("sampler", dcc.Dropdown, query,
                         options=[{"label": SAMPLER_NAMES[k], "value": k} for k in SAMPLERS],
                         clearable=False, searchable=False, style={"width": "15.5em"}, className="particles-sampler"),
            html.Label("Steps"),
            page_control("steps", dcc.Dropdown, query, options=[{"label": str(k), "value": k} for k in STEP_CHOICES],
                         clearable=False, searchable=False, style={"width": "7.5em"}, className="particles-steps"),
            html.Label("Step grid"),
            page_control("grid", dcc.Dropdown, query,
                         options=[{"label": SCHEDULE_NAMES[k], "value": k} for k in SCHEDULES],
                         clearable=False, searchable=False, style={"width": "11em"}, className="particles-grid"),
            html.Button("New run (new seed)", id="particles-rerun", n_clicks=0),
            html.Span(["The run for slides: ",
                       *[html.Button(f"⤓ {fmt.upper()}", id=f"particles-{fmt}", n_clicks=0,
                                     title=f"this run as a {fmt.upper()} (1,280 × 720, t burnt in)")
                         for fmt in FORMATS]], className="movie-buttons"),
            dcc.Download(id="particles-movie"),
        ], className="options"),
        JOB.progress_bar("particles-job"),
        # Play sits right above the cloud, so both are on the screen at once (and on lecture mode's stage)
        html.Div([
            html.Button("▶ Play", id="particles-play", n_clicks=0),
            html.Button("❚❚ Pause", id="particles-pause", n_clicks=0),
            html.Label("Speed"),
            dcc.Dropdown(id="particles-speed", options=[{"label": f"{s}×", "value": s} for s in (0.25, 0.5, 1, 2, 4)],
                         value=1, clearable=False, style={"width": "7em"}),
            html.Span(id="particles-clock", className="clock"), html.Span(id="particles-status"),
        ], id="particles-playback", className="options stage-keep"),
        html.Div([dcc.Graph(id="particles-graph", className="half", figure=empty_figure("computing the run…", 560)),
                  dcc.Graph(id="particles-fan", className="half")], className="row"),
        html.Div(id="particles-caption", className="caption"),
        dcc.Graph(id="particles-collapse"),
        dcc.Graph(id="particles-images", style={"display": "none"}, config={"displayModeBar": False}),
        *_experiment("cloning", "Cloning experiment", CLONING_TEXT, "Run cloning experiment"),
        *_experiment("sampling", "Sampling error against steps", SAMPLING_TEXT, "Measure sampling error"),
        html.P(id="sampling-verdict", className="caption"),
        *_experiment("guidance", "Classifier-free guidance over time", GUIDANCE_TEXT, "Run guidance sweep",
                     "press “Run guidance sweep” (targets with classes)"),
        html.P(id="guidance-verdict", className="caption"),
        *JOB.stores("particles-job"),
        dcc.Store(id="particles-run"),
        html.Div(id="particles-sink", style={"display": "none"}),
    ])



JOB.wire("particles-job")


@callback(Output("particles-run", "data"), Output("particles-graph", "figure"), Input("particles-job-ready", "data"),
          State(ids.STATE, "data"), *[State(cid, prop) for cid, prop in JOB.controls], prevent_initial_call=True)
def send_run(ready, data, *controls):
    """Send the finished run to the browser once (the animation then runs there)."""
    if JOB.failed(ready):          # its message; nothing is computed here
        return dash.no_update, empty_figure(JOB.waiting(ready), 560)
    run = JOB.stored(state_from_store(data), *controls) or JOB.result(state_from_store(data), *controls)
    first = run.frames()[0]
    payload = {"frames": run.packed_frames, "times": run.times.tolist(),
               "scales": run.scales.tolist(), "spans": run.spans.tolist(), "data": run.data_uv.tolist(),
               "regime": regime_title(run)}
    return payload, particles_figure(run, first)


@callback(Output("particles-fan", "figure"), Output("particles-collapse", "figure"),
          Output("particles-caption", "children"), Output("particles-images", "figure"),
          Output("particles-images", "style"), Input("particles-run", "data"), State(ids.STATE, "data"),
          State(ids.TIME, "data"), *[State(cid, prop) for cid, prop in JOB.controls])
def render_side(payload, data, time, *controls):
    """Density fan, collapse panel and caption of the run (time moves then happen in the browser)."""
    hidden = {"display": "none"}
    if not payload:
        wait = empty_figure("computing…")
        return wait, wait, "Running the particles (see the progress bar).", wait, hidden
    state = state_from_store(data, time)
    run = run_summary(state, *controls)
    t = state.t
    collapse = (collapse_figure(run, t) if run.nearest is not None
                else empty_figure("collapse onto training points needs a finite dataset (a discrete target)", 330))
    images, style = empty_figure(""), hidden
    if run.images is not None:
        images, style = _images_figure(run.images), None
    return fan_figure(run, t), collapse, _caption(run, state), images, style


def _images_figure(images):
    """Each generated image (top of a pair) above its nearest training image: memorization made visible."""
    from components.plotting import image_sheet_figure
    k = len(images["generated"])
    stacked = np.concatenate([images["generated"], images["nearest"]])
    labels = [f"{lab}" for lab in images["labels"]] + [f"{d:.2f}" for d in images["distance"]]
    return image_sheet_figure(stacked, labels, columns=k, title="generated images at t_min (top row) and their "
                              "nearest training image (bottom; label: distance). Top labels: nearest class mean")


def _caption(run, state):
    reg = run.regimes
    parts = [f"Speciation t_s = {reg.t_s:.3g} (a²Λ = b²). "]
    if reg.t_c_theory is not None and not state.spec.discrete:
        parts.append("No collapse: a continuous law has no training points to fall onto (Biroli et al. 2024 eq. 10 "
                     "with "
                     "n = ∞). ")
    elif reg.t_c_theory is not None:
        parts.append(f"Collapse t_C = {reg.t_c_theory:.3g} (Biroli et al. 2024 eq. 10). ")
    if reg.t_c_measured is not None:
        parts.append(f"Measured collapse t̂_C = {reg.t_c_measured:.3g} (median over trajectories of the time from "
                     "which their nearest training point μ* stays the same and holds most of the posterior "
                     "weight). ")
        if reg.point_classes:
            parts.append("Each class here is a single training point, so choosing a class is collapsing onto it: "
                         "there is no regime II, and t̂_C falls near t_s (on either side: the ODE commits "
                         "earlier than the SDE). ")
    elif reg.collapse_times is not None:
        parts.append(f"No measured collapse: {np.mean(np.isfinite(reg.collapse_times)):.0%} of the trajectories end "
                     "with one training point holding most of the posterior weight. ")
    if run.particles < run.requested:
        parts.append(f"Particles cut from {run.requested:,} to {run.particles:,} to keep particles × data "
                     f"points × steps ≤ 4·10⁸ and particles × d × steps ≤ 2·10⁷. ")
    guided = guidance_label(state)
    if guided:
        parts.append(f"Classifier-free guidance: {guided} (s_w = (1 + w)∇log p_t(x|c) − w∇log p_t(x)). ")
    parts.append(f"{run.particles:,} particles, {len(run.times)} frames, "
                 f"{'SDE' if run.sde else 'probability-flow ODE'} by {SAMPLER_NAMES[run.sampler]} in "
                 f"{run.steps} steps ({SCHEDULE_NAMES[run.schedule]}), {state.process}.")
    return parts


def _run_movie_callback(fmt):
    @callback(Output("particles-movie", "data", allow_duplicate=True), Input(f"particles-{fmt}", "n_clicks"),
              State(ids.STATE, "data"), State("toolbar", "data-mode"),
              *[State(cid, prop) for cid, prop in JOB.controls],
              background=True, prevent_initial_call=True, on_error=download_failed,
              running=[(Output(f"particles-{fmt}", "disabled"), True, False)])
    def download(n_clicks, data, mode, *controls):
        """The run shown, as a slide animation (components.animation), light or dark as the page is."""
        if not n_clicks:
            return dash.no_update
        state = state_from_store(data)
        run = JOB.stored(state, *controls) or JOB.result(state, *controls)
        heading = (f"{run.particles:,} particles, {state.process}, {'SDE' if run.sde else 'ODE'} by "
                   f"{SAMPLER_NAMES[run.sampler]} in {run.steps} steps; {state.spec.name}")
        frames = run_movie(run, "dark" in str(mode), heading)
        return movie_file(frames, fmt, f"dtlab_particles_{state.target}_{state.process}")
    return download


MOVIE_CALLBACKS = {fmt: _run_movie_callback(fmt) for fmt in FORMATS}


def _figure_and_line_failed(err):
    """``on_error`` of a panel with a figure and a verdict line: the failure in the figure's place."""
    return figure_failed(380)(err), None


@callback(Output("sampling-graph", "figure"), Output("sampling-verdict", "children"), Input("sampling-run", "n_clicks"),
          State(ids.STATE, "data"), background=True, prevent_initial_call=True, on_error=_figure_and_line_failed,
          progress=[Output("sampling-progress", "value"), Output("sampling-progress", "max")])
def run_sampling_error(set_progress, _n, data):
    """Sampling error of the three samplers against steps on each step grid (background job, on demand), and
    which grid did best, in words."""
    state = state_from_store(data)
    results = sampling_errors(state, state.dynamics != "ode", progress=lambda i, n: set_progress((str(i), str(n))))
    if results is None:
        return empty_figure(f"too large for this panel: it runs on datasets of up to "
                            f"{experiment_limit(SAMPLING_WORK):,} points (d ≤ 100)", 380), None
    return sampling_figure(results, state), schedule_verdict(results)


@callback(Output("guidance-graph", "figure"), Output("guidance-verdict", "children"), Input("guidance-run", "n_clicks"),
          State(ids.STATE, "data"), background=True, prevent_initial_call=True, on_error=_figure_and_line_failed,
          progress=[Output("guidance-progress", "value"), Output("guidance-progress", "max")])
def run_guidance_sweep(set_progress, _n, data):
    """Class fraction and spread of guided samples against w, per schedule (background job, on demand)."""
    state = state_from_store(data)
    sweep = guidance_effects(state, progress=lambda i, n: set_progress((str(i), str(n))))
    if sweep is None and state.spec.classes is None:
        return empty_figure(f"{state.spec.name} has no classes to guide toward: pick two deltas, the "
                            "circle, the two-cluster mixture or digits", 380), None
    if sweep is None:
        return empty_figure(f"too large for this panel: it runs on datasets of up to "
                            f"{experiment_limit(SWEEP_WORK):,} points (d ≤ 100)", 380), None
    return guidance_figure(sweep, state), guidance_verdict(sweep, state.guidance_w)


@callback(Output("cloning-graph", "figure"), Input("cloning-run", "n_clicks"), State(ids.STATE, "data"),
          background=True, prevent_initial_call=True, on_error=figure_failed(380),
          progress=[Output("cloning-progress", "value"), Output("cloning-progress", "max")])
def run_cloning(set_progress, _n, data):
    """The cloning experiment over eight clone times around t_s with the page's sampler (background job, on demand)."""
    return cloning_figure(cloning(state_from_store(data),
                                  progress=lambda i, n: set_progress((str(i), str(n)))))


clientside_callback(ClientsideFunction("particles", "load"), Output("particles-status", "children"),
                    Input("particles-run", "data"), State(ids.TIME, "data"))
clientside_callback(ClientsideFunction("particles", "play"), Output("particles-play", "className"),
                    Input("particles-play", "n_clicks"))
clientside_callback(ClientsideFunction("particles", "pause"), Output("particles-pause", "className"),
                    Input("particles-pause", "n_clicks"))
clientside_callback(ClientsideFunction("particles", "speed"), Output("particles-speed", "className"),
                    Input("particles-speed", "value"))
clientside_callback(ClientsideFunction("particles", "scrub"), Output("particles-sink", "children"),
                    Input(ids.TIME, "data"), Input(ids.TIME_SET, "data"))
wire_time_moves("particles-fan")
