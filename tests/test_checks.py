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
    with pytest.raises(checks.CheckError, match=r"nothing flows back from later steps"):
        rnn_checks.check_bptt(no_carry)

    def half_carry(params, x0, inputs, targets):
        return bptt.bptt_gradients(params, x0, inputs, targets, truncation=3)
    with pytest.raises(checks.CheckError, match=r"d eps / d b differs .* Hint: sum over t of delta_t"):
        rnn_checks.check_bptt(half_carry)


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


def test_fallback_uses_the_check(capsys):
    def wrong(W, r, I, sigma=np.tanh):
        return W @ r + I, sigma(r)
    assert checks.fallback(wrong, rnn.rate_step, check=rnn_checks.check_rate_step) is rnn.rate_step
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "does not pass its check" in out and "reference" in out
    assert checks.fallback(rnn.rate_step, rnn.rate_step, check=rnn_checks.check_rate_step) is rnn.rate_step
    assert capsys.readouterr().out == ""  # the check runs quietly

    def stub(W, r, I, sigma=np.tanh):
        raise NotImplementedError()
    assert checks.fallback(stub, rnn.rate_step, check=rnn_checks.check_rate_step) is rnn.rate_step
    assert "not implemented yet" in capsys.readouterr().out


# ---- what a failing graded cell shows: the message, never the check's (or the reference's) code

_CELLS = {
    "stub": "def speed(step, h):\n    raise NotImplementedError()",
    "wrong": "def rate_step(W, r, I, sigma=np.tanh):\n    u = W @ r + I\n    return u, sigma(r)",
    "crash": "def rate_step(W, r, I, sigma=np.tanh):\n    u = W @ r[:2] + I\n    return u, sigma(u)",
}
_TEST = {"stub": "rnn_checks.check_speed(speed)", "wrong": "rnn_checks.check_rate_step(rate_step)",
         "crash": "rnn_checks.check_rate_step(rate_step)"}


def _shown(kind: str):
    """Run the student's cell and the graded cell in IPython; return (ename, evalue, traceback lines)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    old = shell._showtraceback
    shell._showtraceback = lambda etype, evalue, stb: shown.append((etype.__name__, str(evalue), stb))
    try:
        shell.run_cell("import numpy as np\nfrom helpers.checks import rnn as rnn_checks")
        shell.run_cell(_CELLS[kind])
        shell.run_cell(_TEST[kind] + "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS")
    finally:
        shell._showtraceback = old
    assert len(shown) == 1
    return shown[0]


@pytest.mark.parametrize("kind", ["stub", "wrong", "crash"])
def test_failing_check_shows_no_check_source(kind):
    import inspect
    import re

    ename, evalue, stb = _shown(kind)
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", "\n".join(stb))
    for line in inspect.getsource(inspect.getmodule(rnn_checks.check_rate_step)).splitlines():
        if len(line.strip()) > 12 and not line.strip().startswith(("#", '"', "def ", "return", "name =")):
            assert line.strip() not in text, line
    assert "helpers" not in text.replace("from helpers", "")
    if kind == "wrong":
        assert ename == "CheckError" and text.strip() == f"CheckError: {evalue}"
    else:
        assert ename in ("NotImplementedError", "ValueError") and "ran your" in text


@pytest.mark.parametrize("kind, feedback", [
    ("stub", "not implemented yet"),
    ("wrong", "CheckError: check_rate_step: r_next"),
    ("crash", "ValueError raised in your code"),
])
def test_grader_feedback_shows_only_the_message(kind, feedback):
    import nbformat

    from course.feedback import _failure
    from course.submission import hidden_region

    ename, evalue, stb = _shown(kind)
    source = _TEST[kind] + "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=stb)]
    start, hidden = hidden_region(source)
    status, message = _failure(cell, start, hidden)
    assert status == "failed" and message.startswith(feedback), message
    assert "want" not in message and "rnn.rate_step" not in message
