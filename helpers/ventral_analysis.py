"""Notebook 08's analyses: the same images seen by pixels, HMAX and a task-trained network, read out
by the decoders of notebook 07 and regressed onto V4 and IT sites.

This is the one module of the notebook that reaches into the rest of the collection (the image
set and stand-in data of :mod:`helpers.neural_standin`, the readers of :mod:`helpers.neural_data`,
HMAX of :mod:`helpers.hmax`, the decoders of :mod:`helpers.decoding`):

* :func:`held_out` -- the images of the objects the network never saw;
* :func:`representations` -- pixels, HMAX C1 and C2, and every layer of each network, each read
  through the same number of randomly chosen units (:data:`N_UNITS`, the size of the smallest);
* :func:`depth_decoding` -- category (new objects) and identity (new views) decoding at each
  variation level, for every representation (notebook 07's decoder and splits);
* :func:`neural_data_set`, :func:`repetition_halves` and :func:`repetition_halvings` -- the
  recordings (real or stand-in) and random halvings of their repetitions, for the noise ceiling;
* :func:`brainscore_table` -- Brain-Score's ceiled score of every representation for each region;
* :func:`predictivity_table` -- the per-site convention: every site's signed, ceiling-normalised
  predictivity.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
import torch.nn.functional as F

from . import decoding, hmax, neural_data, neural_standin
from . import predictivity as pred
from . import validation as val
from .paths import CACHE_DIR
from .ventral_cnn import LAYERS, VentralCNN, layer_features

__all__ = [
    "N_UNITS",
    "HMAX_SIZE",
    "BASELINES",
    "held_out",
    "hmax_features",
    "subsample_units",
    "representations",
    "depth_decoding",
    "unit_count_effect",
    "neural_data_set",
    "repetition_halves",
    "repetition_halvings",
    "ventral_hdf5_halves",
    "predictivity_splits",
    "predictivity_table",
    "brainscore_table",
    "summaries",
    "best_layers",
]

#: Units read from each representation: a random subset of this many, the same number for every
#: layer, pixels and HMAX, so that no comparison along the hierarchy is one of unit counts. It is
#: the size of the smallest representation, the network's "pool" (128 channels; HMAX C2 has 200).
N_UNITS = 128
#: Side at which HMAX sees the images, px (the stand-in's; notebook 07's C2 baseline).
HMAX_SIZE = neural_standin.IMAGE_SIZE
#: The hand-built baselines, in order of depth.
BASELINES: tuple[str, ...] = ("pixels", "HMAX C1", "HMAX C2")
_CACHE_VERSION = "v1"


def held_out(data: neural_data.NeuralData, objects: Sequence[int],
             n_per_object: int | None = None) -> neural_data.NeuralData:
    """The images (and everything about them) of the given objects only.

    Parameters
    ----------
    data : NeuralData
    objects : sequence of int
        Object indices to keep.
    n_per_object : int, optional
        Keep only the first this many images of each object at each variation level.
    """
    keep = np.isin(data.obj, np.asarray(objects))
    if not keep.any():
        raise ValueError("none of the given objects is in the data set")
    if n_per_object is not None:
        n_per_object = val.check_scalar(n_per_object, "n_per_object", int, min_val=1)
        rank = np.zeros(len(data), int)
        for key in set(zip(data.obj[keep].tolist(), data.level[keep].tolist(), strict=True)):
            rows = np.flatnonzero(keep & (data.obj == key[0]) & (data.level == key[1]))
            rank[rows] = np.arange(len(rows))
        keep &= rank < n_per_object
    return data.subset(keep)


def _resize(images: Any, side: int) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))[:, None]
    if x.shape[-1] == side and x.shape[-2] == side:
        return x
    return F.interpolate(x, size=(side, side), mode="bilinear", antialias=True, align_corners=False)


def hmax_features(images: Any, size: int = HMAX_SIZE, cache: bool = True) -> dict[str, np.ndarray]:
    """HMAX C1 (all 8 bands, flattened) and C2 of the images seen at ``size`` px, cached on disk.

    C2 is notebook 07's baseline: 50 natural-image prototypes per patch size (those that fit the
    C1 maps), the best match over positions and bands. The result is cached in
    ``helpers.paths.CACHE_DIR`` under a hash of the images (a read-only cache only costs time).

    Returns
    -------
    dict
        ``"HMAX C1"``: (n, n_c1_units) and ``"HMAX C2"``: (n, n_prototypes), float32.
    """
    x = _resize(images, size)[:, 0].numpy()
    digest = hashlib.sha1(np.round(x * 255).astype(np.uint8).tobytes() + f"{_CACHE_VERSION}-{size}".encode())
    path = CACHE_DIR / f"ventral_hmax_{digest.hexdigest()[:12]}.npz"
    if cache and path.exists():
        try:
            with np.load(path) as z:
                return {"HMAX C1": z["c1"], "HMAX C2": z["c2"]}
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            pass  # unreadable cache: recompute below
    protos = hmax.default_prototypes(n_per_size=neural_standin.C2_PER_SIZE)
    c1 = hmax.HMAX(protos).c1(x)
    out = {"HMAX C1": np.concatenate([c.reshape(len(x), -1) for c in c1], axis=1).astype(np.float32),
           "HMAX C2": neural_standin.c2_features(c1, protos)}
    if cache:
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, c1=out["HMAX C1"], c2=out["HMAX C2"])
            tmp.replace(path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return out


def subsample_units(features: Any, n_units: int, seed: Any = 0) -> np.ndarray:
    """At most ``n_units`` columns of ``features`` (n, d), chosen at random without replacement (kept in order)."""
    x = np.asarray(features)
    n_units = val.check_scalar(n_units, "n_units", int, min_val=1)
    if x.shape[1] <= n_units:
        return x
    rng = val.check_rng(seed)
    return x[:, np.sort(rng.choice(x.shape[1], n_units, replace=False))]


def representations(images: Any, networks: Mapping[str, VentralCNN], baselines: Mapping[str, np.ndarray] | None = None,
                    n_units: int = N_UNITS, seed: int = 0) -> dict[str, np.ndarray]:
    """Every representation of the same images, each read through ``n_units`` random units (all, if fewer).

    Parameters
    ----------
    images : array_like, shape (n, H, W)
        Grey levels in [0, 1].
    networks : dict name -> VentralCNN
        E.g. ``{"trained": model, "random": untrained}``; each contributes ``"<name> <layer>"`` for
        every layer of :data:`helpers.ventral_cnn.LAYERS`.
    baselines : dict, optional
        Precomputed baselines among :data:`BASELINES`; the missing ones are computed here (pixels
        on a 48 x 48 grid, HMAX at :data:`HMAX_SIZE` px, cached).
    n_units : int
    seed : int
        Which units are read (one draw per representation, the same for every image).

    Returns
    -------
    dict name -> numpy.ndarray, shape (n, <= n_units), float32
        Baselines first, then each network's layers in order of depth.
    """
    baselines = dict(baselines or {})
    missing = [b for b in BASELINES if b not in baselines]
    if "pixels" in missing:
        baselines["pixels"] = neural_standin.pixel_features(images)
    if "HMAX C1" in missing or "HMAX C2" in missing:
        baselines.update({k: v for k, v in hmax_features(images).items() if k in missing})
    out = {}
    ss = np.random.SeedSequence(seed)
    names = list(BASELINES) + [f"{net} {layer}" for net in networks for layer in LAYERS]
    rngs = dict(zip(names, (np.random.default_rng(s) for s in ss.spawn(len(names))), strict=True))
    for b in BASELINES:
        out[b] = subsample_units(baselines[b], n_units, rngs[b]).astype(np.float32)
    for net, model in networks.items():
        for layer, x in layer_features(model, images).items():
            out[f"{net} {layer}"] = subsample_units(x, n_units, rngs[f"{net} {layer}"])
    return out


def depth_decoding(reps: Mapping[str, np.ndarray], data: neural_data.NeuralData, levels: Sequence[int] = (0, 3, 6),
                   n_folds: int = 4, n_resamples: int = 1,
                   seed: int = 0) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Linear decoding of every representation at every variation level (notebook 07's decoder).

    Category is decoded on **new objects** (object-wise folds: the decoder never saw the test
    objects), identity on new views of the objects (image-wise folds). With 4 objects per
    category, one draw of object-wise folds moves an accuracy by a few points: ``n_resamples``
    draws are averaged (and give the standard error). Every representation gets the same folds.

    Returns
    -------
    dict task -> name -> ``decoding.accuracy_by_level`` result (``levels``, ``mean``, ``sem``, ...)
    """
    out: dict[str, dict[str, dict[str, np.ndarray]]] = {"category": {}, "identity": {}}
    for task, split in (("category", "objects"), ("identity", "images")):
        for name, x in reps.items():
            out[task][name] = decoding.accuracy_by_level(x, data.category, data.obj, data.level, task, levels,
                                                         n_resamples=n_resamples, n_folds=n_folds, seed=seed,
                                                         split=split)
    return out


def unit_count_effect(networks: Mapping[str, VentralCNN], data: neural_data.NeuralData, layer: str = "conv1",
                      counts: Sequence[int] = (N_UNITS, 1000), level: int = 0, task: str = "identity",
                      seed: int = 0) -> dict[str, dict[int, float]]:
    """How a layer's decoding accuracy depends on how many of its units are read, at one level.

    Parameters
    ----------
    networks : dict name -> VentralCNN
    data : NeuralData
        Images and labels (e.g. :func:`held_out`).
    layer : str
        One of :data:`helpers.ventral_cnn.LAYERS`.
    counts : sequence of int
        Units read (random subsets, one draw each).
    level : int
    task : {"identity", "category"}
        Identity on new views (image-wise folds) or category of new objects (object-wise folds).

    Returns
    -------
    dict network -> count -> held-out accuracy
    """
    sel = data.level == level
    if not sel.any():
        raise ValueError(f"no images at level {level}")
    split = "images" if task == "identity" else "objects"
    out: dict[str, dict[int, float]] = {}
    for name, model in networks.items():
        x = layer_features(model, data.images[sel])[layer]
        out[name] = {int(n): decoding.decode_task(subsample_units(x, int(n), seed), data.category[sel], data.obj[sel],
                                                  task, seed=seed, split=split) for n in counts}
    return out


def neural_data_set(path: str | Path | None, standin: neural_data.NeuralData) -> neural_data.NeuralData:
    """The recordings to predict: the real file at ``path`` (with its images), else ``standin``
    (e.g. the stand-in's images of the objects the network never saw, :func:`held_out`).

    A file without images (Brain-Score's netCDF) cannot be used: a model needs the images.
    """
    if not path:
        return standin
    try:
        data = neural_data.load(path, images=True)
    except TypeError:  # a reader without images
        data = neural_data.load(path)
    if data.images is None:
        raise ValueError(f"{path} holds no images; the model's features need them -- use ventral_neural_data.hdf5 "
                         "or IT_data.h5, or unset the path to use the stand-in")
    return data


def ventral_hdf5_halves(path: str | Path, data: neural_data.NeuralData,
                        seed: Any = 0) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Two halves of the repetitions of ``ventral_neural_data.hdf5``, or None if it has no trials.

    Reads ``time_averaged/variation_level_{0,3,6}`` (trials, images of that level, sites), splits
    each image's trials at random into two halves and averages each (missing trials, NaN, ignored).
    """
    rng = val.check_rng(seed)
    with h5py.File(path, "r") as f:
        if "time_averaged" not in f or "neural_meta" not in f:
            return None
        cols = {r: np.asarray(f[f"neural_meta/{r}_NEURONS"][()]).astype(int).ravel() for r in data.regions}
        halves = {r: (np.empty(data.responses[r].shape), np.empty(data.responses[r].shape)) for r in data.regions}
        for level in data.levels:
            trials = np.asarray(f[f"time_averaged/variation_level_{level}"][()], dtype=float)
            rows = np.flatnonzero(data.level == level)
            if trials.ndim != 3 or trials.shape[1] != len(rows):
                return None
            order = rng.permutation(trials.shape[0])
            a, b = order[: len(order) // 2], order[len(order) // 2 :]
            for r, c in cols.items():
                halves[r][0][rows] = np.nanmean(trials[a][:, :, c], axis=0)
                halves[r][1][rows] = np.nanmean(trials[b][:, :, c], axis=0)
    return halves


def repetition_halves(data: neural_data.NeuralData, path: str | Path | None = None,
                      seed: Any = 0) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Mean responses over two halves of the repetitions, per region, or None when not available.

    The stand-in's means are Poisson counts: they are split exactly
    (:func:`helpers.predictivity.poisson_halves`). ``ventral_neural_data.hdf5`` stores its trials;
    ``IT_data.h5`` and the netCDF readers give means only.
    """
    if not path:
        window = neural_data.WINDOW_S[1] - neural_data.WINDOW_S[0]
        rng = val.check_rng(seed)
        return {r: pred.poisson_halves(data.responses[r], neural_data.N_REPETITIONS, window, rng)
                for r in data.regions}
    try:
        return ventral_hdf5_halves(path, data, seed)
    except (OSError, KeyError, ValueError):
        return None


def repetition_halvings(data: neural_data.NeuralData, path: str | Path | None = None,
                        n_halvings: int = pred.N_CEILING_HALVES,
                        seed: int = 0) -> dict[str, list[tuple[np.ndarray, np.ndarray]]] | None:
    """``n_halvings`` independent random halvings of the repetitions (:func:`repetition_halves`), per region.

    Returns
    -------
    dict region -> list of (half_a, half_b), each (n_images, n_sites); None without repetitions.
    """
    n_halvings = val.check_scalar(n_halvings, "n_halvings", int, min_val=1)
    seeds = np.random.SeedSequence(seed).spawn(n_halvings)
    runs = [repetition_halves(data, path, np.random.default_rng(s)) for s in seeds]
    if any(r is None for r in runs):
        return None
    return {r: [run[r] for run in runs] for r in data.regions}


def predictivity_splits(data: neural_data.NeuralData, n_folds: int = 4, seed: int = 0) -> list:
    """The per-site convention's k folds over images, stratified by object (every object in every fold)."""
    return decoding.image_splits(data.obj, n_folds, seed)


def brainscore_table(reps: Mapping[str, np.ndarray], data: neural_data.NeuralData,
                     halvings: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]] | None,
                     seed: int = 1) -> dict[str, dict[str, pred.BrainScore]]:
    """Brain-Score's score of every representation for every region (:func:`helpers.predictivity.brain_score`).

    Parameters
    ----------
    reps : dict name -> (n_images, n_units)
    data : NeuralData
        The same images, in the same order.
    halvings : dict region -> list of (half_a, half_b), or None
        Halvings of the repetitions for the ceiling (:func:`repetition_halvings`); None: no
        ceiling (1), the score is then the squared raw correlation.
    seed : int
        Of the 10 splits (Brain-Score's ``random_state`` is 1); every representation gets the same.

    Returns
    -------
    dict name -> region -> BrainScore
    """
    splits = pred.brainscore_splits(data.obj, seed=seed)
    ceilings = {r: pred.brainscore_ceiling(halvings[r]) if halvings else 1.0 for r in data.regions}
    return {name: {r: pred.brain_score(x, data.responses[r], splits, ceilings[r]) for r in data.regions}
            for name, x in reps.items()}


def predictivity_table(reps: Mapping[str, np.ndarray], data: neural_data.NeuralData, ceilings: Mapping[str, np.ndarray],
                       splits: Sequence, predict: Callable[..., np.ndarray] = pred.predictivity
                       ) -> dict[str, dict[str, np.ndarray]]:
    """The per-site convention: every site's signed, ceiling-normalised predictivity from every representation.

    Parameters
    ----------
    reps : dict name -> (n_images, n_units)
    data : NeuralData
        The same images, in the same order.
    ceilings : dict region -> (n_sites,)
    splits : list of (train_index, test_index)
    predict : callable
        ``predict(features, responses, splits, ceiling) -> (n_sites,)`` (yours or the reference,
        :func:`helpers.predictivity.predictivity`: ``sign(r) r^2 / ceiling``).

    Returns
    -------
    dict name -> region -> numpy.ndarray, shape (n_sites,)
    """
    regions = list(ceilings)
    sizes = np.cumsum([0] + [data.responses[r].shape[1] for r in regions])
    responses = np.concatenate([data.responses[r] for r in regions], axis=1)  # one fit for every site
    ceiling = np.concatenate([np.asarray(ceilings[r], float) for r in regions])
    out = {}
    for name, x in reps.items():
        per_site = np.asarray(predict(x, responses, splits, ceiling), float)
        out[name] = {r: per_site[sizes[i] : sizes[i + 1]] for i, r in enumerate(regions)}
    return out


def summaries(scores: Mapping[str, Mapping[str, pred.BrainScore]], per_site: Mapping[str, Mapping[str, np.ndarray]],
              ceilings: Mapping[str, np.ndarray]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Both conventions' summaries, for :func:`helpers.plotting.predictivity_figure` and :func:`best_layers`.

    Parameters
    ----------
    scores : from :func:`brainscore_table`
    per_site : from :func:`predictivity_table`
    ceilings : dict region -> (n_sites,), the per-site ceilings (sites below
        ``predictivity.MIN_RELIABILITY`` are left out of the per-site medians)

    Returns
    -------
    dict convention -> name -> region -> {"value", "low", "high", "n_sites"}
        Keys of :data:`helpers.predictivity.CONVENTIONS`.
    """
    return {"Brain-Score": {name: {r: s.summary() for r, s in t.items()} for name, t in scores.items()},
            "per site": {name: {r: pred.summarise(v, ceilings[r]) for r, v in t.items()}
                         for name, t in per_site.items()}}


def best_layers(summary: Mapping[str, Mapping[str, Mapping[str, float]]], prefix: str = "trained ") -> dict[str, str]:
    """The layer of one network (names starting with ``prefix``) with the highest ``value`` per region."""
    out = {}
    regions = {r for v in summary.values() for r in v}
    for r in sorted(regions, key=lambda x: (x != "V4", x)):
        cands = {k[len(prefix):]: v[r]["value"] for k, v in summary.items() if k.startswith(prefix) and r in v}
        cands = {k: m for k, m in cands.items() if np.isfinite(m)}
        if cands:
            out[r] = max(cands, key=cands.get)
    return out
