"""torch thread settings for a small shared CPU.

Measured on a 2-core course machine: one training step of a 64-unit RNN over 100 time
steps (batch 64) takes 10.6 ms with one thread and 12.0 ms with two; under contention two
threads were measured over 100x slower. Small recurrent networks therefore train on one
thread; large batched convolutions (HMAX) may ask for more.
"""
from __future__ import annotations

import os

import torch

__all__ = ["use_threads", "device"]


def use_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads; return the number in force.

    Parameters
    ----------
    n : int, optional
        Threads to use. Default: the environment variable ``TORCH_THREADS`` if set, else 1.
    """
    if n is None:
        n = int(os.environ.get("TORCH_THREADS", "1"))
    if int(n) < 1:
        raise ValueError(f"n must be >= 1 thread, got {n}")
    torch.set_num_threads(int(n))
    return torch.get_num_threads()


def device(prefer_cuda: bool = True) -> torch.device:
    """``cuda`` when available (and wanted), else ``cpu``."""
    return torch.device("cuda" if prefer_cuda and torch.cuda.is_available() else "cpu")
