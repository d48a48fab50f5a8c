"""Linear decoding helpers: splits, cross-validated accuracy, site subsampling, checks, figures."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import decoding, neural_data
from helpers.checks import CheckError
from helpers.checks import decoding as decoding_checks  # noqa: E402
from helpers.plotting import decoding as decoding_plots  # noqa: E402


def clusters(n_classes=4, n_per=12, dim=10, spread=3.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per)
    return rng.normal(0, spread, (n_classes, dim))[y] + rng.normal(0, 1, (len(y), dim)), y


def test_image_splits_are_stratified_and_cover_every_image():
    y = np.repeat(np.arange(5), 8)
    splits = decoding.image_splits(y, 4, seed=3)
    assert len(splits) == 4
    tests = np.concatenate([t for _, t in splits])
    assert sorted(tests) == list(range(40))
    for train, test in splits:
        assert not np.intersect1d(train, test).size
        assert np.all(np.bincount(y[test], minlength=5) == 2)
    again = decoding.image_splits(y, 4, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))
    with pytest.raises(ValueError, match="n_folds"):
        decoding.image_splits(y, 9)


def test_object_splits_keep_objects_apart_with_every_category_tested():
    obj = np.repeat(np.arange(64), 3)
    cat = obj // 8
    splits = decoding.object_splits(obj, cat, 4, seed=1)
    assert decoding_checks._fold_problems(splits, len(obj), obj, cat, 4) is None
    for _, test in splits:
        assert len(np.unique(obj[test])) == 16  # 2 objects of each of 8 categories
    other = decoding.object_splits(obj, cat, 4, seed=2)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(splits, other, strict=True))
    with pytest.raises(ValueError, match="more than one category"):
        decoding.object_splits([0, 0, 1, 1], [0, 1, 1, 1], 2)
    with pytest.raises(ValueError, match="n_folds"):
        decoding.object_splits(obj, cat, 9)
    with pytest.raises(ValueError, match="shape"):
        decoding.object_splits(obj, cat[:-1], 4)


def test_cross_validated_accuracy_separates_signal_from_noise():
    X, y = clusters()
    assert decoding.cross_validated_accuracy(X, y, decoding.image_splits(y, 4, 0)) > 0.95
    noise = np.random.default_rng(1).normal(size=(48, 200))
    acc = [decoding.cross_validated_accuracy(noise, y, decoding.image_splits(y, 4, s)) for s in range(5)]
    assert abs(np.mean(acc) - 0.25) < 0.12
    with pytest.raises(ValueError, match="labels"):
        decoding.cross_validated_accuracy(X, y[:-1], decoding.image_splits(y, 4, 0))
    with pytest.raises(ValueError, match="splits"):
        decoding.cross_validated_accuracy(X, y, [])
    with pytest.raises(ValueError, match="finite"):
        decoding.cross_validated_accuracy(np.full_like(X, np.nan), y, decoding.image_splits(y, 4, 0))


def test_objectwise_alpha_is_the_ridge_classifier_best_on_held_out_objects():
    """The penalty objectwise_alpha picks is the one with which sklearn's ridge classifier (the
    decoder's), fitted on each inner fold's standardised training images, labels most held-out
    objects' images correctly."""
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(4)
    obj = np.repeat(np.arange(24), 5)
    cat = obj % 4
    X = rng.normal(size=(24, 60))[obj] * 2 + np.eye(4)[cat] @ rng.normal(size=(4, 60)) * 0.5
    X += rng.normal(size=X.shape)
    got = decoding.objectwise_alpha(X, cat, obj, seed=3)
    correct = np.zeros(len(decoding.ALPHAS))
    for tr, te in decoding.object_splits(obj, cat, 3, np.random.default_rng(3)):
        sc = StandardScaler().fit(X[tr])
        for k, alpha in enumerate(decoding.ALPHAS):
            clf = RidgeClassifier(alpha=alpha).fit(sc.transform(X[tr]), cat[tr])
            correct[k] += np.sum(clf.predict(sc.transform(X[te])) == cat[te])
    assert got == decoding.ALPHAS[int(np.argmax(correct))]
    acc = decoding.decode_task(X, cat, obj, "category", 4, 0, split="objects")
    assert acc == decoding.decode_task(X, cat, obj, "category", 4, 0, split="objects")
    with pytest.raises(ValueError, match="2 objects per class"):
        decoding.objectwise_alpha(X[:5], cat[:5], obj[:5])


def test_decode_task_and_its_errors():
    obj = np.repeat(np.arange(16), 4)
    cat = obj // 4
    X = np.eye(4)[cat] * 3 + np.random.default_rng(0).normal(0, 1, (64, 4))
    assert decoding.decode_task(X, cat, obj, "category", split="objects") > 0.8
    assert decoding.decode_task(X, cat, obj, "category", split="images") > 0.8
    with pytest.raises(ValueError, match="task"):
        decoding.decode_task(X, cat, obj, "colour")
    with pytest.raises(ValueError, match="identity cannot"):
        decoding.decode_task(X, cat, obj, "identity", split="objects")
    with pytest.raises(ValueError, match="split"):
        decoding.decode_task(X, cat, obj, "category", split="views")


def test_site_counts_are_log_spaced_and_end_at_all_sites():
    c = decoding.site_counts(128, 7)
    assert c[0] == 2 and c[-1] == 128 and np.all(np.diff(c) > 0)
    ratios = c[1:] / c[:-1]
    assert ratios.max() / ratios.min() < 1.6
    assert list(decoding.site_counts(3, 7)) == [2, 3]


def test_subsample_sites_draws_distinct_random_sites():
    F = np.tile(np.arange(12.0), (2, 1))
    out = decoding.subsample_sites(F, lambda x: len(np.unique(x[0])), [1, 5, 12], 4, seed=0)
    assert out.shape == (3, 4) and np.all(out == np.array([[1], [5], [12]]))
    sums = decoding.subsample_sites(F, lambda x: x[0].sum(), [4], 8, seed=0)
    assert len(np.unique(sums)) > 1
    assert np.array_equal(sums, decoding.subsample_sites(F, lambda x: x[0].sum(), [4], 8, seed=0))
    with pytest.raises(ValueError, match="n_sites"):
        decoding.subsample_sites(F, lambda x: 0.0, [13], 1)


def test_accuracy_grows_with_sites_on_a_distributed_code():
    rng = np.random.default_rng(0)
    obj = np.repeat(np.arange(16), 6)
    cat = obj // 2
    X = rng.normal(0, 0.6, (8, 60))[cat] + rng.normal(0, 1, (96, 60))
    res = decoding.accuracy_vs_sites(X, cat, obj, "category", [2, 8, 60], n_resamples=5, seed=0)
    assert res["accuracy"].shape == (3, 5)
    assert res["mean"][0] + 2 * res["sem"][0] < res["mean"][-1]
    assert np.all(np.diff(res["mean"]) > 0)


def test_decode_accuracy_is_cross_validation_on_image_splits():
    X, y = clusters(seed=2)
    want = decoding.cross_validated_accuracy(X, y, decoding.image_splits(y, 3, 5))
    assert decoding.decode_accuracy(X, y, 3, 5) == want
    assert decoding.decode_task(X, y, y, "category", 3, 5) == want
    with pytest.raises(ValueError, match="n_folds must be <= the smallest class size"):
        decoding.decode_accuracy(X, y, 13)


def test_accuracy_vs_sites_uses_the_subsample_given():
    """Sites drawn by ``subsample`` from the seed, folds from a generator of the same seed: what
    notebook 07 computes with the student's ``subsample_sites``."""
    rng = np.random.default_rng(3)
    obj = np.repeat(np.arange(16), 6)
    cat = obj // 2
    X = rng.normal(0, 0.6, (8, 30))[cat] + rng.normal(0, 1, (96, 30))
    calls = []

    def subsample(features, score, n_sites, n_resamples, seed):
        calls.append(seed)
        return decoding.subsample_sites(features, score, n_sites, n_resamples, seed)

    res = decoding.accuracy_vs_sites(X, cat, obj, "category", [2, 30], 3, seed=6, subsample=subsample)
    assert calls == [6]
    folds = np.random.default_rng(6)
    manual = decoding.subsample_sites(X, lambda x: decoding.decode_task(x, cat, obj, "category", 4, folds),
                                      [2, 30], 3, seed=6)
    np.testing.assert_array_equal(res["accuracy"], manual)
    np.testing.assert_allclose(res["sem"], manual.std(1, ddof=1) / np.sqrt(3))
    with pytest.raises(ValueError, match="subsample must return scores of shape"):
        decoding.accuracy_vs_sites(X, cat, obj, "category", [2, 30], 3, subsample=lambda *a: np.zeros(3))


def test_compare_by_level_reads_every_region_and_feature():
    obj = np.tile(np.repeat(np.arange(16), 4), 2)  # 4 categories x 4 objects x 4 images, 2 levels
    data = neural_data.NeuralData(
        responses={"V4": np.zeros((128, 5)), "IT": np.zeros((128, 7))}, category=obj // 4, obj=obj,
        level=np.repeat([0, 6], 64), category_names=tuple("abcd"), object_names=tuple(f"o{i}" for i in range(16)),
        features={"pixels": np.zeros((128, 3))})
    rng = np.random.default_rng(4)
    for x in (*data.responses.values(), *data.features.values()):
        x[:] = np.eye(16)[data.obj][:, : x.shape[1]] * 3 + rng.normal(0, 1, x.shape)
    res = decoding.compare_by_level(data, n_resamples=2)
    assert list(res) == ["category", "identity"]
    assert list(res["category"]) == ["V4", "IT", "pixels", "V4 (new objects)", "IT (new objects)"]
    assert list(res["identity"]) == ["V4", "IT", "pixels"]
    assert res["category"]["IT"]["accuracy"].shape == (2, 2)  # 2 levels x 2 resamples of 5 sites
    assert res["category"]["pixels"]["accuracy"].shape == (2, 1)
    want = decoding.accuracy_by_level(data.region("IT"), data.category, data.obj, data.level, "identity",
                                      (0, 6), n_sites=5, n_resamples=2)
    np.testing.assert_array_equal(res["identity"]["IT"]["accuracy"], want["accuracy"])
    no_levels = neural_data.NeuralData(data.responses, data.category, data.obj, np.full(128, -1),
                                       data.category_names, data.object_names)
    assert decoding.compare_by_level(no_levels) == {}


def test_accuracy_by_level_reports_each_level():
    rng = np.random.default_rng(1)
    obj = np.tile(np.repeat(np.arange(8), 4), 2)
    cat = obj // 2
    level = np.repeat([0, 6], 32)
    noise = np.where(level == 0, 0.3, 3.0)[:, None]
    X = np.eye(4)[cat] * 2 + rng.normal(0, 1, (64, 4)) * noise
    res = decoding.accuracy_by_level(X, cat, obj, level, "category", levels=(0, 6), n_resamples=2, n_sites=3)
    assert res["accuracy"].shape == (2, 2) and res["mean"][0] > res["mean"][1]
    with pytest.raises(ValueError, match="no images at level 3"):
        decoding.accuracy_by_level(X, cat, obj, level, levels=(0, 3))


# --------------------------------------------------------------------------- visible checks
def test_checks_pass_on_the_references():
    decoding_checks.check_decode(decoding.cross_validated_accuracy)
    decoding_checks.check_object_folds(decoding.object_splits)
    decoding_checks.check_subsample_sites(decoding.subsample_sites)


def test_check_decode_catches_training_on_the_test_images():
    def leaky(features, labels, splits):
        clf = decoding.make_decoder(alphas=(1e-6,)).fit(features, labels)
        return float(np.mean([np.mean(clf.predict(features[t]) == labels[t]) for _, t in splits]))

    with pytest.raises(CheckError, match="near chance"):
        decoding_checks.check_decode(leaky)
    with pytest.raises(CheckError, match="None"):
        decoding_checks.check_decode(lambda *a: None)


def test_check_object_folds_catches_image_folds_and_missing_shuffle():
    with pytest.raises(CheckError, match="both train and test"):
        decoding_checks.check_object_folds(lambda o, c, k, s: decoding.image_splits(c, k, s))

    def no_shuffle(objects, categories, n_folds, seed):
        return decoding.object_splits(objects, categories, n_folds, 0)

    with pytest.raises(CheckError, match="same folds"):
        decoding_checks.check_object_folds(no_shuffle)


def test_check_subsample_sites_catches_replacement_and_fixed_subsets():
    def with_replacement(features, score, n_sites, n_resamples, seed):
        rng = np.random.default_rng(seed)
        return np.array([[score(features[:, rng.integers(0, features.shape[1], n)]) for _ in range(n_resamples)]
                         for n in n_sites])

    def first_sites(features, score, n_sites, n_resamples, seed):
        return np.array([[score(features[:, :n]) for _ in range(n_resamples)] for n in n_sites])

    with pytest.raises(CheckError, match="without replacement"):
        decoding_checks.check_subsample_sites(with_replacement)
    with pytest.raises(CheckError, match="same sites"):
        decoding_checks.check_subsample_sites(first_sites)


# --------------------------------------------------------------------------- figures
def test_figures_return_figures():
    rng = np.random.default_rng(0)
    obj = np.repeat(np.arange(16), 2)
    cat = np.where(obj % 2 == 0, 0, -1)  # interleaved, one unknown category: grouped on the axis
    fig = decoding_plots.object_response_maps({"V4": rng.random((32, 5)), "IT": rng.random((32, 7))}, obj,
                                              cat, ["a", "b"])
    assert len(fig.axes) >= 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["?", "a"]
    res = {"IT": {"levels": np.array([0, 3, 6]), "mean": np.array([0.9, 0.8, 0.7]), "sem": np.zeros(3)},
           "V4 (new objects)": {"levels": np.array([0, 3, 6]), "mean": np.array([0.6, 0.3, 0.2])}}
    fig2 = decoding_plots.accuracy_by_level_plot(res, 0.125, "t")
    fig3 = decoding_plots.accuracy_vs_sites_plot(
        {"IT V6": {"n_sites": np.array([2, 8]), "mean": np.array([0.2, 0.5]), "sem": np.zeros(2)}}, 0.125)
    assert fig2.axes and fig3.axes
    plt.close("all")
