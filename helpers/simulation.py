"""What a run of an attractor network returns, shared by :mod:`helpers.ring` and :mod:`helpers.sheet`.

Both models are integrated with forward Euler at a step ``dt`` (seconds), and both
``simulate`` functions take every time in **seconds**: how long to run (``duration``) and how
often to keep the state (``record_every``). Each must be a whole number of steps ``dt``.
Both return a :class:`Simulation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .validation import check_scalar

__all__ = ["Simulation", "steps_of"]


@dataclass(frozen=True, eq=False)
class Simulation:
    """The recorded states of one run (or one batch of runs) of a rate network.

    Attributes
    ----------
    times : (R,) array
        Time of each record (s), counted from the start of the run: ``record_every``,
        ``2 record_every``, ... (the initial state is not recorded).
    rates : (R, *state) array
        The state at each of those times: ``(R, N)`` or ``(R, B, N)`` for a ring of ``N``
        neurons (``B`` trials), ``(R, B, n, n)`` for ``B`` sheets of ``n x n`` neurons. Rate units.
    final : (*state) array
        The state after the last step (equal to ``rates[-1]`` when ``record_every`` divides
        the duration).
    """

    times: np.ndarray
    rates: np.ndarray
    final: np.ndarray

    def __post_init__(self) -> None:
        if np.ndim(self.times) != 1 or np.shape(self.rates)[:1] != np.shape(self.times):
            raise ValueError(f"times must have shape (R,) with R = rates.shape[0], got times {np.shape(self.times)} "
                             f"and rates {np.shape(self.rates)}")
        if np.shape(self.rates)[1:] != np.shape(self.final):
            raise ValueError(f"final must have the shape of one record {np.shape(self.rates)[1:]}, "
                             f"got {np.shape(self.final)}")


def steps_of(seconds: Any, dt: float, name: str) -> int:
    """A time in seconds as a whole, positive number of Euler steps of ``dt`` seconds.

    Parameters
    ----------
    seconds : float
        The time (s), > 0.
    dt : float
        The step (s), > 0.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    int, >= 1.

    Raises
    ------
    ValueError
        If ``seconds`` is not positive or not a whole number of steps (to within 1e-6 of a step).
    """
    seconds = check_scalar(seconds, name, min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    steps = seconds / dt
    k = int(round(steps))
    if k < 1 or abs(steps - k) > 1e-6:
        raise ValueError(f"{name} must be a whole number of time steps dt = {dt} s (times are in seconds), "
                         f"got {name}={seconds!r} s = {steps:.6g} steps")
    return k
