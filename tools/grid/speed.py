"""How fast the grid-cell RNN trains: steps per second against the reference recipe, and the
time from scratch to the quality bar.

    from tools.grid.speed import benchmark_step_speed, time_to_bar
    benchmark_step_speed()           # {"reference": ..., "fast_fp32": ..., "speedup_fp32": ...}

``tools/benchmark.py`` prints both among its key figures; ``data/README.md`` records the results.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from helpers.grid_evaluation import evaluate, meets_bar
from helpers.grid_rnn import (
    BATCH_SIZE,
    LIVE_RECIPE,
    SEQUENCE_LENGTH,
    GridRNN,
    TrainConfig,
    make_batch,
    train,
    train_step,
)
from helpers.place_cells import place_cell_centers
from helpers.torch_setup import use_threads
from helpers.validation import check_scalar
from tools.grid.reference import ReferenceModel, reference_step

__all__ = ["benchmark_step_speed", "time_to_bar", "machine_description"]


def benchmark_step_speed(
    n_steps: int = 20,
    n_grid: int = 576,
    batch_size: int = BATCH_SIZE,
    sequence_length: int = SEQUENCE_LENGTH,
    threads: int | None = None,
    precisions: tuple[str, ...] = ("fp32", "bf16"),
    seed: int = 0,
) -> dict[str, float]:
    """Training steps per second of the reference recipe and of :func:`helpers.grid_rnn.train_step`, same run.

    Both run the same configuration (sizes, batch, Adam) on the CPU with the same threads,
    alternating in rounds so that a shared machine's load hits both alike.

    Returns
    -------
    dict with ``reference`` and ``fast_<precision>`` (steps/s) and ``speedup_<precision>``.
    """
    n_steps = check_scalar(n_steps, "n_steps", int, min_val=1)
    use_threads(threads)
    rng = np.random.default_rng(seed)
    cfg = TrainConfig(n_grid=n_grid, batch_size=batch_size, sequence_length=sequence_length, seed=seed)
    ref = ReferenceModel(n_grid, cfg.n_place)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=cfg.lr)
    us = torch.as_tensor(place_cell_centers(cfg.n_place, cfg.box_size, seed), dtype=torch.float32)
    runners: dict[str, Callable[[], None]] = {"reference": lambda: reference_step(ref, ref_opt, us, cfg, rng)}
    for prec in precisions:
        model = GridRNN(dataclasses.replace(cfg, precision=prec))
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

        def fast(model=model, opt=opt) -> None:
            train_step(model, opt, make_batch(model.config, model.centers, rng))

        runners[f"fast_{prec}"] = fast
    for run in runners.values():  # warm-up
        run()
    spent = dict.fromkeys(runners, 0.0)
    rounds = 4
    per_round = max(1, n_steps // rounds)
    for _ in range(rounds):
        for name, run in runners.items():
            t0 = time.perf_counter()
            for _ in range(per_round):
                run()
            spent[name] += time.perf_counter() - t0
    rates = {name: rounds * per_round / s for name, s in spent.items()}
    for prec in precisions:
        rates[f"speedup_{prec}"] = rates[f"fast_{prec}"] / rates["reference"]
    rates["threads"] = torch.get_num_threads()
    return rates


def time_to_bar(
    config: TrainConfig | None = None, max_seconds: float = 120.0, check_every: float = 30.0, n_batches: int = 10
) -> dict[str, Any]:
    """Train from scratch and evaluate at intervals: how long until
    :data:`helpers.grid_evaluation.QUALITY_BAR` is met?

    Parameters
    ----------
    config : TrainConfig, optional
        Default :data:`helpers.grid_rnn.LIVE_RECIPE`.
    max_seconds : float
        Training time allowed (s; evaluations not counted).
    check_every : float
        Training seconds between evaluations (``n_batches`` batches of 200 fresh paths).

    Returns
    -------
    dict with ``seconds`` (training time at which the bar was first met, or None), and
    ``checks``: a list of (seconds, steps, frac_03, frac_08, error in m, error / floor).
    """
    config = config or TrainConfig(**LIVE_RECIPE)
    checks: list[tuple[float, int, float, float, float, float]] = []
    spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:  # the checkpoint carries training across checks
        while spent < max_seconds:
            model, history = train(config, max_seconds=min(check_every, max_seconds - spent),
                                   checkpoint=Path(tmp) / "time_to_bar.pt", progress=False, log_every=50)
            spent = model.elapsed
            ev = evaluate(model, n_batches=n_batches)
            checks.append((spent, history["step"][-1], ev["frac_03"], ev["frac_08"], ev["error"], ev["error_ratio"]))
            if meets_bar(ev):
                return {"seconds": spent, "checks": checks}
    return {"seconds": None, "checks": checks}


def machine_description() -> str:
    """A one-line description of this machine (CPU and threads, or the GPU)."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch thread(s)"
