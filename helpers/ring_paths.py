"""Ring attractors that path-integrate: a random head direction, tracked by the double ring, and the bump's diffusion.

The model is :mod:`helpers.ring` (the double ring of Xie, Hahnloser & Seung 2002, the cosine
ring of Ben-Yishai et al. 1995); the velocity gain comes from
:func:`helpers.ring_analysis.double_ring_gain_theory`. Times are in seconds (every
``record_every`` a whole number of steps ``dt``), angles in radians.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ring import (
    BEN_YISHAI_INPUT,
    BEN_YISHAI_J0,
    BEN_YISHAI_J1,
    DOUBLE_RING_B0,
    DOUBLE_RING_J0,
    DOUBLE_RING_J1,
    DOUBLE_RING_PHI,
    DT,
    TAU,
    cosine_weights,
    cue_input,
    double_ring_inputs,
    double_ring_weights,
    population_vector,
    preferred_directions,
    simulate,
    wrap,
)
from .ring_analysis import double_ring_gain_theory
from .simulation import steps_of
from .validation import as_array, check_rng, check_scalar

__all__ = ["random_head_direction", "path_integrate", "bump_diffusion"]

# ---------------------------------------------------------------------------------------
# Path integration and diffusion
# ---------------------------------------------------------------------------------------

def random_head_direction(
    duration: float,
    dt: float = DT,
    omega_std: float = 2.0,
    correlation_time: float = 0.3,
    theta0: float = 0.0,
    seed: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A random head-direction trajectory: angular velocity as an Ornstein-Uhlenbeck process.

    Parameters
    ----------
    duration : float
        Seconds.
    dt : float
        Time step (s).
    omega_std : float
        Stationary standard deviation of the angular velocity (rad/s).
    correlation_time : float
        Correlation time of the angular velocity (s).
    theta0 : float
        Initial heading (radians).
    seed : int or Generator

    Returns
    -------
    omega : (T,) array
        Angular velocity at each step (rad/s).
    heading : (T,) array
        Head direction after each step, wrapped to [-pi, pi) (radians).
    """
    duration = check_scalar(duration, "duration", min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    omega_std = check_scalar(omega_std, "omega_std", min_val=0)
    correlation_time = check_scalar(correlation_time, "correlation_time", min_val=0, include_boundaries="neither")
    theta0 = check_scalar(theta0, "theta0")
    rng = check_rng(seed)
    steps = int(round(duration / dt))
    decay = np.exp(-dt / correlation_time)
    kicks = rng.standard_normal(steps) * omega_std * np.sqrt(1 - decay**2)
    omega = np.empty(steps)
    w = rng.standard_normal() * omega_std
    for k in range(steps):
        w = decay * w + kicks[k]
        omega[k] = w
    return omega, wrap(theta0 + np.cumsum(omega) * dt)


def path_integrate(
    omega: Any,
    n_trials: int = 1,
    noise_std: float = 0.0,
    n: int = 128,
    j0: float = DOUBLE_RING_J0,
    j1: float = DOUBLE_RING_J1,
    phi: float = DOUBLE_RING_PHI,
    b0: float = DOUBLE_RING_B0,
    theta0: float = 0.0,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = None,
    record_every: float = 10 * DT,
) -> tuple[np.ndarray, np.ndarray]:
    """Track a head-direction trajectory with the double ring.

    The bump is first pinned at ``theta0`` by a brief cue (0.2 s); then the angular velocity
    is fed in as ``v = omega / k`` with ``k`` from :func:`double_ring_gain_theory`.

    Parameters
    ----------
    omega : (T,) array
        Angular velocity per step (rad/s), e.g. from :func:`random_head_direction`.
    n_trials : int
        Independent noisy repetitions (simulated as a batch).
    noise_std : float
        Input noise, see :func:`helpers.ring.simulate`.
    n, j0, j1, phi, b0 : see :func:`helpers.ring.double_ring_weights`.
    theta0 : float
        Initial heading (radians).
    tau, dt : float
        Seconds.
    seed : int or Generator
    record_every : float
        Decode every this many seconds (a whole number of steps ``dt``; default 10 steps).

    Returns
    -------
    decoded : (R, n_trials) array
        Decoded heading (radians) at times ``record_every, 2 record_every, ...``;
        ``R = T dt // record_every``.
    true : (R,) array
        The integrated heading at the same steps, wrapped (radians).
    """
    omega = as_array(omega, "omega", ndim=1)
    n_trials = check_scalar(n_trials, "n_trials", int, min_val=1)
    rng = check_rng(seed)
    W = double_ring_weights(n, j0, j1, phi)
    k = double_ring_gain_theory(j0, j1, phi, b0, tau)
    theta = np.tile(preferred_directions(n), 2)
    cue = np.tile(cue_input(n, theta0, strength=b0), 2)
    every = steps_of(record_every, dt, "record_every")
    start = simulate(W, double_ring_inputs(n, 0.0, b0) + cue, duration=int(round(0.2 / dt)) * dt,
                     tau=tau, dt=dt, r0=np.tile(np.full(2 * n, 0.1), (n_trials, 1))).final
    inputs = double_ring_inputs(n, omega / k, b0)
    rates = simulate(W, inputs, tau=tau, dt=dt, r0=start, noise_std=noise_std, seed=rng,
                     record_every=record_every).rates
    true = wrap(theta0 + np.cumsum(omega) * dt)[every - 1::every][: rates.shape[0]]
    return population_vector(rates, theta), true


def bump_diffusion(
    noise_std: float,
    n_trials: int = 100,
    duration: float = 2.0,
    n: int = 128,
    j0: float = BEN_YISHAI_J0,
    j1: float = BEN_YISHAI_J1,
    drive: float = BEN_YISHAI_INPUT,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = None,
    record_every: float = 20 * DT,
) -> tuple[np.ndarray, np.ndarray]:
    """Variance of the bump position across noisy trials that start from the same bump.

    Parameters
    ----------
    noise_std : float
        Input noise (see :func:`helpers.ring.simulate`).
    n_trials : int
        Trials, simulated as a batch.
    duration : float
        Seconds.
    n, j0, j1, drive : cosine ring parameters.
    tau, dt : float
        Seconds.
    seed : int or Generator
    record_every : float
        Decode every this many seconds (a whole number of steps ``dt``; default 20 steps).

    Returns
    -------
    t : (K,) array
        Time (s).
    var : (K,) array
        Variance of the displacement of the decoded position across trials (rad^2).
    """
    n_trials = check_scalar(n_trials, "n_trials", int, min_val=2)
    duration = check_scalar(duration, "duration", min_val=0, include_boundaries="neither")
    rng = check_rng(seed)
    W = cosine_weights(n, j0, j1)
    theta = preferred_directions(n)
    drive_vec = np.full(n, check_scalar(drive, "drive"))
    start = simulate(W, drive_vec + cue_input(n, 0.0), duration=int(round(0.2 / dt)) * dt, tau=tau, dt=dt,
                     r0=np.full(n, 0.1)).final
    run = simulate(W, drive_vec, duration=int(round(duration / dt)) * dt, tau=tau, dt=dt,
                   r0=np.tile(start, (n_trials, 1)), noise_std=noise_std, seed=rng,
                   record_every=record_every)
    angles = np.unwrap(population_vector(run.rates, theta), axis=0)
    shift = angles - population_vector(start, theta)
    return run.times, shift.var(axis=1)
