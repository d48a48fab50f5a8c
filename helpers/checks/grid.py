"""Visible checks of the grid-cell notebook (04)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import grid_rnn, grid_scores, place_cells
from .base import CheckError, expect_close, expect_true, passed, visible_check

__all__ = [
    "check_place_cell_code",
    "check_rnn_step",
    "check_rotation_correlation",
    "check_decode_position",
]


@visible_check
def check_place_cell_code(fn: Callable) -> None:
    """``fn(positions (N, 2), centers (Np, 2), width, surround_scale) -> (N, Np)``."""
    rng = np.random.default_rng(4)
    centers = rng.uniform(-1.1, 1.1, size=(30, 2))
    pos = rng.uniform(-1.1, 1.1, size=(5, 2))
    got = fn(pos, centers, 0.12, 2.0)
    name = "check_place_cell_code"
    expect_true(got is not None, name, "place_cell_code returned None", "did you forget `return`?")
    got = np.asarray(got, dtype=float)
    expect_true(got.shape == (5, 30), name,
                f"the code of 5 positions with 30 cells should have shape (5, 30), got {got.shape}",
                "one row per position, one column per place cell")
    expect_true(np.all(got >= -1e-9), name, f"the code has negative entries (min {got.min():.3g})",
                "after the difference, subtract each row's minimum so that it is >= 0")
    expect_close(got.sum(1), np.ones(5), name, "the sum of each row", "divide each row by its sum", rtol=1e-5)
    ref = place_cells.place_cell_code(pos, centers, 0.12, 2.0)
    expect_close(got, ref, name, "place_cell_code(pos, centers, 0.12, 2.0)",
                 "softmax over cells of -d^2/(2 s^2) minus softmax of -d^2/(2 ss s^2); ss multiplies the variance",
                 rtol=1e-4, atol=1e-7)
    passed(name, "non-negative, sums to 1, matches the reference")


@visible_check
def check_rnn_step(fn: Callable) -> None:
    """``fn(g (B, Ng), v (B, 2), J (Ng, Ng), M (Ng, 2)) -> (B, Ng)``."""
    rng = np.random.default_rng(5)
    g = np.abs(rng.normal(size=(3, 6)))
    v = rng.normal(size=(3, 2)) * 0.02
    J = rng.normal(size=(6, 6)) / 3
    M = rng.normal(size=(6, 2)) * 10
    name = "check_rnn_step"
    got = fn(g, v, J, M)
    expect_true(got is not None, name, "rnn_step returned None", "did you forget `return`?")
    got = np.asarray(got, dtype=float)
    expect_true(got.shape == (3, 6), name, f"a batch of 3 states of 6 units should give shape (3, 6), got {got.shape}",
                "g has one row per path: use g @ J.T (row = postsynaptic unit in J)")
    expect_true(np.all(got >= 0), name, "the new state has negative entries", "apply the ReLU, max(0, .)")
    if np.allclose(got, np.maximum(g @ J + v @ M.T, 0)):
        raise CheckError(f"{name}: J is applied transposed. Hint: row i of J holds the weights onto unit i, and "
                         "each row of g is one state; with states as rows, the matrix multiplies from the right, "
                         "transposed")
    expect_close(got, grid_rnn.rnn_step(g, v, J, M), name, "rnn_step(g, v, J, M)",
                 "for each path (row), unit i receives sum_j J[i, j] g[j] plus its velocity input (M v)[i], "
                 "then the ReLU", rtol=1e-6)
    passed(name)


@visible_check
def check_rotation_correlation(fn: Callable) -> None:
    """``fn(sac (m, m), angle_deg, mask (m, m) bool) -> float``."""
    name = "check_rotation_correlation"
    sac = grid_scores.autocorrelogram(grid_scores.hexagonal_map(20, 0.7, 0.3))
    mask = grid_scores.ring_mask(sac.shape[0], 0.2, 0.8)
    for angle in (90, 60):  # 90 first: there a rotation by the wrong amount shows
        got = fn(sac, angle, mask)
        expect_true(got is not None, name, "rotation_correlation returned None", "did you forget `return`?")
        tiny = grid_scores.rotation_correlation(sac, np.deg2rad(angle), mask)  # radians read as degrees
        if angle == 90 and np.isclose(float(got), tiny, rtol=1e-4, atol=1e-6):
            raise CheckError(f"{name}: a 90 deg rotation of a hexagonal autocorrelogram should correlate weakly "
                             f"with it, got {float(got):.3g}, as if it had barely turned. Hint: "
                             "scipy.ndimage.rotate takes the angle in degrees")
        expect_close(got, grid_scores.rotation_correlation(sac, angle, mask), name,
                     f"rotation_correlation(sac of a hexagonal map, {angle}, mask)",
                     "rotate without changing the array's shape (reshape=False), angle in degrees; centre both maps "
                     "on the mean of sac inside the mask; divide the mean product by the variance of sac inside "
                     "the mask (plus 1e-5)", rtol=1e-4, atol=1e-6)
    c60, c90 = fn(sac, 60, mask), fn(sac, 90, mask)
    expect_true(c60 > 0.9 and c60 - c90 > 0.5, name,
                f"a hexagonal autocorrelogram should correlate > 0.9 with its 60 deg rotation and much less with "
                f"its 90 deg one, got {c60:.3g} and {c90:.3g}",
                "check the sign and the centring")
    passed(name, "60 deg: high, 90 deg: low for a hexagonal lattice")


@visible_check
def check_decode_position(fn: Callable) -> None:
    """``fn(activity (N, Np), centers (Np, 2), k) -> (N, 2)``."""
    name = "check_decode_position"
    rng = np.random.default_rng(6)
    centers = rng.uniform(-1.1, 1.1, size=(40, 2))
    act = rng.normal(size=(7, 40))
    got = fn(act, centers, 3)
    expect_true(got is not None, name, "decode_position returned None", "did you forget `return`?")
    got = np.asarray(got, dtype=float)
    expect_true(got.shape == (7, 2), name, f"7 decoded positions should have shape (7, 2), got {got.shape}",
                "one (x, y) per row of activity")
    expect_close(got, place_cells.decode_position(act, centers, 3), name, "decode_position(act, centers, 3)",
                 "take the indices of the 3 largest entries of each row (np.argsort or np.argpartition) and "
                 "average those cells' centres", rtol=1e-5)
    passed(name)
