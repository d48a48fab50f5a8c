"""Ring attractors, analysed: the bump's theory, its measurements, and sweeps that move it.

The model (connectivity, inputs, :func:`helpers.ring.simulate`) is :mod:`helpers.ring`; here
are the numbers notebook 03 compares:

- the stationary bump of the cosine ring (Ben-Yishai, Bar-Or & Sompolinsky 1995): its
  half-width :func:`bump_half_width_theory` and peak :func:`bump_amplitude_theory`, against
  :func:`measure_half_width` of simulations (:func:`half_width_sweep`); a cue that drags the
  bump (:func:`cue_experiment`);
- a moving bump: Zhang's shift (:func:`zhang_speed_sweep`, speed ``-gamma / tau``) and the
  double ring (:func:`double_ring_speed_sweep`, gain :func:`double_ring_gain_theory`,
  saturation :func:`double_ring_saturation`).

Times are in seconds, angles in radians, rates and inputs in arbitrary rate units.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import brentq

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
    zhang_weights,
)
from .validation import as_array, check_rng, check_scalar, check_square

__all__ = [
    "bump_half_width_theory",
    "bump_amplitude_theory",
    "measure_half_width",
    "linear_fit",
    "bump_speed",
    "bump_modulation",
    "half_width_sweep",
    "cue_experiment",
    "zhang_speed_sweep",
    "double_ring_gain_theory",
    "double_ring_speed_sweep",
    "double_ring_saturation",
]

# ---------------------------------------------------------------------------------------
# Theory and measurements: the stationary bump
# ---------------------------------------------------------------------------------------

def bump_half_width_theory(j1: float) -> float:
    """Half-width ``theta_c`` (radians) of the bump of the threshold-linear cosine ring.

    Solves ``j1 (theta_c - sin theta_c cos theta_c) / (2 pi) = 1`` (Ben-Yishai et al. 1995);
    independent of ``J0`` and of the input. A bump exists only for ``j1 > 2``.

    Parameters
    ----------
    j1 : float
        Tuned coupling (> 2).

    Returns
    -------
    theta_c : float in (0, pi)
    """
    j1 = check_scalar(j1, "j1")
    if j1 <= 2:
        raise ValueError(f"j1 must be > 2 for a bump to exist, got {j1!r}")
    return float(brentq(lambda x: j1 * (x - np.sin(x) * np.cos(x)) / (2 * np.pi) - 1.0, 1e-9, np.pi))


def bump_amplitude_theory(j0: float, j1: float, drive: float = BEN_YISHAI_INPUT) -> float:
    """Peak rate of the cosine ring's bump, ``A (1 - cos theta_c)``.

    ``A = -drive / (cos theta_c + j0 g0)`` with ``g0 = (sin theta_c - theta_c cos theta_c) / pi``;
    the amplitude is finite only if ``j0 < -cos(theta_c) / g0``.

    Parameters
    ----------
    j0, j1 : float
        Couplings (``j1 > 2``).
    drive : float
        Uniform input (> 0).

    Returns
    -------
    float, rate units.
    """
    theta_c = bump_half_width_theory(j1)
    j0 = check_scalar(j0, "j0")
    drive = check_scalar(drive, "drive", min_val=0, include_boundaries="neither")
    g0 = (np.sin(theta_c) - theta_c * np.cos(theta_c)) / np.pi
    denom = np.cos(theta_c) + j0 * g0
    if denom >= 0:
        raise ValueError(
            f"j0 must be < -cos(theta_c)/g0 = {-np.cos(theta_c) / g0:.3f} for a finite bump, got {j0!r}"
        )
    return float(-drive / denom * (1 - np.cos(theta_c)))


def measure_half_width(rates: Any, rel_threshold: float = 1e-3) -> float:
    """Half-width (radians) of a bump: half the number of active neurons times the lattice step.

    Parameters
    ----------
    rates : (N,) array
        A rate profile on a ring.
    rel_threshold : float
        A neuron counts as active if its rate exceeds this fraction of the peak.

    Returns
    -------
    float, radians (0 if the ring is silent).
    """
    rates = as_array(rates, "rates", ndim=1)
    n = check_scalar(rates.shape[0], "rates.shape[0]", int, min_val=3)
    peak = rates.max()
    if peak <= 0:
        return 0.0
    return float(np.count_nonzero(rates > rel_threshold * peak) * np.pi / n)


def linear_fit(x: Any, y: Any) -> tuple[float, float, float]:
    """Least-squares line ``y = slope x + intercept``.

    Returns
    -------
    slope, intercept, r2 : float
        ``r2`` is the coefficient of determination.
    """
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", shape=(x.shape[0],))
    if x.shape[0] < 2:
        raise ValueError(f"x needs at least 2 points for a fit, got {x.shape[0]}")
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - np.sum(resid**2) / ss_tot if ss_tot > 0 else 1.0
    return float(slope), float(intercept), float(r2)


def bump_speed(angles: Any, dt: float, skip: float = 0.0) -> float | np.ndarray:
    """Angular velocity (rad/s) of a decoded bump: the slope of its unwrapped angle over time.

    Parameters
    ----------
    angles : (T,) or (T, B) array
        Decoded positions in radians, one per sample.
    dt : float
        Time between samples (s).
    skip : float
        Initial transient to leave out (s).

    Returns
    -------
    float, or (B,) array for several trials.
    """
    angles = as_array(angles, "angles")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    skip = check_scalar(skip, "skip", min_val=0)
    start = int(round(skip / dt))
    if angles.ndim not in (1, 2) or angles.shape[0] - start < 2:
        raise ValueError(f"angles must be (T,) or (T, B) with T > skip/dt + 1, got {angles.shape}")
    un = np.unwrap(angles[start:], axis=0)
    t = np.arange(un.shape[0]) * dt
    tc = t - t.mean()
    slope = (tc @ (un - un.mean(axis=0))) / (tc @ tc)
    return float(slope) if np.ndim(slope) == 0 else slope


def _settled_bump(W: np.ndarray, drive: np.ndarray, tau: float, dt: float, seed: Any,
                  settle: float = 0.3) -> np.ndarray:
    """Rates after ``settle`` seconds from weak noise (a bump at a random place)."""
    rng = check_rng(seed)
    r0 = 0.1 * rng.random(W.shape[0])
    return simulate(W, drive, duration=int(round(settle / dt)) * dt, tau=tau, dt=dt, r0=r0, seed=rng).final


def bump_modulation(rates: Any) -> float:
    """Modulation depth ``(max - min) / (max + min)`` of a rate profile (0: flat, 1: a bump).

    Parameters
    ----------
    rates : (N,) array

    Returns
    -------
    float in [0, 1] (0 for a silent ring).
    """
    rates = as_array(rates, "rates", ndim=1)
    top, bottom = rates.max(), rates.min()
    return float((top - bottom) / (top + bottom)) if top + bottom > 0 else 0.0


def half_width_sweep(
    j1s: Any,
    n: int = 128,
    j0: float = -5.0,
    drive: float = BEN_YISHAI_INPUT,
    duration: float = 1.0,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = 0,
) -> np.ndarray:
    """Simulated bump half-width for each ``J1``, starting from weak noise.

    Parameters
    ----------
    j1s : (K,) array
        Tuned couplings.
    n, j0, drive : see :func:`cosine_weights`. The bump stays finite only for
        ``j0 < -cos(theta_c) / g0`` (see :func:`bump_amplitude_theory`): -5 covers ``J1 <= 10``.
    duration : float
        Seconds simulated for each ``J1``.
    tau, dt : float
        Seconds.
    seed : int or Generator
        Seed of the initial noise (the same for every ``J1``).

    Returns
    -------
    (K,) array
        Half-width in radians; NaN where no bump formed (modulation depth below 0.01).
    """
    j1s = as_array(j1s, "j1s", ndim=1)
    rng = check_rng(seed)
    r0 = 0.1 * rng.random(n)
    out = np.empty(j1s.shape[0])
    for k, j1 in enumerate(j1s):
        seconds = int(round(duration / dt)) * dt
        r = simulate(cosine_weights(n, j0, float(j1)), np.full(n, drive), duration=seconds,
                     tau=tau, dt=dt, r0=r0, record_every=seconds).final
        out[k] = measure_half_width(r) if bump_modulation(r) > 0.01 else np.nan
    return out


def cue_experiment(
    W: Any,
    drive: float = BEN_YISHAI_INPUT,
    cue_offset: float = np.pi / 2,
    cue_strength: float = 3.0,
    t_cue: tuple[float, float] = (0.3, 0.5),
    duration: float = 1.0,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = 0,
) -> tuple[np.ndarray, float]:
    """A bump forms from noise, a cue moves it, and it stays when the cue is removed.

    Parameters
    ----------
    W : (N, N) array
        Ring connectivity.
    drive : float
        Uniform input, on all the time.
    cue_offset : float
        Where the cue appears, relative to the bump at cue onset (radians).
    cue_strength : float
        Peak of the cue input (see :func:`cue_input`).
    t_cue : (start, end)
        When the cue is on (s).
    duration : float
        Seconds.
    tau, dt : float
        Seconds.
    seed : int or Generator
        Seed of the initial noise.

    Returns
    -------
    rates : (T, N) array
        One row per step of ``dt``.
    cue_angle : float
        Direction of the cue (radians).
    """
    W = check_square(W, "W")
    n = W.shape[0]
    rng = check_rng(seed)
    drive = check_scalar(drive, "drive")
    cue_offset = check_scalar(cue_offset, "cue_offset")
    steps = [int(round(t_cue[0] / dt)), int(round((t_cue[1] - t_cue[0]) / dt)),
             int(round((check_scalar(duration, "duration", min_val=0, include_boundaries="neither") - t_cue[1]) / dt))]
    if min(steps) < 1:
        raise ValueError(f"t_cue must satisfy 0 < start < end < duration, got {t_cue} with duration={duration}")
    base = np.full(n, drive)
    before = simulate(W, base, duration=steps[0] * dt, tau=tau, dt=dt, r0=0.1 * rng.random(n))
    cue_angle = float(wrap(population_vector(before.final, preferred_directions(n)) + cue_offset))
    during = simulate(W, base + cue_input(n, cue_angle, cue_strength), duration=steps[1] * dt, tau=tau, dt=dt,
                      r0=before.final)
    after = simulate(W, base, duration=steps[2] * dt, tau=tau, dt=dt, r0=during.final)
    return np.concatenate([before.rates, during.rates, after.rates]), cue_angle


# ---------------------------------------------------------------------------------------
# Moving the bump
# ---------------------------------------------------------------------------------------

def zhang_speed_sweep(
    gammas: Any,
    n: int = 128,
    j0: float = BEN_YISHAI_J0,
    j1: float = BEN_YISHAI_J1,
    drive: float = BEN_YISHAI_INPUT,
    duration: float = 0.5,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = 0,
    shift: Any = None,
) -> np.ndarray:
    """Bump speed of the cosine ring with Zhang's shift ``W + gamma W'`` for each ``gamma``.

    Parameters
    ----------
    gammas : (K,) array
        Shift strengths (radians).
    n, j0, j1, drive : see :func:`cosine_weights`.
    duration : float
        Simulated seconds per ``gamma`` after the bump has formed (the first 0.1 s is skipped).
    tau, dt : float
        Seconds.
    seed : int or Generator
    shift : callable, optional
        ``shift(W, gamma) -> (N, N)`` building the shifted matrix; default :func:`zhang_weights`.

    Returns
    -------
    omega : (K,) array, rad/s.
    """
    gammas = as_array(gammas, "gammas", ndim=1)
    duration = check_scalar(duration, "duration", min_val=0, include_boundaries="neither")
    W = cosine_weights(n, j0, j1)
    theta = preferred_directions(n)
    drive_vec = np.full(n, check_scalar(drive, "drive"))
    r_start = _settled_bump(W, drive_vec, tau, dt, seed)
    shift = zhang_weights if shift is None else shift
    steps = int(round(duration / dt))
    speeds = np.empty(gammas.shape[0])
    for k, g in enumerate(gammas):
        rates = simulate(shift(W, float(g)), drive_vec, duration=steps * dt, tau=tau, dt=dt, r0=r_start).rates
        speeds[k] = bump_speed(population_vector(rates, theta), dt, skip=0.1)
    return speeds


def double_ring_gain_theory(
    j0: float = DOUBLE_RING_J0,
    j1: float = DOUBLE_RING_J1,
    phi: float = DOUBLE_RING_PHI,
    b0: float = DOUBLE_RING_B0,
    tau: float = TAU,
) -> float:
    """Linear-response gain ``k = omega / v`` of the double ring (rad/s per input unit).

    With ``v = 0`` the two rings carry the same bump ``A (cos x - cos theta_c)_+`` of an
    effective cosine ring with ``J1' = j1 cos(phi)`` (so ``theta_c`` and ``A`` follow from
    :func:`bump_half_width_theory` and :func:`bump_amplitude_theory` with drive ``b0``).
    A small ``v`` adds ``-v`` / ``+v`` to the active neurons of the left / right ring; the
    difference feeds back through the odd part ``j1 sin(phi) sin(x)`` of the shifted kernels
    and, projected on the bump's translation mode, gives::

        k = j1 sin(phi) sin(theta_c) / (pi A tau)

    Returns
    -------
    float, rad/s per input unit.
    """
    phi = check_scalar(phi, "phi")
    if not 0 < phi < np.pi / 2:
        raise ValueError(f"phi must be in (0, pi/2) radians, got {phi!r}")
    j1 = check_scalar(j1, "j1")
    tau = check_scalar(tau, "tau", min_val=0, include_boundaries="neither")
    j1_eff = j1 * np.cos(phi)
    theta_c = bump_half_width_theory(j1_eff)
    peak = bump_amplitude_theory(j0, j1_eff, b0)
    A = peak / (1 - np.cos(theta_c))
    return float(j1 * np.sin(phi) * np.sin(theta_c) / (np.pi * A * tau))


def double_ring_speed_sweep(
    velocities: Any,
    n: int = 128,
    j0: float = DOUBLE_RING_J0,
    j1: float = DOUBLE_RING_J1,
    phi: float = DOUBLE_RING_PHI,
    b0: float = DOUBLE_RING_B0,
    duration: float = 0.5,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = 0,
) -> np.ndarray:
    """Bump speed of the double ring for each constant velocity input ``v``.

    All velocities are simulated at once as a batch of trials, from the same settled bump.

    Parameters
    ----------
    velocities : (K,) array
        Velocity inputs (input units).
    n, j0, j1, phi, b0 : see :func:`double_ring_weights` and :func:`double_ring_inputs`.
    duration : float
        Simulated seconds (the first 0.1 s is skipped).

    Returns
    -------
    omega : (K,) array, rad/s.
    """
    v = as_array(velocities, "velocities", ndim=1)
    duration = check_scalar(duration, "duration", min_val=0, include_boundaries="neither")
    W = double_ring_weights(n, j0, j1, phi)
    theta = np.tile(preferred_directions(n), 2)
    r_start = _settled_bump(W, double_ring_inputs(n, 0.0, b0), tau, dt, seed)
    steps = int(round(duration / dt))
    inputs = np.broadcast_to(double_ring_inputs(n, v, b0), (steps, v.shape[0], 2 * n))
    rates = simulate(W, inputs, tau=tau, dt=dt, r0=np.tile(r_start, (v.shape[0], 1)), record_every=4 * dt).rates
    return np.atleast_1d(bump_speed(population_vector(rates, theta), 4 * dt, skip=0.1))


def double_ring_saturation(
    j0: float = DOUBLE_RING_J0,
    j1: float = DOUBLE_RING_J1,
    phi: float = DOUBLE_RING_PHI,
    b0: float = DOUBLE_RING_B0,
    tau: float = TAU,
) -> dict[str, float]:
    """Where and why the double ring's speed stops growing with ``v``.

    For large ``v`` the left ring (drive ``b0 - v``) falls silent: only the right ring drives
    the bump, through a kernel shifted by ``+phi`` -- a single cosine ring with
    ``J1/2 cos(x - phi)``, which is Zhang's shift with ``gamma = -tan(phi)``. More ``v`` then
    only scales the bump up (threshold-linear), so the speed saturates near ``tan(phi)/tau``.

    Returns
    -------
    dict
        ``omega_max`` (rad/s): ``tan(phi) / tau``, the one-ring speed limit;
        ``v_linear_end``: where the linear prediction ``k v`` reaches ``omega_max``.
    """
    k = double_ring_gain_theory(j0, j1, phi, b0, tau)
    omega_max = float(np.tan(phi) / tau)
    return {"omega_max": omega_max, "v_linear_end": omega_max / k, "gain": k}
