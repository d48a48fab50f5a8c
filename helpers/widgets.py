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
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import plotting, ring, ring_analysis, rnn
from .validation import check_rng, check_scalar

__all__ = ["FigureExplorer", "figure_explorer", "chaos_explorer", "ring_explore", "ring_explorer", "figure_png"]


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


def ring_explore(
    j0: float = ring.BEN_YISHAI_J0,
    j1: float = ring.BEN_YISHAI_J1,
    noise_std: float = 0.0,
    velocity_deg: float = 0.0,
    n: int = 128,
    duration: float = 1.0,
    drive: float = ring.BEN_YISHAI_INPUT,
    tau: float = ring.TAU,
    dt: float = ring.DT,
    seed: Any = 0,
) -> dict[str, Any]:
    """One run of the cosine ring for the slider: from noise, with Zhang's shift and noise.

    The shift ``gamma = -tau * omega`` asks for angular velocity ``omega``. The run stops
    early (remaining rows NaN) if the activity explodes (``j0`` too large for the bump to
    stay finite).

    Parameters
    ----------
    j0, j1 : float
        Couplings of :func:`helpers.ring.cosine_weights`.
    noise_std : float
        Input noise (see :func:`helpers.ring.simulate`).
    velocity_deg : float
        Requested angular velocity (deg/s).
    n : int
        Neurons.
    duration : float
        Seconds.
    drive : float
        Uniform input.
    tau, dt : float
        Seconds.
    seed : int or Generator

    Returns
    -------
    dict with ``rates`` (T, N), ``dt`` (s per row), ``theta`` (N,), ``speed_deg`` (measured
    bump speed over the second half, deg/s, NaN without a bump), ``exploded`` (bool) and
    ``message`` (a one-line summary).
    """
    velocity = np.deg2rad(check_scalar(velocity_deg, "velocity_deg"))
    W = ring.zhang_weights(ring.cosine_weights(n, j0, j1), -tau * velocity)
    theta = ring.preferred_directions(n)
    rng = check_rng(seed)
    record = 4
    chunk_steps = int(round(0.1 / dt))
    n_chunks = max(1, int(round(check_scalar(duration, "duration", min_val=0, include_boundaries="neither") / 0.1)))
    rates = np.full((n_chunks * chunk_steps // record, n), np.nan)
    r = 0.1 * rng.random(n)
    exploded = False
    for c in range(n_chunks):
        part = ring.simulate(W, np.full(n, drive), duration=chunk_steps * dt, tau=tau, dt=dt, r0=r,
                             noise_std=noise_std, seed=rng, record_every=record * dt)
        if not np.all(np.isfinite(part.rates)) or part.rates.max() > 1e4:
            exploded = True
            break
        rates[c * part.rates.shape[0]:(c + 1) * part.rates.shape[0]] = part.rates
        r = part.final
    last = rates[np.isfinite(rates[:, 0])]
    speed = np.nan
    if exploded:
        message = "activity explodes: J0 too large for a finite bump"
    elif ring_analysis.bump_modulation(last[-1]) < 0.01:
        message = "no bump: the ring stays uniform" + (" (J1 < 2)" if j1 < 2 else "")
    else:
        half = last[last.shape[0] // 2:]
        speed = float(np.rad2deg(ring_analysis.bump_speed(ring.population_vector(half, theta), record * dt)))
        message = (f"bump half-width {np.rad2deg(ring_analysis.measure_half_width(last[-1])):.0f} deg, "
                   f"speed {speed:.0f} deg/s")
    return {"rates": rates, "dt": record * dt, "theta": theta, "speed_deg": speed,
            "exploded": exploded, "message": message}


def ring_explorer(n: int = 128, duration: float = 1.0, seed: int = 0) -> FigureExplorer:
    """Sliders over a ring attractor: uniform coupling J0, tuned coupling J1, input noise and
    the angular velocity asked from the shift (deg/s); shows the activity and the last profile.
    """

    def draw(J0: float, J1: float, noise: float, velocity: float) -> plt.Figure:
        return plotting.ring_explorer(ring_explore(J0, J1, noise, velocity, n=n, duration=duration, seed=seed))

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
