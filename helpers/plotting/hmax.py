"""Figures for the HMAX notebook (06) and the object image set (07)."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .common import EXCITATION, INHIBITION, NEUTRAL

__all__ = [
    "gabor_bank",
    "stimulus_grid",
    "s1_c1_maps",
    "pooling_curves",
    "invariance_plot",
    "decoding_bars",
]


def gabor_bank(filters: Sequence[np.ndarray], sizes: Sequence[int], orientations: Sequence[float]):
    """S1 filters: one column per size (every other size shown), one row per orientation.

    filters : list of arrays (n_orientations, size, size), one per size.
    """
    idx = list(range(0, len(filters), 2))
    n_o = len(orientations)
    fig, axes = plt.subplots(n_o, len(idx), figsize=(1.5 * len(idx), 1.5 * n_o))
    big = max(f.shape[-1] for f in filters)
    for j, k in enumerate(idx):
        for i in range(n_o):
            f = filters[k][i]
            pad = (big - f.shape[-1]) // 2
            lim = np.abs(f).max()
            ax = axes[i, j]
            ax.imshow(np.pad(f, pad), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{sizes[k]} px")
            if j == 0:
                ax.set_ylabel(f"{orientations[i]:.0f}\N{DEGREE SIGN}")
    fig.suptitle("S1 Gabor filters (red > 0, blue < 0), drawn at their size")
    fig.tight_layout()
    return fig


def stimulus_grid(images: np.ndarray, labels: Sequence[str] | None = None, ncols: int = 8, title: str = ""):
    """A grid of grey images, ``images`` (N, H, W) in [0, 1], with optional labels."""
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.7 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap="gray", vmin=0, vmax=1)
            if labels is not None:
                ax.set_title(labels[k], fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def s1_c1_maps(image: np.ndarray, s1: np.ndarray, c1: np.ndarray, orientations: Sequence[float],
               title: str = ""):
    """An image with the S1 maps (4, H, W) of one size and the C1 maps (4, h, w) of its band."""
    n_o = len(orientations)
    fig, axes = plt.subplots(2, n_o + 1, figsize=(2.6 * (n_o + 1), 5.4))
    axes[0, 0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title("image")
    axes[1, 0].axis("off")
    vmax = max(s1.max(), 1e-9)
    for i, o in enumerate(orientations):
        axes[0, i + 1].imshow(s1[i], cmap="magma", vmin=0, vmax=vmax)
        axes[0, i + 1].set_title(f"S1 {o:.0f}\N{DEGREE SIGN}")
        axes[1, i + 1].imshow(c1[i], cmap="magma", vmin=0, vmax=vmax)
        axes[1, i + 1].set_title(f"C1 {o:.0f}\N{DEGREE SIGN} ({c1.shape[-2]}x{c1.shape[-1]})")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def pooling_curves(res: dict[str, dict[str, np.ndarray]]):
    """Max (red) versus sum (blue) pooling: translation, scale and clutter (three panels)."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    t = res["translation"]
    ax = axes[0]
    ax.plot(t["x"], t["s1"], color=NEUTRAL, ls=":", marker=".", label="S1 unit at the centre")
    ax.plot(t["x"], t["max"], color=EXCITATION, lw=2.5, label="complex cell, max")
    ax.plot(t["x"], t["sum"], color=INHIBITION, lw=1.5, ls="--", label="complex cell, sum")
    ax.set_xlabel("bar position (px)")
    ax.set_ylabel("response / response to centred bar")
    ax.set_title("translation")
    ax.legend(fontsize=9)
    s = res["scale"]
    ax = axes[1]
    ax.plot(s["length"], s["max"], color=EXCITATION, lw=2.5, marker="o", label="max")
    ax.plot(s["length"], s["sum"], color=INHIBITION, lw=2, marker="s", label="sum")
    ax.set_xlabel("bar length (px)")
    ax.set_title("scale")
    ax.legend()
    c = res["clutter"]
    ax = axes[2]
    ax.plot(c["distractors"], c["max"], color=EXCITATION, lw=2.5, marker="o", label="max")
    ax.plot(c["distractors"], c["sum"], color=INHIBITION, lw=2, marker="s", label="sum")
    ax.set_xlabel("number of distractors")
    ax.set_xticks(c["distractors"])
    ax.set_title("preferred bar + distractors")
    ax.legend()
    for ax in axes:
        ax.axhline(1.0, color="0.7", lw=0.8, zorder=0)
    fig.tight_layout()
    return fig


def invariance_plot(curves: dict[str, np.ndarray]):
    """Correlation with the centred object's features against shift, per layer."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    colours = {"S1": NEUTRAL, "C1": INHIBITION, "C2": EXCITATION}
    for layer in ("S1", "C1", "C2"):
        ax.plot(curves["shift"], curves[layer], marker="o", lw=2, color=colours[layer], label=layer)
    ax.set_xlabel("horizontal shift of the object (px)")
    ax.set_ylabel("correlation with the centred object")
    ax.set_ylim(min(0.0, np.nanmin([curves[k] for k in colours]) - 0.05), 1.05)
    ax.set_title("invariance grows along the hierarchy")
    ax.legend()
    fig.tight_layout()
    return fig


def decoding_bars(acc: dict[str, Sequence[float]], levels: Sequence[int], chance: float):
    """Cross-validated accuracy per variation level for each feature set (dict name -> values)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    names = list(acc)
    width = 0.8 / len(names)
    colours = [NEUTRAL, EXCITATION, INHIBITION, "#2ca02c"]
    x = np.arange(len(levels))
    for i, name in enumerate(names):
        ax.bar(x + (i - (len(names) - 1) / 2) * width, acc[name], width, label=name, color=colours[i % 4])
    ax.axhline(chance, color="0.4", ls="--", lw=1, label="chance")
    ax.set_xticks(x, [f"V{l}" for l in levels])
    ax.set_xlabel("variation level")
    ax.set_ylabel("category accuracy (cross-validated)")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    return fig
