"""Linear readouts of population responses: cross-validated decoders, splits, site counts.

The question of Majaj, Hong, Solomon & DiCarlo (2015) and Hong et al. (2016): how well does a
*linear* classifier, reading a population of sites, report an image's object category or
identity on images it was not trained on? Here:

* :func:`make_decoder` -- standardise the sites, then a ridge classifier (one-vs-rest least
  squares with an L2 penalty chosen by efficient leave-one-out on the training images); it fits
  in milliseconds on one core, so curves over many resamples stay cheap;
* :func:`image_splits` -- folds stratified by label (each fold holds some images of every class:
  the decoder is tested on new *images* of objects it was trained on, as in Majaj et al. 2015);
* :func:`object_splits` -- folds that keep all images of an object together, with objects of
  every category in every fold (category decoding must generalise to new *objects*);
* :func:`objectwise_alpha` -- the ridge penalty chosen by inner folds that hold out whole
  objects, for decoders that must generalise to new objects (leave-one-image-out would tune the
  penalty for new views of the training objects instead);
* :func:`cross_validated_accuracy`, :func:`decode_accuracy` (stratified folds in one call),
  :func:`decode_task`, :func:`accuracy_vs_sites` (accuracy against the number of
  sites read, over random subsets of sites), :func:`accuracy_by_level` and
  :func:`compare_by_level` (every region and model of a data set, level by level).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import validation as val
from .neural_data import NeuralData

__all__ = [
    "ALPHAS",
    "TASKS",
    "make_decoder",
    "image_splits",
    "object_splits",
    "objectwise_alpha",
    "cross_validated_accuracy",
    "decode_accuracy",
    "task_labels",
    "decode_task",
    "site_counts",
    "subsample_sites",
    "accuracy_vs_sites",
    "accuracy_by_level",
    "compare_by_level",
]

#: Ridge penalties searched on each training set (features standardised).
ALPHAS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
#: Decoding tasks: category (8-way) and identity (which of the 64 objects).
TASKS: tuple[str, ...] = ("category", "identity")

Split = tuple[np.ndarray, np.ndarray]


#: Inner folds of :func:`objectwise_alpha` (at most the objects per category of a training fold).
N_INNER_FOLDS = 3


def make_decoder(alphas: Sequence[float] = ALPHAS):
    """A linear classifier: standardise each site on the training images, then ridge regression
    onto one-hot labels (penalty chosen among ``alphas`` by leave-one-out), predict the arg-max.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """

    return make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.asarray(alphas, float)))


def _labels(labels: Any, name: str = "labels") -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 labels, got shape {y.shape}")
    return y


def image_splits(labels: Any, n_folds: int = 4, seed: Any = 0) -> list[Split]:
    """Folds stratified by label: every class in every test fold, images shuffled with ``seed``.

    Parameters
    ----------
    labels : array_like, shape (n_images,)
    n_folds : int
        At most the size of the smallest class.
    seed : int or numpy.random.Generator

    Returns
    -------
    list of (train_index, test_index)
    """

    y = _labels(labels)
    n_folds = val.check_scalar(n_folds, "n_folds", int, min_val=2)
    smallest = np.unique(y, return_counts=True)[1].min()
    if smallest < n_folds:
        raise ValueError(f"n_folds must be <= the smallest class size ({smallest}), got {n_folds}")
    rs = int(val.check_rng(seed).integers(2**31))
    return list(StratifiedKFold(n_folds, shuffle=True, random_state=rs).split(np.zeros(len(y)), y))


def object_splits(objects: Any, categories: Any, n_folds: int = 4, seed: Any = 0) -> list[Split]:
    """Folds that keep every object's images together, objects of each category spread over folds.

    Each category's objects are shuffled and dealt to the folds in turn, so every test fold holds
    whole objects -- never seen in training -- from every category (when a category has at least
    ``n_folds`` objects).

    Parameters
    ----------
    objects : array_like, shape (n_images,)
        Object label of each image.
    categories : array_like, shape (n_images,)
        Category of each image (one per object).
    n_folds : int
    seed : int or numpy.random.Generator

    Returns
    -------
    list of (train_index, test_index)
    """
    o = _labels(objects, "objects")
    c = _labels(categories, "categories")
    if c.shape != o.shape:
        raise ValueError(f"categories must have the shape of objects {o.shape}, got {c.shape}")
    n_folds = val.check_scalar(n_folds, "n_folds", int, min_val=2)
    rng = val.check_rng(seed)
    fold_of: dict[Any, int] = {}
    for cat in np.unique(c):
        objs = np.unique(o[c == cat])
        for k, ob in enumerate(rng.permutation(objs)):
            if ob in fold_of:
                raise ValueError(f"object {ob!r} appears in more than one category")
            fold_of[ob] = k % n_folds
    if len(set(fold_of.values())) < n_folds:
        raise ValueError(f"n_folds must be <= the number of objects per category, got {n_folds}")
    fold = np.array([fold_of[x] for x in o])
    idx = np.arange(len(o))
    return [(idx[fold != k], idx[fold == k]) for k in range(n_folds)]


def _standardise(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sets scaled with the training set's mean and standard deviation (as StandardScaler)."""
    mu, sd = train.mean(0), train.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    return (train - mu) / sd, (other - mu) / sd


def objectwise_alpha(features: Any, labels: Any, objects: Any, alphas: Sequence[float] = ALPHAS,
                     n_folds: int = N_INNER_FOLDS, seed: Any = 0) -> float:
    """The penalty of :func:`make_decoder` that classifies *new objects* best, by inner object-wise folds.

    For each inner fold (:func:`object_splits`: whole objects held out, from every category), the
    features are standardised on its training images and the ridge classifier of
    :func:`make_decoder` (one-vs-rest least squares on +-1 targets, with intercept) is solved for
    every penalty at once from one eigendecomposition of the training Gram matrix; the penalty with
    the most correct held-out labels over the inner folds wins (ties: the smallest).

    Parameters
    ----------
    features : array_like, shape (n_images, n_sites)
    labels : array_like, shape (n_images,)
        Class of each image (the category).
    objects : array_like, shape (n_images,)
        Object of each image.
    alphas : sequence of float
    n_folds : int
        Inner folds (capped at the number of objects of the smallest category).
    seed : int or numpy.random.Generator

    Returns
    -------
    float
        The chosen penalty.
    """
    X = val.as_array(features, "features", ndim=2)
    y, o = _labels(labels), _labels(objects, "objects")
    if not len(y) == len(o) == len(X):
        raise ValueError(f"labels and objects must have {len(X)} entries, got {len(y)} and {len(o)}")
    per_class = min(len(np.unique(o[y == c])) for c in np.unique(y))
    if per_class < 2:
        raise ValueError("objectwise_alpha needs at least 2 objects per class in the training images")
    alphas = np.asarray(alphas, float)
    classes = np.unique(y)
    correct = np.zeros(len(alphas))
    for tr, te in object_splits(o, y, min(n_folds, per_class), seed):
        a, b = _standardise(X[tr], X[te])
        targets = np.where(y[tr][:, None] == classes[None, :], 1.0, -1.0)
        mean = targets.mean(0)
        a_mean = a.mean(0)
        a, b = a - a_mean, b - a_mean
        lam, q = np.linalg.eigh(a @ a.T)
        proj, cross = q.T @ (targets - mean), (b @ a.T) @ q
        for k, alpha in enumerate(alphas):
            scores = cross @ (proj / (np.maximum(lam, 0.0) + alpha)[:, None]) + mean
            correct[k] += np.sum(classes[scores.argmax(1)] == y[te])
    return float(alphas[int(np.argmax(correct))])


def cross_validated_accuracy(features: Any, labels: Any, splits: Sequence[Split],
                             decoder: Callable[..., Any] = make_decoder, objects: Any = None,
                             seed: Any = 0) -> float:
    """Mean held-out accuracy of a decoder fitted on each training fold.

    Parameters
    ----------
    features : array_like, shape (n_images, n_sites)
    labels : array_like, shape (n_images,)
    splits : list of (train_index, test_index)
    decoder : callable
        Returns a fresh scikit-learn classifier; with ``objects``, called as ``decoder(alphas=(a,))``.
    objects : array_like, shape (n_images,), optional
        Object of each image: tune each training fold's penalty for new objects
        (:func:`objectwise_alpha` on the training images only), then fit ``decoder(alphas=(a,))``.
        Default: the decoder tunes itself (:func:`make_decoder`: leave-one-image-out).
    seed : int or numpy.random.Generator
        Inner folds, with ``objects``.

    Returns
    -------
    float
        Fraction correct on the test folds, averaged over folds.
    """
    X = val.as_array(features, "features", ndim=2)
    y = _labels(labels)
    if len(y) != len(X):
        raise ValueError(f"labels must have shape ({len(X)},), got {y.shape}")
    if not splits:
        raise ValueError("splits must hold at least one (train_index, test_index) pair")
    obj = None if objects is None else _labels(objects, "objects")
    if obj is not None and len(obj) != len(y):
        raise ValueError(f"objects must have shape ({len(y)},), got {obj.shape}")
    rng = val.check_rng(seed)
    scores = []
    with threadpool_limits(1, user_api="blas"):  # small problems: one thread is fastest on a shared CPU
        for train, test in splits:
            if obj is None:
                clf = decoder()
            else:
                clf = decoder(alphas=(objectwise_alpha(X[train], y[train], obj[train], seed=rng),))
            clf = clf.fit(X[train], y[train])
            scores.append(np.mean(clf.predict(X[test]) == y[test]))
    return float(np.mean(scores))


def decode_accuracy(features: Any, labels: Any, n_folds: int = 4, seed: Any = 0) -> float:
    """Cross-validated accuracy of :func:`make_decoder` on folds stratified by label.

    The reference of notebook 06's decoding exercise: :func:`image_splits` then
    :func:`cross_validated_accuracy`.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    labels : array_like, shape (n_images,)
    n_folds : int
    seed : int or numpy.random.Generator
        Shuffles the images before they are dealt to the folds.

    Returns
    -------
    float
        Mean held-out fraction correct.
    """
    return cross_validated_accuracy(features, labels, image_splits(labels, n_folds, seed))


def task_labels(task: str, category: Any, obj: Any) -> np.ndarray:
    """Labels of a decoding task: the category (``"category"``) or the object (``"identity"``)."""
    if task == "category":
        return np.asarray(category)
    if task == "identity":
        return np.asarray(obj)
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def decode_task(features: Any, category: Any, obj: Any, task: str = "category", n_folds: int = 4,
                seed: Any = 0, split: str = "images") -> float:
    """Cross-validated accuracy of one task.

    Parameters
    ----------
    features : array_like, shape (n_images, n_sites)
    category, obj : array_like, shape (n_images,)
    task : {"category", "identity"}
    n_folds : int
    seed : int or numpy.random.Generator
    split : {"images", "objects"}
        Test on new images of the trained objects (:func:`image_splits`, as Majaj et al. 2015; the
        penalty tuned by leave-one-image-out), or on new objects (:func:`object_splits`; category
        only; the penalty tuned by inner object-wise folds, :func:`objectwise_alpha`).
    """
    y = task_labels(task, category, obj)
    if split == "images":
        return decode_accuracy(features, y, n_folds, seed)
    if split != "objects":
        raise ValueError(f"split must be 'images' or 'objects', got {split!r}")
    if task != "category":
        raise ValueError("split='objects' needs task='category': identity cannot be tested on new objects")
    rng = val.check_rng(seed)
    return cross_validated_accuracy(features, y, object_splits(obj, category, n_folds, rng), objects=obj, seed=rng)


def site_counts(n_max: int, n_points: int = 7, minimum: int = 2) -> np.ndarray:
    """About ``n_points`` log-spaced, distinct site counts from ``minimum`` to ``n_max``."""
    n_max = val.check_scalar(n_max, "n_max", int, min_val=1)
    minimum = val.check_scalar(minimum, "minimum", int, min_val=1)
    n_points = val.check_scalar(n_points, "n_points", int, min_val=1)
    minimum = min(minimum, n_max)
    return np.unique(np.round(np.geomspace(minimum, n_max, n_points)).astype(int))


def subsample_sites(features: Any, score: Callable[[np.ndarray], float], n_sites: Sequence[int],
                    n_resamples: int = 5, seed: Any = 0) -> np.ndarray:
    """Score random subsets of sites: for each count, ``n_resamples`` subsets drawn without replacement.

    Parameters
    ----------
    features : array_like, shape (n_images, n_sites_total)
    score : callable
        ``score(features_subset)`` -> accuracy, with ``features_subset`` (n_images, n).
    n_sites : sequence of int
        Subset sizes, each between 1 and n_sites_total.
    n_resamples : int
    seed : int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (len(n_sites), n_resamples)
    """
    X = val.as_array(features, "features", ndim=2)
    counts = np.asarray(n_sites, dtype=int).ravel()
    if counts.size == 0 or counts.min() < 1 or counts.max() > X.shape[1]:
        raise ValueError(f"n_sites must be counts between 1 and {X.shape[1]}, got {counts}")
    n_resamples = val.check_scalar(n_resamples, "n_resamples", int, min_val=1)
    rng = val.check_rng(seed)
    acc = np.zeros((len(counts), n_resamples))
    for i, n in enumerate(counts):
        for r in range(n_resamples):
            acc[i, r] = score(X[:, rng.choice(X.shape[1], n, replace=False)])
    return acc


def accuracy_vs_sites(
    features: Any,
    category: Any,
    obj: Any,
    task: str = "category",
    n_sites: Sequence[int] | None = None,
    n_resamples: int = 5,
    n_folds: int = 4,
    seed: Any = 0,
    split: str = "images",
    subsample: Callable[..., Any] = subsample_sites,
) -> dict[str, np.ndarray]:
    """Decoding accuracy against the number of sites read, over random subsets of sites.

    For each count and resample, a random subset of sites (without replacement) and a fresh set
    of cross-validation folds are drawn: the subsets by ``subsample`` from ``seed``, the folds from
    ``check_rng(seed)`` (for an int seed, two generators started from it; for a Generator, one
    shared stream).

    Parameters
    ----------
    features : array_like, shape (n_images, n_sites_total)
    category, obj : array_like, shape (n_images,)
    task : {"category", "identity"}
    split : {"images", "objects"}
        See :func:`decode_task`.
    n_sites : sequence of int, optional
        Default :func:`site_counts` up to all sites.
    n_resamples : int
    n_folds : int
    seed : int or numpy.random.Generator
    subsample : callable
        ``subsample(features, score, n_sites, n_resamples, seed)`` -> scores (k, n_resamples), as
        :func:`subsample_sites` (notebook 07 passes the student's version).

    Returns
    -------
    dict
        ``n_sites`` (k,), ``accuracy`` (k, n_resamples), ``mean`` (k,), ``sem`` (k,) (standard
        error over resamples).
    """
    X = val.as_array(features, "features", ndim=2)
    counts = site_counts(X.shape[1]) if n_sites is None else np.asarray(n_sites, dtype=int)
    if counts.ndim != 1 or counts.size == 0 or counts.min() < 1 or counts.max() > X.shape[1]:
        raise ValueError(f"n_sites must be counts between 1 and {X.shape[1]}, got {counts}")
    n_resamples = val.check_scalar(n_resamples, "n_resamples", int, min_val=1)
    rng = val.check_rng(seed)
    acc = np.asarray(subsample(X, lambda x: decode_task(x, category, obj, task, n_folds, rng, split), counts,
                               n_resamples, seed), dtype=float)
    if acc.shape != (len(counts), n_resamples):
        raise ValueError(f"subsample must return scores of shape ({len(counts)}, {n_resamples}), got {acc.shape}")
    sem = acc.std(1, ddof=1) / np.sqrt(n_resamples) if n_resamples > 1 else np.zeros(len(counts))
    return {"n_sites": counts, "accuracy": acc, "mean": acc.mean(1), "sem": sem}


def accuracy_by_level(
    responses: Any,
    category: Any,
    obj: Any,
    level: Any,
    task: str = "category",
    levels: Sequence[int] = (0, 3, 6),
    n_sites: int | None = None,
    n_resamples: int = 1,
    n_folds: int = 4,
    seed: Any = 0,
    split: str = "images",
) -> dict[str, np.ndarray]:
    """Decoding accuracy at each variation level (decoder trained and tested within a level).

    Parameters
    ----------
    responses : array_like, shape (n_images, n_sites_total)
    category, obj, level : array_like, shape (n_images,)
    task : {"category", "identity"}
    split : {"images", "objects"}
        See :func:`decode_task`.
    levels : sequence of int
    n_sites : int, optional
        Read a random subset of this many sites per resample (default all).
    n_resamples : int
        Resamples of sites and folds.

    Returns
    -------
    dict
        ``levels`` (L,), ``accuracy`` (L, n_resamples), ``mean`` (L,), ``sem`` (L,).
    """
    X = val.as_array(responses, "responses", ndim=2)
    lev = np.asarray(level)
    n = X.shape[1] if n_sites is None else val.check_scalar(n_sites, "n_sites", int, min_val=1, max_val=X.shape[1])
    rng = val.check_rng(seed)
    n_resamples = val.check_scalar(n_resamples, "n_resamples", int, min_val=1)
    cat, ob = np.asarray(category), np.asarray(obj)
    acc = np.zeros((len(levels), n_resamples))
    for i, L in enumerate(levels):
        sel = lev == L
        if not sel.any():
            raise ValueError(f"no images at level {L}; levels present: {sorted(set(lev.tolist()))}")
        for r in range(n_resamples):
            sites = rng.choice(X.shape[1], n, replace=False) if n < X.shape[1] else np.arange(n)
            acc[i, r] = decode_task(X[sel][:, sites], cat[sel], ob[sel], task, n_folds, rng, split)
    sem = acc.std(1, ddof=1) / np.sqrt(n_resamples) if n_resamples > 1 else np.zeros(len(levels))
    return {"levels": np.asarray(levels), "accuracy": acc, "mean": acc.mean(1), "sem": sem}


def compare_by_level(data: NeuralData, n_sites: int | None = None, n_resamples: int = 1,
                     seed: Any = 0) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Accuracy per variation level of every region and model feature of a data set (notebook 07).

    For each task of :data:`TASKS`: each region read with ``n_sites`` random sites
    (``n_resamples`` resamples), each model feature in ``data.features`` read in full (one
    resample), and, for category only, each region tested on new objects (``split="objects"``,
    labelled ``"<region> (new objects)"``). Every entry is one :func:`accuracy_by_level` call.

    Parameters
    ----------
    data : NeuralData
    n_sites : int, optional
        Sites read per region (default: as many as the smallest region has).
    n_resamples : int
        Resamples of the regions' sites and folds.
    seed : int
        Seed of every :func:`accuracy_by_level` call.

    Returns
    -------
    dict
        ``{task: {label: accuracy_by_level result}}``; empty when ``data`` has no variation levels.
    """
    if n_sites is None:
        n_sites = min(data.region(r).shape[1] for r in data.regions)
    runs = [(r, r, "images") for r in data.regions] + [(f, f, "images") for f in data.features]
    runs += [(f"{r} (new objects)", r, "objects") for r in data.regions]
    out: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for task in TASKS if data.levels else ():
        out[task] = {}
        for label, name, split in runs:
            if task == "identity" and split == "objects":
                continue
            region = name in data.regions
            out[task][label] = accuracy_by_level(
                data.region(name) if region else data.features[name], data.category, data.obj, data.level, task,
                data.levels, n_sites=n_sites if region else None, n_resamples=n_resamples if region else 1,
                seed=seed, split=split)
    return out
