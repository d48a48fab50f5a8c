"""Ring attractors for head direction: the model -- connectivity, inputs and dynamics.

The model is a threshold-linear rate network on a ring of ``N`` neurons with preferred
directions ``theta_i = 2 pi i / N`` (radians)::

    tau dr_i/dt = -r_i + [ sum_j W_ij r_j + I_i + eta_i(t) ]_+

integrated with forward Euler (time step ``dt``). Rates and inputs are in arbitrary rate
units (the model is linear above threshold, so scaling the input scales the rates); times
are in seconds and angles in radians unless a name ends in ``_deg``.

Connectivity (``W``, shape ``(N, N)``, row = postsynaptic neuron):

- :func:`cosine_weights` -- ``W_ij = (J0 + J1 cos(theta_i - theta_j)) / N``, the ring of
  Ben-Yishai, Bar-Or & Sompolinsky (1995). A bump exists only for ``J1 > 2``; its half-width
  ``theta_c`` is given by :func:`helpers.ring_analysis.bump_half_width_theory`.
- :func:`von_mises_weights` -- a Mexican hat made of a difference of von Mises bumps
  (local excitation, mid-range inhibition), one of the kernels of Kim et al. (2017).
- :func:`zhang_weights` -- ``W + gamma W'`` (Zhang 1996): the derivative of a symmetric kernel
  added to it moves the bump at angular velocity ``-gamma / tau``.
- :func:`double_ring_weights` -- two rings, left and right, driven by ``b0 - v`` and ``b0 + v``
  and projecting with kernels shifted by ``-phi`` and ``+phi`` (Xie, Hahnloser & Seung 2002;
  the fly's P-EN neurons, Green et al. 2017, Turner-Evans et al. 2017). The bump moves at
  ``omega = k v`` with the gain ``k`` of :func:`helpers.ring_analysis.double_ring_gain_theory`.

Dynamics: :func:`euler_step` (one step) and :func:`simulate` (a run, with the contract shared
with :func:`helpers.sheet.simulate`: times in seconds, a :class:`~helpers.simulation.Simulation`
back); :func:`population_vector` decodes the bump's position.

The rest of notebook 03's ring lives next door: :mod:`helpers.ring_analysis` (theory,
measurements and sweeps), :mod:`helpers.ring_paths` (path integration and diffusion) and
:mod:`helpers.ring_learned` (a trained network's weights sorted by preferred direction).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .simulation import Simulation, steps_of
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
    "Simulation",
    "wrap",
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
# Angles
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
    duration: float | None = None,
    tau: float = TAU,
    dt: float = DT,
    r0: Any = None,
    noise_std: float = 0.0,
    seed: Any = None,
    record_every: float | None = None,
) -> Simulation:
    """Simulate ``tau dr/dt = -r + [W r + I(t) + eta(t)]_+`` with forward Euler.

    The same contract as :func:`helpers.sheet.simulate`: times in seconds, each a whole number
    of steps ``dt``, and a :class:`~helpers.simulation.Simulation` back.

    Parameters
    ----------
    W : (N, N) array
        Connectivity (row = postsynaptic).
    inputs : (N,), (T, N) or (T, B, N) array
        External input (input units): constant, one row per time step of ``dt``, or one row per
        step and trial. With ``r0`` of shape (B, N) a (N,) or (T, N) input is shared by all trials.
    duration : float, optional
        Simulated time (s); required for a constant input, else ``T dt`` (if given, it must match).
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
    record_every : float, optional
        Keep the rates every this many seconds (a whole number of steps, at most ``duration``);
        default: every step.

    Returns
    -------
    Simulation
        ``times`` (R,) in seconds (``record_every, 2 record_every, ...``), ``rates`` (R, N) or
        (R, B, N) at those times, and ``final`` (N,) or (B, N), the rates at the end;
        ``R = duration // record_every``.
    """
    W = check_square(W, "W")
    n = check_scalar(W.shape[0], "W.shape[0]", int, min_val=3)
    tau = check_scalar(tau, "tau", min_val=0, include_boundaries="neither")
    dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
    if dt > tau / 2:
        raise ValueError(f"dt must be <= tau / 2 for a stable Euler step, got dt={dt}, tau={tau}")
    noise_std = check_scalar(noise_std, "noise_std", min_val=0)
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
        if duration is not None and steps_of(duration, dt, "duration") != I.shape[0]:
            raise ValueError(f"duration={duration} s is {steps_of(duration, dt, 'duration')} steps of dt={dt} s, "
                             f"but inputs has inputs.shape[0]={I.shape[0]} steps")
        n_steps = I.shape[0]
    elif duration is None:
        raise ValueError("duration (s) is required when inputs is constant (shape (N,))")
    else:
        n_steps = steps_of(duration, dt, "duration")
    every = 1 if record_every is None else steps_of(record_every, dt, "record_every")
    if every > n_steps:
        raise ValueError(f"record_every must be at most the duration ({n_steps * dt:g} s), got {record_every} s")
    rng = check_rng(seed)
    WT = np.ascontiguousarray(W.T)
    a = dt / tau
    noise_scale = noise_std * np.sqrt(tau / dt)
    out = np.empty((n_steps // every,) + r.shape)
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
            if (k + 1) % every == 0:
                out[(k + 1) // every - 1] = r
    return Simulation(times=np.arange(1, out.shape[0] + 1) * every * dt, rates=out, final=r)


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
