"""Tests of the evaluation of a trained grid-cell RNN (helpers.grid_evaluation)."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import grid_evaluation as ge
from helpers import grid_rnn as gr
from helpers.paths import DATA_DIR

SHIPPED = DATA_DIR / "grid_cell_rnn.pt"


def test_rate_maps_and_decoding_of_an_untrained_network():
    model = gr.GridRNN(gr.TrainConfig(n_grid=16, n_place=32, batch_size=8, sequence_length=5, precision="bf16"))
    out = ge.collect_rate_maps(model, n_batches=2, batch_size=20, n_bins=8, seed=1)
    assert out["maps"].shape == (16, 8, 8) and out["mean_rate"].shape == (16,)
    assert np.all(out["maps"][np.isfinite(out["maps"])] >= 0)
    assert out["error"] > out["floor"] > 0
    assert model.config.precision == "bf16"  # evaluated in fp32, then restored
    assert ge.decoding_error(model, n_batches=2, batch_size=20, seed=1) == pytest.approx(out["error"])
    longer = ge.collect_rate_maps(model, n_batches=2, batch_size=20, n_bins=8, seed=1, sequence_length=20)
    assert longer["error"] != pytest.approx(out["error"]) and model.config.sequence_length == 5


def test_meets_bar_reads_fractions_as_at_least_and_the_rest_as_at_most():
    good = {"frac_03": 0.35, "frac_08": 0.1, "error_ratio": 1.05, "silent": 0.01, "phase_correlation": 0.0}
    assert ge.meets_bar(good)
    assert not ge.meets_bar(dict(good, frac_03=0.2))
    assert not ge.meets_bar(dict(good, error_ratio=1.2))
    assert ge.meets_bar({"frac_03": 0.3, "error_ratio": 2.5}, ge.LIVE_BAR)


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped model")
def test_shipped_model_quality_as_recorded():
    model = gr.load_shipped()
    q = model.shipped_config["quality"]
    ev = ge.evaluate(model, n_batches=10, seed=99)
    assert abs(100 * ev["error"] - q["decoding_error_cm"]) < 1.5
    assert abs(ev["frac_03"] - q["frac_minmax_gt_0.3"]) < 0.1
    assert ev["silent"] <= 0.02
    assert ev["phase_correlation"] <= 0.1
    # decoding the true place-cell code along the same paths sets a floor near 4.5 cm; the
    # shipped network decodes within 10% of it
    assert 0.035 < ev["floor"] < 0.055
    assert ev["error"] < 1.1 * ev["floor"]


def test_load_learned_says_where_the_network_comes_from():
    with pytest.raises(FileNotFoundError, match="notebook 04"):
        ge.load_learned("/nonexistent/grid_cell_rnn.pt")
