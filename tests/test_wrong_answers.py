"""Every visible check against the typical wrong answers of its exercise.

Each wrong answer must fail with a :class:`~helpers.checks.CheckError` whose message names what
is wrong (the regex) without containing the answer's code (the exercise's ``ANSWER`` fragments),
and at least one correct formulation that differs from the reference must pass.

Wrong answers per exercise (the keys of ``WRONG``):

- 01 rate_step: sigma applied to the old rate; W transposed (r @ W); u_next without the input.
- 01 to_generic: W_rec and W_in swapped; a (1, 5) bias row instead of (5,) entries.
- 01 speed: summed over the wrong axis; summed over everything; no factor 1/2.
- 02 bptt_manual: outputs taken one step early (targets[t] with xs[t]); W_rec paired with
  the next state; sigma' one step late in the carried term; no carried term; dW_rec transposed.
- 02 jacobian_norms: Frobenius norm; sigma' at the current state (off by one in time);
  starting the product with W_rec instead of the identity.
- 03 mexican_hat: angles in degrees; np.linspace(0, 2 pi, n) (0 and 2 pi twice); no 1/N.
- 03 ring_step: no rectification; rectification of r instead of the input (the same for r >= 0).
- 03 population_vector: np.arctan(y / x) (loses the quadrant); degrees; sum over the wrong axis.
- 03 half_width_theory: degrees; a fixed j1.
- 03 shift_weights: derivative along columns; the opposite sign; one lattice step (2x too
  large); angles in degrees.
- 03 offset_profile: pre - post (mirrored); the offset binned without adding pi.
- 04 place_cell_code: softmax over the wrong axis; no final normalisation; no minimum subtracted.
- 04 rnn_step: J transposed; no ReLU.
- 04 decode_position: the k smallest entries; positions transposed.
- 04 rotation_correlation: radians passed to ndimage.rotate; no centring.
- 05 average_outgoing: rows averaged without rolling; rolled to the origin, not the centre.
- 05 shift_push: no gating by g > 0; J transposed.
- 06 gabor: orientation used as radians; rows taken to point up (filter upside down); no zero mean.
- 06 pool: pooled over every axis; pooled over the leading axis.
- 06 decode: scored on its own training samples (in-sample).
- 07 decode: scored on the training images; one decoder for all folds fitted on everything.
- 07 object_folds: image-wise folds (objects split between train and test); no shuffling.
- 07 subsample_sites: sites drawn with replacement; the same subset for every resample.
- 08 train_step: gradients never zeroed (accumulate); softmax before the cross-entropy; no
  optimizer step; the loss after the update.
- 08 split_half_reliability: the raw split-half r (no Spearman-Brown); correlated across sites;
  squared correlations.
- 08 normalised_predictivity: fitted and scored on all images (in-sample); no ceiling; divided
  by the square root of the ceiling; correlations instead of explained variances; squared without
  its sign (anti-correlation credited); r^2 within each fold, averaged over folds.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from scipy import ndimage
from scipy.optimize import brentq

from helpers import (
    bptt,
    checks,
    decoding,
    fixed_points,
    grid_rnn,
    grid_scores,
    hmax,
    hmax_experiments,
    place_cells,
    ring,
    ring_analysis,
    ring_learned,
    rnn,
    sheet_analysis,
    ventral_cnn,
)
from helpers import predictivity as predictivity_ref
from helpers.checks import decoding as dc
from helpers.checks import grid as gc
from helpers.checks import hmax as hc
from helpers.checks import ring as rc
from helpers.checks import rnn as nc
from helpers.checks import sheet as sc
from helpers.checks import ventral as vc

# ----------------------------------------------------------------------------- 01 ---------


def rate_step_old_rate(W, r, I, sigma=np.tanh):
    u = W @ r + I
    return u, sigma(r)


def rate_step_transposed(W, r, I, sigma=np.tanh):
    u = r @ W + I
    return u, sigma(u)


def rate_step_no_input(W, r, I, sigma=np.tanh):
    u = W @ r
    return u, sigma(u)


def rate_step_list(W, r, I, sigma=np.tanh):  # correct: a list is a pair too
    u = np.dot(W, r) + I
    return [u, sigma(u)]


def to_generic_swapped(J, M):
    return {"W_rec": M, "W_in": J, "b": np.zeros(len(J))}


def to_generic_row_bias(J, M):
    return {"W_rec": J, "W_in": M, "b": np.zeros((1, len(J)))}


def to_generic_scalar_bias(J, M):  # correct: a scalar bias of 0 is the same network
    return {"W_rec": J.copy(), "W_in": M.copy(), "b": 0.0}


def speed_axis0(step, h):
    return 0.5 * ((step(h) - h) ** 2).sum(dim=0)


def speed_total(step, h):
    return 0.5 * ((step(h) - h) ** 2).sum() * torch.ones(h.shape[0])


def speed_no_half(step, h):
    return ((step(h) - h) ** 2).sum(dim=1)


def speed_norm(step, h):  # correct: the squared vector norm
    return 0.5 * torch.linalg.vector_norm(step(h) - h, dim=-1) ** 2


# ----------------------------------------------------------------------------- 02 ---------


def _bptt(params, x0, inputs, targets, early=False, next_state=False, late=False, carry=True,
          transpose=False):
    xs = bptt.forward(params, x0, inputs)
    W_rec, W_out = params["W_rec"], params["W_out"]
    r, dr = np.tanh(xs), 1 - np.tanh(xs) ** 2
    out = r[:-1] if early else r[1:]
    err = out @ W_out.T - targets
    deltas = np.zeros((len(inputs), len(x0)))
    c = np.zeros(len(x0))
    for t in range(len(inputs) - 1, -1, -1):
        deltas[t] = dr[t + 1] * (W_out.T @ err[t]) + c
        if carry:
            c = (dr[t + 1] if late else dr[t]) * (W_rec.T @ deltas[t])
    pre = r[1:] if next_state else r[:-1]
    dW = deltas.T @ pre
    return {"W_rec": dW.T if transpose else dW, "W_in": deltas.T @ inputs, "b": deltas.sum(0),
            "W_out": err.T @ out}


def bptt_correct_loop(params, x0, inputs, targets):  # correct: outer products in a loop
    xs = bptt.forward(params, x0, inputs)
    g = {k: np.zeros_like(v) for k, v in params.items()}
    delta_next = np.zeros(len(x0))
    for t in range(len(inputs), 0, -1):
        r_t = np.tanh(xs[t])
        e = params["W_out"] @ r_t - targets[t - 1]
        delta = (1 - r_t**2) * (params["W_out"].T @ e + params["W_rec"].T @ delta_next)
        g["W_out"] += np.outer(e, r_t)
        g["W_rec"] += np.outer(delta, np.tanh(xs[t - 1]))
        g["W_in"] += np.outer(delta, inputs[t - 1])
        g["b"] += delta
        delta_next = delta
    return g


def jacobian_frobenius(W, xs, sigma="tanh"):
    return np.array([np.linalg.norm(np.linalg.matrix_power(W, t)) for t in range(len(xs))])


def _jac(W, xs, sigma, start_with_w=False):
    dsig = (lambda x: 1 - np.tanh(x) ** 2) if sigma == "tanh" else np.ones_like
    prod = W.copy() if start_with_w else np.eye(len(W))
    out = [np.linalg.norm(prod, 2)]
    for t in range(1, len(xs)):
        prod = W @ np.diag(dsig(xs[t - 1])) @ prod
        out.append(np.linalg.norm(prod, 2))
    return np.array(out)


def jacobian_svd(W, xs, sigma="tanh"):  # correct: largest singular value, product from the left
    d = (lambda x: 1 - np.tanh(x) ** 2) if sigma == "tanh" else np.ones_like
    A, out = np.eye(len(W)), [1.0]
    for x_prev in xs[:-1]:
        A = (W * d(x_prev)) @ A
        out.append(np.linalg.svd(A, compute_uv=False)[0])
    return out


# ----------------------------------------------------------------------------- 03 ---------


def mexican_hat_degrees(n, j0, j1):
    th = 360 * np.arange(n) / n
    return (j0 + j1 * np.cos(th[:, None] - th[None, :])) / n


def mexican_hat_linspace(n, j0, j1):
    th = np.linspace(0, 2 * np.pi, n)
    return (j0 + j1 * np.cos(th[:, None] - th[None, :])) / n


def mexican_hat_unnormalised(n, j0, j1):
    th = 2 * np.pi * np.arange(n) / n
    return j0 + j1 * np.cos(th[:, None] - th[None, :])


def mexican_hat_loops(n, j0, j1):  # correct: loops and a list of lists
    return [[(j0 + j1 * np.cos(2 * np.pi * (i - j) / n)) / n for j in range(n)] for i in range(n)]


def ring_step_linear(r, W, I, tau, dt):
    return r + dt / tau * (-r + W @ r + I)


def ring_step_rectify_r(r, W, I, tau, dt):
    return r + dt / tau * (-r + W @ np.maximum(r, 0) + I)


def ring_step_clip(r, W, I, tau, dt):  # correct: the same update written differently
    drive = np.clip(W.dot(r) + I, 0, None)
    return (1 - dt / tau) * r + dt / tau * drive


def pv_arctan(rates, theta):
    return np.arctan((rates @ np.sin(theta)) / (rates @ np.cos(theta)))


def pv_degrees(rates, theta):
    return np.rad2deg(np.arctan2(rates @ np.sin(theta), rates @ np.cos(theta)))


def pv_wrong_axis(rates, theta):
    rates = np.asarray(rates)
    z = (rates * np.exp(1j * theta)).sum(axis=0)
    return np.angle(z)


def pv_0_to_2pi(rates, theta):  # correct: an angle in [0, 2 pi)
    return np.mod(np.angle(np.asarray(rates) @ np.exp(1j * theta)), 2 * np.pi)


def half_width_degrees(j1):
    return np.rad2deg(brentq(lambda x: j1 * (x - np.sin(x) * np.cos(x)) / (2 * np.pi) - 1, 1e-9, np.pi))


def half_width_fixed(j1):
    return brentq(lambda x: 6.0 * (x - np.sin(x) * np.cos(x)) / (2 * np.pi) - 1, 1e-9, np.pi)


def half_width_fsolve(j1):  # correct: another root finder
    from scipy.optimize import fsolve
    return float(fsolve(lambda x: j1 * (x - np.sin(x) * np.cos(x)) / (2 * np.pi) - 1, 1.0, xtol=1e-12)[0])


def shift_columns(W, gamma):
    n = W.shape[0]
    return W + gamma * (np.roll(W, -1, axis=1) - np.roll(W, 1, axis=1)) / (4 * np.pi / n)


def shift_one_step(W, gamma):
    n = W.shape[0]
    return W + gamma * (np.roll(W, -1, axis=0) - np.roll(W, 1, axis=0)) / (2 * np.pi / n)


def shift_degrees(W, gamma):
    n = W.shape[0]
    return W + gamma * (np.roll(W, -1, axis=0) - np.roll(W, 1, axis=0)) / (2 * 360 / n)


def shift_index(W, gamma):  # correct: explicit modular indices
    n = len(W)
    i = np.arange(n)
    return W + gamma * (W[(i + 1) % n] - W[(i - 1) % n]) * n / (4 * np.pi)


def _profile(W, pd, n_bins, sign=1, shift_pi=True):
    w = 2 * np.pi / n_bins
    d = sign * (pd[:, None] - pd[None, :])
    d = ring.wrap(d)
    k = np.round((d + (np.pi if shift_pi else 0)) / w).astype(int) % n_bins
    return -np.pi + np.arange(n_bins) * w, np.array([W[k == b].mean() for b in range(n_bins)])


def profile_lists(W, pd, n_bins):  # correct: plain lists, arctan2 wrapping
    w = 2 * np.pi / n_bins
    sums, counts = [0.0] * n_bins, [0] * n_bins
    for i in range(len(pd)):
        for j in range(len(pd)):
            d = np.arctan2(np.sin(pd[i] - pd[j]), np.cos(pd[i] - pd[j]))
            b = int(np.round((d + np.pi) / w)) % n_bins
            sums[b] += W[i][j]
            counts[b] += 1
    return [-np.pi + k * w for k in range(n_bins)], [s / c for s, c in zip(sums, counts)]


# ----------------------------------------------------------------------------- 04 ---------


def _pcc(pos, centers, width, ss, axis=1, normalise=True, subtract_min=True):
    d2 = ((pos[:, None] - centers[None]) ** 2).sum(-1)

    def softmax(z):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    code = softmax(-d2 / (2 * width**2)) - softmax(-d2 / (2 * ss * width**2))
    if subtract_min:
        code = code - code.min(axis=1, keepdims=True)
    return code / code.sum(axis=1, keepdims=True) if normalise else code


def pcc_scipy(pos, centers, width=0.12, surround_scale=2.0):  # correct: scipy's softmax and cdist
    from scipy.spatial.distance import cdist
    from scipy.special import softmax
    d2 = cdist(pos, centers, "sqeuclidean")
    c = softmax(-d2 / (2 * width**2), axis=-1) - softmax(-d2 / (2 * surround_scale * width**2), axis=-1)
    c -= c.min(-1)[:, None]
    return c / c.sum(-1)[:, None]


def rnn_step_transposed(g, v, J, M):
    return np.maximum(g @ J + v @ M.T, 0)


def rnn_step_no_relu(g, v, J, M):
    return g @ J.T + v @ M.T


def rnn_step_einsum(g, v, J, M):  # correct
    return np.maximum(np.einsum("ij,bj->bi", J, g) + np.einsum("ik,bk->bi", M, v), 0)


def decode_smallest(activity, centers, k=3):
    return centers[np.argsort(activity, axis=1)[:, :k]].mean(1)


def decode_transposed(activity, centers, k=3):
    return centers[np.argsort(activity, axis=1)[:, -k:]].mean(1).T


def decode_partition(activity, centers, k=3):  # correct
    idx = np.argpartition(-activity, k, axis=1)[:, :k]
    return np.stack([centers[i].mean(0) for i in idx])


def rotation_radians(sac, angle, mask):
    rot = ndimage.rotate(sac, np.deg2rad(angle), reshape=False)
    mu = sac[mask].mean()
    a, b = sac[mask] - mu, rot[mask] - mu
    return float(np.mean(a * b) / (np.mean(a**2) + 1e-5))


def rotation_uncentred(sac, angle, mask):
    rot = ndimage.rotate(sac, angle, reshape=False)
    return float(np.mean(sac[mask] * rot[mask]) / (np.mean(sac[mask] ** 2) + 1e-5))


def rotation_sums(sac, angle, mask):  # correct: sums instead of means
    rot = ndimage.rotate(sac, angle, reshape=False)
    a = sac[mask] - sac[mask].mean()
    b = rot[mask] - sac[mask].mean()
    return (a * b).sum() / ((a * a).sum() + 1e-5 * mask.sum())


# ----------------------------------------------------------------------------- 05 ---------


def outgoing_unrolled(J_out, n):
    return np.asarray(J_out).mean(0).reshape(n, n)


def outgoing_origin(J_out, n):
    total = np.zeros((n, n))
    for p in range(n * n):
        a, b = divmod(p, n)
        total += np.roll(J_out[p].reshape(n, n), (-a, -b), axis=(0, 1))
    return total / n**2


def outgoing_vectorised(J_out, n):  # correct: reshape once, roll per unit, mean over units
    imgs = np.asarray(J_out, float).reshape(n, n, n, n)
    return np.mean([np.roll(imgs[a, b], (n // 2 - a, n // 2 - b), (0, 1)) for a in range(n) for b in range(n)], 0)


def push_ungated(J, M, g, heading):
    return J @ (M @ np.array([np.cos(heading), np.sin(heading)]))


def push_transposed(J, M, g, heading):
    return J.T @ ((M @ np.array([np.cos(heading), np.sin(heading)])) * (g > 0))


def push_where(J, M, g, heading):  # correct
    drive = M[:, 0] * np.cos(heading) + M[:, 1] * np.sin(heading)
    return np.dot(J, np.where(np.asarray(g) > 0, drive, 0.0))


# ----------------------------------------------------------------------------- 06 ---------


def _gabor(size, wavelength, sigma, orientation, gamma=0.3, radians=False, rows_up=False, zero_mean=True):
    theta = orientation if radians else np.deg2rad(orientation)
    r = np.arange(size) - (size - 1) / 2
    x, y = (r[None, :], r[:, None]) if rows_up else (r[None, :], -r[:, None])
    u = -x * np.sin(theta) + y * np.cos(theta)
    v = x * np.cos(theta) + y * np.sin(theta)
    g = np.exp(-(u**2 + gamma**2 * v**2) / (2 * sigma**2)) * np.cos(2 * np.pi * u / wavelength)
    disk = x**2 + y**2 <= (size / 2) ** 2
    g = np.where(disk, g, 0.0)
    if zero_mean:
        g[disk] -= g[disk].mean()
    return g / np.sqrt((g**2).sum())


def gabor_meshgrid(size, wavelength, sigma, orientation, gamma=0.3):  # correct: meshgrid, row index flipped
    t = np.radians(orientation)
    c = (size - 1) / 2
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x, y = cols - c, c - rows
    u, v = y * np.cos(t) - x * np.sin(t), x * np.cos(t) + y * np.sin(t)
    g = np.exp(-(u**2 + (gamma * v) ** 2) / (2 * sigma**2)) * np.cos(2 * np.pi * u / wavelength)
    inside = np.hypot(x, y) <= size / 2
    g[~inside] = 0
    g[inside] = g[inside] - g[inside].mean()
    return g / np.linalg.norm(g)


def pool_all(maps, op="max"):
    return np.max(maps) if op == "max" else np.sum(maps)


def pool_leading(maps, op="max"):
    return np.max(maps, axis=0) if op == "max" else np.sum(maps, axis=0)


def pool_reshape(maps, op="max"):  # correct
    m = np.asarray(maps).reshape(*np.shape(maps)[:-2], -1)
    return getattr(m, op)(-1)


def hmax_decode_in_sample(features, labels, n_folds=4, seed=0):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    clf = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-1, 4, 6)))
    return float(clf.fit(features, labels).score(features, labels))


def hmax_decode_logistic(features, labels, n_folds=4, seed=0):  # correct: another linear classifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler
    scores = []
    for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(features, labels):
        sc_ = StandardScaler().fit(features[train])
        clf = LogisticRegression(C=0.01, max_iter=2000).fit(sc_.transform(features[train]), labels[train])
        scores.append(clf.score(sc_.transform(features[test]), labels[test]))
    return float(np.mean(scores))


# ----------------------------------------------------------------------------- 07 ---------


def decode_on_train(features, labels, splits, make_decoder=decoding.make_decoder):
    scores = []
    for train, test in splits:
        clf = make_decoder().fit(features[train], labels[train])
        scores.append(np.mean(clf.predict(features[train]) == labels[train]))
    return float(np.mean(scores))


def decode_fit_all(features, labels, splits, make_decoder=decoding.make_decoder):
    clf = make_decoder().fit(features, labels)
    return float(np.mean([np.mean(clf.predict(features[te]) == labels[te]) for _, te in splits]))


def decode_score(features, labels, splits, make_decoder=decoding.make_decoder):  # correct: .score
    X, y = np.asarray(features), np.asarray(labels)
    return float(np.mean([make_decoder().fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in splits]))


def folds_by_image(objects, categories, n_folds=4, seed=0):
    idx = np.random.default_rng(seed).permutation(len(objects))
    tests = np.array_split(idx, n_folds)
    return [(np.setdiff1d(idx, t), t) for t in tests]


def folds_unshuffled(objects, categories, n_folds=4, seed=0):
    fold_of = {}
    for c in np.unique(categories):
        for k, o in enumerate(np.unique(objects[categories == c])):
            fold_of[o] = k % n_folds
    fold = np.array([fold_of[o] for o in objects])
    index = np.arange(len(objects))
    return [(index[fold != k], index[fold == k]) for k in range(n_folds)]


def folds_group(objects, categories, n_folds=4, seed=0):  # correct: shuffle within category, then deal
    rng = np.random.default_rng(seed)
    fold = np.empty(len(objects), int)
    for c in np.unique(categories):
        objs = rng.permutation(np.unique(objects[categories == c]))
        for k, o in enumerate(objs):
            fold[objects == o] = k % n_folds
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)]


def subsample_with_replacement(features, score, n_sites, n_resamples=5, seed=0):
    rng = np.random.default_rng(seed)
    return np.array([[score(features[:, rng.integers(0, features.shape[1], n)]) for _ in range(n_resamples)]
                     for n in n_sites])


def subsample_same_subset(features, score, n_sites, n_resamples=5, seed=0):
    out = []
    for n in n_sites:
        sites = np.random.default_rng(seed).choice(features.shape[1], n, replace=False)
        out.append([score(features[:, sites]) for _ in range(n_resamples)])
    return np.array(out)


def subsample_permutation(features, score, n_sites, n_resamples=5, seed=0):  # correct: permutations
    rng = np.random.default_rng(seed)
    return [[score(features[:, rng.permutation(features.shape[1])[:n]]) for _ in range(n_resamples)]
            for n in n_sites]


# ----------------------------------------------------------------------------- 08 ---------


def train_step_no_zero_grad(model, optimizer, images, labels):
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_step_softmax(model, optimizer, images, labels):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(torch.softmax(model(images), dim=1), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_step_no_step(model, optimizer, images, labels):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    return loss.item()


def train_step_loss_after(model, optimizer, images, labels):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()
    return torch.nn.functional.cross_entropy(model(images), labels).item()


def train_step_nll(model, optimizer, images, labels):  # correct: log-softmax and NLL, a tensor returned
    optimizer.zero_grad(set_to_none=True)
    loss = torch.nn.functional.nll_loss(torch.log_softmax(model(images), dim=1), labels)
    loss.backward()
    optimizer.step()
    return loss


def _half_r(a, b):
    return np.array([np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(a.shape[1])])


def reliability_no_spearman_brown(half_a, half_b):
    return _half_r(half_a, half_b)


def reliability_across_sites(half_a, half_b):
    r = np.array([np.corrcoef(half_a[i], half_b[i])[0, 1] for i in range(len(half_a))])
    return 2 * r / (1 + r)


def reliability_squared(half_a, half_b):
    return _half_r(half_a, half_b) ** 2


def reliability_zscores(half_a, half_b):  # correct: the mean product of z-scores is Pearson's r
    za = (half_a - half_a.mean(0)) / half_a.std(0)
    zb = (half_b - half_b.mean(0)) / half_b.std(0)
    r = (za * zb).mean(0)
    return 2 * r / (1 + r)


def _pooled_r(pred, y):
    return np.array([np.corrcoef(pred[:, j], y[:, j])[0, 1] for j in range(y.shape[1])])


def predictivity_in_sample(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    pred = make_regression().fit(features, responses).predict(features)
    return _pooled_r(pred, responses) ** 2 / ceiling


def _held_out(features, responses, splits, make_regression):
    pred = np.zeros_like(responses, dtype=float)
    for train, test in splits:
        pred[test] = make_regression().fit(features[train], responses[train]).predict(features[test])
    return pred


def predictivity_no_ceiling(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    return _pooled_r(_held_out(features, responses, splits, make_regression), responses) ** 2


def predictivity_sqrt_ceiling(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    return _pooled_r(_held_out(features, responses, splits, make_regression), responses) ** 2 / np.sqrt(ceiling)


def predictivity_r(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    return _pooled_r(_held_out(features, responses, splits, make_regression), responses) / ceiling


def predictivity_unsigned(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    return _pooled_r(_held_out(features, responses, splits, make_regression), responses) ** 2 / ceiling


def predictivity_corrcoef(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    # correct: the same, with np.corrcoef and np.abs
    r = _pooled_r(_held_out(features, responses, splits, make_regression), responses)
    return r * np.abs(r) / ceiling


def predictivity_per_fold(features, responses, splits, ceiling, make_regression=predictivity_ref.make_regression):
    # r^2 within each test fold, averaged over folds (not the pooled r the exercise asks for)
    scores = []
    for train, test in splits:
        pred = make_regression().fit(features[train], responses[train]).predict(features[test])
        scores.append(_pooled_r(pred, responses[test]) ** 2)
    return np.mean(scores, axis=0) / ceiling


# ------------------------------------------------------------------------------------------

#: code fragments of each exercise's answer: no failure message may contain one
ANSWER = {
    "rate_step": ["u_next = W @ r + I", "W @ r + I"],
    "to_generic": ["\"W_rec\": J", "'W_rec': J", "np.zeros(J.shape[0])"],
    "speed": ["((step(h) - h) ** 2).sum(dim=1)", "0.5 * ("],
    "bptt": ["deltas.T @ r[:-1]", "dr[t] * (W_rec.T @ deltas[t])", "err.T @ r[1:]", "r[1:] @ W_out.T"],
    "jacobian": ["W_rec @ np.diag", "prod = W_rec"],
    "mexican_hat": ["np.cos(th[:, None] - th[None, :])", "2 * np.pi * np.arange(n) / n"],
    "ring_step": ["r + dt / tau * (-r + np.maximum(W @ r + I, 0", "np.maximum(W @ r + I"],
    "population_vector": ["np.arctan2(rates @ np.sin(theta)", "rates @ np.exp(1j * theta)"],
    "half_width": ["brentq(lambda x", "1e-9, np.pi"],
    "shift_weights": ["np.roll(W, -1, axis=0) - np.roll(W, 1, axis=0)", "(2 * 2 * np.pi / n)"],
    "offset_profile": ["ring.wrap(pd[:, None] - pd[None, :])", "np.round((d + np.pi) / w).astype(int)"],
    "place_cell_code": ["z.max(axis=1, keepdims=True)", "code.min(axis=1, keepdims=True)"],
    "rnn_step": ["g @ J.T + v @ M.T", "np.maximum(g @ J.T"],
    "decode_position": ["np.argsort(activity, axis=1)[:, -k:]", "centers[idx].mean(axis=1)"],
    "rotation_correlation": ["ndimage.rotate(sac, angle, reshape=False)", "np.mean(a * b)"],
    "average_outgoing": ["np.roll(J_out[p].reshape(n, n), (n // 2 - a, n // 2 - b)"],
    "shift_push": ["J) @ ((np.asarray(M) @ v)", "@ ((M @ v) * (g > 0))"],
    "gabor": ["u = -x * np.sin(theta) + y * np.cos(theta)", "g[disk] -= g[disk].mean()"],
    "pool": ["maps.max(axis=(-2, -1))", "axis=(-2, -1))"],
    "decode": ["cross_val_score(clf", "StratifiedKFold(n_folds", "clf.predict(features[test])"],
    "object_folds": ["fold_of[o] = k % n_folds", "rng.permutation(np.unique(objects"],
    "subsample_sites": ["rng.choice(features.shape[1], n, replace=False)"],
    "train_step": ["F.cross_entropy(model(images), labels)", "loss.backward()\n    optimizer.step()"],
    "split_half_reliability": ["a = half_a - half_a.mean(axis=0)", "(a * b).sum(axis=0)"],
    "normalised_predictivity": ["predicted[test] = fitted.predict(features[test])", "np.sign(r) * r**2 / np.asarray(ceiling"],
}

P = pytest.param
WRONG = [
    # check, answer key, wrong function, what the message must say (regex)
    P(nc.check_rate_step, "rate_step", rate_step_old_rate, r"apply sigma to the new membrane potential", id="01-rate_step-sigma-of-old-rate"),
    P(nc.check_rate_step, "rate_step", rate_step_transposed, r"u_next = W r \+ I should be .*multiply W by the rates", id="01-rate_step-transposed"),
    P(nc.check_rate_step, "rate_step", rate_step_no_input, r"u_next = W r \+ I should be", id="01-rate_step-no-input"),
    P(nc.check_to_generic, "to_generic", to_generic_swapped, r"W_rec should have shape \(5, 5\), got \(5, 2\)", id="01-to_generic-swapped"),
    P(nc.check_to_generic, "to_generic", to_generic_row_bias, r"b should have shape \(5,\), got \(1, 5\)", id="01-to_generic-bias-row"),
    P(nc.check_speed, "speed", speed_axis0, r"should have shape \(4,\), got \(5,\).*one number per state", id="01-speed-wrong-axis"),
    P(nc.check_speed, "speed", speed_total, r"one number per state", id="01-speed-summed-over-all"),
    P(nc.check_speed, "speed", speed_no_half, r"q\(h\) for 4 states should be .*times 1/2", id="01-speed-no-half"),
    P(nc.check_bptt, "bptt", lambda *a: _bptt(*a, early=True), r"W_out is off by one step in time.*xs\[0\] is x0", id="02-bptt-outputs-one-step-early"),
    P(nc.check_bptt, "bptt", lambda *a: _bptt(*a, next_state=True), r"W_rec is off by one step in time", id="02-bptt-W_rec-with-next-state"),
    P(nc.check_bptt, "bptt", lambda *a: _bptt(*a, late=True), r"sigma' one step too late", id="02-bptt-derivative-late"),
    P(nc.check_bptt, "bptt", lambda *a: _bptt(*a, carry=False), r"nothing flows back from later steps", id="02-bptt-no-carry"),
    P(nc.check_bptt, "bptt", lambda *a: _bptt(*a, transpose=True), r"W_rec is the transpose", id="02-bptt-dW_rec-transposed"),
    P(nc.check_jacobian_norms, "jacobian", jacobian_frobenius, r"spectral norm", id="02-jacobian-frobenius"),
    P(nc.check_jacobian_norms, "jacobian", lambda W, xs, s="tanh": _jac_current(W, xs, s), r"previous\* state", id="02-jacobian-derivative-at-current-state"),
    P(nc.check_jacobian_norms, "jacobian", lambda W, xs, s="tanh": _jac(W, xs, s, start_with_w=True), r"start from the identity", id="02-jacobian-starts-with-W"),
    P(rc.check_mexican_hat, "mexican_hat", mexican_hat_degrees, r"look like degrees", id="03-mexican_hat-degrees"),
    P(rc.check_mexican_hat, "mexican_hat", mexican_hat_linspace, r"both 0 and 2 pi", id="03-mexican_hat-linspace"),
    P(rc.check_mexican_hat, "mexican_hat", mexican_hat_unnormalised, r"did you divide by N", id="03-mexican_hat-no-1/N"),
    P(rc.check_ring_step, "ring_step", ring_step_linear, r"should relax to 0.*rectify", id="03-ring_step-no-rectification"),
    P(rc.check_ring_step, "ring_step", ring_step_rectify_r, r"should relax to 0", id="03-ring_step-rectifies-r"),
    P(rc.check_population_vector, "population_vector", pv_arctan, r"loses the quadrant", id="03-population_vector-arctan"),
    P(rc.check_population_vector, "population_vector", pv_degrees, r"looks like degrees", id="03-population_vector-degrees"),
    P(rc.check_population_vector, "population_vector", pv_wrong_axis, r"\(3, N\).*last axis", id="03-population_vector-wrong-axis"),
    P(rc.check_half_width_theory, "half_width", half_width_degrees, r"looks like degrees", id="03-half_width-degrees"),
    P(rc.check_half_width_theory, "half_width", half_width_fixed, r"use the argument j1", id="03-half_width-fixed-j1"),
    P(rc.check_shift_weights, "shift_weights", shift_columns, r"opposite sign \(or is taken along the wrong index\)", id="03-shift_weights-along-columns"),
    P(rc.check_shift_weights, "shift_weights", lambda W, g: shift_index(W, -g), r"opposite sign", id="03-shift_weights-sign"),
    P(rc.check_shift_weights, "shift_weights", shift_one_step, r"twice the expected size", id="03-shift_weights-one-step"),
    P(rc.check_shift_weights, "shift_weights", shift_degrees, r"degrees and radians", id="03-shift_weights-degrees"),
    P(rc.check_offset_profile, "offset_profile", lambda W, pd, n: _profile(W, pd, n, sign=-1), r"mirrored.*postsynaptic", id="03-offset_profile-pre-minus-post"),
    P(rc.check_offset_profile, "offset_profile", lambda W, pd, n: _profile(W, pd, n, shift_pi=False), r"profile of a shuffled, asymmetric .* should be", id="03-offset_profile-offset-not-shifted-by-pi"),
    P(gc.check_place_cell_code, "place_cell_code", lambda p, c, w, s: _pcc(p, c, w, s, axis=0, normalise=False), r"sum of each row|negative", id="04-place_cell_code-softmax-over-positions"),
    P(gc.check_place_cell_code, "place_cell_code", lambda p, c, w, s: _pcc(p, c, w, s, normalise=False), r"sum of each row", id="04-place_cell_code-no-normalisation"),
    P(gc.check_place_cell_code, "place_cell_code", lambda p, c, w, s: _pcc(p, c, w, s, subtract_min=False), r"negative entries", id="04-place_cell_code-no-minimum"),
    P(gc.check_rnn_step, "rnn_step", rnn_step_transposed, r"J is applied transposed", id="04-rnn_step-transposed"),
    P(gc.check_rnn_step, "rnn_step", rnn_step_no_relu, r"negative entries.*ReLU", id="04-rnn_step-no-relu"),
    P(gc.check_decode_position, "decode_position", decode_smallest, r"largest entries", id="04-decode_position-smallest"),
    P(gc.check_decode_position, "decode_position", decode_transposed, r"shape \(7, 2\), got \(2, 7\)", id="04-decode_position-transposed"),
    P(gc.check_rotation_correlation, "rotation_correlation", rotation_radians, r"barely turned.*degrees", id="04-rotation-radians"),
    P(gc.check_rotation_correlation, "rotation_correlation", rotation_uncentred, r"centre both maps", id="04-rotation-uncentred"),
    P(sc.check_average_outgoing, "average_outgoing", outgoing_unrolled, r"averaged the rows as they are", id="05-average_outgoing-no-roll"),
    P(sc.check_average_outgoing, "average_outgoing", outgoing_origin, r"zero offset belongs at the centre", id="05-average_outgoing-origin"),
    P(sc.check_shift_push, "shift_push", push_ungated, r"only the active units", id="05-shift_push-ungated"),
    P(sc.check_shift_push, "shift_push", push_transposed, r"rows of J are postsynaptic", id="05-shift_push-transposed"),
    P(hc.check_gabor, "gabor", lambda *a: _gabor(*a, radians=True), r"radians.*given in degrees", id="06-gabor-radians"),
    P(hc.check_gabor, "gabor", lambda *a: _gabor(*a, rows_up=True), r"upside down", id="06-gabor-rows-up"),
    P(hc.check_gabor, "gabor", lambda *a: _gabor(*a, zero_mean=False), r"mean of the filter", id="06-gabor-no-zero-mean"),
    P(hc.check_pool, "pool", pool_all, r"should have shape \(2, 3\), got \(\)", id="06-pool-every-axis"),
    P(hc.check_pool, "pool", pool_leading, r"should have shape \(2, 3\), got \(3, 5, 7\)", id="06-pool-leading-axis"),
    P(hc.check_decode, "decode", hmax_decode_in_sample, r"pure-noise.*trained on", id="06-decode-in-sample"),
    P(dc.check_decode, "decode", decode_on_train, r"pure-noise", id="07-decode-scored-on-train"),
    P(dc.check_decode, "decode", decode_fit_all, r"pure-noise", id="07-decode-fitted-on-all"),
    P(dc.check_object_folds, "object_folds", folds_by_image, r"have images in both train and test", id="07-object_folds-by-image"),
    P(dc.check_object_folds, "object_folds", folds_unshuffled, r"seeds 0 and 1 gave the same folds", id="07-object_folds-unshuffled"),
    P(dc.check_subsample_sites, "subsample_sites", subsample_with_replacement, r"without replacement", id="07-subsample-with-replacement"),
    P(dc.check_subsample_sites, "subsample_sites", subsample_same_subset, r"same sites", id="07-subsample-same-subset"),
    P(vc.check_train_step, "train_step", train_step_no_zero_grad, r"gradients were still there.*zero_grad", id="08-train_step-no-zero-grad"),
    P(vc.check_train_step, "train_step", train_step_softmax, r"softmax probabilities.*raw scores", id="08-train_step-softmax"),
    P(vc.check_train_step, "train_step", train_step_no_step, r"parameters did not change.*optimizer.step", id="08-train_step-no-step"),
    P(vc.check_train_step, "train_step", train_step_loss_after, r"loss returned for the first batch.*before the update", id="08-train_step-loss-after-update"),
    P(vc.check_split_half_reliability, "split_half_reliability", reliability_no_spearman_brown, r"correlation of the two halves.*Spearman-Brown", id="08-reliability-no-spearman-brown"),
    P(vc.check_split_half_reliability, "split_half_reliability", reliability_across_sites, r"one value per site.*across images", id="08-reliability-across-sites"),
    P(vc.check_split_half_reliability, "split_half_reliability", reliability_squared, r"squared correlations", id="08-reliability-squared"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_in_sample, r"unrelated to the responses.*training images only", id="08-predictivity-in-sample"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_no_ceiling, r"without the noise ceiling", id="08-predictivity-no-ceiling"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_sqrt_ceiling, r"square root of the ceiling", id="08-predictivity-sqrt-ceiling"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_r, r"correlations, not explained variances", id="08-predictivity-correlation"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_unsigned, r"anti-correlate.*keep the sign", id="08-predictivity-unsigned"),
    P(vc.check_predictivity, "normalised_predictivity", predictivity_per_fold, r"anti-correlate with their responses \(pooled over all images\)", id="08-predictivity-per-fold"),
]


def _jac_current(W, xs, sigma="tanh"):
    """sigma' evaluated at x_t instead of x_{t-1} (off by one in time)."""
    dsig = (lambda x: 1 - np.tanh(x) ** 2) if sigma == "tanh" else np.ones_like
    prod, out = np.eye(len(W)), [1.0]
    for t in range(1, len(xs)):
        prod = W @ np.diag(dsig(xs[t])) @ prod
        out.append(np.linalg.norm(prod, 2))
    return np.array(out)


@pytest.mark.parametrize("check, key, wrong, message", WRONG)
def test_wrong_answer_is_named_without_the_answer(check, key, wrong, message):
    with pytest.raises(checks.CheckError) as info:
        check(wrong)
    text = str(info.value)
    assert re.search(message, text, re.S), text
    assert "Hint:" in text
    for fragment in ANSWER[key]:
        assert fragment not in text, (fragment, text)


CORRECT = [
    P(nc.check_rate_step, rate_step_list, id="01-rate_step-list"),
    P(nc.check_to_generic, to_generic_scalar_bias, id="01-to_generic-scalar-bias"),
    P(nc.check_speed, speed_norm, id="01-speed-vector-norm"),
    P(nc.check_bptt, bptt_correct_loop, id="02-bptt-outer-products"),
    P(nc.check_jacobian_norms, jacobian_svd, id="02-jacobian-svd"),
    P(rc.check_mexican_hat, mexican_hat_loops, id="03-mexican_hat-loops"),
    P(rc.check_ring_step, ring_step_clip, id="03-ring_step-clip"),
    P(rc.check_population_vector, pv_0_to_2pi, id="03-population_vector-0-to-2pi"),
    P(rc.check_half_width_theory, half_width_fsolve, id="03-half_width-fsolve"),
    P(rc.check_shift_weights, shift_index, id="03-shift_weights-indices"),
    P(rc.check_offset_profile, profile_lists, id="03-offset_profile-lists"),
    P(gc.check_place_cell_code, pcc_scipy, id="04-place_cell_code-scipy"),
    P(gc.check_rnn_step, rnn_step_einsum, id="04-rnn_step-einsum"),
    P(gc.check_decode_position, decode_partition, id="04-decode_position-argpartition"),
    P(gc.check_rotation_correlation, rotation_sums, id="04-rotation-sums"),
    P(sc.check_average_outgoing, outgoing_vectorised, id="05-average_outgoing-reshape"),
    P(sc.check_shift_push, push_where, id="05-shift_push-where"),
    P(hc.check_gabor, gabor_meshgrid, id="06-gabor-meshgrid"),
    P(hc.check_pool, pool_reshape, id="06-pool-reshape"),
    P(hc.check_decode, hmax_decode_logistic, id="06-decode-logistic"),
    P(dc.check_decode, decode_score, id="07-decode-score"),
    P(dc.check_object_folds, folds_group, id="07-object_folds-mask"),
    P(dc.check_subsample_sites, subsample_permutation, id="07-subsample-permutation"),
    P(vc.check_train_step, train_step_nll, id="08-train_step-nll-tensor"),
    P(vc.check_split_half_reliability, reliability_zscores, id="08-reliability-zscores"),
    P(vc.check_predictivity, predictivity_corrcoef, id="08-predictivity-corrcoef"),
]


@pytest.mark.parametrize("check, right", CORRECT)
def test_correct_alternative_passes(check, right, capsys):
    check(right)
    assert "passed" in capsys.readouterr().out


def test_references_pass(capsys):
    """The references of helpers pass their own checks (what the fallback relies on)."""
    nc.check_rate_step(rnn.rate_step)
    nc.check_to_generic(rnn.sorscher_to_generic)
    nc.check_speed(fixed_points.speed)
    nc.check_bptt(bptt.bptt_gradients)
    nc.check_jacobian_norms(bptt.state_jacobian_norms)
    rc.check_mexican_hat(ring.cosine_weights)
    rc.check_ring_step(ring.euler_step)
    rc.check_population_vector(ring.population_vector)
    rc.check_half_width_theory(ring_analysis.bump_half_width_theory)
    rc.check_shift_weights(ring.zhang_weights)
    rc.check_offset_profile(ring_learned.offset_profile)
    gc.check_place_cell_code(place_cells.place_cell_code)
    gc.check_rnn_step(grid_rnn.rnn_step)
    gc.check_decode_position(place_cells.decode_position)
    gc.check_rotation_correlation(grid_scores.rotation_correlation)
    sc.check_average_outgoing(sheet_analysis.average_outgoing)
    hc.check_gabor(lambda size, lam, sig, ori, gamma=0.3: hmax.gabor_filter(size, lam, sig, ori))
    hc.check_pool(hmax_experiments.pool)
    hc.check_decode(decoding.decode_accuracy)
    dc.check_decode(decoding.cross_validated_accuracy)
    dc.check_object_folds(decoding.object_splits)
    dc.check_subsample_sites(decoding.subsample_sites)
    vc.check_train_step(ventral_cnn.train_step)
    vc.check_split_half_reliability(predictivity_ref.split_half_reliability)
    vc.check_predictivity(predictivity_ref.predictivity)
    assert capsys.readouterr().out.count("passed") == 25
