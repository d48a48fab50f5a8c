"""Visible checks of the ring-attractor notebook (03).

Each check calls the student's function on small inputs, compares with the reference in
:mod:`helpers.ring`, :mod:`helpers.ring_analysis` or :mod:`helpers.ring_learned`, and raises
:class:`~helpers.checks.base.CheckError` with what was expected, what came back, and a hint.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import ring, ring_analysis, ring_learned
from .base import CheckError, expect_close, expect_true, passed, visible_check

__all__ = [
    "check_mexican_hat",
    "check_ring_step",
    "check_population_vector",
    "check_half_width_theory",
    "check_shift_weights",
    "check_offset_profile",
]


def _as_degrees(n: int, j0: float, j1: float) -> np.ndarray:
    """The cosine ring built with angles in degrees passed to a cosine that expects radians."""
    deg = 360.0 * np.arange(n) / n
    return (j0 + j1 * np.cos(deg[:, None] - deg[None, :])) / n


@visible_check
def check_mexican_hat(mexican_hat: Callable) -> None:
    """``mexican_hat(n, j0, j1)`` returns the cosine ring ``(j0 + j1 cos(theta_i - theta_j)) / n``."""
    name = "check_mexican_hat"
    W = mexican_hat(8, -2.0, 6.0)
    expect_close(np.shape(W) if W is not None else None, (8, 8), name, "the shape of mexican_hat(8, -2, 6)",
                 "W has one row and one column per neuron")
    W = np.asarray(W, dtype=float)
    expect_close(W[1, 2], W[0, 1], name, "W[1, 2] (a ring looks the same from every neuron, so W[0, 1])",
                 "build W from the difference theta_i - theta_j, not from theta_i alone")
    expect_close(W, W.T, name, "W.T (the cosine kernel is symmetric)", "cos is even: cos(-x) = cos(x)")
    expect_close(W[0, 0], (-2.0 + 6.0) / 8, name, "the self-weight W[0, 0] of mexican_hat(8, -2, 6)",
                 "at zero offset cos(0) = 1, so W_ii = (j0 + j1) / N -- did you divide by N?")
    expect_true(not np.allclose(W, _as_degrees(8, -2.0, 6.0)), name, "your angles look like degrees",
                "np.cos expects radians: a full turn is 2 pi, not 360")
    th = np.linspace(0, 2 * np.pi, 8)
    expect_true(not np.allclose(W, (-2.0 + 6.0 * np.cos(th[:, None] - th[None, :])) / 8), name,
                "your preferred directions include both 0 and 2 pi, the same direction twice",
                "N neurons split the circle into N equal steps of 2 pi / N; the last one stops one step short of 2 pi")
    expect_close(W, ring.cosine_weights(8, -2.0, 6.0), name, "mexican_hat(8, -2, 6)",
                 "theta_i = 2 pi i / N for i = 0, ..., N-1, in radians")
    expect_close(mexican_hat(5, 0.5, -1.0), ring.cosine_weights(5, 0.5, -1.0), name, "mexican_hat(5, 0.5, -1)",
                 "use the arguments j0 and j1, not the default numbers")
    passed(name, "W is circulant and symmetric")


@visible_check
def check_ring_step(ring_step: Callable) -> None:
    """``ring_step(r, W, I, tau, dt)`` is one Euler step of the threshold-linear ring."""
    name = "check_ring_step"
    rng = np.random.default_rng(3)
    n = 6
    W = ring.cosine_weights(n, -2.0, 6.0)
    r = rng.random(n)
    I = np.array([1.0, -5.0, 0.5, 1.0, -5.0, 2.0])
    got = ring_step(r, W, I, 0.01, 0.001)
    want = ring.euler_step(r, W, I, 0.01, 0.001)
    silent_in = np.maximum(W @ r + I, 0) == 0
    expect_true(got is not None, name, "ring_step returned None", "did you forget `return`?")
    expect_close(np.shape(got), (n,), name, "the shape of ring_step(r, W, I, tau, dt)",
                 "return the new rates, one per neuron")
    if np.allclose(got, r + 0.1 * (-r + W @ r + I)):
        raise CheckError(f"{name}: neurons {np.flatnonzero(silent_in).tolist()} get a negative total input and "
                         "should relax to 0, but yours follow it below zero. Hint: rectify with np.maximum(..., 0)")
    expect_close(got, want, name, "ring_step(r, W, I, tau=0.01, dt=0.001)",
                 "r_new = r + dt / tau * (-r + max(W @ r + I, 0)); the rectification acts on the input, not on r")
    passed(name)


def _same_angle(a, b) -> bool:
    """Whether two arrays of angles (radians) agree modulo 2 pi."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.cos(a - b) > 1 - 1e-9))


@visible_check
def check_population_vector(population_vector: Callable) -> None:
    """``population_vector(rates, theta)`` decodes the bump's direction (radians, any 2 pi range)."""
    name = "check_population_vector"
    theta = ring.preferred_directions(16)
    bump = np.maximum(np.cos(theta - 1.0) - 0.3, 0.0)
    want = ring.population_vector(bump, theta)
    got = population_vector(bump, theta)
    expect_true(got is not None, name, "population_vector returned None", "did you forget `return`?")
    expect_close(np.shape(got), np.shape(want), name, "the shape of the decoded direction of one population state",
                 "rates of shape (N,) give a single angle")
    expect_true(not np.isclose(float(np.asarray(got)), np.rad2deg(want), rtol=1e-6), name,
                f"the decoded direction of a bump centred near 1 rad came back as {float(np.asarray(got)):.4g}, "
                "which looks like degrees", "return radians, as theta is given")
    expect_true(_same_angle(got, want), name,
                f"the decoded direction of a bump centred near 1 rad should be {want:.6g} rad "
                f"(or that plus a multiple of 2 pi), got {float(np.asarray(got)):.6g}",
                "the direction of the vector sum_i r_i (cos theta_i, sin theta_i): weight each neuron's "
                "preferred direction vector by its rate")
    back = np.maximum(np.cos(theta + 2.5) - 0.3, 0.0)
    got2 = population_vector(back, theta)
    expect_true(_same_angle(got2, ring.population_vector(back, theta)), name,
                f"the decoded direction of a bump near -2.5 rad came back as {float(np.asarray(got2)):.4g} rad",
                "an angle computed from y / x alone loses the quadrant: use both the sine and the cosine sums "
                "(np.arctan2 or np.angle)")
    many = np.stack([bump, back, bump])
    want_many = ring.population_vector(many, theta)
    got_many = population_vector(many, theta)
    expect_close(np.shape(got_many), want_many.shape, name,
                 "the shape of population_vector on a (3, N) array (three time steps)",
                 "sum over the last axis (the neurons) only, so rates of shape (T, N) give T angles")
    expect_true(_same_angle(got_many, want_many), name,
                "population_vector on a (3, N) array gives angles that differ from those of its rows one by one",
                "sum over the last axis (the neurons) only, so rates of shape (T, N) give T angles")
    passed(name)


@visible_check
def check_half_width_theory(half_width_theory: Callable) -> None:
    """``half_width_theory(j1)`` solves ``j1 (x - sin x cos x) / (2 pi) = 1`` for the half-width x."""
    name = "check_half_width_theory"
    got = half_width_theory(6.0)
    want_deg = np.rad2deg(ring_analysis.bump_half_width_theory(6.0))
    expect_true(got is None or not np.isclose(float(np.asarray(got)), want_deg, rtol=1e-3), name,
                f"half_width_theory(6.0) came back as {float(np.asarray(got)):.4g}, which looks like degrees",
                "return the half-width in radians")
    expect_close(got, ring_analysis.bump_half_width_theory(6.0), name, "half_width_theory(6.0) (radians)",
                 "solve j1 * (x - sin(x) cos(x)) / (2 pi) - 1 = 0 for x in (0, pi), e.g. with "
                 "scipy.optimize.brentq; answer in radians, not degrees", rtol=1e-4)
    expect_close(half_width_theory(10.0), ring_analysis.bump_half_width_theory(10.0), name, "half_width_theory(10.0)",
                 "use the argument j1, not a fixed number", rtol=1e-4)
    passed(name, f"theta_c(J1=6) = {np.rad2deg(got):.1f} deg")


@visible_check
def check_shift_weights(shift_weights: Callable) -> None:
    """``shift_weights(W, gamma)`` returns ``W + gamma W'`` (W' by central differences along the ring)."""
    name = "check_shift_weights"
    W = ring.cosine_weights(12, -2.0, 6.0)
    got = shift_weights(W, 0.0)
    expect_close(got, W, name, "shift_weights(W, gamma=0)", "with gamma = 0 nothing should change")
    got = np.asarray(shift_weights(W, 0.1), dtype=float)
    want = ring.zhang_weights(W, 0.1)
    if got.shape == want.shape and np.allclose(got - W, -(want - W), rtol=1e-6, atol=1e-12):
        raise CheckError(f"{name}: gamma W' has the opposite sign (or is taken along the wrong index). Hint: W' "
                         "differentiates along the postsynaptic (row) index i, as W[i+1, j] - W[i-1, j]; check which "
                         "way your shift moves the rows, and that it acts on rows, not columns")
    if got.shape == want.shape and np.allclose(got - W, 2 * (want - W), rtol=1e-6, atol=1e-12):
        raise CheckError(f"{name}: gamma W' is twice the expected size. Hint: a central difference spans two lattice "
                         "steps, 2 dtheta with dtheta = 2 pi / N")
    if got.shape == want.shape and np.allclose(got - W, np.rad2deg(1) * (want - W), rtol=1e-6, atol=1e-12) or \
            got.shape == want.shape and np.allclose(got - W, np.deg2rad(1) * (want - W), rtol=1e-6, atol=1e-12):
        raise CheckError(f"{name}: gamma W' is off by the factor between degrees and radians. Hint: dtheta = 2 pi / N "
                         "in radians")
    expect_close(got, want, name, "shift_weights(W, 0.1) for the 12-neuron cosine ring",
                 "W'[i, j] = (W[i+1, j] - W[i-1, j]) / (2 dtheta) with dtheta = 2 pi / N and indices wrapping "
                 "around the ring (neuron N is neuron 0)", rtol=1e-6, atol=1e-12)
    passed(name)


@visible_check
def check_offset_profile(offset_profile: Callable) -> None:
    """``offset_profile(W, pd, n_bins)`` averages ``W[i, j]`` by ``pd[i] - pd[j]``."""
    name = "check_offset_profile"
    n = 12
    # an asymmetric ring (a Zhang shift): post - pre and pre - post give mirrored profiles
    W = ring.zhang_weights(ring.cosine_weights(n, -2.0, 6.0), 0.3)
    perm = np.random.default_rng(0).permutation(n)
    pd = ring.wrap(ring.preferred_directions(n))[perm]
    Wp = W[np.ix_(perm, perm)]
    out = offset_profile(Wp, pd, n)
    expect_true(isinstance(out, (tuple, list)) and len(out) == 2, name,
                f"offset_profile should return (centres, profile), got {type(out).__name__}",
                "return both the bin centres and the mean weight per bin")
    centres, profile = out
    c_ref, p_ref = ring_learned.offset_profile(Wp, pd, n)
    expect_close(centres, c_ref, name, "the bin centres for n_bins=12",
                 "bin k is centred on -pi + k w with w = 2 pi / n_bins, for k = 0, ..., n_bins - 1")
    expect_close(np.shape(profile), p_ref.shape, name, "the shape of the profile", "one mean weight per bin")
    profile = np.asarray(profile, dtype=float)
    if np.allclose(profile, np.roll(p_ref, 1)):
        raise CheckError(f"{name}: your profile is shifted by one bin. Hint: wrap the offsets into [-pi, pi) "
                         "before binning; the bin of offset d is round((d + pi) / w) modulo n_bins")
    _, mirrored = ring_learned.offset_profile(Wp.T, pd, n)
    if np.allclose(profile, mirrored):
        raise CheckError(f"{name}: your profile is mirrored: it bins W[i, j] by the presynaptic minus the "
                         "postsynaptic direction. Hint: row i of W is the postsynaptic neuron; the offset is "
                         "pd[i] - pd[j]")
    expect_close(profile, p_ref, name, "the profile of a shuffled, asymmetric 12-neuron ring",
                 "use the offset pd[i] - pd[j] (postsynaptic minus presynaptic), wrapped into [-pi, pi), "
                 "bin k = round((d + pi) / w) % n_bins, and average W[i, j] over the pairs in each bin")
    passed(name, "a shuffled ring's kernel is recovered")
