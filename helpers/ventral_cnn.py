"""A small task-driven model of the ventral stream: a convolutional network trained to categorise objects.

Yamins, Hong, Cadieu, Solomon, Seibert & DiCarlo (2014, PNAS 111:8619) optimised hierarchical
convolutional networks for one *task* -- report the category of an object shown at any position,
size and pose -- and found that the better a network performed, the better its top layer predicted
IT sites and its middle layers V4 sites; nothing about the neurons was fitted during training.
Here is a network of the same family, small enough to be trained live on one CPU core:

* :class:`VentralCNN` -- four stages of convolution (a template match, HMAX's "S" operation),
  batch normalisation, rectification and 2 x 2 max pooling (tolerance, HMAX's "C"), then a global
  max over positions (a *learned* C2: HMAX takes the same max over its fixed templates) and a
  linear readout of the 8 categories;
* :func:`split_objects` -- the standard objects held out for every analysis (and the others);
* :func:`training_batches` -- the training images: new objects of every category at every step,
  drawn from the category templates (:class:`helpers.object_batches.ObjectBatches` with a bank of
  fresh object seeds), never the standard objects the analyses test on;
* :func:`train_step` (one Adam step: the reference of the notebook's exercise) and :func:`train`,
  a time-budgeted loop on those images with a progress bar and a learning curve;
* :func:`layer_features` -- every stage's activity for a set of images (the "sites" of a layer).

The same ``seed`` gives the same initial network; with ``n_steps`` instead of a time budget,
training is deterministic as well.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import stimuli
from . import validation as val
from .object_batches import ObjectBatches
from .torch_setup import use_threads
from .training import budget_bar

__all__ = [
    "IMAGE_SIZE",
    "CHANNELS",
    "LAYERS",
    "TRAIN_LEVELS",
    "LEARNING_RATE",
    "BATCH_SIZE",
    "N_TRAIN_OBJECTS",
    "OBJECT_BANK",
    "OBJECTS_PER_STEP",
    "VentralCNN",
    "build",
    "split_objects",
    "training_batches",
    "as_input",
    "train_step",
    "learning_rate",
    "train",
    "accuracy",
    "layer_features",
    "describe",
]

#: Input side, px (the stand-in's 96-px images are resized to it).
IMAGE_SIZE = 64
#: Channels of the four stages (the first convolves 5 x 5 with stride 2, the others 3 x 3).
CHANNELS: tuple[int, ...] = (16, 32, 64, 128)
#: Names of the representations :func:`layer_features` returns, from the first stage to the
#: global max over positions that the readout reads ("pool").
LAYERS: tuple[str, ...] = ("conv1", "conv2", "conv3", "conv4", "pool")
#: Variation levels of the training images: the moderate and the large changes of view (a network
#: trained on them also handles V0). Chosen, with the learning rate and the batch size, on the
#: validation objects (object seed 1, never the test objects; ``tools/bench_ventral.py
#: --validation``, 25 s, seed 0, readout / linear decoder on ``pool`` at V6): levels (3, 6)
#: 0.49 / 0.44, (6,) 0.44 / 0.47, (0, 3, 6) 0.50 / 0.46 -- within the spread of repeated runs
#: on a shared machine (a few hundredths), so the earlier choice was kept.
TRAIN_LEVELS: tuple[int, ...] = (3, 6)
#: Peak learning rate of Adam (one-cycle schedule: warm-up over the first 15%, cosine decay);
#: on the validation objects 2e-3: 0.49 / 0.41, 5e-3: 0.49 / 0.44, 1e-2: 0.51 / 0.45.
LEARNING_RATE = 5e-3
#: Images per training step (32 instead: 0.38 / 0.38 on the validation objects).
BATCH_SIZE = 64
#: Standard objects per category not held out by :func:`split_objects` (the other 4 of each
#: category are the test objects of notebook 08).
N_TRAIN_OBJECTS = 4
#: New objects held at once while training, and how many of them are replaced at every step.
OBJECT_BANK = 512
OBJECTS_PER_STEP = 8
_WARMUP = 0.15


class VentralCNN(nn.Module):
    """Four conv-BN-ReLU-maxpool stages, a global max over positions, a linear readout.

    Parameters
    ----------
    channels : sequence of int
        Channels per stage.
    n_classes : int
        Outputs of the readout.

    Notes
    -----
    Input: grey images (n, 1, IMAGE_SIZE, IMAGE_SIZE) with values in [0, 1]; the network centres
    them itself ((x - 0.5) / 0.25). Output: class scores (logits), (n, n_classes).
    """

    def __init__(self, channels: Sequence[int] = CHANNELS, n_classes: int = len(stimuli.CATEGORIES)) -> None:
        super().__init__()
        chans = [1, *[val.check_scalar(c, "channels[i]", int, min_val=1) for c in channels]]
        stages = []
        for i in range(len(chans) - 1):
            k, stride = (5, 2) if i == 0 else (3, 1)
            stages.append(nn.Sequential(
                nn.Conv2d(chans[i], chans[i + 1], k, stride=stride, padding=k // 2, bias=False),
                nn.BatchNorm2d(chans[i + 1]), nn.ReLU(), nn.MaxPool2d(2)))
        self.stages = nn.ModuleList(stages)
        self.readout = nn.Linear(chans[-1], n_classes)

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every stage's output and the global max: ``len(LAYERS)`` tensors for input (n, 1, H, W)."""
        h = (x - 0.5) / 0.25
        out = []
        for stage in self.stages:
            h = stage(h)
            out.append(h)
        out.append(h.amax((-2, -1)))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.representations(x)[-1])


def build(seed: int = 0, channels: Sequence[int] = CHANNELS) -> VentralCNN:
    """A freshly initialised network; the same ``seed`` gives the same weights (global RNG untouched)."""
    seed = val.check_scalar(seed, "seed", int, min_val=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return VentralCNN(channels)


def split_objects(seed: int = 0, n_train: int = N_TRAIN_OBJECTS) -> tuple[np.ndarray, np.ndarray]:
    """Object ids (0..63) that train the network and those held out, ``n_train`` per category.

    Returns
    -------
    train, held_out : numpy.ndarray of int
        Sorted object ids; every category has ``n_train`` objects in ``train`` and the rest in
        ``held_out``.
    """
    n_train = val.check_scalar(n_train, "n_train", int, min_val=1, max_val=stimuli.N_OBJECTS - 1)
    rng = val.check_rng(seed)
    train = [c * stimuli.N_OBJECTS + np.sort(rng.permutation(stimuli.N_OBJECTS)[:n_train])
             for c in range(len(stimuli.CATEGORIES))]
    train = np.concatenate(train)
    return train, np.setdiff1d(np.arange(len(stimuli.CATEGORIES) * stimuli.N_OBJECTS), train)


def training_batches(seed: int = 0, templates: Sequence[int] | None = None, levels: Sequence[int] = TRAIN_LEVELS,
                     bank: int = OBJECT_BANK, renew: int = OBJECTS_PER_STEP) -> ObjectBatches:
    """The training images: new objects of every category at every step, at ``levels``.

    Parameters
    ----------
    seed : int
        Object seeds, poses and backgrounds.
    templates : sequence of int, optional
        Object ids 0..63 whose templates (category and variant) are drawn; default all 64.
        Every object drawn gets a new object seed (>= ``object_batches.FIRST_TRAINING_SEED``), so
        none is one of the standard objects that :func:`split_objects` holds out.
    levels : sequence of int
    bank, renew : int
        Objects held at once, and replaced at every step.
    """
    templates = range(len(stimuli.CATEGORIES) * stimuli.N_OBJECTS) if templates is None else templates
    return ObjectBatches(templates, IMAGE_SIZE, levels, seed=seed, bank=bank, renew=renew)


def as_input(images: Any, size: int = IMAGE_SIZE) -> torch.Tensor:
    """Grey images (n, H, W) in [0, 1] (any side) as network input (n, 1, size, size), float32.

    Resized with antialiased bilinear interpolation (block-averaging when shrinking).
    """
    x = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(images, np.float32))
    x = x.float()
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"images must have shape (n, H, W) or (n, 1, H, W), got {tuple(x.shape)}")
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
               labels: torch.Tensor) -> float:
    """One step of gradient descent on the cross-entropy of a batch; returns the loss before the step.

    Parameters
    ----------
    model : torch.nn.Module
        Maps images (n, 1, H, W) to class scores (n, n_classes).
    optimizer : torch.optim.Optimizer
        Over ``model``'s parameters.
    images : torch.Tensor, shape (n, 1, H, W)
    labels : torch.Tensor, shape (n,), int64

    Returns
    -------
    float
        Mean cross-entropy (nats) of the batch.
    """
    scores = model(images)
    loss = F.cross_entropy(scores, labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def learning_rate(progress: float, peak: float = LEARNING_RATE) -> float:
    """One-cycle schedule: linear warm-up to ``peak`` over the first 15% of training, then a cosine
    decay to 1% of it; ``progress`` in [0, 1] is the fraction of the steps (or of the time) used."""
    p = min(max(float(progress), 0.0), 1.0)
    if p < _WARMUP:
        return peak * (0.1 + 0.9 * p / _WARMUP)
    return peak * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (p - _WARMUP) / (1 - _WARMUP))))


@torch.no_grad()
def accuracy(model: nn.Module, images: Any, labels: Any, batch_size: int = 256) -> np.ndarray:
    """Whether the network's readout labels each image correctly, (n,) bool (eval mode)."""
    was = model.training
    model.eval()
    x = as_input(images)
    pred = torch.cat([model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    model.train(was)
    return pred.numpy() == np.asarray(labels)


def train(
    model: nn.Module,
    batches: ObjectBatches,
    max_seconds: float | None = None,
    n_steps: int | None = None,
    step_fn: Callable[..., Any] = train_step,
    lr: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    monitor: tuple[Any, Any, Any] | None = None,
    n_checks: int = 8,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``model`` on fresh batches until ``n_steps`` or ``max_seconds`` (whichever first).

    Parameters
    ----------
    model : torch.nn.Module
    batches : ObjectBatches
        Source of training images and their categories.
    max_seconds : float, optional
        Wall-time budget of the loop (monitoring excluded). The learning-rate schedule
        (:func:`learning_rate`) runs over the budget: over time when only ``max_seconds`` is given.
    n_steps : int, optional
        Number of steps (deterministic for a given seed); the schedule runs over the steps.
    step_fn : callable
        ``step_fn(model, optimizer, images, labels) -> loss`` (:func:`train_step` or yours).
    lr : float
        Peak learning rate of Adam.
    batch_size : int
    monitor : (images, labels, levels), optional
        Held-out images (n, H, W), their labels and variation levels: the readout's accuracy on
        them, per level, is measured ``n_checks`` times during training (not counted in the time).
    n_checks : int
    progress : bool
        Show a tqdm progress bar (seconds of the budget, or steps).

    Returns
    -------
    dict
        ``step``, ``time`` (s of training), ``loss`` (per step); ``check_step``, ``check_time`` and
        ``check_accuracy`` {level: list} when monitoring; ``steps``, ``seconds``, ``steps_per_s``.
    """
    if n_steps is None and max_seconds is None:
        raise ValueError("give n_steps, max_seconds or both")
    limit = math.inf if n_steps is None else val.check_scalar(n_steps, "n_steps", int, min_val=1)
    budget = math.inf if max_seconds is None else val.check_scalar(max_seconds, "max_seconds", min_val=0,
                                                                     include_boundaries="neither")
    batch_size = val.check_scalar(batch_size, "batch_size", int, min_val=2)
    use_threads()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist: dict[str, Any] = {"step": [], "time": [], "loss": [], "check_step": [], "check_time": [],
                            "check_accuracy": {}}
    if monitor is not None:
        m_x, m_y, m_lev = as_input(monitor[0]), np.asarray(monitor[1]), np.asarray(monitor[2])
        hist["check_accuracy"] = {int(l): [] for l in np.unique(m_lev)}

    def check(step: int, elapsed: float) -> None:
        if monitor is None:
            return
        ok = accuracy(model, m_x, m_y)
        hist["check_step"].append(step)
        hist["check_time"].append(elapsed)
        for l, accs in hist["check_accuracy"].items():
            accs.append(float(ok[m_lev == l].mean()))

    bar = budget_bar(limit, budget) if progress else None
    step, elapsed, next_check = 0, 0.0, 0.0
    check(0, 0.0)
    model.train()
    while step < limit and elapsed < budget:
        frac = step / limit if math.isfinite(limit) else elapsed / budget
        if math.isfinite(limit) and math.isfinite(budget):
            frac = max(frac, elapsed / budget)
        for group in opt.param_groups:
            group["lr"] = learning_rate(frac, lr)
        t0 = time.perf_counter()
        images, labels, _, _ = batches(batch_size)
        loss = step_fn(model, opt, images, labels)
        elapsed += time.perf_counter() - t0
        step += 1
        hist["step"].append(step)
        hist["time"].append(elapsed)
        hist["loss"].append(float(loss))
        if bar is not None:
            bar.update(1 if math.isfinite(limit) else min(elapsed, budget) - bar.n)
            if step % 10 == 0:
                bar.set_postfix(step=step, loss=f"{np.mean(hist['loss'][-10:]):.2f}", refresh=False)
        done = frac >= next_check + 1.0 / max(n_checks, 1)
        if done:
            next_check += 1.0 / max(n_checks, 1)
            check(step, elapsed)
            model.train()
    if bar is not None:
        bar.close()
    if monitor is not None and (not hist["check_step"] or hist["check_step"][-1] != step):
        check(step, elapsed)
    model.eval()
    hist.update(steps=step, seconds=elapsed, steps_per_s=step / max(elapsed, 1e-9))
    return hist


@torch.no_grad()
def layer_features(model: VentralCNN, images: Any, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Activity of every representation of the network for a set of images (eval mode).

    Parameters
    ----------
    model : VentralCNN
    images : array_like, shape (n, H, W)
        Grey levels in [0, 1], any side (resized to :data:`IMAGE_SIZE`).
    batch_size : int

    Returns
    -------
    dict of numpy.ndarray, shape (n, n_units), float32
        One entry per name of :data:`LAYERS`: each stage's output flattened per image (channels x
        rows x columns), and ``"pool"``, the global max the readout reads.
    """
    was = model.training
    model.eval()
    x = as_input(images)
    chunks: list[list[np.ndarray]] = [[] for _ in LAYERS]
    for i in range(0, len(x), batch_size):
        for k, r in enumerate(model.representations(x[i : i + batch_size])):
            chunks[k].append(r.reshape(len(r), -1).numpy())
    model.train(was)
    return {name: np.concatenate(c) for name, c in zip(LAYERS, chunks, strict=True)}


@torch.no_grad()
def describe(model: VentralCNN, size: int = IMAGE_SIZE) -> str:
    """One line per representation: what it computes and its shape for a ``size``-px input."""
    x = torch.zeros(1, 1, size, size)
    was = model.training
    model.eval()
    reps = model.representations(x)
    model.train(was)
    lines = [f"input: 1 x {size} x {size} grey levels"]
    for name, stage, r in zip(LAYERS, model.stages, reps, strict=False):
        conv = stage[0]
        k, st = conv.kernel_size[0], conv.stride[0]
        lines.append(f"{name}: {k} x {k} convolution{f' (stride {st})' if st > 1 else ''}, batch norm, ReLU, "
                     f"2 x 2 max pool -> {' x '.join(map(str, r.shape[1:]))} = {r[0].numel():,} units")
    lines.append(f"{LAYERS[-1]}: max over positions -> {reps[-1].shape[1]} units")
    lines.append(f"readout: linear, {model.readout.in_features} -> {model.readout.out_features} category scores")
    n = sum(p.numel() for p in model.parameters())
    return "\n".join(lines + [f"{n:,} parameters"])
