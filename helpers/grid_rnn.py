"""A path-integrating recurrent network in which grid cells emerge (Sorscher et al. 2019, 2023).

The network receives the place-cell code of its starting point once, then only velocities, and
must report, at every step, the place-cell code of where it now is:

    g_0 = E p(x_0)                        (linear encoder of the start, no nonlinearity)
    g_t = ReLU(J g_{t-1} + M v_t)          (recurrence; v_t the displacement in step t)
    p_hat_t = softmax(W g_t)               (readout W = ``decoder``)

trained by cross-entropy between p_hat_t and the difference-of-softmaxes place-cell code of the
true position, plus ``weight_decay * ||J||^2``. Reference code: ganguli-lab/grid-pattern-formation.

This module is the model and its training; :mod:`helpers.grid_evaluation` measures a trained
network (rate maps, grid scores, decoding) and :mod:`helpers.precision` picks the arithmetic.

What differs from the reference, and why (all measured on a 2-core CPU; see ``data/README.md``):

- one forward pass per step (the reference runs its prediction twice), the trajectory and the
  place-cell code computed batched, and matrix products optionally in bfloat16 (``precision``),
  which CPUs with AMX and GPUs run several times faster; weights and Adam stay float32;
- the velocity input may be scaled (``velocity_scale``): displacements of ~2 cm per step are tiny
  next to the hidden activity, and Adam needs many steps to grow ``M`` to match them. The shipped
  ``M`` has the scale folded in, so it always acts on displacements in metres per step.
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .paths import CACHE_DIR, DATA_DIR
from .place_cells import (
    N_PLACE_CELLS,
    PLACE_CELL_WIDTH,
    SURROUND_SCALE,
    decode_position,
    place_cell_centers,
    place_cell_code,
)
from .precision import PRECISIONS, fastest_precision
from .torch_setup import device as default_device
from .torch_setup import use_threads
from .training import budget_bar
from .trajectories import BOX_SIZE, DT, simulate_trajectories
from .validation import check_scalar

__all__ = [
    "N_GRID_UNITS",
    "SEQUENCE_LENGTH",
    "BATCH_SIZE",
    "REFERENCE_LR",
    "REFERENCE_WEIGHT_DECAY",
    "LIVE_RECIPE",
    "SHIPPED_RECIPE",
    "SHIPPED_PHASES",
    "train_phases",
    "TrainConfig",
    "GridRNN",
    "rnn_step",
    "cross_entropy",
    "target_entropy",
    "make_batch",
    "train_step",
    "choose_precision",
    "train",
    "shipped_dict",
    "load_shipped",
]


#: Reference sizes and optimiser settings (Sorscher et al. 2019 code): 4096 hidden units,
#: sequences of 20 steps, batches of 200, Adam with learning rate 1e-4 and weight decay 1e-4 on J.
N_GRID_UNITS = 4096
SEQUENCE_LENGTH = 20
BATCH_SIZE = 200
REFERENCE_LR = 1e-4
REFERENCE_WEIGHT_DECAY = 1e-4

#: The shipped network's base recipe (measured on a 2-core CPU, see data/README.md): J starts as
#: the identity so the start position is remembered from the first step, and the start code and
#: the velocity enter scaled up so that E and M need not grow by orders of magnitude first.
SHIPPED_RECIPE = dict(
    n_grid=576, batch_size=100, lr=1e-3, weight_decay=1e-4, j_init="identity", start_scale=20.0, velocity_scale=50.0
)
#: The live recipe of notebook 04 (45 s on one core of a laptop without AMX, fp32): the same
#: model, smaller where it costs time and not grids -- 400 units, 256 place cells, batches of 50
#: paths of 10 steps (about a fifth of the arithmetic of a shipped step) -- and the learning rate
#: decaying from 1e-3 to 2e-4 between steps 400 and 1500 to sharpen the decoding. Every variant
#: measured is in data/README.md.
LIVE_RECIPE = dict(
    SHIPPED_RECIPE, n_grid=400, n_place=256, batch_size=50, sequence_length=10,
    lr_end=2e-4, decay_start=400, decay_steps=1500,
)
#: The shipped network's recipe: two phases, run one after the other on the same checkpoint
#: (``train_phases``): 4000 steps of SHIPPED_RECIPE (weight decay 1e-4 on J), then 5000 steps with
#: weight decay 1e-5 (units silenced by the stronger decay come back) and the learning rate
#: decaying geometrically from 1e-3 to 1e-4 between steps 4000 and 8000 (it sharpens the decoding).
SHIPPED_PHASES = (
    (dict(SHIPPED_RECIPE), 4_000),
    (dict(SHIPPED_RECIPE, weight_decay=1e-5, lr_end=1e-4, decay_start=4_000, decay_steps=8_000), 9_000),
)


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run (stored with checkpoints and the shipped model).

    Sizes: ``n_grid`` hidden units Ng, ``n_place`` place cells Np. Task: ``box_size`` (m),
    ``dt`` (s), ``sequence_length`` steps, place cells of ``place_cell_width`` (m) and
    ``surround_scale``. Optimiser: Adam with ``lr``; if ``lr_end`` is set the rate decays
    geometrically from ``lr`` to ``lr_end`` between ``decay_start`` and ``decay_steps``;
    ``weight_decay`` multiplies ``||J||^2`` in the loss. ``velocity_scale`` multiplies the
    displacement input and ``start_scale`` the start's place-cell code; ``j_init`` is
    ``"uniform"`` (the reference's) or ``"identity"`` (J = I, so that the start is remembered
    from the first step); ``precision`` is ``"fp32"``, ``"bf16"`` (matrix products only) or
    ``"auto"``: :func:`train` times both on this machine and keeps the faster
    (:func:`choose_precision`); a model built directly with ``"auto"`` computes in fp32.
    """

    n_grid: int = 576
    n_place: int = N_PLACE_CELLS
    batch_size: int = BATCH_SIZE
    sequence_length: int = SEQUENCE_LENGTH
    box_size: float = BOX_SIZE
    dt: float = DT
    place_cell_width: float = PLACE_CELL_WIDTH
    surround_scale: float = SURROUND_SCALE
    lr: float = 1e-3
    lr_end: float | None = None
    decay_start: int = 0
    decay_steps: int = 0
    weight_decay: float = 1e-5
    velocity_scale: float = 1.0
    start_scale: float = 1.0
    j_init: str = "uniform"
    precision: str = "auto"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS + ("auto",):
            raise ValueError(f"precision must be one of {PRECISIONS + ('auto',)}, got {self.precision!r}")

    def lr_at(self, step: int) -> float:
        """Learning rate at a training step."""
        if self.lr_end is None or self.decay_steps <= self.decay_start or step <= self.decay_start:
            return self.lr
        frac = min(1.0, (step - self.decay_start) / (self.decay_steps - self.decay_start))
        return self.lr * (self.lr_end / self.lr) ** frac


def rnn_step(g: torch.Tensor, v: torch.Tensor, J: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
    """One step of the recurrence, g_t = ReLU(J g_{t-1} + M v_t), for a batch.

    Parameters
    ----------
    g : Tensor, shape (B, Ng)
        Previous hidden state.
    v : Tensor, shape (B, 2)
        Velocity input of this step.
    J : Tensor, shape (Ng, Ng)
        Recurrent weights, row = postsynaptic unit.
    M : Tensor, shape (Ng, 2)
        Velocity input weights.

    Returns
    -------
    Tensor, shape (B, Ng)
        (numpy arrays in, numpy array out)
    """
    if isinstance(g, np.ndarray):
        return np.maximum(g @ J.T + v @ M.T, 0.0)
    return torch.relu(g @ J.T + v @ M.T)


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy between ``softmax(logits)`` and a target distribution (nats).

    Parameters
    ----------
    logits : Tensor, shape (..., Np)
    target : Tensor, shape (..., Np)
        Non-negative, summing to 1 over the last axis.
    """
    return -(target * torch.log_softmax(logits.float(), dim=-1)).sum(-1).mean()


class GridRNN(nn.Module):
    """The path-integrating RNN: encoder E, recurrence J, velocity input M, readout W.

    Parameters
    ----------
    config : TrainConfig
        Sizes, task and precision.
    centers : ndarray, shape (Np, 2), optional
        Place-cell centres (m); drawn from ``config.seed`` if omitted.

    Initialisation as in the reference (PyTorch's defaults for ``nn.Linear`` and ``nn.RNN``):
    every weight uniform in +-1/sqrt(fan-in), with fan-in Ng for J and M.
    """

    def __init__(self, config: TrainConfig, centers: np.ndarray | None = None):
        super().__init__()
        self.config = config
        ng, npc = config.n_grid, config.n_place
        gen = torch.Generator().manual_seed(config.seed)

        def uniform(shape: tuple[int, int], fan_in: int) -> nn.Parameter:
            bound = 1.0 / math.sqrt(fan_in)
            return nn.Parameter((torch.rand(shape, generator=gen) * 2 - 1) * bound)

        self.encoder = uniform((ng, npc), npc)
        self.J = uniform((ng, ng), ng)
        if config.j_init == "identity":
            self.J = nn.Parameter(torch.eye(ng))
        elif config.j_init != "uniform":
            raise ValueError(f"config.j_init must be 'uniform' or 'identity', got {config.j_init!r}")
        self.M = uniform((ng, 2), ng)
        self.decoder = uniform((npc, ng), ng)
        if centers is None:
            centers = place_cell_centers(npc, config.box_size, seed=config.seed)
        self.register_buffer("centers", torch.as_tensor(np.asarray(centers), dtype=torch.float32))

    def _mm(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.config.precision == "bf16":
            return (x.to(torch.bfloat16) @ w.to(torch.bfloat16)).float()
        return x @ w

    def forward(self, velocities: torch.Tensor, p0: torch.Tensor) -> torch.Tensor:
        """Hidden activity along a batch of paths.

        Parameters
        ----------
        velocities : Tensor, shape (B, T, 2)
            Displacements (m per step).
        p0 : Tensor, shape (B, Np)
            Place-cell code of the starting points.

        Returns
        -------
        Tensor, shape (B, T, Ng)
            g_1 ... g_T (non-negative).
        """
        g = (p0 * self.config.start_scale) @ self.encoder.T
        # unbind (not indexing) keeps the backward pass from filling a full-size zero tensor per step
        drive = ((velocities * self.config.velocity_scale) @ self.M.T).unbind(1)
        Jt = self.J.T.to(torch.bfloat16) if self.config.precision == "bf16" else self.J.T
        out = []
        for d in drive:
            rec = (g.to(Jt.dtype) @ Jt).float()
            g = torch.relu(rec + d)
            out.append(g)
        return torch.stack(out, dim=1)

    def readout(self, g: torch.Tensor) -> torch.Tensor:
        """Place-cell logits W g, shape (..., Np), from hidden activity (..., Ng)."""
        return self._mm(g, self.decoder.T)


def make_batch(
    config: TrainConfig, centers: torch.Tensor, rng: np.random.Generator, batch_size: int | None = None
) -> dict[str, torch.Tensor]:
    """One batch of paths with its place-cell codes, as float32 tensors on ``centers``' device.

    Returns
    -------
    dict with ``velocities`` (B, T, 2), ``positions`` (B, T, 2) (after each step, m),
    ``p0`` (B, Np) (code of the start) and ``targets`` (B, T, Np).
    """
    traj = simulate_trajectories(
        batch_size or config.batch_size, config.sequence_length, config.box_size, config.dt, seed=rng
    )
    dev = centers.device
    pos = torch.as_tensor(traj["positions"], dtype=torch.float32, device=dev)
    code = place_cell_code(pos, centers, config.place_cell_width, config.surround_scale)
    return {
        "velocities": torch.as_tensor(traj["velocities"], dtype=torch.float32, device=dev),
        "positions": pos[:, 1:],
        "p0": code[:, 0],
        "targets": code[:, 1:],
    }


def target_entropy(config: TrainConfig, n_batches: int = 4, seed: int = 0) -> float:
    """Mean entropy (nats) of the place-cell targets along fresh paths: the lowest cross-entropy
    any network can reach on this task (the loss starts near ln(Np))."""
    n_batches = check_scalar(n_batches, "n_batches", int, min_val=1)
    centers = torch.as_tensor(place_cell_centers(config.n_place, config.box_size, seed=config.seed),
                              dtype=torch.float32)
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(n_batches):
        p = make_batch(config, centers, rng)["targets"]
        total += float(-(p * torch.log(p.clamp_min(1e-30))).sum(-1).mean())
    return total / n_batches


def _loss(model: GridRNN, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = model(batch["velocities"], batch["p0"])
    logits = model.readout(g)
    ce = cross_entropy(logits, batch["targets"])
    return ce + model.config.weight_decay * (model.J**2).sum(), ce, logits


def train_step(
    model: GridRNN, opt: torch.optim.Optimizer, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One training step on one batch: loss, backward pass, optimiser step.

    Returns
    -------
    loss : Tensor
        Cross-entropy plus the weight decay on J (scalar).
    cross_entropy : Tensor
        The cross-entropy alone (nats).
    logits : Tensor, shape (B, T, Np)
        The place-cell logits of the batch (before the step).
    """
    loss, ce, logits = _loss(model, batch)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss, ce, logits


def choose_precision(
    config: TrainConfig,
    device: torch.device | str | None = None,
    candidates: tuple[str, ...] | None = None,
    n_steps: int = 2,
    log: Callable[[str], None] | None = print,
) -> tuple[str, dict[str, float]]:
    """Time a few training steps of ``config`` in each candidate precision; return the fastest.

    Each candidate trains a throw-away copy of the network (same sizes, same batch) for one
    warm-up step and ``n_steps`` timed steps (:func:`helpers.precision.fastest_precision`: a
    candidate twice as slow as the best is dropped at once, and bf16 is kept only if it is at
    least 10% faster than fp32).

    Parameters
    ----------
    config : TrainConfig
    device : torch.device or str, optional
        Default: CUDA when available, else CPU.
    candidates : tuple of str, optional
        Default :func:`helpers.precision.precision_candidates` of the device (only fp32 on CPUs
        without native bfloat16: nothing to time).
    n_steps : int
        Timed steps per candidate.
    log : callable or None
        Receives one line: the choice and the measured steps/s.

    Returns
    -------
    precision : str
    rates : dict of str to float
        Measured steps per second per candidate (empty when there was one candidate).
    """
    dev = torch.device(device) if device is not None else default_device()

    def make_step(precision: str) -> Callable[[], Any]:
        model = GridRNN(dataclasses.replace(config, precision=precision)).to(dev)
        batch = make_batch(model.config, model.centers, np.random.default_rng(config.seed))
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        return lambda: train_step(model, opt, batch)

    return fastest_precision(make_step, dev, candidates, n_steps, log)


def _save_checkpoint(path: Path, model: GridRNN, opt: torch.optim.Optimizer, state: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "config": dataclasses.asdict(model.config),
            **state,
        },
        tmp,
    )
    os.replace(tmp, path)


def train(
    config: TrainConfig,
    n_steps: int | None = None,
    max_seconds: float | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 500,
    progress: bool = True,
    log_every: int = 10,
    callback: Callable[[int, GridRNN, dict], None] | None = None,
    callback_every: int = 0,
    device: torch.device | str | None = None,
) -> tuple[GridRNN, dict[str, list[float]]]:
    """Train a :class:`GridRNN` with Adam on freshly drawn paths; resumable from a checkpoint.

    Parameters
    ----------
    config : TrainConfig
        With ``precision="auto"`` (the default) the faster precision on this machine is
        measured first (:func:`choose_precision`) and printed.
    n_steps : int, optional
        Total number of training steps (a resumed run continues up to this count). None: train
        until ``max_seconds`` have passed (one of the two must be given).
    max_seconds : float, optional
        Stop after this much training wall time (s) in this call.
    checkpoint : path, optional
        File to save to every ``checkpoint_every`` steps and at the end; if it exists, training
        resumes from it (model, optimiser, data random state, history).
    progress : bool
        Show a tqdm progress bar: in steps, or in seconds of the time budget when ``n_steps``
        is None, with the steps done, the loss and the decoding error.
    log_every : int
        Steps between entries of the history (loss, cross-entropy and decoding error of the
        current batch).
    callback : callable, optional
        ``callback(step, model, history)`` every ``callback_every`` steps (e.g. an evaluation).
    device : torch.device or str, optional
        Default: CUDA when available, else CPU (with :func:`helpers.torch_setup.use_threads`).

    Returns
    -------
    model : GridRNN
        With ``model.precision_rates`` (the measured steps/s per precision, if measured).
    history : dict of lists
        ``step``, ``time`` (s of training), ``loss``, ``cross_entropy``, ``error`` (m).
    """
    if n_steps is None and max_seconds is None:
        raise ValueError("n_steps and max_seconds are both None: give a step count, a time budget, or both")
    limit = math.inf if n_steps is None else check_scalar(n_steps, "n_steps", int, min_val=0)
    if max_seconds is not None:
        max_seconds = check_scalar(max_seconds, "max_seconds", min_val=0, include_boundaries="neither")
    dev = torch.device(device) if device is not None else default_device()
    if dev.type == "cpu":
        use_threads()
    rates: dict[str, float] = {}
    if config.precision == "auto":
        chosen, rates = choose_precision(config, dev, log=print if progress else None)
        config = dataclasses.replace(config, precision=chosen)
    model = GridRNN(config).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed + 1)
    history: dict[str, list[float]] = {k: [] for k in ("step", "time", "loss", "cross_entropy", "error")}
    step, elapsed = 0, 0.0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and ckpt.exists():
        saved = torch.load(ckpt, map_location=dev, weights_only=False)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        rng.bit_generator.state = saved["rng_state"]
        history, step, elapsed = saved["history"], saved["step"], saved["elapsed"]

    bar = budget_bar(limit, max_seconds, initial=step) if progress else None
    start = time.perf_counter() - elapsed
    call_start = time.perf_counter()
    while step < limit:
        if max_seconds is not None and time.perf_counter() - call_start >= max_seconds:
            break
        for group in opt.param_groups:
            group["lr"] = config.lr_at(step)
        batch = make_batch(config, model.centers, rng)
        loss, ce, logits = train_step(model, opt, batch)
        step += 1
        if step % log_every == 0 or step == 1:
            with torch.no_grad():
                err = (decode_position(logits, model.centers) - batch["positions"]).norm(dim=-1).mean()
            history["step"].append(step)
            history["time"].append(time.perf_counter() - start)
            history["loss"].append(loss.item())
            history["cross_entropy"].append(ce.item())
            history["error"].append(float(err))
            if bar is not None:
                bar.set_postfix(step=step, loss=f"{ce.item():.3f}", err_cm=f"{100 * float(err):.1f}", refresh=False)
        if bar is not None:
            bar.update(1 if n_steps is not None else min(max_seconds, time.perf_counter() - call_start) - bar.n)
        if callback is not None and callback_every and step % callback_every == 0:
            callback(step, model, history)
        if ckpt is not None and step % checkpoint_every == 0:
            _save_checkpoint(ckpt, model, opt, _state(rng, history, step, start))
    if bar is not None:
        bar.close()
    if ckpt is not None:
        _save_checkpoint(ckpt, model, opt, _state(rng, history, step, start))
    model.history = history
    model.elapsed = time.perf_counter() - start
    model.precision_rates = rates
    return model, history


def train_phases(
    phases=None, checkpoint: str | Path | None = None, **kwargs: Any
) -> tuple[GridRNN, dict[str, list[float]]]:
    """Train through successive (config fields, total steps) phases on one resumable checkpoint.

    Parameters
    ----------
    phases : sequence of (dict, int), optional
        TrainConfig fields and the step count at which each phase ends; default
        :data:`SHIPPED_PHASES` (the shipped network's recipe).
    checkpoint : path, optional
        Default ``.cache/grid/phases.pt``; an interrupted run resumes from it.
    **kwargs
        Passed on to :func:`train` (``progress``, ``callback``, ...).
    """
    phases = SHIPPED_PHASES if phases is None else phases
    ckpt = Path(checkpoint) if checkpoint is not None else CACHE_DIR / "grid" / "phases.pt"
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    model, history = None, {}
    for fields, steps in phases:
        model, history = train(TrainConfig(**fields), steps, checkpoint=ckpt, **kwargs)
    return model, history


def _state(rng: np.random.Generator, history: dict, step: int, start: float) -> dict:
    return {
        "rng_state": rng.bit_generator.state,
        "history": history,
        "step": step,
        "elapsed": time.perf_counter() - start,
    }


def shipped_dict(model: GridRNN, extra: dict | None = None) -> dict[str, Any]:
    """The plain-tensor dict written to ``data/grid_cell_rnn.pt`` (loads with weights_only=True).

    ``M`` has ``velocity_scale`` and ``encoder`` has ``start_scale`` folded in, so they act on
    displacements in metres per step and on the place-cell code as it is.
    """
    cfg = dataclasses.asdict(model.config)
    cfg.update(velocity_units="m per step", **(extra or {}))
    return {
        "J": model.J.detach().cpu().float().clone(),
        "M": (model.M.detach().cpu().float() * model.config.velocity_scale).clone(),
        "encoder": (model.encoder.detach().cpu().float() * model.config.start_scale).clone(),
        "decoder": model.decoder.detach().cpu().float().clone(),
        "place_cell_centers": model.centers.detach().cpu().float().clone(),
        "config": cfg,
    }


def load_shipped(path: str | Path | None = None) -> GridRNN:
    """Load the shipped network (default ``data/grid_cell_rnn.pt``) as a float32 :class:`GridRNN`."""
    path = Path(path) if path is not None else DATA_DIR / "grid_cell_rnn.pt"
    saved = torch.load(path, map_location="cpu", weights_only=True)
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in saved["config"].items() if k in fields})
    cfg.velocity_scale, cfg.start_scale, cfg.precision = 1.0, 1.0, "fp32"
    model = GridRNN(cfg, centers=saved["place_cell_centers"].numpy())
    with torch.no_grad():
        for name in ("J", "M", "encoder", "decoder"):
            getattr(model, name).copy_(saved[name])
    model.shipped_config = saved["config"]
    return model
