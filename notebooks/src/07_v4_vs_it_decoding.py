# %% [markdown]
# # 07 · Decoding object identity from V4 versus IT
#
# **Learning objectives**
#
# - set up the "core object recognition" paradigm: objects at three levels of variation of
#   position, size and pose (V0, V3, V6) over natural backgrounds;
# - write a cross-validated linear decoder and splits that test generalisation to new objects;
# - measure how decoding accuracy grows with the number of sites read;
# - compare V4 with IT, and both with pixel and HMAX baselines, and see the V4–IT gap grow with
#   variation.
#
# **Time needed:** about 45 minutes.
#
# **Lecture idea.** Majaj, Hong, Solomon & DiCarlo (2015) recorded 128 V4 and 168 IT sites in
# two monkeys viewing 5760 images of 64 objects (8 categories) and took each site's mean rate
# 70–170 ms after image onset, averaged over ~50 repetitions. A *simple linear readout* of IT
# matched human core object recognition; pixels, V1-like features and V4 did not, and the V4–IT
# gap grew with the variation of the images (Hong et al. 2016: IT also carries position, size
# and pose). Linear decodability is the operational meaning of an "untangled" representation
# (DiCarlo & Cox 2007), and the target that task-driven models are scored against.

# %% tags=["parameters"]
import os

import numpy as np

from helpers import decoding, neural_data, neural_standin, plotting, torch_setup
from helpers.checks import decoding as decoding_checks
from helpers.checks import fallback
from helpers.plotting import decoding as decoding_plots

plotting.use_lecture_style()
torch_setup.use_threads()   # one thread: the stand-in's HMAX stage runs fastest so on a shared machine
FULL = os.environ.get("FULL", "0") == "1"  # FULL=1: every image, more resamples
# a real data set, if you have one (IT_data.h5, MajajHong2015 .nc or ventral_neural_data.hdf5)
DATA_PATH = os.environ.get("V4IT_DATA")

# %%
N_PER_OBJECT = neural_data.IMAGES_PER_OBJECT if FULL else 8   # images per object and level
N_RESAMPLES = 10 if FULL else 3                                # resamples of sites per point

# %% [markdown]
# ## 1 · The paradigm and the data
#
# Without a path to real recordings, the notebook builds a **stand-in** from the procedural image
# set of notebook 06 (8 categories × 8 objects at V0, V3 and V6). What it assumes — read this
# before you trust any number below:
#
# - **V4-like sites are computed from the images.** Each matches one mid-level shape fragment
#   (an HMAX S2 template, 4 × 4 C1 units cut from views of the objects) to the image *inside a
#   small receptive field at a fixed place* (centre within 2° of fixation, tolerance ±1.2°, two
#   neighbouring scales): a local, retinotopic, moderately tolerant unit (Cadieu et al. 2007).
# - **IT-like sites are descriptive.** Each prefers some objects to others — its preference is the
#   match of its template (an object part) to each object seen alone, so similar shapes drive it
#   alike — and keeps it across position, size and pose, with finite, site-to-site varying
#   tolerance (Gaussian tuning around a preferred position, size, rotation and view). We *give* IT
#   invariant object tuning because no hand-built model computes it from pixels (notebook 06's
#   HMAX falls far short); what we measure is what such tuning buys a linear readout.
# - Both map their drive to 5–45 spikes/s, and the data are Poisson spike counts in the
#   70–170 ms window averaged over 50 repetitions, as in the recordings.
#
# So "IT beats V4" is built in; *how* the gap depends on variation and on the number of sites,
# and how the baselines compare, is what the exercises measure. With real data the same cells
# test the real thing (set the environment variable `V4IT_DATA` to the file).

# %%
if DATA_PATH:
    data = neural_data.load(DATA_PATH)
else:
    data = neural_standin.synthetic(n_per_object=N_PER_OBJECT, verbose=True)   # cached after the first run
print(data.source, "|", len(data), "images |", {r: data.region(r).shape[1] for r in data.regions}, "sites")

# %%
if data.images is not None:
    pick = [np.flatnonzero((data.level == lev) & (data.category == c))[0]
            for lev in data.levels for c in range(len(data.category_names))]
    fig = plotting.stimulus_grid(data.images[pick], [f"V{data.level[i]} {data.category_names[data.category[i]]}"
                                                     for i in pick], ncols=len(data.category_names),
                                 title="one object per category at each variation level")

# %% [markdown]
# Each site's mean response to each object (z-scored over objects): IT sites respond to groups of
# similar objects, V4 sites' preferences are scattered — their drive is a local fragment, wherever
# the object happens to put it.

# %%
lev0 = data.level == min(data.levels) if data.levels else np.ones(len(data), bool)
fig = decoding_plots.object_response_maps({r: data.region(r)[lev0] for r in data.regions}, data.obj[lev0],
                                          data.category[lev0], data.category_names,
                                          title="mean response per object (lowest variation)")


# %% [markdown]
# ## 2 · A cross-validated linear decoder
#
# A linear decoder reads the population vector $\mathbf r \in \mathbb R^{N}$ of an image and
# reports the class with the largest score $\hat y = \arg\max_k (\mathbf w_k^\top \mathbf r + b_k)$.
# Here the weights come from ridge regression of one-hot labels on standardised responses
# (`decoding.make_decoder()`). Its accuracy means something only on images it was **not**
# trained on: split the images into folds, fit on all but one, score on the held-out one, and
# average over folds.
#
# ### Exercise 1 · a cross-validated decoder
# Write `decode`: for each `(train, test)` pair, fit a **fresh** decoder on the training images
# and record the fraction of test images it labels correctly.

# %% nbgrader={"grade": false, "grade_id": "decode", "locked": false, "schema_version": 3, "solution": true}
def decode(features, labels, splits, make_decoder=decoding.make_decoder):
    """Mean held-out accuracy; features (n_images, n_sites), labels (n_images,), splits [(train, test), ...]."""
    features, labels = np.asarray(features), np.asarray(labels)
    ### BEGIN SOLUTION
    scores = []
    for train, test in splits:
        clf = make_decoder().fit(features[train], labels[train])
        scores.append(np.mean(clf.predict(features[test]) == labels[test]))
    return float(np.mean(scores))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_decode", "locked": true, "points": 2, "schema_version": 3, "solution": false}
decoding_checks.check_decode(decode)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(7)
_y = np.repeat(np.arange(5), 10)
_X = _rng.normal(0, 2, (5, 8))[_y] + _rng.normal(0, 1, (50, 8))
_sp = decoding.image_splits(_y, 5, 3)
assert abs(decode(_X, _y, _sp) - decoding.cross_validated_accuracy(_X, _y, _sp)) < 1e-9
_N = _rng.normal(size=(50, 300))
assert decode(_N, _y, _sp) < 0.5
### END HIDDEN TESTS

# %%
my_decode = fallback(decode, decoding.cross_validated_accuracy, check=decoding_checks.check_decode)
it0, cat0 = data.region("IT")[lev0], data.category[lev0]
print(f"IT, category, lowest variation: {my_decode(it0, cat0, decoding.image_splits(cat0, 4, 0)):.2f} "
      f"(chance {1 / len(data.category_names):.2f})")


# %% [markdown]
# ## 3 · Splits that keep objects apart
#
# With folds drawn over images, the test images of a category show objects the decoder has seen
# (in other poses). To ask whether a readout knows *cars*, not these eight cars, every image of an
# object must be on the same side of the split — and every test fold should still contain objects
# of every category.
#
# ### Exercise 2 · folds over objects
# Write `object_folds`: for each category, shuffle its objects with
# `numpy.random.default_rng(seed)` and deal them to the `n_folds` folds in turn; fold $k$ tests on
# all images of its objects and trains on the rest.

# %% nbgrader={"grade": false, "grade_id": "object_folds", "locked": false, "schema_version": 3, "solution": true}
def object_folds(objects, categories, n_folds=4, seed=0):
    """[(train_index, test_index), ...] keeping each object's images together; objects, categories: (n_images,)."""
    objects, categories = np.asarray(objects), np.asarray(categories)
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    fold_of = {}
    for c in np.unique(categories):
        for k, o in enumerate(rng.permutation(np.unique(objects[categories == c]))):
            fold_of[o] = k % n_folds
    fold = np.array([fold_of[o] for o in objects])
    index = np.arange(len(objects))
    return [(index[fold != k], index[fold == k]) for k in range(n_folds)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_object_folds", "locked": true, "points": 2, "schema_version": 3, "solution": false}
decoding_checks.check_object_folds(object_folds)
### BEGIN HIDDEN TESTS
_objs = np.array([f"o{i}" for i in np.repeat(np.arange(12), 5)])
_cats = np.repeat(np.arange(3), 20)
for _k in (2, 4):
    _f = object_folds(_objs, _cats, _k, 5)
    assert decoding_checks._fold_problems(_f, 60, _objs, _cats, _k) is None
### END HIDDEN TESTS

# %%
my_object_folds = fallback(object_folds, decoding.object_splits, check=decoding_checks.check_object_folds)
for name, folds in (("new images", decoding.image_splits(cat0, 4, 0)),
                    ("new objects", my_object_folds(data.obj[lev0], cat0, 4, 0))):
    print(f"IT category decoding, {name:11s}: {my_decode(it0, cat0, folds):.2f}")

# %% [markdown]
# Generalising to new objects is harder: the decoder must find what the eight cars share, not
# memorise them. Majaj et al. (2015) tested on new images of the trained objects; we do the same
# for the main comparison (`decoding.decode_task(..., split="images")`) and add category decoding
# of new objects for V4 and IT (`split="objects"`, dashed).
#
# ## 4 · V4 versus IT across variation, with baselines
#
# Train and test a decoder within each variation level, for V4, IT and two models of the same
# images: the pixels (48 × 48 grey levels) and HMAX C2 features (notebook 06). For a fair
# comparison both regions are read with the same number of sites, resampled `N_RESAMPLES` times
# (error bars: standard error over resamples).

# %%
n_common = min(data.region(r).shape[1] for r in data.regions)
by_level = decoding.compare_by_level(data, n_sites=n_common, n_resamples=N_RESAMPLES)  # {task: {label: result}}
for task, results in by_level.items():
    print(task, {k: np.round(v["mean"], 2).tolist() for k, v in results.items()})

# %%
if by_level:
    fig = decoding_plots.accuracy_by_level_plot(by_level["category"], 1 / len(data.category_names),
                                                f"category (8-way), {n_common} sites per region")

# %% [markdown]
# Accuracy falls with variation for every representation. Pixels and V4 do well at V0 — with the
# object always in the same place, a local template or even raw grey levels tell the categories
# apart — and collapse as position, size and pose vary; IT holds up, so the **IT − V4 gap grows
# with variation**, the result of Majaj et al. (2015). Where HMAX C2 falls relative to the
# recorded regions is for you to read off the plot: nothing guarantees it. On new objects
# (dashed) every region does worse, IT's gap over V4 still growing with variation.

# %%
if by_level:
    fig = decoding_plots.accuracy_by_level_plot(by_level["identity"], 1 / len(data.object_names),
                                                f"identity (64 objects, new views), {n_common} sites per region")
    gap = {t: (r["IT"]["mean"] - r["V4"]["mean"]).round(2).tolist() for t, r in by_level.items()
           if "IT" in r and "V4" in r}
    print("IT - V4 per level:", gap)


# %% [markdown]
# For identity among 64 objects, V4 is near chance already at V3 in this stand-in, so the gap
# peaks at V3 and narrows at V6 as IT, too, loses accuracy: a floor effect to keep in mind when
# comparing gaps.
#
# ## 5 · How many sites?
#
# How does the readout improve as it reads more sites?
#
# ### Exercise 3 · random subsets of sites
# Write `subsample_sites`: for each count `n` in `n_sites` and each of `n_resamples` resamples,
# draw `n` distinct sites at random (one `numpy.random.default_rng(seed)` for all draws) and
# record `score(features[:, sites])`.

# %% nbgrader={"grade": false, "grade_id": "subsample_sites", "locked": false, "schema_version": 3, "solution": true}
def subsample_sites(features, score, n_sites, n_resamples=5, seed=0):
    """Scores (len(n_sites), n_resamples) of random subsets of sites; features (n_images, n_total)."""
    features = np.asarray(features)
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    out = np.zeros((len(n_sites), n_resamples))
    for i, n in enumerate(n_sites):
        for r in range(n_resamples):
            sites = rng.choice(features.shape[1], n, replace=False)
            out[i, r] = score(features[:, sites])
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_subsample_sites", "locked": true, "points": 2, "schema_version": 3, "solution": false}
decoding_checks.check_subsample_sites(subsample_sites)
### BEGIN HIDDEN TESTS
_F = np.tile(np.arange(30.0), (3, 1))
_out = np.asarray(subsample_sites(_F, lambda x: len(set(x[0])) + 100 * x.shape[1], [2, 7, 30], 4, 9))
assert _out.shape == (3, 4)
assert np.all(_out == np.array([[202.0], [707.0], [3030.0]]))
_a = np.asarray(subsample_sites(_F, lambda x: float(x[0].sum()), [3], 8, 2))
assert len(np.unique(_a)) > 1
### END HIDDEN TESTS

# %%
my_subsample_sites = fallback(subsample_sites, decoding.subsample_sites, check=decoding_checks.check_subsample_sites)
counts = decoding.site_counts(n_common, n_points=6 if not FULL else 8)
curves = {}
for lev in (data.levels[0], data.levels[-1]) if data.levels else ():
    sel = data.level == lev
    for region in [r for r in ("V4", "IT") if r in data.regions]:
        # random subsets of sites drawn by your subsample_sites; category decoded from each
        curves[f"{region} V{lev}"] = decoding.accuracy_vs_sites(
            data.region(region)[sel], data.category[sel], data.obj[sel], "category", counts, N_RESAMPLES,
            seed=lev, subsample=my_subsample_sites)
if curves:
    fig = decoding_plots.accuracy_vs_sites_plot(curves, 1 / len(data.category_names),
                                                "category (8-way) vs sites read")
    print({k: f"{c['mean'][0]:.2f} -> {c['mean'][-1]:.2f} ({c['n_sites'][0]} -> {c['n_sites'][-1]} sites)"
           for k, c in curves.items()})

# %% [markdown]
# Accuracy rises steadily with the number of IT sites, at V6 too; reading more V4 sites helps at
# V0 but barely at V6 — the lecture's "increased performance in object decoding with more IT
# sites (but not V4)". Curves like these tell how many sites a readout needs to reach a given
# accuracy — the comparison Majaj et al. (2015) made with human performance.

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_separable", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Think!** In this stand-in, what makes the IT population linearly separable by category and
# identity across variation, and V4 not? What would you have to know about real IT to say the same?
#
# ### BEGIN SOLUTION
# A linear readout needs the images of one class to lie on one side of a hyperplane. An IT site's
# response is mostly set by *which* object is shown, and only scaled by where, how large and in
# which pose it is: every image of an object points in nearly the same direction of response
# space, and similar objects (a category) in neighbouring directions — the object manifolds are
# "untangled". A V4 site responds to a fragment at a place: as the object moves, scales or rotates,
# different sites are driven, so one object's images scatter over response space and intermingle
# with other objects' (tangled manifolds); only at V0 does a fixed place mean a fixed fragment.
# In the stand-in this is built in (IT's tolerance and object tuning are assumed). For real IT
# one must show it from recordings: broad tolerance with preserved rank order of object preference
# across position, size and pose, heterogeneous tuning across sites, and enough sites — exactly
# what the cross-validated decoding on held-out images and objects tests.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_models", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Think!** HMAX C2 features decode better than pixels but well below IT. What does this result
# say about how to build — and how to judge — a model of the ventral stream? Relate it to
# task-driven deep networks.
#
# ### BEGIN SOLUTION
# Hand-designed invariance (max pooling of fixed templates) is not enough: invariant features must
# also be selective for the distinctions that matter, and HMAX's random templates were never shaped
# by any task. Task-driven models train the whole hierarchy to recognise objects, and the networks
# that perform the task best are those whose top layer best predicts IT sites and whose middle
# layers predict V4 (Yamins et al. 2014): optimising behaviour yields the representation. The
# decoding result gives two yardsticks for any model: a linear readout of its "IT" layer should
# match IT's (and human) accuracy pattern across tasks and variation, and its units should predict
# held-out neural responses. A model that matches accuracy but not the pattern of errors, or that
# needs far more units than IT has sites, is not yet a model of IT.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# - The core object recognition test: decode category or identity with a *linear* readout,
#   cross-validated on held-out images — or held-out objects, to test generalisation.
# - In the recordings, IT supports linear readout across position, size and pose, and V4 and
#   pixels do well only when nothing varies, so the IT − V4 gap grows with variation (Majaj et
#   al. 2015). The stand-in *assumes* IT's tolerance (its IT sites are given Gaussian tuning around
#   a preferred position, size and pose): on it, the figures show how a linear readout measures
#   that tolerance and how the gap depends on variation and sites, not that IT has it.
# - Accuracy rises with the number of sites read, steadily for IT, little for V4 at high variation.
# - Invariant *and* selective features are needed: hand-built HMAX features fall short of IT;
#   task-driven networks trained on recognition came closest in the recordings (Yamins et al.
#   2014), which notebook 08 takes up.
