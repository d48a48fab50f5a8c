"""Shared figure style: large fonts for a lecture hall, the lecture's colours."""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["EXCITATION", "INHIBITION", "NEUTRAL", "use_lecture_style", "new_figure"]

#: The lecture's colours: excitation red, inhibition blue.
EXCITATION = "#d62728"
INHIBITION = "#1f5fbf"
NEUTRAL = "#444444"


def use_lecture_style() -> None:
    """Set matplotlib defaults that read from the back of a lecture hall."""
    mpl.rcParams.update(
        {
            "figure.dpi": 90,
            "font.size": 12,
            "axes.titlesize": 13,
            "axes.labelsize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "image.cmap": "viridis",
        }
    )


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.4, **kw):
    """Return ``(fig, axes)`` with panels of the given size in inches."""
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
