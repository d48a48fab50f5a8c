"""Shared figure style: large fonts for a lecture hall, the lecture's colours.

The lecture style, applied by every notebook's setup cell through :func:`use_lecture_style`:

- 120 dpi, so that a one-panel figure is about 600 px wide and its text stays readable on a
  projector and on a laptop;
- perceptually uniform colour maps: ``SEQUENTIAL`` (viridis) for rates and maps,
  ``DIVERGING`` (red-white-blue, centred on 0) wherever the sign matters (weights,
  correlations, pushes), never rainbow maps such as ``jet``;
- a colour bar, with its quantity and unit, wherever colour encodes a value;
- units on every axis that has one.
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["EXCITATION", "INHIBITION", "NEUTRAL", "SEQUENTIAL", "DIVERGING", "LECTURE_DPI",
           "use_lecture_style", "new_figure"]

#: The lecture's colours: excitation red, inhibition blue.
EXCITATION = "#d62728"
INHIBITION = "#1f5fbf"
NEUTRAL = "#444444"
#: Colour maps of the lecture style: magnitudes, and signed quantities (red = positive).
SEQUENTIAL = "viridis"
DIVERGING = "RdBu_r"
#: Resolution of every figure (dots per inch).
LECTURE_DPI = 120


def use_lecture_style() -> None:
    """Set matplotlib defaults that read from the back of a lecture hall."""
    mpl.rcParams.update(
        {
            "figure.dpi": LECTURE_DPI,
            "savefig.dpi": "figure",
            "font.size": 12,
            "axes.titlesize": 13,
            "axes.labelsize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "image.cmap": SEQUENTIAL,
        }
    )


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 3.8, **kw):
    """Return ``(fig, axes)`` with panels of the given size in inches."""
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
