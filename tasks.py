#!/usr/bin/env python3
"""Set up the environment and open the notebooks, or run the tests -- one command each.

    python3 tasks.py lab      # create .venv (first time), install, open JupyterLab on notebooks/
    python3 tasks.py test     # create .venv (first time), install, run the fast tier (unit tests)
    python3 tasks.py test --full    # every tier: notebooks, grading, bundle, browser (what CI runs)
    python3 tasks.py test --oldest  # the fast tier in .venv-oldest/: every declared range at its lower bound
    python3 tasks.py handout [--release]   # the executed notebooks as a static HTML site
    python3 tasks.py bundle [--out DIR] [--force]   # what students receive: DIR/brain-models/ and .zip

Needs only Python 3.11, 3.12, 3.13 or 3.14 with its standard library, on a machine for which
torch 2.13 has wheels (it says so before installing anything when there is none). The
environment is .venv/ in this folder, installed from the exact lock requirements.txt plus this
package (pip install -e .); it is reinstalled only when requirements.txt or pyproject.toml change.
"""
from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
#: The lower-bounds environment of ``test --oldest``.
OLDEST = ROOT / ".venv-oldest"


# -- where the pinned environment installs (the instructors' and the students' tasks.py share this part) --
#: The Pythons for which every pinned package has a wheel (measured for each platform, README).
PYTHONS = ((3, 11), (3, 12), (3, 13), (3, 14))
#: (platform.system(), processor) pairs with a torch 2.13 wheel; macOS from MACOS_MIN on.
MACHINES = frozenset({("Linux", "x86_64"), ("Linux", "arm64"), ("Windows", "x86_64"), ("Darwin", "arm64")})
MACOS_MIN = (14, 0)
#: Other names that platform.machine() gives the same processors.
_PROCESSOR = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64"}
ELSEWHERE = ("Instead, use the course's JupyterHub or Google Colab (README.md: 'On Colab or a JupyterHub'), "
             "or a Linux machine, a Windows PC with an x86_64 processor, or a Mac with an Apple chip "
             "and macOS 14 or newer.")


def unsupported(version: tuple[int, ...], system: str, machine: str, mac_release: str = "") -> str | None:
    """Why the pinned environment cannot be installed here, or None when it can.

    Parameters
    ----------
    version : tuple of int
        The Python version (``sys.version_info``).
    system : str
        ``platform.system()``: ``"Linux"``, ``"Windows"``, ``"Darwin"``, ...
    machine : str
        ``platform.machine()``: ``"x86_64"``, ``"AMD64"``, ``"arm64"``, ``"aarch64"``, ...
    mac_release : str
        ``platform.mac_ver()[0]`` on macOS (``"14.5"``), else empty.
    """
    if tuple(version[:2]) not in PYTHONS:
        have = ", ".join(f"{a}.{b}" for a, b in PYTHONS)
        return (f"Python {version[0]}.{version[1]} cannot install the pinned packages: they have wheels for "
                f"Python {have}. Install one of these (python.org, or your system's package manager) "
                f"and run this command with it, e.g. python3.{PYTHONS[-1][1]} tasks.py ...")
    processor = _PROCESSOR.get(machine.lower(), machine)
    if system == "Darwin" and processor == "x86_64":
        return ("This is macOS on an Intel (x86_64) processor: torch 2.13 has no wheel for it (PyTorch "
                "builds none for Intel Macs any more). If this Mac has an Apple chip, this Python runs "
                "under Rosetta: install the macOS 64-bit universal2 Python from python.org and run again. "
                + ELSEWHERE)
    if (system, processor) not in MACHINES:
        return f"torch 2.13 has no wheel for {system} on {machine or 'this processor'}. " + ELSEWHERE
    if system == "Darwin":
        release = tuple(int(p) for p in re.findall(r"\d+", mac_release)[:2])
        if release and release < MACOS_MIN:
            return (f"This is macOS {mac_release}: torch 2.13 needs macOS {MACOS_MIN[0]} or newer on an "
                    "Apple chip. Update macOS (System Settings -> General -> Software Update). " + ELSEWHERE)
    return None


def unsupported_here() -> str | None:
    """:func:`unsupported` for this Python on this machine."""
    return unsupported(sys.version_info, platform.system(), platform.machine(), platform.mac_ver()[0])
# -- end of where the pinned environment installs ------------------------------------------------------


def _python(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def lower_bounds(pyproject: str) -> dict[str, str]:
    """The lower bound of each dependency that ``pyproject.toml`` declares: ``{name: version}``.

    Raises
    ------
    ValueError
        If a dependency has no ``>=`` lower bound.
    """
    import tomllib  # imported here: an older Python gets to unsupported()'s message

    bounds = {}
    for dep in tomllib.loads(pyproject)["project"]["dependencies"]:
        m = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*>=\s*([0-9][A-Za-z0-9.]*)\s*(,.*)?", dep)
        if m is None:
            raise ValueError(f"dependency {dep!r} in pyproject.toml has no lower bound 'name>=version'")
        bounds[m.group(1).lower().replace("_", "-")] = m.group(2)
    return bounds


def oldest_requirements(requirements: str, bounds: dict[str, str]) -> str:
    """The lock with every package that has a declared range pinned at its lower bound.

    Parameters
    ----------
    requirements : str
        The exact lock (``requirements.txt``).
    bounds : dict
        :func:`lower_bounds` of ``pyproject.toml``; a bounded package missing from the lock is added.
    """
    out, seen = ["# generated by tasks.py test --oldest: the lock, each declared range at its lower bound"], set()
    for line in requirements.splitlines():
        m = re.match(r"([A-Za-z0-9._-]+)==", line.strip())
        name = m.group(1).lower().replace("_", "-") if m else None
        if name in bounds:
            out.append(f"{name}=={bounds[name]}")
            seen.add(name)
        elif m:
            out.append(line.strip())
    out += [f"{name}=={bounds[name]}" for name in bounds if name not in seen]
    return "\n".join(out) + "\n"


def setup(env: Path = VENV, requirements: Path = ROOT / "requirements.txt") -> Path:
    """Create the virtual environment ``env``, install ``requirements`` and this package (editable).

    Installs again only when ``requirements`` or ``pyproject.toml`` changed. Returns its python.
    """
    py, stamp = _python(env), env / ".installed"
    if not py.exists():
        print(f"creating {env}")
        venv.create(env, with_pip=True)
    fingerprint = hashlib.sha256(requirements.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return py
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "-q", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    stamp.write_text(fingerprint)
    return py


def setup_oldest() -> Path:
    """``.venv-oldest/``: the lock with each declared range at its lower bound; returns its python."""
    OLDEST.mkdir(exist_ok=True)
    reqs = OLDEST / "requirements-oldest.txt"
    text = oldest_requirements((ROOT / "requirements.txt").read_text(),
                               lower_bounds((ROOT / "pyproject.toml").read_text()))
    if not reqs.exists() or reqs.read_text() != text:
        reqs.write_text(text)
    return setup(OLDEST, reqs)


def test_args(args: list[str]) -> list[str]:
    """pytest's arguments for ``tasks.py test [--full] [ARGS]``: the fast tier (``-m unit``: no
    whole-notebook execution) unless ``--full`` or a ``-m`` of the caller's own chooses the tiers.
    (``--quick``, the fast tier's old name, is accepted.)"""
    full = "--full" in args
    args = [a for a in args if a not in ("--full", "--quick")]
    if full or "-m" in args or any(a.startswith("-m=") for a in args):
        return args
    return ["-m", "unit", *args]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "setup", "handout", "bundle"):
        print(__doc__)
        return 2
    problem = unsupported_here()
    if problem:
        print(f"tasks.py: nothing was installed. {problem}", file=sys.stderr)
        return 3
    rest = argv[1:]
    oldest = argv[0] == "test" and "--oldest" in rest
    if oldest:
        rest = [a for a in rest if a != "--oldest"]
    py = setup_oldest() if oldest else setup()
    env = dict(os.environ, PYTHONHASHSEED="0")
    # as if the venv were activated: nbgrader calls console scripts of the venv (alembic)
    env["PATH"] = str(py.parent) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(py.parent.parent)
    if argv[0] == "lab":
        cmd = [str(py), "-m", "jupyter", "lab", str(ROOT / "notebooks"), *rest]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines run as root
            cmd.append("--allow-root")
    elif argv[0] == "test":
        cmd = [str(py), "-m", "pytest", *test_args(rest)]
    elif argv[0] == "handout":
        cmd = [str(py), str(ROOT / "tools" / "handout.py"), *rest]
    elif argv[0] == "bundle":  # the student bundle (course/bundle.py); default --out bundle/
        cmd = [str(py), "-m", "course", "bundle", *rest]
    else:
        return 0
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
