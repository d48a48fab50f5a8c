"""Random-foraging trajectories in a square box, the training data of the grid-cell RNN.

The statistics follow the rodent foraging model used by Sorscher et al. (2019, 2023; public
code ganguli-lab/grid-pattern-formation): at every step of ``dt`` the heading turns by a
Gaussian angle and the speed is drawn from a Rayleigh distribution; within a band near a wall,
an animal heading into the wall turns parallel to it and slows down. Everything is vectorised
over the batch (the loop runs over time only) and seeded.

One difference from the reference on purpose: a fast step could carry the reference's animal a
few millimetres through a wall; here positions are clipped to the box and the velocity input
is the displacement actually made, so that integrating the velocities gives back the path.
"""
from __future__ import annotations

import numpy as np

from .validation import check_rng, check_scalar

__all__ = [
    "DT",
    "BOX_SIZE",
    "ROTATION_SD",
    "SPEED_SCALE",
    "BORDER",
    "WALL_SLOWDOWN",
    "simulate_trajectories",
]

#: Time step (s), box side (m), rotation-velocity s.d. (rad/s), Rayleigh speed scale (m/s),
#: wall band (m) and slow-down factor near a wall (Sorscher et al. 2019, reference code).
DT = 0.02
BOX_SIZE = 2.2
ROTATION_SD = 11.52
SPEED_SCALE = 0.13 * 2 * np.pi
BORDER = 0.03
WALL_SLOWDOWN = 0.25

_WALL_NORMALS = np.arange(4) * np.pi / 2  # headings that point into the east, north, west, south walls


def _wrap(angle: np.ndarray) -> np.ndarray:
    """Wrap angles (rad) into [-pi, pi)."""
    return np.mod(angle + np.pi, 2 * np.pi) - np.pi


def _wall_turn(pos: np.ndarray, heading: np.ndarray, half: float, border: float):
    """Which animals are near a wall and heading into it, and the turn that makes them parallel.

    Parameters
    ----------
    pos : ndarray, shape (B, 2)
        Positions (m), box centred on 0.
    heading : ndarray, shape (B,)
        Headings (rad).
    half : float
        Half the box side (m).
    border : float
        Width of the wall band (m).

    Returns
    -------
    near : ndarray of bool, shape (B,)
    turn : ndarray, shape (B,)
        Turn angle (rad), zero where ``near`` is False.
    """
    dists = np.stack([half - pos[:, 0], half - pos[:, 1], half + pos[:, 0], half + pos[:, 1]])
    nearest = np.argmin(dists, axis=0)
    to_wall = _wrap(heading - _WALL_NORMALS[nearest])
    near = (dists.min(axis=0) < border) & (np.abs(to_wall) < np.pi / 2)
    turn = np.where(near, np.sign(to_wall) * (np.pi / 2 - np.abs(to_wall)), 0.0)
    return near, turn


def simulate_trajectories(
    batch_size: int,
    n_steps: int,
    box_size: float = BOX_SIZE,
    dt: float = DT,
    seed: int | np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Simulate a batch of random-foraging paths that start uniformly in the box.

    Parameters
    ----------
    batch_size : int
        Number of paths B.
    n_steps : int
        Number of velocity steps T per path.
    box_size : float
        Side of the square box (m); the box spans [-box_size/2, box_size/2]^2.
    dt : float
        Time step (s).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    dict with
        ``positions`` : ndarray, shape (B, T + 1, 2) -- positions (m); ``positions[:, 0]`` is the start.
        ``velocities`` : ndarray, shape (B, T, 2) -- displacement in each step (m per step),
        ``velocities[:, t] = positions[:, t + 1] - positions[:, t]``.
        ``headings`` : ndarray, shape (B, T + 1) -- heading (rad, in [-pi, pi)).
    """
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    n_steps = check_scalar(n_steps, "n_steps", int, min_val=1)
    box_size = check_scalar(box_size, "box_size", min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    rng = check_rng(seed)
    half = box_size / 2

    pos = np.empty((batch_size, n_steps + 1, 2))
    heading = np.empty((batch_size, n_steps + 1))
    pos[:, 0] = rng.uniform(-half, half, size=(batch_size, 2))
    heading[:, 0] = rng.uniform(0, 2 * np.pi, size=batch_size)
    turns = rng.normal(0.0, ROTATION_SD, size=(batch_size, n_steps)) * dt
    speeds = rng.rayleigh(SPEED_SCALE, size=(batch_size, n_steps))

    for t in range(n_steps):
        near, wall_turn = _wall_turn(pos[:, t], heading[:, t], half, BORDER)
        step = np.where(near, WALL_SLOWDOWN, 1.0) * speeds[:, t] * dt
        direction = np.stack([np.cos(heading[:, t]), np.sin(heading[:, t])], axis=-1)
        pos[:, t + 1] = np.clip(pos[:, t] + step[:, None] * direction, -half, half)
        heading[:, t + 1] = heading[:, t] + wall_turn + turns[:, t]

    return {
        "positions": pos,
        "velocities": np.diff(pos, axis=1),
        "headings": _wrap(heading),
    }
