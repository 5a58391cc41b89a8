"""The particles view: reverse diffusion animated in the browser, speciation, collapse, cloning.

Public to the other views: the job (one run per state and run settings)."""
from pages.particles._model import JOB

__all__ = ["JOB"]
