"""The task-driven network of notebook 08: its images, seeds, shapes, training loop and features,
and the notebook's analyses (representations, decoding along the hierarchy) on small inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import neural_standin, object_batches, stimuli, ventral_analysis, ventral_cnn
from helpers.plotting import ventral as ventral_plots

torch.set_num_threads(1)


# --------------------------------------------------------------------------- the images
def test_pose_matrix_of_the_standard_pose_is_the_identity():
    theta = object_batches.pose_matrices(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(theta[0].numpy(), [[1, 0, 0], [0, 1, 0]], atol=1e-7)


@pytest.mark.parametrize("level", stimuli.LEVELS)
def test_warped_objects_match_stimuli_render(level):
    """The fast images are stimuli.render's, up to the anti-aliasing of the object's edge (worst for
    the smallest, most foreshortened views of V6)."""
    size, objects = 64, [2 * 8 + 0, 0 * 8 + 3, 4 * 8 + 5, 6 * 8 + 1]
    layers = object_batches.object_layers(objects, 2 * size)
    corr, diff = [], []
    for seed in range(4):
        poses = object_batches.draw_poses(np.full(len(objects), level), np.random.default_rng(seed))
        grid = torch.nn.functional.affine_grid(object_batches.pose_matrices(**poses), [len(objects), 2, size, size],
                                               align_corners=False)
        warped = torch.nn.functional.grid_sample(layers, grid, align_corners=False)
        bg = 0.3
        for i, o in enumerate(objects):
            ref = stimuli.render(stimuli.object_parts(o // 8, o % 8), np.full((size, size), bg, np.float32),
                                 **{k: float(v[i]) for k, v in poses.items()})
            mine = (warped[i, 0] + (1 - warped[i, 1]) * bg).numpy()
            corr.append(np.corrcoef(ref.ravel(), mine.ravel())[0, 1])
            diff.append(np.abs(ref - mine).mean())
    assert np.median(corr) > 0.98 and min(corr) > 0.9
    assert max(diff) < 0.005


def test_object_batches_shapes_labels_and_seed():
    objects = [0, 9, 18, 63]
    a = object_batches.ObjectBatches(objects, size=32, levels=(3, 6), seed=4)
    b = object_batches.ObjectBatches(objects, size=32, levels=(3, 6), seed=4)
    images, category, obj, level = a(10)
    assert images.shape == (10, 1, 32, 32) and images.dtype == torch.float32
    assert 0 <= float(images.min()) and float(images.max()) <= 1
    assert set(obj) <= set(objects) and set(level) <= {3, 6}
    np.testing.assert_array_equal(category.numpy(), obj // 8)
    again = b(10)
    assert torch.equal(images, again[0]) and np.array_equal(obj, again[2])
    assert not torch.equal(images, a(10)[0])  # the stream goes on


def test_fresh_objects_are_new_instances_never_the_standard_or_validation_objects():
    """With a bank, every object drawn has its own object seed >= FIRST_TRAINING_SEED: none of the 64
    standard objects (notebook 08's test objects among them) nor of the validation set is ever drawn."""
    side = 16
    a = object_batches.ObjectBatches(range(64), size=side, levels=(6,), seed=2, oversample=1, bank=8, renew=4)
    b = object_batches.ObjectBatches(range(64), size=side, levels=(6,), seed=2, oversample=1, bank=8, renew=4)
    reserved = torch.cat([object_batches.object_layers(range(64), side, s)
                          for s in (object_batches.STANDARD_OBJECT_SEED, object_batches.VALIDATION_OBJECT_SEED)])
    seen = set(zip(a.slots.tolist(), a.object_seeds.tolist(), strict=True))
    for _ in range(6):
        images, category, obj, _ = a(12)
        assert np.all(a.object_seeds >= object_batches.FIRST_TRAINING_SEED)
        np.testing.assert_array_equal(category.numpy(), obj // 8)
        assert set(obj) <= set(a.slots.tolist())
        held = a.layers.reshape(len(a.slots), 1, -1)
        assert float((held - reserved.reshape(1, len(reserved), -1)).abs().amax(-1).min()) > 0.05
        seen |= set(zip(a.slots.tolist(), a.object_seeds.tolist(), strict=True))
        assert torch.equal(images, b(12)[0])  # the same seed, the same objects and images
    assert a.n_objects_drawn == 8 + 6 * 4 and len(seen) == a.n_objects_drawn
    fixed = object_batches.ObjectBatches([3, 40], size=side, seed=0)
    assert fixed.n_objects_drawn == 2 and np.all(fixed.object_seeds == object_batches.STANDARD_OBJECT_SEED)
    with pytest.raises(ValueError, match="renew"):
        object_batches.ObjectBatches([0], size=side, bank=4, renew=5)


def test_training_batches_draw_new_objects_of_the_templates():
    batches = ventral_cnn.training_batches(seed=1, templates=[0, 9, 63], bank=4, renew=2)
    assert batches.size == ventral_cnn.IMAGE_SIZE and batches.levels == ventral_cnn.TRAIN_LEVELS
    images, category, obj, level = batches(5)
    assert set(obj) <= {0, 9, 63} and set(level) <= set(ventral_cnn.TRAIN_LEVELS)
    assert np.all(batches.object_seeds >= object_batches.FIRST_TRAINING_SEED) and batches.n_objects_drawn == 6


def test_object_batches_reject_bad_arguments():
    with pytest.raises(ValueError, match="levels"):
        object_batches.ObjectBatches([0], size=32, levels=(2,))
    with pytest.raises(ValueError, match="objects"):
        object_batches.ObjectBatches([], size=32)
    with pytest.raises(ValueError, match="objects"):
        object_batches.object_layers([64], 16)


# --------------------------------------------------------------------------- the network
def test_same_seed_same_network_and_global_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b, c = ventral_cnn.build(0), ventral_cnn.build(0), ventral_cnn.build(1)
    assert torch.rand(1) == before  # building networks did not consume the global generator
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not all(torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters(), strict=True))


def test_split_objects_holds_out_half_of_each_category():
    train, held = ventral_cnn.split_objects(seed=0)
    assert len(train) == len(held) == 32 and not set(train) & set(held)
    assert sorted(np.concatenate([train, held])) == list(range(64))
    assert np.all(np.bincount(train // 8) == 4)
    assert np.array_equal(train, ventral_cnn.split_objects(seed=0)[0])
    assert not np.array_equal(train, ventral_cnn.split_objects(seed=1)[0])


def test_layer_features_shapes_and_input_resizing():
    model = ventral_cnn.build(0)
    images = np.random.default_rng(0).random((5, 96, 96)).astype(np.float32)
    feats = ventral_cnn.layer_features(model, images)
    assert list(feats) == list(ventral_cnn.LAYERS)
    want = {"conv1": 16 * 16 * 16, "conv2": 32 * 8 * 8, "conv3": 64 * 4 * 4, "conv4": 128 * 2 * 2, "pool": 128}
    assert {k: v.shape for k, v in feats.items()} == {k: (5, n) for k, n in want.items()}
    # pool is the max over positions of conv4
    conv4 = feats["conv4"].reshape(5, 128, 4)
    np.testing.assert_allclose(feats["pool"], conv4.max(-1), rtol=1e-6)
    assert ventral_cnn.as_input(images).shape == (5, 1, 64, 64)
    with pytest.raises(ValueError, match="images"):
        ventral_cnn.as_input(np.zeros((2, 3, 8, 8)))
    assert "conv1: 5 x 5 convolution (stride 2)" in ventral_cnn.describe(model)


def test_learning_rate_schedule():
    peak = 1e-2
    assert ventral_cnn.learning_rate(0.0, peak) == pytest.approx(0.1 * peak)
    assert ventral_cnn.learning_rate(0.15, peak) == pytest.approx(peak)
    assert ventral_cnn.learning_rate(1.0, peak) == pytest.approx(0.01 * peak)
    lrs = [ventral_cnn.learning_rate(p, peak) for p in np.linspace(0.15, 1, 20)]
    assert np.all(np.diff(lrs) < 0)


def _small_training(seed: int, n_steps: int = 4):
    train_objects, _ = ventral_cnn.split_objects(seed)
    batches = object_batches.ObjectBatches(train_objects[::4], 32, (3, 6), seed=seed)
    model = ventral_cnn.build(seed, channels=(4, 8))
    hist = ventral_cnn.train(model, batches, n_steps=n_steps, batch_size=8, progress=False)
    return model, hist


def test_training_with_a_step_count_is_deterministic():
    (m1, h1), (m2, h2) = _small_training(3), _small_training(3)
    assert h1["loss"] == h2["loss"] and h1["steps"] == 4
    for a, b in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not m1.training  # left in eval mode, ready for features


def test_train_uses_the_step_function_and_the_time_budget():
    train_objects, held = ventral_cnn.split_objects(0)
    batches = object_batches.ObjectBatches(train_objects, 32, (3,), seed=0)
    model = ventral_cnn.build(0, channels=(4, 8))
    calls = []

    def step(m, opt, x, y):
        calls.append(opt.param_groups[0]["lr"])
        return ventral_cnn.train_step(m, opt, x, y)

    monitor = (np.random.default_rng(0).random((6, 32, 32)), np.arange(6) % 8, np.array([0, 0, 3, 3, 6, 6]))
    hist = ventral_cnn.train(model, batches, max_seconds=1.0, step_fn=step, batch_size=8, monitor=monitor,
                             n_checks=2, progress=False)
    assert len(calls) == hist["steps"] >= 1 and hist["seconds"] < 3.0
    assert calls[0] == pytest.approx(0.1 * ventral_cnn.LEARNING_RATE)
    assert set(hist["check_accuracy"]) == {0, 3, 6} and hist["check_step"][0] == 0
    assert all(len(v) == len(hist["check_step"]) for v in hist["check_accuracy"].values())
    with pytest.raises(ValueError, match="n_steps"):
        ventral_cnn.train(model, batches)


def test_training_lowers_the_loss():
    """60 small steps: the batch loss falls below chance (log 8) on fresh images."""
    train_objects, _ = ventral_cnn.split_objects(0)
    batches = object_batches.ObjectBatches(train_objects, 64, (3,), seed=1)
    model = ventral_cnn.build(0)
    hist = ventral_cnn.train(model, batches, n_steps=60, batch_size=32, progress=False)
    assert np.mean(hist["loss"][-15:]) < np.mean(hist["loss"][:5]) - 0.2
    assert np.mean(hist["loss"][-15:]) < np.log(8)


# --------------------------------------------------------------------------- the analyses
@pytest.fixture(scope="module")
def small_set():
    """The stand-in's images of the held-out objects at V0 and V6 (cached stand-in)."""
    data = neural_standin.synthetic()
    _, held = ventral_cnn.split_objects(0)
    keep = np.isin(data.obj, held) & (data.level != 3)
    return data.subset(keep)


def test_representations_cap_units_and_are_seeded(small_set):
    nets = {"trained": ventral_cnn.build(0), "untrained": ventral_cnn.build(1)}
    reps = ventral_analysis.representations(small_set.images, nets, n_units=300, seed=2,
                                            baselines={"HMAX C1": np.ones((len(small_set), 5)),
                                                       "HMAX C2": np.zeros((len(small_set), 4))})
    names = list(ventral_analysis.BASELINES) + [f"{n} {l}" for n in nets for l in ventral_cnn.LAYERS]
    assert list(reps) == names
    assert reps["pixels"].shape == (len(small_set), 300) and reps["HMAX C1"].shape == (len(small_set), 5)
    assert reps["trained pool"].shape == (len(small_set), 128)
    again = ventral_analysis.representations(small_set.images, nets, n_units=300, seed=2,
                                             baselines={"HMAX C1": np.ones((len(small_set), 5)),
                                                        "HMAX C2": np.zeros((len(small_set), 4))})
    assert all(np.array_equal(reps[k], again[k]) for k in reps)


def test_subsample_units_keeps_columns_in_order():
    x = np.tile(np.arange(50.0), (3, 1))
    sub = ventral_analysis.subsample_units(x, 10, seed=0)
    assert sub.shape == (3, 10) and np.all(np.diff(sub[0]) > 0)
    assert ventral_analysis.subsample_units(x, 60) is x


def test_depth_decoding_reads_every_representation(small_set):
    rng = np.random.default_rng(0)
    informative = np.eye(8)[small_set.category] * 5 + rng.normal(size=(len(small_set), 8))
    reps = {"pixels": rng.normal(size=(len(small_set), 20)), "net a": informative}
    res = ventral_analysis.depth_decoding(reps, small_set, levels=(0, 6))
    assert set(res) == {"category", "identity"} and set(res["category"]) == set(reps)
    assert np.all(res["category"]["net a"]["mean"] > 0.9)
    assert np.all(res["category"]["pixels"]["mean"] < 0.4)


def test_unit_count_effect_reads_a_layer_through_each_count(small_set):
    nets = {"a": ventral_cnn.build(0)}
    got = ventral_analysis.unit_count_effect(nets, small_set, counts=(8, 100), level=0)
    assert set(got) == {"a"} and set(got["a"]) == {8, 100}
    assert all(0 <= v <= 1 for v in got["a"].values())
    with pytest.raises(ValueError, match="no images at level 3"):
        ventral_analysis.unit_count_effect(nets, small_set, level=3)


def test_hmax_features_cached_round_trip(small_set, tmp_path, monkeypatch):
    monkeypatch.setattr(ventral_analysis, "CACHE_DIR", tmp_path)
    imgs = small_set.images[:3]
    first = ventral_analysis.hmax_features(imgs, size=64)
    assert list(tmp_path.glob("ventral_hmax_*.npz"))
    second = ventral_analysis.hmax_features(imgs, size=64)
    assert first["HMAX C1"].shape[0] == 3 and first["HMAX C2"].shape[0] == 3
    np.testing.assert_array_equal(first["HMAX C2"], second["HMAX C2"])
    assert np.all((first["HMAX C2"] > 0) & (first["HMAX C2"] <= 1))


def test_depth_figure_and_training_curve_draw():
    res = {"pixels": {"levels": np.array([0, 6]), "mean": np.array([0.5, 0.2]), "sem": np.zeros(2)},
           "trained conv1": {"levels": np.array([0, 6]), "mean": np.array([0.6, 0.3]), "sem": np.zeros(2)},
           "untrained conv1": {"levels": np.array([0, 6]), "mean": np.array([0.6, 0.2]), "sem": np.zeros(2)}}
    fig = ventral_plots.depth_figure({"category": res}, {"category": 0.125})
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "held-out accuracy"
    hist = {"step": [1, 2, 3, 4, 5, 6], "loss": [2.1, 2.0, 1.9, 1.7, 1.6, 1.5], "check_step": [0, 6],
            "check_accuracy": {6: [0.12, 0.3]}, "steps": 6, "seconds": 1.0}
    fig = ventral_plots.category_learning_curve(hist, 0.125)
    assert [ax.get_xlabel() for ax in fig.axes] == ["training step", "training step"]


def test_held_out_keeps_the_objects_and_the_first_images():
    data = neural_standin.synthetic()
    _, held = ventral_cnn.split_objects(0)
    full = ventral_analysis.held_out(data, held)
    half = ventral_analysis.held_out(data, held, n_per_object=4)
    assert set(full.obj) == set(held) and len(full) == 32 * 8 * 3
    assert len(half) == 32 * 4 * 3 and set(half.obj) == set(held)
    first = full.subset((full.obj == held[0]) & (full.level == 6))
    np.testing.assert_array_equal(half.subset((half.obj == held[0]) & (half.level == 6)).images, first.images[:4])
    with pytest.raises(ValueError, match="none of the given objects"):
        ventral_analysis.held_out(data, [99])
