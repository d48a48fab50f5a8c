"""HMAX: a hierarchy of template matching (S) and max pooling (C) layers.

The model of Riesenhuber & Poggio (1999), in the form of Serre, Wolf, Bileschi, Riesenhuber &
Poggio (2007, IEEE PAMI 29:411, table 1) and Serre, Oliva & Poggio (2007, PNAS 104:6424):

* **S1** -- Gabor filters at 4 orientations and 16 sizes (7..37 px); the response is
  ``|image * filter| / sqrt(local sum of image^2)`` (simple cells).
* **C1** -- max over the two sizes of a band, then max over N x N neighbourhoods every N/2 px
  (complex cells: tolerance to position and scale).
* **S2** -- radial-basis units ``exp(-||X - P||^2 / (2 sigma^2))`` comparing every C1 patch X with
  stored prototypes P (4 x 4 ... 16 x 16 x 4 orientations), sampled from C1 maps of natural images.
* **C2** -- global max of each S2 prototype map over positions and bands (invariant features).

Implementation notes. Convolutions are batched in the Fourier domain (torch.fft): S1 is one
transform per image and one inverse transform per filter; S2 uses the expansion
``||X - P||^2 = ||X||^2 - 2 X.P + ||P||^2`` where ``X.P`` is a correlation computed with FFTs and
``||X||^2`` is a box sum from an integral image. Orientation angles are those of the preferred
bar, in degrees counter-clockwise from horizontal (0 = horizontal bar, 90 = vertical bar).

Related modules: :mod:`helpers.hmax_experiments` (notebook 06's max-versus-sum pooling and
invariance experiments), :mod:`helpers.hmax_patch_set` (Serre's MATLAB prototypes) and
:mod:`helpers.decoding` (the linear readout of C2 features).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import validation as val
from .paths import CACHE_DIR
from .stimuli import natural_images

__all__ = [
    "ORIENTATIONS",
    "S1_SIZES",
    "GAMMA",
    "SIGMA_PER_LAMBDA",
    "C1_POOL",
    "C1_STEP",
    "PATCH_SIZES",
    "N_PER_SIZE",
    "S2_SIGMA",
    "PROTOTYPE_BAND",
    "s1_parameters",
    "gabor_filter",
    "filter_bank",
    "c1_pool",
    "c1_sizes",
    "HMAX",
    "sample_prototypes",
    "default_prototypes",
]

# --- Serre et al. 2007 (IEEE PAMI, table 1) -------------------------------------------------
#: S1 orientations, degrees (orientation of the preferred bar).
ORIENTATIONS: tuple[float, ...] = (0.0, 45.0, 90.0, 135.0)
#: S1 receptive-field sizes, px: 7, 9, ..., 37 (two per band, 8 bands).
S1_SIZES: tuple[int, ...] = tuple(range(7, 38, 2))
#: Spatial aspect ratio of the Gabor envelope.
GAMMA = 0.3
#: sigma = 0.8 lambda.
SIGMA_PER_LAMBDA = 0.8
#: C1 pooling grid N (px of S1) per band; C1 units are placed every N / 2 px.
C1_POOL: tuple[int, ...] = (8, 10, 12, 14, 16, 18, 20, 22)
C1_STEP: tuple[int, ...] = tuple(n // 2 for n in C1_POOL)
#: S2 prototype sizes (C1 units per side; each covers the 4 orientations).
PATCH_SIZES: tuple[int, ...] = (4, 8, 12, 16)
#: Prototypes per size in Serre's public code (the "universal patch set" has 400).
N_PER_SIZE = 250
#: Width of the S2 radial-basis tuning.
S2_SIGMA = 1.0
#: Prototypes are sampled from C1 maps of this band (1-based, as in the paper).
PROTOTYPE_BAND = 2
# ---------------------------------------------------------------------------------------------


def s1_parameters() -> list[dict[str, float]]:
    """Parameters of the 16 S1 filter sizes (Serre et al. 2007, table 1).

    Returns
    -------
    list of dict
        One dict per size with keys ``band`` (1..8), ``size`` (px), ``lambda`` (wavelength, px)
        and ``sigma`` (envelope width, px): ``lambda = 2 size / (4 - 0.05 k)`` for the k-th size
        (k = 0..15) and ``sigma = 0.8 lambda``.
    """
    out = []
    for k, size in enumerate(S1_SIZES):
        lam = 2.0 * size / (4.0 - 0.05 * k)
        out.append({"band": k // 2 + 1, "size": size, "lambda": lam, "sigma": SIGMA_PER_LAMBDA * lam})
    return out


def gabor_filter(
    size: int, wavelength: float, sigma: float, orientation: float, gamma: float = GAMMA
) -> np.ndarray:
    """One S1 Gabor filter (Serre et al. 2007).

    ``G(x, y) = exp(-(u^2 + gamma^2 v^2) / (2 sigma^2)) cos(2 pi u / lambda)`` where ``u`` runs
    across the preferred bar and ``v`` along it; then set to zero outside the disk of radius
    ``size / 2``, made zero-mean on that disk and scaled to unit Euclidean norm. (Serre's code
    subtracts the mean over the whole square, which leaves a small constant outside the disk;
    here the filter is exactly zero there.)

    Parameters
    ----------
    size : int
        Side of the square filter, px (odd).
    wavelength : float
        lambda, px.
    sigma : float
        Envelope width, px.
    orientation : float
        Orientation of the preferred bar, degrees counter-clockwise from horizontal.
    gamma : float
        Aspect ratio of the envelope (elongated along the bar for gamma < 1).

    Returns
    -------
    numpy.ndarray, shape (size, size)
        Rows run downwards (image convention).
    """
    size = val.check_scalar(size, "size", int, min_val=1)
    wavelength = val.check_scalar(wavelength, "wavelength", min_val=0, include_boundaries="neither")
    sigma = val.check_scalar(sigma, "sigma", min_val=0, include_boundaries="neither")
    gamma = val.check_scalar(gamma, "gamma", min_val=0, include_boundaries="neither")
    if isinstance(orientation, bool) or not np.isscalar(orientation):
        raise TypeError(f"orientation must be a number of degrees, got {orientation!r}")
    theta = np.deg2rad(float(orientation))
    r = np.arange(size) - (size - 1) / 2.0
    x = r[None, :]  # columns, rightwards
    y = -r[:, None]  # rows, upwards
    u = -x * np.sin(theta) + y * np.cos(theta)  # across the bar
    v = x * np.cos(theta) + y * np.sin(theta)  # along the bar
    g = np.exp(-(u**2 + gamma**2 * v**2) / (2 * sigma**2)) * np.cos(2 * np.pi * u / wavelength)
    disk = (x**2 + y**2) <= (size / 2.0) ** 2
    g = np.where(disk, g, 0.0)
    g[disk] -= g[disk].mean()
    return g / np.sqrt(np.sum(g**2))


def filter_bank(orientations: Sequence[float] = ORIENTATIONS) -> list[np.ndarray]:
    """All S1 filters: a list of 16 arrays of shape (n_orientations, size, size)."""
    return [
        np.stack([gabor_filter(p["size"], p["lambda"], p["sigma"], o) for o in orientations])
        for p in s1_parameters()
    ]


def c1_sizes(height: int, width: int | None = None) -> list[tuple[int, int]]:
    """(rows, columns) of the C1 maps of each band for an image of ``height`` x ``width`` px."""
    width = height if width is None else width
    return [(-(-height // s), -(-width // s)) for s in C1_STEP]


def c1_pool(s1_pair: Any, pool: int, step: int) -> np.ndarray:
    """C1 operation on one band: max over the two S1 sizes, then over pool x pool windows.

    Windows start at rows/columns 0, step, 2 step, ... and extend ``pool`` px to the right and
    down (truncated at the image border, as in Serre's code), so an H-px side gives
    ``ceil(H / step)`` C1 units.

    Parameters
    ----------
    s1_pair : array_like, shape (2, ..., H, W)
        S1 responses of the band's two filter sizes (any leading axes, e.g. orientation).
    pool, step : int
        Pooling window and spacing, px.

    Returns
    -------
    numpy.ndarray, shape (..., ceil(H / step), ceil(W / step))
    """
    s = val.as_array(s1_pair, "s1_pair", dtype=np.float32)
    if s.ndim < 3 or s.shape[0] != 2:
        raise ValueError(f"s1_pair must have shape (2, ..., H, W), got {s.shape}")
    pool = val.check_scalar(pool, "pool", int, min_val=1)
    step = val.check_scalar(step, "step", int, min_val=1)
    t = torch.from_numpy(np.ascontiguousarray(s.max(axis=0)))
    lead = t.shape[:-2]
    t = t.reshape(1, -1, *t.shape[-2:])
    out = _max_pool(t, pool, step)
    return out.reshape(*lead, *out.shape[-2:]).numpy()


def _max_pool(t: torch.Tensor, pool: int, step: int) -> torch.Tensor:
    """Max over pool x pool windows every step px, windows truncated at the right/bottom border.

    Responses are >= 0, so zero padding equals truncation. When pool = 2 step (the C1 table),
    each window is the union of two step-wide blocks: one max per block, then of neighbours.
    """
    h, w = t.shape[-2:]
    n_h, n_w = -(-h // step), -(-w // step)
    if pool != 2 * step:
        t = F.pad(t, (0, pool - 1, 0, pool - 1))
        t = F.max_pool2d(t, (pool, 1), stride=(step, 1))  # separable: rows, then columns
        return F.max_pool2d(t, (1, pool), stride=(1, step))
    t = F.pad(t, (0, (n_w + 1) * step - w, 0, (n_h + 1) * step - h))
    lead = t.shape[:-2]
    r = t.reshape(*lead, n_h + 1, step, t.shape[-1]).amax(-2)
    r = torch.maximum(r[..., :-1, :], r[..., 1:, :])
    c = r.reshape(*lead, n_h, n_w + 1, step).amax(-1)
    return torch.maximum(c[..., :-1], c[..., 1:])


def _fast_len(n: int) -> int:
    """Smallest integer >= n whose prime factors are 2, 3 and 5 (fast FFT sizes)."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _as_images(images: Any) -> np.ndarray:
    arr = val.as_array(images, "images", dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(
            f"images must be a grey-level image (H, W) or a batch (B, H, W), got shape {arr.shape}"
        )
    if min(arr.shape[1:]) < 16:
        raise ValueError(f"images must be at least 16 x 16 px, got {arr.shape[1]} x {arr.shape[2]}")
    return arr


@dataclass
class _S1Spectra:
    fft_h: int
    fft_w: int
    spectra: torch.Tensor  # (16 * n_orient, fft_h, fft_w // 2 + 1) float32 (real spectra)


class HMAX:
    """The four-layer HMAX model with fixed S1 filters and S2 prototypes.

    Parameters
    ----------
    prototypes : list of array_like, optional
        S2 prototypes, one array of shape (n_patches, 4, n, n) per patch size n. Default:
        :func:`default_prototypes` (``N_PER_SIZE`` per size, seed 0, cached).
    sigma : float
        Width of the S2 radial-basis tuning (``S2_SIGMA``).
    s2_padding : {"same", "valid"}
        "valid" (default): S2 units only where the prototype lies inside the C1 map; "same"
        (Serre's code): a unit at every C1 position, the patch zero-padded where it overhangs
        the border (about 4x the S2 work).
    border : {"replicate", "zero"}
        How S1 sees beyond the image edge. "zero" (Serre's code) makes the image border an
        edge that every S1 unit near it responds to; "replicate" (default) repeats the edge
        pixels, so only the image content drives S1.

    Examples
    --------
    >>> model = HMAX()
    >>> feats = model.c2(images)            # (B, n_prototypes) C2 features in (0, 1]
    >>> c1 = model.c1(images)               # 8 arrays (B, 4, rows, cols)
    """

    def __init__(
        self,
        prototypes: Sequence[Any] | None = None,
        sigma: float = S2_SIGMA,
        s2_padding: str = "valid",
        border: str = "replicate",
    ) -> None:
        self.sigma = val.check_scalar(sigma, "sigma", min_val=0, include_boundaries="neither")
        if s2_padding not in ("same", "valid"):
            raise ValueError(f"s2_padding must be 'same' or 'valid', got {s2_padding!r}")
        self.s2_padding = s2_padding
        if border not in ("replicate", "zero"):
            raise ValueError(f"border must be 'replicate' or 'zero', got {border!r}")
        self.border = border
        self.orientations = ORIENTATIONS
        self._filters = filter_bank(ORIENTATIONS)
        self._s1_cache: dict[tuple[int, int], _S1Spectra] = {}
        self._s2_cache: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self._prototypes: list[np.ndarray] | None = None
        if prototypes is not None:
            self.prototypes = prototypes

    # ----------------------------------------------------------------- prototypes
    @property
    def prototypes(self) -> list[np.ndarray]:
        """S2 prototypes, one array (n_patches, 4, n, n) per size (loaded lazily)."""
        if self._prototypes is None:
            self.prototypes = default_prototypes()
        return self._prototypes  # type: ignore[return-value]

    @prototypes.setter
    def prototypes(self, protos: Sequence[Any]) -> None:
        if isinstance(protos, np.ndarray) or not isinstance(protos, (list, tuple)) or not protos:
            raise TypeError("prototypes must be a non-empty list of arrays (n_patches, 4, n, n)")
        out = []
        for i, p in enumerate(protos):
            a = val.as_array(p, f"prototypes[{i}]", ndim=4, dtype=np.float32)
            if a.shape[1] != len(ORIENTATIONS) or a.shape[2] != a.shape[3] or a.shape[0] < 1:
                raise ValueError(
                    f"prototypes[{i}] must have shape (n_patches, {len(ORIENTATIONS)}, n, n), "
                    f"got {a.shape}"
                )
            out.append(a)
        self._prototypes = out
        self._s2_cache.clear()

    @property
    def n_features(self) -> int:
        """Number of C2 features (total number of prototypes)."""
        return int(sum(p.shape[0] for p in self.prototypes))

    # ----------------------------------------------------------------- S1 and C1
    def _s1_spectra(self, h: int, w: int) -> _S1Spectra:
        key = (h, w)
        if key not in self._s1_cache:
            half = max(S1_SIZES) // 2
            fh, fw = _fast_len(h + 2 * half), _fast_len(w + 2 * half)
            kern = torch.zeros(len(S1_SIZES) * len(ORIENTATIONS), fh, fw)
            for i, bank in enumerate(self._filters):
                c = bank.shape[-1] // 2
                for j, f in enumerate(bank):
                    # filter centre at (0, 0), negative offsets wrapped to the end
                    k = torch.zeros(fh, fw)
                    k[: f.shape[0], : f.shape[1]] = torch.from_numpy(f.astype(np.float32))
                    kern[i * len(ORIENTATIONS) + j] = torch.roll(k, (-c, -c), dims=(0, 1))
            # the filters are point-symmetric about their centre, so their spectra are real
            spectra = torch.fft.rfft2(kern).real.contiguous()
            self._s1_cache[key] = _S1Spectra(fh, fw, spectra)
        return self._s1_cache[key]

    def _s1_band(self, xf: torch.Tensor, spec: _S1Spectra, band: int, h: int, w: int,
                 norms: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """S1 maps (B, 4, H, W) of the band's two filter sizes, from the padded image's spectra."""
        n_o = len(ORIENTATIONS)
        half = max(S1_SIZES) // 2
        sl = slice(2 * band * n_o, (2 * band + 2) * n_o)
        prod = torch.view_as_real(xf)[:, None] * spec.spectra[None, sl, :, :, None]
        resp = torch.fft.irfft2(torch.view_as_complex(prod), s=(spec.fft_h, spec.fft_w))
        resp = resp[..., half : half + h, half : half + w].abs()
        return (resp[:, :n_o] / norms[2 * band][:, None], resp[:, n_o:] / norms[2 * band + 1][:, None])

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        """The images padded by the largest filter's half-width (replicated or zero border)."""
        half = max(S1_SIZES) // 2
        mode = "replicate" if self.border == "replicate" else "constant"
        return F.pad(x[:, None], (half, half, half, half), mode=mode)[:, 0]

    def _s1_norms(self, xp: torch.Tensor, h: int, w: int) -> list[torch.Tensor]:
        """sqrt(local sum of image^2) over each filter's square, (B, H, W) per size, from the
        padded images xp (B, H + 2 half, W + 2 half)."""
        half = max(S1_SIZES) // 2
        c = F.pad((xp * xp).cumsum(-1).cumsum(-2), (1, 0, 1, 0))
        out = []
        for size in S1_SIZES:
            o = half - size // 2  # window of rows i - size//2 .. i + size//2
            box = (
                c[..., o + size : o + size + h, o + size : o + size + w]
                - c[..., o : o + h, o + size : o + size + w]
                - c[..., o + size : o + size + h, o : o + w]
                + c[..., o : o + h, o : o + w]
            )
            norm = box.clamp_min(0).sqrt()
            out.append(torch.where(norm > 1e-6, norm, torch.ones_like(norm)))
        return out

    def _run_s1_c1(self, x: torch.Tensor, keep_s1: bool = False, chunk: int = 4):
        """C1 maps (list of 8 (B, 4, rows, cols)) and, if asked, the 16 S1 maps (B, 4, H, W).

        Works on a few images at a time and one band at a time so that the Fourier-domain
        arrays stay in the processor's cache.
        """
        b, h, w = x.shape
        spec = self._s1_spectra(h, w)
        c1: list[list[torch.Tensor]] = [[] for _ in C1_POOL]
        s1: list[list[torch.Tensor]] = [[] for _ in S1_SIZES]
        for start in range(0, b, chunk):
            xp = self._pad(x[start : start + chunk])
            xf = torch.fft.rfft2(xp, s=(spec.fft_h, spec.fft_w))
            norms = self._s1_norms(xp, h, w)
            for band in range(len(C1_POOL)):
                a, bb = self._s1_band(xf, spec, band, h, w, norms)
                if keep_s1:
                    s1[2 * band].append(a)
                    s1[2 * band + 1].append(bb)
                c1[band].append(_max_pool(torch.maximum(a, bb), C1_POOL[band], C1_STEP[band]))
        return [torch.cat(c) for c in c1], ([torch.cat(s) for s in s1] if keep_s1 else None)

    def s1(self, images: Any) -> list[np.ndarray]:
        """S1 responses: 16 arrays (B, 4, H, W), one per filter size, values in [0, 1]."""
        x = torch.from_numpy(_as_images(images))
        with torch.no_grad():
            return [s.numpy() for s in self._run_s1_c1(x, keep_s1=True)[1]]

    def c1(self, images: Any) -> list[np.ndarray]:
        """C1 responses: 8 arrays (B, 4, rows_b, cols_b), one per band (see :func:`c1_sizes`)."""
        x = torch.from_numpy(_as_images(images))
        with torch.no_grad():
            return [c.numpy() for c in self._run_s1_c1(x)[0]]

    # ----------------------------------------------------------------- S2 and C2
    def _proto_weights(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per size: convolution weights -2 P (P, 4, n, n) and biases ||P||^2 (P,)."""
        key = id(self._prototypes)
        if key not in self._s2_cache:
            self._s2_cache.clear()
            self._s2_cache[key] = [
                (torch.from_numpy(-2.0 * p),
                 torch.from_numpy((p.astype(np.float64) ** 2).sum((1, 2, 3)).astype(np.float32)))
                for p in self.prototypes
            ]
        return self._s2_cache[key]

    def _s2_band(self, c1: torch.Tensor, clamp: bool = True) -> list[torch.Tensor | None]:
        """Squared distances ||X - P||^2 on one band: per size (B, P, rows, cols), or None
        where the prototype does not fit (``s2_padding="valid"``)."""
        sq = (c1 * c1).sum(1, keepdim=True)
        out: list[torch.Tensor | None] = []
        for weight, bias in self._proto_weights():
            n = weight.shape[-1]
            x, xs = c1, sq
            if self.s2_padding == "same":
                pad = (n // 2, n - 1 - n // 2, n // 2, n - 1 - n // 2)
                x, xs = F.pad(c1, pad), F.pad(sq, pad)
            if min(x.shape[-2:]) < n:
                out.append(None)
                continue
            # ||X - P||^2 = ||X||^2 - 2 X.P + ||P||^2, the middle term as a convolution
            d2 = F.conv2d(x, weight, bias)
            d2 += F.avg_pool2d(xs, n, stride=1) * float(n * n)
            out.append(d2.clamp_min_(0) if clamp else d2)
        return out

    def s2(self, images: Any) -> list[list[np.ndarray | None]]:
        """S2 responses ``exp(-||X - P||^2 / (2 sigma^2))``.

        Returns
        -------
        list (bands) of list (patch sizes) of numpy.ndarray, shape (B, n_patches, rows, cols)
            None where a patch does not fit the band (``s2_padding="valid"`` only).
            Memory grows as B x prototypes x positions: use it on a few images.
        """
        x = torch.from_numpy(_as_images(images))
        with torch.no_grad():
            c1 = self._run_s1_c1(x)[0]
            return [
                [None if d is None else torch.exp(-d / (2 * self.sigma**2)).numpy()
                 for d in self._s2_band(c)]
                for c in c1
            ]

    def c2_distance(self, images: Any, batch_size: int = 16) -> np.ndarray:
        """Smallest squared distance of every prototype over positions and bands, (B, P)."""
        arr = _as_images(images)
        batch_size = val.check_scalar(batch_size, "batch_size", int, min_val=1)
        out = []
        with torch.no_grad():
            for start in range(0, arr.shape[0], batch_size):
                x = torch.from_numpy(arr[start : start + batch_size])
                best: list[torch.Tensor | None] = [None] * len(self.prototypes)
                for c in self._run_s1_c1(x)[0]:
                    for i, d in enumerate(self._s2_band(c, clamp=False)):
                        if d is None:
                            continue
                        m = d.amin(dim=(-2, -1)).clamp_min_(0)
                        best[i] = m if best[i] is None else torch.minimum(best[i], m)
                if any(m is None for m in best):
                    raise ValueError("a prototype size does not fit any C1 band of these images")
                out.append(torch.cat(best, dim=1))  # type: ignore[arg-type]
        return torch.cat(out).numpy()

    def c2(self, images: Any, batch_size: int = 16) -> np.ndarray:
        """C2 features: global max of each S2 unit, ``exp(-min ||X - P||^2 / (2 sigma^2))``.

        Parameters
        ----------
        images : array_like, shape (B, H, W) or (H, W)
            Grey-level images (any range: S1 divides by the local image energy).
        batch_size : int
            Images per batch (memory grows linearly with it).

        Returns
        -------
        numpy.ndarray, shape (B, n_prototypes), float32, values in (0, 1]
        """
        d2 = self.c2_distance(images, batch_size=batch_size)
        return np.exp(-d2.astype(np.float64) / (2 * self.sigma**2)).astype(np.float32)


# --------------------------------------------------------------------- prototypes
def sample_prototypes(
    images: Any,
    n_per_size: int = N_PER_SIZE,
    sizes: Sequence[int] = PATCH_SIZES,
    band: int = PROTOTYPE_BAND,
    seed: Any = 0,
    model: HMAX | None = None,
) -> list[np.ndarray]:
    """Sample S2 prototypes at random from C1 maps of natural images (Serre et al. 2007).

    Parameters
    ----------
    images : array_like, shape (B, H, W)
        Grey-level natural images.
    n_per_size : int
        Prototypes per patch size.
    sizes : sequence of int
        Patch sizes in C1 units.
    band : int
        C1 band (1..8) to sample from.
    seed : int or numpy.random.Generator

    Returns
    -------
    list of numpy.ndarray, shape (n_per_size, 4, n, n) per size, float32
    """
    arr = _as_images(images)
    n_per_size = val.check_scalar(n_per_size, "n_per_size", int, min_val=1)
    band = val.check_scalar(band, "band", int, min_val=1, max_val=len(C1_POOL))
    rng = val.check_rng(seed)
    c1 = (model or HMAX()).c1(arr)[band - 1]  # (B, 4, h, w)
    h, w = c1.shape[-2:]
    out = []
    for n in sizes:
        n = val.check_scalar(n, "sizes[i]", int, min_val=1)
        if n > min(h, w):
            raise ValueError(f"patch size {n} exceeds the band-{band} C1 map ({h} x {w})")
        img = rng.integers(0, arr.shape[0], n_per_size)
        r = rng.integers(0, h - n + 1, n_per_size)
        c = rng.integers(0, w - n + 1, n_per_size)
        out.append(np.stack([c1[i, :, y : y + n, x : x + n] for i, y, x in zip(img, r, c, strict=True)]))
    return out


def _prototype_file(n_per_size: int, sizes: Sequence[int], seed: int, image_size: int) -> Path:
    key = f"v1-{n_per_size}-{'_'.join(map(str, sizes))}-{seed}-{image_size}-{PROTOTYPE_BAND}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return CACHE_DIR / f"hmax_prototypes_{digest}.npz"


def default_prototypes(
    n_per_size: int = N_PER_SIZE,
    sizes: Sequence[int] = PATCH_SIZES,
    seed: int = 0,
    image_size: int = 128,
    cache: bool = True,
) -> list[np.ndarray]:
    """Prototypes sampled from the natural images shipped with scikit-image, cached on disk.

    The images (see :func:`helpers.stimuli.natural_images`) are cropped square and resized to
    ``image_size`` px; prototypes come from their band-2 C1 maps. The result is cached in
    ``helpers.paths.CACHE_DIR`` and regenerated, identically, when the file is missing or
    unreadable.

    Returns
    -------
    list of numpy.ndarray, shape (n_per_size, 4, n, n) per size
    """
    n_per_size = val.check_scalar(n_per_size, "n_per_size", int, min_val=1)
    seed = val.check_scalar(seed, "seed", int, min_val=0)
    image_size = val.check_scalar(image_size, "image_size", int, min_val=64)
    sizes = tuple(int(s) for s in sizes)
    path = _prototype_file(n_per_size, sizes, seed, image_size)
    if cache and path.exists():
        try:
            with np.load(path) as z:
                protos = [z[f"size_{n}"] for n in sizes]
            if all(p.shape == (n_per_size, len(ORIENTATIONS), n, n) for p, n in zip(protos, sizes, strict=True)):
                return protos
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache: regenerate below
    protos = sample_prototypes(natural_images(image_size), n_per_size, sizes, seed=seed)
    if cache:
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        try:  # a read-only cache folder (as while grading) only costs regeneration next time
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, **{f"size_{n}": p for n, p in zip(sizes, protos, strict=True)})
            tmp.replace(path)
        except OSError:
            pass
    return protos
