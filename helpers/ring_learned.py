"""Does a trained network hold a ring? Sort its units by preferred direction and average its weights by offset.

The 1-D version of the analysis of Sorscher et al. (2023) (notebook 05 does it in 2-D with
:mod:`helpers.sheet_analysis`): each unit's preferred direction comes from its activity over
head directions (:func:`preferred_directions_from_activity`); the recurrent weights, averaged
over all pairs with the same preferred-direction difference (:func:`offset_profile`,
:func:`ring_profile`), give the network's average connectivity profile, to compare with an
engineered kernel of :mod:`helpers.ring` (:func:`helpers.ring.kernel_profile`).
:func:`learned_ring_profile` does it all for the angular integrator trained in notebook 02.
Angles are in radians.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import angular_integrator as ai
from .ring import wrap
from .validation import as_array, check_scalar, check_square

__all__ = [
    "preferred_directions_from_activity",
    "offset_profile",
    "ring_profile",
    "learned_ring_profile",
]

# ---------------------------------------------------------------------------------------
# Learned networks: sort by preferred direction and average by offset
# ---------------------------------------------------------------------------------------

def preferred_directions_from_activity(activity: Any, heading: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's preferred direction: the phase of its tuning curve's first Fourier mode.

    Parameters
    ----------
    activity : (T, N) array
        Unit activity at ``T`` samples.
    heading : (T,) array
        Head direction at each sample (radians).

    Returns
    -------
    pd : (N,) array
        Preferred directions in [-pi, pi) (radians).
    strength : (N,) array
        Amplitude of the first Fourier mode of each unit's tuning (activity units); a unit
        with no direction tuning has ~0.
    """
    heading = as_array(heading, "heading", ndim=1)
    activity = as_array(activity, "activity", ndim=2)
    if activity.shape[0] != heading.shape[0]:
        raise ValueError(
            f"activity must have shape (T, N) with T={heading.shape[0]} (len(heading)), got {activity.shape}"
        )
    centred = activity - activity.mean(axis=0)
    mode = np.exp(1j * heading) @ centred / heading.shape[0]
    return wrap(np.angle(mode)), 2 * np.abs(mode)


def offset_profile(W: Any, pd: Any, n_bins: int = 36) -> tuple[np.ndarray, np.ndarray]:
    """Average weight as a function of preferred-direction difference (post - pre).

    Parameters
    ----------
    W : (N, N) array
        Recurrent weights, row = postsynaptic unit.
    pd : (N,) array
        Preferred direction of each unit (radians).
    n_bins : int
        Number of equal bins around the circle. Bin ``k`` is centred on ``-pi + k w`` with
        ``w = 2 pi / n_bins`` and holds the offsets within ``w / 2`` of its centre (so the
        offsets of an evenly spaced ring fall on bin centres, and offset 0 has its own bin
        when ``n_bins`` is even).

    Returns
    -------
    centres : (n_bins,) array
        Bin centres ``-pi + k w`` (radians).
    profile : (n_bins,) array
        Mean of ``W[i, j]`` over pairs with ``wrap(pd[i] - pd[j])`` in the bin (NaN if empty).
    """
    W = check_square(W, "W")
    pd = as_array(pd, "pd", shape=(W.shape[0],))
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=2)
    return _binned_mean(W, pd, n_bins, np.ones(W.shape, dtype=bool))


def _binned_mean(W: np.ndarray, pd: np.ndarray, n_bins: int, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and mean of ``W[use]`` by offset ``wrap(pd[i] - pd[j])`` (see offset_profile)."""
    width = 2 * np.pi / n_bins
    d = wrap(pd[:, None] - pd[None, :])
    idx = np.round((d + np.pi) / width).astype(int) % n_bins
    sums = np.bincount(idx[use], weights=W[use], minlength=n_bins)
    counts = np.bincount(idx[use], minlength=n_bins)
    profile = np.full(n_bins, np.nan)
    profile[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return -np.pi + np.arange(n_bins) * width, profile


def ring_profile(
    W_rec: Any, activity: Any, heading: Any, n_bins: int = 36, min_strength: float = 0.0,
    exclude_self: bool = False,
) -> dict[str, np.ndarray]:
    """Sort a recurrent matrix by preferred direction and average it by direction offset.

    Parameters
    ----------
    W_rec : (N, N) array
        Recurrent weights (row = postsynaptic).
    activity : (T, N) array
        Unit activity over a set of head directions.
    heading : (T,) array
        Head direction of each sample (radians).
    n_bins : int
        Bins of the offset profile.
    min_strength : float
        Units whose tuning strength (see :func:`preferred_directions_from_activity`) is at
        most this fraction of the largest are left out (0 keeps every unit).
    exclude_self : bool
        Leave the self-connections ``W[i, i]`` out of the profile (they are reported as
        ``self_weight``); a learned network often has strong ones that would dominate the
        zero-offset bin.

    Returns
    -------
    dict with
        ``offsets`` (n_bins,) bin centres (radians); ``profile`` (n_bins,) mean weight;
        ``pd`` (N,) preferred directions; ``strength`` (N,); ``order`` (M,) indices of the kept
        units sorted by preferred direction; ``W_sorted`` (M, M) the matrix in that order;
        ``self_weight`` the mean of the kept units' self-connections.
    """
    W_rec = check_square(W_rec, "W_rec")
    activity = as_array(activity, "activity", shape=(None, W_rec.shape[0]))
    pd, strength = preferred_directions_from_activity(activity, heading)
    min_strength = check_scalar(min_strength, "min_strength", min_val=0)
    keep = np.flatnonzero(strength > min_strength * strength.max())
    order = keep[np.argsort(pd[keep])]
    n_bins = check_scalar(n_bins, "n_bins", int, min_val=2)
    W_sorted = W_rec[np.ix_(order, order)]
    use = ~np.eye(order.size, dtype=bool) if exclude_self else np.ones(W_sorted.shape, dtype=bool)
    offsets, profile = _binned_mean(W_sorted, pd[order], n_bins, use)
    return {
        "self_weight": float(np.mean(np.diag(W_sorted))),
        "offsets": offsets,
        "profile": profile,
        "pd": pd,
        "strength": strength,
        "order": order,
        "W_sorted": W_sorted,
    }


def _integrator_activity(net: Any, n_trajectories: int = 512, T: int = 20, seed: int = 7
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Hidden rates and headings of notebook 02's integrator on fresh trajectories.

    Returns activity (n_trajectories * T, N) and heading (n_trajectories * T,) in radians.
    """
    omega, theta = ai.heading_trajectories(n_trajectories, T, seed=seed)
    with torch.no_grad():
        _, h = net(torch.from_numpy(omega), ai.head_direction_code(theta[:, 0], net.decoder.out_features))
    h = h.numpy()
    return h.reshape(-1, h.shape[-1]).astype(float), theta[:, 1:].ravel().astype(float)


def learned_ring_profile(model: Any = None, n_bins: int = 36, min_strength: float = 0.1,
                         exclude_self: bool = True, seed: int = 7) -> dict | None:
    """The offset profile of the angular integrator trained in notebook 02.

    Parameters
    ----------
    model : optional
        The trained network: an ``IntegratorResult`` or ``AngularIntegrator`` of
        :mod:`helpers.angular_integrator` (its units' activity is recorded on fresh
        trajectories), or a dict with ``W_rec`` (N, N) and either ``activity`` (T, N) and
        ``heading`` (T,), or ``W_out`` (2, N) weights onto ``(cos, sin)``.
        Default: the shipped network, ``helpers.angular_integrator.load_angular_integrator()``.
    n_bins, min_strength, exclude_self : see :func:`ring_profile`.
    seed : int
        Seed of the trajectories used to record the activity.

    Returns
    -------
    dict or None
        As :func:`ring_profile`, plus ``source`` (``"activity"`` or ``"readout"``: how the
        preferred directions were found). None, with a printed note, when no trained network
        is available.

    Notes
    -----
    A unit's preferred direction comes from its activity over head directions. Only a dict
    without activity falls back on the readout (a unit whose output weights onto
    ``(cos, sin)`` point at angle ``a`` gets preferred direction ``a``), a rough proxy: on a
    vanilla tanh integrator it agreed only loosely with the tuning (mean cos of the difference
    0.3) and gave a weaker profile.
    """
    if model is None:
        try:
            model = ai.load_angular_integrator()
        except (ImportError, FileNotFoundError, ValueError) as err:
            print(f"The trained angular integrator of notebook 02 is not available ({err}).")
            return None
    model = getattr(model, "model", model)  # an IntegratorResult holds the network
    if hasattr(model, "J") and hasattr(model, "decoder"):
        W_rec = model.J.weight.detach().cpu().numpy().astype(float)
        activity, heading = _integrator_activity(model, seed=seed)
        source = "activity"
    elif isinstance(model, dict) and "W_rec" in model:
        W_rec = check_square(model["W_rec"], "model['W_rec']")
        n = W_rec.shape[0]
        if "activity" in model and "heading" in model:
            activity, heading = model["activity"], model["heading"]
            source = "activity"
        else:
            W_out = as_array(model["W_out"], "model['W_out']", ndim=2)
            W_out = W_out if W_out.shape[1] == n else W_out.T
            if W_out.shape != (2, n):
                raise ValueError(f"model['W_out'] must have shape (2, {n}) or ({n}, 2) without activity, "
                                 f"got {W_out.shape}")
            print("No activity of the trained network was given: preferred directions are taken from its "
                  "readout weights, a rough proxy.")
            pd = np.arctan2(W_out[1], W_out[0])
            heading = np.linspace(-np.pi, np.pi, 72, endpoint=False)
            activity = np.cos(heading[:, None] - pd[None, :]) * np.hypot(W_out[0], W_out[1])
            source = "readout"
    else:
        raise TypeError(f"model must be an AngularIntegrator, an IntegratorResult or a dict with 'W_rec', "
                        f"got {type(model).__name__}")
    out = ring_profile(W_rec, activity, heading, n_bins=n_bins, min_strength=min_strength,
                       exclude_self=exclude_self)
    out["source"] = source
    return out
