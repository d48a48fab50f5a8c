"""Rate maps, gridness scores and spatial phases of units recorded along paths in a box.

Grid score (Sargolini et al. 2006; the implementation of Banino et al. 2018): the spatial
autocorrelogram of a rate map is correlated with itself rotated by 30, 60, 90, 120 and 150 deg
inside an annulus around its centre. A hexagonal lattice repeats every 60 deg and not every
30 or 90 deg. Two forms are common:

- mean form: (c60 + c120) / 2 - (c30 + c90 + c150) / 3
- min-max form: min(c60, c120) - max(c30, c90, c150) (stricter)

Each is maximised over annuli of inner radius 0.2 and outer radius 0.4 ... 1.0 (in units of
the map's side). Thresholds: > 0.3 grid-like, > 0.8 clean.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from .validation import as_array, check_scalar

__all__ = [
    "ANGLES",
    "MASK_INNER",
    "MASK_OUTER",
    "rate_maps",
    "autocorrelogram",
    "ring_mask",
    "rotation_correlation",
    "grid_scores",
    "hexagonal_map",
    "stripe_map",
    "mean_pairwise_correlation",
    "lattice_vectors",
    "spatial_phases",
]

#: Rotation angles (deg) and annulus radii (fractions of the map side) of Banino et al. (2018).
ANGLES = (30, 60, 90, 120, 150)
MASK_INNER = 0.2
MASK_OUTER = tuple(np.linspace(0.4, 1.0, 10))


def rate_maps(positions: Any, activity: Any, box_size: float, n_bins: int = 20) -> np.ndarray:
    """Mean activity of each unit in each spatial bin.

    Parameters
    ----------
    positions : array_like, shape (N, 2)
        Positions (m), box centred on 0.
    activity : array_like, shape (N, Ng)
        Activity at those positions.
    box_size : float
        Side of the box (m).
    n_bins : int
        Bins per side.

    Returns
    -------
    ndarray, shape (Ng, n_bins, n_bins)
        Axis 1 is x, axis 2 is y; NaN where a bin was never visited.
    """
    pos = as_array(positions, "positions", ndim=2, shape=(None, 2))
    act = as_array(activity, "activity", ndim=2, shape=(pos.shape[0], None))
    box_size = check_scalar(box_size, "box_size", min_val=0, include_boundaries="neither")
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=2)
    ij = np.clip(((pos + box_size / 2) / box_size * n_bins).astype(int), 0, n_bins - 1)
    idx = ij[:, 0] * n_bins + ij[:, 1]
    counts = np.bincount(idx, minlength=n_bins * n_bins).astype(float)
    sums = np.zeros((n_bins * n_bins, act.shape[1]))
    np.add.at(sums, idx, act)
    with np.errstate(invalid="ignore", divide="ignore"):
        maps = sums / counts[:, None]
    return maps.T.reshape(act.shape[1], n_bins, n_bins)


def _xcorr(a: np.ndarray, b: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """sum_x a[x] b[x + s] for every shift s, via zero-padded FFT over the last two axes."""
    fa = np.fft.rfft2(a, s=size)
    fb = np.fft.rfft2(b, s=size)
    return np.fft.irfft2(np.conj(fa) * fb, s=size)


def autocorrelogram(maps: Any) -> np.ndarray:
    """Spatial autocorrelogram: Pearson correlation of the map with its shifted self.

    Parameters
    ----------
    maps : array_like, shape (n, n) or (Ng, n, n)
        Rate maps; NaN bins (unvisited) are left out of every correlation.

    Returns
    -------
    ndarray, shape (2n - 1, 2n - 1) or (Ng, 2n - 1, 2n - 1)
        Correlation at each shift, centre = zero shift; 0 where fewer than 20 bins overlap.
    """
    x = as_array(maps, "maps", finite=False)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"maps must have shape (n, n) or (Ng, n, n), got {x.shape}")
    n1, n2 = x.shape[1:]
    mask = np.isfinite(x).astype(float)
    x = np.where(mask > 0, x, 0.0)
    size = (2 * n1, 2 * n2)
    n = _xcorr(mask, mask, size)
    sx, sy = _xcorr(x, mask, size), _xcorr(mask, x, size)
    sxx, syy = _xcorr(x * x, mask, size), _xcorr(mask, x * x, size)
    sxy = _xcorr(x, x, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (n * sxy - sx * sy) / np.sqrt(np.clip(n * sxx - sx**2, 0, None) * np.clip(n * syy - sy**2, 0, None))
    r = np.where((np.round(n) >= 20) & np.isfinite(r), r, 0.0)
    r = np.fft.fftshift(r, axes=(-2, -1))[:, 1:, 1:]
    return r[0] if single else r


def ring_mask(size: int, inner: float, outer: float, n_bins: int | None = None) -> np.ndarray:
    """Boolean annulus on a (size, size) autocorrelogram.

    Radii ``inner`` and ``outer`` are fractions of the rate map's side ``n_bins`` (default
    ``(size + 1) // 2``), measured in bins from the centre.
    """
    n_bins = (size + 1) // 2 if n_bins is None else n_bins
    c = np.arange(size) - (size - 1) / 2
    r = np.hypot(c[:, None], c[None, :])
    return (r >= inner * n_bins) & (r < outer * n_bins)


def rotation_correlation(sac: np.ndarray, angle: float, mask: np.ndarray) -> float:
    """Correlation, inside ``mask``, of an autocorrelogram with itself rotated by ``angle`` deg.

    Both are centred on the mean of the unrotated autocorrelogram in the mask and the result is
    normalised by its variance there (as Banino et al. 2018).

    Parameters
    ----------
    sac : ndarray, shape (m, m)
    angle : float
        Rotation (deg, counter-clockwise).
    mask : ndarray of bool, shape (m, m)
    """
    rotated = ndimage.rotate(sac, angle, reshape=False)
    area = mask.sum()
    mean = sac[mask].sum() / area
    centred = (sac - mean) * mask
    variance = (centred**2).sum() / area + 1e-5
    return float((centred * (rotated - mean) * mask).sum() / area / variance)


def grid_scores(maps: Any, angles_out: bool = False) -> dict[str, np.ndarray]:
    """Grid scores of rate maps, mean form and min-max form, best annulus kept for each.

    Parameters
    ----------
    maps : array_like, shape (n, n) or (Ng, n, n)

    Returns
    -------
    dict with ``mean`` and ``minmax`` (shape (Ng,), or scalars for one map); with ``angles_out``
    also ``correlations`` (Ng, n_masks, 5) at ``ANGLES``.
    """
    x = as_array(maps, "maps", finite=False)
    single = x.ndim == 2
    sac = autocorrelogram(x[None] if single else x)
    size, n_bins = sac.shape[-1], x.shape[-1]
    rotated = np.stack(
        [ndimage.rotate(sac, a, axes=(1, 2), reshape=False) for a in ANGLES], axis=1
    )  # (Ng, 5, m, m)
    best_mean = np.full(sac.shape[0], -np.inf)
    best_minmax = np.full(sac.shape[0], -np.inf)
    all_corrs = []
    for outer in MASK_OUTER:
        mask = ring_mask(size, MASK_INNER, outer, n_bins).astype(float)
        area = mask.sum()
        mean = (sac * mask).sum((-2, -1)) / area
        centred = (sac - mean[:, None, None]) * mask
        variance = (centred**2).sum((-2, -1)) / area + 1e-5
        cross = (centred[:, None] * (rotated - mean[:, None, None, None]) * mask).sum((-2, -1)) / area
        c = cross / variance[:, None]  # (Ng, 5): 30, 60, 90, 120, 150
        all_corrs.append(c)
        best_mean = np.maximum(best_mean, (c[:, 1] + c[:, 3]) / 2 - (c[:, 0] + c[:, 2] + c[:, 4]) / 3)
        best_minmax = np.maximum(best_minmax, np.minimum(c[:, 1], c[:, 3]) - c[:, [0, 2, 4]].max(1))
    out = {"mean": best_mean, "minmax": best_minmax}
    if angles_out:
        out["correlations"] = np.stack(all_corrs, axis=1)
    if single:
        out = {k: (v[0] if k != "correlations" else v[0]) for k, v in out.items()}
        out["mean"], out["minmax"] = float(out["mean"]), float(out["minmax"])
    return out


def _grid_coords(n_bins: int, box_size: float) -> tuple[np.ndarray, np.ndarray]:
    c = (np.arange(n_bins) + 0.5) / n_bins * box_size - box_size / 2
    return np.meshgrid(c, c, indexing="ij")


def hexagonal_map(
    n_bins: int = 20, period: float = 0.7, orientation: float = 0.0, phase: tuple[float, float] = (0.0, 0.0),
    box_size: float = 2.2,
) -> np.ndarray:
    """An ideal grid map: the sum of three plane waves 60 deg apart, shape (n_bins, n_bins).

    ``period`` (m) is the distance between neighbouring fields, ``orientation`` (rad) the angle of
    the first wave vector, ``phase`` (m) the offset of the lattice.
    """
    x, y = _grid_coords(n_bins, box_size)
    k = 4 * np.pi / (np.sqrt(3) * period)
    out = np.zeros_like(x)
    for j in range(3):
        a = orientation + j * np.pi / 3
        out += np.cos(k * (np.cos(a) * (x - phase[0]) + np.sin(a) * (y - phase[1])))
    return out


def stripe_map(n_bins: int = 20, period: float = 0.7, orientation: float = 0.0, box_size: float = 2.2) -> np.ndarray:
    """A band map: one plane wave of wavelength ``period`` (m), shape (n_bins, n_bins)."""
    x, y = _grid_coords(n_bins, box_size)
    k = 2 * np.pi / period
    return np.cos(k * (np.cos(orientation) * x + np.sin(orientation) * y))


def mean_pairwise_correlation(maps: Any) -> float:
    """Mean Pearson correlation between the rate maps of different units (NaN bins left out).

    Parameters
    ----------
    maps : array_like, shape (Ng, n, n)

    Returns
    -------
    float
        Near 0 when the units' lattices sit at many different phases; near 1 when every unit has
        the same map. NaN with fewer than two maps.
    """
    x = as_array(maps, "maps", finite=False)
    if x.shape[0] < 2:
        return float("nan")
    flat = x.reshape(x.shape[0], -1)
    flat = flat[:, np.all(np.isfinite(flat), axis=0)]
    flat = flat[flat.std(axis=1) > 0]
    if flat.shape[0] < 2:
        return float("nan")
    c = np.corrcoef(flat)
    return float((c.sum() - np.trace(c)) / (c.shape[0] * (c.shape[0] - 1)))


def _centred(maps: np.ndarray) -> np.ndarray:
    x = np.where(np.isfinite(maps), maps, np.nan)
    x = x - np.nanmean(x, axis=(-2, -1), keepdims=True)
    return np.nan_to_num(x)


def lattice_vectors(maps: Any, box_size: float, pad: int = 64) -> np.ndarray:
    """Two wave vectors (rad/m), 60 deg apart, of the lattice shared by a set of grid maps.

    The strongest peak of the summed power spectra gives the first; the strongest peak
    50-70 deg away from it gives the second.

    Parameters
    ----------
    maps : array_like, shape (Ng, n, n)
    box_size : float
        Side of the box (m).

    Returns
    -------
    ndarray, shape (2, 2)
    """
    x = _centred(as_array(maps, "maps", ndim=3, finite=False))
    power = (np.abs(np.fft.fft2(x, s=(pad, pad))) ** 2).sum(0)
    f = np.fft.fftfreq(pad, d=box_size / x.shape[-1]) * 2 * np.pi
    kx, ky = np.meshgrid(f, f, indexing="ij")
    power[0, 0] = 0
    power[np.hypot(kx, ky) < 2 * np.pi / box_size] = 0  # slower than one period per box
    i = np.unravel_index(np.argmax(power), power.shape)
    k1 = np.array([kx[i], ky[i]])
    ang = np.degrees(np.arctan2(ky, kx) - np.arctan2(k1[1], k1[0])) % 180
    rad = np.hypot(kx, ky) / np.hypot(*k1)
    cand = np.where((ang > 50) & (ang < 70) & (rad > 0.8) & (rad < 1.25), power, 0)
    j = np.unravel_index(np.argmax(cand), cand.shape)
    return np.array([k1, [kx[j], ky[j]]])


def spatial_phases(maps: Any, k: Any, box_size: float) -> np.ndarray:
    """Each unit's lattice phase along two wave vectors: angle of its Fourier component.

    Parameters
    ----------
    maps : array_like, shape (Ng, n, n)
    k : array_like, shape (2, 2)
        Wave vectors (rad/m), e.g. from :func:`lattice_vectors`.
    box_size : float
        Side of the box (m).

    Returns
    -------
    ndarray, shape (Ng, 2)
        Phases in [-pi, pi): where along each wave the unit's fields sit.
    """
    x = _centred(as_array(maps, "maps", ndim=3, finite=False))
    kk = as_array(k, "k", shape=(2, 2))
    gx, gy = _grid_coords(x.shape[-1], box_size)
    waves = np.exp(-1j * (kk[:, 0, None, None] * gx + kk[:, 1, None, None] * gy))  # (2, n, n)
    comp = np.einsum("gij,kij->gk", x, waves)
    return np.angle(comp)
