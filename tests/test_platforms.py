"""Where the collection installs: tools/platforms.py's parsing, tasks.py's refusal, the ranges.

tools/platforms.py asks the package index, so it does not run here: these tests read uv's
messages as recorded, and check that what tasks.py accepts and refuses is the README's measured
table, for the repository's tasks.py and the student bundle's.
"""
from __future__ import annotations

import ast
import functools
import glob
import importlib.util
import os
import shutil
import subprocess
import tomllib
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from course.bundle import pyproject, tasks_script
from tools import platforms

from .conftest import ROOT

#: uv's messages, as uv 0.13 printed them for this lock and these ranges.
UV_OK = """alembic==1.20.1
numpy==2.4.6
torch==2.13.0
torch-geometric-dummy==0.1 ; sys_platform == 'linux'
"""
UV_NO_PLATFORM_WHEEL = """error: No solution found when resolving dependencies
  cause: Because torch==2.13.0 has no wheels with a matching platform tag (e.g., `macosx_13_0_arm64`) and you \
require torch==2.13.0, we can conclude that your requirements are unsatisfiable.

hint: Wheels are available for `torch` (v2.13.0) on the following platforms: `manylinux_2_28_aarch64`, \
`manylinux_2_28_x86_64`, `macosx_14_0_arm64`, `win_amd64`
"""
UV_NO_RANGE_WHEEL = """error: No solution found when resolving dependencies
  cause: Because torch>=2.13.0 has no wheels with a matching platform tag (e.g., `win_arm64`) and \
brain-models-helpers depends on torch>=2.13, we can conclude that your requirements are unsatisfiable.
"""
UV_NO_ABI_WHEEL = """error: No solution found when resolving dependencies
  cause: Because torch==2.13.0 has no wheels with a matching Python ABI tag (e.g., `cp315`) and you require \
torch==2.13.0, we can conclude that your requirements are unsatisfiable.

hint: You require CPython 3.15 (`cp315`), but we only found wheels for `torch` (v2.13.0) with the following \
Python ABI tags: `cp310`, `cp311`, `cp312`, `cp313`, `cp314`, `cp314t`
"""
UV_NO_USABLE_WHEEL = """error: No solution found when resolving dependencies
  cause: Because h5py>=3.11.0 has no usable wheels and brain-models-helpers depends on h5py>=3.11, we can \
conclude that your requirements are unsatisfiable.
"""
UV_TWO_REASONS = """error: No solution found when resolving dependencies
  cause: Because torch>=2.13.0,<=2.14.1 has no wheels with a matching Python ABI tag (e.g., `cp315`) and only \
the following versions of torch are available:
             torch<=2.14.1
             torch==2.15.0
         we can conclude that all of:
             torch>=2.13.0,<2.15.0
             torch>2.15.0
          cannot be used.
         And because torch==2.15.0 has no wheels with a matching platform tag (e.g., `macosx_13_0_arm64`) and \
brain-models-helpers depends on torch>=2.13, we can conclude that your requirements are unsatisfiable.
"""


def _load(name: str, source: str) -> ModuleType:
    module = ModuleType(name)
    module.__file__ = str(ROOT / "bundle" / "tasks.py")  # where a bundle would have it; nothing is read there
    exec(compile(source, name, "exec"), module.__dict__)
    return module


def _tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundle_tasks() -> ModuleType:
    return _load("bundle_tasks", tasks_script((ROOT / "tasks.py").read_text()))


def test_uv_outcomes_are_read():
    ok = platforms.parse_uv(0, UV_OK, "Resolved 145 packages in 906ms")
    assert ok.ok and ok.cell == "ok" and ok.pins["torch"] == "2.13.0" and ok.pins["torch-geometric-dummy"] == "0.1"
    assert platforms.parse_uv(1, "", UV_NO_PLATFORM_WHEEL).cell == "no torch 2.13.0 wheel"
    assert platforms.parse_uv(1, "", UV_NO_RANGE_WHEEL).cell == "no torch>=2.13.0 wheel"
    assert platforms.parse_uv(1, "", UV_NO_ABI_WHEEL).cell == "no torch 2.13.0 wheel for this Python"
    assert platforms.parse_uv(1, "", UV_NO_USABLE_WHEEL).cell == "no h5py>=3.11.0 wheel"
    assert platforms.parse_uv(1, "", UV_TWO_REASONS).cell == "no torch wheel"
    assert platforms.parse_uv(0, "", "").cell == "uv printed no packages"
    other = platforms.parse_uv(2, "", "error: Failed to fetch: `https://pypi.org/simple/numpy/`\n  cause: dns error")
    assert not other.ok and other.cell


def test_a_table_is_written_and_read_back():
    cells = {"Linux x86_64": {"3.11": "ok", "3.12": "ok"}, "Windows arm64": {"3.11": "no torch 2.13.0 wheel",
                                                                           "3.12": "no torch 2.13.0 wheel"}}
    text = platforms.markdown_table(cells)
    assert text.splitlines()[0] == "| platform | 3.11 | 3.12 |"
    assert platforms.parse_table("The lock:\n\n" + text + "\n\nmore text") == cells
    with pytest.raises(ValueError, match="no table of platforms"):
        platforms.parse_table("| a | b |\n|---|---|")


def _readme_tables() -> tuple[dict, dict]:
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(platforms.BEGIN):readme.index(platforms.END)]
    lock, ranges = block.split("The ranges", 1)
    return platforms.parse_table(lock), platforms.parse_table(ranges)


def test_the_readme_shows_the_measured_tables_of_every_platform():
    lock, ranges = _readme_tables()
    labels = [p.label for p in platforms.PLATFORMS]
    assert list(lock) == labels and list(ranges) == labels
    assert all(list(cols) == list(platforms.PYTHONS) for cols in [*lock.values(), *ranges.values()])
    assert "Measured on 20" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("loader", [_tasks, _bundle_tasks], ids=["tasks.py", "bundle tasks.py"])
def test_tasks_accepts_exactly_what_the_measured_lock_installs_on(loader):
    tasks = loader()
    lock, _ = _readme_tables()
    for p in platforms.PLATFORMS:
        for python, cell in lock[p.label].items():
            version = tuple(int(x) for x in python.split("."))
            problem = tasks.unsupported(version, p.system, p.machine, p.mac_release)
            assert (problem is None) == (cell == "ok"), (p.label, python, cell, problem)


@pytest.mark.parametrize("case,words", [
    (((3, 10), "Linux", "x86_64", ""), ["Python 3.10", "3.11, 3.12, 3.13, 3.14"]),
    (((3, 15), "Windows", "AMD64", ""), ["Python 3.15", "python3.14 tasks.py"]),
    (((3, 13), "Darwin", "x86_64", "15.1"), ["Intel", "Rosetta", "JupyterHub", "Colab"]),
    (((3, 12), "Darwin", "arm64", "13.6.1"), ["macOS 13.6.1", "macOS 14 or newer", "Colab"]),
    (((3, 12), "Windows", "ARM64", ""), ["Windows on ARM64", "JupyterHub", "Colab"]),
    (((3, 11), "Linux", "ppc64le", ""), ["Linux on ppc64le", "Colab"]),
])
def test_a_refusal_says_why_and_what_to_do_instead(case, words):
    problem = _tasks().unsupported(*case)
    assert problem and all(w in problem for w in words), problem


def test_supported_machines_under_their_other_names():
    unsupported = _tasks().unsupported
    for case in [((3, 11), "Linux", "aarch64", ""), ((3, 14), "Linux", "arm64", ""), ((3, 12), "Windows", "AMD64", ""),
                 ((3, 13), "Darwin", "arm64", "14.0"), ((3, 13), "Darwin", "arm64", "26.1")]:
        assert unsupported(*case) is None, case


def test_tasks_refuses_before_installing_anything(monkeypatch, capsys):
    for tasks in (_tasks(), _bundle_tasks()):
        monkeypatch.setattr(tasks, "unsupported_here", lambda: "no torch wheel here.")
        monkeypatch.setattr(tasks, "setup", lambda *a, **k: pytest.fail("setup ran on a refused platform"))
        monkeypatch.setattr(tasks.venv, "create", lambda *a, **k: pytest.fail("a venv was created"))
        assert tasks.main(["lab"]) == 3
        assert "nothing was installed. no torch wheel here." in capsys.readouterr().err


def test_an_old_python_reads_tasks_py_far_enough_to_say_so():
    """No syntax or standard-library module newer than Python 3.8 before unsupported() runs."""
    for source in ((ROOT / "tasks.py").read_text(), tasks_script((ROOT / "tasks.py").read_text())):
        tree = ast.parse(source, feature_version=(3, 8))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not any(a.name == "tomllib" for n in top for a in n.names)


def test_the_lock_lies_in_the_declared_ranges_and_every_range_has_a_lower_bound():
    tasks = _tasks()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = tasks.lower_bounds((ROOT / "pyproject.toml").read_text())
    lock = {r.name.lower(): r for r in map(Requirement, tasks.oldest_requirements(
        (ROOT / "requirements.txt").read_text(), {}).splitlines()[1:])}
    for dep in map(Requirement, project["dependencies"]):
        name = dep.name.lower()
        assert name in bounds, f"{dep} has no lower bound"
        if name in lock:
            pinned = Version(next(iter(lock[name].specifier)).version)
            assert dep.specifier.contains(pinned), f"the lock's {name}=={pinned} is outside {dep}"
    with pytest.raises(ValueError, match="'numpy' in pyproject.toml has no lower bound"):
        tasks.lower_bounds('[project]\ndependencies = ["numpy"]\n')


def test_the_oldest_environment_is_the_lock_at_the_lower_bounds():
    tasks = _tasks()
    text = tasks.oldest_requirements("numpy==2.4.6\nnbgrader==0.9.6\n# comment\nscikit_image==0.26.0\n",
                                     {"numpy": "2.0", "scikit-image": "0.24", "ipython": "8.24"})
    assert text.splitlines()[1:] == ["numpy==2.0", "nbgrader==0.9.6", "scikit-image==0.24", "ipython==8.24"]


def test_the_bundle_declares_the_same_ranges():
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bundle = tomllib.loads(pyproject((ROOT / "pyproject.toml").read_text()))["project"]
    assert bundle["dependencies"] == repo["dependencies"] and bundle["version"] == repo["version"]


@functools.cache
def _python(low: tuple[int, int], high: tuple[int, int]) -> str | None:
    """A Python of a version from ``low`` up to, not including, ``high`` on this machine (on PATH
    or under pyenv), or None."""
    found = [shutil.which(f"python3.{minor}") for minor in range(high[1] - 1, low[1] - 1, -1)]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")), reverse=True)
    for path in filter(None, found):
        run = subprocess.run([path, "-c", f"import sys; print({low} <= sys.version_info < {high})"],
                             capture_output=True, text=True, timeout=30)
        if run.returncode == 0 and run.stdout.strip() == "True":
            return path
    return None


def _older_python() -> str | None:
    return _python((3, 7), (3, 11))


def _newer_python() -> str | None:
    return _python((3, 12), (3, 15))


@pytest.mark.skipif(_older_python() is None, reason="no Python older than 3.11 on this machine")
@pytest.mark.parametrize("which", ["tasks.py", "bundle tasks.py"])
def test_an_older_python_is_refused_before_anything_is_installed(tmp_path, which):
    """A real Python 3.10 (or 3.9, 3.8) runs tasks.py: it says which Pythons to use, and no .venv appears."""
    script = (ROOT / "tasks.py").read_text()
    if which != "tasks.py":
        script = tasks_script(script)
    (tmp_path / "tasks.py").write_text(script)
    run = subprocess.run([_older_python(), "tasks.py", "lab"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "nothing was installed" in run.stderr and "3.11, 3.12, 3.13, 3.14" in run.stderr, run.stderr
    assert not (tmp_path / ".venv").exists()


@pytest.mark.skipif(_newer_python() is None, reason="no Python 3.12 to 3.14 on this machine")
def test_a_newer_python_is_accepted_without_a_warning():
    code = "import runpy, sys; print(runpy.run_path(sys.argv[1])['unsupported_here']())"
    run = subprocess.run([_newer_python(), "-c", code, str(ROOT / "tasks.py")], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "None", run.stdout + run.stderr
