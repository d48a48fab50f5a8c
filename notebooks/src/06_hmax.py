# %% [markdown]
# # 06 · HMAX: invariance and selectivity from simple and complex cells
#
# **Learning objectives**
#
# - build the S1 layer of HMAX (Gabor "simple cells") from the parameters of Serre et al. (2007);
# - see how a max over afferents (C1, "complex cells") buys tolerance to position and scale,
#   and why a sum does not keep selectivity in clutter;
# - follow invariance up the hierarchy S1 → C1 → C2;
# - decode object category from pixels and from C2 features at three levels of variation.
#
# **Time needed:** about 45 minutes.
#
# **Lecture idea.** IT neurons are selective for objects yet tolerant to their position, size and
# pose. Riesenhuber & Poggio (1999) proposed that two operations, repeated, are enough: a
# *template match* (a weighted sum, tuning → selectivity, "S" layers) and a *max* over afferents
# with the same preference at different positions and scales (→ invariance, "C" layers). This
# extends Hubel & Wiesel's simple and complex cells and Fukushima's Neocognitron.

# %% tags=["parameters"]
import os

import numpy as np

from helpers import decoding, hmax, hmax_experiments, plotting, stimuli, torch_setup
from helpers.checks import fallback
from helpers.checks import hmax as hmax_checks

plotting.use_lecture_style()
torch_setup.use_threads()  # one thread: HMAX's batched convolutions run fastest so on a shared machine
FULL = os.environ.get("FULL", "0") == "1"  # FULL=1: more images and S2 prototypes

# %%
# images per object and variation level for decoding (2 while nbgrader grades: the graded cells
# need the features, not the best estimate, and each graded cell has 45 s)
N_PER_OBJECT = 10 if FULL else (2 if os.environ.get("NBGRADER_EXECUTION") else 4)
N_PER_SIZE = 250 if FULL else 100     # S2 prototypes per patch size (Serre's code: 250)

# %% [markdown]
# ## 1 · S1: simple cells as Gabor filters
#
# An S1 unit at orientation $\theta$ is a Gabor filter
#
# $$G(x, y) = \exp\!\left(-\frac{u^2 + \gamma^2 v^2}{2\sigma^2}\right)\cos\!\left(\frac{2\pi u}{\lambda}\right),
# \qquad u = -x\sin\theta + y\cos\theta,\; v = x\cos\theta + y\sin\theta,$$
#
# where $u$ runs *across* the preferred bar and $v$ *along* it ($\theta$: the bar's orientation,
# counter-clockwise from horizontal; $x$ to the right, $y$ up, so $y = -(\text{row} - \text{centre})$).
# Serre et al. (2007) use 16 sizes (7 … 37 px, two per band) with $\lambda = 2\,\text{size}/(4 - 0.05k)$,
# $\sigma = 0.8\lambda$ and $\gamma = 0.3$. Each filter is set to 0 outside the disk of radius
# size/2, made zero-mean on that disk, and scaled to unit norm. The response is
# $|I * G| / \sqrt{\sum_{\text{window}} I^2}$: contrast does not matter, only the match.
#
# ### Exercise 1 · an S1 filter
# Write `gabor(size, wavelength, sigma, orientation, gamma)` following the recipe above
# (`orientation` in degrees). The band sizes of the table, for reference:

# %% tags=["nbval-check-output"]
for p in hmax.s1_parameters()[:4]:
    print(f"band {p['band']}: size {p['size']:2d} px, lambda {p['lambda']:.1f} px, sigma {p['sigma']:.1f} px")


# %% nbgrader={"grade": false, "grade_id": "gabor", "locked": false, "schema_version": 3, "solution": true}
def gabor(size, wavelength, sigma, orientation, gamma=0.3):
    """S1 Gabor filter, shape (size, size); orientation of the preferred bar in degrees."""
    ### BEGIN SOLUTION
    theta = np.deg2rad(orientation)
    r = np.arange(size) - (size - 1) / 2
    x, y = r[None, :], -r[:, None]
    u = -x * np.sin(theta) + y * np.cos(theta)
    v = x * np.cos(theta) + y * np.sin(theta)
    g = np.exp(-(u**2 + gamma**2 * v**2) / (2 * sigma**2)) * np.cos(2 * np.pi * u / wavelength)
    disk = x**2 + y**2 <= (size / 2) ** 2
    g = np.where(disk, g, 0.0)
    g[disk] -= g[disk].mean()
    return g / np.sqrt((g**2).sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gabor", "locked": true, "points": 2, "schema_version": 3, "solution": false}
hmax_checks.check_gabor(gabor)
### BEGIN HIDDEN TESTS
for p in hmax.s1_parameters()[::5]:
    for ori in (0.0, 45.0, 135.0):
        np.testing.assert_allclose(gabor(p["size"], p["lambda"], p["sigma"], ori, 0.3),
                                   hmax.gabor_filter(p["size"], p["lambda"], p["sigma"], ori), atol=1e-6)
### END HIDDEN TESTS

# %%
my_gabor = fallback(gabor, hmax.gabor_filter, check=hmax_checks.check_gabor)
bank = [np.stack([my_gabor(p["size"], p["lambda"], p["sigma"], o) for o in hmax.ORIENTATIONS])
        for p in hmax.s1_parameters()]
fig = plotting.gabor_bank(bank, hmax.S1_SIZES, hmax.ORIENTATIONS)

# %% [markdown]
# ## 2 · The image set and its S1 and C1 maps
#
# We use a procedural stand-in for the "core object recognition" images of Majaj et al. (2015):
# 8 categories × 8 objects, drawn over natural backgrounds at three variation levels — V0
# (centred, fixed size and pose), V3 (moderate) and V6 (large changes of position, scale and
# rotation). C1 takes, at each position, the max over the two S1 sizes of a band, then the max
# over an $N\times N$ neighbourhood every $N/2$ px ($N$ = 8 … 22): coarser maps that barely
# change when an edge moves by a few pixels.

# %%
examples = stimuli.make_stimulus_set(n_per_object=1, levels=(0, 3, 6), seed=1)
pick = [np.flatnonzero((examples.level == lev) & (examples.obj % 8 == 0))
        for lev in (0, 3, 6)]
idx = np.concatenate(pick)
labels = [f"V{l} {stimuli.CATEGORIES[c]}" for l, c in zip(examples.level[idx], examples.category[idx], strict=True)]
fig = plotting.stimulus_grid(examples.images[idx], labels, ncols=8, title="one object per category at V0, V3 and V6")

# %% tags=["nbval-check-output"]
model = hmax.HMAX(hmax.default_prototypes(n_per_size=N_PER_SIZE))
image = examples.images[pick[0][2]]   # a car at V0
s1, c1 = model.s1(image), model.c1(image)
print("C1 map sizes per band:", [c.shape[-2:] for c in c1])
fig = plotting.s1_c1_maps(image, s1[2][0], c1[1][0], hmax.ORIENTATIONS, title="S1 (11 px) and C1 (band 2)")


# %% [markdown]
# ## 3 · Max versus sum: invariance and selectivity in clutter
#
# A complex cell pools afferents that share a preferred feature at different positions (and
# sizes). Which pooling? With a **sum**, the response grows with everything that drives the
# afferents a little — a longer bar, a distractor — so a downstream unit tuned to the level
# evoked by its preferred stimulus loses it in clutter. With a **max**, the response is set by
# the best-matching afferent only.
#
# ### Exercise 2 · pooling
# Write `complex_cell(maps, op)`, the pooling operation of a complex cell: a max or a sum over
# the two position axes of `maps`, for any number of leading axes.

# %% nbgrader={"grade": false, "grade_id": "pool", "locked": false, "schema_version": 3, "solution": true}
def complex_cell(maps, op="max"):
    """Pool afferent responses maps (..., H, W) over the two position axes: op 'max' or 'sum'."""
    ### BEGIN SOLUTION
    maps = np.asarray(maps, float)
    if op == "max":
        return maps.max(axis=(-2, -1))
    return maps.sum(axis=(-2, -1))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_pool", "locked": true, "points": 1, "schema_version": 3, "solution": false}
hmax_checks.check_pool(complex_cell)
### BEGIN HIDDEN TESTS
_x = np.random.default_rng(11).random((4, 6, 9))
np.testing.assert_allclose(complex_cell(_x, "max"), _x.max(axis=(1, 2)))
np.testing.assert_allclose(complex_cell(_x, "sum"), _x.sum(axis=(1, 2)))
### END HIDDEN TESTS

# %%
my_complex_cell = fallback(complex_cell, hmax_experiments.pool, check=hmax_checks.check_pool)
res = hmax_experiments.pooling_experiments(my_complex_cell)
fig = plotting.pooling_curves(res)
print(f"3 distractors: max {res['clutter']['max'][-1]:.2f}, sum {res['clutter']['sum'][-1]:.2f} x the preferred bar alone")

# %% [markdown]
# Left: the S1 unit (a simple cell) responds only when the bar sits on its receptive field, and
# even flips with the bar's phase; both complex cells are flat. Middle: the max saturates once the
# bar fills the filter, the sum keeps growing with length. Right: distractors leave the max
# untouched, while the sum rises.
#
# These are the model's predictions; the recordings are another matter. Max-like responses to
# two stimuli (close to the response to the preferred one) were reported in V4 (Gawne & Martin
# 2002) and in complex cells of cat V1 (Lampl et al. 2004). In IT, the response to a pair of
# objects is on average close to the **average** of the responses to each alone (Zoccolan, Cox &
# DiCarlo 2005) -- neither a max nor a sum.

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_max_sum", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Think!** An IT neuron responds at 40 spikes/s to object A alone and at 10 spikes/s to object B
# alone. What would a max-pooling model predict for A and B shown together, and what would a
# sum-pooling model predict? Why is the max better for recognising A in a cluttered scene?
#
# ### BEGIN SOLUTION
# Max: close to 40 spikes/s (the stronger input wins); sum: about 50 spikes/s, more than either
# alone, so the response no longer tells "A" from "B plus other things": a pattern of sums changes
# with every object added to the scene. With max pooling the afferents tuned to A's features keep
# the value A gave them as long as the clutter drives them less, so units downstream, tuned to
# that pattern, stay selective for A.
# ### END SOLUTION

# %% [markdown]
# ## 4 · Invariance along the hierarchy
#
# Shift an object horizontally and correlate each layer's features with those of the centred
# object. S1 maps move with the object; C1 tolerates a few pixels (its pooling grid); C2 takes a
# global max over positions and bands and barely changes.

# %%
curves = hmax_experiments.invariance_curves(model)
fig = plotting.invariance_plot(curves)
print({k: np.round(curves[k][-1], 2) for k in ("S1", "C1", "C2")}, "at", curves["shift"][-1], "px")


# %% [markdown]
# ## 5 · Decoding category from pixels and from C2
#
# A linear readout of the right features should recognise categories across changes of view.
# We draw the image set at V0, V3 and V6 (`N_PER_OBJECT` images per object and level), compute
# C2 features (one per S2 prototype, prototypes sampled from natural images), and compare a
# cross-validated linear classifier on pixels with one on C2.
#
# ### Exercise 3 · cross-validated decoding
# Write the decoding function: split the images into `n_folds` stratified folds shuffled with
# `seed` (scikit-learn's `StratifiedKFold`), fit a fresh linear decoder `decoding.make_decoder()`
# (standardised features, then a ridge classifier) on the training folds, and score it on the
# held-out fold.

# %% nbgrader={"grade": false, "grade_id": "decode", "locked": false, "schema_version": 3, "solution": true}
def decode(features, labels, n_folds=4, seed=0):
    """Mean held-out accuracy of decoding.make_decoder(); features (n_samples, n_features), labels (n_samples,)."""
    from sklearn.model_selection import StratifiedKFold
    features, labels = np.asarray(features), np.asarray(labels)
    ### BEGIN SOLUTION
    scores = []
    for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(features, labels):
        clf = decoding.make_decoder().fit(features[train], labels[train])
        scores.append(clf.score(features[test], labels[test]))
    return float(np.mean(scores))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_decode", "locked": true, "points": 2, "schema_version": 3, "solution": false}
hmax_checks.check_decode(decode)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(5)
_y = np.repeat(np.arange(3), 15)
_X = np.eye(3)[_y] * 4 + _rng.normal(0, 1, (45, 3))
assert decode(_X, _y, 3, 1) > 0.85
assert abs(decode(_X, _rng.permutation(_y), 3, 1) - 1 / 3) < 0.3
_N = _rng.normal(size=(45, 200))  # more features than samples: in-sample scoring would reach ~1
assert decode(_N, _y, 3, 1) < 0.65
### END HIDDEN TESTS

# %%
my_decode = fallback(decode, decoding.decode_accuracy, check=hmax_checks.check_decode)
data = stimuli.make_stimulus_set(n_per_object=N_PER_OBJECT, levels=(0, 3, 6), seed=0)
c2 = model.c2(data.images)                                   # (n_images, n_prototypes)
pixels = data.images[:, ::2, ::2].reshape(len(data), -1)     # 64 x 64 pixels
acc = {"pixels": [], "C2": []}
for lev in (0, 3, 6):
    sel = data.level == lev
    acc["pixels"].append(my_decode(pixels[sel], data.category[sel], 4, 0))
    acc["C2"].append(my_decode(c2[sel], data.category[sel], 4, 0))
print({k: np.round(v, 2) for k, v in acc.items()}, f"({sel.sum()} images per level)")
fig = plotting.decoding_bars(acc, (0, 3, 6), chance=1 / 8)

# %% [markdown]
# Pixels do well when nothing varies (V0) and lose much of that as position, size and pose
# change; read off the bars how much C2 features lose in comparison. Yet C2 is far from perfect at V6: its features were never shaped for
# the task, and a global max over the whole image mixes the object with its background.

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_limits", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Think!** Name two things HMAX cannot do that the ventral stream (or a modern network) does,
# and explain how task-trained deep networks (next notebook) address one of them.
#
# ### BEGIN SOLUTION
# (1) Its features are not learned for any task: S1 is fixed by hand and S2 prototypes are random
# patches, so there is no error signal to make the intermediate layers useful for recognition;
# task-optimised deep convolutional networks keep the S/C motif (convolution = template, pooling
# = invariance) but learn every layer end to end by gradient descent on object categorisation,
# and their layers then predict V4 and IT responses (Yamins et al. 2014). (2) It is purely
# feedforward: no feedback or recurrence for attention, segmentation of the object from clutter,
# or completing occluded objects; the global max cannot bind features to one object. (3) It has
# few layers and only translation/scale invariance built in: rotation in depth, lighting and pose
# invariance must be learned.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# - Simple cells (S) match templates; complex cells (C) take a max over afferents with the same
#   preference at different positions and scales: selectivity and invariance from two operations.
# - A max keeps a unit's response to its preferred stimulus in clutter; a sum does not.
# - Invariance grows along the hierarchy S1 < C1 < C2, as tolerance grows from V1 to IT.
# - Invariant C2 features decode object categories across variation better than pixels, but the
#   gap to IT (notebook 07) calls for learned, task-trained features.
