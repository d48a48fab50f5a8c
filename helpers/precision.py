"""Which arithmetic trains fastest on this machine: float32, or bfloat16 matrix products.

bfloat16 products (weights, Adam and the loss staying float32) are several times faster on CPUs
with AMX or AVX-512 BF16 and on recent GPUs, and about ten times *slower* on CPUs without native
bfloat16 (most laptops: AVX2 only), where they are emulated. So the choice is measured, not
assumed: :func:`precision_candidates` says which precisions are worth timing on a device, and
:func:`fastest_precision` times a few training steps in each and keeps the faster one
(measurements in ``data/README.md``).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from .validation import check_scalar

__all__ = ["PRECISIONS", "cpu_features", "precision_candidates", "fastest_precision"]

#: Precisions of the matrix products: float32 everywhere, or bfloat16 products (weights, Adam and
#: the loss stay float32). bfloat16 is several times faster on CPUs with AMX and on recent GPUs,
#: and about ten times *slower* on CPUs without native bfloat16 (most laptops: AVX2 only).
PRECISIONS = ("fp32", "bf16")


def cpu_features() -> dict[str, Any]:
    """What this CPU offers torch for bfloat16 matrix products.

    Returns
    -------
    dict with ``capability`` (the vector instruction set ATen dispatches to, e.g. ``"AVX2"``,
    ``"AVX512"``; the environment variable ``ATEN_CPU_CAPABILITY`` lowers it), ``bf16_native``
    (oneDNN reports native bfloat16 support: AVX-512 BF16 or AMX), ``onednn_max_isa`` (the
    environment variable ``ONEDNN_MAX_CPU_ISA``, which caps oneDNN, or None) and ``amx`` (the
    ``amx_bf16`` flag of ``/proc/cpuinfo``; None where that file does not exist).
    """
    try:
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        native = False
    amx = None
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        amx = "amx_bf16" in cpuinfo.read_text(errors="replace")
    return {
        "capability": torch.backends.cpu.get_cpu_capability(),
        "bf16_native": native,
        "onednn_max_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "amx": amx,
    }


def precision_candidates(device: torch.device | str = "cpu", features: dict | None = None) -> tuple[str, ...]:
    """The precisions worth timing on ``device``: fp32 always; bf16 on a GPU, and on a CPU only
    where it has native bfloat16 (AVX-512 BF16 or AMX) that neither ``ATEN_CPU_CAPABILITY``
    nor ``ONEDNN_MAX_CPU_ISA`` switches off. Elsewhere bf16 is emulated and much slower.

    Parameters
    ----------
    device : torch.device or str
    features : dict, optional
        As returned by :func:`cpu_features` (measured when omitted).
    """
    if torch.device(device).type != "cpu":
        return PRECISIONS
    f = cpu_features() if features is None else features
    isa = (f.get("onednn_max_isa") or "").upper()
    capped = isa.startswith(("SSE", "AVX2", "AVX_")) or isa in ("AVX", "DEFAULT")
    wide = str(f.get("capability", "")).upper().startswith("AVX512")
    return PRECISIONS if f.get("bf16_native") and wide and not capped else ("fp32",)


def fastest_precision(
    make_step: Callable[[str], Callable[[], None]],
    device: torch.device | str = "cpu",
    candidates: tuple[str, ...] | None = None,
    n_steps: int = 2,
    log: Callable[[str], None] | None = print,
) -> tuple[str, dict[str, float]]:
    """Time a few training steps in each candidate precision; return the fastest.

    For each candidate, ``make_step(precision)`` builds a throw-away copy of the network (same
    sizes, same batch) and returns a function that runs one training step of it; it runs once as
    a warm-up (kernels chosen, memory allocated) and ``n_steps`` times timed. A candidate whose
    first timed step is already twice as slow as the best so far is dropped at once. bf16 is
    chosen only if it is at least 10% faster than fp32, so the choice is never slower than fp32.

    Parameters
    ----------
    make_step : callable
        ``make_step(precision) -> step``, ``step()`` one training step in that precision.
    device : torch.device or str
        Where the steps run (a GPU is synchronised before each step's time is read).
    candidates : tuple of str, optional
        Default :func:`precision_candidates` of the device (only fp32 on CPUs without native
        bfloat16: nothing to time).
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
    n_steps = check_scalar(n_steps, "n_steps", int, min_val=1)
    dev = torch.device(device)
    candidates = tuple(candidates) if candidates is not None else precision_candidates(dev)
    bad = [c for c in candidates if c not in PRECISIONS]
    if bad or not candidates:
        raise ValueError(f"candidates must be a non-empty subset of {PRECISIONS}, got {candidates}")
    rates: dict[str, float] = {}
    if len(candidates) > 1:
        best_step = math.inf
        for prec in candidates:
            step = make_step(prec)
            step()  # warm-up: kernels chosen, memory allocated
            spent, done = 0.0, 0
            for _ in range(n_steps):
                t0 = time.perf_counter()
                step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                spent += time.perf_counter() - t0
                done += 1
                if spent > 2 * best_step:
                    break
            rates[prec] = done / max(spent, 1e-9)
            best_step = min(best_step, spent / done)
    choice = candidates[0] if len(candidates) == 1 else "fp32"
    if "bf16" in rates and rates["bf16"] > 1.1 * rates.get("fp32", 0.0):
        choice = "bf16"
    if log is not None:
        measured = ", ".join(f"{k} {v:.1f} steps/s" for k, v in rates.items()) or "bf16 not native here"
        log(f"precision: {choice} ({measured})")
    return choice, rates
