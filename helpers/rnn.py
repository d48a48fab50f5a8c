"""Rate recurrent networks: the lecture's update rule, its notations, stability and chaos.

Three ways of writing the same discrete-time network (notebook 01):

* lecture (rate + membrane):  ``u(t+1) = W r(t) + I(t)``,  ``r(t+1) = sigma(u(t+1))``;
* Sorscher et al. 2022 / Sussillo 2015:  ``r_t = sigma(J r_{t-1} + M v_t)``, readout ``p_t = W r_t``
  (input ``M``, recurrent ``J``, output ``W``);
* generic (Pascanu, Mikolov & Bengio 2013):  ``x_t = W_rec sigma(x_{t-1}) + W_in u_t + b``.

With ``x = u`` (the membrane potential) the generic form *is* the lecture's rule with
``W_rec = W`` and ``W_in u_t + b = I(t)``; the Sorscher form is the same network written for
the rates: ``x_t = J r_{t-1} + M v_t`` and ``r_t = sigma(x_t)``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import as_array, check_rng, check_scalar, check_square

__all__ = [
    "rate_step",
    "simulate_rate",
    "generic_step",
    "simulate_generic",
    "sorscher_to_generic",
    "simulate_sorscher",
    "random_orthogonal",
    "random_gain_matrix",
    "spectral_radius",
    "linear_norms",
    "largest_lyapunov_exponent",
    "simulate_autonomous",
]

Activation = Callable[[np.ndarray], np.ndarray]


def _check_activation(sigma: Activation) -> Activation:
    if not callable(sigma):
        raise TypeError(f"sigma must be a callable activation (e.g. np.tanh), got {type(sigma).__name__}")
    return sigma


def rate_step(
    W: np.ndarray, r: np.ndarray, I: np.ndarray, sigma: Activation = np.tanh
) -> tuple[np.ndarray, np.ndarray]:
    """One step of the lecture's rate network.

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights, row = postsynaptic neuron.
    r : (N,) array
        Rates at time t.
    I : (N,) array
        External input at time t.
    sigma : callable
        Element-wise nonlinearity.

    Returns
    -------
    u_next, r_next : (N,) arrays
        Membrane potential ``W r + I`` and rate ``sigma(u_next)`` at time t+1.
    """
    W = check_square(W, "W")
    n = W.shape[0]
    r = as_array(r, "r", shape=(n,))
    I = as_array(I, "I", shape=(n,))
    u_next = W @ r + I
    return u_next, _check_activation(sigma)(u_next)


def simulate_rate(
    W: np.ndarray, I: np.ndarray, r0: np.ndarray, sigma: Activation = np.tanh
) -> np.ndarray:
    """Run the lecture's rate network for ``T`` steps.

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights.
    I : (T, N) array
        Input at each step.
    r0 : (N,) array
        Initial rates.
    sigma : callable
        Nonlinearity.

    Returns
    -------
    r : (T + 1, N) array
        Rates, ``r[0] = r0``.
    """
    W = check_square(W, "W")
    n = W.shape[0]
    I = as_array(I, "I", ndim=2, shape=(None, n))
    r = np.empty((I.shape[0] + 1, n))
    r[0] = as_array(r0, "r0", shape=(n,))
    sigma = _check_activation(sigma)
    for t in range(I.shape[0]):
        r[t + 1] = sigma(W @ r[t] + I[t])
    return r


def generic_step(
    x: np.ndarray, u: np.ndarray, W_rec: np.ndarray, W_in: np.ndarray, b: np.ndarray,
    sigma: Activation = np.tanh,
) -> np.ndarray:
    """One step of the generic RNN ``x_t = W_rec sigma(x_{t-1}) + W_in u_t + b``.

    Parameters
    ----------
    x : (N,) array
        State ``x_{t-1}``.
    u : (K,) array
        Input ``u_t``.
    W_rec : (N, N) array
    W_in : (N, K) array
    b : (N,) array

    Returns
    -------
    (N,) array
        The next state ``x_t``.
    """
    W_rec = check_square(W_rec, "W_rec")
    n = W_rec.shape[0]
    W_in = as_array(W_in, "W_in", ndim=2, shape=(n, None))
    x = as_array(x, "x", shape=(n,))
    u = as_array(u, "u", shape=(W_in.shape[1],))
    b = as_array(b, "b", shape=(n,))
    return W_rec @ _check_activation(sigma)(x) + W_in @ u + b


def simulate_generic(
    W_rec: np.ndarray, W_in: np.ndarray, b: np.ndarray, inputs: np.ndarray, x0: np.ndarray,
    sigma: Activation = np.tanh,
) -> np.ndarray:
    """Run the generic RNN over ``inputs``.

    Parameters
    ----------
    W_rec : (N, N) array
    W_in : (N, K) array
    b : (N,) array
    inputs : (T, K) array
    x0 : (N,) array
        Initial state.

    Returns
    -------
    x : (T + 1, N) array
        States, ``x[0] = x0``.
    """
    W_rec = check_square(W_rec, "W_rec")
    n = W_rec.shape[0]
    W_in = as_array(W_in, "W_in", ndim=2, shape=(n, None))
    inputs = as_array(inputs, "inputs", ndim=2, shape=(None, W_in.shape[1]))
    b = as_array(b, "b", shape=(n,))
    sigma = _check_activation(sigma)
    x = np.empty((inputs.shape[0] + 1, n))
    x[0] = as_array(x0, "x0", shape=(n,))
    drive = inputs @ W_in.T + b
    for t in range(inputs.shape[0]):
        x[t + 1] = W_rec @ sigma(x[t]) + drive[t]
    return x


def simulate_sorscher(
    J: np.ndarray, M: np.ndarray, v: np.ndarray, r0: np.ndarray, sigma: Activation = np.tanh
) -> np.ndarray:
    """Rates of ``r_t = sigma(J r_{t-1} + M v_t)`` (Sorscher/Sussillo notation).

    Parameters
    ----------
    J : (N, N) array
        Recurrent weights.
    M : (N, K) array
        Input weights.
    v : (T, K) array
        Inputs (e.g. velocities).
    r0 : (N,) array
        Initial rates.

    Returns
    -------
    r : (T + 1, N) array
    """
    J = check_square(J, "J")
    n = J.shape[0]
    M = as_array(M, "M", ndim=2, shape=(n, None))
    v = as_array(v, "v", ndim=2, shape=(None, M.shape[1]))
    sigma = _check_activation(sigma)
    r = np.empty((v.shape[0] + 1, n))
    r[0] = as_array(r0, "r0", shape=(n,))
    for t in range(v.shape[0]):
        r[t + 1] = sigma(J @ r[t] + M @ v[t])
    return r


def sorscher_to_generic(J: np.ndarray, M: np.ndarray) -> dict[str, np.ndarray]:
    """Parameters of the generic RNN that runs the same network as ``(J, M)``.

    The generic state is the membrane potential ``x_t = J r_{t-1} + M v_t``, so
    ``W_rec = J``, ``W_in = M`` and ``b = 0``; the rates are ``r_t = sigma(x_t)``.

    Returns
    -------
    dict
        ``W_rec`` (N, N), ``W_in`` (N, K), ``b`` (N,).
    """
    J = check_square(J, "J")
    M = as_array(M, "M", ndim=2, shape=(J.shape[0], None))
    return {"W_rec": J.copy(), "W_in": M.copy(), "b": np.zeros(J.shape[0])}


def random_orthogonal(n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """A random (n, n) orthogonal matrix (Haar measure, QR of a Gaussian matrix)."""
    n = check_scalar(n, "n", int, min_val=1)
    rng = check_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def random_gain_matrix(n: int, g: float, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Random weights ``W_ij ~ N(0, g^2 / n)``: spectral radius close to ``g`` for large ``n``.

    Sompolinsky, Crisanti & Sommers (1988): a tanh network with such weights is quiescent for
    ``g < 1`` and chaotic for ``g > 1`` (large ``n``).
    """
    n = check_scalar(n, "n", int, min_val=1)
    g = check_scalar(g, "g", min_val=0)
    return g * check_rng(seed).standard_normal((n, n)) / np.sqrt(n)


def spectral_radius(W: np.ndarray) -> float:
    """Largest absolute eigenvalue of the square matrix ``W``."""
    return float(np.max(np.abs(np.linalg.eigvals(check_square(W, "W")))))


def linear_norms(W: np.ndarray, x0: np.ndarray, T: int) -> np.ndarray:
    """Norms ``||x_t||`` of the linear network ``x_{t+1} = W x_t`` for t = 0..T.

    For ``W = g Q`` with ``Q`` orthogonal the result is exactly ``g^t ||x_0||``.

    Returns
    -------
    (T + 1,) array
    """
    W = check_square(W, "W")
    x = as_array(x0, "x0", shape=(W.shape[0],))
    T = check_scalar(T, "T", int, min_val=0)
    out = np.empty(T + 1)
    for t in range(T + 1):
        out[t] = np.linalg.norm(x)
        x = W @ x
    return out


def largest_lyapunov_exponent(
    W: np.ndarray,
    T: int = 2000,
    transient: int = 200,
    seed: int | np.random.Generator | None = 0,
) -> float:
    """Largest Lyapunov exponent (per step) of the autonomous map ``r <- tanh(W r)``.

    A tangent vector is carried along the trajectory by the Jacobian
    ``diag(1 - r_{t+1}^2) W`` and renormalised every step; the exponent is the mean log growth.
    Negative: perturbations die out (stable); positive: nearby trajectories diverge (chaos).

    Parameters
    ----------
    W : (N, N) array
    T : int
        Steps averaged over.
    transient : int
        Steps discarded first.
    seed : int or Generator
        Initial state and tangent vector.
    """
    W = check_square(W, "W")
    T = check_scalar(T, "T", int, min_val=1)
    transient = check_scalar(transient, "transient", int, min_val=0)
    rng = check_rng(seed)
    n = W.shape[0]
    r = np.tanh(rng.standard_normal(n))
    d = rng.standard_normal(n)
    d /= np.linalg.norm(d)
    total = 0.0
    for t in range(transient + T):
        r = np.tanh(W @ r)
        d = (1.0 - r**2) * (W @ d)
        growth = np.linalg.norm(d)
        if growth == 0.0:
            return float("-inf")
        d /= growth
        if t >= transient:
            total += np.log(growth)
    return total / T


def simulate_autonomous(W: np.ndarray, T: int, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """Rates of ``r_{t+1} = tanh(W r_t)`` from a random start, no input.

    Returns
    -------
    (T + 1, N) array
    """
    W = check_square(W, "W")
    T = check_scalar(T, "T", int, min_val=0)
    r0 = np.tanh(check_rng(seed).standard_normal(W.shape[0]))
    return simulate_rate(W, np.zeros((T, W.shape[0])), r0, np.tanh)
