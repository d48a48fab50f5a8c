"""The reference recipe of Sorscher et al. (2019), re-implemented for the speed comparison only.

ganguli-lab/grid-pattern-formation trains the same network as :mod:`helpers.grid_rnn`, but draws
its paths in a Python loop over time with boolean-mask wall handling, builds the place-cell code
from an (N, Np, 2) difference tensor, runs ``nn.RNN`` and computes its prediction twice per step.
:func:`reference_step` is one such training step, so that ``tools/grid/speed.py`` can time it
against :func:`helpers.grid_rnn.train_step` on the same configuration.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from helpers.grid_rnn import TrainConfig
from helpers.place_cells import DECODE_K
from helpers.trajectories import DT

__all__ = ["ReferenceModel", "reference_trajectories", "reference_code", "reference_step"]


def reference_trajectories(batch_size: int, samples: int, box: float, rng: np.random.Generator) -> dict:
    """The reference's path generator: a Python loop over time with boolean-mask wall handling.

    Returns
    -------
    dict with ``init`` (B, 2) start (m), ``ego_v`` (B, T) speed (m per step), ``hd`` (B, T)
    heading (rad) and ``target`` (B, T, 2) positions after each step (m).
    """
    dt, sigma, b, border = DT, 11.52, 0.13 * 2 * np.pi, 0.03
    position = np.zeros([batch_size, samples + 2, 2])
    head_dir = np.zeros([batch_size, samples + 2])
    position[:, 0] = rng.uniform(-box / 2, box / 2, (batch_size, 2))
    head_dir[:, 0] = rng.uniform(0, 2 * np.pi, batch_size)
    velocity = np.zeros([batch_size, samples + 2])
    random_turn = rng.normal(0, sigma, [batch_size, samples + 1])
    random_vel = rng.rayleigh(b, [batch_size, samples + 1])
    for t in range(samples + 1):
        v = random_vel[:, t].copy()
        x, y = position[:, t, 0], position[:, t, 1]
        dists = np.array([box / 2 - x, box / 2 - y, box / 2 + x, box / 2 + y])
        theta = (np.arange(4) * np.pi / 2)[np.argmin(dists, axis=0)]
        a_wall = np.mod(np.mod(head_dir[:, t], 2 * np.pi) - theta + np.pi, 2 * np.pi) - np.pi
        near = (np.min(dists, axis=0) < border) * (np.abs(a_wall) < np.pi / 2)
        turn = np.zeros(batch_size)
        turn[near] = np.sign(a_wall[near]) * (np.pi / 2 - np.abs(a_wall[near]))
        v[near] *= 0.25
        turn += dt * random_turn[:, t]
        velocity[:, t] = v * dt
        update = velocity[:, t, None] * np.stack([np.cos(head_dir[:, t]), np.sin(head_dir[:, t])], axis=-1)
        position[:, t + 1] = position[:, t] + update
        head_dir[:, t + 1] = head_dir[:, t] + turn
    head_dir = np.mod(head_dir + np.pi, 2 * np.pi) - np.pi
    return {
        "init": position[:, 1],
        "ego_v": velocity[:, 1:-1],
        "hd": head_dir[:, 1:-1],
        "target": position[:, 2:],
    }


class ReferenceModel(nn.Module):
    """The reference's network: linear encoder, ``nn.RNN`` with ReLU and no bias, linear decoder."""

    def __init__(self, ng: int, npc: int):
        super().__init__()
        self.encoder = nn.Linear(npc, ng, bias=False)
        self.RNN = nn.RNN(input_size=2, hidden_size=ng, nonlinearity="relu", bias=False)
        self.decoder = nn.Linear(ng, npc, bias=False)

    def predict(self, v: torch.Tensor, p0: torch.Tensor) -> torch.Tensor:
        """Place-cell logits (T, B, Np) from velocities (T, B, 2) and start codes (B, Np)."""
        g, _ = self.RNN(v, self.encoder(p0)[None])
        return self.decoder(g)


def reference_code(pos: torch.Tensor, us: torch.Tensor, s: float, ss: float) -> torch.Tensor:
    """The reference's place-cell code of positions (T, B, 2) with centres ``us`` (Np, 2), width
    ``s`` (m) and surround scale ``ss``: shape (T, B, Np), from an (T, B, Np, 2) difference tensor."""
    d = torch.abs(pos[:, :, None, :] - us[None, None, ...]).float()
    norm2 = (d**2).sum(-1)
    out = torch.softmax(-norm2 / (2 * s**2), dim=-1)
    out -= torch.softmax(-norm2 / (2 * ss * s**2), dim=-1)
    out += torch.abs(out.min(-1, keepdim=True)[0])
    return out / out.sum(-1, keepdim=True)


def reference_step(
    model: ReferenceModel, opt: torch.optim.Optimizer, us: torch.Tensor, cfg: TrainConfig, rng: np.random.Generator
) -> None:
    """One training step of the reference recipe (fresh paths, two forward passes, Adam step)."""
    tr = reference_trajectories(cfg.batch_size, cfg.sequence_length, cfg.box_size, rng)
    v = np.stack([tr["ego_v"] * np.cos(tr["hd"]), tr["ego_v"] * np.sin(tr["hd"])], axis=-1)
    v = torch.tensor(v, dtype=torch.float32).transpose(0, 1)
    pos = torch.tensor(tr["target"], dtype=torch.float32).transpose(0, 1)
    init = torch.tensor(tr["init"], dtype=torch.float32)[None]
    p0 = reference_code(init, us, cfg.place_cell_width, cfg.surround_scale)[0]
    y = reference_code(pos, us, cfg.place_cell_width, cfg.surround_scale)
    preds = model.predict(v, p0)
    yhat = torch.softmax(model.predict(v, p0), dim=-1)  # the reference's second forward pass
    loss = -(y * torch.log(yhat)).sum(-1).mean() + cfg.weight_decay * (model.RNN.weight_hh_l0**2).sum()
    idx = torch.topk(preds, k=DECODE_K).indices
    _ = torch.sqrt(((pos - us[idx].mean(-2)) ** 2).sum(-1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
