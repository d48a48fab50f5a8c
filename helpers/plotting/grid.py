"""Figures for the grid notebook(s)."""
from __future__ import annotations

__all__: list[str] = []
