"""Speed of the vision models (notebooks 06 and 07): HMAX, the image set and the V4/IT stand-in.

Measurements, not tests: :mod:`tools.benchmark` prints them (``--figures vision``) and the unit
tests only check that they run and return seconds.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from helpers import hmax, neural_standin, stimuli
from helpers import validation as val

__all__ = ["hmax_seconds_per_image", "stimulus_set_seconds", "standin_seconds"]


def hmax_seconds_per_image(
    n_images: int = 64,
    n_per_size: int = 400,
    image_size: int = 128,
    threads: int | None = 1,
    batch_size: int = 16,
    seed: int = 0,
    s2_padding: str = "valid",
    clock: str = "wall",
) -> float:
    """Seconds per image of the full model (S1 to C2) on random images.

    Defaults match the public torch HMAX with the universal patch set (400 prototypes per size,
    4 sizes, 128 x 128 images). ``threads`` sets torch's intra-op threads during the run.
    The model is built and warmed up before the clock starts. ``clock="cpu"`` measures the
    process's CPU time instead of wall time (less sensitive to other jobs on a shared machine).
    """
    if clock not in ("wall", "cpu"):
        raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
    timer = time.perf_counter if clock == "wall" else time.process_time
    n_images = val.check_scalar(n_images, "n_images", int, min_val=1)
    rng = np.random.default_rng(seed)
    protos = [rng.random((n_per_size, len(hmax.ORIENTATIONS), n, n), dtype=np.float32) * 0.3
              for n in hmax.PATCH_SIZES]
    model = hmax.HMAX(protos, s2_padding=s2_padding)
    imgs = rng.random((n_images, image_size, image_size), dtype=np.float32)
    old = torch.get_num_threads()
    try:
        if threads is not None:
            torch.set_num_threads(int(threads))
        model.c2(imgs[: min(2, n_images)], batch_size=batch_size)  # warm-up: spectra, allocator
        t0 = timer()
        model.c2(imgs, batch_size=batch_size)
        return (timer() - t0) / n_images
    finally:
        torch.set_num_threads(old)


def stimulus_set_seconds(n_images: int = 640, size: int = 128, seed: int = 0) -> float:
    """Seconds to draw ``n_images`` images (V6, all 64 objects) including loading backgrounds."""
    n_images = val.check_scalar(n_images, "n_images", int, min_val=64)
    stimuli._photos.cache_clear()  # time the first load of the background photographs too
    t0 = time.perf_counter()
    stimuli.make_stimulus_set(n_per_object=max(1, n_images // 64), levels=(6,), size=size, seed=seed)
    return time.perf_counter() - t0


def standin_seconds(n_per_object: int = 8, seed: int = 0) -> float:
    """Seconds to generate the default stand-in without the cache (3 levels, both regions, baselines)."""
    t0 = time.perf_counter()
    neural_standin.synthetic(n_per_object=n_per_object, seed=seed, cache=False)
    return time.perf_counter() - t0
