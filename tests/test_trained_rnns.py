"""Small trained networks of notebooks 01-02: flip-flop fixed points, delayed recall, angular integrator."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import angular_integrator, delayed_recall, fixed_points, flipflop


def test_flipflop_targets_hold_last_pulse():
    u, y = flipflop.flipflop_batch(4, 50, seed=0)
    assert np.all(u[:, 0] != 0)
    for b in range(4):
        for c in range(3):
            last = 0.0
            for t in range(50):
                last = u[b, t, c] if u[b, t, c] != 0 else last
                assert y[b, t, c] == last


def test_trained_flipflop_has_eight_stable_fixed_points():
    res = flipflop.train_flipflop(seed=0)
    assert np.mean(res.losses[-50:]) < 0.02
    fps = fixed_points.find_fixed_points(res.model.step, flipflop.fixed_point_starts(res.model, seed=0),
                                         iters=3000, tol=1e-7)
    assert fps.n_stable == 8
    with torch.no_grad():
        codes = np.sign(res.model.readout(torch.tensor(fps.points[fps.stable], dtype=torch.float32)).numpy())
    assert len({tuple(c) for c in codes}) == 8, "one stable point per 3-bit memory"
    assert len(fps.points) > 8, "saddles lie between the memories"


def test_fixed_point_search_finds_known_points():
    # h -> tanh(2 h) has fixed points 0 (unstable) and +-0.9575 (stable)
    step = lambda h: torch.tanh(2 * h)  # noqa: E731
    fps = fixed_points.find_fixed_points(step, np.linspace(-1.5, 1.5, 21)[:, None], iters=2000)
    pts = np.sort(fps.points[:, 0])
    assert np.allclose(pts, [-0.957504, 0.0, 0.957504], atol=1e-3)
    assert list(fps.stable[np.argsort(fps.points[:, 0])]) == [True, False, True]


def test_delayed_recall_default_init_fails_orthogonal_learns():
    vanilla = delayed_recall.train_delayed_recall("vanilla", delay=30, steps=1000, seed=0)
    ortho = delayed_recall.train_delayed_recall("orthogonal", delay=30, steps=1000, seed=0)
    assert delayed_recall.recall_accuracy(vanilla.model) < 0.25
    assert delayed_recall.recall_accuracy(ortho.model) > 0.9


def test_shipped_angular_integrator():
    res = angular_integrator.load_angular_integrator()
    assert res.config["n_hidden"] == 128
    assert angular_integrator.heading_error_deg(res.model, T=20) < 5.0


def test_angular_integrator_trains_from_scratch():
    res = angular_integrator.train_angular_integrator(steps=300, seed=1)
    assert res.losses[-1] < res.losses[0] - 0.3
    assert angular_integrator.heading_error_deg(res.model, T=20) < 20.0


def test_head_direction_code_is_a_distribution():
    p = angular_integrator.head_direction_code(np.array([0.3, -2.0]))
    assert torch.all(p >= 0) and torch.allclose(p.sum(-1), torch.ones(2))
    assert np.allclose(angular_integrator.decode_heading(torch.log(p)), [0.3, -2.0], atol=1e-3)


def test_missing_or_corrupt_integrator_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m helpers.angular_integrator"):
        angular_integrator.load_angular_integrator(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="not a valid angular-integrator file"):
        angular_integrator.load_angular_integrator(bad)


def test_save_does_not_overwrite(tmp_path):
    res = angular_integrator.train_angular_integrator(steps=2, seed=0)
    path = angular_integrator.save_angular_integrator(res, tmp_path / "a.pt")
    with pytest.raises(FileExistsError, match="force=True"):
        angular_integrator.save_angular_integrator(res, path)
    again = angular_integrator.load_angular_integrator(path)
    assert torch.equal(again.model.J.weight, res.model.J.weight)
