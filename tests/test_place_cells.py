import numpy as np
import pytest
import torch

from helpers import grid_scores
from helpers import place_cells as pc


def test_code_nonnegative_sums_to_one():
    centers = pc.place_cell_centers(512, seed=0)
    x = np.random.default_rng(1).uniform(-1.1, 1.1, (100, 2))
    code = pc.place_cell_code(x, centers)
    assert code.shape == (100, 512)
    assert np.all(code >= 0)
    assert np.allclose(code.sum(1), 1, atol=1e-5)
    # the most active cell is near the position
    nearest = np.linalg.norm(centers[code.argmax(1)] - x, axis=1)
    assert np.median(nearest) < 0.1


def test_torch_and_numpy_agree():
    centers = pc.place_cell_centers(64, seed=2)
    x = np.random.default_rng(3).uniform(-1, 1, (5, 7, 2))
    a = pc.place_cell_code(x, centers)
    b = pc.place_cell_code(torch.tensor(x, dtype=torch.float32), torch.tensor(centers, dtype=torch.float32))
    assert isinstance(b, torch.Tensor) and a.shape == (5, 7, 64)
    assert np.allclose(a, b.numpy(), atol=1e-6)


def test_decode_true_code():
    centers = pc.place_cell_centers(512, seed=0)
    x = np.random.default_rng(4).uniform(-1, 1, (500, 2))
    err = np.linalg.norm(pc.decode_position(pc.place_cell_code(x, centers), centers) - x, axis=1)
    assert err.mean() < 0.06


def test_validation():
    with pytest.raises(ValueError, match="positions"):
        pc.place_cell_code(np.zeros((3, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="width"):
        pc.place_cell_code(np.zeros((3, 2)), np.zeros((4, 2)), width=0)


def test_dog_spectrum_ring():
    k = np.linspace(0, 40, 4001)
    s = pc.dog_spectrum(k)
    assert s[0] == 0
    assert abs(k[np.argmax(s)] - np.sqrt(2 * np.log(2)) / 0.12) < 0.02


def test_nonnegative_optimum_is_more_hexagonal():
    nonneg = [grid_scores.grid_scores(pc.optimal_pattern(nonnegative=True, seed=s))["minmax"] for s in range(4)]
    free = [grid_scores.grid_scores(pc.optimal_pattern(nonnegative=False, seed=s))["minmax"] for s in range(4)]
    assert np.mean(nonneg) > np.mean(free) + 0.3
    assert max(nonneg) > 0.8
