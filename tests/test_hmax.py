"""HMAX: the S1 table, C1 sizes, invariance ordering, prototypes and the MATLAB patch loader."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import decoding, hmax, hmax_experiments, hmax_patch_set, stimuli
from helpers.checks import CheckError
from helpers.checks import hmax as hmax_checks
from tools import bench_vision

from .hmax_patch_set import save_patch_set

torch.set_num_threads(1)

# Serre et al. 2007, table 1: (size, sigma, lambda) as printed (one decimal)
TABLE = [(7, 2.8, 3.5), (9, 3.6, 4.6), (11, 4.5, 5.6), (13, 5.4, 6.8), (15, 6.3, 7.9),
         (17, 7.3, 9.1), (19, 8.2, 10.3), (21, 9.2, 11.5), (23, 10.2, 12.7), (25, 11.3, 14.1),
         (27, 12.3, 15.4), (29, 13.4, 16.8), (31, 14.6, 18.2), (33, 15.8, 19.7),
         (35, 17.0, 21.2), (37, 18.2, 22.8)]


@pytest.fixture(scope="module")
def tiny_model():
    rng = np.random.default_rng(0)
    return hmax.HMAX([rng.random((5, 4, n, n), dtype=np.float32) * 0.2 for n in (4, 8)])


def test_filter_parameters_equal_the_table():
    params = hmax.s1_parameters()
    assert [p["size"] for p in params] == [t[0] for t in TABLE]
    for p, (size, sigma, lam) in zip(params, TABLE, strict=True):
        # the printed table truncates some entries (23 px: 12.78 printed as 12.7)
        assert p["sigma"] == pytest.approx(sigma, abs=0.1), size
        assert p["lambda"] == pytest.approx(lam, abs=0.1), size
        assert p["sigma"] == pytest.approx(0.8 * p["lambda"])
    assert [p["band"] for p in params] == [k // 2 + 1 for k in range(16)]
    assert hmax.C1_POOL == (8, 10, 12, 14, 16, 18, 20, 22)
    assert hmax.C1_STEP == (4, 5, 6, 7, 8, 9, 10, 11)
    assert hmax.ORIENTATIONS == (0.0, 45.0, 90.0, 135.0) and hmax.GAMMA == 0.3


@pytest.mark.parametrize("k", [0, 7, 15])
def test_gabor_normalisation(k):
    p = hmax.s1_parameters()[k]
    for ori in hmax.ORIENTATIONS:
        g = hmax.gabor_filter(p["size"], p["lambda"], p["sigma"], ori)
        r = np.arange(p["size"]) - (p["size"] - 1) / 2
        outside = r[None] ** 2 + r[:, None] ** 2 > (p["size"] / 2) ** 2
        assert np.all(g[outside] == 0)
        assert abs(g.sum()) < 1e-9
        assert np.sum(g**2) == pytest.approx(1.0)
        assert np.allclose(g, g[::-1, ::-1])  # even (cosine) filter


def test_gabor_orientation_prefers_matching_bar():
    p = hmax.s1_parameters()[2]
    g = hmax.gabor_filter(p["size"], p["lambda"], p["sigma"], 90.0)
    vert = stimuli.bar_image(p["size"], 11, 2, 90.0)
    horiz = stimuli.bar_image(p["size"], 11, 2, 0.0)
    assert abs((g * vert).sum()) > 3 * abs((g * horiz).sum())


def test_s1_matches_direct_convolution(tiny_model):
    x = torch.from_numpy(np.random.default_rng(1).random((2, 40, 48), dtype=np.float32))
    zero = hmax.HMAX(tiny_model.prototypes, border="zero")
    s1 = zero.s1(x.numpy())
    for size in hmax.S1_SIZES[::5]:
        k = hmax.S1_SIZES.index(size)
        w = torch.from_numpy(hmax.filter_bank()[k].astype(np.float32))[:, None]
        num = F.conv2d(x[:, None], w, padding=size // 2).abs()
        den = F.conv2d(x[:, None] ** 2, torch.ones(1, 1, size, size), padding=size // 2).sqrt()
        np.testing.assert_allclose(s1[k], (num / den).numpy(), atol=2e-4)
        assert s1[k].max() <= 1 + 1e-4  # Cauchy-Schwarz: normalised responses are <= 1


@pytest.mark.parametrize("h,w", [(128, 128), (96, 130)])
def test_c1_sizes_per_band(tiny_model, h, w):
    c1 = tiny_model.c1(np.random.default_rng(2).random((2, h, w)))
    assert len(c1) == 8
    assert [c.shape for c in c1] == [(2, 4, *s) for s in hmax.c1_sizes(h, w)]
    if (h, w) == (128, 128):
        assert [s[0] for s in hmax.c1_sizes(128)] == [32, 26, 22, 19, 16, 15, 13, 12]


def test_c1_pool_is_max_over_scales_and_grid():
    rng = np.random.default_rng(3)
    s = rng.random((2, 4, 20, 20))
    out = hmax.c1_pool(s, 8, 4)
    m = s.max(0)
    assert out.shape == (4, 5, 5)
    assert out[1, 2, 3] == pytest.approx(m[1, 8:16, 12:20].max())
    assert out[0, 4, 4] == pytest.approx(m[0, 16:, 16:].max())  # truncated at the border


def test_s2_distance_equals_brute_force(tiny_model):
    img = np.random.default_rng(4).random((1, 64, 64), dtype=np.float32)
    c1 = tiny_model.c1(img)
    d2 = tiny_model.c2_distance(img)[0]
    protos = np.concatenate([p.reshape(len(p), -1) for p in tiny_model.prototypes[:1]])
    best = np.full(len(protos), np.inf)
    n = 4
    for band in c1:
        b = band[0]
        for i in range(b.shape[1] - n + 1):
            for j in range(b.shape[2] - n + 1):
                x = b[:, i : i + n, j : j + n].ravel()
                best = np.minimum(best, ((protos - x) ** 2).sum(1))
    np.testing.assert_allclose(d2[:5], best, rtol=1e-3, atol=1e-4)
    c2 = tiny_model.c2(img)
    assert c2.shape == (1, 10) and np.all((c2 > 0) & (c2 <= 1))


def test_s2_same_padding_covers_every_position(tiny_model):
    same = hmax.HMAX(tiny_model.prototypes, s2_padding="same")
    s2 = same.s2(np.random.default_rng(5).random((1, 64, 64)))
    c1 = same.c1(np.random.default_rng(5).random((1, 64, 64)))
    assert all(s[0].shape[-2:] == c.shape[-2:] for s, c in zip(s2, c1, strict=True))
    valid = tiny_model.c2_distance(np.random.default_rng(5).random((1, 64, 64)))
    assert np.all(same.c2_distance(np.random.default_rng(5).random((1, 64, 64))) <= valid + 1e-4)


def test_invariance_ordering_under_translation():
    model = hmax.HMAX(hmax.default_prototypes(n_per_size=20))
    curves = hmax_experiments.invariance_curves(model, shifts=(0, 4, 8, 16))
    for k in range(1, 4):
        assert curves["S1"][k] < curves["C1"][k] < curves["C2"][k], k
    assert curves["C2"][-1] > 0.95
    assert curves["S1"][-1] < 0.7


def test_pooling_experiments_max_vs_sum():
    res = hmax_experiments.pooling_experiments()
    np.testing.assert_allclose(res["translation"]["max"], 1.0, atol=0.02)
    assert res["translation"]["s1"].min() < 0.05  # the simple cell is position-bound
    assert res["scale"]["sum"][-1] > 2 * res["scale"]["max"][-1]
    np.testing.assert_allclose(res["clutter"]["max"], 1.0, atol=0.05)
    assert res["clutter"]["sum"][-1] > 1.5


def test_prototypes_deterministic_and_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(hmax, "CACHE_DIR", tmp_path)
    a = hmax.default_prototypes(n_per_size=6, seed=3)
    files = list(tmp_path.glob("hmax_prototypes_*.npz"))
    assert len(files) == 1
    b = hmax.default_prototypes(n_per_size=6, seed=3)  # from the cache
    files[0].write_bytes(b"corrupt")
    c = hmax.default_prototypes(n_per_size=6, seed=3)  # regenerated
    d = hmax.default_prototypes(n_per_size=6, seed=3, cache=False)
    for x, y, z, w, n in zip(a, b, c, d, hmax.PATCH_SIZES, strict=True):
        assert x.shape == (6, 4, n, n)
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
        np.testing.assert_array_equal(x, w)
    e = hmax.default_prototypes(n_per_size=6, seed=4, cache=False)
    assert not np.array_equal(a[0], e[0])


def test_patch_set_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    protos = [rng.random((3, 4, n, n)).astype(np.float32) for n in (4, 8, 12, 16)]
    path = save_patch_set(tmp_path / "universal_patch_set.mat", protos)
    loaded = hmax_patch_set.load_patch_set(path)
    for p, q in zip(protos, loaded, strict=True):
        np.testing.assert_array_equal(p, q)


def test_patch_set_layout_is_column_major(tmp_path):
    import scipy.io

    n, k = 4, 2
    # MATLAB patch(i, j, o) with i = row, j = column, o = orientation channel (90, -45, 0, 45)
    vals = np.arange(n * n * 4 * k, dtype=float).reshape(n, n, 4, k, order="F")
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = vals.reshape(n * n * 4, k, order="F")
    scipy.io.savemat(tmp_path / "p.mat", {"patches": cells})
    p = hmax_patch_set.load_patch_set(tmp_path / "p.mat")[0]
    assert p.shape == (k, 4, n, n)
    # our channel 0 is 0 deg = MATLAB channel 2; row 1, column 3 of patch 1
    assert p[1, 0, 1, 3] == vals[1, 3, 2, 1]
    assert p[0, 2, 0, 0] == vals[0, 0, 0, 0]  # 90 deg = MATLAB channel 0


def test_patch_set_bad_files(tmp_path):
    import scipy.io

    with pytest.raises(FileNotFoundError, match="cell array"):
        hmax_patch_set.load_patch_set(tmp_path / "missing.mat")
    (tmp_path / "junk.mat").write_bytes(b"not a mat file at all")
    with pytest.raises(ValueError, match="expected a MATLAB file with a variable `patches`"):
        hmax_patch_set.load_patch_set(tmp_path / "junk.mat")
    scipy.io.savemat(tmp_path / "nopatch.mat", {"other": np.ones(3)})
    with pytest.raises(ValueError, match="no variable `patches`"):
        hmax_patch_set.load_patch_set(tmp_path / "nopatch.mat")
    scipy.io.savemat(tmp_path / "matrix.mat", {"patches": np.ones((64, 3))})
    with pytest.raises(ValueError, match="not a cell array"):
        hmax_patch_set.load_patch_set(tmp_path / "matrix.mat")
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = np.ones((63, 2))
    scipy.io.savemat(tmp_path / "rows.mat", {"patches": cells})
    with pytest.raises(ValueError, match="not n\\*n\\*4"):
        hmax_patch_set.load_patch_set(tmp_path / "rows.mat")


def test_bad_inputs(tiny_model):
    with pytest.raises(ValueError, match="images must"):
        tiny_model.c2(np.zeros((2, 3, 64, 64)))
    with pytest.raises(ValueError, match="at least 16"):
        tiny_model.c1(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="finite"):
        tiny_model.c1(np.full((32, 32), np.nan))
    with pytest.raises(TypeError, match="prototypes"):
        hmax.HMAX(np.zeros((3, 4, 4, 4)))
    with pytest.raises(ValueError, match=r"prototypes\[0\] must have shape"):
        hmax.HMAX([np.zeros((3, 2, 4, 4))])
    with pytest.raises(ValueError, match="s2_padding"):
        hmax.HMAX(tiny_model.prototypes, s2_padding="full")
    with pytest.raises(ValueError, match="size must be >= 1"):
        hmax.gabor_filter(0, 3.5, 2.8, 0.0)
    with pytest.raises(ValueError, match="op must be"):
        hmax_experiments.pool(np.ones((3, 3)), "mean")
    with pytest.raises(ValueError, match="s1_pair"):
        hmax.c1_pool(np.ones((3, 4, 8, 8)), 8, 4)


def test_benchmark_returns_seconds_per_image():
    t = bench_vision.hmax_seconds_per_image(n_images=2, n_per_size=4, clock="cpu")
    assert 0 < t < 5


def test_checks_accept_reference_and_reject_wrong():
    hmax_checks.check_gabor(lambda s, l, sg, o, g=0.3: hmax.gabor_filter(s, l, sg, o, g))
    hmax_checks.check_pool(hmax_experiments.pool)
    hmax_checks.check_decode(decoding.decode_accuracy)
    with pytest.raises(CheckError, match="disk"):
        hmax_checks.check_gabor(lambda s, l, sg, o, g=0.3: np.ones((s, s)) / s)
    with pytest.raises(CheckError):
        hmax_checks.check_pool(lambda m, op: np.asarray(m).mean(axis=(-2, -1)))
    with pytest.raises(NotImplementedError):
        hmax_checks.check_decode(lambda *a: (_ for _ in ()).throw(NotImplementedError()))
