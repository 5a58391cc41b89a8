"""The landscape view: the free energy F̃(x̃, t), its fixed points, the score and the probe.

Public to the other views: the computed view (cached per state) and its 2-D map figure."""
from pages.landscape._figures import landscape_2d_figure
from pages.landscape._model import landscape_view, view_inputs

__all__ = ["landscape_2d_figure", "landscape_view", "view_inputs"]
