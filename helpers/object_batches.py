"""Fresh training images of the object set, drawn in torch fast enough to train on the fly.

:func:`helpers.stimuli.make_stimulus_set` paints every image part by part in numpy (a few ms per
image): fine for the few hundred test images of a notebook, too slow to feed a network a fresh
batch at every training step. Yet an image of the set is an *affine* picture of its object: the
pose of :func:`helpers.stimuli.render` (position, scale, in-plane rotation, and in-depth rotation
rendered as foreshortening along the object's axes) maps image coordinates linearly to object
coordinates. So :class:`ObjectBatches`

1. renders each object once, centred at scale 1 on a black and on a white background (with
   :func:`helpers.stimuli.render`), which gives its paint ``P`` and its coverage ``A`` exactly
   (the painting is linear in the background: image = P + (1 - A) background);
2. for each training image, draws a pose from :data:`helpers.stimuli.VARIATION` at its variation
   level, warps ``P`` and ``A`` to that pose with one ``grid_sample`` (bilinear), and lays the
   object over a crop of a natural photograph contrast-normalised as in
   :func:`helpers.stimuli.make_stimulus_set`.

The images match :func:`helpers.stimuli.render` to within the anti-aliasing of the object's edge
(median pixel correlation 0.99, > 0.9 for the smallest, most foreshortened views of V6; mean
absolute difference < 0.005 grey levels: ``tests/test_ventral_cnn.py``), at well under a
millisecond per image. Everything is set by ``seed``.

**New objects at every step.** :func:`helpers.stimuli.object_parts` builds an object from its
category's template and an *object seed*; seed 0 gives the standard 64 objects of notebooks 06-08
(:data:`STANDARD_OBJECT_SEED`), seed 1 a validation set of 64 others (:data:`VALIDATION_OBJECT_SEED`).
With ``bank=n``, :class:`ObjectBatches` draws new instances of the templates instead: it keeps
``n`` objects, each with its own object seed drawn at random from :data:`FIRST_TRAINING_SEED` on
(never 0 or 1), and replaces the ``renew`` oldest of them with new ones at every call -- many
objects per category, as ImageNet has many cars, rendered a few at a time (about 3 ms each).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import stimuli
from . import validation as val

__all__ = ["N_BACKGROUNDS", "STANDARD_OBJECT_SEED", "VALIDATION_OBJECT_SEED", "FIRST_TRAINING_SEED",
           "pose_matrices", "draw_poses", "object_layers", "background_bank", "ObjectBatches"]

#: Background crops drawn once per :class:`ObjectBatches` (each image takes one, possibly mirrored).
N_BACKGROUNDS = 1024
#: Object seed of the standard 64 objects (notebooks 06-08; notebook 08 tests on some of them).
STANDARD_OBJECT_SEED = 0
#: Object seed of 64 validation objects (instances of the same templates, never trained on).
VALIDATION_OBJECT_SEED = 1
#: Smallest object seed of a freshly drawn training object.
FIRST_TRAINING_SEED = 2


def draw_poses(levels: Any, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Poses drawn as :func:`helpers.stimuli.make_stimulus_set` draws them, one per entry of ``levels``.

    Parameters
    ----------
    levels : array_like of int, shape (n,)
        Variation level of each image (0, 3 or 6).
    rng : numpy.random.Generator

    Returns
    -------
    dict of numpy.ndarray, shape (n,)
        ``ty``, ``tz`` (fractions of the side), ``s`` (scale), ``rxy``, ``rxz``, ``ryz`` (degrees).
    """
    lev = np.asarray(levels, dtype=int).ravel()
    bad = sorted(set(lev.tolist()) - set(stimuli.VARIATION))
    if bad:
        raise ValueError(f"levels must be among {tuple(stimuli.VARIATION)}, got {bad}")
    v = {k: np.array([stimuli.VARIATION[int(l)][k] for l in lev]) for k in ("shift", "smax", "rxy", "rdepth")}
    n = len(lev)
    return {
        "ty": rng.uniform(-1, 1, n) * v["shift"],
        "tz": rng.uniform(-1, 1, n) * v["shift"],
        "s": np.exp(rng.uniform(-1, 1, n) * np.log(v["smax"])),
        "rxy": rng.uniform(-1, 1, n) * v["rxy"],
        "rxz": rng.uniform(-1, 1, n) * v["rdepth"],
        "ryz": rng.uniform(-1, 1, n) * v["rdepth"],
    }


def pose_matrices(ty: Any, tz: Any, s: Any, rxy: Any, rxz: Any, ryz: Any) -> torch.Tensor:
    """Affine maps from output-image to object-image coordinates for ``torch.nn.functional.affine_grid``.

    The pose of :func:`helpers.stimuli.render` written in the normalised coordinates of
    ``affine_grid`` (x right, y down, -1..1 across the image; ``align_corners=False``), for an
    object image rendered centred at scale 1 and the output image of any size.

    Parameters
    ----------
    ty, tz : array_like, shape (n,)
        Position of the object centre (fractions of the side, right and up).
    s : array_like, shape (n,)
        Scale factor.
    rxy, rxz, ryz : array_like, shape (n,)
        In-plane rotation (counter-clockwise) and in-depth rotations (foreshortening), degrees.

    Returns
    -------
    torch.Tensor, shape (n, 2, 3), float32
    """
    ty, tz, s, rxy, rxz, ryz = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (ty, tz, s, rxy, rxz, ryz))
    if np.any(s <= 0):
        raise ValueError(f"s must be > 0, got a minimum of {s.min():.3g}")
    fx = np.maximum(np.abs(np.cos(np.deg2rad(rxz))), stimuli.MIN_FORESHORTENING)
    fy = np.maximum(np.abs(np.cos(np.deg2rad(ryz))), stimuli.MIN_FORESHORTENING)
    c, sn = np.cos(np.deg2rad(rxy)), np.sin(np.deg2rad(rxy))
    theta = np.zeros((len(ty), 2, 3))
    # object x = (u cos + v sin) / (s fx), y = (-u sin + v cos) / (s fy), u = X/2 - ty, v = -Y/2 - tz
    theta[:, 0, 0], theta[:, 0, 1] = c / (s * fx), -sn / (s * fx)
    theta[:, 0, 2] = -2 * (ty * c + tz * sn) / (s * fx)
    theta[:, 1, 0], theta[:, 1, 1] = sn / (s * fy), c / (s * fy)
    theta[:, 1, 2] = 2 * (tz * c - ty * sn) / (s * fy)
    return torch.from_numpy(theta.astype(np.float32))


def object_layers(objects: Sequence[int], size: int, object_seed: Any = STANDARD_OBJECT_SEED) -> torch.Tensor:
    """Paint and coverage of each object rendered centred at scale 1 (no rotation), no background.

    Parameters
    ----------
    objects : sequence of int
        Object ids 0..63 (category * 8 + object within the category: the template and its variant).
    size : int
        Side of the rendering, px.
    object_seed : int or sequence of int
        The object seed of :func:`helpers.stimuli.object_parts`, one for all objects or one each.

    Returns
    -------
    torch.Tensor, shape (n_objects, 2, size, size), float32
        Channel 0: the paint P (the object over black); channel 1: its coverage A in [0, 1], so that
        the object over any background b is ``P + (1 - A) b``.
    """
    size = val.check_scalar(size, "size", int, min_val=8)
    seeds = np.broadcast_to(np.asarray(object_seed, dtype=np.int64), (len(objects),))
    out = np.empty((len(objects), 2, size, size), np.float32)
    black, white = np.zeros((size, size), np.float32), np.ones((size, size), np.float32)
    for i, o in enumerate(objects):
        o = val.check_scalar(o, "objects[i]", int, min_val=0, max_val=len(stimuli.CATEGORIES) * stimuli.N_OBJECTS - 1)
        parts = stimuli.object_parts(o // stimuli.N_OBJECTS, o % stimuli.N_OBJECTS, int(seeds[i]))
        p0, p1 = stimuli.render(parts, black), stimuli.render(parts, white)
        out[i, 0], out[i, 1] = p0, 1.0 - (p1 - p0)
    return torch.from_numpy(out)


def background_bank(n: int, size: int, rng: np.random.Generator, contrast: float = 0.5) -> torch.Tensor:
    """``n`` crops of the natural photographs, mirrored at random, contrast-normalised.

    As the backgrounds of :func:`helpers.stimuli.make_stimulus_set`: crops of ``size`` px from the
    photographs at twice that side, standardised, then ``0.5 + 0.2 contrast z`` clipped to [0, 1].

    Returns
    -------
    torch.Tensor, shape (n, size, size), float32
    """
    photos = torch.from_numpy(stimuli.natural_images(2 * size))
    k = rng.integers(0, len(photos), n)
    r, c = rng.integers(0, size + 1, n), rng.integers(0, size + 1, n)
    crops = torch.stack([photos[k[i], r[i] : r[i] + size, c[i] : c[i] + size] for i in range(n)])
    flip = torch.from_numpy(rng.random(n) < 0.5)
    crops = torch.where(flip[:, None, None], crops.flip(-1), crops)
    mean = crops.mean((1, 2), keepdim=True)
    std = crops.std((1, 2), keepdim=True).clamp_min(1e-6)
    return (0.5 + contrast * 0.2 * (crops - mean) / std).clamp(0.0, 1.0)


class ObjectBatches:
    """An endless source of fresh images of some objects at chosen variation levels.

    Parameters
    ----------
    objects : sequence of int
        Object ids (0..63) to draw; labels are their categories (``object // 8``). With ``bank``,
        the templates (category and variant) whose new instances are drawn.
    size : int
        Image side, px.
    levels : sequence of int
        Variation levels, drawn with equal probability for each image.
    seed : int or numpy.random.Generator
        Backgrounds and every pose and choice: the same seed gives the same sequence of batches.
    oversample : int
        The objects are rendered at ``oversample * size`` px, then warped down (sharper edges).
    bank : int, optional
        Draw new objects: hold ``bank`` instances of the templates of ``objects``, each with a new
        object seed (>= :data:`FIRST_TRAINING_SEED`). None: the standard objects ``objects``.
    renew : int
        With ``bank``: instances replaced by new ones (the oldest first) at every call.

    Attributes
    ----------
    slots, object_seeds : numpy.ndarray, shape (n_objects,)
        The template (object id 0..63) and the object seed of each object held now.
    n_objects_drawn : int
        Objects rendered so far.

    Examples
    --------
    >>> batches = ObjectBatches(range(0, 64, 2), size=64, seed=0)
    >>> images, category, obj, level = batches(32)     # (32, 1, 64, 64) in [0, 1]
    >>> fresh = ObjectBatches(range(64), size=64, bank=512, renew=8)   # new objects at every call
    """

    def __init__(self, objects: Sequence[int], size: int = 64, levels: Sequence[int] = stimuli.LEVELS,
                 seed: Any = 0, oversample: int = 2, bank: int | None = None, renew: int = 0) -> None:
        self.objects = np.asarray(objects, dtype=int).ravel()
        if self.objects.size == 0:
            raise ValueError("objects must hold at least one object id")
        self.size = val.check_scalar(size, "size", int, min_val=16)
        self.levels = tuple(int(l) for l in levels)
        if not self.levels or any(l not in stimuli.VARIATION for l in self.levels):
            raise ValueError(f"levels must be a non-empty sequence of {tuple(stimuli.VARIATION)}, got {levels!r}")
        self._side = val.check_scalar(oversample, "oversample", int, min_val=1) * self.size
        self.rng = val.check_rng(seed)
        if bank is None:
            self.renew = 0
            self.slots = self.objects.copy()
            self.object_seeds = np.full(len(self.slots), STANDARD_OBJECT_SEED)
        else:
            bank = val.check_scalar(bank, "bank", int, min_val=1)
            self.renew = val.check_scalar(renew, "renew", int, min_val=0, max_val=bank)
            self.slots, self.object_seeds = self._new_objects(bank)
        self.layers = object_layers(self.slots, self._side, self.object_seeds)
        self.n_objects_drawn = len(self.slots)
        self._oldest = 0
        self.backgrounds = background_bank(N_BACKGROUNDS, self.size, self.rng)

    def _new_objects(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Templates and object seeds of ``n`` new objects (seeds never those of the standard or validation set)."""
        slots = self.objects[self.rng.integers(0, len(self.objects), n)]
        return slots, self.rng.integers(FIRST_TRAINING_SEED, 2**31 - 1, n)

    def _renew(self) -> None:
        """Replace the ``renew`` oldest objects with new ones."""
        if not self.renew:
            return
        rows = (self._oldest + np.arange(self.renew)) % len(self.slots)
        slots, seeds = self._new_objects(self.renew)
        self.layers[torch.from_numpy(rows)] = object_layers(slots, self._side, seeds)
        self.slots[rows], self.object_seeds[rows] = slots, seeds
        self._oldest = int(rows[-1] + 1) % len(self.slots)
        self.n_objects_drawn += self.renew

    def __call__(self, n: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
        """Draw ``n`` images.

        Returns
        -------
        images : torch.Tensor, shape (n, 1, size, size), float32 grey levels in [0, 1]
        category : torch.Tensor, shape (n,), int64
        obj : numpy.ndarray, shape (n,), int (object ids; with ``bank``, the template of each new object)
        level : numpy.ndarray, shape (n,), int
        """
        n = val.check_scalar(n, "n", int, min_val=1)
        self._renew()
        which = self.rng.integers(0, len(self.slots), n)
        level = np.asarray(self.levels)[self.rng.integers(0, len(self.levels), n)]
        pose = draw_poses(level, self.rng)
        grid = F.affine_grid(pose_matrices(**pose), [n, 2, self.size, self.size], align_corners=False)
        warped = F.grid_sample(self.layers[torch.from_numpy(which)], grid, mode="bilinear",
                               padding_mode="zeros", align_corners=False)
        bg = self.backgrounds[torch.from_numpy(self.rng.integers(0, len(self.backgrounds), n))]
        images = warped[:, :1] + (1.0 - warped[:, 1:]) * bg[:, None]
        obj = self.slots[which]
        return images.clamp_(0.0, 1.0), torch.from_numpy(obj // stimuli.N_OBJECTS), obj, level
