"""Procedural "core object recognition" images after Majaj, Hong, Solomon & DiCarlo (2015).

The recorded image set of Majaj et al. (2015) shows 64 objects (8 categories x 8 objects)
rendered at three variation levels over natural backgrounds. This module draws a stand-in
that needs no download: each object is a small set of shaded shapes (ellipses, boxes,
triangles) built by its category's template, so that the objects of a category share their
layout and differ in proportions, parts and grey levels. Each image places one object over a
crop of a natural photograph shipped with scikit-image, at a pose drawn for its variation level:

* V0 -- centred, fixed size, fixed pose;
* V3 -- moderate changes of position, scale and in-plane and in-depth rotation;
* V6 -- large changes of all of them.

In-depth rotations are rendered as foreshortening of the flat object (a projection of a
rotation about the vertical or horizontal axis). Everything is determined by ``seed``
(poses, backgrounds) and ``object_seed`` (the 64 objects).

Also here: the grey natural images (:func:`natural_images`) and bars (:func:`bar_image`)
used by the HMAX notebook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import skimage.data
from skimage.color import rgb2gray
from skimage.transform import resize

from . import validation as val

__all__ = [
    "CATEGORIES",
    "N_OBJECTS",
    "LEVELS",
    "VARIATION",
    "NATURAL_IMAGES",
    "StimulusSet",
    "natural_images",
    "object_parts",
    "render",
    "make_stimulus_set",
    "bar_image",
]

#: Categories of Majaj et al. (2015).
CATEGORIES: tuple[str, ...] = ("animals", "boats", "cars", "chairs", "faces", "fruits", "planes", "tables")
#: Objects per category.
N_OBJECTS = 8
#: Variation levels.
LEVELS: tuple[int, ...] = (0, 3, 6)
#: Pose ranges per level: position (ty, tz: +- fraction of the image side), scale factor s
#: (log-uniform in [1/smax, smax]), in-plane rotation rxy and in-depth rotations rxz, ryz
#: (+- degrees). Approximate ranges of the recorded set (its 8-deg images: +-1.2 deg at V3,
#: +-2.4 deg at V6; rotations up to +-45 and +-90 deg).
VARIATION: dict[int, dict[str, float]] = {
    0: {"shift": 0.0, "smax": 1.0, "rxy": 0.0, "rdepth": 0.0},
    3: {"shift": 0.15, "smax": 1.3, "rxy": 45.0, "rdepth": 45.0},
    6: {"shift": 0.3, "smax": 1.6, "rxy": 90.0, "rdepth": 90.0},
}
#: Object radius at scale 1, as a fraction of the image side.
OBJECT_RADIUS = 0.3
#: Natural photographs shipped in the scikit-image wheel (no download).
NATURAL_IMAGES: tuple[str, ...] = (
    "camera", "astronaut", "coffee", "chelsea", "coins", "brick",
    "grass", "gravel", "moon", "rocket", "page", "text",
)
#: Smallest visible width of an object rotated in depth (a solid object seen side-on keeps
#: about half its width; a flat shape would vanish).
MIN_FORESHORTENING = 0.5


# ----------------------------------------------------------------------------- backgrounds
@lru_cache(maxsize=4)
def _photos(short_side: int) -> tuple[np.ndarray, ...]:
    """The natural photographs in grey, float32 in [0, 1], shortest side ``short_side`` px."""

    out = []
    for name in NATURAL_IMAGES:
        img = getattr(skimage.data, name)()
        img = rgb2gray(img) if img.ndim == 3 else img / 255.0
        h, w = img.shape
        f = short_side / min(h, w)
        out.append(resize(img, (round(h * f), round(w * f)), anti_aliasing=True).astype(np.float32))
    return tuple(out)


def natural_images(size: int = 128) -> np.ndarray:
    """The natural photographs of :data:`NATURAL_IMAGES`, centre-cropped square, grey.

    Returns
    -------
    numpy.ndarray, shape (12, size, size), float32 in [0, 1]
    """
    size = val.check_scalar(size, "size", int, min_val=8)
    out = []
    for p in _photos(size):
        h, w = p.shape
        r, c = (h - size) // 2, (w - size) // 2
        out.append(p[r : r + size, c : c + size])
    return np.stack(out)


def _background(rng: np.random.Generator, size: int, contrast: float) -> tuple[np.ndarray, int]:
    photos = _photos(2 * size)
    k = int(rng.integers(len(photos)))
    p = photos[k]
    r = int(rng.integers(p.shape[0] - size + 1))
    c = int(rng.integers(p.shape[1] - size + 1))
    crop = p[r : r + size, c : c + size]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    std = crop.std()
    crop = (crop - crop.mean()) / (std if std > 1e-6 else 1.0)
    return np.clip(0.5 + contrast * 0.2 * crop, 0.0, 1.0).astype(np.float32), k


# ----------------------------------------------------------------------------- objects
# A part: (kind, cx, cy, a, b, angle_deg, lum, shade); kind in {"ellipse", "box", "tri"}.
# Object coordinates: x right, y up, the object fits roughly in the unit disk.
Part = tuple[str, float, float, float, float, float, float, float]


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _animal(rng, k):
    side = 1 if k % 2 == 0 else -1
    long_ = k % 4 >= 2  # long, low body (dachshund/crocodile-like) vs tall (horse/deer-like)
    bl, bh = (_u(rng, 0.65, 0.8), _u(rng, 0.16, 0.22)) if long_ else (_u(rng, 0.45, 0.58), _u(rng, 0.22, 0.3))
    leg = _u(rng, 0.18, 0.28) if long_ else _u(rng, 0.35, 0.5)
    y0 = leg - 0.35
    lum = _u(rng, 0.15, 0.85)
    parts: list[Part] = [("ellipse", 0.0, y0, bl, bh, 0.0, lum, 0.25)]
    for x in (-0.75 * bl, -0.45 * bl, 0.45 * bl, 0.75 * bl):
        parts.append(("box", x, y0 - leg / 2 - bh / 2, 0.05, leg / 2 + 0.05, 0.0, lum * 0.8, 0.1))
    neck = _u(rng, 0.1, 0.35) if k < 4 else _u(rng, 0.0, 0.12)
    hx, hy, hr = side * (bl + 0.05), y0 + bh + neck, _u(rng, 0.13, 0.2)
    parts.append(("box", side * (bl - 0.05), y0 + (bh + neck) / 2, 0.07, (bh + neck) / 2 + 0.02, -side * 20, lum, 0.1))
    parts.append(("ellipse", hx, hy, hr * 1.3, hr, side * 15.0, lum * 0.9 + 0.05, 0.2))
    if k >= 4:  # ears
        parts.append(("tri", hx - side * 0.05, hy + hr, 0.06, 0.12, 0.0, lum * 0.7, 0.0))
    tail = _u(rng, 20, 70) if k % 3 else -_u(rng, 10, 40)
    parts.append(("box", -side * (bl + 0.12), y0 + 0.05, 0.2, 0.035, side * tail, lum * 0.85, 0.0))
    return parts


def _boat(rng, k):
    hl, hh = _u(rng, 0.7, 0.95), _u(rng, 0.1, 0.2)
    lum = _u(rng, 0.1, 0.5)
    parts: list[Part] = [
        ("box", 0.0, -0.45, hl * 0.8, hh, 0.0, lum, 0.4),
        ("tri", hl * 0.8, -0.45 - hh * 0.33, hh * 0.7, hh * 0.95, -90.0, lum, 0.2),
        ("tri", -hl * 0.8, -0.45 - hh * 0.33, hh * 0.5, hh * 0.95, 90.0, lum, 0.2),
    ]
    n_masts = (0, 1, 1, 2, 2, 1, 0, 1)[k]
    sail_lum = _u(rng, 0.75, 0.95)
    for m in range(n_masts):
        mx = (_u(rng, -0.2, 0.2) if n_masts == 1 else (-0.35 + 0.6 * m))
        mh = _u(rng, 0.6, 0.9)
        parts.append(("box", mx, -0.45 + hh + mh / 2, 0.025, mh / 2, 0.0, 0.2, 0.0))
        parts.append(("tri", mx + 0.2, -0.3 + hh + mh * 0.45, 0.2, mh * 0.42, 0.0, sail_lum, 0.3))
    if n_masts == 0 or k in (5, 7):  # cabin (motor boats)
        cw, ch = _u(rng, 0.25, 0.45), _u(rng, 0.12, 0.25)
        cx = _u(rng, -0.3, 0.1)
        parts.append(("box", cx, -0.45 + hh + ch, cw, ch, 0.0, _u(rng, 0.6, 0.9), 0.2))
        parts.append(("box", cx, -0.45 + hh + ch * 1.2, cw * 0.7, ch * 0.35, 0.0, 0.15, 0.0))
        if k == 0:
            parts.append(("box", cx + 0.1, -0.45 + hh + 2 * ch + 0.12, 0.06, 0.12, 0.0, 0.25, 0.0))
    return parts


def _car(rng, k):
    bl, bh = _u(rng, 0.8, 0.95), _u(rng, 0.15, 0.24)
    lum = _u(rng, 0.2, 0.9)
    y0 = -0.15
    parts: list[Part] = [("box", 0.0, y0, bl, bh, 0.0, lum, 0.3)]
    kind = k % 4  # sedan, van, truck, sports
    if kind == 0:
        parts.append(("box", _u(rng, -0.15, 0.05), y0 + bh + 0.14, bl * 0.5, 0.15, 0.0, lum, 0.2))
    elif kind == 1:
        parts.append(("box", -0.12, y0 + bh + 0.22, bl * 0.8, 0.23, 0.0, lum, 0.2))
    elif kind == 2:
        parts.append(("box", bl * 0.55, y0 + bh + 0.2, bl * 0.35, 0.22, 0.0, lum, 0.2))
        parts.append(("box", -bl * 0.35, y0 + bh + 0.05, bl * 0.6, 0.06, 0.0, lum * 0.6, 0.0))
    else:
        parts.append(("tri", -0.05, y0 + bh + 0.08, bl * 0.6, 0.1, 0.0, lum, 0.2))
    win = 0.75 if k < 4 else 0.3
    if kind != 3:
        parts.append(("box", parts[-1][1] if kind != 2 else bl * 0.6, parts[-1][2] + 0.02, 0.14, 0.08, 0.0, win, 0.0))
    wr = _u(rng, 0.13, 0.2)
    for x in (-bl * 0.62, bl * 0.62):
        parts.append(("ellipse", x, y0 - bh, wr, wr, 0.0, 0.08, 0.0))
        parts.append(("ellipse", x, y0 - bh, wr * 0.45, wr * 0.45, 0.0, 0.6, 0.0))
    return parts


def _chair(rng, k):
    sw, lum = _u(rng, 0.35, 0.55), _u(rng, 0.15, 0.85)
    bh = _u(rng, 0.35, 0.6)
    tilt = _u(rng, 0, 15) if k % 2 else 0.0
    parts: list[Part] = [("box", 0.0, 0.0, sw, 0.06, 0.0, lum, 0.2)]
    parts.append(("box", -sw + 0.05 - tilt / 200, bh + 0.03, 0.06, bh, tilt, lum, 0.2))
    legs = k % 4
    if legs == 3:  # office chair: pedestal and feet
        parts += [("box", 0.0, -0.3, 0.04, 0.3, 0.0, 0.2, 0.0), ("box", 0.0, -0.6, sw * 0.8, 0.035, 0.0, 0.2, 0.0)]
    else:
        ll = _u(rng, 0.4, 0.6)
        for x in (-sw + 0.05, sw - 0.05):
            parts.append(("box", x, -ll / 2, 0.04, ll / 2, 0.0, lum * 0.8, 0.0))
        if legs == 2:
            parts.append(("box", 0.0, -ll * 0.6, sw - 0.05, 0.025, 0.0, lum * 0.8, 0.0))
    if k >= 4:  # arm rests
        parts.append(("box", -0.05, 0.25, sw * 0.7, 0.035, 0.0, lum * 0.7, 0.0))
        parts.append(("box", sw * 0.6, 0.13, 0.03, 0.12, 0.0, lum * 0.7, 0.0))
    return parts


def _face(rng, k):
    fw, fh = _u(rng, 0.42, 0.6), _u(rng, 0.62, 0.8)
    skin = _u(rng, 0.45, 0.9)
    parts: list[Part] = []
    hair = k % 4
    if hair == 1:
        parts.append(("ellipse", 0.0, 0.1, fw * 1.25, fh * 1.05, 0.0, _u(rng, 0.05, 0.3), 0.0))
    parts.append(("ellipse", 0.0, 0.0, fw, fh, 0.0, skin, 0.3))
    for s in (-1, 1):
        parts.append(("ellipse", s * (fw + 0.02), 0.05, 0.07, 0.14, 0.0, skin * 0.9, 0.0))
    if hair == 2:
        parts.append(("ellipse", 0.0, fh * 0.75, fw * 0.9, fh * 0.3, 0.0, _u(rng, 0.05, 0.3), 0.0))
    ex, ey, er = _u(rng, 0.15, 0.27), _u(rng, 0.1, 0.25), _u(rng, 0.05, 0.1)
    for s in (-1, 1):
        parts.append(("ellipse", s * ex, ey, er * 1.4, er, 0.0, 0.95, 0.0))
        parts.append(("ellipse", s * ex, ey, er * 0.6, er * 0.6, 0.0, 0.05, 0.0))
        if k >= 4:  # eyebrows
            parts.append(("box", s * ex, ey + er + 0.07, er * 1.5, 0.025, -s * 8.0, 0.1, 0.0))
    parts.append(("tri", 0.0, -0.08, 0.07, _u(rng, 0.1, 0.16), 0.0, skin * 0.75, 0.0))
    parts.append(("ellipse", 0.0, -fh * 0.5, _u(rng, 0.12, 0.28), _u(rng, 0.03, 0.08), 0.0, 0.2, 0.0))
    if hair == 3:  # beard
        parts.append(("ellipse", 0.0, -fh * 0.8, fw * 0.6, 0.15, 0.0, _u(rng, 0.05, 0.3), 0.0))
    return parts


def _fruit(rng, k):
    lum = _u(rng, 0.25, 0.9)
    kind = k % 4  # round, pear, elongated (banana-like), bunch (grapes/cherries)
    parts: list[Part] = []
    if kind == 0:
        r = _u(rng, 0.5, 0.7)
        parts.append(("ellipse", 0.0, 0.0, r * _u(rng, 0.95, 1.15), r, 0.0, lum, 0.5))
        top = r
    elif kind == 1:
        parts.append(("ellipse", 0.0, -0.2, 0.5, 0.45, 0.0, lum, 0.5))
        parts.append(("ellipse", 0.0, 0.25, 0.3, 0.33, 0.0, lum, 0.5))
        top = 0.55
    elif kind == 2:
        ang = _u(rng, 15, 40)
        parts.append(("ellipse", -0.25, 0.0, 0.6, 0.2, ang, lum, 0.5))
        parts.append(("ellipse", 0.25, 0.0, 0.6, 0.2, -ang, lum, 0.5))
        top = 0.3
    else:
        n = 3 + k // 4 * 3
        for i in range(n):
            a = 2 * np.pi * i / n
            rr = 0.22 if n > 3 else 0.3
            parts.append(("ellipse", 0.35 * np.cos(a) * (n > 3) + (i - 1) * 0.35 * (n == 3),
                          -0.15 + 0.3 * np.sin(a) * (n > 3), rr, rr, 0.0, lum, 0.5))
        top = 0.4
    if k < 4 or kind == 3:
        parts.append(("box", 0.02, top + 0.1, 0.03, 0.13, _u(rng, -20, 20), 0.2, 0.0))
    if k % 3 == 0:
        parts.append(("ellipse", 0.18, top + 0.12, 0.15, 0.06, 25.0, _u(rng, 0.2, 0.5), 0.0))
    return parts


def _plane(rng, k):
    fl, fw = _u(rng, 0.85, 1.0), _u(rng, 0.08, 0.14)
    lum = _u(rng, 0.3, 0.95)
    parts: list[Part] = [("ellipse", 0.0, 0.0, fl, fw, 0.0, lum, 0.3)]
    delta = k % 4 == 3
    if delta:
        parts.append(("tri", -0.15, 0.0, 0.65, 0.55, 90.0, lum * 0.9, 0.2))
    else:
        sweep = _u(rng, 0, 35) if k % 2 else _u(rng, 0, 8)
        span, chord = _u(rng, 0.6, 0.9), _u(rng, 0.07, 0.13)
        wx = _u(rng, -0.1, 0.2)
        for s in (-1, 1):
            parts.append(("box", wx - span * 0.5 * np.sin(np.deg2rad(sweep)), s * span / 2, chord, span / 2,
                          s * sweep, lum * 0.9, 0.1))
        if k >= 4:  # engines
            for s in (-1, 1):
                parts.append(("ellipse", wx + 0.05, s * span * 0.35, 0.14, 0.05, 0.0, lum * 0.5, 0.0))
    parts.append(("tri", -fl + 0.1, 0.0, 0.1, 0.3 if k % 4 != 1 else 0.4, 90.0, lum * 0.8, 0.0))
    parts.append(("box", -fl + 0.12, 0.0, 0.05, _u(rng, 0.15, 0.3), 0.0, lum * 0.8, 0.0))
    return parts


def _table(rng, k):
    tw, tt = _u(rng, 0.6, 0.95), _u(rng, 0.04, 0.1)
    lum = _u(rng, 0.15, 0.85)
    y0 = _u(rng, 0.1, 0.3)
    parts: list[Part] = []
    legs = k % 4
    lh = _u(rng, 0.45, 0.7)
    if legs == 0:  # pedestal table
        parts += [("box", 0.0, y0 - lh / 2, 0.05, lh / 2, 0.0, lum * 0.8, 0.0),
                  ("ellipse", 0.0, y0 - lh, tw * 0.45, 0.06, 0.0, lum * 0.8, 0.0)]
    else:
        xs = (-tw + 0.06, tw - 0.06) if legs == 1 else (-tw + 0.06, -tw * 0.4, tw * 0.4, tw - 0.06)
        for x in xs:
            parts.append(("box", x, y0 - lh / 2, 0.035 if legs != 3 else 0.07, lh / 2, 0.0, lum * 0.8, 0.0))
        if legs == 3:
            parts.append(("box", 0.0, y0 - lh * 0.75, tw - 0.06, 0.025, 0.0, lum * 0.8, 0.0))
    parts.append(("box", 0.0, y0, tw, tt, 0.0, lum, 0.2) if k < 4
                 else ("ellipse", 0.0, y0, tw, tt * 1.4, 0.0, lum, 0.2))
    if k >= 4:  # apron under the top
        parts.append(("box", 0.0, y0 - tt - 0.05, tw * 0.85, 0.05, 0.0, lum * 0.6, 0.0))
    return parts


_TEMPLATES = (_animal, _boat, _car, _chair, _face, _fruit, _plane, _table)


def object_parts(category: int, obj: int, object_seed: int = 0) -> list[Part]:
    """The parts of one object: a list of ``(kind, cx, cy, a, b, angle_deg, lum, shade)``.

    ``kind`` is "ellipse" (semi-axes a, b), "box" (half-sides a, b) or "tri" (isosceles
    triangle of half-base a and half-height b, apex up); ``angle_deg`` rotates the part
    counter-clockwise; ``lum`` is its grey level and ``shade`` a top-to-bottom shading.
    Coordinates are in object units (the object fits roughly in the unit disk), y up.
    """
    category = val.check_scalar(category, "category", int, min_val=0, max_val=len(CATEGORIES) - 1)
    obj = val.check_scalar(obj, "obj", int, min_val=0, max_val=N_OBJECTS - 1)
    object_seed = val.check_scalar(object_seed, "object_seed", int, min_val=0)
    rng = np.random.default_rng([object_seed, category, obj])
    parts = _TEMPLATES[category](rng, obj)
    # centre the object on its bounding box of part centres +- extents
    xs = [p[1] + s * max(p[3], p[4]) for p in parts for s in (-1, 1)]
    ys = [p[2] + s * max(p[3], p[4]) for p in parts for s in (-1, 1)]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    ext = max(max(xs) - min(xs), max(ys) - min(ys)) / 2
    f = 1.0 / max(ext, 1e-6)
    return [(k, (x - cx) * f, (y - cy) * f, a * f, b * f, ang, float(np.clip(l, 0.02, 0.98)), sh)
            for k, x, y, a, b, ang, l, sh in parts]


# ----------------------------------------------------------------------------- rendering
def _sdf(kind: str, x: np.ndarray, y: np.ndarray, a: float, b: float) -> np.ndarray:
    """Approximate signed distance (object units, < 0 inside) of a part in its own frame."""
    if kind == "ellipse":
        r = np.sqrt((x / a) ** 2 + (y / b) ** 2)
        return (r - 1.0) * min(a, b)
    if kind == "box":
        return np.maximum(np.abs(x) - a, np.abs(y) - b)
    # isosceles triangle: base at y = -b, apex at (0, b)
    n = np.hypot(2 * b, a)
    side = (2 * b * np.abs(x) + a * y - a * b) / n
    return np.maximum(side, -b - y)


def render(
    parts: list[Part],
    background: np.ndarray,
    ty: float = 0.0,
    tz: float = 0.0,
    s: float = 1.0,
    rxy: float = 0.0,
    rxz: float = 0.0,
    ryz: float = 0.0,
) -> np.ndarray:
    """Paint an object over a background at a given pose.

    Parameters
    ----------
    parts : list
        From :func:`object_parts`.
    background : numpy.ndarray, shape (size, size)
        Grey levels in [0, 1]; a copy is painted on.
    ty, tz : float
        Horizontal (right) and vertical (up) position of the object centre, fractions of the side.
    s : float
        Scale factor (object radius ``OBJECT_RADIUS * s`` of the side).
    rxy : float
        In-plane rotation, degrees counter-clockwise.
    rxz, ryz : float
        In-depth rotations about the vertical and horizontal axes, degrees (foreshortening).

    Returns
    -------
    numpy.ndarray, shape (size, size), float32 in [0, 1]
    """
    img = np.array(background, dtype=np.float32, copy=True)
    size = img.shape[0]
    radius = OBJECT_RADIUS * s * size  # px per object unit
    fx = max(abs(np.cos(np.deg2rad(rxz))), MIN_FORESHORTENING)
    fy = max(abs(np.cos(np.deg2rad(ryz))), MIN_FORESHORTENING)
    c = (size - 1) / 2.0
    coords = np.arange(size, dtype=np.float32)
    u = ((coords - c) / size - ty)[None, :]  # right
    v = ((c - coords) / size - tz)[:, None]  # up
    t = np.deg2rad(rxy)
    ox = (u * np.cos(t) + v * np.sin(t)) / (OBJECT_RADIUS * s * fx)
    oy = (-u * np.sin(t) + v * np.cos(t)) / (OBJECT_RADIUS * s * fy)
    px = radius * min(fx, fy)  # px per object unit, conservatively, for the anti-aliased edge
    for kind, cx, cy, a, b, ang, lum, shade in parts:
        # restrict to the part's bounding box in the image
        rr = max(a, b) * 1.05 + 1.5 / px
        mask_x = np.abs(ox - cx) <= rr / 1.0
        mask_y = np.abs(oy - cy) <= rr / 1.0
        box = mask_x & mask_y
        if not box.any():
            continue
        rows = np.flatnonzero(box.any(1))
        cols = np.flatnonzero(box.any(0))
        sl = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        dx = np.broadcast_to(ox, img.shape)[sl] - cx
        dy = np.broadcast_to(oy, img.shape)[sl] - cy
        ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
        lx = dx * ca + dy * sa
        ly = -dx * sa + dy * ca
        alpha = np.clip(0.5 - _sdf(kind, lx, ly, a, b) * px, 0.0, 1.0)
        paint = lum + shade * 0.5 * np.clip(ly / b, -1.0, 1.0) * (0.5 if lum > 0.5 else 1.0)
        img[sl] += alpha * (np.clip(paint, 0.0, 1.0) - img[sl])
    return img


@dataclass
class StimulusSet:
    """Images and their metadata (one entry per image).

    Attributes
    ----------
    images : numpy.ndarray, shape (N, size, size), float32 grey levels in [0, 1]
    category : (N,) int, index into :data:`CATEGORIES`
    obj : (N,) int, object id 0..63 (category * 8 + object within the category)
    level : (N,) int, variation level 0, 3 or 6
    ty, tz : (N,) float, position of the object centre (fractions of the side, right / up)
    s : (N,) float, scale factor
    rxy, rxz, ryz : (N,) float, in-plane and in-depth rotations, degrees
    background : (N,) int, index into :data:`NATURAL_IMAGES`
    """

    images: np.ndarray
    category: np.ndarray
    obj: np.ndarray
    level: np.ndarray
    ty: np.ndarray
    tz: np.ndarray
    s: np.ndarray
    rxy: np.ndarray
    rxz: np.ndarray
    ryz: np.ndarray
    background: np.ndarray
    category_names: tuple[str, ...] = field(default=CATEGORIES)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def object_names(self) -> list[str]:
        """Name of each image's object, e.g. ``"cars_3"``."""
        return [f"{CATEGORIES[c]}_{o % N_OBJECTS}" for c, o in zip(self.category, self.obj, strict=True)]

    def subset(self, index: Any) -> StimulusSet:
        """The images selected by a boolean mask or index array, with their metadata."""
        fields = ("images", "category", "obj", "level", "ty", "tz", "s", "rxy", "rxz", "ryz", "background")
        return StimulusSet(**{f: getattr(self, f)[index] for f in fields})

    def meta(self) -> dict[str, np.ndarray]:
        """The metadata as a dict of (N,) arrays (no images)."""
        fields = ("category", "obj", "level", "ty", "tz", "s", "rxy", "rxz", "ryz", "background")
        return {f: getattr(self, f) for f in fields}


def _poses(rng: np.random.Generator, level: int, n: int) -> dict[str, np.ndarray]:
    v = VARIATION[level]
    return {
        "ty": rng.uniform(-v["shift"], v["shift"], n),
        "tz": rng.uniform(-v["shift"], v["shift"], n),
        "s": np.exp(rng.uniform(-np.log(v["smax"]), np.log(v["smax"]), n)),
        "rxy": rng.uniform(-v["rxy"], v["rxy"], n),
        "rxz": rng.uniform(-v["rdepth"], v["rdepth"], n),
        "ryz": rng.uniform(-v["rdepth"], v["rdepth"], n),
    }


def make_stimulus_set(
    n_per_object: int = 10,
    levels: Any = LEVELS,
    size: int = 128,
    seed: Any = 0,
    background_contrast: float = 0.5,
    object_seed: int = 0,
    categories: Any = None,
) -> StimulusSet:
    """Draw the image set: every object ``n_per_object`` times at each variation level.

    Parameters
    ----------
    n_per_object : int
        Images per object and level (Majaj et al. 2015: 10 at V0, 40 at V3 and V6).
    levels : sequence of int
        Variation levels among 0, 3, 6.
    size : int
        Image side, px.
    seed : int or numpy.random.Generator
        Poses and background crops.
    background_contrast : float
        Background RMS contrast relative to 0.2 (0: uniform grey; 1: RMS 0.2 around 0.5).
    object_seed : int
        Shapes of the 64 objects (keep the default for the standard set).
    categories : sequence of int, optional
        Only these categories (default all 8).

    Returns
    -------
    StimulusSet
        Images ordered by level, then category, object and repetition.
    """
    n_per_object = val.check_scalar(n_per_object, "n_per_object", int, min_val=1)
    size = val.check_scalar(size, "size", int, min_val=16)
    background_contrast = val.check_scalar(background_contrast, "background_contrast", min_val=0)
    rng = val.check_rng(seed)
    if isinstance(levels, (int, np.integer)):
        levels = (levels,)
    levels = tuple(levels)
    if not levels or any(isinstance(l, bool) or l not in VARIATION for l in levels):
        raise ValueError(f"levels must be a non-empty sequence of {tuple(VARIATION)}, got {levels!r}")
    cats = tuple(range(len(CATEGORIES))) if categories is None else tuple(categories)
    for c in cats:
        val.check_scalar(c, "categories[i]", int, min_val=0, max_val=len(CATEGORIES) - 1)
    parts = {(c, o): object_parts(c, o, object_seed) for c in cats for o in range(N_OBJECTS)}
    meta: dict[str, list] = {k: [] for k in ("category", "obj", "level", "background")}
    pose_list: list[dict[str, np.ndarray]] = []
    images = []
    for level in levels:
        n = len(cats) * N_OBJECTS * n_per_object
        poses = _poses(rng, level, n)
        pose_list.append(poses)
        i = 0
        for c in cats:
            for o in range(N_OBJECTS):
                for _ in range(n_per_object):
                    bg, k = _background(rng, size, background_contrast)
                    images.append(render(parts[(c, o)], bg, **{key: float(p[i]) for key, p in poses.items()}))
                    meta["category"].append(c)
                    meta["obj"].append(c * N_OBJECTS + o)
                    meta["level"].append(level)
                    meta["background"].append(k)
                    i += 1
    pose = {k: np.concatenate([p[k] for p in pose_list]) for k in pose_list[0]}
    return StimulusSet(
        images=np.stack(images),
        **{k: np.asarray(v, dtype=int) for k, v in meta.items()},
        **pose,
    )


def bar_image(
    size: int = 64,
    length: float = 20.0,
    width: float = 4.0,
    orientation: float = 90.0,
    center: tuple[float, float] = (0.0, 0.0),
    contrast: float = 1.0,
    canvas: np.ndarray | None = None,
) -> np.ndarray:
    """A bright bar on a dark canvas (or painted on ``canvas``).

    Parameters
    ----------
    size : int
        Image side, px.
    length, width : float
        Bar size, px.
    orientation : float
        Degrees counter-clockwise from horizontal (90: vertical).
    center : (float, float)
        (x right, y up) offset of the bar centre from the image centre, px.
    contrast : float
        Grey level of the bar (canvas 0).

    Returns
    -------
    numpy.ndarray, shape (size, size), float32
    """
    size = val.check_scalar(size, "size", int, min_val=4)
    length = val.check_scalar(length, "length", min_val=0, include_boundaries="neither")
    width = val.check_scalar(width, "width", min_val=0, include_boundaries="neither")
    img = np.zeros((size, size), np.float32) if canvas is None else np.array(canvas, np.float32, copy=True)
    c = (size - 1) / 2.0
    r = np.arange(size, dtype=np.float32)
    x = (r - c - center[0])[None, :]
    y = (c - r - center[1])[:, None]
    t = np.deg2rad(orientation)
    along = x * np.cos(t) + y * np.sin(t)
    across = -x * np.sin(t) + y * np.cos(t)
    d = np.maximum(np.abs(along) - length / 2, np.abs(across) - width / 2)
    alpha = np.clip(0.5 - d, 0.0, 1.0)
    return img + alpha * (contrast - img)
