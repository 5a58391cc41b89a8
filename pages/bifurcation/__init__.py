"""The bifurcation view: fixed-point paths over time, their stability, the decision tree, exponents.

Public to the other views (which show its result on their own time axes): the job, the mode
test, the result's branch runs and merge clusters, and the paths figure."""
from pages.bifurcation._figures import paths_figure
from pages.bifurcation._model import JOB, branch_runs, clusters_at, mode_of

__all__ = ["JOB", "branch_runs", "clusters_at", "mode_of", "paths_figure"]
