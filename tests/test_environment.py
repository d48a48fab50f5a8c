"""environment.yml (conda, hubs) describes the same environment as requirements.txt (pip)."""
from __future__ import annotations

import re

from .conftest import ROOT


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)==(\S+)\s*$", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.+\-]*", line), line


def test_environment_yml_matches_requirements():
    assert _environment_pins() == _requirements()
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_torch_is_the_cpu_build_pin():
    assert _requirements()["torch"] == "2.13.0"
