"""Figures of notebook 05: hand-designed (Burak-Fiete) sheet next to a learned network's sheet."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.gridspec import GridSpecFromSubplotSpec

from .. import lattice
from .common import EXCITATION, INHIBITION, NEUTRAL

__all__ = [
    "pattern_formation_figure",
    "successive_patterns_figure",
    "connectivity_figure",
    "shift_circuit_figure",
    "speed_figure",
]

_DIVERGING = "RdBu_r"  # red = excitation, blue = inhibition, as in the lecture


def _sheet_corners(n: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners (m) of the learned sheet's sites drawn where their fields sit in space (centred)."""
    idx = np.arange(n + 1) - 0.5  # site edges
    a, b = np.meshgrid(idx, idx, indexing="ij")
    xy = lattice.site_to_space(np.stack([a, b], -1), k, n)
    return xy[..., 0], xy[..., 1]


def _clean(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    for s in ax.spines.values():
        s.set_visible(False)


def pattern_formation_figure(frames: np.ndarray, times: Sequence[float], title: str = ""):
    """Snapshots of the sheet as a pattern forms from noise.

    Parameters
    ----------
    frames : ndarray, shape (R, n, n)
        Sheet activity (axis 0 = x).
    times : sequence of float, length R
        Times (s).
    """
    fig, axes = plt.subplots(1, len(frames), figsize=(3.0 * len(frames), 3.0), layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, f, t in zip(axes, frames, times, strict=True):
        im = ax.imshow(f.T, origin="lower", cmap="magma", vmin=0)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label="rate (a.u.)" if ax is axes[-1] else None)
        ax.set_title(f"{1000 * t:.0f} ms (own scale)")
        _clean(ax)
    if title:
        fig.suptitle(title)
    return fig


def successive_patterns_figure(bf_frames: np.ndarray, bf_positions: np.ndarray, learned_frames: np.ndarray,
                               learned_positions: np.ndarray, k: np.ndarray, bf_track: np.ndarray | None = None,
                               learned_track: np.ndarray | None = None):
    """Stable activity patterns on the two sheets at 5 successive positions of the animal.

    Parameters
    ----------
    bf_frames : ndarray, shape (F, n, n)
        Hand-designed sheet (neurons).
    bf_positions : ndarray, shape (F,)
        Distance run (m).
    learned_frames : ndarray, shape (F, m, m)
        Learned units' activity arranged on their sheet.
    learned_positions : ndarray, shape (F, 2)
        The animal's position (m).
    k : ndarray, shape (>= 2, 2)
        Lattice wave vectors of the learned network (rad/m): the learned sheet is drawn with
        each site where its units' fields sit in space, so its bump moves with the animal.
    bf_track : ndarray, shape (F, 2), optional
        The hand-designed pattern's displacement (neurons), drawn as a moving marker.
    learned_track : ndarray, shape (F, 2), optional
        Where the learned bump should be if it moves with the animal (m, drawn coordinates, e.g.
        from ``lattice.predicted_track``): a circle at the start, a cross in each frame.
    """
    f = len(bf_frames)
    fig, axes = plt.subplots(2, f, figsize=(2.7 * f, 6.0))
    n = bf_frames.shape[-1]
    for i in range(f):
        ax = axes[0, i]
        ax.imshow(bf_frames[i].T, origin="lower", cmap="magma", vmin=0, extent=(-0.5, n - 0.5, -0.5, n - 0.5))
        if bf_track is not None:
            ax.plot(n / 2, n / 2, "o", mfc="none", mec="w", ms=18, mew=2, ls="none")
            x0 = (n / 2 + bf_track[i]) % n
            ax.plot(*x0, "+", color="c", ms=16, mew=3)
        ax.set_title(f"ran {100 * bf_positions[i]:.0f} cm")
        _clean(ax)
        ax = axes[1, i]
        X, Y = _sheet_corners(learned_frames.shape[-1], k)
        ax.pcolormesh(X, Y, learned_frames[i], cmap="magma", vmin=0, shading="flat")
        if learned_track is not None:
            m = learned_frames.shape[-1]
            for p0 in lattice.lattice_copies(learned_track[0], k, m):
                ax.plot(*p0, "o", mfc="none", mec="w", ms=18, mew=2, ls="none")
            for pi in lattice.lattice_copies(learned_track[i], k, m):  # the same place, seen across the rhombus' edges
                ax.plot(*pi, "+", color="c", ms=16, mew=3)
        p = learned_positions[i]
        ax.set_title(f"at ({p[0]:+.2f}, {p[1]:+.2f}) m")
        _clean(ax)
    axes[0, 0].set_ylabel("hand-designed\n(Burak & Fiete)", fontsize=13)
    axes[1, 0].set_ylabel("learned RNN\n(units sorted by phase)", fontsize=13)
    for ax in axes[:, 0]:
        ax.yaxis.label.set_visible(True)
        ax.set_yticks([])
    fig.suptitle("stable activity patterns on the neural sheet at 5 successive positions")
    fig.tight_layout()
    return fig


def connectivity_figure(bf_profile: np.ndarray, bf_spacing: float, learned_profile: np.ndarray, k: np.ndarray,
                        radius: np.ndarray, bf_radial: np.ndarray, learned_radial: np.ndarray,
                        correlation: float, self_weight: float | None = None):
    """Average outgoing connectivity of the two sheets, as 2-D maps and radial profiles.

    Parameters
    ----------
    bf_profile : ndarray, shape (n, n)
        Hand-designed average outgoing weights, offset 0 at the centre (neurons).
    bf_spacing : float
        Field spacing of its pattern on the sheet (neurons); offsets are drawn in these units.
    learned_profile : ndarray, shape (m, m)
        Learned average outgoing weights by sheet offset (centre = 0; self-connections apart).
    k : ndarray, shape (>= 2, 2)
        Learned lattice wave vectors: offsets are drawn in grid spacings.
    radius, bf_radial, learned_radial : ndarray, shape (nb,)
        Radial profiles (distance in grid spacings).
    correlation : float
        Their correlation, printed in the title.
    self_weight : float, optional
        Mean self-connection of the learned units, printed.
    """
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.8), gridspec_kw={"width_ratios": [1, 1, 1.25]})
    n = bf_profile.shape[0]
    ext = (np.array([-0.5, n - 0.5]) - n // 2) / bf_spacing
    lim = np.nanmax(np.abs(bf_profile))
    norm = TwoSlopeNorm(0, -lim, max(lim * 1e-3, np.nanmax(bf_profile), 1e-12))
    im = axes[0].imshow(bf_profile.T, origin="lower", cmap=_DIVERGING, norm=norm, extent=(*ext, *ext))
    fig.colorbar(im, ax=axes[0], shrink=0.8, label="weight")
    axes[0].set_title("hand-designed: W0 averaged\nover the 4 directions")
    m = learned_profile.shape[0]
    X, Y = _sheet_corners(m, k)
    spacing = 4 * np.pi / (np.sqrt(3) * np.linalg.norm(k[:2], axis=1).mean())
    lim2 = np.nanmax(np.abs(learned_profile))
    pc = axes[1].pcolormesh(X / spacing, Y / spacing, learned_profile, cmap=_DIVERGING,
                            norm=TwoSlopeNorm(0, -lim2, lim2), shading="flat")
    fig.colorbar(pc, ax=axes[1], shrink=0.8, label="weight")
    axes[1].set_title("learned: J averaged by sheet offset\n(self-connections apart)")
    for ax in axes[:2]:
        ax.set_aspect("equal")
        ax.set_xlabel("offset x (grid spacings)")
        ax.set_ylabel("offset y (grid spacings)")
    axes[1].set_xlim(axes[0].get_xlim()[0] / 2.5, axes[0].get_xlim()[1] / 2.5)
    axes[1].set_ylim(axes[0].get_xlim()[0] / 2.5, axes[0].get_xlim()[1] / 2.5)
    ax = axes[2]

    def norm(y):
        return y / np.nanmax(np.abs(y))

    ax.axhline(0, color="0.7", lw=1)
    ax.plot(radius, norm(bf_radial), "o-", color=NEUTRAL, lw=2.5, label="hand-designed")
    ax.plot(radius, norm(learned_radial), "s-", color=EXCITATION, lw=2.5, label="learned")
    lo, hi = ax.get_ylim()
    ax.axhspan(0, hi, color=EXCITATION, alpha=0.06)
    ax.axhspan(lo, 0, color=INHIBITION, alpha=0.06)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("distance on the sheet (grid spacings)")
    ax.set_ylabel("mean outgoing weight (scaled to max |w| = 1)")
    txt = f"correlation r = {correlation:.2f}"
    if self_weight is not None:
        txt += f"\nlearned self-weight J_ii = {self_weight:.2f}"
    ax.set_title("radial profiles", loc="left")
    ax.text(0.98, 0.97, txt, transform=ax.transAxes, ha="right", va="top", fontsize=12)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def _compass(fig, outer, pattern_img, pushes, headings, moved, title, corners=None, extent=None):
    """3 x 3 block: the pattern in the middle, the push of each heading around it."""

    gs = GridSpecFromSubplotSpec(3, 3, subplot_spec=outer, wspace=0.05, hspace=0.15)
    cells = {0: (1, 2), 1: (0, 2), 2: (0, 1), 3: (0, 0), 4: (1, 0), 5: (2, 0), 6: (2, 1), 7: (2, 2)}
    lim = np.nanmax(np.abs(pushes))

    def show(ax, img, **kw):
        if corners is not None:
            art = ax.pcolormesh(*corners, img, shading="flat", **kw)
        else:
            art = ax.imshow(img.T, origin="lower", extent=extent, **kw)
        _clean(ax)
        return art

    ax = fig.add_subplot(gs[1, 1])
    centre = ax
    rate_art = show(ax, pattern_img, cmap="magma", vmin=0)
    ax.set_title(title, fontsize=13)
    around = []
    for h in range(len(headings)):
        r, c = cells[round(headings[h] / (np.pi / 4)) % 8]
        ax = fig.add_subplot(gs[r, c])
        around.append(ax)
        push_art = show(ax, pushes[h], cmap=_DIVERGING, vmin=-lim, vmax=lim)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        cx, cy, L = (x0 + x1) / 2, (y0 + y1) / 2, 0.32 * (x1 - x0)
        ax.annotate("", xy=(cx + L * np.cos(headings[h]), cy + L * np.sin(headings[h])), xytext=(cx, cy),
                    arrowprops=dict(arrowstyle="-|>", color="k", lw=2.5))
        ax.annotate("", xy=(cx + L * np.cos(moved[h]), cy + L * np.sin(moved[h])), xytext=(cx, cy),
                    arrowprops=dict(arrowstyle="-|>", color="limegreen", lw=2.5, ls="--"))
    fig.colorbar(rate_art, ax=centre, location="bottom", fraction=0.08, pad=0.02, label="rate (a.u.)")
    fig.colorbar(push_art, ax=around, location="bottom", fraction=0.03, pad=0.03,
                 label="push: change of input (a.u.; red more, blue less)")


def shift_circuit_figure(bf_pattern: np.ndarray, bf_push: np.ndarray, bf_moved: np.ndarray, bf_window: float,
                         learned_pattern: np.ndarray, learned_push: np.ndarray, learned_moved: np.ndarray,
                         k: np.ndarray, headings: np.ndarray):
    """The shift circuit of the two sheets for 8 headings, laid out as a compass.

    Each outer panel shows the push W (velocity input on the active units) for one heading
    (red: more input, blue: less), the heading (black arrow) and the direction in which the push
    moves the pattern (green dashed arrow); the centre shows the pattern.

    Parameters
    ----------
    bf_pattern : ndarray, shape (n, n)
        Hand-designed pattern, centred on one bump.
    bf_push : ndarray, shape (H, n, n)
    bf_moved, learned_moved : ndarray, shape (H,)
        Directions (rad) the push moves the pattern in.
    bf_window : float
        Half-width (neurons) of the hand-designed window drawn.
    learned_pattern : ndarray, shape (m, m)
        Learned mean pattern, bump centred.
    learned_push : ndarray, shape (H, m, m)
    k : ndarray, shape (>= 2, 2)
        Learned lattice wave vectors.
    headings : ndarray, shape (H,)
    """
    fig = plt.figure(figsize=(14, 7.2))
    outer = fig.add_gridspec(1, 2, wspace=0.12)
    n = bf_pattern.shape[0]
    w = int(round(bf_window))
    sl = slice(n // 2 - w, n // 2 + w + 1)
    _compass(fig, outer[0], bf_pattern[sl, sl], bf_push[:, sl, sl], headings, bf_moved, "hand-designed",
             extent=(-w - 0.5, w + 0.5, -w - 0.5, w + 0.5))
    corners = _sheet_corners(learned_pattern.shape[0], k)
    _compass(fig, outer[1], learned_pattern, learned_push, headings, learned_moved, "learned", corners=corners)
    fig.suptitle("shift circuit: W applied to the velocity input of the active units\n"
                 "black: heading; green dashed: where the push moves the pattern", fontsize=13)
    return fig


def speed_figure(speeds: np.ndarray, pattern_speed: np.ndarray, slope: float, error: float):
    """Pattern speed on the hand-designed sheet against running speed, with the line through 0."""
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    x = np.linspace(0, speeds.max() * 1.05, 50)
    ax.plot(x, slope * x, color="0.6", lw=2, label=f"{slope:.1f} neurons/s per m/s")
    ax.plot(speeds, pattern_speed, "o", color=EXCITATION, ms=9, label="simulated")
    ax.set_xlabel("running speed (m/s)")
    ax.set_ylabel("pattern speed (neurons/s)")
    ax.set_title(f"linear within {100 * error:.1f}%")
    ax.set_xlim(0, None)
    ax.set_ylim(0, None)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
