"""Difference-of-softmaxes place cells: the target code of the grid-cell RNN.

Each of ``Np`` place cells has a centre drawn uniformly in the box. The population code of a
position x is a softmax over cells of a narrow Gaussian bump minus a softmax of a wider one
(centre-surround, "DoG"), shifted so that its smallest entry is 0 and renormalised to sum to 1:
a probability distribution over place cells, which the network predicts with a softmax.
Sorscher et al. (2019, 2023) and Schaeffer, Khona & Fiete (2022) found that the surround is
what makes hexagonal grids appear (Gaussian bumps give none) and that the width sets the period.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .trajectories import BOX_SIZE
from .validation import as_array, check_rng, check_scalar

__all__ = [
    "N_PLACE_CELLS",
    "PLACE_CELL_WIDTH",
    "SURROUND_SCALE",
    "DECODE_K",
    "place_cell_centers",
    "place_cell_code",
    "decode_position",
    "dog_spectrum",
    "optimal_pattern",
]

#: Number of place cells, tuning width sigma (m), surround variance ratio, and the number of most
#: active cells averaged to decode a position (Sorscher et al. 2019, reference code).
N_PLACE_CELLS = 512
PLACE_CELL_WIDTH = 0.12
SURROUND_SCALE = 2.0
DECODE_K = 3


def place_cell_centers(
    n_cells: int = N_PLACE_CELLS, box_size: float = BOX_SIZE, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """Centres of ``n_cells`` place cells, uniform in the box.

    Returns
    -------
    ndarray, shape (n_cells, 2)
        Centres (m), in [-box_size/2, box_size/2]^2.
    """
    n_cells = check_scalar(n_cells, "n_cells", int, min_val=1)
    box_size = check_scalar(box_size, "box_size", min_val=0, include_boundaries="neither")
    rng = check_rng(seed)
    return rng.uniform(-box_size / 2, box_size / 2, size=(n_cells, 2))


def _to_torch(x: Any, name: str) -> tuple[torch.Tensor, bool]:
    """Return ``(tensor, was_numpy)``; numpy input is validated and converted to float32."""
    if isinstance(x, torch.Tensor):
        return x.float(), False
    return torch.as_tensor(as_array(x, name), dtype=torch.float32), True


def place_cell_code(
    positions: Any,
    centers: Any,
    width: float = PLACE_CELL_WIDTH,
    surround_scale: float = SURROUND_SCALE,
) -> Any:
    """Difference-of-softmaxes place-cell code of positions.

    Parameters
    ----------
    positions : array_like or torch.Tensor, shape (..., 2)
        Positions (m).
    centers : array_like or torch.Tensor, shape (Np, 2)
        Place-cell centres (m).
    width : float
        Tuning width sigma (m) of the centre.
    surround_scale : float
        Ratio of the surround's variance to the centre's (> 1).

    Returns
    -------
    ndarray or torch.Tensor, shape (..., Np)
        Non-negative code summing to 1 over the last axis (numpy in, numpy out).
    """
    width = check_scalar(width, "width", min_val=0, include_boundaries="neither")
    surround_scale = check_scalar(surround_scale, "surround_scale", min_val=0, include_boundaries="neither")
    pos, was_numpy = _to_torch(positions, "positions")
    cen, _ = _to_torch(centers, "centers")
    if pos.shape[-1] != 2:
        raise ValueError(f"positions must have shape (..., 2), got {tuple(pos.shape)}")
    if cen.ndim != 2 or cen.shape[1] != 2:
        raise ValueError(f"centers must have shape (Np, 2), got {tuple(cen.shape)}")
    cen = cen.to(pos.device)
    flat = pos.reshape(-1, 2)
    # |x - c|^2 expanded into one matrix product, then in-place steps: no (..., Np, 2) intermediate
    d2 = torch.addmm((flat**2).sum(-1, keepdim=True) + (cen**2).sum(-1), flat, cen.T, alpha=-2).clamp_min_(0)
    code = torch.softmax(d2 * (-1 / (2 * width**2)), dim=-1)
    code.sub_(torch.softmax(d2.mul_(-1 / (2 * surround_scale * width**2)), dim=-1))
    code.sub_(code.min(dim=-1, keepdim=True).values)
    code.div_(code.sum(dim=-1, keepdim=True))
    code = code.reshape(*pos.shape[:-1], cen.shape[0])
    return code.numpy().astype(np.float64) if was_numpy else code


def decode_position(activity: Any, centers: Any, k: int = DECODE_K) -> Any:
    """Decode positions as the mean centre of the ``k`` most active place cells.

    Parameters
    ----------
    activity : array_like or torch.Tensor, shape (..., Np)
        Predicted place-cell activity (any monotonic scale: logits or probabilities).
    centers : array_like or torch.Tensor, shape (Np, 2)
        Place-cell centres (m).
    k : int
        Number of most active cells averaged.

    Returns
    -------
    ndarray or torch.Tensor, shape (..., 2)
        Decoded positions (m) (numpy in, numpy out).
    """
    act, was_numpy = _to_torch(activity, "activity")
    cen, _ = _to_torch(centers, "centers")
    if cen.ndim != 2 or cen.shape[1] != 2 or act.shape[-1] != cen.shape[0]:
        raise ValueError(
            f"activity must have shape (..., Np) and centers (Np, 2) with the same Np, got "
            f"{tuple(act.shape)} and {tuple(cen.shape)}"
        )
    k = check_scalar(k, "k", int, min_val=1, max_val=cen.shape[0])
    idx = torch.topk(act, k, dim=-1).indices
    pos = cen.to(act.device)[idx].mean(-2)
    return pos.numpy().astype(np.float64) if was_numpy else pos


def dog_spectrum(k: np.ndarray, width: float = PLACE_CELL_WIDTH, surround_scale: float = SURROUND_SCALE) -> np.ndarray:
    """Fourier transform of one place cell's centre-minus-surround tuning, at spatial frequencies k.

    With dense uniform centres each softmax is a normalised Gaussian, so the tuning's transform
    is exp(-s^2 k^2 / 2) - exp(-ss s^2 k^2 / 2): zero at k = 0, peaked on a ring
    k* = sqrt(2 ln(ss) / ((ss - 1) s^2)) (9.8 rad/m for s = 12 cm, ss = 2).

    Parameters
    ----------
    k : ndarray
        Spatial frequency magnitudes (rad/m).
    """
    k = np.asarray(k, dtype=float)
    return np.exp(-(width**2) * k**2 / 2) - np.exp(-surround_scale * width**2 * k**2 / 2)


def optimal_pattern(
    n_bins: int = 96,
    box_size: float = 2 * BOX_SIZE,
    view_size: float | None = BOX_SIZE,
    width: float = PLACE_CELL_WIDTH,
    surround_scale: float = SURROUND_SCALE,
    nonnegative: bool = True,
    n_iter: int = 400,
    rate: float = 0.5,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """The unit-norm pattern g(x) that best explains the place-cell code: max g^T C g.

    Sorscher et al. (2019): a linear readout of hidden patterns predicts the place-cell code best
    when the patterns span the top eigenvectors of the place-cell covariance C. On a periodic box
    C is a convolution whose spectrum is the squared DoG spectrum, a ring; its top eigenvectors
    are all plane waves on that ring, and nothing prefers any mix of them. Requiring g >= 0
    (firing rates, ReLU) changes this: projected power iteration then settles on three waves
    60 deg apart, a hexagonal lattice.

    Parameters
    ----------
    n_bins : int
        Bins per side of the periodic box.
    box_size : float
        Side of the periodic box (m); larger than the arena so that its periodicity constrains
        the lattice little.
    view_size : float or None
        Return only the central square of this side (m); None: the whole box.
    nonnegative : bool
        Project onto g >= 0 after each step (the ReLU constraint).
    n_iter : int
        Iterations of g <- P(g + rate * C g), normalised.

    Returns
    -------
    ndarray, shape (n, n)
        n = n_bins * view_size / box_size (or n_bins).
    """
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=8)
    rng = check_rng(seed)
    f = np.fft.fftfreq(n_bins, d=box_size / n_bins) * 2 * np.pi
    kk = np.hypot(f[:, None], f[None, :])
    spectrum = dog_spectrum(kk, width, surround_scale) ** 2
    spectrum /= spectrum.max()
    g = rng.normal(size=(n_bins, n_bins))
    for _ in range(n_iter):
        g = g + rate * np.fft.ifft2(np.fft.fft2(g) * spectrum).real
        if nonnegative:
            g = np.maximum(g, 0)
        g /= np.linalg.norm(g)
    if view_size is None:
        return g
    n = int(round(n_bins * check_scalar(view_size, "view_size", min_val=0, include_boundaries="neither") / box_size))
    start = (n_bins - n) // 2
    return g[start : start + n, start : start + n]
