"""The visible checks teach: a wrong answer gets expected vs got and a hint, never a bare assert."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import bptt, checks, fixed_points, rnn
from helpers.checks import rnn as rnn_checks


def test_correct_answers_pass(capsys):
    rnn_checks.check_rate_step(rnn.rate_step)
    rnn_checks.check_to_generic(rnn.sorscher_to_generic)
    rnn_checks.check_speed(fixed_points.speed)
    assert rnn_checks.check_bptt(bptt.bptt_gradients) < 1e-12
    rnn_checks.check_jacobian_norms(bptt.state_jacobian_norms)
    assert capsys.readouterr().out.count("passed") == 5


def test_wrong_rate_step_is_explained():
    def wrong(W, r, I, sigma=np.tanh):
        u = W @ r + I
        return u, sigma(r)  # sigma applied to the old rate
    with pytest.raises(checks.CheckError, match=r"r_next = sigma\(u_next\) should be .* got .*Hint: apply sigma"):
        rnn_checks.check_rate_step(wrong)


def test_wrong_bptt_names_the_parameter():
    def no_carry(params, x0, inputs, targets):
        g = bptt.bptt_gradients(params, x0, inputs, targets, truncation=1)
        return g
    with pytest.raises(checks.CheckError, match=r"d eps / d b differs .* Hint: sum over t of delta_t"):
        rnn_checks.check_bptt(no_carry)


def test_wrong_jacobian_norms():
    def frobenius(W, xs, sigma="tanh"):
        return np.array([np.linalg.norm(np.linalg.matrix_power(W, t)) for t in range(len(xs))])
    with pytest.raises(checks.CheckError, match="spectral norm"):
        rnn_checks.check_jacobian_norms(frobenius)


def test_speed_must_be_per_state():
    with pytest.raises(checks.CheckError, match="one number per state"):
        rnn_checks.check_speed(lambda step, h: 0.5 * ((step(h) - h) ** 2).sum() * torch.ones(h.shape[0]))


def test_stub_raises_not_implemented_through_the_check():
    def stub(W, r, I, sigma=np.tanh):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        rnn_checks.check_rate_step(stub)


def test_fallback(capsys):
    def stub(*a):
        raise NotImplementedError()
    assert checks.fallback(stub, rnn.rate_step, np.eye(2), np.zeros(2), np.zeros(2)) is rnn.rate_step
    assert "not implemented yet" in capsys.readouterr().out
    mine = lambda W, r, I, sigma=np.tanh: rnn.rate_step(W, r, I, sigma)  # noqa: E731
    assert checks.fallback(mine, rnn.rate_step, np.eye(2), np.zeros(2), np.zeros(2)) is mine
