"""V4/IT data: the stand-in's orderings (Majaj et al. 2015), its determinism and cache, and the
loaders of the three real formats on tiny files written here in exactly their layouts."""
from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from helpers import decoding, hmax, neural_data, neural_standin, stimuli

torch.set_num_threads(1)
N_RESAMPLES = 5


@pytest.fixture(scope="module")
def standin():
    return neural_standin.synthetic()  # the notebook's default set (cached in helpers.paths.CACHE_DIR)


@pytest.fixture(scope="module")
def by_level(standin):
    """Accuracy per level, 128 sites per region, 5 resamples of sites and folds."""
    out = {}
    for task, split in (("category", "images"), ("category", "objects"), ("identity", "images")):
        for region in ("V4", "IT"):
            out[task, split, region] = decoding.accuracy_by_level(
                standin.region(region), standin.category, standin.obj, standin.level, task,
                n_sites=neural_data.N_V4_SITES, n_resamples=N_RESAMPLES, seed=1, split=split)
    return out


def _above(a_mean, a_sem, b_mean, b_sem):
    """a > b by more than the standard error of the difference."""
    return a_mean - b_mean > np.hypot(a_sem, b_sem)


# --------------------------------------------------------------------------- the stand-in
def test_standin_shapes_and_metadata(standin):
    assert standin.regions == ("V4", "IT")
    assert standin.region("V4").shape == (1536, neural_data.N_V4_SITES)
    assert standin.region("IT").shape == (1536, neural_data.N_IT_SITES)
    assert standin.levels == (0, 3, 6)
    assert np.all(np.bincount(standin.obj) == 24) and np.all(standin.obj // 8 == standin.category)
    assert standin.images.shape == (1536, neural_standin.IMAGE_SIZE, neural_standin.IMAGE_SIZE)
    assert set(standin.features) == {"pixels", "HMAX C2"}
    for r in standin.regions:  # rates between the baseline (minus Poisson noise) and a few x the peak
        x = standin.region(r)
        assert x.min() >= 0 and 2 < np.median(x) < 40 and x.max() < 4 * neural_standin.PEAK_RATE
    with pytest.raises(KeyError, match="no region 'V1'"):
        standin.region("V1")


@pytest.mark.parametrize("task,split", [("category", "images"), ("category", "objects"), ("identity", "images")])
@pytest.mark.parametrize("region", ["V4", "IT"])
def test_accuracy_falls_with_variation(by_level, task, split, region):
    r = by_level[task, split, region]
    m, s = r["mean"], r["sem"]
    assert _above(m[0], s[0], m[1], s[1]), (task, split, region, m, s)
    assert _above(m[1], s[1], m[2], s[2]), (task, split, region, m, s)


@pytest.mark.parametrize("task,split", [("category", "images"), ("category", "objects"), ("identity", "images")])
def test_it_beats_v4_at_every_level(by_level, task, split):
    it, v4 = by_level[task, split, "IT"], by_level[task, split, "V4"]
    for k in range(3):
        assert _above(it["mean"][k], it["sem"][k], v4["mean"][k], v4["sem"][k]), (task, split, k)


@pytest.mark.parametrize("split", ["images", "objects"])
def test_it_minus_v4_gap_is_largest_at_v6_for_categories(by_level, split):
    it, v4 = by_level["category", split, "IT"], by_level["category", split, "V4"]
    gaps = it["accuracy"] - v4["accuracy"]  # (levels, resamples): paired by resample index
    m, s = gaps.mean(1), gaps.std(1, ddof=1) / np.sqrt(N_RESAMPLES)
    assert _above(m[2], s[2], m[1], s[1]), (m, s)
    assert _above(m[1], s[1], m[0], s[0]), (m, s)


def test_accuracy_rises_with_sites_for_it_and_barely_for_v4_at_v6(standin):
    counts = [2, 8, 32, 128]
    curves = {}
    for lev in (0, 6):
        sel = standin.level == lev
        for region in ("V4", "IT"):
            curves[region, lev] = decoding.accuracy_vs_sites(
                standin.region(region)[sel], standin.category[sel], standin.obj[sel], "category",
                counts, n_resamples=N_RESAMPLES, seed=2)
    for key in (("IT", 0), ("IT", 6), ("V4", 0)):
        c = curves[key]
        assert np.all(np.diff(c["mean"]) > 0), (key, c["mean"])
        assert _above(c["mean"][-1], c["sem"][-1], c["mean"][0], c["sem"][0]), key
    gain = {k: c["mean"][-1] - c["mean"][0] for k, c in curves.items()}
    assert gain["IT", 6] > 3 * gain["V4", 6], gain


def test_synthetic_is_deterministic_and_seeded():
    kw = dict(n_per_object=1, levels=(0, 6), n_v4=6, n_it=5, baselines=False, cache=False)
    a, b = neural_standin.synthetic(seed=3, **kw), neural_standin.synthetic(seed=3, **kw)
    c = neural_standin.synthetic(seed=4, **kw)
    for r in ("V4", "IT"):
        np.testing.assert_array_equal(a.region(r), b.region(r))
        assert not np.array_equal(a.region(r), c.region(r))
    np.testing.assert_array_equal(a.images, b.images)


def test_synthetic_cache_round_trip_and_corrupt_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(neural_standin, "CACHE_DIR", tmp_path)
    kw = dict(n_per_object={0: 1, 3: 1}, levels=(0, 3), n_v4=4, n_it=4, seed=1)
    first = neural_standin.synthetic(**kw)
    files = list(tmp_path.glob("neural_standin_*.npz"))
    assert len(files) == 1
    again = neural_standin.synthetic(**kw)
    for r in ("V4", "IT"):
        np.testing.assert_array_equal(first.region(r), again.region(r))
    np.testing.assert_allclose(again.images, first.images, atol=1 / 255)
    np.testing.assert_array_equal(first.features["HMAX C2"], again.features["HMAX C2"])
    files[0].write_bytes(b"not a zip file")
    regenerated = neural_standin.synthetic(**kw)
    np.testing.assert_array_equal(first.region("IT"), regenerated.region("IT"))


def test_synthetic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="levels"):
        neural_standin.synthetic(levels=(1,), cache=False)
    with pytest.raises(ValueError, match="no count for level"):
        neural_standin.synthetic(n_per_object={0: 2}, levels=(0, 3), cache=False)
    with pytest.raises(TypeError, match="n_v4"):
        neural_standin.synthetic(n_v4=2.5, cache=False)


def test_poisson_rates_mean_and_variance():
    r = np.full(20000, 20.0)
    x = neural_standin.poisson_rates(r, n_repetitions=50, window=0.1, seed=0)
    assert x.mean() == pytest.approx(20.0, rel=0.01)
    assert x.var() == pytest.approx(20.0 / (50 * 0.1), rel=0.05)  # Poisson: variance of the mean rate
    np.testing.assert_array_equal(x, neural_standin.poisson_rates(r, 50, 0.1, seed=0))
    with pytest.raises(ValueError, match="rates must be >= 0"):
        neural_standin.poisson_rates([-1.0])


def test_c2_from_c1_equals_hmax_c2():
    rng = np.random.default_rng(0)
    protos = [rng.random((3, 4, n, n), dtype=np.float32) * 0.3 for n in (4, 8)]
    imgs = stimuli.make_stimulus_set(n_per_object=1, levels=(3,), size=96, seed=0, categories=(2,)).images[:3]
    model = hmax.HMAX(protos)
    d = neural_standin.c2_from_c1(model.c1(imgs), protos) * np.repeat([64, 256], 3)
    np.testing.assert_allclose(np.exp(-d / 2), model.c2(imgs), rtol=1e-3, atol=1e-5)


# --------------------------------------------------------------------------- real formats
NAMES_TRAIN = [b"bear", b"car_alfa", b"face1", b"walnut", b"bear", b"airplane_x"]
NAMES_VAL = [b"car_alfa", b"strange", b"face1"]


def write_it_data(path, rng):
    with h5py.File(path, "w") as f:
        f["stimulus_train"] = rng.normal(size=(6, 3, 8, 8)).astype(np.float32)
        f["spikes_train"] = rng.random((6, 5)).astype(np.float32)
        f["object_train"] = np.array(NAMES_TRAIN)
        f["stimulus_val"] = rng.normal(size=(3, 3, 8, 8)).astype(np.float32)
        f["spikes_val"] = rng.random((3, 5)).astype(np.float32)
        f["object_val"] = np.array(NAMES_VAL)
        f["stimulus_test"] = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
        f["object_test"] = np.array([b"bear", b"face1"])


def test_it_data_h5_round_trip(tmp_path):
    path = tmp_path / "IT_data.h5"
    write_it_data(path, np.random.default_rng(0))
    data = neural_data.load(path, images=True)
    with h5py.File(path) as f:
        spikes = np.concatenate([f["spikes_train"][()], f["spikes_val"][()]])
    assert data.regions == ("IT",)
    np.testing.assert_array_equal(data.region("IT"), spikes)
    names = [n.decode("latin-1") for n in NAMES_TRAIN + NAMES_VAL]
    assert [data.object_names[o] for o in data.obj] == names
    cats = [data.category_names[c] if c >= 0 else None for c in data.category]
    assert cats == ["animals", "cars", "faces", "fruits", "animals", "planes", "cars", None, "faces"]
    assert np.all(data.level == -1) and data.levels == ()
    assert data.images.shape == (9, 8, 8) and data.images.min() >= 0 and data.images.max() <= 1
    only_train = neural_data.load_it_data_h5(path, splits=("train",))
    assert len(only_train) == 6 and only_train.images is None


def write_brainscore(path, rng):
    import xarray as xr

    n_img, n_rep, n_site = 4, 3, 6
    image_id = np.array([f"img{i}" for i in range(n_img)])
    order = rng.permutation(np.repeat(np.arange(n_img), n_rep))  # presentations interleaved
    values = rng.random((n_img * n_rep, n_site, 1))
    pres = {
        "image_id": ("presentation", image_id[order]),
        "repetition": ("presentation", np.tile(np.arange(n_rep), n_img)),
        "object_name": ("presentation", np.array(["bear", "ELEPHANT", "car_alfa", "bear"])[order]),
        "category_name": ("presentation", np.array(["Animals", "Animals", "Cars", "Animals"])[order]),
        "variation": ("presentation", np.array([0, 3, 6, 6])[order]),
        "background_id": ("presentation", np.array(["bg0", "bg1", "bg2", "bg3"])[order]),
        **{k: ("presentation", rng.random(n_img)[order]) for k in ("ty", "tz", "rxy", "rxz", "ryz", "s")},
    }
    neur = {
        "neuroid_id": ("neuroid", np.array([f"n{i}" for i in range(n_site)])),
        "region": ("neuroid", np.array(["V4", "IT", "IT", "V4", "IT", "IT"])),
        "animal": ("neuroid", np.array(["Chabo"] * 3 + ["Tito"] * 3)),
        "arr": ("neuroid", np.array(["A", "M", "P", "A", "M", "P"])),
    }
    time = {"time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])}
    da = xr.DataArray(values, dims=("presentation", "neuroid", "time_bin"), coords={**pres, **neur, **time})
    da.to_netcdf(path, engine="h5netcdf")
    return image_id, order, values[..., 0]


def test_brainscore_netcdf_round_trip(tmp_path):
    path = tmp_path / "assy_dicarlo_MajajHong2015_public.nc"
    image_id, order, values = write_brainscore(path, np.random.default_rng(1))
    data = neural_data.load(path)
    assert data.regions == ("V4", "IT")
    assert data.region("V4").shape == (4, 2) and data.region("IT").shape == (4, 4)
    first_seen = list(dict.fromkeys(image_id[order]))
    for k, img in enumerate(first_seen):
        i = int(img[3:])
        want = values[order == i].mean(0)
        np.testing.assert_allclose(data.region("V4")[k], want[[0, 3]], rtol=1e-6)
        np.testing.assert_allclose(data.region("IT")[k], want[[1, 2, 4, 5]], rtol=1e-6)
        assert data.level[k] == [0, 3, 6, 6][i]
        assert data.object_names[data.obj[k]] == ["bear", "ELEPHANT", "car_alfa", "bear"][i]
        assert data.category_names[data.category[k]] == ["Animals", "Animals", "Cars", "Animals"][i]


def write_ventral(path, rng):
    cats = [b"Animals", b"Cars", b"Animals", b"Faces"]
    with h5py.File(path, "w") as f:
        f["images"] = rng.random((4, 16, 16)).astype(np.float32)
        f["image_meta/category"] = np.array(cats)
        f["image_meta/object_name"] = np.array([b"bear", b"car_alfa", b"cow", b"face0001"])
        f["image_meta/variation_level"] = np.array([b"V0", b"V3", b"V6", b"V6"])
        f["neural_meta/IT_NEURONS"] = np.array([2, 3, 4, 5])
        f["neural_meta/V4_NEURONS"] = np.array([0, 1])
        f["time_averaged_trial_averaged"] = rng.random((4, 6)).astype(np.float32)


def test_ventral_hdf5_round_trip(tmp_path):
    path = tmp_path / "ventral_neural_data.hdf5"
    write_ventral(path, np.random.default_rng(2))
    data = neural_data.load(path, images=True)
    with h5py.File(path) as f:
        x = f["time_averaged_trial_averaged"][()]
    np.testing.assert_array_equal(data.region("V4"), x[:, [0, 1]])
    np.testing.assert_array_equal(data.region("IT"), x[:, 2:])
    assert list(data.level) == [0, 3, 6, 6]
    assert [data.category_names[c] for c in data.category] == ["Animals", "Cars", "Animals", "Faces"]
    assert data.images.shape == (4, 16, 16)
    assert len(data.at_level(6)) == 2


# --------------------------------------------------------------------------- bad input
def test_missing_file_says_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected"):
        neural_data.load(tmp_path / "nothing.h5")
    with pytest.raises(FileNotFoundError, match="spikes_train"):
        neural_data.load_it_data_h5(tmp_path / "IT_data.h5")


@pytest.mark.parametrize("name,loader", [("IT_data.h5", neural_data.load_it_data_h5),
                                         ("ventral_neural_data.hdf5", neural_data.load_ventral_hdf5),
                                         ("majaj.nc", neural_data.load_brainscore_netcdf),
                                         ("any.h5", neural_data.load)])
def test_corrupt_files_get_a_clear_error(tmp_path, name, loader):
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(0).bytes(2000))
    with pytest.raises(ValueError, match="could not be read.*expected"):
        loader(path)


def test_wrong_layouts_name_what_is_missing(tmp_path):
    path = tmp_path / "IT_data.h5"
    with h5py.File(path, "w") as f:
        f["spikes_train"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"no \['object_train'.*expected the course file"):
        neural_data.load(path)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["weights"] = np.zeros(3)
    with pytest.raises(ValueError, match="none of the known layouts"):
        neural_data.load(other)
    bad = tmp_path / "ventral.hdf5"
    write_ventral(bad, np.random.default_rng(0))
    with h5py.File(bad, "a") as f:
        del f["neural_meta/IT_NEURONS"]
        f["neural_meta/IT_NEURONS"] = np.array([2, 9])
    with pytest.raises(ValueError, match="IT_NEURONS.*6 columns"):
        neural_data.load(bad)
    levels = tmp_path / "levels.hdf5"
    write_ventral(levels, np.random.default_rng(0))
    with h5py.File(levels, "a") as f:
        del f["image_meta/variation_level"]
        f["image_meta/variation_level"] = np.array([b"V0", b"V2", b"V6", b"V6"])
    with pytest.raises(ValueError, match="V0, V3, V6"):
        neural_data.load(levels)
    shapes = tmp_path / "shapes.h5"
    write_it_data(shapes, np.random.default_rng(0))
    with h5py.File(shapes, "a") as f:
        del f["spikes_val"]
        f["spikes_val"] = np.zeros((2, 5))
    with pytest.raises(ValueError, match="spikes_val.*shape"):
        neural_data.load(shapes)


def test_netcdf_without_region_is_rejected(tmp_path):
    import xarray as xr

    da = xr.DataArray(np.zeros((2, 3, 1)), dims=("presentation", "neuroid", "time_bin"),
                      coords={"image_id": ("presentation", ["a", "b"])})
    path = tmp_path / "bad.nc"
    da.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(ValueError, match="lacks the coordinates.*region"):
        neural_data.load(path)


def test_category_of_object():
    assert neural_data.category_of_object("Lioness") == "animals"
    assert neural_data.category_of_object("ship_3") == "boats"
    assert neural_data.category_of_object("table_x") == "tables"
    assert neural_data.category_of_object("unknown") is None
