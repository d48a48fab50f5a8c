"""The pooling experiments of notebook 06: what a max and a sum over afferents buy.

Riesenhuber & Poggio (1999) argued that complex cells must pool their afferents with a *max*,
not a sum, for the pooled response to tolerate changes of position and scale while staying
selective in clutter. This module runs those experiments on the model of :mod:`helpers.hmax`:

* :func:`pool` -- a complex cell: max or sum of afferent responses over positions;
* :func:`pooling_experiments` -- translation, scale and clutter experiments on bar stimuli;
* :func:`invariance_curves` -- how the features of each layer (S1, C1, C2) change as an object
  is translated.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import validation as val
from .hmax import HMAX, ORIENTATIONS
from .stimuli import bar_image, object_parts, render

__all__ = ["pool", "pooling_experiments", "invariance_curves"]


def pool(maps: Any, op: str = "max") -> np.ndarray:
    """A complex cell: pool afferent responses over positions with a max or a sum.

    Parameters
    ----------
    maps : array_like, shape (..., H, W)
        Afferent (e.g. S1) responses over positions.
    op : {"max", "sum"}

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    a = val.as_array(maps, "maps")
    if a.ndim < 2:
        raise ValueError(f"maps must have shape (..., H, W), got {a.shape}")
    if op == "max":
        return a.max(axis=(-2, -1))
    if op == "sum":
        return a.sum(axis=(-2, -1))
    raise ValueError(f"op must be 'max' or 'sum', got {op!r}")


def _toy_s1(images: np.ndarray, size_index: int = 2) -> np.ndarray:
    """S1 maps (B, 4, H, W) of one filter size (default 11 px)."""
    return HMAX([np.zeros((1, len(ORIENTATIONS), 1, 1), np.float32)]).s1(images)[size_index]


def pooling_experiments(pool_fn: Any = pool) -> dict[str, dict[str, np.ndarray]]:
    """Max versus sum pooling of S1 afferents (Riesenhuber & Poggio 1999), on bar stimuli.

    * ``translation``: a vertical bar moved horizontally; an S1 unit at the image centre
      versus a complex cell pooling the vertical S1 units over all positions.
    * ``scale``: vertical bars of growing length: the pooled response of the vertical units.
    * ``clutter``: a complex cell pooling the vertical S1 units of the upper-left quadrant,
      shown its preferred stimulus (a vertical bar there) plus 0 to 3 oblique-bar distractors
      in the same quadrant.

    Parameters
    ----------
    pool_fn : callable
        ``pool_fn(maps, op)`` with op "max" or "sum" (see :func:`pool`).

    Returns
    -------
    dict
        ``{"translation": {"x", "s1", "max", "sum"}, "scale": {"length", "max", "sum"},
        "clutter": {"distractors", "max", "sum"}}``; pooled responses are divided by their value
        for the reference stimulus (centred bar, length 16 px, no distractor); the S1 unit is
        the vertical unit at the image centre (a simple cell: it tracks the bar's phase).
    """
    size = 64
    out: dict[str, dict[str, np.ndarray]] = {}
    vert = ORIENTATIONS.index(90.0)
    xs = np.arange(-20, 21, 2.0)
    imgs = np.stack([bar_image(size, 16, 3, 90, (x, 0)) for x in xs])
    s1 = _toy_s1(imgs)[:, vert]
    ref = list(xs).index(0.0)
    res = {"x": xs, "s1": s1[:, size // 2, size // 2] / s1[ref, size // 2, size // 2]}
    for op in ("max", "sum"):
        r = np.asarray(pool_fn(s1, op), float)
        res[op] = r / r[ref]
    out["translation"] = res
    lengths = np.array([4, 8, 12, 16, 24, 32, 40, 48], float)
    s1 = _toy_s1(np.stack([bar_image(size, L, 3, 90) for L in lengths]))[:, vert]
    ref = list(lengths).index(16.0)
    res = {"length": lengths}
    for op in ("max", "sum"):
        r = np.asarray(pool_fn(s1, op), float)
        res[op] = r / r[ref]
    out["scale"] = res
    spots = [((-8, 24), 45.0), ((-24, 8), 135.0), ((-8, 8), 60.0)]
    counts = np.arange(len(spots) + 1)
    imgs = []
    for n in counts:
        img = bar_image(size, 12, 3, 90, (-24, 24))
        for centre, ori in spots[:n]:
            img = bar_image(size, 12, 3, ori, centre, canvas=img)
        imgs.append(img)
    s1 = _toy_s1(np.stack(imgs))[:, vert, : size // 2, : size // 2]  # vertical units, upper-left
    res = {"distractors": counts}
    for op in ("max", "sum"):
        r = np.asarray(pool_fn(s1, op), float)
        res[op] = r / r[0]
    out["clutter"] = res
    return out


def invariance_curves(
    model: HMAX, parts: Any = None, shifts: Any = (0, 2, 4, 8, 12, 16, 24), size: int = 128
) -> dict[str, np.ndarray]:
    """Correlation of each layer's features for a translated object with the centred object.

    Parameters
    ----------
    model : HMAX
    parts : list, optional
        Object parts (:func:`helpers.stimuli.object_parts`); default a car.
    shifts : sequence of int
        Horizontal shifts, px.
    size : int
        Image side, px (black background).

    Returns
    -------
    dict
        ``shift`` (n,) and Pearson correlations (n,) for ``S1``, ``C1`` and ``C2``.
    """
    parts = object_parts(2, 0) if parts is None else parts
    shifts = np.asarray(shifts, dtype=float)
    bg = np.zeros((size, size), np.float32)  # black: no edges at the image border
    imgs = np.stack([render(parts, bg, ty=float(s) / size, s=0.8) for s in shifts])
    feats = {
        "S1": np.concatenate([m.reshape(len(imgs), -1) for m in model.s1(imgs)], 1),
        "C1": np.concatenate([m.reshape(len(imgs), -1) for m in model.c1(imgs)], 1),
        "C2": model.c2(imgs),
    }
    out = {"shift": shifts}
    for k, f in feats.items():
        out[k] = np.array([np.corrcoef(f[0], fi)[0, 1] for fi in f])
    return out
