"""Figures for notebooks 01 (RNN basics) and 02 (backpropagation through time)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .common import EXCITATION, INHIBITION, NEUTRAL, new_figure

__all__ = [
    "activity_traces",
    "chaos_panel",
    "norm_growth",
    "lyapunov_vs_gain",
    "flipflop_trial",
    "fixed_points_pca",
    "gradient_check",
    "gradient_norms",
    "truncation_error",
    "learning_curves",
    "heading_tracking",
]


def activity_traces(r: np.ndarray, n_show: int = 8, ax=None, title: str = ""):
    """Rates of the first ``n_show`` units against time step. ``r``: (T, N)."""
    fig, ax = (ax.figure, ax) if ax is not None else new_figure(width=7, height=3)
    ax.plot(np.asarray(r)[:, :n_show], lw=1.5)
    ax.set(xlabel="time step t", ylabel="rate r(t)", title=title)
    return fig


def chaos_panel(W: np.ndarray, r: np.ndarray, g: float, lyap: float | None = None):
    """Eigenvalues of ``W`` with the unit circle, and unit traces ``r`` (T, N) of ``tanh(W r)``."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 2.2]})
    ev = np.linalg.eigvals(W)
    ax1.scatter(ev.real, ev.imag, s=6, color=NEUTRAL)
    t = np.linspace(0, 2 * np.pi, 200)
    ax1.plot(np.cos(t), np.sin(t), color=EXCITATION, lw=2, label="unit circle")
    lim = max(1.6, 1.1 * np.max(np.abs(ev)))
    ax1.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="Re \u03bb", ylabel="Im \u03bb",
            title=f"eigenvalues, radius {np.max(np.abs(ev)):.2f}")
    ax1.legend(loc="lower left", fontsize=9)
    activity_traces(r, n_show=6, ax=ax2)
    regime = "" if lyap is None else (f"  (Lyapunov exponent {lyap:+.3f}: " + ("chaotic)" if lyap > 0 else "stable)"))
    ax2.set_title(f"gain g = {g:.2f}{regime}")
    ax2.set_ylim(-1.05, 1.05)
    fig.tight_layout()
    return fig


def norm_growth(norms: Mapping[float, np.ndarray]):
    """``||x_t||`` of linear networks ``W = g Q`` (dots) against ``g^t`` (lines), log scale."""
    fig, ax = new_figure(width=6, height=4)
    for i, (g, n) in enumerate(sorted(norms.items())):
        t = np.arange(len(n))
        color = plt.cm.coolwarm(i / max(1, len(norms) - 1))
        ax.semilogy(t, n, "o", ms=4, color=color, label=f"g = {g}")
        ax.semilogy(t, n[0] * g**t, "-", color=color, lw=1)
    ax.set(xlabel="time step t", ylabel="||x_t||", title="linear network W = gQ: exactly g^t")
    ax.legend()
    return fig


def lyapunov_vs_gain(gains: Sequence[float], exponents: Sequence[float]):
    """Largest Lyapunov exponent against the gain, with the stable/chaotic boundary."""
    fig, ax = new_figure(width=6, height=4)
    ax.axhline(0, color=NEUTRAL, lw=1)
    ax.axvline(1, color=NEUTRAL, lw=1, ls="--", label="g = 1")
    ax.plot(gains, exponents, "o-", color=EXCITATION, lw=2)
    ax.set(xlabel="gain g", ylabel="largest Lyapunov exponent (per step)", title="transition to chaos")
    ax.legend()
    return fig


def flipflop_trial(inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray):
    """One flip-flop trial: pulses, targets and network outputs per bit; arrays (T, n_bits)."""
    n_bits = inputs.shape[1]
    fig, axes = plt.subplots(n_bits, 1, figsize=(9, 1.6 * n_bits + 0.6), sharex=True)
    for b, ax in enumerate(np.atleast_1d(axes)):
        pulses = inputs[:, b] != 0
        ax.vlines(np.nonzero(pulses)[0], 0, inputs[pulses, b], color=NEUTRAL, lw=2, label="input pulse")
        ax.plot(targets[:, b], color=INHIBITION, lw=3, alpha=0.5, label="target")
        ax.plot(outputs[:, b], color=EXCITATION, lw=1.5, label="network")
        ax.set(ylabel=f"bit {b + 1}", ylim=(-1.3, 1.3))
    axes[0].legend(ncol=3, loc="upper right", fontsize=9)
    axes[-1].set_xlabel("time step")
    fig.tight_layout()
    return fig


def fixed_points_pca(states: np.ndarray, points: np.ndarray, stable: np.ndarray):
    """Hidden-state trajectories and fixed points in the top-3 principal components.

    ``states`` (S, N) visited states; ``points`` (P, N) fixed points; ``stable`` (P,) bool.
    """
    mean = states.mean(0)
    _, _, vt = np.linalg.svd(states - mean, full_matrices=False)
    proj = lambda x: (np.atleast_2d(x) - mean) @ vt[:3].T  # noqa: E731
    fig = plt.figure(figsize=(6.5, 5.5))
    ax = fig.add_subplot(projection="3d")
    s = proj(states)
    ax.plot(s[:, 0], s[:, 1], s[:, 2], color=NEUTRAL, lw=0.4, alpha=0.5)
    if len(points):
        p = proj(points)
        ax.scatter(*p[stable].T, s=80, color=EXCITATION, depthshade=False, label=f"stable ({stable.sum()})")
        ax.scatter(*p[~stable].T, s=50, facecolors="none", edgecolors=INHIBITION, linewidths=2,
                   depthshade=False, label=f"unstable ({(~stable).sum()})")
    ax.set(xlabel="PC 1", ylabel="PC 2", zlabel="PC 3", title="fixed points of the trained network")
    ax.legend(loc="upper left")
    return fig


def gradient_check(manual: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray], label: str = "autograd"):
    """Scatter of hand-written BPTT gradients against a reference, one colour per parameter."""
    fig, ax = new_figure(width=5, height=4.5)
    for name in manual:
        ax.plot(np.ravel(reference[name]), np.ravel(manual[name]), "o", ms=3, label=name)
    lim = max(np.max(np.abs(np.ravel(v))) for v in reference.values())
    ax.plot([-lim, lim], [-lim, lim], color=NEUTRAL, lw=1)
    ax.set(xlabel=f"gradient from {label}", ylabel="gradient from your BPTT", title="BPTT check")
    ax.legend(fontsize=9)
    return fig


def gradient_norms(
    norms: Mapping[str, np.ndarray],
    bounds: Mapping[str, np.ndarray] | None = None,
    ylim: tuple[float, float] | None = (1e-12, 1e6),
):
    """``||dx_t/dx_0||`` against t for several networks (log scale), with optional bounds (dashed)."""
    fig, ax = new_figure(width=6.5, height=4.2)
    for i, (label, n) in enumerate(norms.items()):
        color = plt.cm.tab10(i)
        ax.semilogy(np.arange(len(n)), n, lw=2, color=color, label=label)
        if bounds is not None and label in bounds:
            ax.semilogy(np.arange(len(bounds[label])), bounds[label], "--", lw=1, color=color)
    ax.set(xlabel="t - k (steps back in time)", ylabel="||\u2202x_t / \u2202x_k||",
           title="vanishing and exploding gradients")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=9)
    return fig


def truncation_error(windows: Sequence[int], errors: Sequence[float], T: int):
    """Relative gradient error of truncated BPTT against its window K (log scale)."""
    fig, ax = new_figure(width=5.5, height=4)
    err = np.maximum(np.asarray(errors, dtype=float), 1e-17)
    ax.semilogy(windows, err, "o-", color=EXCITATION, lw=2)
    ax.axvline(T, color=NEUTRAL, ls="--", label=f"K = T = {T}")
    ax.set(xlabel="truncation window K", ylabel="relative error vs full BPTT", title="truncated BPTT")
    ax.legend()
    return fig


def learning_curves(curves: Mapping[str, Sequence[float]], chance: float | None = None, ylabel: str = "loss"):
    """Loss per training step for several networks, with the chance level."""
    fig, ax = new_figure(width=6.5, height=4)
    for label, c in curves.items():
        ax.plot(c, lw=1.5, label=label)
    if chance is not None:
        ax.axhline(chance, color=NEUTRAL, ls="--", lw=1, label="chance")
    ax.set(xlabel="training step", ylabel=ylabel)
    ax.legend()
    return fig


def heading_tracking(theta: np.ndarray, decoded: np.ndarray, n_show: int = 3):
    """True heading (lines) and the network's decoded heading (dots) for a few trials, degrees."""
    fig, ax = new_figure(width=7.5, height=3.8)
    for i in range(min(n_show, len(theta))):
        color = plt.cm.tab10(i)
        true = np.unwrap(theta[i])  # continuous heading, no jumps at +-180 deg
        dec = true[1:] + np.angle(np.exp(1j * (decoded[i] - theta[i][1:])))
        ax.plot(np.degrees(true), color=color, lw=2)
        ax.plot(np.arange(1, len(true)), np.degrees(dec), "o", ms=4, color=color)
    ax.set(xlabel="time step", ylabel="heading (deg, unwrapped)",
           title="path integration: true (lines) vs decoded (dots)")
    return fig
