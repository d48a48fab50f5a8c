"""helpers.rnn: notations, the exact g^t law, spectral radius and chaos; input validation."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import rnn


def test_rate_step_matches_equation():
    rng = np.random.default_rng(0)
    W, r, I = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    u, r1 = rnn.rate_step(W, r, I)
    assert np.allclose(u, W @ r + I) and np.allclose(r1, np.tanh(W @ r + I))


def test_three_notations_run_the_same_network():
    rng = np.random.default_rng(1)
    J, M = rng.standard_normal((6, 6)) / 3, rng.standard_normal((6, 2))
    v, r0 = rng.standard_normal((25, 2)), np.tanh(rng.standard_normal(6))
    p = rnn.sorscher_to_generic(J, M)
    xs = rnn.simulate_generic(p["W_rec"], p["W_in"], p["b"], v, np.arctanh(r0))
    assert np.allclose(np.tanh(xs), rnn.simulate_sorscher(J, M, v, r0), atol=1e-12)
    # the lecture's form: u(t+1) = W r(t) + I(t) with I(t) = M v_t
    rates = rnn.simulate_rate(J, v @ M.T, r0)
    assert np.allclose(rates, rnn.simulate_sorscher(J, M, v, r0), atol=1e-12)


@pytest.mark.parametrize("g", [0.7, 1.0, 1.3])
def test_linear_orthogonal_norm_is_exactly_g_to_the_t(g):
    Q = rnn.random_orthogonal(30, seed=2)
    x0 = np.random.default_rng(3).standard_normal(30)
    n = rnn.linear_norms(g * Q, x0, 40)
    assert np.allclose(n, np.linalg.norm(x0) * g ** np.arange(41), rtol=1e-10)


def test_random_orthogonal_is_orthogonal_and_seeded():
    Q = rnn.random_orthogonal(20, seed=5)
    assert np.allclose(Q.T @ Q, np.eye(20), atol=1e-12)
    assert np.array_equal(Q, rnn.random_orthogonal(20, seed=5))


def test_spectral_radius_follows_gain():
    for g in (0.5, 1.5):
        assert rnn.spectral_radius(rnn.random_gain_matrix(400, g, seed=0)) == pytest.approx(g, rel=0.1)


def test_transition_to_chaos():
    stable = rnn.largest_lyapunov_exponent(rnn.random_gain_matrix(200, 0.5, seed=0), T=500)
    chaotic = rnn.largest_lyapunov_exponent(rnn.random_gain_matrix(200, 1.8, seed=0), T=500)
    assert stable < -0.3
    assert chaotic > 0.05
    # activity dies out below g = 1 and keeps fluctuating above it
    quiet = rnn.simulate_autonomous(rnn.random_gain_matrix(200, 0.5, seed=1), 200)
    busy = rnn.simulate_autonomous(rnn.random_gain_matrix(200, 1.8, seed=1), 200)
    assert np.abs(quiet[-1]).max() < 1e-6 and np.abs(busy[-50:]).std() > 0.1


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rnn.rate_step(np.ones((3, 4)), np.ones(3), np.ones(3)),
         r"W must be square \(N, N\), got shape \(3, 4\)"),
        (lambda: rnn.rate_step(np.eye(3), np.ones(4), np.ones(3)), r"r must have shape \(3,\), got \(4,\)"),
        (lambda: rnn.rate_step(np.eye(2), np.array([np.nan, 0]), np.ones(2)), "r must be finite"),
        (lambda: rnn.simulate_generic(np.eye(3), np.ones((3, 2)), np.zeros(3), np.ones((5, 4)), np.zeros(3)),
         r"inputs must have shape \(\?, 2\), got \(5, 4\)"),
        (lambda: rnn.random_gain_matrix(10, -1.0), "g must be finite and >= 0"),
        (lambda: rnn.random_orthogonal(2.5), "n must be an integer"),
        (lambda: rnn.rate_step("W", np.ones(3), np.ones(3)), "W must be a numeric array"),
        (lambda: rnn.rate_step(np.eye(2), np.ones(2), np.ones(2), sigma="tanh"), "sigma must be a callable"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
