"""helpers.bptt: manual BPTT against autograd and finite differences; truncation; Jacobian norms."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import bptt, rnn


def _problem(seed=0, radius=1.1, T=15):
    rng = np.random.default_rng(seed)
    p = bptt.init_params(3, 10, 2, radius=radius, seed=rng)
    return p, 0.2 * rng.standard_normal(10), rng.standard_normal((T, 3)), rng.standard_normal((T, 2))


@pytest.mark.parametrize("sigma", ["tanh", "linear"])
def test_manual_bptt_matches_autograd_float64(sigma):
    p, x0, u, y = _problem(radius=0.9)
    mine, auto = bptt.bptt_gradients(p, x0, u, y, sigma=sigma), bptt.autograd_gradients(p, x0, u, y, sigma)
    err = bptt.relative_error(mine, auto)
    assert err < 1e-12


def test_manual_bptt_matches_finite_differences():
    p, x0, u, y = _problem(1)
    g = bptt.bptt_gradients(p, x0, u, y)
    for name, (idx, d) in bptt.finite_difference_gradients(p, x0, u, y, eps=1e-6).items():
        assert np.allclose(g[name].flat[idx], d, rtol=1e-5, atol=1e-7), name


def test_truncation_window_at_least_T_is_full_bptt_and_error_shrinks_with_K():
    p, x0, u, y = _problem(2)
    full = bptt.bptt_gradients(p, x0, u, y)
    assert bptt.relative_error(bptt.bptt_gradients(p, x0, u, y, truncation=15), full) < 1e-14
    assert bptt.relative_error(bptt.bptt_gradients(p, x0, u, y, truncation=40), full) < 1e-14
    errs = [bptt.relative_error(bptt.bptt_gradients(p, x0, u, y, truncation=K), full) for K in (1, 3, 6, 10, 14)]
    assert all(a > b for a, b in zip(errs, errs[1:], strict=False)) and errs[0] > 0.05


def test_truncated_bptt_equals_dropping_long_range_terms():
    """K = 1: each eps_t only differentiates through x_t itself."""
    p, x0, u, y = _problem(3, T=6)
    g1 = bptt.bptt_gradients(p, x0, u, y, truncation=1)
    xs = bptt.forward(p, x0, u)
    r = np.tanh(xs)
    local = ((r[1:] @ p["W_out"].T - y) @ p["W_out"]) * (1 - r[1:] ** 2)
    assert np.allclose(g1["W_rec"], local.T @ r[:-1]) and np.allclose(g1["b"], local.sum(0))


@pytest.mark.parametrize("g", [0.8, 1.2])
def test_linear_orthogonal_gradient_ratio_is_exactly_g_to_the_k(g):
    Q = rnn.random_orthogonal(12, seed=4)
    xs = np.random.default_rng(0).standard_normal((21, 12))
    assert np.allclose(bptt.state_jacobian_norms(g * Q, xs, "linear"), g ** np.arange(21), rtol=1e-10)


def test_pascanu_bound_holds_and_vanishing_below_one():
    for radius in (0.5, 0.9, 1.5):
        p = bptt.init_params(1, 40, 1, radius=radius, seed=1)
        xs = bptt.forward(p, 0.1 * np.ones(40), 0.1 * np.random.default_rng(2).standard_normal((30, 1)))
        n = bptt.state_jacobian_norms(p["W_rec"], xs)
        assert np.all(n <= bptt.pascanu_bound(p["W_rec"], np.arange(31)) * (1 + 1e-9))
        if radius == 0.5:
            assert n[-1] < 1e-5


def test_bad_params_are_named():
    p, x0, u, y = _problem()
    with pytest.raises(ValueError, match=r"params is missing \['b'\]"):
        bptt.bptt_gradients({k: v for k, v in p.items() if k != "b"}, x0, u, y)
    with pytest.raises(ValueError, match=r"targets must have shape \(15, 2\), got \(14, 2\)"):
        bptt.bptt_gradients(p, x0, u, y[:-1])
    with pytest.raises(ValueError, match="sigma must be 'tanh' or 'linear'"):
        bptt.forward(p, x0, u, sigma="relu")
    with pytest.raises(ValueError, match="truncation must be >= 1"):
        bptt.bptt_gradients(p, x0, u, y, truncation=0)
