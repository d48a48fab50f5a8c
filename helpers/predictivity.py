"""Neural predictivity: how much of each recorded site's explainable variance a model's features predict.

The yardstick of Yamins, Hong et al. (2014) and of Brain-Score (Schrimpf, Kubilius et al. 2018):

1. **Regression.** For each site, a linear map from a layer's features to the site's mean response,
   fitted on some images and tested on the others (cross-validation). Here: features standardised
   on the training images, ridge regression with the penalty chosen per site by leave-one-out on
   the training images (:func:`make_regression`; Yamins 2014 and Brain-Score use partial least
   squares, a close cousin).
2. **Explained variance** of the held-out responses: the squared Pearson correlation, over images,
   between a site's held-out predictions (all folds together) and its measured mean response.
3. **Noise ceiling.** A site's mean over repetitions is itself noisy: even a perfect model of the
   neuron would not explain all of its variance. Split the repetitions into two halves, correlate
   the two half-means over images (r), and correct for the halving with the Spearman-Brown formula,
   ``rho = 2 r / (1 + r)``: the reliability of the mean over all repetitions, i.e. the fraction of
   its variance that is stimulus-driven, which is the explained variance a perfect model reaches
   on average.
4. **Normalised predictivity** = explained variance / reliability (1: as good as the data allow),
   summarised per layer and region by the median over sites (sites below a minimal reliability
   are left out, as their normalised value is mostly noise).

Brain-Score divides the correlation itself (not its square) by the ceiling; the ranking of layers
is the same.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import validation as val

__all__ = [
    "ALPHAS",
    "MIN_RELIABILITY",
    "spearman_brown",
    "split_half_reliability",
    "poisson_halves",
    "make_regression",
    "cross_validated_predictions",
    "explained_variance",
    "predictivity",
    "summarise",
]

#: Ridge penalties searched per site (features standardised).
ALPHAS: tuple[float, ...] = tuple(np.logspace(-1, 5, 13))
#: Sites whose split-half reliability (Spearman-Brown corrected) is below this are left out of medians.
MIN_RELIABILITY = 0.3


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
            pred[test] = make().fit(X[train], Y[train]).predict(X[test])
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
    """Noise-ceiling-normalised predictivity of each site.

    Parameters
    ----------
    features : array_like, shape (n_images, n_features)
    responses : array_like, shape (n_images, n_sites)
        Mean over all repetitions.
    splits : list of (train_index, test_index)
    ceiling : array_like, shape (n_sites,)
        Split-half reliability of each site (:func:`split_half_reliability`); all ones for
        noise-free responses.
    make : callable
        Returns a fresh regression (:func:`make_regression`).

    Returns
    -------
    numpy.ndarray, shape (n_sites,)
        Explained variance of the held-out predictions divided by the ceiling (NaN where the
        ceiling is not positive).
    """
    ev = explained_variance(cross_validated_predictions(features, responses, splits, make), responses)
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
        ``median``, ``q25``, ``q75`` (quartiles over sites) and ``n_sites`` (sites kept).
    """
    v = np.asarray(per_site, float).ravel()
    c = np.asarray(ceiling, float).ravel()
    keep = np.isfinite(v) & np.isfinite(c) & (c >= min_reliability)
    if not keep.any():
        return {"median": float("nan"), "q25": float("nan"), "q75": float("nan"), "n_sites": 0}
    q25, med, q75 = np.percentile(v[keep], [25, 50, 75])
    return {"median": float(med), "q25": float(q25), "q75": float(q75), "n_sites": int(keep.sum())}
