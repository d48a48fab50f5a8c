"""Figures of the task-driven ventral-stream notebook (08)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from .common import NEUTRAL, new_figure
from .decoding import REGION_COLOURS

__all__ = ["LEVEL_COLOURS", "category_learning_curve", "depth_figure", "predictivity_figure"]

#: One colour per variation level, light (V0) to dark (V6).
LEVEL_COLOURS = {0: "#9ecae1", 3: "#4292c6", 6: "#08306b"}
_BASELINE_COLOUR = "#8c8c8c"


def _level_colour(level: int) -> str:
    return LEVEL_COLOURS.get(int(level), NEUTRAL)


def category_learning_curve(history: Mapping[str, Any], chance: float, title: str = ""):
    """Training loss per step (and its running mean) and the readout's held-out accuracy per level.

    Parameters
    ----------
    history : dict
        From :func:`helpers.ventral_cnn.train`: ``step``, ``loss``, ``check_step``,
        ``check_accuracy`` {level: list}, ``seconds``.
    chance : float
        Accuracy of guessing.
    """
    fig, (ax_l, ax_a) = new_figure(2, 1, width=5.0, height=3.6)
    steps, loss = np.asarray(history["step"]), np.asarray(history["loss"])
    ax_l.plot(steps, loss, color="#c6dbef", lw=0.8, label="each batch")
    if len(loss) >= 5:
        k = max(5, len(loss) // 20)
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        ax_l.plot(steps[k - 1 :], smooth, color="#08306b", lw=2, label=f"mean of {k}")
    ax_l.axhline(np.log(1 / chance), ls=":", color=NEUTRAL, lw=1, label=f"chance (log {1 / chance:.0f})")
    ax_l.set_xlabel("training step")
    ax_l.set_ylabel("cross-entropy (nats)")
    ax_l.set_title("training loss (fresh images)")
    ax_l.legend(loc="center right")
    for level, acc in history.get("check_accuracy", {}).items():
        ax_a.plot(history["check_step"], acc, marker="o", lw=2, color=_level_colour(level), label=f"V{level}")
    ax_a.axhline(chance, ls=":", color=NEUTRAL, lw=1)
    ax_a.set_ylim(0, 1.02)
    ax_a.set_xlabel("training step")
    ax_a.set_ylabel("readout accuracy")
    ax_a.set_title("held-out objects")
    ax_a.legend(loc="upper left", title="variation")
    fig.suptitle(title or f"{history.get('steps', len(steps))} steps in {history.get('seconds', 0):.0f} s")
    fig.tight_layout()
    return fig


def _order(names: Sequence[str], baselines: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """x positions: the baselines, then the layers (shared by the networks); network -> its names."""
    nets: dict[str, list[str]] = {}
    for n in names:
        if n not in baselines:
            net, layer = n.split(" ", 1)
            nets.setdefault(net, []).append(layer)
    layers = next(iter(nets.values()), [])
    return list(baselines) + layers, nets


def depth_figure(results: Mapping[str, Mapping[str, Mapping[str, np.ndarray]]], chance: Mapping[str, float],
                 baselines: Sequence[str] = ("pixels", "HMAX C1", "HMAX C2"), titles: Mapping[str, str] | None = None):
    """Decoding accuracy along the hierarchy: one panel per task, one colour per variation level.

    Parameters
    ----------
    results : dict task -> name -> {"levels", "mean", "sem"}
        Names are the baselines and ``"<network> <layer>"`` (e.g. "trained conv3", "random conv3").
        The first network is drawn solid, the others dashed; the baselines in grey tones.
    chance : dict task -> accuracy of guessing
    """
    titles = dict(titles or {})
    fig, axes = new_figure(len(results), 1, width=5.6, height=4.4, squeeze=False)
    for ax, (task, res) in zip(axes[0], results.items(), strict=True):
        xnames, nets = _order(list(res), [b for b in baselines if b in res])
        x_of = {n: i for i, n in enumerate(xnames)}
        levels = next(iter(res.values()))["levels"]
        nb = len([b for b in baselines if b in res])
        for li, level in enumerate(levels):
            c = _level_colour(level)
            xb = [x_of[b] for b in baselines if b in res]
            ax.plot(xb, [res[b]["mean"][li] for b in baselines if b in res], marker="s", ms=6, color=c, lw=1.2,
                    ls=":", alpha=0.9)
            for k, (net, layers) in enumerate(nets.items()):
                m = [res[f"{net} {l}"]["mean"][li] for l in layers]
                ax.plot([x_of[l] for l in layers], m, marker="o", lw=2.4 if k == 0 else 1.4, color=c,
                        ls="-" if k == 0 else "--", label=f"V{level}" if k == 0 else None)
        ax.axvline(nb - 0.5, color=NEUTRAL, lw=0.6)
        ax.axhline(chance[task], ls=":", color=NEUTRAL, lw=1)
        ax.text(len(xnames) - 0.6, chance[task], "chance", ha="right", va="bottom", color=NEUTRAL, fontsize=10)
        ax.set_xticks(range(len(xnames)), xnames, rotation=40, ha="right")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("held-out accuracy")
        ax.set_title(titles.get(task, task))
    styles = [plt.Line2D([], [], color=NEUTRAL, lw=1.2, ls=":", marker="s", label="hand-built (pixels, HMAX)")]
    styles += [plt.Line2D([], [], color=NEUTRAL, lw=2.4 if k == 0 else 1.4, ls="-" if k == 0 else "--",
                          marker="o", label=f"{net} network") for k, net in enumerate(nets)]
    level_handles = axes[0][0].get_legend_handles_labels()[0]
    axes[0][-1].legend(handles=level_handles + styles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
    fig.tight_layout()
    return fig


def _value_line(ax, summary, region: str, names: Sequence[str], xs: Sequence[float], **kw) -> None:
    """Values joined by a line, (low, high) as error bars."""
    v = np.array([summary[n][region]["value"] for n in names])
    lo = v - np.array([summary[n][region]["low"] for n in names])
    hi = np.array([summary[n][region]["high"] for n in names]) - v
    ax.errorbar(xs, v, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)], capsize=3, **kw)


def predictivity_figure(summary: Mapping[str, Mapping[str, Mapping[str, float]]],
                        baselines: Sequence[str] = ("pixels", "HMAX C1", "HMAX C2"), title: str = "",
                        ylabel: str = "explained variance / noise ceiling", sites: str = "sites"):
    """Predictivity of each representation (a value and a range as bars), one panel per region.

    Parameters
    ----------
    summary : dict name -> region -> {"value", "low", "high", "n_sites"}
        From :func:`helpers.predictivity.summarise` (median and quartiles over sites) or
        :meth:`helpers.predictivity.BrainScore.summary` (the score and its error over splits).
    ylabel : str
        What the value is (name the convention).
    sites : str
        How the panel titles name the sites counted (e.g. "reliable sites").
    """
    regions = sorted({r for v in summary.values() for r in v}, key=lambda r: (r != "V4", r))
    fig, axes = new_figure(len(regions), 1, width=5.2, height=4.2, squeeze=False, sharey=True)
    xnames, nets = _order(list(summary), [b for b in baselines if b in summary])
    x_of = {n: i for i, n in enumerate(xnames)}
    for ax, region in zip(axes[0], regions, strict=True):
        colour = REGION_COLOURS.get(region, NEUTRAL)

        bl = [b for b in baselines if b in summary and region in summary[b]]
        if bl:
            _value_line(ax, summary, region, bl, [x_of[b] for b in bl], color=_BASELINE_COLOUR, marker="s",
                           ls=":", lw=1.2, label="hand-built")
        for k, (net, layers) in enumerate(nets.items()):
            names = [f"{net} {l}" for l in layers if region in summary[f"{net} {l}"]]
            _value_line(ax, summary, region, names, [x_of[n.split(" ", 1)[1]] for n in names], color=colour,
                           marker="o", ls="-" if k == 0 else "--", lw=2.4 if k == 0 else 1.4,
                           alpha=1.0 if k == 0 else 0.6, label=f"{net} network")
        n_sites = next(v[region]["n_sites"] for v in summary.values() if region in v)
        ax.axvline(len(bl) - 0.5, color=NEUTRAL, lw=0.6)
        ax.axhline(1.0, ls=":", color=NEUTRAL, lw=1)
        ax.set_xticks(range(len(xnames)), xnames, rotation=40, ha="right")
        ax.set_title(f"{region} ({n_sites} {sites})")
        lows = [v[region]["low"] for v in summary.values() if region in v and np.isfinite(v[region]["low"])]
        ax.set_ylim(min([0.0, *lows]) - 0.02, 1.1)
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
