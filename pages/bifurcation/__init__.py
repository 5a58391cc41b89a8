"""The bifurcation view: fixed-point paths over time, their stability, the decision tree, exponents.

Public to the other views (which show its result on their own time axes): the job, the result's variants (no
diagram, the exact axis, the continued paths) and which one a state gets, its branch runs and merge clusters,
the paths figure, and the coloring of paths by the groups they have merged into (drawn at t, moved in the browser)."""
from pages.bifurcation._figures import group_colors, group_merging, paths_figure
from pages.bifurcation._model import JOB, AxisResult, NoDiagram, PathsResult, branch_runs, clusters_at, variant_of

__all__ = ["JOB", "AxisResult", "NoDiagram", "PathsResult", "branch_runs", "clusters_at", "group_colors",
           "group_merging", "paths_figure", "variant_of"]
