import numpy as np
import pytest

from helpers import trajectories as tr


def test_shapes_and_stay_in_box():
    out = tr.simulate_trajectories(300, 200, seed=0)
    assert out["positions"].shape == (300, 201, 2)
    assert out["velocities"].shape == (300, 200, 2)
    assert out["headings"].shape == (300, 201)
    assert np.all(np.abs(out["positions"]) <= tr.BOX_SIZE / 2)
    # integrating the velocities gives back the path
    rebuilt = out["positions"][:, :1] + np.cumsum(out["velocities"], axis=1)
    assert np.allclose(rebuilt, out["positions"][:, 1:])


def test_seeded_and_statistics():
    a = tr.simulate_trajectories(500, 50, seed=3)
    b = tr.simulate_trajectories(500, 50, seed=3)
    assert np.array_equal(a["positions"], b["positions"])
    speed = np.linalg.norm(a["velocities"], axis=-1) / tr.DT
    # Rayleigh mean sigma*sqrt(pi/2) = 1.02 m/s, lowered a little by slowing at the walls
    assert 0.85 < speed.mean() < 1.05
    start = a["positions"][:, 0]
    assert abs(start.mean()) < 0.1 and start.std() > 0.55


def test_validation():
    with pytest.raises(ValueError, match="batch_size"):
        tr.simulate_trajectories(0, 10)
    with pytest.raises(ValueError, match="box_size"):
        tr.simulate_trajectories(2, 10, box_size=-1.0)
