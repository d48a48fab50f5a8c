"""The student bundle: nothing of the instructor's in it, and it works on its own.

The bundle is searched file by file (and inside its zip) for nbgrader's solution and
hidden-test markers and for every line of every hidden test. It is then set up in a fresh
virtual environment exactly as its README says. Its kernel runs a smoke notebook: every import
of every released notebook, every ``helpers`` module, the shipped networks, an inline figure and
an explorer widget. Its notebooks are byte for byte the release that the grading tier runs to the
end, with the untouched exercises falling back to the reference. So the bundle tier does not run
them a third time.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.bundle import BUNDLE_NAME, LEAK_MARKERS, TEST_ONLY_PACKAGES, build_bundle, pyproject, tasks_script
from course.release import release
from course.submission import hidden_region
from tools import platforms

from .conftest import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
pytestmark = pytest.mark.bundle
STUDENT_FILES = {"README.md", "requirements.txt", "pyproject.toml", "tasks.py", "notebooks", "helpers", "data"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    folder, archive = build_bundle(out, NOTEBOOKS)
    return folder, archive


def _files(bundle) -> dict[str, bytes]:
    """Every file of the folder and of the zip, by a name saying where it is."""
    folder, archive = bundle
    files = {f"folder:{p.relative_to(folder)}": p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with zipfile.ZipFile(archive) as zf:
        files.update({f"zip:{name}": zf.read(name) for name in zf.namelist() if not name.endswith("/")})
    return files


def _secret_lines() -> list[str]:
    """Lines of the hidden tests that appear nowhere else in the instructor notebooks."""
    secret = set()
    for path in NBS:
        nb = nbformat.read(path, as_version=4)
        visible = []
        for cell in nb.cells:
            start, hidden = hidden_region(cell.source)
            lines = cell.source.splitlines()
            visible += [ln.strip() for ln in lines[:start]]
            secret.update(ln.strip() for ln in hidden)
        secret -= set(visible)
    return sorted(s for s in secret if len(s) >= 20 and not s.startswith("#"))


def test_bundle_holds_only_what_students_need(bundle):
    folder, archive = bundle
    assert {p.name for p in folder.iterdir()} == STUDENT_FILES
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == [p.name for p in NBS]
    assert not list(folder.rglob("__pycache__")) and not (folder / "helpers" / "course").exists()
    with zipfile.ZipFile(archive) as zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
    assert names == {f"{BUNDLE_NAME}/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()}
    reqs = (folder / "requirements.txt").read_text().splitlines()
    pinned = {ln.split("==")[0].lower() for ln in reqs if "==" in ln}
    assert not pinned & TEST_ONLY_PACKAGES and {"torch", "numpy", "jupyterlab", "ipykernel"} <= pinned
    repo = set((ROOT / "requirements.txt").read_text().splitlines())
    assert all(ln in repo for ln in reqs if "==" in ln), "the same pins as the repository"


def test_bundle_says_where_it_installs_and_how_on_colab_or_a_hub(bundle):
    """The bundle's README has the measured table of the repository's README and the Colab and
    JupyterHub steps; its tasks.py refuses what the repository's refuses; its pyproject the ranges."""
    folder, _ = bundle
    readme = (folder / "README.md").read_text()
    repo = (ROOT / "README.md").read_text()
    assert platforms.parse_table(readme.split("## Set up", 1)[1]) == platforms.parse_table(
        repo[repo.index(platforms.BEGIN):])
    assert "You need Python 3.11, 3.12, 3.13 or 3.14" in readme
    assert "## On Colab or a JupyterHub" in readme and "%pip install -q -e brain-models" in readme
    assert "python3 -m pip install --user -e ." in readme
    assert (folder / "tasks.py").read_text() == tasks_script((ROOT / "tasks.py").read_text())
    assert (folder / "pyproject.toml").read_text() == pyproject((ROOT / "pyproject.toml").read_text())


def test_no_solution_no_hidden_test_anywhere(bundle):
    files = _files(bundle)
    secrets = _secret_lines()
    assert len(secrets) > 40  # the hidden tests of all notebooks
    hits = [f"{name}: {marker}" for name, data in files.items() for marker in LEAK_MARKERS
            if marker.encode() in data]
    hits += [f"{name}: {line}" for name, data in files.items() for line in secrets if line.encode() in data]
    assert hits == []


def test_existing_bundle_is_never_overwritten(bundle):
    folder, archive = bundle
    with pytest.raises(FileExistsError, match="--force"):
        build_bundle(folder.parent, NOTEBOOKS)


def test_bundle_notebooks_are_the_release_that_grading_runs(bundle, tmp_path):
    """The bundle's notebooks are byte for byte the student release, which the grading tier runs
    to the end (tests/test_grading_round_trip.py): the bundle need not run them again."""
    folder, _ = bundle
    release(tmp_path / "release", NOTEBOOKS)
    for path in NBS:
        assert (folder / "notebooks" / path.name).read_bytes() == (tmp_path / "release" / path.name).read_bytes(), \
            path.name


def smoke_notebook(released: list[Path]) -> nbformat.NotebookNode:
    """One short notebook that needs what the released notebooks need, without their long runs:
    every import any of them makes, every module of ``helpers``, the shipped networks in
    ``data/``, a figure through the default inline backend and an explorer widget."""
    imports: list[str] = []
    for path in released:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            imports += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    cells = [
        "\n".join(dict.fromkeys(imports)),
        "import importlib, pkgutil\nimport helpers\n"
        "mods = [m.name for m in pkgutil.walk_packages(helpers.__path__, 'helpers.')]\n"
        "for m in mods:\n    importlib.import_module(m)\nprint(len(mods), 'helpers modules')",
        "from helpers import angular_integrator, grid_rnn\n"
        "grid_rnn.load_shipped(); angular_integrator.load_angular_integrator(); print('shipped networks load')",
        "from helpers import plotting\nimport matplotlib.pyplot as plt\nplotting.use_lecture_style()\n"
        "fig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])",
        "from helpers import widgets\nwidgets.chaos_explorer(n=40, T=30)",
    ]
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


_EXECUTE = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
mimes = [sorted(o.get("data", {})) for c in nb.cells for o in c.outputs]
texts = [o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream"]
print(json.dumps({"mimes": mimes, "texts": texts}))
"""


@pytest.mark.timeout(1500)
def test_bundle_sets_up_on_its_own_and_its_kernel_has_what_the_notebooks_need(bundle, tmp_path):
    folder, _ = bundle
    readme = (folder / "README.md").read_text()
    assert "python3 tasks.py lab" in readme and "python3 tasks.py setup" in readme
    # a clean environment: no variable of this repository's .venv, no PYTHONPATH
    env = {"PATH": os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                                   if ".venv" not in p),
           "HOME": os.environ.get("HOME", str(tmp_path)), "LANG": "C.UTF-8"}
    for key in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "PIP_DEFAULT_TIMEOUT",
                "PIP_CONSTRAINT", "PIP_DISABLE_PIP_VERSION_CHECK", "SSL_CERT_FILE", "OMP_NUM_THREADS",
                "TORCH_THREADS"):
        if key in os.environ:
            env[key] = os.environ[key]
    base = getattr(sys, "_base_executable", sys.executable)  # the Python 3.11 this venv was made from
    setup = subprocess.run([base, "tasks.py", "setup"], cwd=folder, env=env, capture_output=True, text=True,
                           timeout=900)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    py = folder / ".venv" / "bin" / "python"
    where = subprocess.run([py, "-c", "import helpers, importlib.util as u; print(helpers.__file__); "
                            "print(u.find_spec('course'), u.find_spec('nbgrader'), u.find_spec('pytest'))"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    helpers_file, specs = where.stdout.splitlines()
    assert Path(helpers_file).resolve().is_relative_to(folder.resolve())
    assert specs == "None None None", "no grading tool and no test tool in the student's environment"
    # the bundle's helpers declares ranges (pyproject.toml) and the lock meets every one of them:
    # `pip install .` in an environment like this one would keep every installed package
    check = subprocess.run([py, "-m", "pip", "check"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    declared = subprocess.run([py, "-c", "import importlib.metadata as m; "
                               "print(len(m.requires('brain-models-helpers') or []))"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert declared.returncode == 0 and int(declared.stdout) >= 10, declared.stdout + declared.stderr
    smoke = tmp_path / "smoke.ipynb"
    nbformat.write(smoke_notebook(sorted((folder / "notebooks").glob("*.ipynb"))), smoke)
    run = subprocess.run([py, "-c", _EXECUTE, str(smoke), str(folder / "notebooks")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert any("helpers modules" in t for t in result["texts"]), result
    assert any("shipped networks load" in t for t in result["texts"]), result
    assert ["image/png", "text/plain"] in result["mimes"], "the inline backend drew the figure"
    assert any("application/vnd.jupyter.widget-view+json" in m and "image/png" in m for m in result["mimes"]), \
        "the explorer is a widget carrying its figure"
