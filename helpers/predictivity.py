"""Neural predictivity: how much of each recorded site's explainable variance a model's features predict.

Two conventions, both computed here and named wherever a number is shown:

**Brain-Score** (Schrimpf, Kubilius et al. 2018; the ``MajajHong2015.{V4,IT}-pls`` benchmarks of
``brainscore_vision`` as of 2026: ``benchmarks/majajhong2015/benchmark.py``,
``metrics/regression_correlation/metric.py``, ``metric_helpers/transformations.py``,
``metrics/internal_consistency/ceiling.py``, ``benchmark_helpers/neural_common.py``):

1. ``10`` random splits of the images, 90% to train and 10% to test, stratified by object
   (:func:`brainscore_splits`);
2. per split, one partial-least-squares regression with 25 components (features and responses
   centred, not scaled) from the features to all sites of the region at once, fitted on the
   training images; the Pearson r of each site's predicted and measured mean responses over the
   split's *test* images (:func:`split_correlations`);
3. the raw score: the median of r over sites, averaged over the splits;
4. the ceiling: 10 random halvings of the repetitions; per halving, the Pearson r over images of
   each site's two half-means, Spearman-Brown corrected, ``2 r / (1 + r)``; the median over sites,
   averaged over the halvings (:func:`brainscore_ceiling`);
5. the ceiled score ``raw^2 / ceiling`` -- the convention since vision PR #2169 (proposed December
   2025, merged January 2026); before it, ``(raw / ceiling)^2`` (:class:`BrainScore` keeps both).

**Per site** (the notebook's second option, :func:`predictivity`): held-out predictions of every
image from ridge regression in k folds stratified by object (penalty chosen per site), each site's
``sign(r) r^2`` over all images divided by *its own* reliability (the mean of the Spearman-Brown
split-half reliability over many halvings), summarised by the median over the sites reliable
enough to normalise (:func:`summarise`). The sign keeps anti-correlated predictions from
counting as explained variance.

The two differ in where the median is taken (of r before squaring and normalising, or of each
site's normalised value) and in the regression and splits; their numbers are not comparable.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from sklearn.cross_decomposition import PLSRegression
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import validation as val

__all__ = [
    "ALPHAS",
    "MIN_RELIABILITY",
    "N_CEILING_HALVES",
    "PLS_COMPONENTS",
    "BRAINSCORE_SPLITS",
    "BRAINSCORE_TRAIN_SIZE",
    "CONVENTIONS",
    "spearman_brown",
    "split_half_reliability",
    "mean_reliability",
    "poisson_halves",
    "make_regression",
    "PLS",
    "make_pls",
    "cross_validated_predictions",
    "explained_variance",
    "predictivity",
    "summarise",
    "brainscore_splits",
    "split_correlations",
    "brainscore_ceiling",
    "BrainScore",
    "brain_score",
]

#: Ridge penalties searched per site (features standardised).
ALPHAS: tuple[float, ...] = tuple(np.logspace(-1, 5, 13))
#: Sites whose split-half reliability (Spearman-Brown corrected) is below this are left out of medians.
MIN_RELIABILITY = 0.3
#: Random halvings of the repetitions averaged into a ceiling (Brain-Score's internal consistency: 10).
N_CEILING_HALVES = 10
#: Brain-Score's regression for MajajHong2015: PLS with 25 components, no scaling.
PLS_COMPONENTS = 25
#: Brain-Score's cross-validation: 10 random splits, 90% of the images to train, stratified by object.
BRAINSCORE_SPLITS = 10
BRAINSCORE_TRAIN_SIZE = 0.9
#: The two conventions, as the notebook names them: what a figure of each says it shows.
CONVENTIONS: dict[str, dict[str, str]] = {
    "Brain-Score": {"title": "Brain-Score, r^2 / ceiling (bars: r -/+ its standard error over 10 splits)",
                    "axis": "Brain-Score: (median r)^2 / ceiling", "sites": "sites"},
    "per site": {"title": "per site, median of sign(r) r^2 / own ceiling (bars: quartiles)",
                 "axis": "median over sites of sign(r) r^2 / ceiling", "sites": "reliable sites"},
}


def spearman_brown(r: Any, factor: float = 2.0) -> np.ndarray:
    """Reliability of an average over ``factor`` times as many repetitions: ``k r / (1 + (k - 1) r)``."""
    r = np.asarray(r, dtype=float)
    return factor * r / (1.0 + (factor - 1.0) * r)


def _pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of a with the same column of b (over rows); NaN if constant."""
    a = a - a.mean(0)
    b = b - b.mean(0)
    den = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(0) / np.where(den > 0, den, 1.0), np.nan)


def split_half_reliability(half_a: Any, half_b: Any) -> np.ndarray:
    """Spearman-Brown corrected split-half reliability of each site.

    Parameters
    ----------
    half_a, half_b : array_like, shape (n_images, n_sites)
        Mean response of each site to each image over two disjoint halves of the repetitions.

    Returns
    -------
    numpy.ndarray, shape (n_sites,)
        ``2 r / (1 + r)`` with r the Pearson correlation of the two halves over images (NaN for a
        site that does not vary).
    """
    a = val.as_array(half_a, "half_a", ndim=2)
    b = val.as_array(half_b, "half_b", ndim=2)
    if a.shape != b.shape:
        raise ValueError(f"half_b must have the shape of half_a {a.shape}, got {b.shape}")
    if a.shape[0] < 3:
        raise ValueError(f"half_a must hold at least 3 images, got {a.shape[0]}")
    return spearman_brown(_pearson_columns(a, b))


def mean_reliability(halvings: Sequence[tuple[Any, Any]],
                     reliability: Callable[[Any, Any], np.ndarray] = split_half_reliability) -> np.ndarray:
    """Each site's split-half reliability averaged over several random halvings of the repetitions.

    One halving gives a noisy estimate (a site's ceiling moves by a few hundredths from one
    halving to the next); dividing by a noisy ceiling inflates a normalised score on average, so
    the per-site convention divides by the mean over :data:`N_CEILING_HALVES` halvings.

    Parameters
    ----------
    halvings : sequence of (half_a, half_b)
        Each pair (n_images, n_sites): the means over two disjoint halves of the repetitions.
    reliability : callable
        ``reliability(half_a, half_b) -> (n_sites,)`` (:func:`split_half_reliability` or yours).

    Returns
    -------
    numpy.ndarray, shape (n_sites,)
    """
    if len(halvings) == 0:
        raise ValueError("halvings must hold at least one (half_a, half_b) pair")
    return np.mean([np.asarray(reliability(a, b), float) for a, b in halvings], axis=0)


def poisson_halves(rates: Any, n_repetitions: int, window: float, seed: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split mean Poisson rates back into the means of two halves of the repetitions, exactly.

    A mean rate over ``n_repetitions`` windows of ``window`` s is a total spike count
    ``T = rate * n_repetitions * window``; given T, the count of the first half of the repetitions
    is binomial (T, 1/2) -- the same law as drawing the halves separately. (For the stand-in of
    :mod:`helpers.neural_standin`, whose responses are such means.)

    Parameters
    ----------
    rates : array_like, shape (...)
        Mean rates, spikes/s, each an integer count over ``n_repetitions * window``.
    n_repetitions : int
        Repetitions averaged (even; each half gets half of them).
    window : float
        Counting window, s.
    seed : int or numpy.random.Generator

    Returns
    -------
    half_a, half_b : numpy.ndarray, shape (...)
        Mean rates (spikes/s) over each half of the repetitions.
    """
    r = val.as_array(rates, "rates")
    n_repetitions = val.check_scalar(n_repetitions, "n_repetitions", int, min_val=2)
    window = val.check_scalar(window, "window", min_val=0, include_boundaries="neither")
    counts = np.rint(r * n_repetitions * window)
    if np.any(counts < 0) or not np.allclose(counts, r * n_repetitions * window, atol=1e-3, rtol=1e-5):
        raise ValueError("rates must be non-negative spike counts divided by n_repetitions * window")
    rng = val.check_rng(seed)
    first = rng.binomial(counts.astype(np.int64), 0.5)
    half = n_repetitions / 2 * window
    return first / half, (counts - first) / half


def make_regression(alphas: Sequence[float] = ALPHAS):
    """A linear regression of many sites at once: standardise the features on the training images,
    then ridge regression with each site's penalty chosen among ``alphas`` by leave-one-out.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.asarray(alphas, float), alpha_per_target=True))


class PLS:
    """Partial least squares regression (PLS2) with exact weight vectors.

    What ``sklearn.cross_decomposition.PLSRegression(n_components, scale=False)`` -- Brain-Score's
    regression -- computes, with each component's weight vector taken as the leading eigenvector
    of ``C C^T`` (``C = X_k^T Y``, the deflated features against the responses) instead of
    scikit-learn's power iterations, which are slow to converge when many sites are fitted
    together (``tests/test_predictivity.py`` checks the two agree).

    Parameters
    ----------
    n_components : int
        Components (capped at the features' count and the training images minus one).
    """

    def __init__(self, n_components: int = PLS_COMPONENTS) -> None:
        self.n_components = val.check_scalar(n_components, "n_components", int, min_val=1)

    def fit(self, X: Any, Y: Any) -> PLS:
        """Fit on features X (n, d) and responses Y (n, m); both centred (not scaled)."""
        X = val.as_array(X, "X", ndim=2)
        Y = val.as_array(Y, "Y", ndim=2)
        self.x_mean_, self.y_mean_ = X.mean(0), Y.mean(0)
        Xk, Yc = X - self.x_mean_, Y - self.y_mean_
        k = min(self.n_components, X.shape[1], len(X) - 1)
        W, P, Q = (np.zeros((X.shape[1], k)), np.zeros((X.shape[1], k)), np.zeros((Y.shape[1], k)))
        C = Xk.T @ Yc
        for i in range(k):
            lam, vec = scipy.linalg.eigh(C @ C.T, subset_by_index=[len(C) - 1, len(C) - 1])
            w = vec[:, -1]
            t = Xk @ w
            tt = float(t @ t)
            if tt <= 1e-12 * max(float(np.sum(Xk**2)), 1e-300) or lam[-1] <= 0:
                W, P, Q = W[:, :i], P[:, :i], Q[:, :i]
                break
            p, q = Xk.T @ t / tt, Yc.T @ t / tt
            Xk -= np.outer(t, p)
            C -= np.outer(p, t @ Yc)
            W[:, i], P[:, i], Q[:, i] = w, p, q
        self.coef_ = W @ np.linalg.pinv(P.T @ W) @ Q.T if W.shape[1] else np.zeros((X.shape[1], Y.shape[1]))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted responses (n, m) for features X (n, d)."""
        return (val.as_array(X, "X", ndim=2) - self.x_mean_) @ self.coef_ + self.y_mean_


def make_pls(n_components: int = PLS_COMPONENTS) -> PLS:
    """Brain-Score's regression: partial least squares, ``n_components`` components, centred, not scaled."""
    return PLS(n_components)


def _check_splits(splits: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if not splits:
        raise ValueError("splits must hold at least one (train_index, test_index) pair")
    out = [(np.asarray(tr, int), np.asarray(te, int)) for tr, te in splits]
    seen = np.concatenate([te for _, te in out])
    if np.unique(seen).size != n or seen.size != n:
        raise ValueError(f"the test sets of splits must cover each of the {n} images exactly once")
    return out


def cross_validated_predictions(features: Any, responses: Any, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                                make: Callable[[], Any] = make_regression) -> np.ndarray:
    """Held-out predictions of every site: fit on each fold's training images, predict its test images.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    responses : array_like, shape (n_images, n_sites)
    splits : list of (train_index, test_index)
        Test sets covering every image once.
    make : callable
        Returns a fresh scikit-learn regression (multi-output).

    Returns
    -------
    numpy.ndarray, shape (n_images, n_sites)
        Each image's prediction by the model fitted without it.
    """
    X = val.as_array(features, "features", ndim=2)
    Y = val.as_array(responses, "responses", ndim=2)
    if len(Y) != len(X):
        raise ValueError(f"responses must have {len(X)} rows (one per image), got {len(Y)}")
    pred = np.empty(Y.shape)
    with threadpool_limits(1, user_api="blas"):  # small problems: one thread is fastest on a shared CPU
        for train, test in _check_splits(splits, len(X)):
            pred[test] = np.asarray(make().fit(X[train], Y[train]).predict(X[test])).reshape(len(test), -1)
    return pred


def explained_variance(predicted: Any, measured: Any) -> np.ndarray:
    """Squared Pearson correlation over images of each site's predicted and measured responses, (n_sites,)."""
    p = val.as_array(predicted, "predicted", ndim=2)
    m = val.as_array(measured, "measured", ndim=2)
    if p.shape != m.shape:
        raise ValueError(f"predicted must have the shape of measured {m.shape}, got {p.shape}")
    return _pearson_columns(p, m) ** 2


def predictivity(features: Any, responses: Any, splits: Sequence[tuple[np.ndarray, np.ndarray]], ceiling: Any,
                 make: Callable[[], Any] = make_regression) -> np.ndarray:
    """Per-site convention: each site's signed explained variance over its own ceiling, ``sign(r) r^2 / rho``.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    responses : array_like, shape (n_images, n_sites)
        Mean over all repetitions.
    splits : list of (train_index, test_index)
    ceiling : array_like, shape (n_sites,)
        Reliability of each site (:func:`mean_reliability` over many halvings); all ones for
        noise-free responses.
    make : callable
        Returns a fresh regression (:func:`make_regression`).

    Returns
    -------
    numpy.ndarray, shape (n_sites,)
        ``sign(r) r^2 / ceiling`` with r the Pearson correlation over all images of the held-out
        predictions and the responses: negative for an anti-correlated prediction (NaN where the
        ceiling is not positive).
    """
    r = _pearson_columns(cross_validated_predictions(features, responses, splits, make),
                         val.as_array(responses, "responses", ndim=2))
    ev = np.sign(r) * r**2
    c = np.asarray(ceiling, dtype=float).ravel()
    if c.shape != ev.shape:
        raise ValueError(f"ceiling must have one value per site ({ev.shape[0]}), got shape {np.shape(ceiling)}")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, ev / np.where(c > 0, c, 1.0), np.nan)


def summarise(per_site: Any, ceiling: Any, min_reliability: float = MIN_RELIABILITY) -> dict[str, float]:
    """Median normalised predictivity over the reliable sites, and its spread.

    Parameters
    ----------
    per_site : array_like, shape (n_sites,)
    ceiling : array_like, shape (n_sites,)
    min_reliability : float
        Sites with a lower (or undefined) ceiling are left out.

    Returns
    -------
    dict
        ``value`` (the median over sites), ``low``, ``high`` (the quartiles) and ``n_sites`` (sites kept).
    """
    v = np.asarray(per_site, float).ravel()
    c = np.asarray(ceiling, float).ravel()
    keep = np.isfinite(v) & np.isfinite(c) & (c >= min_reliability)
    if not keep.any():
        return {"value": float("nan"), "low": float("nan"), "high": float("nan"), "n_sites": 0}
    q25, med, q75 = np.percentile(v[keep], [25, 50, 75])
    return {"value": float(med), "low": float(q25), "high": float(q75), "n_sites": int(keep.sum())}


# ----------------------------------------------------------------------------- Brain-Score
def brainscore_splits(objects: Any, n_splits: int = BRAINSCORE_SPLITS, train_size: float = BRAINSCORE_TRAIN_SIZE,
                      seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """Brain-Score's cross-validation: random splits of the images stratified by object.

    Each split puts ``train_size`` of the images in training and the rest in test, with every
    object in the same proportion (``StratifiedShuffleSplit``; Brain-Score's ``random_state`` is 1).
    Unlike k folds, the test sets overlap and need not cover every image. Stratifying needs at
    least one test image per object: for a small set whose test share would hold fewer images
    than there are objects (e.g. 256 images of 32 objects), each split tests one image per object
    instead (Brain-Score's 5,760 images of 64 objects never need this).

    Parameters
    ----------
    objects : array_like, shape (n_images,)
        Object label of each image.
    n_splits : int
    train_size : float in (0, 1)
    seed : int

    Returns
    -------
    list of (train_index, test_index)
    """
    o = np.asarray(objects).ravel()
    n_splits = val.check_scalar(n_splits, "n_splits", int, min_val=1)
    train_size = val.check_scalar(train_size, "train_size", min_val=0, max_val=1, include_boundaries="neither")
    seed = val.check_scalar(seed, "seed", int, min_val=0)
    n_objects = len(np.unique(o))
    if n_objects >= len(o):
        raise ValueError(f"objects must repeat (several images per object), got {len(o)} images of {n_objects}")
    n_test = max(len(o) - int(np.floor(train_size * len(o))), n_objects)
    cv = StratifiedShuffleSplit(n_splits=n_splits, train_size=len(o) - n_test, test_size=n_test, random_state=seed)
    return list(cv.split(np.zeros(len(o)), o))


def split_correlations(features: Any, responses: Any, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                       make: Callable[[], Any] = make_pls) -> np.ndarray:
    """Per split, the Pearson r over its test images of each site's prediction and response.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    responses : array_like, shape (n_images, n_sites)
        Mean responses of the sites of *one* region (PLS fits them jointly: its components depend
        on all of them, so regions are fitted separately, as Brain-Score's benchmarks are).
    splits : list of (train_index, test_index)
        E.g. :func:`brainscore_splits`.
    make : callable
        A fresh regression (:func:`make_pls`; its components are capped at the features' count).

    Returns
    -------
    numpy.ndarray, shape (n_splits, n_sites)
    """
    X = val.as_array(features, "features", ndim=2)
    Y = val.as_array(responses, "responses", ndim=2)
    if len(Y) != len(X):
        raise ValueError(f"responses must have {len(X)} rows (one per image), got {len(Y)}")
    if not splits:
        raise ValueError("splits must hold at least one (train_index, test_index) pair")
    out = np.empty((len(splits), Y.shape[1]))
    with threadpool_limits(1, user_api="blas"):
        for i, (train, test) in enumerate(splits):
            reg = make()
            if isinstance(reg, PLSRegression):
                reg.set_params(n_components=min(reg.n_components, X.shape[1], len(train) - 1))
            pred = reg.fit(X[train], Y[train]).predict(X[test])  # PLS caps its components itself
            out[i] = _pearson_columns(np.asarray(pred).reshape(len(test), -1), Y[test])
    return out


def brainscore_ceiling(halvings: Sequence[tuple[Any, Any]]) -> float:
    """Brain-Score's internal consistency: per halving, the median over sites of the Spearman-Brown
    corrected split-half r; the mean over halvings.

    Parameters
    ----------
    halvings : sequence of (half_a, half_b), each (n_images, n_sites)
    """
    per_halving = [np.nanmedian(split_half_reliability(a, b)) for a, b in halvings]
    if not per_halving:
        raise ValueError("halvings must hold at least one (half_a, half_b) pair")
    return float(np.mean(per_halving))


@dataclass(frozen=True)
class BrainScore:
    """Brain-Score's score of one representation for one region.

    Attributes
    ----------
    score : float
        ``raw^2 / ceiling``, the convention of ``brainscore_vision`` since PR #2169 (January 2026).
    raw : float
        Mean over splits of the median over sites of the held-out Pearson r.
    error : float
        Standard error of ``raw`` over the splits (Brain-Score's ``error``).
    ceiling : float
        :func:`brainscore_ceiling`.
    legacy : float
        ``(raw / ceiling)^2``, the convention before PR #2169.
    per_split : numpy.ndarray, shape (n_splits, n_sites)
        The correlations.
    """

    score: float
    raw: float
    error: float
    ceiling: float
    legacy: float
    per_split: np.ndarray

    def summary(self) -> dict[str, float]:
        """``value`` (the score), ``low`` / ``high`` (the score at raw -/+ its error), ``n_sites``."""
        lo, hi = (max(self.raw + d * self.error, 0.0) ** 2 / self.ceiling for d in (-1, 1))
        return {"value": self.score, "low": lo, "high": hi, "n_sites": int(self.per_split.shape[1])}


def brain_score(features: Any, responses: Any, splits: Sequence[tuple[np.ndarray, np.ndarray]], ceiling: float,
                make: Callable[[], Any] = make_pls) -> BrainScore:
    """Brain-Score's ceiled score of one region: ``(mean_split median_site r)^2 / ceiling``.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    responses : array_like, shape (n_images, n_sites)
        Mean responses of one region's sites.
    splits : list of (train_index, test_index)
        :func:`brainscore_splits`.
    ceiling : float
        :func:`brainscore_ceiling` of the same sites and images.
    make : callable
        The regression (:func:`make_pls`).

    Notes
    -----
    As in Brain-Score, the median r is squared: a negative median (anti-correlated predictions)
    would score as much as a positive one; :attr:`BrainScore.raw` keeps the sign.
    """
    ceiling = val.check_scalar(ceiling, "ceiling", min_val=0, include_boundaries="neither")
    r = split_correlations(features, responses, splits, make)
    per_split = np.nanmedian(r, axis=1)
    raw = float(per_split.mean())
    error = float(per_split.std() / np.sqrt(len(per_split)))  # xarray std: ddof 0, as Brain-Score
    return BrainScore(score=raw**2 / ceiling, raw=raw, error=error, ceiling=ceiling, legacy=(raw / ceiling) ** 2,
                      per_split=r)
