"""The memorization view: participation ratio, condensation in the REM, collapse from the excess entropy.

Public to the other views: the job and the (α, t) phase diagram."""
from pages.memorization._figures import phase_figure
from pages.memorization._model import JOB

__all__ = ["JOB", "phase_figure"]
