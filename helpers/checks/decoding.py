"""Visible checks of the V4-versus-IT decoding notebook (07)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import decoding
from .base import expect_close, expect_true, passed, visible_check

__all__ = ["check_decode", "check_object_folds", "check_subsample_sites"]


def _clusters(seed: int = 0, n_per: int = 12, n_classes: int = 4, dim: int = 10):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per)
    X = rng.normal(0, 3, (n_classes, dim))[y] + rng.normal(0, 1, (len(y), dim))
    return X, y


@visible_check
def check_decode(decode: Callable) -> None:
    """``decode(features, labels, splits)``: mean held-out accuracy of a decoder fitted per fold."""
    name = "check_decode"
    X, y = _clusters()
    splits = decoding.image_splits(y, 4, 0)
    acc = decode(X, y, splits)
    expect_true(acc is not None, name, "decode(...) returned None", "did you forget `return`?")
    acc = float(np.asarray(acc))
    expect_true(0 <= acc <= 1, name, f"an accuracy should lie in [0, 1], got {acc:.3g}",
                "return the mean over folds of the fraction of test images labelled correctly")
    expect_true(acc > 0.9, name, f"4 well-separated clusters should be decoded > 90% correct, got {acc:.2f}",
                "fit a fresh decoder on features[train], labels[train], then predict features[test]")
    # noise features, more dimensions than images: a decoder that sees the test images scores ~1
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(48, 200))
    leak = float(np.asarray(decode(noise, y, splits)))
    expect_true(leak < 0.6, name,
                f"with pure-noise features the held-out accuracy should be near chance (0.25), got {leak:.2f}",
                "fit only on the training indices of each fold and score only on its test indices")
    expect_close(acc, decoding.cross_validated_accuracy(X, y, splits), name,
                 "decode(clusters, labels, splits)", "average the per-fold accuracies (one number per fold)",
                 atol=0.05)
    passed(name, f"clusters {acc:.2f}, noise {leak:.2f}")


def _fold_problems(folds, n: int, objects: np.ndarray, categories: np.ndarray, n_folds: int) -> str | None:
    """Why ``folds`` are not object-wise folds over these images, or None if they are."""
    if folds is None:
        return "object_folds(...) returned None"
    folds = list(folds)
    if len(folds) != n_folds:
        return f"there should be {n_folds} folds, got {len(folds)}"
    seen = np.zeros(n, int)
    for k, fold in enumerate(folds):
        try:
            train, test = (np.asarray(f, dtype=int) for f in fold)
        except (TypeError, ValueError):
            return f"fold {k} should be a pair (train_index, test_index) of integer arrays"
        if np.intersect1d(train, test).size:
            return f"fold {k}: some images are in both train and test"
        if len(train) + len(test) != n or len(np.union1d(train, test)) != n:
            return f"fold {k}: train and test together should hold all {n} images once"
        seen[test] += 1
        shared = np.intersect1d(objects[train], objects[test])
        if shared.size:
            return f"fold {k}: object(s) {list(shared[:3])} have images in both train and test"
        missing = np.setdiff1d(np.unique(categories), categories[test])
        if missing.size:
            return f"fold {k}: the test set has no object of category {list(missing[:3])}"
    if not np.all(seen == 1):
        return "every image should be in exactly one test fold"
    return None


@visible_check
def check_object_folds(object_folds: Callable) -> None:
    """``object_folds(objects, categories, n_folds, seed)`` keeps objects apart, every category in every fold."""
    name = "check_object_folds"
    objects = np.repeat(np.arange(16), 3)
    categories = objects // 4
    problem = _fold_problems(object_folds(objects, categories, 4, 0), len(objects), objects, categories, 4)
    expect_true(problem is None, name, f"with 4 categories x 4 objects x 3 images and 4 folds: {problem}",
                "for each category, shuffle its objects and deal them to the folds in turn; a fold's test "
                "set is every image of its objects, its training set all other images")
    a = object_folds(objects, categories, 4, 0)
    b = object_folds(objects, categories, 4, 1)
    same = all(np.array_equal(np.sort(x[1]), np.sort(y[1])) for x, y in zip(a, b, strict=False))
    expect_true(not same, name, "seeds 0 and 1 gave the same folds",
                "shuffle the objects with numpy.random.default_rng(seed)")
    passed(name)


@visible_check
def check_subsample_sites(subsample_sites: Callable) -> None:
    """``subsample_sites(features, score, n_sites, n_resamples, seed)``: scores of random site subsets."""
    name = "check_subsample_sites"
    features = np.tile(np.arange(20.0), (5, 1))  # column j holds j: a subset tells which sites it has
    got = subsample_sites(features, lambda x: x.shape[1], [1, 4, 20], 3, 0)
    expect_true(got is not None, name, "subsample_sites(...) returned None", "did you forget `return`?")
    got = np.asarray(got, float)
    expect_true(got.shape == (3, 3), name, f"3 site counts x 3 resamples should give shape (3, 3), got {got.shape}",
                "one row per site count, one column per resample")
    expect_close(got, np.repeat([[1.0], [4.0], [20.0]], 3, 1), name,
                 "the number of sites each score saw", "pass features[:, sites] with exactly n sites")
    distinct = np.asarray(subsample_sites(features, lambda x: len(np.unique(x[0])), [10], 4, 0), float)
    expect_true(np.all(distinct == 10), name, f"subsets of 10 sites had {distinct.ravel()} distinct sites",
                "draw sites without replacement: rng.choice(n_total, n, replace=False)")
    first = np.asarray(subsample_sites(features, lambda x: x[0].sum(), [5], 6, 0), float)
    expect_true(len(np.unique(first)) > 1, name, "all 6 resamples of 5 sites used the same sites",
                "draw a new random subset for every resample")
    again = np.asarray(subsample_sites(features, lambda x: x[0].sum(), [5], 6, 0), float)
    expect_true(np.array_equal(first, again), name, "the same seed gave different subsets",
                "make one numpy.random.default_rng(seed) and draw every subset from it")
    passed(name)


