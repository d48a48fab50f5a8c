"""S2 prototypes from Serre's MATLAB code: read a ``universal_patch_set.mat``.

Serre, Wolf, Bileschi, Riesenhuber & Poggio (2007) distribute their prototypes (the "universal
patch set", 400 patches of each of 4 sizes sampled from natural images) as a MATLAB file. With a
copy of it, :func:`load_patch_set` gives the prototypes in the layout of :class:`helpers.hmax.HMAX`::

    model = hmax.HMAX(hmax_patch_set.load_patch_set("universal_patch_set.mat"))

(The course's default prototypes, :func:`helpers.hmax.default_prototypes`, are sampled the same
way from the natural images shipped with scikit-image, so nothing needs downloading.)
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.io

from .hmax import ORIENTATIONS

__all__ = ["MATLAB_ORIENTATIONS", "PATCH_LAYOUT", "load_patch_set", "orientation_index"]

#: Orientation order of the channels in Serre's MATLAB patch files (degrees).
MATLAB_ORIENTATIONS: tuple[float, ...] = (90.0, -45.0, 0.0, 45.0)

PATCH_LAYOUT = (
    "a MATLAB file with a variable `patches`: a 1 x K cell array (K patch sizes, e.g. 4, 8, 12, "
    "16), cell k holding an (n*n*4, n_patches) matrix whose columns are n x n x 4 patches in "
    "column-major order"
)


def load_patch_set(path: str | Path, orientations: Sequence[float] = MATLAB_ORIENTATIONS) -> list[np.ndarray]:
    """Load S2 prototypes from a ``universal_patch_set.mat`` of Serre's MATLAB code.

    Parameters
    ----------
    path : str or Path
        The .mat file (read with ``scipy.io.loadmat``): see the module's expected layout,
        a cell array ``patches`` of (n*n*4, n_patches) matrices.
    orientations : sequence of 4 floats
        Orientation (degrees) of the file's 4 channels; default Serre's order (90, -45, 0, 45).
        Channels are reordered to :data:`helpers.hmax.ORIENTATIONS`.

    Returns
    -------
    list of numpy.ndarray, shape (n_patches, 4, n, n) per size, float32
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no patch set at {path}: expected {PATCH_LAYOUT}")
    try:
        m = scipy.io.loadmat(str(path))
    except Exception as err:  # noqa: BLE001 -- scipy raises many kinds for corrupt files
        raise ValueError(f"{path} could not be read as a MATLAB file ({err}); expected {PATCH_LAYOUT}") from None
    if "patches" not in m:
        keys = sorted(k for k in m if not k.startswith("__"))
        raise ValueError(f"{path} has no variable `patches` (found {keys}); expected {PATCH_LAYOUT}")
    cells = np.asarray(m["patches"])
    if cells.dtype != object:
        raise ValueError(f"`patches` in {path} is a {cells.dtype} matrix, not a cell array; expected {PATCH_LAYOUT}")
    order = [orientation_index(o, orientations) for o in ORIENTATIONS]
    out = []
    for k, cell in enumerate(cells.ravel()):
        a = np.asarray(cell)
        if a.ndim != 2 or not np.issubdtype(a.dtype, np.number):
            raise ValueError(f"`patches`{{{k + 1}}} in {path} has shape {a.shape}; expected {PATCH_LAYOUT}")
        n = int(round(np.sqrt(a.shape[0] / 4)))
        if n < 1 or n * n * 4 != a.shape[0] or a.shape[1] < 1:
            raise ValueError(
                f"`patches`{{{k + 1}}} in {path} has {a.shape[0]} rows, which is not n*n*4 for any "
                f"patch size n; expected {PATCH_LAYOUT}"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"`patches`{{{k + 1}}} in {path} holds NaN or infinite values")
        # column-major (n, n, 4, P) -> (P, 4, n, n) with rows, columns in image order
        p = a.reshape(n, n, 4, a.shape[1], order="F").transpose(3, 2, 0, 1)
        out.append(np.ascontiguousarray(p[:, order]).astype(np.float32))
    if not out:
        raise ValueError(f"`patches` in {path} is empty; expected {PATCH_LAYOUT}")
    return out


def orientation_index(o: float, orientations: Sequence[float]) -> int:
    """Index of the orientation ``o`` (degrees) in ``orientations``, equal modulo 180 deg."""
    for i, q in enumerate(orientations):
        if np.isclose((float(q) - o) % 180.0, 0.0) or np.isclose((float(q) - o) % 180.0, 180.0):
            return i
    raise ValueError(f"orientations must cover {ORIENTATIONS} (mod 180 deg), got {tuple(orientations)}")
