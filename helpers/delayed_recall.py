"""Delayed recall: remember a symbol across a delay -- the vanishing-gradient demonstration.

A one-hot symbol (one of ``n_symbols``) arrives at step 0; noise for ``delay`` steps; a
go cue; the network must then name the symbol. Only the last step is scored, so the whole
learning signal has to travel back ``delay + 1`` steps through the recurrence. A vanilla tanh
RNN with PyTorch's default initialisation (spectral radius ~0.6) loses that signal and stays
at chance; with an orthogonal recurrent matrix (all singular values 1) it learns. Gated
networks (GRU, LSTM) can copy their state unchanged through their gates, but on this noisy
version they need more than the default 1000 steps to leave the chance plateau.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn

from .flipflop import TrainResult
from .torch_setup import use_threads
from .training import fit
from .validation import check_rng, check_scalar

__all__ = ["delayed_recall_batch", "RecallNet", "train_delayed_recall", "recall_accuracy"]

Kind = Literal["vanilla", "orthogonal", "gru", "lstm"]


def delayed_recall_batch(
    batch: int, delay: int, n_symbols: int = 8, noise: float = 0.5,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (batch, delay + 2, n_symbols + 1) and target symbols (batch,).

    Step 0 shows the symbol (one-hot); the ``delay`` steps after it carry Gaussian noise of
    standard deviation ``noise`` on the symbol channels (distractors to be ignored); channel
    ``n_symbols`` is the go cue at the last step.
    """
    batch = check_scalar(batch, "batch", int, min_val=1)
    delay = check_scalar(delay, "delay", int, min_val=0)
    n_symbols = check_scalar(n_symbols, "n_symbols", int, min_val=2)
    noise = check_scalar(noise, "noise", min_val=0)
    rng = check_rng(seed)
    sym = rng.integers(0, n_symbols, size=batch)
    x = np.zeros((batch, delay + 2, n_symbols + 1), dtype=np.float32)
    x[np.arange(batch), 0, sym] = 1.0
    x[:, 1:-1, :n_symbols] = noise * rng.standard_normal((batch, delay, n_symbols))
    x[:, -1, n_symbols] = 1.0
    return x, sym


class RecallNet(nn.Module):
    """A recurrent layer (tanh RNN, GRU or LSTM) and a linear readout of the last state."""

    def __init__(self, kind: Kind = "vanilla", n_hidden: int = 64, n_symbols: int = 8):
        super().__init__()
        if kind not in ("vanilla", "orthogonal", "gru", "lstm"):
            raise ValueError(f"kind must be 'vanilla', 'orthogonal', 'gru' or 'lstm', got {kind!r}")
        n_in = n_symbols + 1
        if kind == "gru":
            self.rnn = nn.GRU(n_in, n_hidden, batch_first=True)
        elif kind == "lstm":
            self.rnn = nn.LSTM(n_in, n_hidden, batch_first=True)
        else:
            self.rnn = nn.RNN(n_in, n_hidden, nonlinearity="tanh", batch_first=True)
            if kind == "orthogonal":
                nn.init.orthogonal_(self.rnn.weight_hh_l0)
        self.readout = nn.Linear(n_hidden, n_symbols)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, n_symbols) read from the last hidden state."""
        h, _ = self.rnn(x)
        return self.readout(h[:, -1])


def recall_accuracy(model: RecallNet, delay: int = 30, n_symbols: int = 8, n: int = 512, seed: int = 123) -> float:
    """Fraction of ``n`` fresh trials recalled correctly (chance is 1/n_symbols)."""
    x, y = delayed_recall_batch(n, delay, n_symbols, seed=seed)
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float(np.mean(pred == y))


def train_delayed_recall(
    kind: Kind = "vanilla", delay: int = 30, steps: int = 1000, n_hidden: int = 64, n_symbols: int = 8,
    batch: int = 64, lr: float = 3e-3, seed: int = 0, progress: bool = False,
) -> TrainResult:
    """Train a :class:`RecallNet` with Adam (gradient norm clipped at 1).

    Returns
    -------
    TrainResult
        ``model``, per-step cross-entropy ``losses`` (chance: ln n_symbols) and ``seconds``.
    """
    steps = check_scalar(steps, "steps", int, min_val=1)
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    use_threads()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = RecallNet(kind, n_hidden, n_symbols)

    def step_loss() -> tuple[torch.Tensor, torch.Tensor]:
        x, y = delayed_recall_batch(batch, delay, n_symbols, seed=rng)
        loss = nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        return loss, loss

    losses, seconds = fit(model, step_loss, steps, lr, clip=1.0, progress=progress, desc=f"delayed recall ({kind})")
    result = TrainResult(model, losses, seconds)
    return result
