"""Figure builders of the particles page."""
from __future__ import annotations

import numpy as np
from plotly.colors import qualitative

from components.animation import blank, canvas, caption, palette_rgb, stamp
from components.plainfig import PlainFigure, heatmap, histogram, scatter, scattergl
from components.plotting import BASE_LAYOUT, f32, gapped
from components.state import LabState, target_of
from components.timemoves import axis_of, movable, now_line, title, title_text
from core import limits
from core.dynamics import SAMPLER_NAMES
from core.guidance import class_names
from core.guidance_schedules import SCHEDULE_LABELS
from core.sampling import GuidanceSweep
from core.schedules import SCHEDULE_NAMES
from pages.particles._model import CloningResult, ParticleRun

CLASS_COLORS = qualitative.Set1


def particles_figure(run: ParticleRun, first_frame: np.ndarray) -> dict:
    """Particles at the first frame (scattergl, colored by where they end) over the data as the
    process sees it then, a(t)·y; the square fits the frame (assets/particles.js follows both)."""
    labels = np.asarray(run.labels) % len(CLASS_COLORS)
    k = len(CLASS_COLORS)
    # numeric colors on a stepped colorscale: restyling x/y then never re-parses color strings
    # (plotly.js drops a scale whose positions repeat: each step ends just before the next)
    scale = [[min(1.0, (i + e) / k - (1e-6 if e else 0.0)), c] for i, c in enumerate(CLASS_COLORS) for e in (0, 1)]
    scale[-1][0] = 1.0
    span, a0 = float(run.spans[0]), float(run.scales[0])
    fig = PlainFigure([
        scattergl(x=f32(first_frame[:, 0]), y=f32(first_frame[:, 1]), mode="markers", name="particles",
                  marker=dict(size=3 if run.particles > 5000 else 4, color=labels.astype(np.float32) + 0.5,
                              colorscale=scale, cmin=0, cmax=k, opacity=0.7),
                  hoverinfo="skip"),
        scatter(x=f32(a0 * run.data_uv[:, 0]), y=f32(a0 * run.data_uv[:, 1]), mode="markers",
                name="data points" if np.all(run.scales == 1) else "data points × a(t)",
                   # open, in ink (light on the dark theme): the particles under a data point stay seen
                marker=dict(symbol="triangle-up-open", size=7, color="#111", opacity=0.7, line=dict(width=1))),
    ])
    fig.update_layout(**BASE_LAYOUT, height=560, title="Reverse diffusion (colored by where each particle ends)",
                      legend=dict(orientation="h", y=-0.08))
    one_d = run.d == 1          # a line: the vertical spread is a fixed jitter, for visibility only
    fig.update_xaxes(range=[-span, span], title_text="y" if one_d else "principal axis 1", autorange=False)
    fig.update_yaxes(range=[-span, span], title_text="jitter (no meaning: d = 1)" if one_d else "principal axis 2",
                     scaleanchor="x", autorange=False, showticklabels=not one_d)
    return fig.to_plotly_json()


def _time_lines(fig, run, t_now, row=None):
    kw = {} if row is None else dict(row=row, col=1)
    reg = run.regimes
    if reg.t_s > 0:                       # a single point has no speciation (Λ = 0)
        fig.add_vline(x=np.log10(reg.t_s), line=dict(color="#ff7f0e", dash="dash", width=2), **kw)
    shown = (float(np.min(run.times)), float(np.max(run.times)))
    for value, dash in ((reg.t_c_theory, "dot"), (reg.t_c_measured, "dashdot")):
        if value and shown[0] <= value <= shown[1]:      # a t_C below the run's t_min is not drawn
            fig.add_vline(x=np.log10(value), line=dict(color="#2ca02c", dash=dash, width=2), **kw)
    now_line(fig, float(np.log10(t_now)), **kw)


#: The slider's range: the fan's x axis is log₁₀ t, so the now line sits at log₁₀ t (exact: linear in log t).
LOG10_SPAN = np.array([limits.T_MIN, limits.T_MAX])


def regime_title(run: ParticleRun) -> dict:
    """The fan's title at t: the regime of Biroli et al. 2024 (I above t_s, II down to t_C, III below it).
    Where each class is one training point, or this run collapsed before t_s, there is no II."""
    return title("Density fan at t = {t}: regime {label}  (orange: t_s, green: t_C, solid: now)", *regime_breaks(run))


def regime_breaks(run: ParticleRun) -> tuple[list, list]:
    """The times between regimes, ascending, and the regimes' names from the earliest time on."""
    reg = run.regimes
    noise = "I (noise: before speciation)"
    if reg.point_classes:
        breaks, labels = [reg.t_s], ["II–III (each class is one training point: choosing it is collapsing)", noise]
    elif reg.t_c is None or reg.t_c <= 0:
        breaks, labels = [reg.t_s], ["II (classes formed, not collapsed)", noise]
    elif reg.t_c < reg.t_s:
        breaks = [reg.t_c, reg.t_s]
        labels = ["III (collapsed onto training points)", "II (classes formed, not collapsed)", noise]
    else:
        breaks, labels = [reg.t_s], ["II–III (this run collapsed by t_s)", noise]
    return breaks, labels


def run_movie(run: ParticleRun, dark: bool, heading: str) -> list[np.ndarray]:
    """The run as slide frames (components.animation): the cloud colored by where each particle ends over the data
    as the process sees it, a(t)·y, in the view that follows the cloud; t, the regime and ``heading`` beside it."""
    c = canvas(dark)
    frames = run.frames()
    colors = palette_rgb(CLASS_COLORS)[np.asarray(run.labels) % len(CLASS_COLORS)]
    ink = np.tile(np.array(c.ink, np.uint8), (len(run.data_uv), 1))
    breaks, labels = regime_breaks(run)
    out = []
    for f, t in enumerate(run.times):
        frame = blank(c)
        span = float(run.spans[f])
        stamp(frame, frames[f, :, :2], span, colors, radius=1 if run.particles > 5000 else 2)
        stamp(frame, run.scales[f] * np.asarray(run.data_uv), span, ink, radius=2)
        regime = labels[int(np.sum(np.asarray(breaks) <= t))]
        out.append(caption(frame, c, f"t = {t:.3g}", [f"regime {regime}", heading,
                                                      f"view ±{span:.3g} on the principal plane"]))
    return out


def fan_figure(run: ParticleRun, t_now: float) -> dict:
    """Density of the projected coordinate against log t, with fixed-point paths on top."""
    edges = np.asarray(run.fan_edges)
    centres = 0.5 * (edges[1:] + edges[:-1])
    fig = PlainFigure(heatmap(x=f32(np.log10(run.times)), y=f32(centres), z=f32(np.sqrt(run.fan)),
                              colorscale="Magma", showscale=False, hoverinfo="skip"))
    fixed = run.fixed
    if fixed is not None:
        for stable, dash in ((True, "solid"), (False, "dash")):
            runs = []
            for b in np.unique(fixed.branch):
                sel = (fixed.branch == b) & (fixed.stable == stable)
                if sel.any():
                    order = np.argsort(fixed.time[sel])
                    runs.append((np.log10(fixed.time[sel][order]), fixed.x[sel][order]))
            x, y = gapped(runs)
            fig.add_trace(scatter(x=f32(x), y=f32(y), mode="lines", line=dict(color="#7fdbff", dash=dash, width=2),
                                  name="stable fixed points" if stable else "unstable fixed points"))
    _time_lines(fig, run, t_now)
    heading = regime_title(run)
    movable(fig, t_now, heading, axis_map=axis_of(LOG10_SPAN, np.log10(LOG10_SPAN)))
    fig.update_layout(**BASE_LAYOUT, height=560, title=title_text(heading, t_now),
                      legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(title_text="log₁₀ t", autorange="reversed")
    fig.update_yaxes(title_text="y" if run.d == 1 else "principal axis 1", range=[edges[0], edges[-1]])
    return fig.to_plotly_json()


def collapse_figure(run: ParticleRun, t_now: float, shown: int = 6) -> dict:
    """Nearest-neighbour index μ*(t) of a few trajectories and the histogram of their
    collapse times (μ* fixed and dominating the posterior from then on), Biroli et al. 2024 Fig. 5."""
    fig = PlainFigure.subplots(rows=1, cols=2, subplot_titles=("nearest training point μ*(t)", "collapse times t̂_C"),
                               horizontal_spacing=0.12)
    nearest = np.asarray(run.nearest)
    logt = np.log10(run.times)
    for j in range(min(shown, nearest.shape[1])):
        fig.add_trace(scatter(x=f32(logt), y=nearest[:, j], mode="lines", line=dict(shape="hv", width=1.5),
                              showlegend=False), 1, 1)
    times = np.asarray(run.regimes.collapse_times)
    times = times[np.isfinite(times)]                 # trajectories that did not collapse have none
    fig.add_trace(histogram(x=f32(np.log10(times)), nbinsx=30, marker_color="#2ca02c", showlegend=False), 1, 2)
    fig.update_xaxes(title_text="log₁₀ t", autorange="reversed", row=1, col=1)
    fig.update_xaxes(title_text="log₁₀ t̂_C", row=1, col=2)
    fig.update_yaxes(title_text="index μ*", row=1, col=1)
    fig.update_layout(**BASE_LAYOUT, height=330)
    return fig.to_plotly_json()


def cloning_figure(result: CloningResult) -> dict:
    """φ(t) (same class) and φ_C(t) (same training point) with 1-SE error bars, against eq. 6."""
    fig = PlainFigure()
    t = np.asarray(result.times)
    fig.add_trace(scatter(x=t, y=result.phi, mode="markers", name="φ(t) simulated",
                          error_y=dict(array=result.phi_se), marker=dict(size=9, color="#1f77b4")))
    if result.phi_c is not None:
        fig.add_trace(scatter(x=t, y=result.phi_c, mode="markers", name="φ_C(t) same training point",
                              error_y=dict(array=result.phi_c_se), marker=dict(size=9, color="#2ca02c")))
    if result.theory_t is not None:
        fig.add_trace(scatter(x=result.theory_t, y=result.theory, mode="lines", name="eq. 6 (closed form)",
                              line=dict(color="#d62728", width=2.5)))
    fig.add_vline(x=result.t_s, line=dict(color="#ff7f0e", dash="dash"))
    fig.update_layout(**BASE_LAYOUT, height=380, title="Cloning: both copies end in the same class",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(type="log", title_text="cloning time t")
    fig.update_yaxes(title_text="probability", range=[0, 1.05])
    return fig.to_plotly_json()


SAMPLER_COLORS = {"euler": "#1f77b4", "heun": "#d62728", "ddim": "#2ca02c"}


def sampling_figure(results, state: LabState) -> dict:
    """One column per step grid (core.schedules): |relative error| of E|x|² against steps, log–log, and below it the
    signed relative error of the first class's share, one line per sampler with 2-SE error bars; a first-order
    (∝ 1/steps) and a second-order guide.

    Under the ODE the log panels show the step error paired with a fine run from the same starts (the sampling
    noise cancels); under the SDE, the error against the exact E|x|², with its Monte Carlo floor drawn and
    said in the title when it hides the step error (issue 28: a 2 % floor on a mixture of 1,000 points)."""
    first_run = results[0]
    rows = 2 if first_run.fraction is not None else 1
    paired = first_run.paired is not None
    cols = len(results)
    fig = PlainFigure.subplots(rows=rows, cols=cols, horizontal_spacing=0.06, vertical_spacing=0.16,
                               shared_yaxes="rows",
                               subplot_titles=[SCHEDULE_NAMES[r.schedule] for r in results] + [""] * cols * (rows - 1))
    steps = np.asarray(first_run.steps, float)
    top = max(float(np.max(np.abs((r.paired if paired else r.moment)[:, 0]))) for r in results) or 1e-3
    for col, result in enumerate(results, start=1):
        first = (result.paired, result.paired_se) if paired else (result.moment, result.moment_se)
        panels = [first] + ([(result.fraction, result.fraction_se)] if rows == 2 else [])
        for row, (err, se) in enumerate(panels, start=1):
            for i, sampler in enumerate(result.samplers):
                fig.add_trace(scatter(x=steps, y=np.maximum(np.abs(err[i]), 1e-7) if row == 1 else err[i],
                                      mode="lines+markers", name=SAMPLER_NAMES[sampler], legendgroup=sampler,
                                      showlegend=row == 1 and col == 1, error_y=dict(array=2 * se[i], thickness=1),
                                      line=dict(color=SAMPLER_COLORS[sampler], width=2)), row, col)
        for order, dash in ((1, "dot"), (2, "dash")):
            fig.add_trace(scatter(x=steps, y=top * (steps[0] / steps) ** order, mode="lines",
                                  name=f"∝ steps^−{order}", legendgroup=f"order{order}", showlegend=col == 1,
                                  line=dict(color="#888", dash=dash, width=1)), 1, col)
        if not paired:
            floor = result.noise_floor
            fig.add_trace(scatter(x=[steps[0], steps[-1]], y=[floor, floor], mode="lines", name="Monte Carlo floor",
                                  legendgroup="floor", showlegend=col == 1,
                                  line=dict(color="#d62728", dash="dashdot", width=1)), 1, col)
    fig.update_xaxes(type="log", tickvals=steps, ticktext=[f"{k:g}" for k in steps])
    fig.update_xaxes(title_text="steps", row=rows)
    fig.update_yaxes(type="log", row=1)
    fig.update_yaxes(title_text="|relative error| of E|x|²", row=1, col=1)
    if rows == 2:
        fig.update_yaxes(title_text="first class's share", zeroline=True, row=2, col=1)
    floor = float(np.median([r.noise_floor for r in results]))
    hidden = np.mean([np.mean(np.abs(r.moment) < 2 * r.moment_se) for r in results]) >= 0.5
    if paired:
        note = (f"<br>E|x|² against a {first_run.reference_steps:,}-step Heun run from the same starts (the sampling "
                f"noise cancels; against the exact E|x|² it is ±{floor:.1%})")
    elif hidden:
        note = (f"<br>Monte Carlo noise (±{floor:.1%}) hides the step error at most step counts: the ODE "
                "pairs each run with a fine one and shows the orders")
    else:
        note = "<br>E|x|² against its exact value"
    fig.update_layout(**BASE_LAYOUT, height=300 + 220 * rows, legend=dict(orientation="h", y=-0.12 * 2 / rows),
                      title=f"Sampling error per step grid ({state.process}, {'SDE' if first_run.sde else 'ODE'}, "
                      f"{first_run.particles:,} particles; bars: 2 s.e.){note}")
    return fig.to_plotly_json()


def schedule_verdict(results) -> str:
    """Which step grid gives the smallest error of E|x|², per sampler, at a few steps and at many — in words, from
    the measurements (differences within two standard errors are called a tie)."""
    paired = results[0].paired is not None
    steps = list(results[0].steps)
    said = []
    for i, sampler in enumerate(results[0].samplers):
        parts = []
        for n in (steps[1], steps[-2]):
            j = steps.index(n)
            errors = [(abs((r.paired if paired else r.moment)[i, j]), (r.paired_se if paired else r.moment_se)[i, j],
                       SCHEDULE_NAMES[r.schedule]) for r in results]
            best = min(errors)
            rivals = [e for e in errors if e is not best and e[0] - best[0] <= 2 * np.hypot(e[1], best[1])]
            tie = f" (tied with {', '.join(e[2] for e in rivals)})" if rivals else ""
            parts.append(f"at {n} steps {best[2]}, {best[0]:.1%}{tie}")
        said.append(f"{SAMPLER_NAMES[sampler]}: " + "; ".join(parts))
    return "Smallest error of E|x|² — " + ". ".join(said) + "."


#: A color per guidance schedule (core.guidance_schedules).
SCHEDULE_COLORS = {"constant": "#d62728", "interval": "#ff7f0e", "window": "#2ca02c"}


def _schedule_label(sweep: GuidanceSweep, name: str) -> str:
    return SCHEDULE_LABELS[name] + (f" ({sweep.w_neg:g})".replace("-", "−") if name == "window" else "")


def guidance_figure(sweep: GuidanceSweep, state: LabState) -> dict:
    """Against w, per schedule w(t): the fraction of samples in class c, their spread along the class axis (solid;
    in all directions: dotted) over the exact class law's, and their mean's shift over its RMS radius; the exact
    law's fraction dashed."""
    fig = PlainFigure.subplots(rows=1, cols=3, horizontal_spacing=0.08,
                               subplot_titles=["in the class", "spread ÷ exact law's", "mean shift ÷ radius"])
    w = sweep.w
    for i, name in enumerate(sweep.schedules):
        color, label = SCHEDULE_COLORS[name], _schedule_label(sweep, name)
        fig.add_trace(scatter(x=w, y=sweep.fraction[i], mode="lines+markers", name=label, legendgroup=name,
                              error_y=dict(array=2 * sweep.fraction_se[i]), line=dict(color=color, width=2)), 1, 1)
        fig.add_trace(scatter(x=w, y=sweep.axis_spread[i], mode="lines+markers", name=label, legendgroup=name,
                              showlegend=False, line=dict(color=color, width=2)), 1, 2)
        fig.add_trace(scatter(x=w, y=sweep.spread[i], mode="lines", name=label + ", all directions",
                              legendgroup=name, showlegend=False, line=dict(color=color, width=1.5, dash="dot")),
                      1, 2)
        fig.add_trace(scatter(x=w, y=sweep.shift[i], mode="lines+markers", name=label, legendgroup=name,
                              showlegend=False, line=dict(color=color, width=2)), 1, 3)
    fig.add_trace(scatter(x=[w[0], w[-1]], y=[sweep.exact_fraction] * 2, mode="lines", name="exact class law",
                          line=dict(color="#777", dash="dash")), 1, 1)
    fig.add_trace(scatter(x=[w[0], w[-1]], y=[1, 1], mode="lines", name="exact class law", showlegend=False,
                          line=dict(color="#777", dash="dash")), 1, 2)
    fig.update_xaxes(title_text="guidance w")
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    fig.update_layout(**BASE_LAYOUT, height=420, legend=dict(orientation="h", y=-0.3),
                      title=f"Guided toward class {class_names(target_of(state))[sweep.cls]} ({state.process}, "
                      f"{sweep.particles:,} particles; w = −1: unconditional, 0: the class)")
    return fig.to_plotly_json()


def guidance_verdict(sweep: GuidanceSweep, w: float) -> str:
    """What the schedules did at the swept strength nearest ``w`` (2 for w ≤ 0): the fraction in the class and
    the spread along the class axis, against the exact class law's."""
    k = int(np.argmin(np.abs(sweep.w - (w if w > 0 else 2.0))))
    said = []
    for i, name in enumerate(sweep.schedules):
        spread = sweep.axis_spread[i, k]
        spread_text = f", spread along the class axis {spread:.2f} of the exact law's" if np.isfinite(spread) else ""
        said.append(f"{_schedule_label(sweep, name)}: {sweep.fraction[i, k]:.1%} in the class{spread_text}")
    return (f"At w = {sweep.w[k]:g} (the exact class law: {sweep.exact_fraction:.1%} in the class) — "
            + "; ".join(said) + ".")
