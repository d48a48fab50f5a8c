"""Visible checks for notebooks 01 (RNN basics) and 02 (BPTT)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .. import bptt, rnn
from .base import expect_close, expect_true, passed, visible_check

__all__ = ["check_rate_step", "check_to_generic", "check_speed", "check_bptt", "check_jacobian_norms"]


def _small_net(seed: int = 0, n: int = 5, k: int = 2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, k)), rng


@visible_check
def check_rate_step(rate_step: Callable) -> None:
    """``rate_step(W, r, I, sigma)`` must return ``(u_next, r_next)`` of the lecture's rule."""
    W, _, rng = _small_net()
    r, I = rng.standard_normal(5), rng.standard_normal(5)
    out = rate_step(W, r, I, np.tanh)
    expect_true(isinstance(out, (tuple, list)) and len(out) == 2, "check_rate_step",
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


@visible_check
def check_to_generic(to_generic: Callable) -> None:
    """``to_generic(J, M)`` must give generic parameters whose sigma(x_t) equal the Sorscher rates."""
    J, M, rng = _small_net(1)
    p = to_generic(J, M)
    expect_true(isinstance(p, dict) and {"W_rec", "W_in", "b"} <= set(p), "check_to_generic",
                f"to_generic should return a dict with keys W_rec, W_in, b, got {p!r:.80}",
                "return {'W_rec': ..., 'W_in': ..., 'b': ...}")
    name = "check_to_generic"
    shapes = {"W_rec": (5, 5), "W_in": (5, 2), "b": (5,)}
    params = {}
    for key, shape in shapes.items():
        value = np.asarray(p[key], dtype=float)
        if key == "b" and value.ndim == 0:
            value = np.full(shape, float(value))  # a scalar bias is the same for every neuron
        expect_true(value.shape == shape, name,
                    f"for J of shape (5, 5) and M of shape (5, 2), {key} should have shape {shape}, got {value.shape}",
                    "the generic parameters play the roles of J and M, and b has one entry per neuron")
        params[key] = value
    v = rng.standard_normal((12, 2))
    r0 = np.tanh(rng.standard_normal(5))
    want = rnn.simulate_sorscher(J, M, v, r0)
    # generic state x_0 with sigma(x_0) = r0
    xs = rnn.simulate_generic(params["W_rec"], params["W_in"], params["b"], v, np.arctanh(r0))
    expect_close(np.tanh(xs), want, "check_to_generic", "sigma(x_t) of the generic network",
                 "the generic state is the membrane potential x_t = J r_{t-1} + M v_t: "
                 "which matrix multiplies sigma(x_{t-1}), which the input, and is there a bias?")
    passed("check_to_generic", "both notations run the same network")


@visible_check
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


_ALIGNMENT = ("xs[0] is x0, the state before the first input; inputs[t] and targets[t] belong to "
              "the next state xs[t + 1], so the output compared with targets[t] is W_out tanh(xs[t + 1])")


def _bptt_slips(params, x0, inputs, targets) -> dict[str, dict[str, np.ndarray]]:
    """Gradients with a typical slip in time, to recognise it in a student's answer."""
    xs = bptt.forward(params, x0, inputs)
    r, dr = np.tanh(xs), 1 - np.tanh(xs) ** 2
    W_rec, W_out = params["W_rec"], params["W_out"]
    early = r[:-1] @ W_out.T - targets
    err = r[1:] @ W_out.T - targets
    local = (err @ W_out) * dr[1:]
    deltas, late_deltas = np.zeros_like(local), np.zeros_like(local)
    carry, late = np.zeros(len(x0)), np.zeros(len(x0))
    for t in range(len(inputs) - 1, -1, -1):
        deltas[t], late_deltas[t] = local[t] + carry, local[t] + late
        carry = dr[t] * (W_rec.T @ deltas[t])
        late = dr[t + 1] * (W_rec.T @ late_deltas[t])
    return {
        "early outputs": {"W_out": early.T @ r[:-1]},
        "next state": {"W_rec": deltas.T @ r[1:]},
        "late derivative": {"b": late_deltas.sum(0)},
    }


@visible_check
def check_bptt(bptt_fn: Callable) -> float:
    """Compare the student's BPTT with torch.autograd (float64); return the relative error."""
    name = "check_bptt"
    params, x0, inputs, targets = _bptt_problem()
    got = bptt_fn(params, x0, inputs, targets)
    expect_true(isinstance(got, dict), name,
                f"your function should return a dict of gradients, got {type(got).__name__}",
                "return a dict with the keys 'W_rec', 'W_in', 'b' and 'W_out'")
    want = bptt.autograd_gradients(params, x0, inputs, targets)
    for key in bptt.PARAM_NAMES:
        expect_true(key in got, name, f"the gradient of {key} is missing", "return all four gradients")
        expect_true(np.shape(got[key]) == want[key].shape, name,
                    f"d eps / d {key} should have shape {want[key].shape}, got {np.shape(got[key])}",
                    "a gradient has the shape of its parameter")
    slips = _bptt_slips(params, x0, inputs, targets)

    def close(a, b):
        return bptt.relative_error({"g": np.asarray(a, float)}, {"g": b}) < 1e-8

    expect_true(not close(got["W_out"], slips["early outputs"]["W_out"]), name,
                "d eps / d W_out is off by one step in time: your outputs come from the states before each input",
                _ALIGNMENT)
    expect_true(not close(got["W_rec"], slips["next state"]["W_rec"]), name,
                "d eps / d W_rec is off by one step in time: delta_t is paired with sigma(x_t) instead of the "
                "previous rate", "x_t = W_rec sigma(x_{t-1}) + ..., so W_rec multiplies the rate one step "
                "before the state that delta_t belongs to; " + _ALIGNMENT)
    expect_true(not close(got["b"], bptt.bptt_gradients(params, x0, inputs, targets, truncation=1)["b"]), name,
                "your gradients only see each step's own loss: nothing flows back from later steps",
                "delta_t = d eps_t/d x_t plus what flows back from t+1 through W_rec and sigma'(x_t)")
    expect_true(not close(got["b"], slips["late derivative"]["b"]), name,
                "the carried term uses sigma' one step too late", "delta_t belongs to x_t, and what flows back "
                "from t+1 passes through sigma'(x_t), the derivative at the state delta_t belongs to; " + _ALIGNMENT)
    hints = {
        "W_out": "d eps_t / d W_out = (W_out r_t - y_t) r_t^T, summed over t",
        "W_rec": "sum over t of delta_t sigma(x_{t-1})^T, where delta_t includes what flows back from t+1",
        "W_in": "sum over t of delta_t u_t^T",
        "b": "sum over t of delta_t",
    }
    for key in ("W_out", "b", "W_in", "W_rec"):
        g = np.asarray(got[key], float)
        if g.ndim == 2 and g.shape[0] == g.shape[1] and close(g.T, want[key]) and not close(g, want[key]):
            expect_true(False, name, f"d eps / d {key} is the transpose of the expected gradient",
                        "a gradient has the layout of its parameter: rows belong to the postsynaptic side")
        err = bptt.relative_error({key: g}, {key: want[key]})
        expect_true(err < 1e-8, name,
                    f"d eps / d {key} differs from torch.autograd by a relative error of {err:.2e} (expected < 1e-8)",
                    hints[key] + "; remember delta_t = d eps_t/d x_t + sigma'(x_t) * (W_rec^T delta_{t+1}), "
                    "and " + _ALIGNMENT)
    err = bptt.relative_error(got, want)
    passed(name, f"relative error vs torch.autograd {err:.1e}")
    return err


@visible_check
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
                 "||dx_t/dx_0|| for a tanh network",
                 "sigma'(x) = 1 - tanh(x)^2 is evaluated at the *previous* state x_{t-1}",
                 rtol=1e-8)
    passed("check_jacobian_norms")

