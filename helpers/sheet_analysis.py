"""Is a learned path integrator a continuous attractor? Put its units on a neural sheet.

The analysis of Sorscher et al. (2023, Neuron), step by step:

1. rate maps of the hidden units (:func:`helpers.grid_evaluation.collect_rate_maps`);
2. the phases of the three lattice Fourier modes of each unit (:func:`lattice_phases`);
3. each unit's position on an ``n x n`` neural sheet whose sites tile the phases
   (:func:`sheet_positions`; a permutation when there are ``n^2`` units);
4. ``J`` reordered by sheet position, rows = outgoing weights (:func:`sort_by_sheet`);
5. the average outgoing weight as a function of sheet offset (:func:`average_outgoing`, or
   :func:`offset_average` for any placement), and its radial profile (:func:`radial_profile`).

Distances on the sheet are measured as the spatial displacement that changes the phases by the
same amount (:func:`helpers.lattice.offset_distances`), in units of the grid spacing, so that a
learned sheet and the hand-designed one (:mod:`helpers.sheet`) can be compared on one axis.

The shift circuit (:func:`shift_push`, :func:`shift_direction`): the velocity input ``M v``
reaches only the active units; ``J`` applied to it shows where it pushes the activity.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import grid_scores
from . import sheet as sh
from .lattice import directions_from_sheet, offset_distances
from .validation import as_array, check_scalar

__all__ = [
    "lattice_phases",
    "site_phases",
    "sheet_positions",
    "sort_by_sheet",
    "average_outgoing",
    "offset_average",
    "radial_profile",
    "profile_correlation",
    "sheet_images",
    "shift_push",
    "push_of_state",
    "shift_direction",
    "centre_on_peak",
    "smooth_sheet",
    "sheet_snapshots",
    "analyse_network",
    "analyse_sheet",
]


def lattice_phases(maps: Any, box_size: float, k: Any | None = None) -> dict[str, np.ndarray]:
    """The three lattice wave vectors of a population of grid maps and each unit's phases.

    Parameters
    ----------
    maps : array_like, shape (Ng, n_bins, n_bins)
        Rate maps (axis 1 is x); NaN bins are ignored.
    box_size : float
        Side of the box (m).
    k : array_like, shape (2, 2), optional
        Two wave vectors (rad/m); default :func:`helpers.grid_scores.lattice_vectors`.

    Returns
    -------
    dict with ``k`` (3, 2) wave vectors (rad/m) with ``k[2] = c[0] k[0] + c[1] k[1]``,
    ``c`` (2,) those integers, ``phases`` (Ng, 3) in [-pi, pi), ``power`` (Ng,) the summed
    squared amplitude of the three components (how grid-like each unit is).
    """
    x = as_array(maps, "maps", ndim=3, finite=False)
    box_size = check_scalar(box_size, "box_size", min_val=0, include_boundaries="neither")
    kk = grid_scores.lattice_vectors(x, box_size) if k is None else as_array(k, "k", shape=(2, 2))
    diff, summ = kk[1] - kk[0], kk[1] + kk[0]
    norm = np.linalg.norm(kk[0])
    c = np.array([-1, 1]) if abs(np.linalg.norm(diff) - norm) <= abs(np.linalg.norm(summ) - norm) else np.array([1, 1])
    k3 = c[0] * kk[0] + c[1] * kk[1]
    k_all = np.vstack([kk, k3])
    clean = np.where(np.isfinite(x), x, np.nan)
    clean = np.nan_to_num(clean - np.nanmean(clean, axis=(1, 2), keepdims=True))
    n = x.shape[-1]
    centres = (np.arange(n) + 0.5) / n * box_size - box_size / 2
    gx, gy = np.meshgrid(centres, centres, indexing="ij")
    waves = np.exp(-1j * (k_all[:, 0, None, None] * gx + k_all[:, 1, None, None] * gy))
    comp = np.einsum("gij,kij->gk", clean, waves)
    return {"k": k_all, "c": c, "phases": np.angle(comp), "power": (np.abs(comp) ** 2).sum(1)}


def site_phases(n: int, c: Any) -> np.ndarray:
    """Phases of the sites of an n x n sheet: site (a, b) has (2 pi a/n, 2 pi b/n, c . both).

    Returns
    -------
    ndarray, shape (n * n, 3), sites in row-major order (site index a * n + b).
    """
    n = check_scalar(n, "n", int, min_val=2)
    cc = as_array(c, "c", shape=(2,))
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    p1, p2 = 2 * np.pi * a.ravel() / n, 2 * np.pi * b.ravel() / n
    return np.stack([p1, p2, cc[0] * p1 + cc[1] * p2], axis=1)


def sheet_positions(phases: Any, n: int, c: Any = (-1, 1), permutation: bool | None = None) -> np.ndarray:
    """Give every unit the sheet site whose three phases match its own best.

    The mismatch of unit u and site s is sum_m (1 - cos(phi_um - phi_sm)). With ``n^2`` units the
    sites are shared out one per unit (optimal assignment, so the sheet is a permutation of the
    units); otherwise each unit takes its best site.

    Parameters
    ----------
    phases : array_like, shape (Ng, 3)
        From :func:`lattice_phases`.
    n : int
        Sites per side.
    c : array_like, shape (2,)
        ``k[2] = c[0] k[0] + c[1] k[1]`` (from :func:`lattice_phases`).
    permutation : bool, optional
        Force (or forbid) the one-unit-per-site assignment; default: when Ng == n^2.

    Returns
    -------
    ndarray of int, shape (Ng, 2)
        Site (a, b) of each unit.
    """
    ph = as_array(phases, "phases", ndim=2, shape=(None, 3))
    n = check_scalar(n, "n", int, min_val=2)
    if permutation is None:
        permutation = ph.shape[0] == n * n
    if permutation and ph.shape[0] != n * n:
        raise ValueError(f"a permutation needs n^2 = {n * n} units, got {ph.shape[0]}")
    sp = site_phases(n, c)
    score = np.cos(ph) @ np.cos(sp).T + np.sin(ph) @ np.sin(sp).T  # (Ng, n^2): 3 - mismatch
    if permutation:
        _, site = linear_sum_assignment(-score)
    else:
        site = np.argmax(score, axis=1)
    return np.stack([site // n, site % n], axis=1)


def sort_by_sheet(J: Any, positions: Any, n: int) -> np.ndarray:
    """Reorder J by sheet site, rows = outgoing weights.

    Parameters
    ----------
    J : array_like, shape (n^2, n^2)
        Recurrent weights, row = postsynaptic unit (the network's convention).
    positions : array_like of int, shape (n^2, 2)
        A permutation: every site once.

    Returns
    -------
    ndarray, shape (n^2, n^2)
        ``out[p, q]`` = weight from the unit at site p onto the unit at site q (row-major sites).
    """
    n = check_scalar(n, "n", int, min_val=2)
    W = as_array(J, "J", shape=(n * n, n * n))
    pos = as_array(positions, "positions", shape=(n * n, 2), dtype=None).astype(int)
    site = pos[:, 0] * n + pos[:, 1]
    if np.unique(site).size != n * n or site.min() < 0 or site.max() >= n * n:
        raise ValueError("positions must put exactly one unit on each of the n^2 sites")
    unit_at = np.empty(n * n, dtype=int)
    unit_at[site] = np.arange(n * n)
    return W.T[np.ix_(unit_at, unit_at)]


def average_outgoing(J_out: Any, n: int) -> np.ndarray:
    """Average outgoing weight as a function of sheet offset, from a sheet-sorted J.

    Every row of ``J_out`` (the outgoing weights of the unit at site p, over the sites as an
    n x n image) is rolled so that p sits at the centre, and the rows are averaged.

    Parameters
    ----------
    J_out : array_like, shape (n^2, n^2)
        From :func:`sort_by_sheet`.
    n : int

    Returns
    -------
    ndarray, shape (n, n)
        Offset (0, 0) at index (n // 2, n // 2).
    """
    n = check_scalar(n, "n", int, min_val=2)
    W = as_array(J_out, "J_out", shape=(n * n, n * n)).reshape(n, n, n, n)
    a = np.arange(n)
    # out[p, q] with q = p + d: gather by offset d for every p, then average over p
    qa = (a[:, None, None, None] + a[None, None, :, None] - n // 2) % n  # (pa, 1, da, 1)
    qb = (a[None, :, None, None] + a[None, None, None, :] - n // 2) % n  # (1, pb, 1, db)
    pa, pb = a[:, None, None, None], a[None, :, None, None]
    return W[pa, pb, qa, qb].mean(axis=(0, 1))


def offset_average(J: Any, positions: Any, n: int, exclude_self: bool = False) -> np.ndarray:
    """Mean of J[post, pre] over all pairs, binned by sheet offset pos[post] - pos[pre] (mod n).

    Works for any placement (several or no units per site).

    Parameters
    ----------
    J : array_like, shape (Ng, Ng)
        Row = postsynaptic.
    positions : array_like of int, shape (Ng, 2)
    n : int
    exclude_self : bool
        Leave the self-connections J_ii out.

    Returns
    -------
    ndarray, shape (n, n)
        Offset (0, 0) at index (n // 2, n // 2); NaN where no pair falls.
    """
    n = check_scalar(n, "n", int, min_val=2)
    W = as_array(J, "J", ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"J must be square (Ng, Ng), got {W.shape}")
    pos = as_array(positions, "positions", shape=(W.shape[0], 2), dtype=None).astype(int)
    da = (pos[:, None, 0] - pos[None, :, 0] + n // 2) % n
    db = (pos[:, None, 1] - pos[None, :, 1] + n // 2) % n
    idx = (da * n + db).ravel()
    weight = np.ones(W.shape)
    if exclude_self:
        np.fill_diagonal(weight, 0)
    sums = np.bincount(idx, (W * weight).ravel(), minlength=n * n)
    counts = np.bincount(idx, weight.ravel(), minlength=n * n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts).reshape(n, n)


def radial_profile(profile: Any, distances: Any, bins: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a 2-D profile in rings of distance.

    Parameters
    ----------
    profile, distances : array_like, shape (n, n)
        NaN entries of ``profile`` are ignored.
    bins : array_like, optional
        Bin edges (default: 12 bins from 0 to 0.6).

    Returns
    -------
    centres : ndarray, shape (nb,)
    mean : ndarray, shape (nb,)
        NaN for empty rings.
    """
    p = as_array(profile, "profile", ndim=2, finite=False)
    d = as_array(distances, "distances", shape=p.shape)
    edges = np.linspace(0, 0.6, 13) if bins is None else as_array(bins, "bins", ndim=1)
    ok = np.isfinite(p)
    which = np.digitize(d[ok], edges) - 1
    inside = (which >= 0) & (which < len(edges) - 1)
    sums = np.bincount(which[inside], p[ok][inside], minlength=len(edges) - 1)
    counts = np.bincount(which[inside], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (edges[:-1] + edges[1:]) / 2, sums / counts


def profile_correlation(a: Any, b: Any) -> float:
    """Pearson correlation of two profiles over the entries finite in both."""
    x, y = as_array(a, "a", finite=False).ravel(), as_array(b, "b", finite=False).ravel()
    if x.shape != y.shape:
        raise ValueError(f"a and b must have the same size, got {x.size} and {y.size}")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        raise ValueError(f"need at least 3 entries finite in both profiles, got {int(ok.sum())}")
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def sheet_images(activity: Any, positions: Any, n: int) -> np.ndarray:
    """Population activity arranged on the sheet (mean over units sharing a site).

    Parameters
    ----------
    activity : array_like, shape (P, Ng)
        Activity of every unit in P states (e.g. rate-map values at P positions).
    positions : array_like of int, shape (Ng, 2)

    Returns
    -------
    ndarray, shape (P, n, n)
        NaN at sites without a unit.
    """
    act = as_array(activity, "activity", ndim=2, finite=False)
    n = check_scalar(n, "n", int, min_val=2)
    pos = as_array(positions, "positions", shape=(act.shape[1], 2), dtype=None).astype(int)
    site = pos[:, 0] * n + pos[:, 1]
    counts = np.bincount(site, minlength=n * n)
    sums = np.zeros((act.shape[0], n * n))
    np.add.at(sums.T, site, np.nan_to_num(act).T)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts).reshape(-1, n, n)


def shift_push(J: Any, M: Any, states: Any, headings: Any, speed: float = 1.0, threshold: float = 0.0) -> np.ndarray:
    """The shift circuit: J applied to the velocity input M v restricted to the active units.

    Parameters
    ----------
    J : array_like, shape (Ng, Ng)
        Row = postsynaptic.
    M : array_like, shape (Ng, 2)
        Velocity input weights.
    states : array_like, shape (P, Ng)
        Population activity; units above ``threshold`` count as active.
    headings : array_like, shape (H,)
        Directions of motion (rad).
    speed : float
        |v| (in M's units).

    Returns
    -------
    ndarray, shape (H, P, Ng)
        ``J @ ((M v_h) * active_p)``.
    """
    W = as_array(J, "J", ndim=2)
    Mv = as_array(M, "M", shape=(W.shape[1], 2))
    g = as_array(states, "states", ndim=2, shape=(None, W.shape[1]))
    th = as_array(headings, "headings", ndim=1)
    v = speed * np.stack([np.cos(th), np.sin(th)], axis=1)  # (H, 2)
    drive = (v @ Mv.T)[:, None, :] * (g > threshold)[None]  # (H, P, Ng)
    return drive @ W.T


def push_of_state(J: Any, M: Any, g: Any, heading: float) -> np.ndarray:
    """:func:`shift_push` for one state g (Ng,) and one heading (rad): J @ ((M v) * (g > 0)), shape (Ng,)."""
    return shift_push(J, M, as_array(g, "g", ndim=1)[None], np.array([float(heading)]))[0, 0]


def _periodic_gradient(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ga = (np.roll(img, -1, axis=-2) - np.roll(img, 1, axis=-2)) / 2
    gb = (np.roll(img, -1, axis=-1) - np.roll(img, 1, axis=-1)) / 2
    return ga, gb


def shift_direction(push: Any, pattern: Any) -> np.ndarray:
    """Which way a push moves a pattern on the sheet: least squares push ~ -grad(pattern) . d + c0 + c1 pattern.

    Parameters
    ----------
    push, pattern : array_like, shape (..., n, n)
        Sheet images (NaN sites are left out); the leading axes are fitted separately.

    Returns
    -------
    ndarray, shape (..., 2)
        Displacement d per unit push along the sheet's two axes (sites).
    """
    p = as_array(push, "push", finite=False)
    g = as_array(pattern, "pattern", shape=p.shape, finite=False)
    lead = p.shape[:-2]
    p, g = p.reshape(-1, *p.shape[-2:]), g.reshape(-1, *g.shape[-2:])
    out = np.zeros((p.shape[0], 2))
    for i in range(p.shape[0]):
        gi = np.where(np.isfinite(g[i]), g[i], np.nanmean(g[i]))
        ga, gb = _periodic_gradient(gi)
        X = np.stack([-ga.ravel(), -gb.ravel(), np.ones(gi.size), gi.ravel()], axis=1)
        y = p[i].ravel()
        ok = np.isfinite(y) & np.isfinite(g[i].ravel())
        coef, *_ = np.linalg.lstsq(X[ok], y[ok], rcond=None)
        out[i] = coef[:2]
    return out.reshape(*lead, 2)


def smooth_sheet(images: Any, sigma: float = 1.0) -> np.ndarray:
    """Periodic Gaussian smoothing of sheet images (..., n, n), sigma in sites (NaN read as 0)."""
    img = np.nan_to_num(as_array(images, "images", finite=False))
    n = img.shape[-1]
    f = np.fft.fftfreq(n)
    sigma = check_scalar(sigma, "sigma", min_val=0, include_boundaries="neither")
    g = np.exp(-2 * (np.pi * sigma) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    return np.fft.ifft2(np.fft.fft2(img) * g).real


def sheet_snapshots(
    maps: Any, positions: Any, n: int, bins: Any, scores: Any | None = None, threshold: float = 0.3,
    sigma: float = 1.5,
) -> np.ndarray:
    """The population activity on the sheet at a few places of the animal, made readable.

    Each unit's rate is divided by its own peak rate (so that strongly firing units do not hide
    the others); only units whose grid score exceeds ``threshold`` are used (the others have no
    place on a sheet of lattice phases); empty sites are filled by normalised periodic Gaussian
    smoothing of ``sigma`` sites.

    Parameters
    ----------
    maps : array_like, shape (Ng, n_bins, n_bins)
        Rate maps (NaN where unvisited).
    positions : array_like of int, shape (Ng, 2)
        Sheet site of each unit.
    n : int
        Sheet side.
    bins : array_like of int, shape (F, 2)
        Rate-map bins (i along x, j along y) where the animal is.
    scores : array_like, shape (Ng,), optional
        Grid scores; default: every unit is used.

    Returns
    -------
    ndarray, shape (F, n, n)
    """
    x = as_array(maps, "maps", ndim=3, finite=False)
    b = as_array(bins, "bins", ndim=2, shape=(None, 2), dtype=None).astype(int)
    if b.min() < 0 or b[:, 0].max() >= x.shape[1] or b[:, 1].max() >= x.shape[2]:
        raise ValueError(f"bins must index the {x.shape[1]} x {x.shape[2]} rate maps, got {b.tolist()}")
    keep = np.ones(x.shape[0], bool) if scores is None else as_array(scores, "scores", shape=(x.shape[0],)) > threshold
    if not keep.any():
        raise ValueError(f"no unit has a grid score above threshold={threshold}")
    peak = np.nanmax(np.where(np.isfinite(x), x, -np.inf).reshape(x.shape[0], -1), axis=1)
    act = x[:, b[:, 0], b[:, 1]].T / np.where(peak > 0, peak, np.inf)  # (F, Ng)
    act = np.where(keep, np.nan_to_num(act), np.nan)
    img = np.nan_to_num(sheet_images(act, positions, n))
    weight = np.nan_to_num(sheet_images(np.where(keep, 1.0, np.nan)[None], positions, n))
    return smooth_sheet(img, sigma) / np.maximum(smooth_sheet(weight, sigma), 1e-6)


def centre_on_peak(images: Any, patterns: Any) -> np.ndarray:
    """Roll each image so that the peak of its (smoothed) pattern sits at the centre of the sheet.

    Parameters
    ----------
    images : array_like, shape (..., P, n, n)
    patterns : array_like, shape (P, n, n)

    Returns
    -------
    ndarray, shape (..., P, n, n)
    """
    img = as_array(images, "images", finite=False)
    pat = as_array(patterns, "patterns", ndim=3, finite=False)
    n = pat.shape[-1]
    out = np.empty_like(img)
    smooth = smooth_sheet(pat, 1.0)
    for p in range(pat.shape[0]):
        a, b = np.unravel_index(np.argmax(smooth[p]), pat[p].shape)
        out[..., p, :, :] = np.roll(img[..., p, :, :], (n // 2 - a, n // 2 - b), axis=(-2, -1))
    return out


def analyse_network(
    J: Any,
    M: Any,
    maps: Any,
    box_size: float,
    n: int | None = None,
    n_headings: int = 8,
    active_fraction: float = 0.1,
) -> dict[str, Any]:
    """The whole sheet analysis of a trained network, from its weights and rate maps.

    Parameters
    ----------
    J : array_like, shape (Ng, Ng)
        Recurrent weights, row = postsynaptic.
    M : array_like, shape (Ng, 2)
        Velocity input weights.
    maps : array_like, shape (Ng, n_bins, n_bins)
        Rate maps (axis 1 is x).
    box_size : float
        Side of the box (m).
    n : int, optional
        Sheet side (default sqrt(Ng) rounded down).
    n_headings : int
        Headings for the shift circuit.
    active_fraction : float
        A unit counts as active at a position when its rate there exceeds this fraction of its
        own maximum rate.

    Returns
    -------
    dict with ``n``, ``k`` (3, 2), ``phases`` (Ng, 3), ``positions`` (Ng, 2), ``profile``
    (n, n) average outgoing weight by offset (self-connections apart), ``self_weight`` (mean
    J_ii), ``distances`` (n, n) in grid spacings, ``radius``/``radial`` the radial profile,
    ``spacing`` (m), ``patterns`` (P, n, n) the population activity at every visited bin on
    the sheet, ``headings`` (H,), ``push`` (H, n, n) the shift circuit's push averaged over
    positions with the bump centred, ``pattern`` (n, n) the centred mean pattern,
    ``sheet_shift`` (H, 2) and ``moved`` (H,) the direction (rad) the push moves the bump in space.
    """
    W = as_array(J, "J", ndim=2)
    x = as_array(maps, "maps", ndim=3, shape=(W.shape[0], None, None), finite=False)
    n = int(np.floor(np.sqrt(W.shape[0]))) if n is None else check_scalar(n, "n", int, min_val=2)
    ph = lattice_phases(x, box_size)
    pos = sheet_positions(ph["phases"], n, ph["c"])
    profile = offset_average(W, pos, n, exclude_self=True)
    dist = offset_distances(n, ph["k"])
    radius, radial = radial_profile(profile, dist)
    flat = x.reshape(x.shape[0], -1).T  # (bins, Ng)
    visited = np.all(np.isfinite(flat), axis=1)
    states = flat[visited]
    peak = np.maximum(states.max(0), 1e-12)
    active = states > active_fraction * peak
    headings = 2 * np.pi * np.arange(n_headings) / n_headings
    push = shift_push(W, M, active.astype(float), headings, threshold=0.5)  # (H, P, Ng)
    patterns = sheet_images(states, pos, n)
    push_img = sheet_images(push.reshape(-1, W.shape[0]), pos, n).reshape(n_headings, -1, n, n)
    push_c = np.nanmean(centre_on_peak(push_img, patterns), axis=1)
    pat_c = np.nanmean(centre_on_peak(patterns, patterns), axis=0)
    d = shift_direction(push_c, np.broadcast_to(pat_c, push_c.shape))
    return {
        "n": n, "k": ph["k"], "phases": ph["phases"], "power": ph["power"], "positions": pos,
        "profile": profile, "self_weight": float(np.mean(np.diag(W))), "distances": dist,
        "radius": radius, "radial": radial,
        "spacing": float(4 * np.pi / (np.sqrt(3) * np.linalg.norm(ph["k"], axis=1).mean())),
        "patterns": patterns, "states": states, "visited": visited,
        "headings": headings, "push": push_c, "pattern": pat_c, "sheet_shift": d,
        "moved": directions_from_sheet(d, ph["k"]),
    }


def analyse_sheet(sheet: Any, s: Any, n_headings: int = 8) -> dict[str, Any]:
    """The same analysis for the hand-designed sheet, whose positions and weights are known.

    Parameters
    ----------
    sheet : helpers.sheet.Sheet
    s : array_like, shape (n, n)
        A steady pattern at rest.

    Returns
    -------
    dict with ``period`` and ``spacing`` (neurons), ``profile`` (n, n) average outgoing weight
    (centre = offset 0), ``distances`` (n, n) in grid spacings, ``radius``/``radial``,
    ``headings`` (H,), ``pattern`` (n, n) and ``push`` (H, n, n) centred on a bump,
    ``sheet_shift`` (H, 2) (neurons) and ``moved`` (H,) (rad).
    """
    pat = as_array(s, "s", shape=(sheet.n, sheet.n))
    n = sheet.n
    period = sh.pattern_period(pat)
    spacing = 2 / np.sqrt(3) * period  # field spacing of a hexagonal pattern of this wavelength
    dx, dy = sh.offsets(n)
    dist = np.fft.fftshift(np.hypot(dx, dy)) / spacing
    profile = np.fft.fftshift(sheet.kernel())
    radius, radial = radial_profile(profile, dist)
    headings = 2 * np.pi * np.arange(n_headings) / n_headings
    push = sh.shift_push(sheet, pat, headings)
    d = shift_direction(push, np.broadcast_to(pat, push.shape))
    a, b = np.unravel_index(np.argmax(pat), pat.shape)
    roll = (n // 2 - a, n // 2 - b)
    return {
        "period": period, "spacing": spacing, "profile": profile, "distances": dist,
        "radius": radius, "radial": radial, "headings": headings,
        "pattern": np.roll(pat, roll, (0, 1)), "push": np.roll(push, roll, (1, 2)),
        "sheet_shift": d, "moved": np.arctan2(d[:, 1], d[:, 0]),
    }
