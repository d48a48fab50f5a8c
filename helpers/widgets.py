"""Interactive explorers (ipywidgets sliders) used in the notebooks.

Each returns the widget; moving a slider re-simulates and redraws one figure in place.
They also run headless (under nbval or nbconvert), drawing the default setting once.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import ipywidgets as widgets

from . import plotting, rnn

__all__ = ["chaos_explorer"]


def chaos_explorer(n: int = 200, T: int = 120, seed: int = 0, g: float = 1.5) -> widgets.Widget:
    """Slider over the gain ``g`` of a random tanh network ``r <- tanh(W r)``, W ~ N(0, g^2/n).

    Shows the eigenvalues of W against the unit circle and a few units' activity, with the
    largest Lyapunov exponent (positive: chaos).
    """

    def draw(g: float = g) -> None:
        W = rnn.random_gain_matrix(n, g, seed=seed)
        r = rnn.simulate_autonomous(W, T, seed=seed + 1)
        lyap = rnn.largest_lyapunov_exponent(W, T=600, transient=100, seed=seed + 2)
        plotting.chaos_panel(W, r, g, lyap)
        plt.show()

    slider = widgets.FloatSlider(value=g, min=0.2, max=2.5, step=0.05, description="gain g",
                                 continuous_update=False)
    return widgets.interactive(draw, g=slider)
