"""Where the collection's shipped data and caches live."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR", "CACHE_DIR"]

#: Small files shipped with the collection (pretrained weights, ...); see data/README.md.
DATA_DIR = Path(os.environ.get("BRAIN_MODELS_DATA", Path(__file__).resolve().parents[1] / "data"))

#: Generated, re-creatable files (stimulus sets, prototypes); never committed.
CACHE_DIR = Path(os.environ.get("BRAIN_MODELS_CACHE", Path(__file__).resolve().parents[1] / ".cache"))
