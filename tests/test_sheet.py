"""Tests of the Burak-Fiete sheet (helpers.sheet), against REFERENCES.md section 05."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import sheet as sh
from helpers.torch_setup import use_threads


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    use_threads(1)


def test_recurrent_input_matches_dense_weights():
    n = 8
    S = sh.Sheet(n, gamma=0.6, beta=0.3, a=1.5, shift=1.0)  # narrow kernel: no wrap-around ambiguity
    e = sh.preferred_directions(n).reshape(-1, 2)
    X, Y = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pos = np.stack([X.ravel(), Y.ravel()], 1).astype(float)
    d = (pos[:, None] - pos[None] + n / 2) % n - n / 2 - S.shift * e[None]
    W = sh.mexican_hat(d[..., 0], d[..., 1], 1.5, 0.6, 0.3)
    s = np.random.default_rng(0).random((n, n))
    np.testing.assert_allclose(S.recurrent_input(s).ravel(), W @ s.ravel(), atol=1e-5)


def test_paper_gamma_is_stable_and_ours_is_not():
    gain_paper, _ = sh.linear_gain(gamma=sh.GAMMA_PAPER)
    gain, wavelength = sh.linear_gain()
    assert 0.97 < gain_paper < 1.0  # REFERENCES: 0.985 < 1, no pattern
    assert gain > 1.0 and 15 < wavelength < 18
    flat = sh.simulate(sh.Sheet(64, gamma=sh.GAMMA_PAPER), 0.3, seed=0).final[0]
    assert flat.std() < 1e-3


def test_pattern_forms_from_noise_with_reference_period():
    S = sh.Sheet(64)
    out = sh.simulate(S, 0.3, seed=0, record_every=0.05)
    s = out.final[0]
    assert s.std() > 0.05 and out.rates[0, 0].std() < s.std()
    np.testing.assert_allclose(out.times, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3])
    np.testing.assert_array_equal(out.rates[-1], out.final)
    # REFERENCES: ~16.4 neurons; on a 64-torus the hexagon is quantised to wave numbers (4,0),(2,3): 17.2
    assert 15.5 < sh.pattern_period(s) < 17.5


def test_pattern_speed_linear_in_running_speed():
    S = sh.Sheet(64)
    sweep = sh.speed_sweep(S, [0.1, 0.2, 0.4, 0.6, 0.8], heading=np.pi / 4, seed=0)
    slope, err = sh.linearity_error(sweep["speeds"], sweep["along"])
    assert 37 < slope < 43  # REFERENCES: 40-42 neurons/s per m/s
    assert err < 0.05
    across = np.abs(sweep["velocity"] @ np.array([-1, 1]) / np.sqrt(2))
    assert np.all(across < 0.05 * np.abs(sweep["along"]))


def test_shift_push_points_along_heading():
    from helpers import sheet_analysis as sa

    S = sh.Sheet(64)
    s = sh.simulate(S, 0.3, seed=1).final[0]
    an = sa.analyse_sheet(S, s)
    err = np.abs(np.angle(np.exp(1j * (an["moved"] - an["headings"]))))
    assert np.rad2deg(err).max() < 10


@pytest.mark.parametrize("kw, exc", [
    (dict(n=7), ValueError), (dict(n=64, tau=0.001, dt=0.01), ValueError), (dict(n=2.5), TypeError),
    (dict(n=64, gamma=-1.0), ValueError),
])
def test_bad_sheet_arguments(kw, exc):
    with pytest.raises(exc):
        sh.Sheet(**kw)


def test_bad_simulate_arguments():
    S = sh.Sheet(8)
    with pytest.raises(ValueError, match="velocity"):
        sh.simulate(S, 0.01, velocity=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="s0"):
        sh.simulate(S, 0.01, s0=np.zeros((4, 4)))
    with pytest.raises(ValueError, match="duration"):
        sh.simulate(S, -1.0)
    with pytest.raises(TypeError, match="sheet"):
        sh.simulate("sheet", 0.1)
