"""V4 and IT population responses to the "core object recognition" images: the data set and its files.

Majaj, Hong, Solomon & DiCarlo (2015) recorded 128 V4 and 168 IT multi-unit sites while monkeys
viewed 5760 images (64 objects in 8 categories at variation levels V0, V3 and V6) and took each
site's mean rate 70-170 ms after image onset, averaged over about 50 repetitions. This module
holds such a data set in one common structure, :class:`NeuralData`, and reads the real data a
user may have (read when a path is given, never downloaded):

* :func:`load_it_data_h5` -- the course mini-project file ``IT_data.h5``;
* :func:`load_brainscore_netcdf` -- Brain-Score's ``MajajHong2015`` netCDF assembly;
* :func:`load_ventral_hdf5` -- ``ventral_neural_data.hdf5``;
* :func:`load` -- picks the right one from the file's contents.

Without a file, :func:`helpers.neural_standin.synthetic` builds a seeded stand-in with the same
structure from the procedural images of :mod:`helpers.stimuli`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import xarray as xr

from . import stimuli

__all__ = [
    "N_V4_SITES",
    "N_IT_SITES",
    "WINDOW_S",
    "N_REPETITIONS",
    "IMAGES_PER_OBJECT",
    "NeuralData",
    "category_of_object",
    "load",
    "load_it_data_h5",
    "load_brainscore_netcdf",
    "load_ventral_hdf5",
    "IT_DATA_LAYOUT",
    "BRAINSCORE_LAYOUT",
    "VENTRAL_LAYOUT",
]

# --- Majaj, Hong, Solomon & DiCarlo (2015), J Neurosci 35:13402 -----------------------------
#: Recorded multi-unit sites per region.
N_V4_SITES = 128
N_IT_SITES = 168
#: Response window after image onset, seconds.
WINDOW_S = (0.070, 0.170)
#: Repetitions of each image (about 50).
N_REPETITIONS = 50
#: Images per object at each variation level (640 + 2560 + 2560 = 5760 images).
IMAGES_PER_OBJECT = {0: 10, 3: 40, 6: 40}
# ---------------------------------------------------------------------------------------------


@dataclass
class NeuralData:
    """Population responses of one or more regions to a set of images, with image metadata.

    Attributes
    ----------
    responses : dict of str to numpy.ndarray, shape (n_images, n_sites)
        Mean rate of each site per image (spikes/s for the stand-in; as stored for real files).
    category : numpy.ndarray, shape (n_images,), int
        Index into ``category_names``; -1 where unknown.
    obj : numpy.ndarray, shape (n_images,), int
        Index into ``object_names``.
    level : numpy.ndarray, shape (n_images,), int
        Variation level 0, 3 or 6; -1 where unknown.
    category_names, object_names : tuple of str
    images : numpy.ndarray, shape (n_images, H, W), optional
        Grey-level images in [0, 1] (when loaded).
    features : dict of str to numpy.ndarray, shape (n_images, n_features)
        Model features of the same images (baselines), e.g. ``"pixels"`` and ``"HMAX C2"``.
    source : str
        Where the data came from.
    """

    responses: dict[str, np.ndarray]
    category: np.ndarray
    obj: np.ndarray
    level: np.ndarray
    category_names: tuple[str, ...]
    object_names: tuple[str, ...]
    images: np.ndarray | None = None
    features: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.obj)
        for name in ("category", "obj", "level"):
            a = np.asarray(getattr(self, name))
            if a.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
            setattr(self, name, a.astype(int))
        for group in ("responses", "features"):
            for k, r in getattr(self, group).items():
                if np.ndim(r) != 2 or len(r) != n:
                    raise ValueError(f"{group}[{k!r}] must have shape ({n}, n_sites), got {np.shape(r)}")
        if self.images is not None and len(self.images) != n:
            raise ValueError(f"images must hold {n} images, got {len(self.images)}")

    def __len__(self) -> int:
        return int(len(self.obj))

    @property
    def regions(self) -> tuple[str, ...]:
        """Names of the recorded regions, e.g. ``("V4", "IT")``."""
        return tuple(self.responses)

    @property
    def levels(self) -> tuple[int, ...]:
        """Variation levels present (known ones only)."""
        return tuple(int(v) for v in np.unique(self.level) if v >= 0)

    def region(self, name: str) -> np.ndarray:
        """Responses (n_images, n_sites) of one region; a clear error for an absent one."""
        if name not in self.responses:
            raise KeyError(f"no region {name!r} in this data set; it has {list(self.responses)}")
        return self.responses[name]

    def subset(self, index: Any) -> NeuralData:
        """The images selected by a boolean mask or an index array, with everything about them."""
        return NeuralData(
            responses={k: v[index] for k, v in self.responses.items()},
            category=self.category[index],
            obj=self.obj[index],
            level=self.level[index],
            category_names=self.category_names,
            object_names=self.object_names,
            images=None if self.images is None else self.images[index],
            features={k: v[index] for k, v in self.features.items()},
            source=self.source,
        )

    def at_level(self, level: int) -> NeuralData:
        """The images of one variation level."""
        if level not in self.levels:
            raise ValueError(f"level must be one of {self.levels}, got {level!r}")
        return self.subset(self.level == level)


# ============================================================================ reading the real files
#: Object names of the course file ``IT_data.h5`` that are not prefixed by their category.
_ANIMALS = ("bear", "cow", "dog", "elephant", "gorilla", "hedgehog", "lioness", "turtle")
_FRUITS = ("apple", "apricot", "peach", "pear", "raspberry", "strawberry", "walnut", "watermelon")
#: Category of the other objects, from the prefix of their name.
_PREFIXES = (("airplane", "planes"), ("car", "cars"), ("chair", "chairs"), ("face", "faces"),
             ("ship", "boats"), ("boat", "boats"), ("table", "tables"), ("plane", "planes"))


def category_of_object(name: str) -> str | None:
    """Category (a name of :data:`helpers.stimuli.CATEGORIES`) of an object of the recorded set,
    from its name as stored in ``IT_data.h5`` (e.g. ``"car_alfa"``, ``"face1"``, ``"bear"``);
    None when the name is not recognised."""
    n = str(name).strip().lower()
    if n in _ANIMALS:
        return "animals"
    if n in _FRUITS:
        return "fruits"
    for prefix, cat in _PREFIXES:
        if n.startswith(prefix):
            return cat
    return None


def _labels(values: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    names = tuple(sorted(set(values)))
    lookup = {n: i for i, n in enumerate(names)}
    return np.array([lookup[v] for v in values], dtype=int), names


def _decode(x: Any) -> str:
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, np.bytes_):
        return bytes(x).decode("latin-1")
    return str(x)


def _level(x: Any) -> int:
    s = _decode(x).strip().upper()
    s = s[1:] if s.startswith("V") else s
    try:
        v = int(float(s))
    except ValueError:
        raise ValueError(f"variation level {x!r} is not one of V0, V3, V6 (or 0, 3, 6)") from None
    if v not in (0, 3, 6):
        raise ValueError(f"variation level {x!r} is not one of V0, V3, V6 (or 0, 3, 6)")
    return v


def _grey(images: np.ndarray) -> np.ndarray:
    """Grey levels in [0, 1] from (n, H, W) grey or (n, 3, H, W) colour images (any range)."""
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 4:
        a = a.mean(1)
    lo, hi = a.min(axis=(1, 2), keepdims=True), a.max(axis=(1, 2), keepdims=True)
    return (a - lo) / np.maximum(hi - lo, 1e-9)


def _open_h5(path: Path, layout: str):

    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}: expected {layout}")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"{path} could not be read as an HDF5 file ({err}); expected {layout}") from None


def _need(f: Any, keys: Sequence[str], path: Path, layout: str) -> None:
    missing = [k for k in keys if k not in f]
    if missing:
        raise ValueError(f"{path} has no {missing} (found {sorted(f.keys())}); expected {layout}")


IT_DATA_LAYOUT = (
    "the course file IT_data.h5: datasets stimulus_train (n, 3, 224, 224), spikes_train (n, n_sites), "
    "object_train (n,) latin-1 bytes, and likewise *_val; stimulus_test and object_test have no spikes"
)


def load_it_data_h5(path: str | Path, splits: Sequence[str] = ("train", "val"), images: bool = False) -> NeuralData:
    """Read the course mini-project file ``IT_data.h5`` (IT only, no variation level stored).

    Parameters
    ----------
    path : str or Path
    splits : sequence of {"train", "val"}
        Which recorded splits to concatenate (the test split has no spikes).
    images : bool
        Also read the stimuli (large: 2880 x 3 x 224 x 224), as grey levels in [0, 1].

    Returns
    -------
    NeuralData
        ``responses["IT"]`` (n, 168); categories from the object names
        (:func:`category_of_object`, -1 where unknown); ``level`` -1 (not in the file).
    """
    path = Path(path)
    splits = tuple(splits)
    if not splits or any(s not in ("train", "val") for s in splits):
        raise ValueError(f"splits must be a non-empty sequence of 'train' and 'val', got {splits!r}")
    with _open_h5(path, IT_DATA_LAYOUT) as f:
        keys = [f"{k}_{s}" for s in splits for k in ("spikes", "object") + (("stimulus",) if images else ())]
        _need(f, keys, path, IT_DATA_LAYOUT)
        spikes, names, imgs = [], [], []
        for s in splits:
            sp = np.asarray(f[f"spikes_{s}"][()], dtype=np.float32)
            ob = [_decode(x) for x in np.asarray(f[f"object_{s}"][()]).ravel()]
            if sp.ndim != 2 or sp.shape[0] != len(ob):
                raise ValueError(f"spikes_{s} in {path} has shape {sp.shape} for {len(ob)} objects; "
                                 f"expected {IT_DATA_LAYOUT}")
            spikes.append(sp)
            names += ob
            if images:
                st = np.asarray(f[f"stimulus_{s}"][()])
                if st.ndim != 4 or st.shape[0] != len(ob):
                    raise ValueError(f"stimulus_{s} in {path} has shape {st.shape}; expected {IT_DATA_LAYOUT}")
                imgs.append(_grey(st))
    if len({a.shape[1] for a in spikes}) != 1:
        raise ValueError(f"the splits of {path} have different numbers of sites: {[a.shape[1] for a in spikes]}")
    obj, object_names = _labels(names)
    cats = [category_of_object(n) for n in object_names]
    known = [c for c in stimuli.CATEGORIES if c in cats]
    category = np.array([known.index(cats[o]) if cats[o] is not None else -1 for o in obj], dtype=int)
    return NeuralData(
        responses={"IT": np.concatenate(spikes)}, category=category, obj=obj,
        level=np.full(len(obj), -1), category_names=tuple(known), object_names=object_names,
        images=np.concatenate(imgs) if images else None, source=str(path),
    )


BRAINSCORE_LAYOUT = (
    "Brain-Score's MajajHong2015 netCDF: one data variable with dims (presentation, neuroid, time_bin); "
    "presentation coords image_id, repetition, object_name, category_name, variation; neuroid coord region "
    "('V4'/'IT')"
)


def load_brainscore_netcdf(path: str | Path) -> NeuralData:
    """Read Brain-Score's ``MajajHong2015`` assembly (netCDF, via xarray and h5netcdf).

    Repetitions of an image are averaged (mean over presentations with the same ``image_id``), and
    over time bins if there are several.

    Returns
    -------
    NeuralData
        One entry of ``responses`` per region, images in order of first presentation.
    """

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}: expected {BRAINSCORE_LAYOUT}")
    try:
        ds = xr.open_dataset(path, engine="h5netcdf")
    except Exception as err:  # noqa: BLE001 -- xarray and h5py raise many kinds for corrupt files
        raise ValueError(f"{path} could not be read as netCDF ({type(err).__name__}: {err}); "
                         f"expected {BRAINSCORE_LAYOUT}") from None
    with ds:
        vars_ = [v for v in ds.data_vars if set(ds[v].dims) >= {"presentation", "neuroid"}]
        if len(vars_) != 1:
            raise ValueError(f"{path} has data variables {list(ds.data_vars)} with dims "
                             f"{[ds[v].dims for v in ds.data_vars]}; expected {BRAINSCORE_LAYOUT}")
        da = ds[vars_[0]]
        need = ["image_id", "object_name", "category_name", "variation", "region"]
        missing = [c for c in need if c not in da.coords]
        if missing:
            raise ValueError(f"{path} lacks the coordinates {missing} (has {sorted(da.coords)}); "
                             f"expected {BRAINSCORE_LAYOUT}")
        x = np.asarray(da.transpose("presentation", "neuroid", ...).values, dtype=np.float64)
        x = x.reshape(x.shape[0], x.shape[1], -1).mean(-1)
        ids = [_decode(v) for v in da["image_id"].values]
        region = np.array([_decode(v) for v in da["region"].values])
        objs = [_decode(v) for v in da["object_name"].values]
        cats = [_decode(v) for v in da["category_name"].values]
        var = [_level(v) for v in da["variation"].values]
    first_sorted = np.sort(np.unique(ids, return_index=True)[1])  # images in order of first showing
    index = {ids[i]: k for k, i in enumerate(first_sorted)}
    rows = np.array([index[i] for i in ids])
    counts = np.bincount(rows, minlength=len(first_sorted))
    mean = np.zeros((len(first_sorted), x.shape[1]))
    np.add.at(mean, rows, x)
    mean /= counts[:, None]
    obj, object_names = _labels([objs[i] for i in first_sorted])
    category, category_names = _labels([cats[i] for i in first_sorted])
    regions = [r for r in ("V4", "IT") if r in region] + sorted(set(region) - {"V4", "IT"})
    return NeuralData(
        responses={r: mean[:, region == r].astype(np.float32) for r in regions},
        category=category, obj=obj, level=np.array([var[i] for i in first_sorted]),
        category_names=category_names, object_names=object_names, source=str(path),
    )


VENTRAL_LAYOUT = (
    "ventral_neural_data.hdf5: images (n, H, W), image_meta/{category, object_name, variation_level} "
    "(n,) byte strings ('V0', 'V3', 'V6'), neural_meta/{IT_NEURONS, V4_NEURONS} column indices, "
    "time_averaged_trial_averaged (n, n_sites)"
)


def load_ventral_hdf5(path: str | Path, images: bool = False) -> NeuralData:
    """Read ``ventral_neural_data.hdf5`` (the teaching copy of the Majaj et al. 2015 data).

    Parameters
    ----------
    path : str or Path
    images : bool
        Also read the images (5760 x 256 x 256), as grey levels in [0, 1].

    Returns
    -------
    NeuralData
        ``responses["V4"]`` and ``responses["IT"]``; categories, objects and variation levels.
    """
    path = Path(path)
    keys = ["time_averaged_trial_averaged", "image_meta/category", "image_meta/object_name",
            "image_meta/variation_level", "neural_meta/IT_NEURONS", "neural_meta/V4_NEURONS"]
    with _open_h5(path, VENTRAL_LAYOUT) as f:
        _need(f, keys + (["images"] if images else []), path, VENTRAL_LAYOUT)
        x = np.asarray(f["time_averaged_trial_averaged"][()], dtype=np.float32)
        cats = [_decode(v) for v in f["image_meta/category"][()]]
        objs = [_decode(v) for v in f["image_meta/object_name"][()]]
        var = [_level(v) for v in f["image_meta/variation_level"][()]]
        cols = {r: np.asarray(f[f"neural_meta/{r}_NEURONS"][()]).astype(int).ravel() for r in ("V4", "IT")}
        imgs = _grey(f["images"][()]) if images else None
    if x.ndim != 2 or not (len(cats) == len(objs) == len(var) == x.shape[0]):
        raise ValueError(f"time_averaged_trial_averaged in {path} has shape {x.shape} for {len(objs)} images; "
                         f"expected {VENTRAL_LAYOUT}")
    for r, c in cols.items():
        if c.size == 0 or c.min() < 0 or c.max() >= x.shape[1]:
            got = f"values {c.min()}..{c.max()}" if c.size else "no index"
            raise ValueError(f"neural_meta/{r}_NEURONS in {path} must index the {x.shape[1]} columns of "
                             f"time_averaged_trial_averaged, got {got}")
    obj, object_names = _labels(objs)
    category, category_names = _labels(cats)
    return NeuralData(
        responses={r: x[:, c] for r, c in cols.items()}, category=category, obj=obj, level=np.array(var),
        category_names=category_names, object_names=object_names, images=imgs, source=str(path),
    )


def load(path: str | Path, **kwargs: Any) -> NeuralData:
    """Read any of the three real formats, recognised from the file's contents.

    ``.nc`` files go to :func:`load_brainscore_netcdf`; HDF5 files with ``spikes_train`` to
    :func:`load_it_data_h5` and with ``time_averaged_trial_averaged`` to :func:`load_ventral_hdf5`.
    """
    path = Path(path)
    layouts = f"one of: {IT_DATA_LAYOUT}; {BRAINSCORE_LAYOUT}; {VENTRAL_LAYOUT}"
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}: expected {layouts}")
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        return load_brainscore_netcdf(path, **kwargs)

    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
            netcdf = "_NCProperties" in f.attrs or "presentation" in keys
    except OSError as err:
        raise ValueError(f"{path} could not be read as HDF5 or netCDF ({err}); expected {layouts}") from None
    if "spikes_train" in keys:
        return load_it_data_h5(path, **kwargs)
    if "time_averaged_trial_averaged" in keys:
        return load_ventral_hdf5(path, **kwargs)
    if netcdf:
        return load_brainscore_netcdf(path, **kwargs)
    raise ValueError(f"{path} holds {sorted(keys)}, which is none of the known layouts; expected {layouts}")
