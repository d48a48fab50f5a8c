"""The lecture style: resolution for a projector, perceptually uniform colour maps, a colour
bar wherever colour encodes a value."""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import grid_scores, plotting
from helpers.plotting import common

ROOT = Path(__file__).resolve().parents[1]
RAINBOW = ("jet", "rainbow", "gist_rainbow", "hsv", "nipy_spectral", "gist_ncar")


@pytest.fixture(autouse=True)
def lecture_style():
    with mpl.rc_context():
        plotting.use_lecture_style()
        yield
    plt.close("all")


def _colorbars(fig) -> list:
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_style_reads_on_a_projector():
    assert mpl.rcParams["figure.dpi"] == common.LECTURE_DPI >= 110
    fig, ax = plotting.new_figure()
    assert fig.get_size_inches()[0] * fig.dpi >= 600  # one panel: at least 600 px wide
    assert mpl.rcParams["image.cmap"] in ("viridis", "cividis", "magma", "inferno", "plasma")


def test_no_rainbow_colour_map_in_any_figure():
    pattern = re.compile(r"cmap\s*=\s*[\"'](" + "|".join(RAINBOW) + r")[\"']")
    offenders = [f"{p.name}:{i + 1}" for p in sorted((ROOT / "helpers" / "plotting").glob("*.py"))
                 for i, line in enumerate(p.read_text().splitlines()) if pattern.search(line)]
    assert not offenders, f"rainbow colour maps (not perceptually uniform): {offenders}"


def test_colour_encoded_figures_have_colour_bars():
    rng = np.random.default_rng(0)
    maps = np.stack([grid_scores.hexagonal_map() + 0.1 * rng.random((20, 20)) for _ in range(8)])
    sac = grid_scores.autocorrelogram(maps[0])
    mask = grid_scores.ring_mask(sac.shape[0], 0.2, 0.8)
    corrs = {a: grid_scores.rotation_correlation(sac, a, mask) for a in grid_scores.ANGLES}
    figures = {
        "rate maps": plotting.rate_maps_figure(maps, grid_scores.grid_scores(maps)["minmax"], n_show=8),
        "autocorrelogram": plotting.autocorrelogram_figure(maps[0], sac, corrs, mask),
        "patterns": plotting.patterns_figure(list(maps[:2] - 0.5), ["a", "b"]),
        "pattern formation": plotting.pattern_formation_figure(rng.random((3, 16, 16)), [0.0, 0.1, 0.2]),
    }
    for name, fig in figures.items():
        assert _colorbars(fig), f"{name}: colour encodes a value but there is no colour bar"
        labels = [ax.get_ylabel() or ax.get_xlabel() for ax in _colorbars(fig)]
        assert any(labels), f"{name}: colour bar without a label"


def test_signed_patterns_use_a_diverging_map_centred_on_zero():
    p = np.linspace(-1, 2, 400).reshape(20, 20)
    fig = plotting.patterns_figure([p], ["signed"])
    im = fig.axes[0].images[0]
    assert im.get_cmap().name == common.DIVERGING
    lo, hi = im.get_clim()
    assert lo == pytest.approx(-hi)


def test_every_figure_name_is_defined_once():
    """``helpers.plotting`` re-exports every topic module: a name in two of them would shadow one."""
    import importlib
    import pkgutil

    import helpers.plotting

    owners: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(helpers.plotting.__path__):
        module = importlib.import_module(f"helpers.plotting.{info.name}")
        for name in getattr(module, "__all__", ()):
            owners.setdefault(name, []).append(info.name)
    assert not {n: m for n, m in owners.items() if len(m) > 1}
