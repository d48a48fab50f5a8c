"""Interactive explorers (ipywidgets sliders) used in the notebooks.

Each explorer is a row of sliders above a figure. Moving a slider re-simulates and redraws the
figure in place (in JupyterLab, Notebook or VS Code). Headless tools (nbconvert, papermill,
nbgrader, nbval -- all of them nbclient) and static viewers get the default figure as an
ordinary ``image/png`` output of the cell.

Why the figure is a PNG set as the widget's state, and not drawn "into" an ``Output`` widget
as ``ipywidgets.interact`` does: capturing output into an ``Output`` widget while a cell
executes makes nbclient, which mimics the widget, send a state update back to the kernel on
the shell channel while it waits for the cell's ``execute_reply`` on the same channel. That
race loses the reply now and then (more often with ipykernel 7), and nbclient, whose timeout is
``None`` by default, then waits forever. Setting the ``Output`` widget's ``outputs`` directly
sends no such message, so the explorer runs the same everywhere.
"""
from __future__ import annotations

import base64
import io
from typing import Any, Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt

from . import plotting, ring, rnn

__all__ = ["FigureExplorer", "figure_explorer", "chaos_explorer", "ring_explorer", "figure_png"]


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes (at its own dpi), then closed so no backend shows it again."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


class FigureExplorer(widgets.VBox):
    """Sliders above a figure that ``draw(**values)`` returns; redrawn whenever a slider moves.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> matplotlib Figure``, one keyword per slider.
    sliders : dict of str to ipywidgets.ValueWidget
        The controls, by the keyword of ``draw`` they set.
    """

    def __init__(self, draw: Callable[..., plt.Figure], sliders: dict[str, widgets.ValueWidget]):
        if not callable(draw):
            raise TypeError(f"draw must be callable, got {type(draw).__name__}")
        if not sliders:
            raise ValueError("sliders must name at least one control, got none")
        self._draw, self._sliders = draw, dict(sliders)
        self._png = b""
        self.figure = widgets.Output()
        super().__init__([*self._sliders.values(), self.figure])
        for control in self._sliders.values():
            control.observe(self._redraw, names="value")
        self._redraw()

    @property
    def values(self) -> dict[str, Any]:
        """The sliders' current values, by keyword."""
        return {name: control.value for name, control in self._sliders.items()}

    @property
    def png(self) -> bytes:
        """The current figure as PNG bytes."""
        return self._png

    def _redraw(self, change: Any = None) -> None:
        self._png = figure_png(self._draw(**self.values))
        data = {"image/png": base64.b64encode(self._png).decode("ascii"), "text/plain": "<Figure>"}
        # one assignment: the frontend swaps the picture without a blank frame
        self.figure.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        # frontends with a widget manager show the widget; the others (nbconvert's HTML,
        # GitHub, a closed kernel) show the figure of the default setting
        bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
        return bundle


def figure_explorer(draw: Callable[..., plt.Figure], **sliders: widgets.ValueWidget) -> FigureExplorer:
    """A :class:`FigureExplorer`: ``figure_explorer(draw, g=FloatSlider(...), ...)``."""
    return FigureExplorer(draw, sliders)


def chaos_explorer(n: int = 200, T: int = 120, seed: int = 0, g: float = 1.5) -> FigureExplorer:
    """Slider over the gain ``g`` of a random tanh network ``r <- tanh(W r)``, W ~ N(0, g^2/n).

    Shows the eigenvalues of W against the unit circle and a few units' activity, with the
    largest Lyapunov exponent (positive: chaos).
    """

    def draw(g: float) -> plt.Figure:
        W = rnn.random_gain_matrix(n, g, seed=seed)
        r = rnn.simulate_autonomous(W, T, seed=seed + 1)
        lyap = rnn.largest_lyapunov_exponent(W, T=600, transient=100, seed=seed + 2)
        return plotting.chaos_panel(W, r, g, lyap)

    slider = widgets.FloatSlider(value=g, min=0.2, max=2.5, step=0.05, description="gain g",
                                 continuous_update=False)
    return figure_explorer(draw, g=slider)


def ring_explorer(n: int = 128, duration: float = 1.0, seed: int = 0) -> FigureExplorer:
    """Sliders over a ring attractor: uniform coupling J0, tuned coupling J1, input noise and
    the angular velocity asked from the shift (deg/s); shows the activity and the last profile.
    """

    def draw(J0: float, J1: float, noise: float, velocity: float) -> plt.Figure:
        return plotting.ring_explorer(ring.explore(J0, J1, noise, velocity, n=n, duration=duration, seed=seed))

    def slider(value: float, lo: float, hi: float, step: float, description: str) -> widgets.FloatSlider:
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                                   continuous_update=False)

    return figure_explorer(
        draw,
        J0=slider(-2.0, -6.0, 1.0, 0.25, "J0"),
        J1=slider(6.0, 0.0, 12.0, 0.25, "J1"),
        noise=slider(0.0, 0.0, 0.5, 0.05, "noise"),
        velocity=slider(90.0, -360.0, 360.0, 15.0, "deg/s"),
    )
