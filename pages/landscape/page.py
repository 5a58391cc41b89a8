"""Free-energy landscape: F̃(x, t), the score field, fixed points and the Boltzmann weights."""
import math

import dash
import numpy as np
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from components import ids
from components.animation import FORMATS, movie_file
from components.controls import page_control
from components.jobs import download_failed
from components.plotting import empty_figure
from components.state import GUIDANCE_KEYS, guidance_label, state_from_store
from components.timemoves import drawn
from components.typed_arrays import packed
from pages.landscape._figures import (
    arrow_segments,
    landscape_1d_figure,
    landscape_2d_figure,
    small_multiples_figure,
    sweep_movie,
    weights_figure,
)
from pages.landscape._model import (
    LineLandscape,
    PlaneLandscape,
    hopfield_view,
    landscape_view,
    probe_view,
    stack_view,
    strip_view,
    view_inputs,
)

dash.register_page(__name__, path="/landscape", name="Landscape", title="Free-energy landscape",
                   order=1, controls=("target", "t", "process", "sigma", "d", "n", "cls", "seed", "r",
                                      "pw", "sc", "dd", *GUIDANCE_KEYS))


def layout(**query):
    return html.Div([
        html.H1("Free-energy landscape"),
        dcc.Markdown(r"""The regularized free energy $\tilde F(\tilde x) = -s^2\log Z(\tilde x) + \tfrac12|\tilde x|^2$,
with $Z = \sum_j \pi_j e^{(\tilde x\cdot y_j - |y_j|^2/2)/s^2}$, has gradient $\tilde x - \langle y\rangle$: the
score is $-(a/b^2)\nabla\tilde F$, so generation is a noisy descent on $\tilde F$ (Ambrogioni 2023 §5–7). Above the
critical time $t_c$ ($a^2\Lambda = b^2$) it is one convex well; below, it splits. Click the landscape to
probe a point.""",
                     mathjax=True, className="explain"),
        html.Div([
            page_control("plot", dcc.RadioItems, query, options=[{"label": " heatmap", "value": "map"},
                                                          {"label": " 3-D surface", "value": "surface"}],
                         inline=True, className="landscape-plot"),
            page_control("hopfield", dcc.RadioItems, query,
                         options=[{"label": " F̃", "value": "off"}, {"label": " F̃ and the Hopfield energy (eq. 40)",
                                                                    "value": "on"}],
                         inline=True, className="landscape-hopfield"),
            html.Span(["Time sweep for slides: ",
                       *[html.Button(f"⤓ {fmt.upper()}", id=f"landscape-{fmt}", n_clicks=0,
                                     title=f"F̃ from the largest t to the smallest as a {fmt.upper()} (1,280 × 720)")
                         for fmt in FORMATS]], className="movie-buttons"),
            dcc.Download(id="landscape-movie"),
        ], className="options"),
        html.Div(id="landscape-caption", className="caption"),
        html.Div([
            dcc.Graph(id="landscape-graph", className="main-graph"),
            html.Div([html.H3("Probe point"), html.Div(id="probe-readout"),
                      dcc.Graph(id="weights-graph", style={"height": "260px"},
                                config={"displayModeBar": False})], className="side"),
        ], className="two-col"),
        dcc.Graph(id="strip-graph", figure=empty_figure("F̃ at five times around t_c: drawn when you scroll here")),
        dcc.Store(id="strip-seen"),
        dcc.Store(id="probe"),
        dcc.Store(id="probe-time"),
        dcc.Store(id="landscape-stack"),
        dcc.Store(id="stack-wanted"),
        dcc.Store(id="stack-state"),
        dcc.Store(id="strip-state"),
    ])



#: The heatmap / 3-D surface choice (a state field: ``plot=surface`` in a link), hidden for a 1-D target.
PLOT_CONTROL = {"type": ids.PAGE_CONTROL, "name": "plot"}


@callback(Output("landscape-graph", "figure"), Output("landscape-caption", "children"),
          Output(PLOT_CONTROL, "style"), Input(ids.STATE, "data"), Input(ids.TIME_SET, "data"),
          Input("probe", "data"))
@drawn("landscape", "exact")
def render_landscape(data, time, probe):
    """F̃ and the score at the released (or typed) time, fixed points classified by the Hessian."""
    state = state_from_store(data, time)
    v = landscape_view(view_inputs(state))
    title = f"t = {v.t:.4g}   (s² = {v.s2:.4g};  t_c = {v.t_c:.4g})"
    show_hop = state.hopfield == "on" and v.hopfield_ok
    energy = hopfield_view(view_inputs(state)) if show_hop else None
    uv = probe_mean = None
    if _probe_ok(probe, v):
        uv = np.asarray(probe["uv"], float)
        pv = probe_view(state, _probe_point(uv, v))
        probe_mean = pv.mean if isinstance(v, LineLandscape) else (pv.mean - v.plane_origin) @ v.plane_axes.T
    if isinstance(v, LineLandscape):
        fig = landscape_1d_figure(v.x, v.f, v.score, v.fixed_x, v.fixed_f,
                                  v.fixed_score, v.kinds, title, v.data_x, energy,
                                  probe=None if uv is None else float(uv[0]),
                                  probe_mean=None if uv is None else float(probe_mean[0]), score_closed=v.score_closed)
    else:
        arrows = arrow_segments(v.tails, v.drift, 0.8 * v.cell)
        labels = ("x̃₁", "x̃₂") if v.d == 2 else ("principal axis 1", "principal axis 2")
        fig = landscape_2d_figure(v.u, v.v, v.f, arrows, v.fixed_uv, v.kinds, v.data_uv,
                                  title, surface=state.surface == "surface",
                                  hopfield=energy,
                                  probe=uv, probe_mean=probe_mean, axis_labels=labels)
    gap = float(np.abs(energy - v.f).max()) if show_hop else None
    return fig, _caption(state, v, gap), {"display": "none"} if isinstance(v, LineLandscape) else None


def _probe_point(uv, v):
    """The probe's x̃: itself in 1-D, embedded from plane coordinates otherwise."""
    return uv if isinstance(v, LineLandscape) else v.plane_origin + uv @ v.plane_axes


def _probe_ok(probe, v):
    """A probe from the store is used only if it is a finite point of the current dimension."""
    if not (isinstance(probe, dict) and probe.get("d") == v.d and isinstance(probe.get("uv"), list)):
        return False
    uv = probe["uv"]
    return (len(uv) == (1 if isinstance(v, LineLandscape) else 2)
            and all(isinstance(c, (int, float)) and np.isfinite(c) for c in uv))


def _caption(state, v, hopfield_gap):
    if math.isclose(v.t, v.t_c, rel_tol=1e-6):
        phase = "at t_c: the curvature of F̃ vanishes at the branching point"
    else:
        phase = "below t_c: broken symmetry" if v.t < v.t_c else "above t_c: one well"
    counts = {k: int(np.sum(v.kinds == k)) for k in ("minimum", "saddle", "maximum", "marginal")}
    parts = [f"Λ = {v.lam:.4g}, t_c = {v.t_c:.4g} ({phase}). "]
    guided = guidance_label(state)
    if guided:
        parts.append(f"Classifier-free guidance, {guided}: F̃_w = ½|x̃|² − s²[(1 + w) log Z_c − w log Z], "
                     "whose minima are the guided sampler's fixed points (t_c is the unguided model's). ")
    if v.fixed_searched:         # otherwise fixed_note says why none are shown: none found ≠ none searched
        parts.append(f"{counts['minimum']} stable fixed point(s), {counts['saddle']} saddle(s), "
                     f"{counts['maximum']} maxima"
                     + (f", {counts['marginal']} marginal (a zero curvature: a branching point). "
                        if counts["marginal"] else ". "))
    if v.d > 2:
        parts.append("A 2-D slice through the data's mean along its top two principal axes; "
                     "data points are projected onto it. ")
    if v.fixed_note:
        parts.append(v.fixed_note.capitalize() + ". ")
    if state.process == "VP":
        parts.append("VP: F̃ is shown as a function of x̃ = x·eᵗ at s² = e^{2t} − 1. ")
    elif state.process == "FM":
        parts.append("FM (flow matching, x_t = (1 − t)y + tz): F̃ is shown as a function of x̃ = x/(1 − t) at "
                     "s² = t²/(1 − t)²; t_c = √Λ/(1 + √Λ). ")
    if state.hopfield == "on" and hopfield_gap is None:
        parts.append("The Hopfield overlay needs data points of equal norm (on a sphere). ")
    elif hopfield_gap is not None:
        parts.append(f"Data on a sphere: the Hopfield energy E (eq. 40) equals F̃ up to a constant "
                     f"(max |E − F̃| = {hopfield_gap:.1e} after both are shifted to 0), so its minima are "
                     f"F̃'s stable fixed points. ")
        if v.pattern_gap is not None:
            parts.append(f"Low-temperature limit: E → −max_j x·y_j + ½|x|², minimized at the stored "
                         f"patterns; here the stable fixed points lie within {v.pattern_gap:.2g} "
                         f"of a pattern (→ 0 as t → 0). ")
    return parts


@callback(Output("probe", "data"), Input("landscape-graph", "clickData"),
          State(ids.STATE, "data"), prevent_initial_call=True)
def set_probe(click, data):
    """Clicking the landscape sets the probe point (plane coordinates; x̃ in 1-D)."""
    try:
        point = click["points"][0]
        x, y = float(point["x"]), float(point.get("y", 0.0))
    except (TypeError, KeyError, IndexError, ValueError):
        return no_update
    if not (np.isfinite(x) and np.isfinite(y)):
        return no_update
    d = state_from_store(data).d
    return {"d": d, "uv": [x] if d == 1 else [x, y]}


@callback(Output("weights-graph", "figure"), Output("probe-readout", "children"),
          Input(ids.STATE, "data"), Input("probe-time", "data"), Input("probe", "data"), State(ids.TIME_SET, "data"))
def render_probe(data, _moved, probe, time):
    """Boltzmann weights, magnetization, βC eigenvalues and 1/Σw² at the probe point (at the released time;
    ``probe-time`` changes with it only while there is a probe)."""
    state = state_from_store(data, time)
    v = landscape_view(view_inputs(state))
    if not _probe_ok(probe, v):
        return empty_figure("click the landscape", 260), "No probe point yet."
    pv = probe_view(state, _probe_point(np.asarray(probe["uv"], float), v))
    rows = [f"x̃ = {_vec(pv.x)}", f"⟨y⟩ = {_vec(pv.mean)}", f"tr C = {pv.trace_cov:.4g}"]
    if pv.chi_eigs is not None:
        rows.append("eigenvalues of χ = βC: " + ", ".join(f"{e:.3g}" for e in pv.chi_eigs[:4]))
    if pv.weights is not None:
        rows.append(f"1/Σw² = {pv.effective_points:.3g} data points shape the score here")
        fig = weights_figure(pv.weights, np.arange(len(pv.weights)))
    else:
        rows.append("continuous target: no discrete weights (its posterior is in closed form)")
        fig = empty_figure("continuous target", 260)
    return fig, html.Ul([html.Li(r) for r in rows])


def _vec(a, k=4):
    a = np.atleast_1d(a)
    body = ", ".join(f"{x:.3g}" for x in a[:k])
    return f"({body}{', …' if len(a) > k else ''})"


#: The lab state, passed on once a flag is set: what is below the fold or only for a drag is asked for when the
#: reader reaches for it — a page open sends no request for it (issue 30).
WHEN_WANTED = "(data, wanted) => wanted ? data : window.dash_clientside.no_update"
clientside_callback(WHEN_WANTED, Output("stack-state", "data"), Input(ids.STATE, "data"), Input("stack-wanted", "data"))


@callback(Output("landscape-stack", "data"), Input("stack-state", "data"), prevent_initial_call=True)
@drawn("landscape-stack", None)
def send_stack(data):
    """The scrub preview's frames, once per parameter set (None when the dataset is too large for one)."""
    stack = stack_view(view_inputs(state_from_store(data), at_time=False))
    if stack is None:
        return None
    out = {"log_times": packed(np.log(stack.times), "<f8"), "axis": packed(stack.axis), "d": stack.d,
           "low": packed(stack.low), "high": packed(stack.high), "levels": packed(stack.levels, "u1")}
    if stack.score_levels is not None:
        out.update(score_low=packed(stack.score_low), score_high=packed(stack.score_high),
                   score_levels=packed(stack.score_levels, "u1"))
    return out


# the probe panel follows a released time only when there is a probe: no request otherwise
clientside_callback("(t, probe) => probe ? t : window.dash_clientside.no_update", Output("probe-time", "data"),
                    Input(ids.TIME_SET, "data"), State("probe", "data"))
# the frames arrive after the first pointer-down: the preview follows them too, mid-drag
clientside_callback(ClientsideFunction("landscape", "preview"),
                    Output("landscape-graph", "figure", allow_duplicate=True),
                    Output("landscape-caption", "children", allow_duplicate=True), Input(ids.TIME, "data"),
                    Input("landscape-stack", "data"), State(ids.TIME_SET, "data"), State("landscape-graph", "figure"),
                    prevent_initial_call=True)
clientside_callback(ClientsideFunction("landscape", "watchReach"), Output("stack-wanted", "data"),
                    Input("landscape-graph", "figure"), State("landscape-graph", "id"), State(ids.LOG_T, "id"),
                    State("stack-wanted", "id"))


def _sweep_movie_callback(fmt):
    @callback(Output("landscape-movie", "data", allow_duplicate=True), Input(f"landscape-{fmt}", "n_clicks"),
              State(ids.STATE, "data"), State(ids.TIME, "data"), State("toolbar", "data-mode"), background=True,
              prevent_initial_call=True, on_error=download_failed,
              running=[(Output(f"landscape-{fmt}", "disabled"), True, False)])
    def download(n_clicks, data, time, mode):
        """The landscape's time sweep as a slide animation (components.animation), light or dark as the page is."""
        if not n_clicks:
            return no_update
        state = state_from_store(data, time)
        stack = stack_view(view_inputs(state, at_time=False))
        if stack is None:
            return no_update
        v = landscape_view(view_inputs(state))
        data_uv = v.data_uv if isinstance(v, PlaneLandscape) else np.column_stack([v.data_x, np.zeros(len(v.data_x))])
        heading = f"{state.spec.name}, {state.process}" + (f"; {guidance_label(state)}"
                                                                   if guidance_label(state) else "")
        frames = sweep_movie(stack, data_uv, v.t_c, "dark" in str(mode), heading)
        return movie_file(frames, fmt, f"dtlab_landscape_sweep_{state.target}_{state.process}")
    return download


MOVIE_CALLBACKS = {fmt: _sweep_movie_callback(fmt) for fmt in FORMATS}


# the strip lies below the fold: it is computed once it scrolls into view, not at every page open (issue 30)
clientside_callback(ClientsideFunction("landscape", "watchSeen"), Output("strip-seen", "data"),
                    Input("landscape-graph", "figure"), State("strip-graph", "id"), State("strip-seen", "id"))


clientside_callback(WHEN_WANTED, Output("strip-state", "data"), Input(ids.STATE, "data"), Input("strip-seen", "data"))


@callback(Output("strip-graph", "figure"), Input("strip-state", "data"), prevent_initial_call=True)
@drawn("strip-page", None)
def render_strip(data):
    """F̃ at t_c × (¼, ½, 1, 2, 4): the lecture slide."""
    state = state_from_store(data)
    key = view_inputs(state, at_time=False)
    s = strip_view(key)
    return small_multiples_figure(s.times, s.panels, s.axis, s.t_c)
