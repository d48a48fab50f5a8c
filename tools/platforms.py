#!/usr/bin/env python
"""Where the collection installs: the lock and the ranges resolved for each platform and Python.

    python tools/platforms.py             # print the tables (markdown)
    python tools/platforms.py --readme    # and write them into README.md, between its markers

Each cell is one resolution by uv's resolver (``uv pip compile --python-version V
--python-platform P --only-binary :all:``, which evaluates every environment marker for that
target) against the package index: of ``requirements.txt``, the exact lock that ``tasks.py``
installs, and of the ranges that ``pyproject.toml`` declares (``pip install .`` in an environment
of one's own). ``ok`` means every package has a wheel there; otherwise the cell names the
package without one. ``tasks.py`` refuses, before installing anything, the cells of the lock
that are not ``ok`` (``tests/test_platforms.py`` checks that it agrees with the README).

This asks the package index, so it is no test; ``tests/test_platforms.py`` covers its parsing.
uv is pinned in ``requirements.txt``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Pythons measured: the ones tasks.py accepts and the next one.
PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")
#: The README's markers around the tables (course.bundle.README_PLATFORMS copies what is between).
BEGIN = "<!-- platforms: begin (python tools/platforms.py --readme writes this part) -->"
END = "<!-- platforms: end -->"
#: Concurrent resolutions.
WORKERS = 4


@dataclass(frozen=True)
class Platform:
    """One row: a target of uv's resolver, and what Python reports on such a machine.

    ``system``, ``machine`` and ``mac_release`` are what ``platform.system()``,
    ``platform.machine()`` and ``platform.mac_ver()[0]`` return there (for ``tasks.unsupported``).
    """

    label: str
    target: str
    system: str
    machine: str
    mac_release: str = ""

    @property
    def environment(self) -> dict[str, str]:
        """uv reads the macOS version of an Apple target from ``MACOSX_DEPLOYMENT_TARGET``."""
        return {"MACOSX_DEPLOYMENT_TARGET": self.mac_release} if self.mac_release else {}


PLATFORMS = (
    Platform("Linux x86_64 (glibc 2.28+)", "x86_64-manylinux_2_28", "Linux", "x86_64"),
    Platform("Linux aarch64 (glibc 2.28+)", "aarch64-manylinux_2_28", "Linux", "aarch64"),
    Platform("Windows x86_64", "x86_64-pc-windows-msvc", "Windows", "AMD64"),
    Platform("Windows arm64", "aarch64-pc-windows-msvc", "Windows", "ARM64"),
    Platform("macOS 14+ arm64 (Apple chip)", "aarch64-apple-darwin", "Darwin", "arm64", "14.0"),
    Platform("macOS 13 arm64 (Apple chip)", "aarch64-apple-darwin", "Darwin", "arm64", "13.0"),
    Platform("macOS 15 x86_64 (Intel)", "x86_64-apple-darwin", "Darwin", "x86_64", "15.0"),
)


@dataclass(frozen=True)
class Resolution:
    """What one resolution gave: the pins (``{name: version}``) or why there are none."""

    ok: bool
    reason: str = ""
    pins: dict[str, str] = field(default_factory=dict)

    @property
    def cell(self) -> str:
        return "ok" if self.ok else self.reason


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", re.MULTILINE)
#: A clause of uv's explanation naming a package without a wheel: ``Because torch==2.13.0 has no
#: wheels with a matching platform tag``, ``And because torch>=2.13.0,<=2.14.1 has no wheels with
#: a matching Python ABI tag``, ``h5py>=3.11.0 has no usable wheels``.
_NO_WHEEL = re.compile(
    r"(?i:because|and) (?:all versions of )?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
    r"(?P<spec>(?:==|>=|<=|>|<|~=|!=)[^\s]+)? (?:has|have) no (?:usable )?wheels"
    r"(?: with a matching (?P<tag>platform|Python ABI|Python implementation|Python version) tag)?")
_PYTHON_TOO_NEW = re.compile(r"the requested Python version \(([^)]*)\) does not satisfy Python([^\s,]+)")


def parse_uv(returncode: int, stdout: str, stderr: str) -> Resolution:
    """Read the outcome of ``uv pip compile``.

    Parameters
    ----------
    returncode : int
        uv's exit status (0: resolved).
    stdout : str
        The resolution, one ``name==version`` line per package (with ``# via`` comments).
    stderr : str
        uv's messages; on failure, its explanation.

    Returns
    -------
    Resolution
        ``ok`` with the pins, or not ``ok`` with a short reason naming the package without a wheel.
    """
    if returncode == 0:
        pins = {m.group(1).lower(): m.group(2) for m in _PIN.finditer(stdout)}
        if not pins:
            return Resolution(False, "uv printed no packages")
        return Resolution(True, pins=pins)
    text = " ".join(stderr.split())
    clauses = list(_NO_WHEEL.finditer(text))
    if clauses:
        python = all(m.group("tag") and m.group("tag").startswith("Python") for m in clauses)
        where = " for this Python" if python else ""
        names = list(dict.fromkeys(m.group("name") for m in clauses))
        if len(clauses) > 1:
            return Resolution(False, f"no {', '.join(names)} wheel{where}")
        spec = clauses[0].group("spec") or ""
        exact = spec.startswith("==") and "," not in spec
        return Resolution(False, f"no {names[0]}{' ' + spec[2:] if exact else spec} wheel{where}")
    m = _PYTHON_TOO_NEW.search(text)
    if m:
        return Resolution(False, f"needs Python{m.group(2)}")
    cause = re.search(r"(?:cause|╰─▶):?\s*(.*?)(?:\.\s|$)", text)
    return Resolution(False, (cause.group(1) if cause else text)[:80] or f"uv exited {returncode}")


def resolve(uv: str, source: Path, platform: Platform, python: str) -> Resolution:
    """Resolve ``source`` (a requirements file or ``pyproject.toml``) for one target."""
    cmd = [uv, "pip", "compile", str(source), "--python-version", python, "--python-platform", platform.target,
           "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet"]
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", **platform.environment)
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    return parse_uv(run.returncode, run.stdout, run.stderr)


def measure(uv: str, source: Path, pythons: tuple[str, ...] = PYTHONS) -> dict[str, dict[str, Resolution]]:
    """``{platform label: {python: Resolution}}`` for every platform of :data:`PLATFORMS`."""
    jobs = [(p, v) for p in PLATFORMS for v in pythons]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda job: resolve(uv, source, *job), jobs))
    table: dict[str, dict[str, Resolution]] = {}
    for (p, v), res in zip(jobs, results, strict=True):
        table.setdefault(p.label, {})[v] = res
    return table


def markdown_table(cells: dict[str, dict[str, str]]) -> str:
    """A markdown table: one row per platform, one column per Python, ``cells[row][python]``."""
    pythons = list(next(iter(cells.values())))
    lines = ["| platform | " + " | ".join(pythons) + " |", "|---|" + "---|" * len(pythons)]
    lines += [f"| {row} | " + " | ".join(cols[v] for v in pythons) + " |" for row, cols in cells.items()]
    return "\n".join(lines)


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """The inverse of :func:`markdown_table`: the first table in ``text`` as ``{row: {python: cell}}``.

    Raises
    ------
    ValueError
        If ``text`` holds no table with a ``platform`` header.
    """
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    if not rows or not rows[0].startswith("| platform |"):
        raise ValueError(f"no table of platforms in text starting {text[:80]!r}")
    split = lambda line: [c.strip() for c in line.strip("|").split("|")]  # noqa: E731
    header = split(rows[0])[1:]
    table = {}
    for line in rows[2:]:
        if not line.startswith("| platform |"):
            cols = split(line)
            table[cols[0]] = dict(zip(header, cols[1:], strict=True))
        else:
            break
    return table


def report(lock: dict[str, dict[str, Resolution]], ranges: dict[str, dict[str, Resolution]], uv_version: str,
           day: date) -> str:
    """The README's block: the lock's table, the ranges' table, and how they were measured."""
    def cells(t):
        return {row: {v: r.cell for v, r in cols.items()} for row, cols in t.items()}

    return "\n".join([
        BEGIN,
        "The lock, `requirements.txt` (what `python3 tasks.py` installs):",
        "",
        markdown_table(cells(lock)),
        "",
        "The ranges of `pyproject.toml` (what `pip install .` resolves in an environment of your own):",
        "",
        markdown_table(cells(ranges)),
        "",
        f"Measured on {day.isoformat()} by `python tools/platforms.py` ({uv_version}'s resolver for each "
        "platform and Python, wheels only, against PyPI).",
        END,
    ])


def write_readme(block: str, readme: Path = ROOT / "README.md") -> None:
    """Replace the part of ``readme`` between :data:`BEGIN` and :data:`END` with ``block``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{readme} lacks the markers {BEGIN!r} ... {END!r}")
    readme.write_text(text[:start] + block + text[end + len(END):], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readme", action="store_true", help="write the tables into README.md")
    beside = Path(sys.executable).with_name("uv")
    ap.add_argument("--uv", default=str(beside) if beside.exists() else shutil.which("uv") or "uv",
                    help="the uv executable (default: the pinned one beside this Python, else uv on PATH)")
    args = ap.parse_args(argv)
    if not Path(args.uv).exists() and shutil.which(args.uv) is None:
        print(f"error: uv not found at {args.uv}: pip install -r requirements.txt, or pass --uv", file=sys.stderr)
        return 2
    version = subprocess.run([args.uv, "--version"], capture_output=True, text=True, check=True).stdout.split()
    lock = measure(args.uv, ROOT / "requirements.txt")
    ranges = measure(args.uv, ROOT / "pyproject.toml")
    block = report(lock, ranges, " ".join(version[:2]), date.today())
    print(block)
    if args.readme:
        write_readme(block)
        print("written into README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
