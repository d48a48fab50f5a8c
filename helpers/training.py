"""The Adam loop shared by the small networks of notebooks 01-03 (flip-flop, delayed recall,
angular integrator): one fresh batch per step, optional gradient clipping, a progress bar; and
the progress bar of the step- or time-budgeted trainings (grid RNN, ventral CNN)."""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

__all__ = ["fit", "budget_bar"]


def budget_bar(limit: float, max_seconds: float | None, initial: int = 0) -> tqdm:
    """A tqdm bar over the steps when their number is finite, else over the seconds of the budget.

    Parameters
    ----------
    limit : float
        Number of steps (``math.inf``: training is limited by time only).
    max_seconds : float or None
        The time budget (s), shown when ``limit`` is infinite.
    initial : int
        Steps already done (a resumed run).
    """
    if math.isfinite(limit):
        return tqdm(total=int(limit), initial=initial, desc="training", unit="step", mininterval=1.0)
    return tqdm(total=round(max_seconds), desc=f"training for {max_seconds:.0f} s", unit="s", mininterval=1.0,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s{postfix}")


def fit(
    model: nn.Module,
    step_loss: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    steps: int,
    lr: float,
    clip: float | None = None,
    progress: bool = False,
    desc: str = "training",
) -> tuple[list[float], float]:
    """Minimise with Adam for ``steps`` steps.

    Parameters
    ----------
    model : torch.nn.Module
        Its parameters are optimised.
    step_loss : callable
        Draws a fresh batch and returns ``(loss, recorded)``: the scalar to minimise and the
        scalar to record in the learning curve (often the same tensor).
    steps : int
        Number of Adam steps.
    lr : float
        Learning rate.
    clip : float, optional
        Clip the gradient norm at this value.
    progress : bool
        Show a tqdm progress bar labelled ``desc``.

    Returns
    -------
    losses : list of float
        The recorded value at every step.
    seconds : float
        Wall time of the loop.
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    iterator = range(steps)
    if progress:
        iterator = tqdm(iterator, desc=desc)
    losses = []
    start = time.perf_counter()
    for _ in iterator:
        loss, recorded = step_loss()
        opt.zero_grad()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(float(recorded.detach()))
    return losses, time.perf_counter() - start
