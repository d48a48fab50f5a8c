"""Ring attractors for head direction: bumps, velocity shifts and path integration.

The model is a threshold-linear rate network on a ring of ``N`` neurons with preferred
directions ``theta_i = 2 pi i / N`` (radians)::

    tau dr_i/dt = -r_i + [ sum_j W_ij r_j + I_i + eta_i(t) ]_+

integrated with forward Euler (time step ``dt``). Rates and inputs are in arbitrary rate
units (the model is linear above threshold, so scaling the input scales the rates); times
are in seconds and angles in radians unless a name ends in ``_deg``.

Connectivity (``W``, shape ``(N, N)``, row = postsynaptic neuron):

- :func:`cosine_weights` -- ``W_ij = (J0 + J1 cos(theta_i - theta_j)) / N``, the ring of
  Ben-Yishai, Bar-Or & Sompolinsky (1995). A bump exists only for ``J1 > 2``; its half-width
  ``theta_c`` is given by :func:`bump_half_width_theory`.
- :func:`von_mises_weights` -- a Mexican hat made of a difference of von Mises bumps
  (local excitation, mid-range inhibition), one of the kernels of Kim et al. (2017).
- :func:`zhang_weights` -- ``W + gamma W'`` (Zhang 1996): the derivative of a symmetric kernel
  added to it moves the bump at angular velocity ``-gamma / tau``.
- :func:`double_ring_weights` -- two rings, left and right, driven by ``b0 - v`` and ``b0 + v``
  and projecting with kernels shifted by ``-phi`` and ``+phi`` (Xie, Hahnloser & Seung 2002;
  the fly's P-EN neurons, Green et al. 2017, Turner-Evans et al. 2017). The bump moves at
  ``omega = k v`` with the gain ``k`` of :func:`double_ring_gain_theory`.

Analysis: :func:`population_vector` decodes the bump's position; :func:`ring_profile` sorts a
learned recurrent matrix by each unit's preferred direction and averages it by
preferred-direction difference (the 1-D version of the analysis of Sorscher et al. 2023).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import brentq
from threadpoolctl import threadpool_limits

from .validation import as_array, check_rng, check_scalar, check_square

__all__ = [
    "TAU",
    "DT",
    "BEN_YISHAI_J0",
    "BEN_YISHAI_J1",
    "BEN_YISHAI_INPUT",
    "DOUBLE_RING_J0",
    "DOUBLE_RING_J1",
    "DOUBLE_RING_B0",
    "DOUBLE_RING_PHI",
    "KIM_N",
    "preferred_directions",
    "cosine_weights",
    "von_mises_weights",
    "kernel_profile",
    "derivative_weights",
    "zhang_weights",
    "double_ring_weights",
    "double_ring_inputs",
    "cue_input",
    "euler_step",
    "simulate",
    "population_vector",
    "wrap",
    "bump_half_width_theory",
    "bump_amplitude_theory",
    "measure_half_width",
    "bump_speed",
    "bump_modulation",
    "half_width_sweep",
    "cue_experiment",
    "zhang_speed_sweep",
    "double_ring_gain_theory",
    "double_ring_speed_sweep",
    "double_ring_saturation",
    "random_head_direction",
    "path_integrate",
    "bump_diffusion",
    "linear_fit",
    "preferred_directions_from_activity",
    "offset_profile",
    "ring_profile",
    "learned_ring_profile",
    "explore",
]

# ---------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------

#: Membrane time constant (s) and Euler step (s) used throughout.
TAU = 0.010
DT = 0.0005

#: Cosine ring, Ben-Yishai, Bar-Or & Sompolinsky (1995, PNAS 92:3844): threshold-linear rates,
#: W_ij = (J0 + J1 cos(theta_i - theta_j)) / N, uniform input I.
BEN_YISHAI_J0 = -2.0
BEN_YISHAI_J1 = 6.0
BEN_YISHAI_INPUT = 1.0

#: Double ring, Xie, Hahnloser & Seung (2002, Phys Rev E 66:041902): left/right rings driven
#: by b0 -/+ v, projecting with kernels shifted by -/+ phi (radians).
DOUBLE_RING_J0 = -2.5
DOUBLE_RING_J1 = 6.0
DOUBLE_RING_B0 = 1.0
DOUBLE_RING_PHI = np.deg2rad(30.0)

#: Ring size of the Drosophila model of Kim, Rouault, Druckmann & Jayaraman (2017, Science).
KIM_N = 256


# ---------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------

def wrap(angle: Any) -> np.ndarray:
    """Wrap angles (radians, any shape) into [-pi, pi)."""
    return (np.asarray(angle, dtype=float) + np.pi) % (2 * np.pi) - np.pi


# ---------------------------------------------------------------------------------------
# Connectivity
# ---------------------------------------------------------------------------------------

def preferred_directions(n: int) -> np.ndarray:
    """Preferred directions of a ring of ``n`` neurons.

    Returns
    -------
    theta : (n,) array
        ``2 pi i / n`` in radians, in [0, 2 pi).
    """
    n = check_scalar(n, "n", int, min_val=3)
    return 2 * np.pi * np.arange(n) / n


def _circulant(profile: np.ndarray) -> np.ndarray:
    """W_ij = profile[(i - j) mod N]."""
    n = profile.shape[0]
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return profile[idx]


def cosine_weights(n: int, j0: float = BEN_YISHAI_J0, j1: float = BEN_YISHAI_J1) -> np.ndarray:
    """Cosine ring connectivity ``W_ij = (j0 + j1 cos(theta_i - theta_j)) / n``.

    Parameters
    ----------
    n : int
        Number of neurons (>= 3).
    j0, j1 : float
        Uniform (negative: global inhibition) and tuned (excitation between similar
        directions) coupling strengths, dimensionless.

    Returns
    -------
    W : (n, n) array
        Circulant weight matrix; row i holds the input weights of neuron i.
    """
    n = check_scalar(n, "n", int, min_val=3)
    j0, j1 = check_scalar(j0, "j0"), check_scalar(j1, "j1")
    offsets = preferred_directions(n)
    return _circulant((j0 + j1 * np.cos(offsets)) / n)


def von_mises_weights(
    n: int,
    j_exc: float = 12.0,
    kappa_exc: float = 4.0,
    j_inh: float = 6.0,
    kappa_inh: float = 0.5,
    j0: float = -2.0,
) -> np.ndarray:
    """Mexican-hat ring connectivity: a difference of von Mises bumps.

    ``W_ij = (j_exc e^{kappa_exc (cos d - 1)} - j_inh e^{kappa_inh (cos d - 1)} + j0) / n`` with
    ``d = theta_i - theta_j``: narrow excitation, broader inhibition, and a uniform term.

    Parameters
    ----------
    n : int
        Number of neurons (>= 3).
    j_exc, j_inh : float
        Peak strengths (>= 0) of the excitatory and inhibitory bumps.
    kappa_exc, kappa_inh : float
        Concentrations (> 0); a larger kappa is a narrower bump (width ~ 1/sqrt(kappa) rad).
    j0 : float
        Uniform coupling (negative: global inhibition).

    Returns
    -------
    W : (n, n) array
    """
    n = check_scalar(n, "n", int, min_val=3)
    j_exc = check_scalar(j_exc, "j_exc", min_val=0)
    j_inh = check_scalar(j_inh, "j_inh", min_val=0)
    kappa_exc = check_scalar(kappa_exc, "kappa_exc", min_val=0, include_boundaries="neither")
    kappa_inh = check_scalar(kappa_inh, "kappa_inh", min_val=0, include_boundaries="neither")
    j0 = check_scalar(j0, "j0")
    c = np.cos(preferred_directions(n)) - 1.0
    profile = j_exc * np.exp(kappa_exc * c) - j_inh * np.exp(kappa_inh * c) + j0
    return _circulant(profile / n)


def kernel_profile(W: Any) -> tuple[np.ndarray, np.ndarray]:
    """The weight as a function of direction offset, read from column 0 of a ring matrix.

    Parameters
    ----------
    W : (N, N) array
        A circulant (ring) weight matrix.

    Returns
    -------
    offsets : (N,) array
        ``theta_i - theta_0`` wrapped to [-pi, pi), sorted, in radians.
    weights : (N,) array
        ``W[i, 0]`` in the same order (same units as ``W``).
    """
    W = check_square(W, "W")
    n = W.shape[0]
    check_scalar(n, "W.shape[0]", int, min_val=3)
    offsets = wrap(preferred_directions(n))
    order = np.argsort(offsets)
    return offsets[order], W[order, 0]


def derivative_weights(W: Any) -> np.ndarray:
    """Derivative ``W'`` of a ring kernel with respect to the postsynaptic direction.

    For ``W_ij = w(theta_i - theta_j)`` this is ``w'(theta_i - theta_j)``, computed with a
    central difference along the ring: ``(W[i+1, j] - W[i-1, j]) / (2 * 2 pi / N)``.

    Parameters
    ----------
    W : (N, N) array

    Returns
    -------
    W_prime : (N, N) array, units of W per radian.
    """
    W = check_square(W, "W")
    n = check_scalar(W.shape[0], "W.shape[0]", int, min_val=3)
    step = 2 * np.pi / n
    return (np.roll(W, -1, axis=0) - np.roll(W, 1, axis=0)) / (2 * step)


def zhang_weights(W: Any, gamma: float) -> np.ndarray:
    """Zhang's (1996) velocity-shifted connectivity ``W + gamma W'``.

    The added antisymmetric part tilts every neuron's output towards one side, so the bump
    travels at angular velocity ``omega = -gamma / tau`` (rad/s) for small ``gamma``.

    Parameters
    ----------
    W : (N, N) array
        Symmetric ring connectivity.
    gamma : float
        Shift strength in radians (``gamma = -omega tau`` for a desired ``omega``).

    Returns
    -------
    (N, N) array
    """
    gamma = check_scalar(gamma, "gamma")
    return check_square(W, "W") + gamma * derivative_weights(W)


def double_ring_weights(
    n: int,
    j0: float = DOUBLE_RING_J0,
    j1: float = DOUBLE_RING_J1,
    phi: float = DOUBLE_RING_PHI,
) -> np.ndarray:
    """Connectivity of the double ring (Xie, Hahnloser & Seung 2002).

    Neurons ``0..n-1`` form the left ring, ``n..2n-1`` the right ring, at the same preferred
    directions. A presynaptic neuron of ring ``s`` (``s = -1`` left, ``+1`` right) at
    ``theta_j`` excites both rings around ``theta_j + s phi``::

        W[i, (j, s)] = (j0 + j1 cos(theta_i - theta_j - s phi)) / (2 n)

    With equal drive the two shifts cancel and the bump stays (an effective cosine ring with
    ``J1 cos(phi)``); more drive to the right ring pushes the bump towards larger angles.

    Parameters
    ----------
    n : int
        Neurons per ring (>= 3).
    j0, j1 : float
        Couplings as in :func:`cosine_weights`.
    phi : float
        Shift of the projections in radians, in [0, pi/2).

    Returns
    -------
    W : (2n, 2n) array
    """
    n = check_scalar(n, "n", int, min_val=3)
    j0, j1 = check_scalar(j0, "j0"), check_scalar(j1, "j1")
    phi = check_scalar(phi, "phi")
    if not 0 <= phi < np.pi / 2:
        raise ValueError(f"phi must be in [0, pi/2) radians, got {phi!r}")
    d = preferred_directions(n)[:, None] - preferred_directions(n)[None, :]
    left = (j0 + j1 * np.cos(d + phi)) / (2 * n)
    right = (j0 + j1 * np.cos(d - phi)) / (2 * n)
    block = np.hstack([left, right])
    return np.vstack([block, block])


def double_ring_inputs(n: int, v: Any, b0: float = DOUBLE_RING_B0) -> np.ndarray:
    """Inputs of the double ring: ``b0 - v`` to the left ring, ``b0 + v`` to the right.

    Parameters
    ----------
    n : int
        Neurons per ring.
    v : float or (T,) array
        Velocity input (input units); positive turns the bump towards larger angles.
    b0 : float
        Common drive.

    Returns
    -------
    (2n,) array if ``v`` is a scalar, else (T, 2n).
    """
    n = check_scalar(n, "n", int, min_val=3)
    b0 = check_scalar(b0, "b0")
    v = as_array(v, "v")
    if v.ndim > 1:
        raise ValueError(f"v must be a scalar or a 1-D (T,) array, got shape {v.shape}")
    side = np.concatenate([-np.ones(n), np.ones(n)])
    return b0 + v[..., None] * side


def cue_input(n: int, angle: float, strength: float = 1.0, width: float = 0.3) -> np.ndarray:
    """A tuned input (e.g. a visual landmark) centred on ``angle``.

    ``strength * exp((cos(theta - angle) - 1) / width**2)``.

    Parameters
    ----------
    n : int
        Number of neurons.
    angle : float
        Cue direction in radians.
    strength : float
        Peak input (input units, >= 0).
    width : float
        Approximate width in radians (> 0).

    Returns
    -------
    (n,) array
    """
    angle = check_scalar(angle, "angle")
    strength = check_scalar(strength, "strength", min_val=0)
    width = check_scalar(width, "width", min_val=0, include_boundaries="neither")
    return strength * np.exp((np.cos(preferred_directions(n) - angle) - 1) / width**2)


# ---------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------

def euler_step(r: Any, W: Any, inputs: Any, tau: float = TAU, dt: float = DT) -> np.ndarray:
    """One forward-Euler step of ``tau dr/dt = -r + [W r + I]_+``.

    Parameters
    ----------
    r : (N,) array
        Rates now.
    W : (N, N) array
        Connectivity.
    inputs : (N,) array or float
        External input.
    tau, dt : float
        Time constant and step (s).

    Returns
    -------
    (N,) array: ``r + dt / tau * (-r + max(W r + I, 0))``.
    """
    W = check_square(W, "W")
    r = as_array(r, "r", shape=(W.shape[0],))
    inputs = as_array(inputs, "inputs")
    tau = check_scalar(tau, "tau", min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    return r + dt / tau * (-r + np.maximum(W @ r + inputs, 0.0))


def simulate(
    W: Any,
    inputs: Any,
    n_steps: int | None = None,
    tau: float = TAU,
    dt: float = DT,
    r0: Any = None,
    noise_std: float = 0.0,
    seed: Any = None,
    record_every: int = 1,
) -> np.ndarray:
    """Simulate ``tau dr/dt = -r + [W r + I(t) + eta(t)]_+`` with forward Euler.

    Parameters
    ----------
    W : (N, N) array
        Connectivity (row = postsynaptic).
    inputs : (N,), (T, N) or (T, B, N) array
        External input (input units): constant, one row per time step, or one row per step
        and trial. With ``r0`` of shape (B, N) a (N,) or (T, N) input is shared by all trials.
    n_steps : int, optional
        Number of steps; required for a constant input, else ``T``.
    tau, dt : float
        Time constant and Euler step in seconds (``dt`` <= ``tau`` / 2).
    r0 : (N,) or (B, N) array, optional
        Initial rates (default: zero). A 2-D ``r0`` simulates ``B`` trials at once.
    noise_std : float
        Input noise: ``eta`` is white noise of intensity ``noise_std**2 * tau`` (per step
        Gaussian with standard deviation ``noise_std * sqrt(tau / dt)``), so its effect does
        not depend on ``dt``. Input units.
    seed : int or numpy.random.Generator, optional
        Seed of the noise.
    record_every : int
        Keep every k-th step.

    Returns
    -------
    rates : (T // record_every, N) or (T // record_every, B, N) array
        Rates after steps ``record_every, 2 record_every, ...``.
    """
    W = check_square(W, "W")
    n = check_scalar(W.shape[0], "W.shape[0]", int, min_val=3)
    tau = check_scalar(tau, "tau", min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    if dt > tau / 2:
        raise ValueError(f"dt must be <= tau / 2 for a stable Euler step, got dt={dt}, tau={tau}")
    noise_std = check_scalar(noise_std, "noise_std", min_val=0)
    record_every = check_scalar(record_every, "record_every", int, min_val=1)
    I = as_array(inputs, "inputs")
    if I.ndim == 0 or I.ndim > 3 or I.shape[-1] != n:
        raise ValueError(f"inputs must have shape (N,), (T, N) or (T, B, N) with N={n}, got {I.shape}")
    if r0 is None:
        batch = I.shape[1] if I.ndim == 3 else None
        r = np.zeros((n,) if batch is None else (batch, n))
    else:
        r = as_array(r0, "r0").copy()
        if r.ndim not in (1, 2) or r.shape[-1] != n:
            raise ValueError(f"r0 must have shape (N,) or (B, N) with N={n}, got {r.shape}")
        if I.ndim == 3 and (r.ndim != 2 or r.shape[0] != I.shape[1]):
            raise ValueError(f"r0 must have shape (B, N)=({I.shape[1]}, {n}) to match inputs, got {r.shape}")
    varying = I.ndim >= 2
    if varying:
        if n_steps is not None and check_scalar(n_steps, "n_steps", int, min_val=1) != I.shape[0]:
            raise ValueError(f"n_steps={n_steps} does not match inputs.shape[0]={I.shape[0]}")
        n_steps = I.shape[0]
    elif n_steps is None:
        raise ValueError("n_steps is required when inputs is constant (shape (N,))")
    n_steps = check_scalar(n_steps, "n_steps", int, min_val=1)
    rng = check_rng(seed)
    WT = np.ascontiguousarray(W.T)
    a = dt / tau
    noise_scale = noise_std * np.sqrt(tau / dt)
    out = np.empty((n_steps // record_every,) + r.shape)
    chunk = max(1, min(n_steps, 2_000_000 // r.size))
    noise = None
    # one BLAS thread: these small products run fastest on one core of a shared machine
    with threadpool_limits(1, user_api="blas"):
        for k in range(n_steps):
            h = r @ WT
            h += I[k] if varying else I
            if noise_scale > 0:
                c = k % chunk
                if c == 0:
                    noise = rng.standard_normal((chunk,) + r.shape) * noise_scale
                h += noise[c]
            np.maximum(h, 0.0, out=h)
            h -= r
            h *= a
            r += h
            if (k + 1) % record_every == 0:
                out[(k + 1) // record_every - 1] = r
    return out


def population_vector(rates: Any, theta: Any) -> np.ndarray:
    """Decode the bump position: the angle of ``sum_i r_i exp(i theta_i)``.

    Parameters
    ----------
    rates : (..., N) array
        Rates (any leading shape: time, trials).
    theta : (N,) array
        Preferred directions in radians.

    Returns
    -------
    angle : (...) array
        Decoded direction in radians, in (-pi, pi].
    """
    theta = as_array(theta, "theta", ndim=1)
    rates = as_array(rates, "rates")
    if rates.ndim < 1 or rates.shape[-1] != theta.shape[0]:
        raise ValueError(f"rates must have shape (..., N) with N={theta.shape[0]}, got {rates.shape}")
    return np.angle(rates @ np.exp(1j * theta))


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
    return simulate(W, drive, n_steps=int(round(settle / dt)), tau=tau, dt=dt, r0=r0, seed=rng)[-1]


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
        r = simulate(cosine_weights(n, j0, float(j1)), np.full(n, drive), n_steps=int(round(duration / dt)),
                     tau=tau, dt=dt, r0=r0, record_every=int(round(duration / dt)))[-1]
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
    before = simulate(W, base, n_steps=steps[0], tau=tau, dt=dt, r0=0.1 * rng.random(n))
    cue_angle = float(wrap(population_vector(before[-1], preferred_directions(n)) + cue_offset))
    during = simulate(W, base + cue_input(n, cue_angle, cue_strength), n_steps=steps[1], tau=tau, dt=dt,
                      r0=before[-1])
    after = simulate(W, base, n_steps=steps[2], tau=tau, dt=dt, r0=during[-1])
    return np.concatenate([before, during, after]), cue_angle


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
        rates = simulate(shift(W, float(g)), drive_vec, n_steps=steps, tau=tau, dt=dt, r0=r_start)
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
    rates = simulate(W, inputs, tau=tau, dt=dt, r0=np.tile(r_start, (v.shape[0], 1)), record_every=4)
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
    record_every: int = 10,
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
        Input noise, see :func:`simulate`.
    n, j0, j1, phi, b0 : see :func:`double_ring_weights`.
    theta0 : float
        Initial heading (radians).
    tau, dt : float
        Seconds.
    seed : int or Generator
    record_every : int
        Decode every k-th step.

    Returns
    -------
    decoded : (T // record_every, n_trials) array
        Decoded heading (radians) after steps ``record_every, 2 record_every, ...``.
    true : (T // record_every,) array
        The integrated heading at the same steps, wrapped (radians).
    """
    omega = as_array(omega, "omega", ndim=1)
    n_trials = check_scalar(n_trials, "n_trials", int, min_val=1)
    rng = check_rng(seed)
    W = double_ring_weights(n, j0, j1, phi)
    k = double_ring_gain_theory(j0, j1, phi, b0, tau)
    theta = np.tile(preferred_directions(n), 2)
    cue = np.tile(cue_input(n, theta0, strength=b0), 2)
    start = simulate(W, double_ring_inputs(n, 0.0, b0) + cue, n_steps=int(round(0.2 / dt)),
                     tau=tau, dt=dt, r0=np.tile(np.full(2 * n, 0.1), (n_trials, 1)))[-1]
    inputs = double_ring_inputs(n, omega / k, b0)
    rates = simulate(W, inputs, tau=tau, dt=dt, r0=start, noise_std=noise_std, seed=rng,
                     record_every=record_every)
    true = wrap(theta0 + np.cumsum(omega) * dt)[record_every - 1::record_every][: rates.shape[0]]
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
    record_every: int = 20,
) -> tuple[np.ndarray, np.ndarray]:
    """Variance of the bump position across noisy trials that start from the same bump.

    Parameters
    ----------
    noise_std : float
        Input noise (see :func:`simulate`).
    n_trials : int
        Trials, simulated as a batch.
    duration : float
        Seconds.
    n, j0, j1, drive : cosine ring parameters.
    seed : int or Generator
    record_every : int

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
    start = simulate(W, drive_vec + cue_input(n, 0.0), n_steps=int(round(0.2 / dt)), tau=tau, dt=dt,
                     r0=np.full(n, 0.1))[-1]
    rates = simulate(W, drive_vec, n_steps=int(round(duration / dt)), tau=tau, dt=dt,
                     r0=np.tile(start, (n_trials, 1)), noise_std=noise_std, seed=rng,
                     record_every=record_every)
    angles = np.unwrap(population_vector(rates, theta), axis=0)
    shift = angles - population_vector(start, theta)
    t = np.arange(1, rates.shape[0] + 1) * record_every * dt
    return t, shift.var(axis=1)


# ---------------------------------------------------------------------------------------
# Learned networks: sort by preferred direction and average by offset
# ---------------------------------------------------------------------------------------

def preferred_directions_from_activity(activity: Any, heading: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's preferred direction: the phase of its tuning curve's first Fourier mode.

    Parameters
    ----------
    activity : (T, N) array
        Unit activity at ``T`` samples.
    heading : (T,) array
        Head direction at each sample (radians).

    Returns
    -------
    pd : (N,) array
        Preferred directions in [-pi, pi) (radians).
    strength : (N,) array
        Amplitude of the first Fourier mode of each unit's tuning (activity units); a unit
        with no direction tuning has ~0.
    """
    heading = as_array(heading, "heading", ndim=1)
    activity = as_array(activity, "activity", ndim=2)
    if activity.shape[0] != heading.shape[0]:
        raise ValueError(
            f"activity must have shape (T, N) with T={heading.shape[0]} (len(heading)), got {activity.shape}"
        )
    centred = activity - activity.mean(axis=0)
    mode = np.exp(1j * heading) @ centred / heading.shape[0]
    return wrap(np.angle(mode)), 2 * np.abs(mode)


def offset_profile(W: Any, pd: Any, n_bins: int = 36) -> tuple[np.ndarray, np.ndarray]:
    """Average weight as a function of preferred-direction difference (post - pre).

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights, row = postsynaptic unit.
    pd : (N,) array
        Preferred direction of each unit (radians).
    n_bins : int
        Number of equal bins around the circle. Bin ``k`` is centred on ``-pi + k w`` with
        ``w = 2 pi / n_bins`` and holds the offsets within ``w / 2`` of its centre (so the
        offsets of an evenly spaced ring fall on bin centres, and offset 0 has its own bin
        when ``n_bins`` is even).

    Returns
    -------
    centres : (n_bins,) array
        Bin centres ``-pi + k w`` (radians).
    profile : (n_bins,) array
        Mean of ``W[i, j]`` over pairs with ``wrap(pd[i] - pd[j])`` in the bin (NaN if empty).
    """
    W = check_square(W, "W")
    pd = as_array(pd, "pd", shape=(W.shape[0],))
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=2)
    return _binned_mean(W, pd, n_bins, np.ones(W.shape, dtype=bool))


def _binned_mean(W: np.ndarray, pd: np.ndarray, n_bins: int, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and mean of ``W[use]`` by offset ``wrap(pd[i] - pd[j])`` (see offset_profile)."""
    width = 2 * np.pi / n_bins
    d = wrap(pd[:, None] - pd[None, :])
    idx = np.round((d + np.pi) / width).astype(int) % n_bins
    sums = np.bincount(idx[use], weights=W[use], minlength=n_bins)
    counts = np.bincount(idx[use], minlength=n_bins)
    profile = np.full(n_bins, np.nan)
    profile[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return -np.pi + np.arange(n_bins) * width, profile


def ring_profile(
    W_rec: Any, activity: Any, heading: Any, n_bins: int = 36, min_strength: float = 0.0,
    exclude_self: bool = False,
) -> dict[str, np.ndarray]:
    """Sort a recurrent matrix by preferred direction and average it by direction offset.

    Parameters
    ----------
    W_rec : (N, N) array
        Recurrent weights (row = postsynaptic).
    activity : (T, N) array
        Unit activity over a set of head directions.
    heading : (T,) array
        Head direction of each sample (radians).
    n_bins : int
        Bins of the offset profile.
    min_strength : float
        Units whose tuning strength (see :func:`preferred_directions_from_activity`) is at
        most this fraction of the largest are left out (0 keeps every unit).
    exclude_self : bool
        Leave the self-connections ``W[i, i]`` out of the profile (they are reported as
        ``self_weight``); a learned network often has strong ones that would dominate the
        zero-offset bin.

    Returns
    -------
    dict with
        ``offsets`` (n_bins,) bin centres (radians); ``profile`` (n_bins,) mean weight;
        ``pd`` (N,) preferred directions; ``strength`` (N,); ``order`` (M,) indices of the kept
        units sorted by preferred direction; ``W_sorted`` (M, M) the matrix in that order;
        ``self_weight`` the mean of the kept units' self-connections.
    """
    W_rec = check_square(W_rec, "W_rec")
    activity = as_array(activity, "activity", shape=(None, W_rec.shape[0]))
    pd, strength = preferred_directions_from_activity(activity, heading)
    min_strength = check_scalar(min_strength, "min_strength", min_val=0)
    keep = np.flatnonzero(strength > min_strength * strength.max())
    order = keep[np.argsort(pd[keep])]
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=2)
    W_sorted = W_rec[np.ix_(order, order)]
    use = ~np.eye(order.size, dtype=bool) if exclude_self else np.ones(W_sorted.shape, dtype=bool)
    offsets, profile = _binned_mean(W_sorted, pd[order], n_bins, use)
    return {
        "self_weight": float(np.mean(np.diag(W_sorted))),
        "offsets": offsets,
        "profile": profile,
        "pd": pd,
        "strength": strength,
        "order": order,
        "W_sorted": W_sorted,
    }


def _integrator_activity(net: Any, n_trajectories: int = 512, T: int = 20, seed: int = 7
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Hidden rates and headings of notebook 02's integrator on fresh trajectories.

    Returns activity (n_trajectories * T, N) and heading (n_trajectories * T,) in radians.
    """
    import torch  # noqa: PLC0415 -- only this path needs torch

    from . import angular_integrator as ai  # noqa: PLC0415

    omega, theta = ai.heading_trajectories(n_trajectories, T, seed=seed)
    with torch.no_grad():
        _, h = net(torch.from_numpy(omega), ai.head_direction_code(theta[:, 0], net.decoder.out_features))
    h = h.numpy()
    return h.reshape(-1, h.shape[-1]).astype(float), theta[:, 1:].ravel().astype(float)


def learned_ring_profile(model: Any = None, n_bins: int = 36, min_strength: float = 0.1,
                         exclude_self: bool = True, seed: int = 7) -> dict | None:
    """The offset profile of the angular integrator trained in notebook 02.

    Parameters
    ----------
    model : optional
        The trained network: an ``IntegratorResult`` or ``AngularIntegrator`` of
        :mod:`helpers.angular_integrator` (its units' activity is recorded on fresh
        trajectories), or a dict with ``W_rec`` (N, N) and either ``activity`` (T, N) and
        ``heading`` (T,), or ``W_out`` (2, N) weights onto ``(cos, sin)``.
        Default: the shipped network, ``helpers.angular_integrator.load_angular_integrator()``.
    n_bins, min_strength, exclude_self : see :func:`ring_profile`.
    seed : int
        Seed of the trajectories used to record the activity.

    Returns
    -------
    dict or None
        As :func:`ring_profile`, plus ``source`` (``"activity"`` or ``"readout"``: how the
        preferred directions were found). None, with a printed note, when no trained network
        is available.

    Notes
    -----
    A unit's preferred direction comes from its activity over head directions. Only a dict
    without activity falls back on the readout (a unit whose output weights onto
    ``(cos, sin)`` point at angle ``a`` gets preferred direction ``a``), a rough proxy: on a
    vanilla tanh integrator it agreed only loosely with the tuning (mean cos of the difference
    0.3) and gave a weaker profile.
    """
    if model is None:
        try:
            from .angular_integrator import load_angular_integrator  # noqa: PLC0415

            model = load_angular_integrator()
        except (ImportError, FileNotFoundError, ValueError) as err:
            print(f"The trained angular integrator of notebook 02 is not available ({err}).")
            return None
    model = getattr(model, "model", model)  # an IntegratorResult holds the network
    if hasattr(model, "J") and hasattr(model, "decoder"):
        W_rec = model.J.weight.detach().cpu().numpy().astype(float)
        activity, heading = _integrator_activity(model, seed=seed)
        source = "activity"
    elif isinstance(model, dict) and "W_rec" in model:
        W_rec = check_square(model["W_rec"], "model['W_rec']")
        n = W_rec.shape[0]
        if "activity" in model and "heading" in model:
            activity, heading = model["activity"], model["heading"]
            source = "activity"
        else:
            W_out = as_array(model["W_out"], "model['W_out']", ndim=2)
            W_out = W_out if W_out.shape[1] == n else W_out.T
            if W_out.shape != (2, n):
                raise ValueError(f"model['W_out'] must have shape (2, {n}) or ({n}, 2) without activity, "
                                 f"got {W_out.shape}")
            print("No activity of the trained network was given: preferred directions are taken from its "
                  "readout weights, a rough proxy.")
            pd = np.arctan2(W_out[1], W_out[0])
            heading = np.linspace(-np.pi, np.pi, 72, endpoint=False)
            activity = np.cos(heading[:, None] - pd[None, :]) * np.hypot(W_out[0], W_out[1])
            source = "readout"
    else:
        raise TypeError(f"model must be an AngularIntegrator, an IntegratorResult or a dict with 'W_rec', "
                        f"got {type(model).__name__}")
    out = ring_profile(W_rec, activity, heading, n_bins=n_bins, min_strength=min_strength,
                       exclude_self=exclude_self)
    out["source"] = source
    return out


# ---------------------------------------------------------------------------------------
# Interactive exploration
# ---------------------------------------------------------------------------------------

def explore(
    j0: float = BEN_YISHAI_J0,
    j1: float = BEN_YISHAI_J1,
    noise_std: float = 0.0,
    velocity_deg: float = 0.0,
    n: int = 128,
    duration: float = 1.0,
    drive: float = BEN_YISHAI_INPUT,
    tau: float = TAU,
    dt: float = DT,
    seed: Any = 0,
) -> dict[str, Any]:
    """One run of the cosine ring for the slider: from noise, with Zhang's shift and noise.

    The shift ``gamma = -tau * omega`` asks for angular velocity ``omega``. The run stops
    early (remaining rows NaN) if the activity explodes (``j0`` too large for the bump to
    stay finite).

    Parameters
    ----------
    j0, j1 : float
        Couplings of :func:`cosine_weights`.
    noise_std : float
        Input noise (see :func:`simulate`).
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
    W = zhang_weights(cosine_weights(n, j0, j1), -tau * velocity)
    theta = preferred_directions(n)
    rng = check_rng(seed)
    record = 4
    chunk_steps = int(round(0.1 / dt))
    n_chunks = max(1, int(round(check_scalar(duration, "duration", min_val=0, include_boundaries="neither") / 0.1)))
    rates = np.full((n_chunks * chunk_steps // record, n), np.nan)
    r = 0.1 * rng.random(n)
    exploded = False
    for c in range(n_chunks):
        part = simulate(W, np.full(n, drive), n_steps=chunk_steps, tau=tau, dt=dt, r0=r,
                        noise_std=noise_std, seed=rng, record_every=record)
        if not np.all(np.isfinite(part)) or part.max() > 1e4:
            exploded = True
            break
        rates[c * part.shape[0]:(c + 1) * part.shape[0]] = part
        r = part[-1]
    last = rates[np.isfinite(rates[:, 0])]
    speed = np.nan
    if exploded:
        message = "activity explodes: J0 too large for a finite bump"
    elif bump_modulation(last[-1]) < 0.01:
        message = "no bump: the ring stays uniform" + (" (J1 < 2)" if j1 < 2 else "")
    else:
        half = last[last.shape[0] // 2:]
        speed = float(np.rad2deg(bump_speed(population_vector(half, theta), record * dt)))
        message = (f"bump half-width {np.rad2deg(measure_half_width(last[-1])):.0f} deg, "
                   f"speed {speed:.0f} deg/s")
    return {"rates": rates, "dt": record * dt, "theta": theta, "speed_deg": speed,
            "exploded": exploded, "message": message}
