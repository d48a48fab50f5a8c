"""The 3-bit flip-flop task and a small tanh RNN trained on it (Sussillo & Barak 2013).

Each of ``n_bits`` input channels carries rare +1/-1 pulses; the matching output must hold
the sign of the last pulse of its channel until the next one. A trained network stores the
``2**n_bits`` memories as stable fixed points of its dynamics (8 for 3 bits).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .torch_setup import use_threads
from .training import fit
from .validation import check_rng, check_scalar

__all__ = [
    "flipflop_batch", "FlipFlopRNN", "train_flipflop", "TrainResult", "memory_states", "visited_states",
    "fixed_point_starts",
]


def flipflop_batch(
    batch: int, T: int, n_bits: int = 3, p_pulse: float = 0.05,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of the flip-flop task.

    Parameters
    ----------
    batch, T : int
        Number of trials and time steps.
    n_bits : int
        Number of independent memories.
    p_pulse : float
        Probability of a pulse per channel and step.
    seed : int or Generator

    Returns
    -------
    inputs, targets : (batch, T, n_bits) float32 arrays
        Pulses in {-1, 0, +1}; targets hold the last pulse's sign. Every channel pulses at
        step 0, so every target is defined from the start.
    """
    batch = check_scalar(batch, "batch", int, min_val=1)
    T = check_scalar(T, "T", int, min_val=1)
    n_bits = check_scalar(n_bits, "n_bits", int, min_val=1)
    p_pulse = check_scalar(p_pulse, "p_pulse", min_val=0.0, max_val=1.0)
    rng = check_rng(seed)
    pulse = rng.random((batch, T, n_bits)) < p_pulse
    pulse[:, 0] = True
    sign = rng.choice([-1.0, 1.0], size=(batch, T, n_bits))
    inputs = np.where(pulse, sign, 0.0).astype(np.float32)
    targets = np.zeros_like(inputs)
    state = np.zeros((batch, n_bits), dtype=np.float32)
    for t in range(T):
        state = np.where(pulse[:, t], inputs[:, t], state)
        targets[:, t] = state
    return inputs, targets


class FlipFlopRNN(nn.Module):
    """``h_t = tanh(W_hh h_{t-1} + W_ih u_t + b)``, output ``y_t = W_out h_t + b_out``."""

    def __init__(self, n_hidden: int = 32, n_bits: int = 3):
        super().__init__()
        self.rnn = nn.RNN(n_bits, n_hidden, nonlinearity="tanh", batch_first=True)
        self.readout = nn.Linear(n_hidden, n_bits)

    def forward(self, u: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return outputs (B, T, n_bits) and hidden states (B, T, n_hidden)."""
        h, _ = self.rnn(u, h0)
        return self.readout(h), h

    def step(self, h: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """One autonomous (or driven) update of hidden states ``h`` (B, n_hidden)."""
        pre = h @ self.rnn.weight_hh_l0.T + self.rnn.bias_hh_l0 + self.rnn.bias_ih_l0
        if u is not None:
            pre = pre + u @ self.rnn.weight_ih_l0.T
        return torch.tanh(pre)


@dataclass
class TrainResult:
    """A trained network and its learning curve."""

    model: nn.Module
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train_flipflop(
    n_hidden: int = 32, steps: int = 600, batch: int = 64, T: int = 100, lr: float = 5e-3,
    seed: int = 0, progress: bool = False,
) -> TrainResult:
    """Train a :class:`FlipFlopRNN` with Adam on fresh flip-flop batches.

    Parameters
    ----------
    n_hidden : int
        Hidden units.
    steps : int
        Adam steps (one fresh batch each).
    batch, T : int
        Trials per batch and their length.
    lr : float
        Learning rate.
    seed : int
        Seeds the weights and the task.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    TrainResult
        ``model``, per-step mean squared error ``losses`` and wall ``seconds``.
    """
    n_hidden = check_scalar(n_hidden, "n_hidden", int, min_val=1)
    steps = check_scalar(steps, "steps", int, min_val=1)
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    use_threads()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = FlipFlopRNN(n_hidden)

    def step_loss() -> tuple[torch.Tensor, torch.Tensor]:
        u, y = (torch.from_numpy(a) for a in flipflop_batch(batch, T, seed=rng))
        out, _ = model(u)
        loss = torch.mean((out - y) ** 2)
        return loss, loss

    losses, seconds = fit(model, step_loss, steps, lr, clip=1.0, progress=progress, desc="training flip-flop RNN")
    result = TrainResult(model, losses, seconds)
    model.eval()
    return result


def memory_states(
    model: FlipFlopRNN, hold: int = 400, repeats: int = 4, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """Hidden states after each of the ``2**n_bits`` memories was set and held for ``hold`` steps.

    Good starting points for the fixed-point search: a memory that the network keeps ends
    near a stable fixed point.

    Returns
    -------
    (2**n_bits * repeats, n_hidden) array
    """
    hold = check_scalar(hold, "hold", int, min_val=1)
    rng = check_rng(seed)
    n_bits = model.readout.out_features
    codes = np.array(list(itertools.product([-1.0, 1.0], repeat=n_bits)), dtype=np.float32)
    u = np.zeros((len(codes) * repeats, hold + 2, n_bits), dtype=np.float32)
    u[:, 0] = rng.choice([-1.0, 1.0], size=(len(u), n_bits))  # a random earlier memory
    u[:, 1] = np.repeat(codes, repeats, axis=0)
    with torch.no_grad():
        _, h = model(torch.from_numpy(u))
    return h[:, -1].numpy().astype(np.float64)


def visited_states(model: FlipFlopRNN, n_trials: int = 16, T: int = 200, seed: int = 5) -> np.ndarray:
    """Hidden states (n_trials * T, n_hidden) of the network on fresh flip-flop trials."""
    u, _ = flipflop_batch(n_trials, T, n_bits=model.readout.out_features, seed=seed)
    with torch.no_grad():
        _, h = model(torch.from_numpy(u))
    return h.numpy().reshape(-1, h.shape[-1]).astype(np.float64)


def fixed_point_starts(model: FlipFlopRNN, n_visited: int = 256, jitter: float = 0.05, seed: int = 0) -> np.ndarray:
    """Starting points for the fixed-point search: held memories and jittered visited states.

    Returns
    -------
    (2**n_bits * 4 + n_visited, n_hidden) array
    """
    rng = check_rng(seed)
    visited = visited_states(model)
    picks = visited[rng.choice(len(visited), size=n_visited)]
    return np.concatenate([memory_states(model, seed=rng), picks + jitter * rng.standard_normal(picks.shape)])
