"""Figures of the hierarchical-data view: what changes, level by level, in a U-turn against t; the susceptibility;
and the U-turns at t, leaf by leaf."""
from __future__ import annotations

import numpy as np

from components.plainfig import PlainFigure, heatmap, scatter
from components.plotting import BASE_LAYOUT, f32
from components.timemoves import movable, now_line
from core.processes import Process
from pages.hierarchy._model import HierarchyResult, HierarchyUTurns


def _level_color(level: int, levels: int) -> str:
    """Dark red at the root to light blue at the leaves."""
    f = level / max(levels, 1)
    return f"rgb({int(180 * (1 - f) + 60 * f)},{int(30 * (1 - f) + 150 * f)},{int(40 * (1 - f) + 230 * f)})"


def times_of(result: HierarchyResult, process: Process) -> np.ndarray:
    """The experiment's noise levels as times of ``process`` (s² = b²/a² is the same posterior for every process)."""
    return np.asarray(process.time_of_s2(result.experiment.s2), float)


def changes_figure(result: HierarchyResult, process: Process, t_now: float) -> dict:
    """The fraction of each level's symbols that a U-turn changes (3 s.e.), root (the class) to leaves, against t;
    dotted: each level's t → ∞ value; dashed: the transition t* (the susceptibility's peak)."""
    fb, t = result.experiment, times_of(result, process)
    fig = PlainFigure()
    for level in range(result.levels + 1):
        color = _level_color(level, result.levels)
        name = ("root (the class)" if level == 0 else "leaves (the data)" if level == result.levels
                else f"level {level}")
        fig.add_trace(scatter(x=f32(t), y=f32(fb.changed[:, level]), mode="lines+markers", name=name,
                              error_y=dict(array=f32(3 * fb.changed_se[:, level]), width=0),
                              line=dict(color=color, width=2), marker=dict(size=5)))
        fig.add_hline(y=float(fb.prior_changed[level]), line=dict(color=color, dash="dot", width=1))
    peak = ""
    if result.s2_star is not None:
        t_star = float(process.time_of_s2(result.s2_star))
        fig.add_vline(x=t_star, line=dict(color="#555", dash="dash"))
        peak = f"; dashed: t* = {t_star:.3g}, the susceptibility's peak"
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=440, legend=dict(orientation="h", y=-0.3),
                      title=f"U-turns on the hierarchy: the fraction of each level's symbols that changed "
                      f"({fb.count:,} trees per time)<br>dotted: fully forgotten{peak}")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="fraction changed", range=[-0.02, 1.0])
    return fig.to_plotly_json()


def susceptibility_figure(result: HierarchyResult, process: Process, t_now: float) -> dict:
    """χ(t) = Var(N)/Σ_i Var(δ_i) of the number N of changed leaves: 1 when leaves change one by one, the size of
    the chunks that change together otherwise."""
    fb, t = result.experiment, times_of(result, process)
    fig = PlainFigure(scatter(x=f32(t), y=f32(fb.susceptibility), mode="lines+markers", name="χ",
                              line=dict(color="#9467bd", width=2)))
    fig.add_hline(y=1.0, line=dict(color="#999", dash="dot", width=1))
    if result.s2_star is not None:
        fig.add_vline(x=float(process.time_of_s2(result.s2_star)), line=dict(color="#555", dash="dash"))
    now_line(fig, t_now)
    movable(fig, t_now)
    fig.update_layout(**BASE_LAYOUT, height=340, showlegend=False,
                      title="Susceptibility: how many leaves change together (dotted: one at a time)")
    fig.update_xaxes(type="log", title_text="t")
    fig.update_yaxes(title_text="χ = Var N / Σ Var δᵢ")
    return fig.to_plotly_json()


def uturns_figure(u: HierarchyUTurns) -> dict:
    """The leaves of a few trees before and after a U-turn at t: each row a tree, each column a leaf, the changed
    leaves dark (they come in chunks, the subtrees whose rules were redrawn); the row's label says whether its
    class changed."""
    changed = u.changed[-1].astype(np.float32)
    labels = [f"tree {k + 1}{' · class changed' if u.changed[0][k, 0] else ''}" for k in range(changed.shape[0])]
    # drawn bottom-up (the first tree on top) rather than on a reversed axis, which lecture mode's relayout flips
    fig = PlainFigure(heatmap(z=changed[::-1], y=labels[::-1], colorscale=[[0, "#e8eef6"], [1, "#1f3b73"]],
                              zmin=0, zmax=1, showscale=False, xgap=1, ygap=1,
                              customdata=np.stack([u.before, u.after], axis=-1)[::-1],
                              hovertemplate="leaf %{x}: %{customdata[0]} → %{customdata[1]}<extra>%{y}</extra>"))
    fig.update_layout(**BASE_LAYOUT, height=max(320, 18 * changed.shape[0] + 120),
                      title=f"U-turns at t = {u.t:.3g} (s² = {u.s2:.3g}): the leaves that changed, dark")
    fig.update_xaxes(title_text="leaf")
    return fig.to_plotly_json()
