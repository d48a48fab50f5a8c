"""The shared simulate contract of the two attractor models (helpers.ring, helpers.sheet).

Both take times in seconds (a whole number of Euler steps), both return a
helpers.simulation.Simulation with record times in seconds, and both reject bad times with
an error that names the argument.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import ring, sheet
from helpers.simulation import Simulation, steps_of
from helpers.torch_setup import use_threads


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    use_threads(1)


@pytest.fixture(scope="module")
def small_sheet():
    return sheet.Sheet(8)


def _ring_run(**kw):
    n = 16
    return ring.simulate(ring.cosine_weights(n), np.ones(n), r0=np.full(n, 0.1), **kw)


def _sheet_run(s, **kw):
    return sheet.simulate(s, seed=0, **kw)


def test_both_return_the_same_type_with_times_in_seconds(small_sheet):
    a = _ring_run(duration=0.02, record_every=0.005)
    b = _sheet_run(small_sheet, duration=0.02, record_every=0.005)
    assert type(a) is type(b) is Simulation
    assert ring.Simulation is sheet.Simulation is Simulation  # defined once
    for run in (a, b):
        np.testing.assert_allclose(run.times, [0.005, 0.01, 0.015, 0.02])  # seconds, not steps
        assert run.rates.shape[0] == run.times.shape[0]
        np.testing.assert_array_equal(run.rates[-1], run.final)
    assert a.rates.shape == (4, 16) and a.final.shape == (16,)
    assert b.rates.shape == (4, 1, 8, 8) and b.final.shape == (1, 8, 8)


def test_simulation_is_frozen():
    run = _ring_run(duration=0.002)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.times = np.zeros(1)


def test_default_records(small_sheet):
    ring_run = _ring_run(duration=0.002)  # ring: every step
    np.testing.assert_allclose(ring_run.times, [0.0005, 0.001, 0.0015, 0.002])
    sheet_run = _sheet_run(small_sheet, duration=0.002)  # sheet: only the end
    np.testing.assert_allclose(sheet_run.times, [0.002])
    np.testing.assert_array_equal(sheet_run.rates[0], sheet_run.final)


def test_record_every_that_does_not_divide_the_duration(small_sheet):
    for run in (_ring_run(duration=0.0025, record_every=0.001),
                _sheet_run(small_sheet, duration=0.0025, record_every=0.001)):
        np.testing.assert_allclose(run.times, [0.001, 0.002])
        assert not np.array_equal(run.rates[-1], run.final)  # the end is half a record later


def test_ring_duration_from_time_varying_inputs():
    n = 16
    W = ring.cosine_weights(n)
    inputs = np.ones((6, n))
    run = ring.simulate(W, inputs)
    np.testing.assert_allclose(run.times, np.arange(1, 7) * ring.DT)
    same = ring.simulate(W, inputs, duration=6 * ring.DT)
    np.testing.assert_array_equal(run.rates, same.rates)
    with pytest.raises(ValueError, match=r"duration=0.01 s is 20 steps .* inputs.shape\[0\]=6"):
        ring.simulate(W, inputs, duration=0.01)


@pytest.mark.parametrize("kw, match", [
    (dict(duration=-1.0), "duration must be finite and > 0"),
    (dict(duration=0.0), "duration must be finite and > 0"),
    (dict(duration=0.00075), r"duration must be a whole number of time steps dt = 0.0005 s"),
    (dict(duration=0.01, record_every=0.0007), r"record_every must be a whole number of time steps"),
    (dict(duration=0.01, record_every=0.0), "record_every must be finite and > 0"),
    (dict(duration=0.01, record_every=0.02), "record_every must be at most the duration"),
    (dict(duration="1s"), "duration must be"),
])
def test_bad_times_are_rejected_alike(small_sheet, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _ring_run(**kw)
    with pytest.raises((ValueError, TypeError), match=match):
        _sheet_run(small_sheet, **kw)


def test_steps_of():
    assert steps_of(0.3, 0.0005, "t") == 600
    assert steps_of(0.0005, 0.0005, "t") == 1
    with pytest.raises(ValueError, match="t must be a whole number of time steps"):
        steps_of(0.00025, 0.0005, "t")


def test_simulation_checks_its_shapes():
    with pytest.raises(ValueError, match="times must have shape"):
        Simulation(times=np.zeros(3), rates=np.zeros((2, 4)), final=np.zeros(4))
    with pytest.raises(ValueError, match="final must have the shape of one record"):
        Simulation(times=np.zeros(2), rates=np.zeros((2, 4)), final=np.zeros(5))
