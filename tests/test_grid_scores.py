import numpy as np
import pytest
from scipy import ndimage

from helpers import grid_scores as gs


def test_hexagonal_scores_above_one():
    for orientation in (0.0, 0.4, 1.0):
        s = gs.grid_scores(gs.hexagonal_map(20, 0.7, orientation, phase=(0.1, -0.2)))
        assert s["minmax"] >= 1.0 and s["mean"] >= 1.0


def test_stripes_and_noise_low():
    for orientation in (0.0, 0.3, 0.9):
        assert gs.grid_scores(gs.stripe_map(20, 0.7, orientation))["minmax"] < 0.3
    noise = np.random.default_rng(0).normal(size=(200, 20, 20))
    s = gs.grid_scores(noise)
    assert np.median(s["minmax"]) < 0.05
    assert np.mean(s["minmax"] > 0.3) < 0.05


def test_rotation_invariance():
    base = gs.hexagonal_map(20, 0.75, 0.2)
    s0 = gs.grid_scores(base)["minmax"]
    assert gs.grid_scores(np.rot90(base))["minmax"] == pytest.approx(s0, abs=1e-6)
    # rotated lattice (a different orientation of the same lattice) scores alike
    rotated = gs.hexagonal_map(20, 0.75, 0.2 + np.radians(23))
    assert gs.grid_scores(rotated)["minmax"] == pytest.approx(s0, abs=0.25)
    # rotating a noisy grid map by interpolation keeps it grid-like
    noisy = base + np.random.default_rng(1).normal(scale=0.3, size=base.shape)
    assert gs.grid_scores(ndimage.rotate(noisy, 17, reshape=False, mode="nearest"))["minmax"] > 0.3


def test_rotation_correlation_matches_batch_scores():
    sac = gs.autocorrelogram(gs.hexagonal_map(20, 0.7, 0.3))
    mask = gs.ring_mask(sac.shape[0], gs.MASK_INNER, gs.MASK_OUTER[5])
    c = {a: gs.rotation_correlation(sac, a, mask) for a in gs.ANGLES}
    batch = gs.grid_scores(gs.hexagonal_map(20, 0.7, 0.3), angles_out=True)["correlations"][5]
    assert np.allclose([c[a] for a in gs.ANGLES], batch, atol=1e-6)
    assert c[60] > 0.9 and c[60] - c[90] > 0.5


def test_autocorrelogram_centre_and_nan():
    m = np.random.default_rng(2).normal(size=(20, 20))
    m[3, 4] = np.nan
    sac = gs.autocorrelogram(m)
    assert sac.shape == (39, 39)
    assert sac[19, 19] == pytest.approx(1.0)
    assert np.allclose(sac, sac[::-1, ::-1], atol=1e-9)


def test_rate_maps_mean_per_bin():
    pos = np.array([[-1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]])
    act = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 7.0]])
    maps = gs.rate_maps(pos, act, 2.2, 2)
    assert maps.shape == (2, 2, 2)
    assert maps[0, 0, 0] == 2.0 and maps[1, 1, 1] == 7.0
    assert np.isnan(maps[0, 0, 1])


def test_phase_correlation_and_phases():
    same = np.stack([gs.hexagonal_map(20, 0.7, 0.2)] * 5)
    assert gs.mean_pairwise_correlation(same) == pytest.approx(1.0)
    shifts = [(0.0, 0.0), (0.2, 0.1), (0.35, -0.1), (-0.15, 0.25), (0.1, -0.3), (-0.3, -0.05)]
    maps = np.stack([gs.hexagonal_map(20, 0.7, 0.2, s) for s in shifts])
    assert gs.mean_pairwise_correlation(maps) < 0.3
    k = gs.lattice_vectors(maps, 2.2)
    kmag = 4 * np.pi / (np.sqrt(3) * 0.7)
    assert np.allclose(np.hypot(*k.T), kmag, rtol=0.15)
    ph = gs.spatial_phases(maps, k, 2.2)
    assert ph.shape == (6, 2)
    expected = -(np.array(shifts) @ k.T)  # a shift by s moves the phase of wave k by -k.s
    diff = np.angle(np.exp(1j * ((ph - ph[0]) - (expected - expected[0]))))
    assert np.all(np.abs(diff) < 0.6)
