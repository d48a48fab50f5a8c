"""Neural predictivity: the split-half noise ceiling on data with a known answer, the exact split of
Poisson means, cross-validated ridge predictions (the per-site convention, signed), Brain-Score's
score and its ceiling checked against their formulas and a known answer, and the notebook's tables,
on synthetic sites."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from helpers import decoding, neural_data, neural_standin, ventral_analysis, ventral_cnn
from helpers import predictivity as pred
from helpers.plotting import ventral as ventral_plots

from .test_neural_data import write_brainscore


def test_spearman_brown():
    np.testing.assert_allclose(pred.spearman_brown([0.0, 0.5, 1.0]), [0.0, 2 / 3, 1.0])
    assert pred.spearman_brown(0.5, factor=3) == pytest.approx(0.75)


def _sites(n_images: int, noise_sd: np.ndarray, seed: int = 0, n_features: int = 10):
    """Sites that are linear in the features, plus independent noise in each half of the repetitions.

    Returns the features, both halves, their mean and the reliability of the mean (known exactly:
    signal variance over signal plus the mean's noise variance, noise_sd^2 / 2)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_images, n_features))
    signal = X @ rng.normal(size=(n_features, len(noise_sd)))
    signal /= signal.std(0)
    a = signal + rng.normal(size=signal.shape) * noise_sd
    b = signal + rng.normal(size=signal.shape) * noise_sd
    return X, a, b, (a + b) / 2, 1 / (1 + noise_sd**2 / 2)


def test_split_half_reliability_recovers_the_known_ceiling():
    noise = np.array([0.0, 0.5, 1.0, 1.5, 3.0])
    _, a, b, _, truth = _sites(20000, noise)
    got = pred.split_half_reliability(a, b)
    np.testing.assert_allclose(got, truth, atol=0.03)
    assert got[0] == pytest.approx(1.0)


def test_split_half_reliability_rejects_mismatched_halves():
    with pytest.raises(ValueError, match="half_b"):
        pred.split_half_reliability(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="at least 3 images"):
        pred.split_half_reliability(np.zeros((2, 2)), np.zeros((2, 2)))


def test_exact_linear_site_has_predictivity_one():
    X, _, _, mean, _ = _sites(200, np.zeros(3))
    splits = decoding.image_splits(np.arange(200) % 5, 5, 0)
    got = pred.predictivity(X, mean, splits, np.ones(3))
    np.testing.assert_allclose(got, 1.0, atol=1e-3)


def test_noisy_linear_sites_normalise_to_one():
    """Explained variance falls with the noise; divided by the split-half ceiling it is ~1 for every site."""
    noise = np.array([0.3, 0.7, 1.2])
    X, a, b, mean, truth = _sites(3000, noise, seed=1)
    splits = decoding.image_splits(np.arange(3000) % 4, 4, 0)
    ceiling = pred.split_half_reliability(a, b)
    ev = pred.explained_variance(pred.cross_validated_predictions(X, mean, splits), mean)
    np.testing.assert_allclose(ev, truth, atol=0.03)
    np.testing.assert_allclose(pred.predictivity(X, mean, splits, ceiling), 1.0, atol=0.06)


def test_predictions_are_held_out():
    """Features unrelated to the responses, more features than images: in-sample fits would be perfect."""
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(80, 300)), rng.normal(size=(80, 4))
    splits = decoding.image_splits(np.arange(80) % 4, 4, 0)
    assert np.all(pred.predictivity(X, Y, splits, np.ones(4)) < 0.2)
    with pytest.raises(ValueError, match="exactly once"):
        pred.cross_validated_predictions(X, Y, splits[:2])


def test_predictivity_without_positive_ceiling_is_nan():
    X, _, _, mean, _ = _sites(100, np.zeros(2))
    got = pred.predictivity(X, mean, decoding.image_splits(np.arange(100) % 4, 4, 0), np.array([1.0, 0.0]))
    assert np.isfinite(got[0]) and np.isnan(got[1])
    with pytest.raises(ValueError, match="one value per site"):
        pred.predictivity(X, mean, decoding.image_splits(np.arange(100) % 4, 4, 0), np.ones(3))


def test_poisson_halves_split_counts_exactly():
    rng = np.random.default_rng(3)
    n_rep, window = 50, 0.1
    rates = rng.poisson(20 * n_rep * window, size=(4000, 3)) / (n_rep * window)
    a, b = pred.poisson_halves(rates, n_rep, window, seed=0)
    np.testing.assert_allclose((a + b) / 2, rates)
    # each half is a Poisson count of half the mean: mean = variance in counts
    counts = a * n_rep / 2 * window
    assert counts.mean() == pytest.approx(50, rel=0.02) and counts.var() == pytest.approx(50, rel=0.1)
    assert np.corrcoef(a[:, 0] - rates[:, 0], b[:, 0] - rates[:, 0])[0, 1] < -0.9  # they add up to the total
    again = pred.poisson_halves(rates, n_rep, window, seed=0)
    np.testing.assert_array_equal(a, again[0])
    with pytest.raises(ValueError, match="spike counts"):
        pred.poisson_halves(rates + 0.01, n_rep, window)


def test_summarise_keeps_reliable_sites():
    s = pred.summarise([0.2, 0.4, 0.6, 5.0], [0.9, 0.8, 0.7, 0.1])
    assert s["n_sites"] == 3 and s["value"] == pytest.approx(0.4)
    assert s["low"] == pytest.approx(0.3) and s["high"] == pytest.approx(0.5)
    assert pred.summarise([0.5], [0.0])["n_sites"] == 0


def test_per_site_predictivity_keeps_the_sign_of_anti_correlated_predictions():
    """Features unrelated to sites whose means differ between folds: each fold's prediction is the
    mean of the other folds, anti-correlated with the site. Squared, it would count as explained."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(160, 8))
    splits = decoding.image_splits(np.arange(160) % 4, 4, 0)
    Y = np.zeros((160, 2))
    for k, (_, test) in enumerate(splits):
        Y[test] = [k, -k]
    Y += 0.05 * rng.normal(size=Y.shape)
    got = pred.predictivity(X, Y, splits, np.ones(2))
    assert np.all(got < -0.9)


def test_mean_reliability_averages_halvings():
    rng = np.random.default_rng(9)
    halvings = [(rng.normal(size=(50, 3)), rng.normal(size=(50, 3))) for _ in range(4)]
    want = np.mean([pred.split_half_reliability(a, b) for a, b in halvings], axis=0)
    np.testing.assert_allclose(pred.mean_reliability(halvings), want)
    with pytest.raises(ValueError, match="halvings"):
        pred.mean_reliability([])


# --------------------------------------------------------------------------- Brain-Score
def _trials(n_objects: int = 60, n_per_object: int = 10, n_sites: int = 12, n_rep: int = 20, noise_var: float = 20.0,
            n_features: int = 10, seed: int = 0):
    """Sites linear in the features (signal variance 1) plus trial noise: the mean over ``n_rep``
    trials has reliability rho = 1 / (1 + noise_var / n_rep), and so does the Spearman-Brown
    corrected correlation of two half-means."""
    rng = np.random.default_rng(seed)
    n = n_objects * n_per_object
    X = rng.normal(size=(n, n_features))
    signal = X @ rng.normal(size=(n_features, n_sites))
    signal /= signal.std(0)
    trials = signal[None] + rng.normal(size=(n_rep, n, n_sites)) * np.sqrt(noise_var)
    objects = np.repeat(np.arange(n_objects), n_per_object)
    return X, trials, objects, 1 / (1 + noise_var / n_rep)


def _halvings(trials: np.ndarray, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        order = rng.permutation(len(trials))
        half = len(trials) // 2
        out.append((trials[order[:half]].mean(0), trials[order[half:]].mean(0)))
    return out


def test_pls_is_scikit_learns_pls_regression_converged():
    """predictivity.PLS computes what Brain-Score's PLSRegression(scale=False) computes, with exact weights."""
    from sklearn.cross_decomposition import PLSRegression

    rng = np.random.default_rng(10)
    X = rng.normal(size=(200, 15)) * np.linspace(0.5, 3, 15)
    Y = X @ rng.normal(size=(15, 5)) + rng.normal(size=(200, 5))
    for k in (1, 4, 15):
        mine = pred.PLS(k).fit(X[:150], Y[:150]).predict(X[150:])
        ref = PLSRegression(k, scale=False, tol=1e-12, max_iter=10_000).fit(X[:150], Y[:150]).predict(X[150:])
        np.testing.assert_allclose(mine, ref, atol=1e-4 * np.abs(ref).max())
    assert pred.PLS(25).fit(X[:10], Y[:10]).coef_.shape == (15, 5)  # components capped at the images


def test_brainscore_splits_are_stratified_by_object():
    objects = np.repeat(np.arange(30), 10)
    splits = pred.brainscore_splits(objects)
    assert len(splits) == pred.BRAINSCORE_SPLITS == 10
    for train, test in splits:
        assert len(train) == 270 and len(test) == 30 and not np.intersect1d(train, test).size
        assert np.all(np.bincount(objects[test], minlength=30) == 1)  # 10% of every object
    again = pred.brainscore_splits(objects)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))
    assert not np.array_equal(splits[0][1], pred.brainscore_splits(objects, seed=2)[0][1])
    small = np.repeat(np.arange(32), 8)  # 10% would be 26 test images for 32 objects: one each instead
    for train, test in pred.brainscore_splits(small):
        assert len(test) == 32 and np.all(np.bincount(small[test]) == 1) and len(train) == 224
    with pytest.raises(ValueError, match="repeat"):
        pred.brainscore_splits(np.arange(10))


def test_brain_score_follows_its_formulas():
    """score = (mean over splits of the median over sites of r)^2 / ceiling; legacy = (raw / ceiling)^2;
    ceiling = mean over halvings of the median over sites of the Spearman-Brown corrected r."""
    X, trials, objects, _ = _trials(n_objects=20, n_sites=5)
    mean = trials.mean(0)
    halvings = _halvings(trials, 10)
    ceiling = pred.brainscore_ceiling(halvings)
    sb = [np.median(pred.spearman_brown([np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(5)]))
          for a, b in halvings]
    assert ceiling == pytest.approx(np.mean(sb))
    splits = pred.brainscore_splits(objects)
    res = pred.brain_score(X, mean, splits, ceiling)
    r = np.array([[np.corrcoef(pred.make_pls(10).fit(X[tr], mean[tr]).predict(X[te])[:, j], mean[te][:, j])[0, 1]
                   for j in range(5)] for tr, te in splits])
    np.testing.assert_allclose(res.per_split, r, atol=1e-8)
    raw = np.median(r, axis=1).mean()
    assert res.raw == pytest.approx(raw)
    assert res.score == pytest.approx(raw**2 / ceiling) and res.legacy == pytest.approx((raw / ceiling) ** 2)
    assert res.error == pytest.approx(np.median(r, axis=1).std() / np.sqrt(10))
    s = res.summary()
    assert s["value"] == res.score and s["low"] <= s["value"] <= s["high"] and s["n_sites"] == 5


def test_brain_score_of_a_perfect_model_is_one_and_the_old_convention_one_over_the_ceiling():
    """A model whose features generate the sites: held-out r ~ sqrt(rho), the ceiling ~ rho, so
    r^2 / ceiling ~ 1 while (r / ceiling)^2 ~ 1 / rho (here rho = 0.5: 2)."""
    X, trials, objects, rho = _trials()
    ceiling = pred.brainscore_ceiling(_halvings(trials, 10))
    assert ceiling == pytest.approx(rho, abs=0.03)
    res = pred.brain_score(X, trials.mean(0), pred.brainscore_splits(objects), ceiling)
    assert res.raw == pytest.approx(np.sqrt(rho), abs=0.03)
    assert res.score == pytest.approx(1.0, abs=0.08)
    assert res.legacy == pytest.approx(1 / rho, abs=0.2)
    noise = np.random.default_rng(1).normal(size=X.shape)
    assert abs(pred.brain_score(noise, trials.mean(0), pred.brainscore_splits(objects), ceiling).raw) < 0.1
    with pytest.raises(ValueError, match="ceiling"):
        pred.brain_score(X, trials.mean(0), pred.brainscore_splits(objects), 0.0)


def test_standin_halves_and_ceiling():
    data = neural_standin.synthetic()
    sub = data.subset(np.isin(data.level, (3, 6)) & (data.obj % 8 < 2))
    halves = ventral_analysis.repetition_halves(sub, None, seed=0)
    assert set(halves) == {"V4", "IT"}
    for r, (a, b) in halves.items():
        np.testing.assert_allclose((a + b) / 2, sub.region(r), rtol=1e-5)
        assert np.median(pred.split_half_reliability(a, b)) > 0.5


def test_predictivity_table_and_best_layers():
    noise = np.array([0.0, 0.5, 1.0])
    X, a, b, mean, _ = _sites(240, noise, seed=4)
    data = neural_data.NeuralData(responses={"V4": mean[:, :1], "IT": mean[:, 1:]}, category=np.arange(240) % 8,
                                  obj=np.arange(240) % 24, level=np.full(240, 6), category_names=tuple("abcdefgh"),
                                  object_names=tuple(f"o{i}" for i in range(24)))
    ceilings = {"V4": pred.split_half_reliability(a[:, :1], b[:, :1]),
                "IT": pred.split_half_reliability(a[:, 1:], b[:, 1:])}
    splits = ventral_analysis.predictivity_splits(data)
    reps = {"pixels": np.random.default_rng(0).normal(size=(240, 30)), "trained conv1": X[:, :3],
            "trained pool": X}
    table = ventral_analysis.predictivity_table(reps, data, ceilings, splits)
    assert {k: {r: v.shape for r, v in t.items()} for k, t in table.items()} == {
        k: {"V4": (1,), "IT": (2,)} for k in reps}
    np.testing.assert_allclose(table["trained pool"]["IT"], pred.predictivity(X, mean[:, 1:], splits, ceilings["IT"]))
    summary = {k: {r: pred.summarise(v, ceilings[r]) for r, v in t.items()} for k, t in table.items()}
    assert ventral_analysis.best_layers(summary) == {"V4": "pool", "IT": "pool"}
    fig = ventral_plots.predictivity_figure(summary, ylabel="per site")
    assert [ax.get_title().split()[0] for ax in fig.axes] == ["V4", "IT"] and fig.axes[0].get_ylabel() == "per site"
    halvings = {"V4": [(a[:, :1], b[:, :1])] * 2, "IT": [(a[:, 1:], b[:, 1:])] * 2}
    scores = ventral_analysis.brainscore_table(reps, data, halvings)
    assert set(scores) == set(reps) and set(scores["pixels"]) == {"V4", "IT"}
    assert scores["trained pool"]["IT"].per_split.shape == (10, 2)
    assert scores["trained pool"]["IT"].score > scores["pixels"]["IT"].score
    assert ventral_analysis.brainscore_table(reps, data, None)["trained pool"]["V4"].ceiling == 1.0


def test_ventral_hdf5_halves_split_the_trials(tmp_path):
    rng = np.random.default_rng(5)
    path = tmp_path / "ventral_neural_data.hdf5"
    level = np.array([b"V0", b"V3", b"V6", b"V6", b"V3"])
    trials = {k: rng.random((6, int((level == f"V{k}".encode()).sum()), 5)) for k in (0, 3, 6)}
    trials[6][0, 0, 0] = np.nan  # a missing trial
    mean = np.zeros((5, 5))
    for k, t in trials.items():
        mean[level == f"V{k}".encode()] = np.nanmean(t, axis=0)
    with h5py.File(path, "w") as f:
        f["images"] = rng.random((5, 16, 16)).astype(np.float32)
        f["image_meta/category"] = np.array([b"Animals", b"Cars", b"Animals", b"Faces", b"Cars"])
        f["image_meta/object_name"] = np.array([b"bear", b"car_alfa", b"cow", b"face0001", b"car_alfa"])
        f["image_meta/variation_level"] = level
        f["neural_meta/IT_NEURONS"] = np.array([2, 3, 4])
        f["neural_meta/V4_NEURONS"] = np.array([0, 1])
        f["time_averaged_trial_averaged"] = mean.astype(np.float32)
        for k, t in trials.items():
            f[f"time_averaged/variation_level_{k}"] = t
    data = neural_data.load(path, images=True)
    halves = ventral_analysis.repetition_halves(data, path, seed=0)
    assert set(halves) == {"V4", "IT"}
    for r, cols in (("V4", [0, 1]), ("IT", [2, 3, 4])):
        assert halves[r][0].shape == halves[r][1].shape == (5, len(cols))
    # two halves of 3 trials average to the mean over all 6, except where a trial is missing
    got = {r: (a + b) / 2 for r, (a, b) in halves.items()}
    keep = np.ones((5, 2), bool)
    keep[2, 0] = False  # row 2 is the first V6 image, column 0 its first V4 site
    np.testing.assert_allclose(got["V4"][keep], mean[:, :2][keep], rtol=1e-6)
    np.testing.assert_allclose(got["IT"], mean[:, 2:], rtol=1e-6)
    assert ventral_analysis.repetition_halves(data, tmp_path / "missing.h5") is None


def test_real_data_set_needs_images(tmp_path):
    """With a file, the notebook predicts its recordings from its own images; a file without images
    is refused with a clear message."""
    rng = np.random.default_rng(6)
    path = tmp_path / "ventral_neural_data.hdf5"
    with h5py.File(path, "w") as f:
        f["images"] = rng.random((4, 16, 16)).astype(np.float32)
        f["image_meta/category"] = np.array([b"Animals", b"Cars", b"Animals", b"Faces"])
        f["image_meta/object_name"] = np.array([b"bear", b"car_alfa", b"cow", b"face0001"])
        f["image_meta/variation_level"] = np.array([b"V0", b"V3", b"V6", b"V6"])
        f["neural_meta/IT_NEURONS"] = np.array([2, 3])
        f["neural_meta/V4_NEURONS"] = np.array([0, 1])
        f["time_averaged_trial_averaged"] = rng.random((4, 4)).astype(np.float32)
    data = ventral_analysis.neural_data_set(path, standin=None)
    assert data.images.shape == (4, 16, 16) and data.regions == ("V4", "IT")
    assert ventral_analysis.repetition_halves(data, path) is None  # means only: no ceiling
    stand = neural_standin.synthetic()
    assert ventral_analysis.neural_data_set(None, stand) is stand
    nc = tmp_path / "assy_dicarlo_MajajHong2015_public.nc"
    write_brainscore(nc, rng)
    with pytest.raises(ValueError, match="holds no images"):
        ventral_analysis.neural_data_set(nc, stand)


def test_site_that_is_a_linear_function_of_a_layer_is_predicted_fully():
    """A site that is an exact linear function of a network layer's units: normalised predictivity 1."""
    images = neural_standin.synthetic().images[:240]
    pool = ventral_cnn.layer_features(ventral_cnn.build(seed=0), images)["pool"].astype(float)
    sites = pool @ np.random.default_rng(7).normal(size=(pool.shape[1], 3))
    splits = decoding.image_splits(np.arange(240) % 4, 4, 0)
    np.testing.assert_allclose(pred.predictivity(pool, sites, splits, np.ones(3)), 1.0, atol=0.02)
