"""Figures for the grid-cell notebooks (04, 05): paths, place cells, training, rate maps, scores."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from scipy import ndimage

from .common import DIVERGING, EXCITATION, INHIBITION, NEUTRAL, SEQUENTIAL, new_figure

__all__ = [
    "trajectories_figure",
    "place_cell_figure",
    "training_curve",
    "plateau_summary",
    "rate_maps_figure",
    "score_histogram",
    "autocorrelogram_figure",
    "decoding_figure",
    "patterns_figure",
]


def _box(ax, box_size: float) -> None:
    h = box_size / 2
    ax.plot([-h, h, h, -h, -h], [-h, -h, h, h, -h], color=NEUTRAL, lw=1.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def trajectories_figure(positions: np.ndarray, box_size: float, n_show: int = 8):
    """A few paths in the box.

    Parameters
    ----------
    positions : ndarray, shape (B, T + 1, 2)
        Positions (m) along each path.
    """
    fig, ax = new_figure(width=5, height=5)
    for p in positions[:n_show]:
        ax.plot(p[:, 0], p[:, 1], lw=1.5)
        ax.plot(p[0, 0], p[0, 1], "o", color=NEUTRAL, ms=4)
    _box(ax, box_size)
    ax.set_title(f"{min(n_show, len(positions))} paths ({positions.shape[1] - 1} steps, start: dot)")
    return fig


def place_cell_figure(distances: np.ndarray, centre: np.ndarray, surround: np.ndarray,
                      centers: np.ndarray, code: np.ndarray, position: np.ndarray, box_size: float):
    """Left: centre, surround and their difference along a line; right: the code of one position.

    Parameters
    ----------
    distances : ndarray, shape (n,)
        Distance from a cell's centre (m).
    centre, surround : ndarray, shape (n,)
        The two Gaussian bumps (normalised to their maxima for the picture).
    centers : ndarray, shape (Np, 2)
    code : ndarray, shape (Np,)
        Place-cell code of ``position``.
    position : ndarray, shape (2,)
    """
    fig, (a, b) = new_figure(2, width=5.2, height=4.4)
    a.plot(distances, centre, color=EXCITATION, lw=2, label="centre")
    a.plot(distances, surround, color=INHIBITION, lw=2, label="surround")
    a.plot(distances, centre - surround, color=NEUTRAL, lw=2.5, label="difference")
    a.axhline(0, color="0.7", lw=1)
    a.set_xlabel("distance from the cell's centre (m)")
    a.set_ylabel("tuning (a.u.)")
    a.set_title("one place cell: centre minus surround")
    a.legend()
    sc = b.scatter(centers[:, 0], centers[:, 1], c=code, s=18, cmap="magma")
    b.plot(*position, "x", color="c", ms=12, mew=3)
    _box(b, box_size)
    fig.colorbar(sc, ax=b, label="p_i(x)", shrink=0.8)
    b.set_title("the code of one position (x)")
    fig.tight_layout()
    return fig


def plateau_summary(steps, cross_entropy, n_place: int, margin: float = 0.02) -> str:
    """What a loss curve shows about the ln(Np) plateau, in a few words.

    The loss has left the plateau at the first logged step from which it stays more than
    ``margin`` nats below ln(Np).
    """
    ce = np.asarray(cross_entropy, dtype=float)
    if ce.size == 0:
        return "no training steps"
    below = ce < np.log(n_place) - margin
    if not below[-1]:
        return f"still on the plateau after {int(steps[-1])} steps"
    first = int(np.flatnonzero(~below)[-1] + 1) if (~below).any() else 0
    return f"left the plateau at step {int(steps[first])}"


def training_curve(history: dict, n_place: int, floor: float | None = None):
    """Cross-entropy against training steps, with the ln(Np) plateau; decoding error beside it.

    Parameters
    ----------
    history : dict
        ``step``, ``cross_entropy`` (nats), ``error`` (m), as returned by ``grid_rnn.train``.
    n_place : int
        Number of place cells Np: predicting the same uniform code everywhere costs ln(Np).
    floor : float, optional
        The entropy of the targets (the lowest cross-entropy possible), drawn if given.
    """
    fig, (a, b) = new_figure(2, width=5.4, height=3.8)
    a.plot(history["step"], history["cross_entropy"], color=NEUTRAL, lw=2)
    a.axhline(np.log(n_place), color=EXCITATION, ls="--", lw=1.5, label=f"ln(Np) = {np.log(n_place):.2f}")
    if floor is not None:
        a.axhline(floor, color=INHIBITION, ls=":", lw=1.5, label="target entropy (best possible)")
    a.set_xlabel("training step")
    a.set_ylabel("cross-entropy (nats)")
    a.legend()
    a.set_title(plateau_summary(history["step"], history["cross_entropy"], n_place))
    b.plot(history["step"], 100 * np.asarray(history["error"]), color=INHIBITION, lw=2)
    b.set_xlabel("training step")
    b.set_ylabel("decoding error (cm)")
    b.set_title("where is the animal?")
    fig.tight_layout()
    return fig


def rate_maps_figure(maps: np.ndarray, scores: np.ndarray | None = None, n_show: int = 24,
                     order: str = "score", ncols: int = 8, seed: int = 0):
    """Rate maps of several units, with their (min-max) grid scores as titles.

    Parameters
    ----------
    maps : ndarray, shape (Ng, n, n)
    scores : ndarray, shape (Ng,), optional
    order : {"score", "random"}
        Show the best-scoring units, or a random sample.
    """
    ng = maps.shape[0]
    if order == "score" and scores is not None:
        idx = np.argsort(-np.nan_to_num(scores, nan=-9))[:n_show]
    else:
        idx = np.random.default_rng(seed).choice(ng, size=min(n_show, ng), replace=False)
    nrows = int(np.ceil(len(idx) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.8 * ncols, 1.85 * nrows), layout="constrained")
    for ax in np.ravel(axes):
        ax.axis("off")
    im = None
    for ax, i in zip(np.ravel(axes), idx, strict=False):  # the last row may have spare axes
        m = maps[i]
        peak = np.nanmax(m) if np.isfinite(m).any() else 0.0
        im = ax.imshow((m / peak if peak > 0 else m).T, origin="lower", cmap=SEQUENTIAL, vmin=0, vmax=1,
                       interpolation="gaussian")
        if scores is not None:
            ax.set_title(f"{scores[i]:.2f}", fontsize=11)
    fig.suptitle("rate maps in the 2.2 m box (title: min-max grid score)" if scores is not None
                 else "rate maps in the 2.2 m box")
    if im is not None:
        fig.colorbar(im, ax=np.ravel(axes).tolist(), fraction=0.02, pad=0.01, label="rate / unit's peak")
    return fig


def score_histogram(scores: np.ndarray, label: str = "min-max grid score", thresholds: Sequence[float] = (0.3, 0.8)):
    """Histogram of grid scores with the usual thresholds and the fraction above each."""
    fig, ax = new_figure(width=6, height=3.8)
    s = np.asarray(scores)
    ax.hist(s[np.isfinite(s)], bins=40, color=NEUTRAL, alpha=0.8)
    for th, col in zip(thresholds, (INHIBITION, EXCITATION), strict=False):
        ax.axvline(th, color=col, ls="--", lw=2, label=f"> {th}: {100 * np.mean(s > th):.0f}% of units")
    ax.set_xlabel(label)
    ax.set_ylabel("units")
    ax.legend()
    return fig


def autocorrelogram_figure(rate_map: np.ndarray, sac: np.ndarray, correlations: dict[int, float], mask: np.ndarray):
    """A rate map, its autocorrelogram, and the autocorrelogram's correlation with its rotations."""

    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8), layout="constrained")
    im = axes[0].imshow(rate_map.T, origin="lower", cmap=SEQUENTIAL)
    fig.colorbar(im, ax=axes[0], fraction=0.046, pad=0.03, label="rate (a.u.)")
    axes[0].set_title("rate map")
    lim = float(np.nanmax(np.abs(sac[mask]))) or 1.0
    norm = TwoSlopeNorm(0.0, -lim, lim)
    axes[1].imshow(np.where(mask, sac, np.nan).T, origin="lower", cmap=DIVERGING, norm=norm)
    axes[1].set_title("autocorrelogram (annulus)")
    im = axes[2].imshow(np.where(mask, ndimage.rotate(sac, 60, reshape=False), np.nan).T, origin="lower",
                        cmap=DIVERGING, norm=norm)
    fig.colorbar(im, ax=axes[1:3].tolist(), fraction=0.03, pad=0.02, label="correlation")
    axes[2].set_title("rotated by 60 deg")
    for ax in axes[:3]:
        ax.set_xticks([])
        ax.set_yticks([])
    ang = sorted(correlations)
    cols = [EXCITATION if a % 60 == 0 else INHIBITION for a in ang]
    axes[3].bar([str(a) for a in ang], [correlations[a] for a in ang], color=cols)
    axes[3].axhline(0, color="0.5", lw=1)
    axes[3].set_xlabel("rotation (deg)")
    axes[3].set_ylabel("correlation")
    axes[3].set_title("60 and 120 high, 30/90/150 low")
    return fig


def decoding_figure(true_paths: np.ndarray, decoded_paths: np.ndarray, box_size: float, error_cm: float):
    """True paths (grey) and the positions decoded from the network's readout (coloured)."""
    fig, ax = new_figure(width=5.4, height=5.4)
    for k, (t, d) in enumerate(zip(true_paths, decoded_paths, strict=True)):
        ax.plot(t[:, 0], t[:, 1], color="0.6", lw=3)
        ax.plot(d[:, 0], d[:, 1], ".-", color=EXCITATION if k % 2 == 0 else INHIBITION, lw=1.2, ms=5)
    _box(ax, box_size)
    ax.set_title(f"true (grey) and decoded paths\nmean error {error_cm:.1f} cm")
    return fig


def patterns_figure(patterns: np.ndarray, titles: Sequence[str], scores: Sequence[float] | None = None):
    """Patterns on the box side by side (e.g. unconstrained vs non-negative optima)."""
    n = len(patterns)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.8))
    for i, (ax, p, t) in enumerate(zip(np.atleast_1d(axes), patterns, titles, strict=True)):
        lim = float(np.max(np.abs(p))) or 1.0
        im = ax.imshow(p.T, origin="lower", cmap=DIVERGING, vmin=-lim, vmax=lim)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label="activity g (a.u.)")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(t + (f"\ngrid score {scores[i]:.2f}" if scores is not None else ""))
    fig.tight_layout()
    return fig
