"""The entropy view: the conditional entropy rate, the divergence of the score, Fisher and Lyapunov spectra.

Public to the other views: the job."""
from pages.entropy._model import JOB

__all__ = ["JOB"]
