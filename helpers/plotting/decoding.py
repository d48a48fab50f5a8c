"""Figures of the V4-versus-IT decoding notebook (07)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .common import EXCITATION, INHIBITION, NEUTRAL, new_figure

__all__ = ["REGION_COLOURS", "object_response_maps", "accuracy_by_level_plot", "accuracy_vs_sites_plot"]

#: Colours of the regions and baselines (IT red, V4 blue, models grey).
REGION_COLOURS = {"IT": EXCITATION, "V4": INHIBITION, "HMAX C2": "#8c8c8c", "pixels": "#c7c7c7"}


def _colour(name: str, k: int) -> str:
    return REGION_COLOURS.get(name, plt.rcParams["axes.prop_cycle"].by_key()["color"][k % 10])


def object_response_maps(responses: Mapping[str, np.ndarray], obj: np.ndarray, category: np.ndarray,
                         category_names: Sequence[str], title: str = ""):
    """Mean response of each site to each object, z-scored per site, one panel per region.

    Parameters
    ----------
    responses : dict of region -> (n_images, n_sites)
    obj : (n_images,) object index
    category : (n_images,) category index (-1: unknown), one per object; objects are grouped by it
    category_names : names of the categories, for the axis
    """
    objects = np.unique(obj)
    cat_of = np.array([category[obj == o][0] for o in objects])
    order_obj = np.lexsort((objects, cat_of))
    objects, cat_of = objects[order_obj], cat_of[order_obj]
    fig, axes = new_figure(len(responses), 1, width=5.2, height=4.6, squeeze=False)
    for ax, (name, r) in zip(axes[0], responses.items(), strict=False):
        m = np.stack([r[obj == o].mean(0) for o in objects])  # (objects, sites)
        z = (m - m.mean(0)) / (m.std(0) + 1e-9)
        order = np.argsort(np.argmax(z, axis=0))
        im = ax.imshow(z[:, order], aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest")
        ax.set_title(f"{name}: {r.shape[1]} sites")
        ax.set_xlabel("site (sorted by preferred object)")
        starts = np.flatnonzero(np.r_[True, cat_of[1:] != cat_of[:-1]])
        ends = np.r_[starts[1:], len(cat_of)]
        ax.set_yticks((starts + ends - 1) / 2,
                      [category_names[c] if 0 <= c < len(category_names) else "?" for c in cat_of[starts]])
        for k in starts[1:]:
            ax.axhline(k - 0.5, color="k", lw=0.5)
    fig.colorbar(im, ax=axes[0].tolist(), label="response (z-score over objects)", shrink=0.8)
    if title:
        fig.suptitle(title)
    return fig


def accuracy_by_level_plot(results: Mapping[str, Mapping[str, np.ndarray]], chance: float, title: str = "",
                           ylabel: str = "held-out accuracy"):
    """Accuracy against variation level, one line per representation (error bars: s.e.m.).

    Parameters
    ----------
    results : dict name -> {"levels": (L,), "mean": (L,), "sem": (L,)}; names starting with "V4"
        or "IT" take the region's colour, names containing "new objects" are dashed
    chance : accuracy of guessing
    """
    fig, ax = new_figure(1, 1, width=7.6, height=4.4)
    for k, (name, r) in enumerate(results.items()):
        region = name.split()[0]
        lw = 3 if region in ("V4", "IT") else 1.8
        ax.errorbar(r["levels"], r["mean"], yerr=r.get("sem"), marker="o", lw=lw, capsize=3,
                    color=_colour(region if region in ("V4", "IT") else name, k), label=name,
                    ls="--" if "new objects" in name else "-")
    ax.axhline(chance, ls="--", color=NEUTRAL, lw=1)
    ax.text(ax.get_xlim()[0], chance, " chance", va="bottom", color=NEUTRAL)
    levels = next(iter(results.values()))["levels"]
    ax.set_xticks(levels, [f"V{int(l)}" for l in levels])
    ax.set_xlabel("variation (position, size, pose)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def accuracy_vs_sites_plot(curves: Mapping[str, Mapping[str, np.ndarray]], chance: float, title: str = ""):
    """Accuracy against the number of sites read (log axis), one line per region / level.

    Parameters
    ----------
    curves : dict label -> {"n_sites": (k,), "mean": (k,), "sem": (k,)}; a label starting with
        "IT" or "V4" takes that region's colour, and one ending in "V0" is drawn dashed.
    chance : accuracy of guessing
    """
    fig, ax = new_figure(1, 1, width=5.6, height=4.2)
    for k, (name, c) in enumerate(curves.items()):
        colour = _colour(name.split()[0], k)
        ax.errorbar(c["n_sites"], c["mean"], yerr=c.get("sem"), marker="o", capsize=3, lw=2.5,
                    color=colour, ls="--" if name.endswith("V0") else "-", label=name)
    ax.axhline(chance, ls=":", color=NEUTRAL, lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("number of sites read")
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
