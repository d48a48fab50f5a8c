"""Visible checks of the HMAX notebook (06)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import decoding, hmax, hmax_experiments
from .base import CheckError, expect_close, expect_true, passed, visible_check

__all__ = ["check_gabor", "check_pool", "check_decode"]


@visible_check
def check_gabor(gabor: Callable) -> None:
    """``gabor(size, wavelength, sigma, orientation, gamma)`` against the S1 filters of the table."""
    name = "check_gabor"
    p = hmax.s1_parameters()[2]  # 11 px, band 2
    g = gabor(p["size"], p["lambda"], p["sigma"], 0.0, hmax.GAMMA)
    expect_true(g is not None, name, "gabor(...) returned None", "did you forget `return`?")
    g = np.asarray(g, float)
    expect_true(g.shape == (11, 11), name, f"an 11-px filter should have shape (11, 11), got {g.shape}",
                "build the grid with np.arange(size) centred on (size - 1) / 2")
    r = np.arange(11) - 5.0
    outside = (r[None, :] ** 2 + r[:, None] ** 2) > (11 / 2) ** 2
    expect_true(np.allclose(g[outside], 0), name, "the filter should be 0 outside the disk of radius size/2",
                "multiply by the disk mask (x^2 + y^2 <= (size/2)^2) before normalising")
    expect_close(g[~outside].mean(), 0.0, name, "the mean of the filter over the disk",
                 "subtract the mean of the values inside the disk (only there)", atol=1e-6)
    expect_close(np.sqrt((g**2).sum()), 1.0, name, "the Euclidean norm of the filter",
                 "divide by sqrt(sum(g**2)) last", rtol=1e-5)
    for ori in (0.0, 90.0, 45.0):
        want = hmax.gabor_filter(p["size"], p["lambda"], p["sigma"], ori)
        got = np.asarray(gabor(p["size"], p["lambda"], p["sigma"], ori, hmax.GAMMA), float)
        if ori and got.shape == want.shape and np.allclose(
                got, hmax.gabor_filter(p["size"], p["lambda"], p["sigma"], np.rad2deg(ori)), atol=1e-6):
            raise CheckError(f"{name}: at {ori:g} deg your filter is the one for {ori:g} radians. Hint: the "
                             "orientation is given in degrees, and numpy's sin and cos take radians")
        if ori == 45.0 and got.shape == want.shape and np.allclose(got, want[::-1], atol=1e-6):
            raise CheckError(f"{name}: at 45 deg your filter is upside down. Hint: y points up while the row "
                             "index grows downwards, so y = -(row - centre)")
        if ori == 90.0 and np.allclose(got, want.T):
            raise CheckError(f"{name}: at 90 deg your filter is the transpose of the expected one. "
                             "Hint: rows run downwards: y = -(row - centre); the preferred bar at 90 deg is vertical")
        expect_close(got, want, name, f"gabor(11, {p['lambda']:.2f}, {p['sigma']:.2f}, {ori:g}, 0.3)",
                     "u = -x sin(theta) + y cos(theta) runs across the bar: the cosine and the sigma term use u, "
                     "gamma multiplies v (along the bar)", rtol=1e-4, atol=1e-6)
    passed(name, "zero outside the disk, zero mean, unit norm, matches the table's filters")


@visible_check
def check_pool(pool_fn: Callable) -> None:
    """``pool_fn(maps, op)`` pools over the last two axes with a max or a sum."""
    name = "check_pool"
    rng = np.random.default_rng(3)
    x = rng.random((2, 3, 5, 7))
    for op in ("max", "sum"):
        got = pool_fn(x, op)
        expect_close(got, hmax_experiments.pool(x, op), name, f"pool_fn(maps of shape (2, 3, 5, 7), {op!r})",
                     "pool over the two position axes only (the last two), keep the leading axes")
    passed(name)


@visible_check
def check_decode(decode: Callable) -> None:
    """``decode(features, labels, n_folds, seed)`` returns a cross-validated accuracy."""
    name = "check_decode"
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 20)
    centres = rng.normal(0, 3, (4, 10))
    X = centres[y] + rng.normal(0, 1, (80, 10))
    acc = decode(X, y, 4, 0)
    expect_true(acc is not None, name, "decode(...) returned None", "did you forget `return`?")
    acc = float(np.asarray(acc))
    expect_true(0 <= acc <= 1, name, f"an accuracy should lie in [0, 1], got {acc:.3g}",
                "return the mean of the per-fold scores (fraction correct)")
    expect_true(acc > 0.9, name, f"4 well-separated clusters should be decoded > 90% correct, got {acc:.2f}",
                "fit the classifier on the training folds and score it on the held-out fold")
    # pure noise with more features than samples: a classifier scored on its own training samples
    # fits the labels perfectly, one scored on held-out samples stays near chance
    noise = np.random.default_rng(1).normal(size=(48, 300))
    y_noise = np.repeat(np.arange(4), 12)
    leak = float(np.asarray(decode(noise, y_noise, 4, 0)))
    expect_true(leak < 0.6, name,
                f"with pure-noise features (300 per sample, 48 samples) the accuracy should be near chance (0.25), "
                f"got {leak:.2f}: the classifier is scored on samples it was trained on",
                "fit on the training folds only and score on the held-out fold, which the classifier has not seen")
    shuffled = decode(X, rng.permutation(y), 4, 0)
    expect_true(float(shuffled) < 0.5, name,
                f"with shuffled labels the accuracy should be near chance (0.25), got {float(shuffled):.2f}",
                "never score on the samples the classifier was trained on")
    expect_close(acc, decoding.decode_accuracy(X, y, 4, 0), name, "decode(clusters, labels, 4, 0)",
                 "average the per-fold accuracies of decoding.make_decoder(), one number per fold", atol=0.05)
    passed(name, f"clusters {acc:.2f}, noise {leak:.2f}, shuffled labels {float(shuffled):.2f}")
