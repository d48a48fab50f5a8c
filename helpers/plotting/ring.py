"""Figures for the ring-attractor notebook (03): connectivity, bumps, speeds, path integration."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm

from .common import EXCITATION, INHIBITION, NEUTRAL, new_figure

__all__ = [
    "EXC_INH_CMAP",
    "ring_connectivity",
    "bump_over_time",
    "bump_profile",
    "half_width_vs_j1",
    "velocity_tuning",
    "path_integration",
    "bump_diffusion",
    "ring_explorer",
    "learned_vs_engineered",
]

#: Diverging colour map: inhibition blue, zero white, excitation red.
EXC_INH_CMAP = LinearSegmentedColormap.from_list("exc_inh", [INHIBITION, "#ffffff", EXCITATION])


def _wrap_deg(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) + 180.0) % 360.0 - 180.0


def _weights_image(ax, W: np.ndarray, extent_deg: float = 360.0, title: str = "",
                   lim: float | None = None) -> Any:
    lim = lim or float(np.nanmax(np.abs(W))) or 1.0
    im = ax.imshow(W, cmap=EXC_INH_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim), origin="lower",
                   extent=(0, extent_deg, 0, extent_deg), interpolation="nearest")
    ax.set_xlabel("presynaptic preferred direction (deg)")
    ax.set_ylabel("postsynaptic preferred direction (deg)")
    ax.set_title(title)
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="weight")
    return im


def _profile(ax, offsets_rad: np.ndarray, w: np.ndarray, label: str | None = None,
             color: str = NEUTRAL, fill: bool = True) -> None:
    x = np.rad2deg(offsets_rad)
    ax.plot(x, w, color=color, lw=2.5, label=label)
    if fill:
        ax.fill_between(x, w, 0, where=w > 0, color=EXCITATION, alpha=0.3, lw=0, interpolate=True)
        ax.fill_between(x, w, 0, where=w < 0, color=INHIBITION, alpha=0.3, lw=0, interpolate=True)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel(r"offset $\theta_i - \theta_j$ (deg)")
    ax.set_xlim(-180, 180)
    ax.set_xticks([-180, -90, 0, 90, 180])


def ring_connectivity(W: Any, others: Mapping[str, Any] | None = None, title: str = "") -> plt.Figure:
    """Ring connectivity: the matrix (red excitation, blue inhibition) and its kernel profile.

    Parameters
    ----------
    W : (N, N) array
        Circulant weights.
    others : dict of label -> (N', N') array, optional
        Further ring matrices whose profiles (scaled by their N', i.e. the kernel J) are
        overlaid in the right panel.
    title : str
        Title of the matrix panel.
    """
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    fig, (a0, a1) = new_figure(2, width=5.4, height=4.4)
    _weights_image(a0, W, title=title or f"W ({n} neurons)")
    offsets = (2 * np.pi * np.arange(n) / n + np.pi) % (2 * np.pi) - np.pi
    order = np.argsort(offsets)
    _profile(a1, offsets[order], n * W[order, 0], label="this ring")
    for k, (label, Wk) in enumerate((others or {}).items()):
        Wk = np.asarray(Wk, dtype=float)
        m = Wk.shape[0]
        off = (2 * np.pi * np.arange(m) / m + np.pi) % (2 * np.pi) - np.pi
        o = np.argsort(off)
        a1.plot(np.rad2deg(off[o]), m * Wk[o, 0], "--", lw=2, color=f"C{k + 2}", label=label)
    a1.set_ylabel(r"kernel $J(\theta_i - \theta_j) = N\,W_{ij}$")
    a1.set_title("local excitation, broader inhibition")
    a1.legend(loc="lower center", fontsize=10)
    fig.tight_layout()
    return fig


def bump_over_time(
    rates: Any,
    dt: float,
    theta: Any | None = None,
    events: list[tuple[float, float, str]] | None = None,
    decoded: Any | None = None,
    title: str = "",
) -> plt.Figure:
    """Ring activity over time as an image (time on x, preferred direction on y).

    Parameters
    ----------
    rates : (T, N) array
        Rates at times ``dt, 2 dt, ...``.
    dt : float
        Time between rows (s).
    theta : (N,) array, optional
        Preferred directions (radians); default evenly spaced.
    events : list of (t_start, t_end, label), optional
        Periods to mark above the image (e.g. a cue).
    decoded : (T,) array, optional
        Decoded bump position (radians), drawn as a line.
    title : str
    """
    rates = np.asarray(rates, dtype=float)
    T, n = rates.shape
    theta = 2 * np.pi * np.arange(n) / n if theta is None else np.asarray(theta)
    fig, ax = new_figure(1, width=9.0, height=3.8)
    im = ax.imshow(rates.T, aspect="auto", origin="lower", cmap="magma", interpolation="nearest",
                   extent=(0, T * dt, 0, 360))
    plt.colorbar(im, ax=ax, pad=0.01, label="rate")
    if decoded is not None:
        d = np.rad2deg(np.asarray(decoded)) % 360
        jumps = np.abs(np.diff(d)) > 180
        d = d.copy()
        d[1:][jumps] = np.nan
        ax.plot(dt * np.arange(1, T + 1), d, color="c", lw=1.5, label="population vector")
        ax.legend(loc="upper right", fontsize=10, labelcolor="w")
    for t0, t1, label in events or []:
        ax.axvspan(t0, t1, ymin=0.97, ymax=1.0, color="c", clip_on=False)
        ax.text((t0 + t1) / 2, 372, label, ha="center", va="bottom", fontsize=11)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("preferred direction (deg)")
    ax.set_yticks([0, 90, 180, 270, 360])
    if title:
        ax.set_title(title, pad=22 if events else 6)
    fig.tight_layout()
    return fig


def bump_profile(rates: Any, theta: Any, theta_c: float | None = None,
                 peak: float | None = None) -> plt.Figure:
    """A bump's rate profile, centred, with the predicted half-width (and peak) marked.

    Parameters
    ----------
    rates : (N,) array
        Rates of one snapshot.
    theta : (N,) array
        Preferred directions (radians).
    theta_c : float, optional
        Predicted half-width (radians).
    peak : float, optional
        Predicted peak rate.
    """
    rates = np.asarray(rates, dtype=float)
    theta = np.asarray(theta, dtype=float)
    centre = np.angle(rates @ np.exp(1j * theta))
    x = _wrap_deg(np.rad2deg(theta - centre))
    o = np.argsort(x)
    fig, ax = new_figure(1, width=6.0, height=3.8)
    ax.plot(x[o], rates[o], "o-", color=EXCITATION, ms=3, lw=1.5, label="simulated")
    if theta_c is not None:
        for s in (-1, 1):
            ax.axvline(s * np.rad2deg(theta_c), color="k", ls="--", lw=1.5,
                       label=r"theory $\pm\theta_c$" if s == 1 else None)
    if peak is not None:
        ax.axhline(peak, color=NEUTRAL, ls=":", lw=1.5, label="theory peak")
    ax.set_xlabel("preferred direction - bump centre (deg)")
    ax.set_ylabel("rate")
    ax.set_xlim(-180, 180)
    ax.set_xticks([-180, -90, 0, 90, 180])
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig


def half_width_vs_j1(j1_sim: Any, hw_sim: Any, j1_theory: Any, hw_theory: Any,
                     lattice_deg: float | None = None) -> plt.Figure:
    """Bump half-width against J1: simulation (dots) and the theory curve (radians in, deg shown).

    ``hw_sim`` is NaN where no bump formed (drawn as crosses on the axis).
    """
    j1_sim, hw_sim = np.asarray(j1_sim, float), np.asarray(hw_sim, float)
    fig, ax = new_figure(1, width=6.0, height=4.0)
    ax.plot(j1_theory, np.rad2deg(hw_theory), color="k", lw=2, label=r"theory $\theta_c$")
    if lattice_deg:
        ax.fill_between(j1_theory, np.rad2deg(hw_theory) - lattice_deg, np.rad2deg(hw_theory) + lattice_deg,
                        color="k", alpha=0.12, lw=0, label="$\\pm$ one lattice step")
    ok = np.isfinite(hw_sim)
    ax.plot(j1_sim[ok], np.rad2deg(hw_sim[ok]), "o", color=EXCITATION, ms=8, label="simulated bump")
    ax.plot(j1_sim[~ok], np.zeros((~ok).sum()), "x", color=INHIBITION, ms=10, mew=2.5, label="no bump")
    ax.axvline(2, color=INHIBITION, ls=":", lw=1.5)
    ax.text(2.1, 170, "J1 = 2", color=INHIBITION)
    ax.set_xlabel("tuned coupling J1")
    ax.set_ylabel("bump half-width (deg)")
    ax.set_ylim(-8, 185)
    ax.legend(fontsize=10, loc="upper right")
    fig.tight_layout()
    return fig


def velocity_tuning(
    gammas: Any,
    zhang_omega: Any,
    tau: float,
    v: Any,
    double_omega: Any,
    gain: float,
    omega_max: float | None = None,
) -> plt.Figure:
    """Bump speed against the velocity input for Zhang's ring and for the double ring.

    Parameters
    ----------
    gammas, zhang_omega : (K,) arrays
        Zhang shift strengths (rad) and measured speeds (rad/s).
    tau : float
        Time constant (s): Zhang's prediction is ``-gamma / tau``.
    v, double_omega : (M,) arrays
        Double-ring velocity inputs and measured speeds (rad/s).
    gain : float
        Predicted double-ring gain (rad/s per input unit).
    omega_max : float, optional
        Saturation speed (rad/s), drawn as a dashed line.
    """
    g, wz = np.asarray(gammas, float), np.asarray(zhang_omega, float)
    v, wd = np.asarray(v, float), np.asarray(double_omega, float)
    fig, (a0, a1) = new_figure(2, width=5.4, height=4.2)
    gg = np.linspace(g.min(), g.max(), 50)
    a0.plot(gg, np.rad2deg(-gg / tau), color="k", lw=2, label=r"$-\gamma/\tau$")
    a0.plot(g, np.rad2deg(wz), "o", color=EXCITATION, ms=8, label="simulated")
    a0.set_xlabel(r"shift strength $\gamma$ (rad)")
    a0.set_ylabel("bump speed (deg/s)")
    a0.set_title(r"Zhang: $W + \gamma W'$")
    a0.legend(fontsize=10)
    vv = np.linspace(min(0, v.min()), v.max(), 100)
    lin = np.rad2deg(gain * vv)
    if omega_max is not None:
        lin = np.where(np.abs(lin) <= np.rad2deg(omega_max) * 1.15, lin, np.nan)
        a1.axhline(np.rad2deg(omega_max), color=INHIBITION, ls="--", lw=1.5, label=r"$\tan\phi/\tau$ (one ring)")
    a1.plot(vv, lin, color="k", lw=2, label="linear theory $k v$")
    a1.plot(v, np.rad2deg(wd), "o", color=EXCITATION, ms=8, label="simulated")
    a1.set_xlabel("velocity input v")
    a1.set_ylabel("bump speed (deg/s)")
    a1.set_title("double ring (P-EN-like)")
    a1.legend(fontsize=10, loc="lower right")
    fig.tight_layout()
    return fig


def path_integration(t: Any, true: Any, decoded_clean: Any, decoded_noisy: Any,
                     noise_std: float | None = None) -> plt.Figure:
    """Heading tracked by the ring: traces (top) and tracking error against time (bottom).

    Parameters
    ----------
    t : (T,) array
        Time (s).
    true : (T,) array
        True heading (radians).
    decoded_clean : (T,) or (T, 1) array
        Decoded heading without noise (radians).
    decoded_noisy : (T, B) array
        Decoded heading in ``B`` noisy trials (radians).
    noise_std : float, optional
        Noise level for the legend.
    """
    t = np.asarray(t, float)
    true = np.asarray(true, float)
    clean = np.asarray(decoded_clean, float).reshape(len(t), -1)[:, 0]
    noisy = np.asarray(decoded_noisy, float).reshape(len(t), -1)
    err_clean = np.abs(_wrap_deg(np.rad2deg(clean - true)))
    err_noisy = np.sqrt(np.mean(_wrap_deg(np.rad2deg(noisy - true[:, None])) ** 2, axis=1))
    fig, (a0, a1) = new_figure(1, 2, width=9.5, height=3.0, sharex=True)

    def breaks(x):
        x = np.rad2deg(np.asarray(x)) % 360
        x = x.copy()
        x[1:][np.abs(np.diff(x)) > 180] = np.nan
        return x

    nlab = f" (noise {noise_std:g})" if noise_std is not None else ""
    a0.plot(t, breaks(true), color="k", lw=3, label="true heading")
    a0.plot(t, breaks(clean), color=EXCITATION, lw=1.5, label="ring, no noise")
    a0.plot(t, breaks(noisy[:, 0]), color=INHIBITION, lw=1.2, alpha=0.8, label="ring, one noisy trial" + nlab)
    a0.set_ylabel("heading (deg)")
    a0.set_yticks([0, 90, 180, 270, 360])
    a0.legend(fontsize=10, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3)
    a1.plot(t, err_clean, color=EXCITATION, lw=2, label="no noise")
    a1.plot(t, err_noisy, color=INHIBITION, lw=2, label=f"noisy, RMS over {noisy.shape[1]} trials")
    a1.set_xlabel("time (s)")
    a1.set_ylabel("error (deg)")
    a1.legend(fontsize=10, loc="upper left")
    fig.tight_layout()
    return fig


def bump_diffusion(t: Any, var: Any, slope: float, intercept: float = 0.0) -> plt.Figure:
    """Variance of the bump position across noisy trials against time, with its linear fit.

    Parameters
    ----------
    t : (T,) array
        Time (s).
    var : (T,) array
        Variance across trials (rad^2).
    slope, intercept : float
        Linear fit (rad^2/s, rad^2).
    """
    t, var = np.asarray(t, float), np.asarray(var, float)
    fig, ax = new_figure(1, width=6.0, height=4.0)
    ax.plot(t, np.rad2deg(np.rad2deg(var)), color=INHIBITION, lw=2, label="simulated")
    ax.plot(t, np.rad2deg(np.rad2deg(slope * t + intercept)), "k--", lw=2,
            label=f"linear fit: 2D = {np.rad2deg(np.rad2deg(slope)):.3g} deg$^2$/s")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(r"Var $\theta$ (deg$^2$)")
    ax.set_title("the bump diffuses")
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig


def ring_explorer(result: Mapping[str, Any]) -> plt.Figure:
    """The live view of the slider: activity over time and the last rate profile.

    Parameters
    ----------
    result : dict
        As returned by :func:`helpers.widgets.ring_explore`.
    """
    rates, dt, theta = result["rates"], result["dt"], result["theta"]
    fig, (a0, a1) = new_figure(2, width=5.6, height=3.8, gridspec_kw={"width_ratios": [1.6, 1]})
    T = rates.shape[0]
    shown = np.nan_to_num(rates, nan=0.0)
    im = a0.imshow(shown.T, aspect="auto", origin="lower", cmap="magma", interpolation="nearest",
                   extent=(0, T * dt, 0, 360))
    plt.colorbar(im, ax=a0, pad=0.01, label="rate")
    a0.set_xlabel("time (s)")
    a0.set_ylabel("preferred direction (deg)")
    a0.set_yticks([0, 90, 180, 270, 360])
    a0.set_title(result.get("message", ""), fontsize=11)
    last = shown[-1]
    a1.plot(np.rad2deg(theta), last, color=EXCITATION, lw=2)
    a1.set_xlabel("preferred direction (deg)")
    a1.set_ylabel("rate at the end")
    a1.set_xlim(0, 360)
    a1.set_xticks([0, 90, 180, 270, 360])
    fig.tight_layout()
    return fig


def learned_vs_engineered(learned: Mapping[str, Any] | None, W_engineered: Any) -> plt.Figure:
    """A trained network's weights sorted by preferred direction, next to an engineered kernel.

    Parameters
    ----------
    learned : dict or None
        From :func:`helpers.ring_learned.ring_profile` / :func:`helpers.ring_learned.learned_ring_profile`
        (keys ``W_sorted``, ``offsets``, ``profile`` and optionally ``self_weight``); None draws
        only the engineered kernel with a note. The colour scale of the matrix is set by the
        off-diagonal weights (strong self-connections saturate).
    W_engineered : (N, N) array
        A ring matrix, e.g. the cosine ring.
    """
    W_engineered = np.asarray(W_engineered, float)
    n = W_engineered.shape[0]
    off = (2 * np.pi * np.arange(n) / n + np.pi) % (2 * np.pi) - np.pi
    o = np.argsort(off)
    fig, axes = new_figure(3, width=4.6, height=4.0)
    if learned is None:
        axes[0].text(0.5, 0.5, "trained network\nnot available", ha="center", va="center",
                     transform=axes[0].transAxes, fontsize=13)
        axes[0].set_axis_off()
        axes[1].set_axis_off()
    else:
        Ws = np.asarray(learned["W_sorted"], float)
        off_diag = np.abs(Ws[~np.eye(Ws.shape[0], dtype=bool)])
        _weights_image(axes[0], Ws, title="learned $W_{rec}$, sorted",
                       lim=float(np.percentile(off_diag, 99)) if off_diag.size else None)
        axes[0].set_xlabel("presynaptic unit (sorted)")
        axes[0].set_ylabel("postsynaptic unit (sorted)")
        axes[0].set_xticks([])
        axes[0].set_yticks([])
        prof = np.asarray(learned["profile"], float)
        _profile(axes[1], np.asarray(learned["offsets"]), prof)
        axes[1].plot(np.rad2deg(learned["offsets"]), prof, "o", color=NEUTRAL, ms=4)
        if "self_weight" in learned:
            axes[1].text(0.5, 0.04, f"self-connection (not shown): {learned['self_weight']:.2f}",
                         transform=axes[1].transAxes, ha="center", va="bottom", fontsize=11, color="#b8860b")
        axes[1].set_ylabel("mean weight (other units)")
        axes[1].set_title("learned: mean weight by offset")
    _profile(axes[2], off[o], n * W_engineered[o, 0])
    axes[2].set_ylabel(r"kernel $N W_{ij}$")
    axes[2].set_title("engineered ring")
    fig.tight_layout()
    return fig
