"""Writes S2 prototypes as a MATLAB patch set, so the tests can check the reader on known files."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io

from helpers import validation as val
from helpers.hmax import ORIENTATIONS
from helpers.hmax_patch_set import MATLAB_ORIENTATIONS, orientation_index


def save_patch_set(path: str | Path, prototypes: Sequence[Any],
                   orientations: Sequence[float] = MATLAB_ORIENTATIONS) -> Path:
    """Write prototypes, each (n_patches, 4, n, n), in the layout that
    :func:`helpers.hmax_patch_set.load_patch_set` reads (a MATLAB v5 file); returns the path."""
    order = [orientation_index(o, ORIENTATIONS) for o in orientations]
    cells = np.empty((1, len(prototypes)), dtype=object)
    sizes = []
    for k, p in enumerate(prototypes):
        a = val.as_array(p, f"prototypes[{k}]", ndim=4)
        n = a.shape[-1]
        sizes.append(n)
        cells[0, k] = a[:, order].transpose(2, 3, 1, 0).reshape(n * n * 4, a.shape[0], order="F")
    path = Path(path)
    scipy.io.savemat(str(path), {"patches": cells, "patchSizes": np.array(sizes, dtype=float)})
    return path
