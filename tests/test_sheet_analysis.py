"""Tests of the neural-sheet analysis of a learned network (helpers.sheet_analysis, helpers.lattice)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from helpers import grid_scores, lattice
from helpers import sheet_analysis as sa
from helpers.validation import check_rng, check_scalar


def synthetic_sheet(
    n: int = 16,
    kernel: Any = None,
    period: float = 0.6,
    orientation: float = 0.3,
    box_size: float = 2.2,
    n_bins: int = 20,
    phase_noise: float = 0.0,
    seed: Any = 0,
) -> dict[str, np.ndarray]:
    """A shuffled sheet with a known kernel and ideal grid maps: the test bench of the pipeline.

    Units sit on an n x n sheet of lattice phases; unit at site (a, b) has an ideal grid map
    whose fields are displaced by the site's spatial offset; J[post, pre] = kernel(distance
    between their sites, in grid spacings); then the units are shuffled.

    Parameters
    ----------
    kernel : callable, optional
        f(r) with r in grid spacings; default a difference of Gaussians.
    phase_noise : float
        s.d. of a random displacement of each unit's fields, in sites.

    Returns
    -------
    dict with ``J`` (n^2, n^2), ``maps`` (n^2, n_bins, n_bins), ``true_positions`` (n^2, 2),
    ``k`` (2, 2) true wave vectors (rad/m), ``kernel`` (callable) and ``box_size``.
    """
    n = check_scalar(n, "n", int, min_val=4)
    rng = check_rng(seed)
    f = kernel if kernel is not None else (lambda r: 1.2 * np.exp(-(r / 0.15) ** 2) - 0.8 * np.exp(-(r / 0.3) ** 2))
    kmag = 4 * np.pi / (np.sqrt(3) * check_scalar(period, "period", min_val=0, include_boundaries="neither"))
    k = kmag * np.array([[np.cos(orientation), np.sin(orientation)],
                         [np.cos(orientation + np.pi / 3), np.sin(orientation + np.pi / 3)]])
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    sites = np.stack([a.ravel(), b.ravel()], axis=1).astype(float)
    noisy = sites + phase_noise * rng.normal(size=sites.shape)
    dist = lattice.offset_distances(n, k)  # centred offsets
    off = (sites[:, None, :] - sites[None, :, :] + n // 2).astype(int) % n
    J = f(dist[off[..., 0], off[..., 1]])
    # unit at site s is active where the animal's phases equal the site's: -k . x = 2 pi s / n
    field_offset = -(2 * np.pi * noisy / n) @ np.linalg.inv(k).T  # (n^2, 2) m
    maps = np.stack([
        grid_scores.hexagonal_map(n_bins, period, orientation, tuple(x0), box_size) for x0 in field_offset
    ])
    perm = rng.permutation(n * n)
    return {"J": J[np.ix_(perm, perm)], "maps": maps[perm], "true_positions": sites[perm].astype(int),
            "k": k, "kernel": f, "box_size": box_size}


def _recover(syn, n):
    ph = sa.lattice_phases(syn["maps"], syn["box_size"])
    pos = sa.sheet_positions(ph["phases"], n, ph["c"])
    profile = sa.average_outgoing(sa.sort_by_sheet(syn["J"], pos, n), n)
    dist = lattice.offset_distances(n, ph["k"])
    return profile, dist, pos, ph


@pytest.mark.parametrize("noise, r_min", [(0.0, 0.99), (1.0, 0.9)])
def test_pipeline_recovers_kernel_of_shuffled_sheet(noise, r_min):
    n = 24
    syn = synthetic_sheet(n=n, phase_noise=noise, seed=1)
    profile, dist, _, _ = _recover(syn, n)
    true = syn["kernel"](dist)
    assert sa.profile_correlation(profile, true) > r_min
    _, rp = sa.radial_profile(profile, dist)
    _, rt = sa.radial_profile(true, dist)
    assert sa.profile_correlation(rp, rt) > r_min


def test_positions_are_a_permutation_and_offset_average_agrees():
    n = 12
    syn = synthetic_sheet(n=n, seed=3)
    profile, _, pos, _ = _recover(syn, n)
    assert len({tuple(p) for p in pos}) == n * n
    np.testing.assert_allclose(sa.offset_average(syn["J"], pos, n), profile, atol=1e-12)


def test_average_outgoing_of_a_rolled_kernel():
    n = 5
    kern = np.random.default_rng(0).normal(size=(n, n))
    rows = [np.roll(kern, (a - n // 2, b - n // 2), (0, 1)).ravel() for a in range(n) for b in range(n)]
    np.testing.assert_allclose(sa.average_outgoing(np.array(rows), n), kern, atol=1e-12)


def test_analyse_network_on_synthetic_sheet():
    """Without velocity input there is no push; the kernel's centre-surround shape comes back."""
    n = 16
    syn = synthetic_sheet(n=n, seed=2)
    res = sa.analyse_network(syn["J"], np.zeros((n * n, 2)), syn["maps"], syn["box_size"])
    assert np.allclose(res["push"], 0)
    finite = res["radial"][np.isfinite(res["radial"])]
    assert finite[0] > 0 > finite.min()  # positive centre, negative surround


def test_wrap_to_sheet_shifts_by_whole_lattice_vectors():
    n = 24
    k = synthetic_sheet(n=8, seed=0)["k"]
    pts = np.random.default_rng(5).uniform(-3, 3, size=(50, 2))
    wrapped = lattice.wrap_to_sheet(pts, k, n)
    cycles = (k @ (wrapped - pts).T) / (2 * np.pi)  # whole periods along both wave vectors
    np.testing.assert_allclose(cycles, np.round(cycles), atol=1e-9)
    np.testing.assert_allclose(lattice.wrap_to_sheet(wrapped, k, n), wrapped, atol=1e-9)
    np.testing.assert_allclose(lattice.site_to_space(np.array([n // 2, n // 2]), k, n), 0, atol=1e-12)
    # a point inside the rhombus is among its own lattice copies; the centre has no other copy
    copies = lattice.lattice_copies(wrapped[0], k, n)
    assert np.min(np.linalg.norm(copies - wrapped[0], axis=1)) < 1e-9
    assert len(lattice.lattice_copies(np.zeros(2), k, n)) == 1


def test_sheet_snapshots_bump_moves_with_the_animal():
    """On a shuffled ideal sheet the snapshot bump sits where the predicted track says."""
    n = 16
    syn = synthetic_sheet(n=n, seed=4)
    bins = np.array([(i, 9) for i in range(3, 13, 2)])
    frames = sa.sheet_snapshots(syn["maps"], syn["true_positions"], n, bins, sigma=1.0)
    centres = (np.arange(20) + 0.5) / 20 * syn["box_size"] - syn["box_size"] / 2
    where = np.stack([centres[bins[:, 0]], centres[bins[:, 1]]], axis=1)
    track = lattice.predicted_track(frames[0], where - where[0], syn["k"], n)
    spacing = 4 * np.pi / (np.sqrt(3) * np.linalg.norm(syn["k"][0]))
    for f, t in zip(frames, track, strict=True):
        peak = lattice.site_to_space(np.array(np.unravel_index(np.argmax(f), f.shape), float), syn["k"], n)
        assert np.linalg.norm(lattice.wrap_to_sheet(peak - t, syn["k"], n)) < 0.2 * spacing
    with pytest.raises(ValueError, match="threshold"):
        sa.sheet_snapshots(syn["maps"], syn["true_positions"], n, bins, scores=np.zeros(n * n))
    with pytest.raises(ValueError, match="bins"):
        sa.sheet_snapshots(syn["maps"], syn["true_positions"], n, [(0, 25)])


def test_bad_inputs():
    with pytest.raises(ValueError, match="phases"):
        sa.sheet_positions(np.zeros((10, 2)), 4)
    with pytest.raises(ValueError, match="permutation"):
        sa.sheet_positions(np.zeros((10, 3)), 4, permutation=True)
    with pytest.raises(ValueError, match="J"):
        sa.sort_by_sheet(np.zeros((9, 8)), np.zeros((9, 2)), 3)
    with pytest.raises(ValueError, match="one unit on each"):
        sa.sort_by_sheet(np.zeros((4, 4)), np.zeros((4, 2)), 2)
    with pytest.raises(ValueError, match="maps"):
        sa.lattice_phases(np.zeros((5, 5)), 2.2)
