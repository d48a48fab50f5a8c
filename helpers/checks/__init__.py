"""Visible checks for the exercises, one module per notebook topic.

Every check takes the student's function (or result) and raises :class:`CheckError`
with what was expected, what came back, and a hint -- never a bare ``AssertionError``.
Notebooks use them as ``from helpers import checks; checks.rnn.check_rate_step(rate_step)``.
"""
from .base import CheckError, expect_close, expect_true, fallback, passed, visible_check  # noqa: F401
