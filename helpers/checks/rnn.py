"""Visible checks for notebooks 01 (RNN basics) and 02 (BPTT)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from .. import bptt, rnn
from .base import expect_close, expect_true, passed

__all__ = ["check_rate_step", "check_to_generic", "check_speed", "check_bptt", "check_jacobian_norms"]


def _small_net(seed: int = 0, n: int = 5, k: int = 2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, k)), rng


def check_rate_step(rate_step: Callable) -> None:
    """``rate_step(W, r, I, sigma)`` must return ``(u_next, r_next)`` of the lecture's rule."""
    W, _, rng = _small_net()
    r, I = rng.standard_normal(5), rng.standard_normal(5)
    out = rate_step(W, r, I, np.tanh)
    expect_true(isinstance(out, tuple) and len(out) == 2, "check_rate_step",
                f"rate_step should return a pair (u_next, r_next), got {type(out).__name__}",
                "end with `return u_next, r_next`")
    want_u, want_r = rnn.rate_step(W, r, I, np.tanh)
    expect_close(out[0], want_u, "check_rate_step", "u_next = W r + I", "multiply W by the rates r (W @ r), then add I")
    expect_close(out[1], want_r, "check_rate_step", "r_next = sigma(u_next)",
                 "apply sigma to the new membrane potential u_next, not to r")
    relu = lambda x: np.maximum(x, 0)  # noqa: E731
    expect_close(rate_step(W, r, I, relu)[1], rnn.rate_step(W, r, I, relu)[1], "check_rate_step",
                 "r_next with a ReLU sigma", "use the sigma argument rather than np.tanh directly")
    passed("check_rate_step")


def check_to_generic(to_generic: Callable) -> None:
    """``to_generic(J, M)`` must give generic parameters whose sigma(x_t) equal the Sorscher rates."""
    J, M, rng = _small_net(1)
    p = to_generic(J, M)
    expect_true(isinstance(p, dict) and {"W_rec", "W_in", "b"} <= set(p), "check_to_generic",
                f"to_generic should return a dict with keys W_rec, W_in, b, got {p!r:.80}",
                "return {'W_rec': ..., 'W_in': ..., 'b': ...}")
    v = rng.standard_normal((12, 2))
    r0 = np.tanh(rng.standard_normal(5))
    want = rnn.simulate_sorscher(J, M, v, r0)
    # generic state x_0 with sigma(x_0) = r0
    xs = rnn.simulate_generic(p["W_rec"], p["W_in"], p["b"], v, np.arctanh(r0))
    expect_close(np.tanh(xs), want, "check_to_generic", "sigma(x_t) of the generic network",
                 "the generic state is the membrane potential x_t = J r_{t-1} + M v_t: "
                 "which matrix multiplies sigma(x_{t-1}), which the input, and is there a bias?")
    passed("check_to_generic", "both notations run the same network")


def check_speed(speed: Callable) -> None:
    """``speed(step, h)`` must return q(h) = 1/2 ||F(h) - h||^2 per row of ``h``."""
    W = torch.tensor(_small_net(2)[0], dtype=torch.float32)
    step = lambda h: torch.tanh(h @ W.T)  # noqa: E731
    h = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    got = speed(step, h)
    want = 0.5 * ((step(h) - h) ** 2).sum(dim=1)
    expect_true(torch.is_tensor(got), "check_speed", f"speed should return a torch tensor, got {type(got).__name__}",
                "use torch operations so the fixed-point search can differentiate q")
    expect_close(got.detach().numpy(), want.numpy(), "check_speed", "q(h) for 4 states",
                 "q is one number per state (row): sum the squares over the neurons (dim=1), times 1/2",
                 rtol=1e-5)
    zero = speed(step, torch.zeros(1, 5))
    expect_close(zero.detach().numpy(), [0.0], "check_speed", "q at the fixed point h = 0",
                 "F(0) = tanh(0) = 0 so the speed must vanish there", atol=1e-12)
    passed("check_speed")


def _bptt_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    params = bptt.init_params(3, 8, 2, radius=1.2, seed=rng)
    x0 = 0.3 * rng.standard_normal(8)
    inputs, targets = rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    return params, x0, inputs, targets


def check_bptt(bptt_fn: Callable) -> float:
    """Compare the student's BPTT with torch.autograd (float64); return the relative error."""
    params, x0, inputs, targets = _bptt_problem()
    got = bptt_fn(params, x0, inputs, targets)
    expect_true(isinstance(got, dict), "check_bptt", f"your function should return a dict of gradients, got {type(got).__name__}",
                "return {'W_rec': dW_rec, 'W_in': dW_in, 'b': db, 'W_out': dW_out}")
    want = bptt.autograd_gradients(params, x0, inputs, targets)
    for name in bptt.PARAM_NAMES:
        expect_true(name in got, "check_bptt", f"the gradient of {name} is missing", "return all four gradients")
        expect_true(np.shape(got[name]) == want[name].shape, "check_bptt",
                    f"d eps / d {name} should have shape {want[name].shape}, got {np.shape(got[name])}",
                    "a gradient has the shape of its parameter")
    hints = {
        "W_out": "d eps_t / d W_out = (W_out r_t - y_t) r_t^T, summed over t",
        "W_rec": "sum over t of delta_t sigma(x_{t-1})^T, where delta_t includes what flows back from t+1",
        "W_in": "sum over t of delta_t u_t^T",
        "b": "sum over t of delta_t",
    }
    for name in ("W_out", "b", "W_in", "W_rec"):
        err = bptt.relative_error({name: got[name]}, {name: want[name]})
        expect_true(err < 1e-8, "check_bptt",
                    f"d eps / d {name} differs from torch.autograd by a relative error of {err:.2e} (expected < 1e-8)",
                    hints[name] + "; remember delta_t = d eps_t/d x_t + sigma'(x_t) * (W_rec^T delta_{t+1})")
    err = bptt.relative_error(got, want)
    passed("check_bptt", f"relative error vs torch.autograd {err:.1e}")
    return err


def check_jacobian_norms(jacobian_norms: Callable) -> None:
    """For ``W = g Q`` in a linear network, ``||dx_t/dx_0||`` must be exactly ``g^t``."""
    Q = rnn.random_orthogonal(6, seed=3)
    for g in (0.8, 1.25):
        xs = np.random.default_rng(0).standard_normal((9, 6))
        got = jacobian_norms(g * Q, xs, "linear")
        expect_close(got, g ** np.arange(9), "check_jacobian_norms", f"||dx_t/dx_0|| for W = {g} Q (linear)",
                     "start from the identity at t = 0 and multiply by W_rec diag(sigma'(x_{t-1})) at each step; "
                     "use the spectral norm np.linalg.norm(A, 2)", rtol=1e-8)
    W = rnn.random_gain_matrix(6, 1.5, seed=4)
    xs = np.random.default_rng(1).standard_normal((9, 6))
    expect_close(jacobian_norms(W, xs, "tanh"), bptt.state_jacobian_norms(W, xs, "tanh"), "check_jacobian_norms",
                 "||dx_t/dx_0|| for a tanh network", "sigma'(x) = 1 - tanh(x)^2 is evaluated at the *previous* state x_{t-1}",
                 rtol=1e-8)
    passed("check_jacobian_norms")

