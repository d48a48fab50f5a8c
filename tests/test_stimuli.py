"""The procedural object image set: determinism, metadata, variation levels, speed, errors."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import stimuli
from tools import bench_vision


@pytest.fixture(scope="module")
def small():
    return stimuli.make_stimulus_set(n_per_object=2, seed=7)


def test_shapes_and_metadata(small):
    n = 3 * 64 * 2
    assert small.images.shape == (n, 128, 128) and small.images.dtype == np.float32
    assert small.images.min() >= 0 and small.images.max() <= 1
    for f in ("category", "obj", "level", "ty", "tz", "s", "rxy", "rxz", "ryz", "background"):
        assert getattr(small, f).shape == (n,), f
    assert np.bincount(small.category).tolist() == [n // 8] * 8
    assert np.bincount(small.obj).tolist() == [6] * 64
    assert np.all(small.obj // 8 == small.category)
    assert sorted(set(small.level.tolist())) == [0, 3, 6]
    assert small.object_names[0] == "animals_0"
    assert len(small.subset(small.level == 3)) == n // 3


def test_deterministic_given_seed(small):
    again = stimuli.make_stimulus_set(n_per_object=2, seed=7)
    np.testing.assert_array_equal(small.images, again.images)
    for k, v in small.meta().items():
        np.testing.assert_array_equal(v, again.meta()[k])
    other = stimuli.make_stimulus_set(n_per_object=2, seed=8)
    assert not np.array_equal(small.images, other.images)


def test_variation_levels(small):
    v0 = small.subset(small.level == 0)
    assert np.all(v0.ty == 0) and np.all(v0.s == 1) and np.all(v0.rxy == 0) and np.all(v0.rxz == 0)
    spread = {lev: np.std(small.ty[small.level == lev]) for lev in (3, 6)}
    assert 0 < spread[3] < spread[6]
    assert np.abs(small.rxy[small.level == 6]).max() > 45
    s6 = small.s[small.level == 6]
    assert s6.min() >= 1 / 1.6 - 1e-9 and s6.max() <= 1.6 + 1e-9
    # a natural background at every level, V0 included
    assert all(np.std(small.images[small.level == lev], axis=(1, 2)).min() > 0.02 for lev in (0, 3, 6))


def test_objects_share_structure_and_differ():
    imgs = []
    bg = np.zeros((64, 64), np.float32)
    for c in range(8):
        for o in range(8):
            imgs.append(stimuli.render(stimuli.object_parts(c, o), bg).ravel())
    imgs = np.array(imgs)
    d = np.sqrt(((imgs[:, None] - imgs[None]) ** 2).mean(-1))
    cat = np.repeat(np.arange(8), 8)
    same = cat[:, None] == cat[None]
    off = ~np.eye(64, dtype=bool)
    assert d[off].min() > 0.02  # every object is distinguishable
    assert d[same & off].mean() < d[~same].mean()  # objects of a category look alike


def test_render_pose_moves_object():
    parts = stimuli.object_parts(2, 1)
    bg = np.zeros((64, 64), np.float32)
    a = stimuli.render(parts, bg)
    b = stimuli.render(parts, bg, ty=0.25)
    col = lambda im: (im.sum(0) * np.arange(64)).sum() / im.sum()  # noqa: E731
    assert col(b) - col(a) == pytest.approx(16, abs=2)
    small = stimuli.render(parts, bg, s=0.5)
    assert (small > 0.01).sum() < 0.4 * (a > 0.01).sum()


def test_natural_images_are_local():
    imgs = stimuli.natural_images(64)
    assert imgs.shape == (len(stimuli.NATURAL_IMAGES), 64, 64)
    assert imgs.std(axis=(1, 2)).min() > 0.02


def test_bad_inputs():
    with pytest.raises(ValueError, match="levels"):
        stimuli.make_stimulus_set(n_per_object=1, levels=(1,))
    with pytest.raises(ValueError, match="n_per_object must be >= 1"):
        stimuli.make_stimulus_set(n_per_object=0)
    with pytest.raises(TypeError, match="seed"):
        stimuli.make_stimulus_set(n_per_object=1, seed="x")
    with pytest.raises(ValueError, match=r"category must be in \[0, 7\]"):
        stimuli.object_parts(8, 0)
    with pytest.raises(ValueError, match="background_contrast"):
        stimuli.make_stimulus_set(n_per_object=1, background_contrast=-1)


def test_generation_speed():
    t = bench_vision.stimulus_set_seconds(640)
    assert t < 15  # budget 5 s on an idle core; generous here for a shared machine
