"""Visible checks of the task-driven ventral-stream notebook (08)."""
from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import decoding
from .. import predictivity as pred
from .base import CheckError, expect_close, expect_true, passed, visible_check

__all__ = ["check_train_step", "check_split_half_reliability", "check_predictivity"]


# ----------------------------------------------------------------------------- train_step
def _tiny_problem(seed: int = 0) -> tuple[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]]:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(4, 3))
        batches = [(torch.rand(6, 1, 8, 8), torch.randint(0, 3, (6,))) for _ in range(2)]
    return model, batches


def _params(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def _reference_steps(model: nn.Module, batches, accumulate: bool = False) -> tuple[list[float], torch.Tensor]:
    """Adam steps on the cross-entropy of each batch (gradients accumulated across steps if asked)."""
    model = copy.deepcopy(model)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        if not accumulate:
            opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses, _params(model)


@visible_check
def check_train_step(train_step: Callable) -> None:
    """``train_step(model, optimizer, images, labels)``: one Adam step on the cross-entropy; returns the loss."""
    name = "check_train_step"
    model, batches = _tiny_problem()
    start = _params(model)
    losses, after = _reference_steps(model, batches)
    mine = copy.deepcopy(model)
    opt = torch.optim.Adam(mine.parameters(), lr=0.01)
    x, y = batches[0]
    with torch.no_grad():
        scores = mine(x)
    got = train_step(mine, opt, x, y)
    expect_true(got is not None, name, "train_step(...) returned None", "return the loss of the batch (a number)")
    try:
        value = float(got.detach()) if isinstance(got, torch.Tensor) else float(got)
    except (TypeError, ValueError):
        raise CheckError(f"{name}: train_step should return the loss as a number, got {type(got).__name__}. "
                         "Hint: return loss.item()") from None
    if np.isclose(value, float(F.cross_entropy(torch.softmax(scores, 1), y)), atol=1e-5):
        raise CheckError(f"{name}: the loss is the cross-entropy of softmax probabilities ({value:.4f}), "
                         f"expected {losses[0]:.4f}. Hint: F.cross_entropy applies the softmax itself: pass the "
                         "network's raw scores (logits)")
    expect_close(value, losses[0], name, "the loss returned for the first batch",
                 "return the mean cross-entropy of the network's raw scores for this batch, as computed "
                 "before the update", rtol=1e-4, atol=1e-6)
    now = _params(mine)
    expect_true(not torch.allclose(now, start), name, "the parameters did not change",
                "after loss.backward(), call optimizer.step() to update the parameters")
    one_step = _reference_steps(model, batches[:1])[1]
    expect_true(torch.allclose(now, one_step, atol=1e-6), name,
                "after one call the parameters differ from one Adam step on this batch's cross-entropy",
                "compute the loss, clear old gradients (optimizer.zero_grad()), loss.backward(), optimizer.step() "
                "-- once per call")
    x2, y2 = batches[1]
    value2 = train_step(mine, opt, x2, y2)
    now = _params(mine)
    if torch.allclose(now, _reference_steps(model, batches, accumulate=True)[1], atol=1e-6) and not torch.allclose(
            now, after, atol=1e-6):
        raise CheckError(f"{name}: after a second call the parameters moved as if the first batch's gradients were "
                         "still there. Hint: call optimizer.zero_grad() before loss.backward(): backward() adds "
                         "to the gradients already stored")
    expect_true(torch.allclose(now, after, atol=1e-6), name,
                "after two calls the parameters differ from two Adam steps",
                "one step per call: zero the gradients, backward, step")
    expect_close(float(value2.detach()) if isinstance(value2, torch.Tensor) else value2, losses[1], name,
                 "the loss returned for the second batch", "return this batch's loss, before the update",
                 rtol=1e-4, atol=1e-6)
    passed(name, f"losses {losses[0]:.3f}, {losses[1]:.3f}; parameters as two Adam steps")


# ----------------------------------------------------------------------------- reliability
def _two_halves(seed: int = 0, n_images: int = 4000, n_sites: int = 5):
    """Signal of unit variance plus independent noise in each half; the reliability of the full mean
    is 1 / (1 + noise_var / 2) (the full mean averages the two halves' noise)."""
    rng = np.random.default_rng(seed)
    noise_sd = np.array([0.0, 0.5, 1.0, 2.0, 4.0])[:n_sites]
    signal = rng.normal(size=(n_images, n_sites)) * 3.0 + 10.0
    a = signal + rng.normal(size=signal.shape) * noise_sd * 3.0
    b = signal + rng.normal(size=signal.shape) * noise_sd * 3.0
    truth = 1.0 / (1.0 + noise_sd**2 / 2.0)
    return a, b, truth


@visible_check
def check_split_half_reliability(split_half_reliability: Callable) -> None:
    """``split_half_reliability(half_a, half_b)``: Spearman-Brown corrected split-half correlation per site."""
    name = "check_split_half_reliability"
    a, b, truth = _two_halves()
    got = split_half_reliability(a, b)
    expect_true(got is not None, name, "split_half_reliability(...) returned None", "did you forget `return`?")
    got = np.asarray(got, float)
    expect_true(got.shape == (a.shape[1],), name,
                f"with {a.shape[0]} images x {a.shape[1]} sites there should be one value per site, shape "
                f"({a.shape[1]},), got {got.shape}",
                "correlate each site's two half-means across images (the columns), not across sites")
    r = np.array([np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(a.shape[1])])
    if np.allclose(got, r, atol=1e-6):
        raise CheckError(f"{name}: you returned the correlation of the two halves, r = {np.round(r, 3)}. Hint: "
                         "that is the reliability of a mean over *half* the repetitions; the Spearman-Brown "
                         "formula 2 r / (1 + r) gives the reliability of the mean over all of them")
    if np.allclose(got, r**2, atol=1e-6) or np.allclose(got, (2 * r / (1 + r)) ** 2, atol=1e-6):
        raise CheckError(f"{name}: your values are squared correlations. Hint: the reliability is already a "
                         "fraction of variance: 2 r / (1 + r) with r the Pearson correlation, not squared")
    expect_close(got, truth, name, "the reliability of sites with known signal and noise (4000 images)",
                 "Pearson r of the two halves over images, then 2 r / (1 + r)", atol=0.03)
    expect_close(got, pred.split_half_reliability(a, b), name, "the reliability of each site",
                 "Pearson r of the two halves over images, then 2 r / (1 + r)", atol=1e-6)
    passed(name, f"reliabilities {np.round(got, 2)} (truth {np.round(truth, 2)})")


# ----------------------------------------------------------------------------- predictivity
def _regression_problem(seed: int = 0, n: int = 160, d: int = 8):
    """Features, responses of 3 sites (noise-free linear; linear + noise of known ceiling; noise) and ceilings."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=(d, 2))
    signal = X @ w
    noisy = signal[:, 1] + rng.normal(size=n) * signal[:, 1].std()  # half of its variance is noise
    Y = np.stack([signal[:, 0], noisy, rng.normal(size=n)], axis=1)
    ceiling = np.array([1.0, 0.5, 1.0])
    return X, Y, ceiling, decoding.image_splits(np.arange(n) % 4, 4, seed)


def _anti_correlated_site(seed: int = 0, n: int = 160) -> tuple[np.ndarray, np.ndarray, list]:
    """Features unrelated to two sites whose means differ between folds: every fold's prediction is
    (about) the mean of the *other* folds, so the held-out predictions anti-correlate with them."""
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(n, 8))
    splits = decoding.image_splits(np.arange(n) % 4, 4, seed)
    y = np.zeros((n, 2))
    for k, (_, test) in enumerate(splits):
        y[test] = np.array([k, 2.0 * (3 - k)]) + 0.05 * rng.normal(size=(len(test), 2))
    return X, y, splits


@visible_check
def check_predictivity(predictivity: Callable) -> None:
    """``predictivity(features, responses, splits, ceiling)``: cross-validated sign(r) r^2 / ceiling per site."""
    name = "check_predictivity"
    X, Y, ceiling, splits = _regression_problem()
    got = predictivity(X, Y, splits, ceiling)
    expect_true(got is not None, name, "predictivity(...) returned None", "did you forget `return`?")
    got = np.asarray(got, float)
    expect_true(got.shape == (Y.shape[1],), name,
                f"with {Y.shape[0]} images x {Y.shape[1]} sites there should be one value per site, shape "
                f"({Y.shape[1]},), got {got.shape}",
                "correlate each site's predictions with its responses across images (columns), one value per site")
    # features unrelated to the responses, more features than training images: in-sample fits reach ~1
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(X.shape[0], 300))
    leak = np.asarray(predictivity(noise, Y, splits, np.ones(3)), float)
    expect_true(np.nanmax(leak) < 0.3, name,
                f"features unrelated to the responses predicted them with normalised values {np.round(leak, 2)}",
                "fit a fresh regression on each fold's training images only, and predict only its test images")
    want = pred.predictivity(X, Y, splits, ceiling)
    ev = want * ceiling
    if np.allclose(got, ev, atol=0.03) and not np.allclose(ev, want, atol=0.03):
        raise CheckError(f"{name}: you returned the explained variance {np.round(got, 2)} without the noise ceiling "
                         f"(expected {np.round(want, 2)}). Hint: divide each site's explained variance by its ceiling")
    if np.allclose(got, ev / np.sqrt(ceiling), atol=0.03):
        raise CheckError(f"{name}: you divided by the square root of the ceiling. Hint: the ceiling is a "
                         "reliability, a fraction of variance like r^2: divide r^2 by the ceiling itself")
    if np.allclose(got[:2], np.sqrt(ev[:2]) / ceiling[:2], atol=0.03):
        raise CheckError(f"{name}: your values look like correlations, not explained variances. Hint: the "
                         "explained variance is the squared correlation r^2 of predictions and responses")
    expect_close(got[0], 1.0, name, "the normalised predictivity of a site that is an exact linear function of the "
                 "features", "collect the held-out predictions of every fold, then r^2 over all images", atol=0.02)
    expect_close(got, want, name, "predictivity(...) of 3 sites (linear, linear + noise, pure noise)",
                 "r^2 over images of the held-out predictions (all folds together) and the responses, "
                 "divided by the ceiling", atol=0.05)
    Xa, ya, sa = _anti_correlated_site()
    anti = np.asarray(predictivity(Xa, ya, sa, np.ones(2)), float).ravel()
    want_anti = pred.predictivity(Xa, ya, sa, np.ones(2))
    if anti.shape == want_anti.shape and np.allclose(anti, -want_anti, atol=0.05):
        raise CheckError(f"{name}: two sites whose held-out predictions anti-correlate with their responses scored "
                         f"{np.round(anti, 2)}, expected {np.round(want_anti, 2)}. Hint: keep the sign of r, "
                         "sign(r) r^2: squaring alone would credit an anti-correlated prediction as "
                         "explained variance")
    expect_close(anti, want_anti, name, "the normalised predictivity of two sites whose held-out predictions "
                 "anti-correlate with their responses (pooled over all images)",
                 "sign(r) r^2 / ceiling with r over all images of the held-out predictions", atol=0.05)
    passed(name, f"normalised predictivity {np.round(got, 2)} (linear, half-noise, noise), {np.round(anti, 2)} "
           "(anti-correlated)")
