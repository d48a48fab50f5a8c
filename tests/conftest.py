"""Shared fixtures: paths of the collection."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def notebook_dir() -> Path:
    return NOTEBOOKS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say how to run the browser tests when they were skipped for want of a browser."""
    skipped = terminalreporter.stats.get("skipped", [])
    browser = [r for r in skipped if "test_browser" in str(getattr(r, "nodeid", ""))]
    if browser:
        from .browser_support import missing_browser_reason

        reason = missing_browser_reason() or "see the skip reasons above"
        terminalreporter.write_line(
            f"{len(browser)} browser test(s) skipped: {reason}. To run them: install Chromium "
            "(Debian/Ubuntu: sudo apt-get install chromium) and run python3 tasks.py test again; "
            "bash .ci/run installs it and runs everything.", yellow=True)
