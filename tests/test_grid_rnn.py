"""Tests of the grid-cell RNN and its training (helpers.grid_rnn)."""
import math
import time

import numpy as np
import pytest
import torch

from helpers import grid_rnn as gr
from helpers import precision
from helpers.paths import DATA_DIR
from helpers.plotting import plateau_summary

SMALL = dict(n_grid=16, n_place=32, batch_size=8, sequence_length=5, precision="fp32")


def test_initial_loss_is_log_np():
    cfg = gr.TrainConfig(n_grid=144, batch_size=50, precision="fp32")
    model = gr.GridRNN(cfg)
    batch = gr.make_batch(cfg, model.centers, np.random.default_rng(0))
    with torch.no_grad():
        ce = gr.cross_entropy(model.readout(model(batch["velocities"], batch["p0"])), batch["targets"])
    assert abs(float(ce) - math.log(cfg.n_place)) < 0.01


def test_forward_shapes_and_relu():
    cfg = gr.TrainConfig(**SMALL)
    model = gr.GridRNN(cfg)
    batch = gr.make_batch(cfg, model.centers, np.random.default_rng(0))
    g = model(batch["velocities"], batch["p0"])
    assert g.shape == (8, 5, 16) and torch.all(g >= 0)
    assert batch["targets"].shape == (8, 5, 32)
    assert torch.allclose(batch["targets"].sum(-1), torch.ones(8, 5), atol=1e-5)
    # the forward pass is the rnn_step recursion
    h = batch["p0"] @ model.encoder.T
    for t in range(5):
        h = gr.rnn_step(h, batch["velocities"][:, t], model.J, model.M)
        assert torch.allclose(h, g[:, t], atol=1e-5)


def test_rnn_step_numpy_and_torch():
    rng = np.random.default_rng(1)
    g, v, J, M = rng.normal(size=(3, 4)), rng.normal(size=(3, 2)), rng.normal(size=(4, 4)), rng.normal(size=(4, 2))
    a = gr.rnn_step(g, v, J, M)
    b = gr.rnn_step(*(torch.tensor(x) for x in (g, v, J, M)))
    assert isinstance(a, np.ndarray) and np.allclose(a, b.numpy()) and np.all(a >= 0)


def test_training_lowers_loss_and_resumes(tmp_path):
    cfg = gr.TrainConfig(**SMALL, lr=1e-2)
    full, hist = gr.train(cfg, 6, progress=False, log_every=1)
    ck = tmp_path / "ck.pt"
    gr.train(cfg, 3, checkpoint=ck, progress=False, log_every=1)
    resumed, hist2 = gr.train(cfg, 6, checkpoint=ck, progress=False, log_every=1)
    assert hist2["step"] == hist["step"]
    for name in ("J", "M", "encoder", "decoder"):
        assert torch.allclose(getattr(full, name), getattr(resumed, name), atol=1e-6)


def test_learns_beyond_plateau():
    # the plateau at ln(Np) is left within a few hundred steps with the fast recipe
    cfg = gr.TrainConfig(**dict(gr.LIVE_RECIPE, n_grid=256, batch_size=50, precision="fp32"))
    _, hist = gr.train(cfg, 300, progress=False, log_every=10)
    assert hist["cross_entropy"][-1] < math.log(cfg.n_place) - 0.008
    assert np.mean(hist["error"][-3:]) < 0.85 * np.mean(hist["error"][:3])


def test_shipped_dict_round_trip(tmp_path):
    cfg = gr.TrainConfig(**dict(SMALL, velocity_scale=50.0, start_scale=20.0))
    model = gr.GridRNN(cfg)
    path = tmp_path / "m.pt"
    torch.save(gr.shipped_dict(model, {"steps": 0}), path)
    loaded = gr.load_shipped(path)
    batch = gr.make_batch(cfg, model.centers, np.random.default_rng(0))
    with torch.no_grad():
        ours, theirs = model(batch["velocities"], batch["p0"]), loaded(batch["velocities"], batch["p0"])
        assert torch.allclose(ours, theirs, atol=1e-5)


SHIPPED = DATA_DIR / "grid_cell_rnn.pt"


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped model")
def test_shipped_model_format():
    assert SHIPPED.stat().st_size < 10 * 2**20
    d = torch.load(SHIPPED, weights_only=True)
    ng, npc = d["J"].shape[0], d["place_cell_centers"].shape[0]
    assert int(math.isqrt(ng)) ** 2 == ng and ng in (576, 1024)
    assert d["J"].shape == (ng, ng) and d["M"].shape == (ng, 2)
    assert d["encoder"].shape == (ng, npc) and d["decoder"].shape == (npc, ng)
    cfg = d["config"]
    for key in ("place_cell_width", "surround_scale", "box_size", "dt", "sequence_length", "steps", "lr",
                "weight_decay", "seed", "wall_time_s", "machine", "quality"):
        assert key in cfg, key


# --- the precision chosen by measurement ------------------------------------------------------

TINY = dict(n_grid=16, n_place=32, batch_size=8, sequence_length=5)


def _slow(monkeypatch, which: str, seconds: float = 0.05) -> None:
    """Make one precision's training step slower than the other's, as emulated bf16 is."""
    real = gr.train_step

    def step(model, opt, batch):
        out = real(model, opt, batch)
        if model.config.precision == which:
            time.sleep(seconds)
        return out

    monkeypatch.setattr(gr, "train_step", step)


@pytest.mark.parametrize("slow,expected", [("bf16", "fp32"), ("fp32", "bf16")])
def test_choose_precision_never_keeps_a_slow_path(monkeypatch, slow, expected):
    _slow(monkeypatch, slow)
    lines = []
    chosen, rates = gr.choose_precision(gr.TrainConfig(**TINY), "cpu", candidates=("fp32", "bf16"),
                                        log=lines.append)
    assert chosen == expected
    assert set(rates) == {"fp32", "bf16"} and rates[expected] > rates[slow]
    assert lines and lines[0].startswith(f"precision: {expected}") and "steps/s" in lines[0]


def test_choose_precision_with_one_candidate_times_nothing(monkeypatch):
    monkeypatch.setattr(gr, "train_step", lambda *a: pytest.fail("nothing to time"))
    assert gr.choose_precision(gr.TrainConfig(**TINY), "cpu", candidates=("fp32",), log=None) == ("fp32", {})
    with pytest.raises(ValueError, match="candidates"):
        gr.choose_precision(gr.TrainConfig(**TINY), "cpu", candidates=("fp16",), log=None)


def test_explicit_precision_wins_and_auto_is_resolved(monkeypatch):
    model, _ = gr.train(gr.TrainConfig(**TINY, precision="bf16"), n_steps=2, progress=False)
    assert model.config.precision == "bf16" and model.precision_rates == {}
    _slow(monkeypatch, "bf16")
    monkeypatch.setattr(precision, "precision_candidates", lambda dev: ("fp32", "bf16"))
    model, _ = gr.train(gr.TrainConfig(**TINY), n_steps=2, progress=False)
    assert model.config.precision == "fp32" and set(model.precision_rates) == {"fp32", "bf16"}
    with pytest.raises(ValueError, match="precision"):
        gr.TrainConfig(precision="fp16")


def test_train_by_time_budget_needs_a_limit():
    with pytest.raises(ValueError, match="max_seconds"):
        gr.train(gr.TrainConfig(**TINY, precision="fp32"), progress=False)
    model, history = gr.train(gr.TrainConfig(**TINY, precision="fp32"), max_seconds=0.5, progress=False)
    assert history["step"][-1] >= 1


def test_plateau_summary_says_what_the_curve_shows():
    n = 512
    flat = [np.log(n) + 0.001] * 5
    assert plateau_summary([1, 10, 20, 30, 40], flat, n) == "still on the plateau after 40 steps"
    dropping = [np.log(n), np.log(n), np.log(n) - 0.05, np.log(n) - 0.1, np.log(n) - 0.2]
    assert plateau_summary([1, 10, 20, 30, 40], dropping, n) == "left the plateau at step 20"
