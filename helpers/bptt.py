"""Backpropagation through time for the generic RNN, by hand (numpy) and by torch.autograd.

Network (Pascanu, Mikolov & Bengio 2013) and loss of notebook 02::

    x_t   = W_rec sigma(x_{t-1}) + W_in u_t + b          t = 1..T,  x_0 given
    eps_t = 1/2 || W_out sigma(x_t) - y_t ||^2,           eps = sum_t eps_t

BPTT carries ``delta_t = d eps / d x_t`` backwards::

    delta_T = d eps_T / d x_T
    delta_t = d eps_t / d x_t + sigma'(x_t) * (W_rec^T delta_{t+1})

and sums ``delta_t sigma(x_{t-1})^T`` into dW_rec, ``delta_t u_t^T`` into dW_in, ``delta_t``
into db. Truncated BPTT with window K lets each ``eps_t`` reach back only to ``x_{t-K+1}``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from .validation import as_array, check_rng, check_scalar, check_square

__all__ = [
    "PARAM_NAMES",
    "SIGMA_BOUND",
    "init_params",
    "check_params",
    "forward",
    "loss",
    "bptt_gradients",
    "autograd_gradients",
    "finite_difference_gradients",
    "relative_error",
    "state_jacobian_norms",
    "pascanu_bound",
]

PARAM_NAMES = ("W_rec", "W_in", "b", "W_out")

#: Bound gamma on |sigma'| (Pascanu et al. 2013): 1 for tanh and the identity.
SIGMA_BOUND = {"tanh": 1.0, "linear": 1.0}


def _sigma(name: str):
    if name == "tanh":
        return np.tanh, lambda x: 1.0 - np.tanh(x) ** 2
    if name == "linear":
        return (lambda x: x), (lambda x: np.ones_like(x))
    raise ValueError(f"sigma must be 'tanh' or 'linear', got {name!r}")


def init_params(
    n_in: int, n_hidden: int, n_out: int, radius: float = 0.9,
    seed: int | np.random.Generator | None = 0,
) -> dict[str, np.ndarray]:
    """Random parameters; ``W_rec`` is scaled to spectral radius ``radius``.

    Returns
    -------
    dict
        ``W_rec`` (N, N), ``W_in`` (N, K), ``b`` (N,), ``W_out`` (M, N), float64.
    """
    n_in = check_scalar(n_in, "n_in", int, min_val=1)
    n_hidden = check_scalar(n_hidden, "n_hidden", int, min_val=1)
    n_out = check_scalar(n_out, "n_out", int, min_val=1)
    radius = check_scalar(radius, "radius", min_val=0)
    rng = check_rng(seed)
    W = rng.standard_normal((n_hidden, n_hidden))
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    return {
        "W_rec": W,
        "W_in": rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in),
        "b": 0.1 * rng.standard_normal(n_hidden),
        "W_out": rng.standard_normal((n_out, n_hidden)) / np.sqrt(n_hidden),
    }


def check_params(params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate a parameter dict and return float64 copies with consistent shapes."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict with keys {PARAM_NAMES}, got {type(params).__name__}")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected keys {PARAM_NAMES}")
    W_rec = check_square(params["W_rec"], "params['W_rec']")
    n = W_rec.shape[0]
    return {
        "W_rec": W_rec,
        "W_in": as_array(params["W_in"], "params['W_in']", ndim=2, shape=(n, None)),
        "b": as_array(params["b"], "params['b']", shape=(n,)),
        "W_out": as_array(params["W_out"], "params['W_out']", ndim=2, shape=(None, n)),
    }


def _check_data(p, x0, inputs, targets):
    n = p["W_rec"].shape[0]
    x0 = as_array(x0, "x0", shape=(n,))
    inputs = as_array(inputs, "inputs", ndim=2, shape=(None, p["W_in"].shape[1]))
    targets = as_array(targets, "targets", ndim=2, shape=(inputs.shape[0], p["W_out"].shape[0]))
    return x0, inputs, targets


def forward(params: Mapping[str, np.ndarray], x0: np.ndarray, inputs: np.ndarray, sigma: str = "tanh") -> np.ndarray:
    """States ``x_0..x_T`` of the generic RNN.

    Parameters
    ----------
    params : dict
        ``W_rec`` (N, N), ``W_in`` (N, K), ``b`` (N,), ``W_out`` (M, N).
    x0 : (N,) array
    inputs : (T, K) array
    sigma : {'tanh', 'linear'}

    Returns
    -------
    (T + 1, N) array
    """
    p = check_params(params)
    x0 = as_array(x0, "x0", shape=(p["W_rec"].shape[0],))
    inputs = as_array(inputs, "inputs", ndim=2, shape=(None, p["W_in"].shape[1]))
    return _forward(p, x0, inputs, sigma)


def _forward(p: dict[str, np.ndarray], x0: np.ndarray, inputs: np.ndarray, sigma: str) -> np.ndarray:
    """:func:`forward` on already validated arrays."""
    f, _ = _sigma(sigma)
    xs = np.empty((inputs.shape[0] + 1, len(x0)))
    xs[0] = x0
    drive = inputs @ p["W_in"].T + p["b"]
    for t in range(inputs.shape[0]):
        xs[t + 1] = p["W_rec"] @ f(xs[t]) + drive[t]
    return xs


def loss(params, x0, inputs, targets, sigma: str = "tanh") -> float:
    """Total loss ``eps = sum_t 1/2 ||W_out sigma(x_t) - y_t||^2`` over t = 1..T."""
    p = check_params(params)
    x0, inputs, targets = _check_data(p, x0, inputs, targets)
    f, _ = _sigma(sigma)
    xs = _forward(p, x0, inputs, sigma)
    return float(0.5 * np.sum((f(xs[1:]) @ p["W_out"].T - targets) ** 2))


def bptt_gradients(
    params: Mapping[str, np.ndarray], x0: np.ndarray, inputs: np.ndarray, targets: np.ndarray,
    truncation: int | None = None, sigma: str = "tanh",
) -> dict[str, np.ndarray]:
    """Gradients of the total loss by (truncated) backpropagation through time.

    Parameters
    ----------
    params : dict
        ``W_rec`` (N, N), ``W_in`` (N, K), ``b`` (N,), ``W_out`` (M, N).
    x0 : (N,) array
    inputs : (T, K) array
    targets : (T, M) array
    truncation : int, optional
        Window K: ``eps_t`` propagates back to ``x_k`` only for ``t - K < k <= t``.
        ``None`` (or K >= T) is full BPTT.
    sigma : {'tanh', 'linear'}

    Returns
    -------
    dict
        Gradients with the shapes of ``params``.
    """
    p = check_params(params)
    x0, inputs, targets = _check_data(p, x0, inputs, targets)
    T = inputs.shape[0]
    K = T if truncation is None else check_scalar(truncation, "truncation", int, min_val=1)
    f, df = _sigma(sigma)
    xs = _forward(p, x0, inputs, sigma)
    rs, drs = f(xs), df(xs)
    err = rs[1:] @ p["W_out"].T - targets                      # (T, M)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    grads["W_out"] = err.T @ rs[1:]
    local = (err @ p["W_out"]) * drs[1:]                        # d eps_t / d x_t, (T, N)
    if K >= T:                                                  # one backward sweep
        deltas = np.zeros_like(local)
        carry = np.zeros(xs.shape[1])
        for t in range(T - 1, -1, -1):
            deltas[t] = local[t] + carry
            carry = drs[t] * (p["W_rec"].T @ deltas[t])
    else:                                                       # each eps_t reaches back K steps
        deltas = np.zeros_like(local)
        for t in range(T):
            d = local[t]
            for k in range(t, max(t - K, -1), -1):
                deltas[k] += d
                d = drs[k] * (p["W_rec"].T @ d)
    grads["W_rec"] = deltas.T @ rs[:-1]
    grads["W_in"] = deltas.T @ inputs
    grads["b"] = deltas.sum(axis=0)
    return grads


def autograd_gradients(params, x0, inputs, targets, sigma: str = "tanh") -> dict[str, np.ndarray]:
    """The same gradients from torch.autograd in float64 (the reference for the exercise)."""
    p = check_params(params)
    x0, inputs, targets = _check_data(p, x0, inputs, targets)
    _sigma(sigma)
    act = torch.tanh if sigma == "tanh" else (lambda z: z)
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    x = torch.tensor(x0, dtype=torch.float64)
    u = torch.tensor(inputs, dtype=torch.float64)
    y = torch.tensor(targets, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    for t in range(u.shape[0]):
        x = tp["W_rec"] @ act(x) + tp["W_in"] @ u[t] + tp["b"]
        total = total + 0.5 * torch.sum((tp["W_out"] @ act(x) - y[t]) ** 2)
    total.backward()
    return {k: v.grad.numpy().copy() for k, v in tp.items()}


def finite_difference_gradients(
    params, x0, inputs, targets, eps: float = 1e-6, n_entries: int = 10,
    sigma: str = "tanh", seed: int | np.random.Generator | None = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Central finite differences ``(eps(theta + h) - eps(theta - h)) / 2h`` at random entries.

    Returns
    -------
    dict
        For each parameter name: ``(flat_indices, derivatives)``, each (n_entries,).
    """
    p = check_params(params)
    eps = check_scalar(eps, "eps", min_val=0, include_boundaries="neither")
    n_entries = check_scalar(n_entries, "n_entries", int, min_val=1)
    rng = check_rng(seed)
    out = {}
    for name, value in p.items():
        idx = rng.choice(value.size, size=min(n_entries, value.size), replace=False)
        ders = np.empty(len(idx))
        for j, i in enumerate(idx):
            plus = {k: v.copy() for k, v in p.items()}
            minus = {k: v.copy() for k, v in p.items()}
            plus[name].flat[i] += eps
            minus[name].flat[i] -= eps
            ders[j] = (loss(plus, x0, inputs, targets, sigma) - loss(minus, x0, inputs, targets, sigma)) / (2 * eps)
        out[name] = (idx, ders)
    return out


def relative_error(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """``||a - b|| / max(||a||, ||b||)`` over all parameters stacked (0 if both are 0)."""
    keys = sorted(set(a) & set(b))
    if not keys:
        raise ValueError(f"a and b share no parameter names (a has {sorted(a)}, b has {sorted(b)})")
    va = np.concatenate([np.ravel(a[k]) for k in keys])
    vb = np.concatenate([np.ravel(b[k]) for k in keys])
    scale = max(np.linalg.norm(va), np.linalg.norm(vb))
    return 0.0 if scale == 0 else float(np.linalg.norm(va - vb) / scale)


def state_jacobian_norms(W_rec: np.ndarray, xs: np.ndarray, sigma: str = "tanh") -> np.ndarray:
    """Spectral norms ``|| d x_t / d x_0 ||_2`` along a trajectory, t = 0..T.

    ``d x_t / d x_{t-1} = W_rec diag(sigma'(x_{t-1}))``; the product of these Jacobians is how
    much a change of the state at step 0 still matters at step t (Pascanu et al. 2013).

    Parameters
    ----------
    W_rec : (N, N) array
    xs : (T + 1, N) array
        States from :func:`forward`.

    Returns
    -------
    (T + 1,) array
        Starts at 1 (the identity).
    """
    W_rec = check_square(W_rec, "W_rec")
    xs = as_array(xs, "xs", ndim=2, shape=(None, W_rec.shape[0]))
    _, df = _sigma(sigma)
    prod = np.eye(W_rec.shape[0])
    norms = np.empty(xs.shape[0])
    norms[0] = 1.0
    for t in range(1, xs.shape[0]):
        prod = (W_rec * df(xs[t - 1])[None, :]) @ prod
        norms[t] = np.linalg.norm(prod, 2)
    return norms


def pascanu_bound(W_rec: np.ndarray, steps: np.ndarray, sigma: str = "tanh") -> np.ndarray:
    """Upper bound ``(||W_rec||_2 gamma)^(t-k)`` on ``||d x_t / d x_k||`` for ``t - k = steps``.

    ``||W_rec||_2`` is the largest singular value (Pascanu, Mikolov & Bengio 2013), not the
    spectral radius: for a random matrix it is about twice the radius, so at radius 0.9 the
    bound grows while the measured norms decay. ``||W_rec||_2 gamma < 1`` is sufficient for
    vanishing gradients; ``> 1`` is necessary (not sufficient) for exploding ones.
    """
    W_rec = check_square(W_rec, "W_rec")
    _sigma(sigma)
    steps = as_array(steps, "steps")
    return (np.linalg.norm(W_rec, 2) * SIGMA_BOUND[sigma]) ** steps
