"""Geometry of a grid lattice and of the neural sheet of its phases.

A grid unit's phases along the lattice wave vectors ``k`` (rad/m) place it on an ``n x n``
sheet (:mod:`helpers.sheet_analysis`). Moving the animal by dx changes every phase by
``-k . dx``, so a sheet offset (da, db) corresponds to the spatial displacement whose phase change
is ``2 pi (da, db) / n``. This module converts between the two:

- sheet offsets to space (:func:`site_coordinates`, :func:`site_to_space`) and their distances in
  grid spacings (:func:`offset_distances`);
- space back onto the drawn sheet (:func:`wrap_to_sheet`, :func:`lattice_copies`) and where an
  activity bump should be if it moves with the animal (:func:`predicted_track`);
- displacements on the sheet to directions of motion in space (:func:`directions_from_sheet`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .validation import as_array, check_scalar

__all__ = [
    "site_coordinates",
    "offset_distances",
    "site_to_space",
    "wrap_to_sheet",
    "lattice_copies",
    "predicted_track",
    "directions_from_sheet",
]


def site_coordinates(n: int, k: Any, centred: bool = True) -> np.ndarray:
    """Spatial displacement (m) that changes the lattice phases as a sheet offset does.

    Sheet offset (da, db) changes the phases along ``k[0]``, ``k[1]`` by 2 pi (da, db) / n; the
    displacement dx with k . dx = that change. Offsets run over [-n/2, n/2) when ``centred``
    (matching :func:`average_outgoing`), else over [0, n).

    Returns
    -------
    ndarray, shape (n, n, 2)
    """
    n = check_scalar(n, "n", int, min_val=2)
    kk = as_array(k, "k", ndim=2)[:2]
    d = np.arange(n) - (n // 2 if centred else 0)
    da, db = np.meshgrid(d, d, indexing="ij")
    dphi = 2 * np.pi * np.stack([da, db], axis=-1) / n
    return dphi @ np.linalg.inv(kk).T


def offset_distances(n: int, k: Any) -> np.ndarray:
    """Distance of each centred sheet offset, in units of the grid spacing (shortest image).

    Parameters
    ----------
    n : int
    k : array_like, shape (>= 2, 2)
        Lattice wave vectors (any units; the result is relative to the spacing 4 pi / (sqrt 3 |k|)).

    Returns
    -------
    ndarray, shape (n, n)
        0 at (n // 2, n // 2); at most 1 / sqrt(3).
    """
    kk = as_array(k, "k", ndim=2)[:2]
    base = site_coordinates(n, kk)
    lattice = 2 * np.pi * np.linalg.inv(kk).T  # columns of inv(k) * 2 pi: real lattice vectors (rows)
    best = np.full(base.shape[:2], np.inf)
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            shift = i * lattice[:, 0] + j * lattice[:, 1]
            best = np.minimum(best, np.linalg.norm(base + shift, axis=-1))
    spacing = 4 * np.pi / (np.sqrt(3) * np.linalg.norm(kk, axis=1).mean())
    return best / spacing


def site_to_space(sites: Any, k: Any, n: int) -> np.ndarray:
    """Where in space (m) a sheet site is drawn: the displacement whose phase change is its offset.

    Site (a, b) (offsets from the centre site ``n // 2``) is drawn at p with
    k[:2] . p = -2 pi (a, b) / n, so that the sheet's activity bump moves with the animal.

    Parameters
    ----------
    sites : array_like, shape (..., 2)
        Site indices (0 ... n - 1; fractions allowed).
    k : array_like, shape (>= 2, 2)
        Lattice wave vectors (rad/m).

    Returns
    -------
    ndarray, shape (..., 2)
    """
    kk = as_array(k, "k", ndim=2)[:2]
    u = as_array(sites, "sites") - n // 2
    return -(2 * np.pi * u / check_scalar(n, "n", int, min_val=2)) @ np.linalg.inv(kk).T


def wrap_to_sheet(points: Any, k: Any, n: int) -> np.ndarray:
    """Fold points (m) into the rhombus in which :func:`site_to_space` draws the sheet.

    Parameters
    ----------
    points : array_like, shape (..., 2)
    k : array_like, shape (>= 2, 2)

    Returns
    -------
    ndarray, shape (..., 2)
        The same points shifted by whole lattice vectors.
    """
    kk = as_array(k, "k", ndim=2)[:2]
    n = check_scalar(n, "n", int, min_val=2)
    u = _space_to_offsets(points, kk, n)
    lo = -0.5 - n // 2
    return site_to_space((u - lo) % n + lo + n // 2, kk, n)


def _space_to_offsets(points: Any, kk: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`site_to_space`: site offsets from the centre site, shape (..., 2)."""
    return -(as_array(points, "points") @ kk.T) * n / (2 * np.pi)


def lattice_copies(point: Any, k: Any, n: int, margin: float = 0.3) -> np.ndarray:
    """Every copy of a point (m), shifted by whole lattice vectors, inside the drawn rhombus.

    A point near an edge of the rhombus also appears across the opposite edge; plotting all
    copies shows it wherever the eye looks for it.

    Parameters
    ----------
    point : array_like, shape (2,)
    k : array_like, shape (>= 2, 2)
    margin : float
        Tolerance (sites) beyond the rhombus' edges.

    Returns
    -------
    ndarray, shape (C, 2)
    """
    kk = as_array(k, "k", ndim=2)[:2]
    n = check_scalar(n, "n", int, min_val=2)
    u = _space_to_offsets(as_array(point, "point", shape=(2,)), kk, n)
    lo = -0.5 - n // 2
    shifts = np.array([(a, b) for a in (-n, 0, n) for b in (-n, 0, n)])
    cand = u + shifts
    inside = np.all((cand >= lo - margin) & (cand <= lo + n + margin), axis=1)
    return site_to_space(cand[inside] + n // 2, kk, n)


def predicted_track(first_frame: Any, displacements: Any, k: Any, n: int) -> np.ndarray:
    """Where a sheet's bump should be if it moves with the animal (drawn as by :func:`site_to_space`).

    Parameters
    ----------
    first_frame : array_like, shape (n, n)
        Sheet activity at the first position; its peak is the bump's start.
    displacements : array_like, shape (F, 2)
        The animal's displacement (m) from the first position.
    k : array_like, shape (>= 2, 2)

    Returns
    -------
    ndarray, shape (F, 2)
        Start plus displacement, folded into the drawn rhombus.
    """
    img = as_array(first_frame, "first_frame", ndim=2, shape=(n, n))
    start = site_to_space(np.array(np.unravel_index(np.argmax(img), img.shape), float), k, n)
    return wrap_to_sheet(start + as_array(displacements, "displacements", ndim=2, shape=(None, 2)), k, n)


def directions_from_sheet(d: Any, k: Any) -> np.ndarray:
    """Turn sheet displacements (sites) into directions of motion in space (rad).

    The bump sits at the site whose phases are those of the animal's position, so moving the
    animal by dx moves the bump by da with 2 pi da / n = -k . dx.

    Parameters
    ----------
    d : array_like, shape (..., 2)
    k : array_like, shape (>= 2, 2)

    Returns
    -------
    ndarray, shape (...)
    """
    dd = as_array(d, "d")
    kk = as_array(k, "k", ndim=2)[:2]
    dx = -dd @ np.linalg.inv(kk).T
    return np.arctan2(dx[..., 1], dx[..., 0])
