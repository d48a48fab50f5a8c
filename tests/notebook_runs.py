"""Test tiers, and one run of each notebook that every notebook check reads.

A pytest plugin, loaded by the root ``conftest.py``. It does three things.

**Tiers.** Every test carries one tier marker (see ``TIERS``). A test without one is ``unit``.
nbval's notebook cells are ``notebook``. ``python3 tasks.py test`` runs ``-m unit``, and
``--full`` runs every tier.

**The source run.** nbval executes each source notebook once, one item per cell. This plugin
attaches the headless checks to that same execution:

- a cell that draws (see ``DRAWS``) must leave an ``image/png`` output, or the cell fails;
- a cell that runs longer than ``CELL_TIMEOUT_S`` fails as hung. nbval's
  ``--nbval-cell-timeout`` interrupts it at the same bound;
- after the last cell, one more item, ``<notebook>::whole notebook``, checks the run as a whole:
  every code cell ran, there is no error output, and the figure count is the one pinned in
  ``FIGURES``. It then writes the executed notebook to this run's shared folder;
- cells tagged ``nbval-check-output`` have deterministic text. Their outputs are recorded in
  ``tests/nbval_outputs.json`` and handed to nbval, which compares them with its sanitizers.

**The release run** is the grading round trip (``tests/test_grading_round_trip.py``). It
keeps the notebook that nbgrader executed in the same shared folder.

Checks that need a whole executed notebook call :func:`executed_notebook`. The browser tier
does this. The function waits for the run when the run is part of this pytest session. When
it is not (for example ``pytest -m browser`` alone), the function executes the notebook itself,
once, under a lock. Items are reordered so that the producers (grading, then the notebooks,
slowest first) come before the unit tests, and the consumers (bundle, browser) come last. Under
``--dist loadfile`` a consumer therefore never waits on a run that is queued behind it.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbval.plugin import IPyNbCell, IPyNbFile

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Recorded outputs of the cells tagged ``nbval-check-output``, by notebook and cell id.
EXPECTED_OUTPUTS = Path(__file__).with_name("nbval_outputs.json")
CHECK_TAG = "nbval-check-output"

TIERS = {
    "unit": "helpers, checks, course logic, lint, architecture: no whole-notebook execution",
    "notebook": "each source notebook executed once by nbval, its figures, timings and outputs checked",
    "grading": "release and nbgrader autograde round trip (the release run of each notebook)",
    "bundle": "the student bundle: leak search, fresh-venv install from its README, kernel smoke run",
    "browser": "JupyterLab in Chromium: every executed notebook opens, figures decode, widgets move",
}
#: Scheduling order: the long producers of executed notebooks first, their consumers last.
ORDER = ("grading", "notebook", "unit", "bundle", "browser")

#: Seconds any one cell may take before it counts as hung. The slowest default-mode cell is the
#: live training of notebook 04, which takes about a minute on a loaded 2-core machine.
CELL_TIMEOUT_S = 240

#: ``image/png`` outputs of each executed source notebook.
FIGURES = {
    "01_rnn_basics": 6,
    "02_bptt": 5,
    "03_ring_attractors": 10,
    "04_grid_cell_rnn": 10,
    "05_mexican_hat": 5,
    "06_hmax": 6,
    "07_v4_vs_it_decoding": 5,
    "08_task_driven_ventral_stream": 4,
}
#: Source notebooks, slowest first (measured on 2 cores): the first to be handed to a worker.
SLOWEST_FIRST = ("04_grid_cell_rnn", "08_task_driven_ventral_stream", "03_ring_attractors", "06_hmax",
                 "07_v4_vs_it_decoding", "01_rnn_basics", "05_mexican_hat", "02_bptt")

#: A code cell that draws: it makes a figure (``fig = ...``), shows one, or builds an explorer.
DRAWS = re.compile(r"plt\.show\(\)|widgets\.\w+_explorer\(|^\s*fig\w*\s*=", re.MULTILINE)

_RUNS = pytest.StashKey[dict]()       # notebook path -> {cell_num: (outputs, seconds)}
_SCHEDULED = pytest.StashKey[set]()   # {(variant, notebook stem)} executed by this session


def figure_cells(nb: nbformat.NotebookNode) -> list:
    """The code cells of ``nb`` that draw a figure."""
    return [c for c in nb.cells if c.cell_type == "code" and DRAWS.search(c.source)]


def count_images(nb: nbformat.NotebookNode) -> int:
    """Number of ``image/png`` outputs of an executed notebook."""
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []))


# -- configuration and collection ------------------------------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RUNS] = {}
    config.stash[_SCHEDULED] = set()


def _tier(item: pytest.Item) -> str:
    found = [t for t in TIERS if item.get_closest_marker(t) is not None]
    return found[0] if found else "unit"


class NotebookRun(pytest.Item):
    """The checks on a whole nbval run of one source notebook, after its last cell."""

    def runtest(self) -> None:
        file: IPyNbFile = self.parent
        stem = file.path.stem
        cells = self.config.stash[_RUNS].get(file.path, {})
        nb = executed_copy(file.nb, cells)
        problems = run_problems(nb, cells, stem)
        publish(self.config, "source", stem, nb, problems)
        assert not problems, f"{stem}: " + "; ".join(problems)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}: the whole run (figures, errors, every cell ran)"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """Mark every item with its tier, add each notebook's whole-run item, order producers first."""
    expected = _load_expected()
    out: list = []
    for i, item in enumerate(items):
        out.append(item)
        if isinstance(item, IPyNbCell):
            item.add_marker(pytest.mark.notebook)
            _attach_expected(item, expected)
            last = i + 1 == len(items) or getattr(items[i + 1], "parent", None) is not item.parent
            if last:
                run = NotebookRun.from_parent(item.parent, name="whole notebook")
                run.add_marker(pytest.mark.notebook)
                run.add_marker(pytest.mark.executes("source", item.parent.path.stem))
                out.append(run)
        elif not any(item.get_closest_marker(t) for t in TIERS):
            item.add_marker(pytest.mark.unit)

    def key(pair: tuple[int, pytest.Item]) -> tuple:
        i, item = pair
        tier = _tier(item)
        rank = 0
        if tier == "notebook" and isinstance(item, (IPyNbCell, NotebookRun)):
            stem = item.parent.path.stem
            rank = SLOWEST_FIRST.index(stem) if stem in SLOWEST_FIRST else len(SLOWEST_FIRST)
        return ORDER.index(tier), rank, i

    items[:] = [item for _, item in sorted(enumerate(out), key=key)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which notebook runs this session makes (after -m/-k deselection)."""
    scheduled = session.config.stash[_SCHEDULED]
    for item in session.items:
        mark = item.get_closest_marker("executes")
        if mark is not None:
            scheduled.add(tuple(mark.args))


# -- nbval output checks -------------------------------------------------------------------------

def _load_expected() -> dict:
    if not EXPECTED_OUTPUTS.is_file():
        return {}
    return json.loads(EXPECTED_OUTPUTS.read_text())


def _attach_expected(item: IPyNbCell, expected: dict) -> None:
    """Give nbval the recorded outputs of a cell tagged ``nbval-check-output`` to compare."""
    if CHECK_TAG not in item.cell.metadata.get("tags", []):
        return
    if item.config.getoption("nbval_record", False):
        item.options["check"] = False
        return
    recorded = expected.get(item.parent.path.stem, {}).get(item.cell.get("id", ""))
    if recorded is None:
        item.add_marker(pytest.mark.xfail(strict=True, reason=(
            f"no recorded output for this {CHECK_TAG} cell: run pytest {item.parent.path.name} --nbval-record")))
        return
    item.cell.outputs = [nbformat.from_dict(o) for o in recorded]
    item.cell.execution_count = 1
    item.options["check"] = True


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--nbval-record", action="store_true", default=False,
                     help=f"record the outputs of the cells tagged {CHECK_TAG} into {EXPECTED_OUTPUTS.name}")


def _record_expected(config: pytest.Config) -> None:
    """Write the outputs of this run's ``nbval-check-output`` cells (``--nbval-record``)."""
    with FileLock(str(EXPECTED_OUTPUTS) + ".lock"):  # each xdist worker records its own notebooks
        _merge_expected(config)


def _merge_expected(config: pytest.Config) -> None:
    expected = _load_expected()
    for path, cells in config.stash[_RUNS].items():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        marked = {code[n].id: [_text_only(o) for o in outs] for n, (outs, _) in cells.items()
                  if CHECK_TAG in code[n].metadata.get("tags", [])}
        if marked:
            expected[path.stem] = marked
    EXPECTED_OUTPUTS.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def _text_only(out: dict) -> dict:
    """An output without its images and widget views (nbval never compares those)."""
    out = dict(out)
    if "data" in out:
        out["data"] = {k: v for k, v in out["data"].items()
                       if not k.startswith("image/") and k != "application/vnd.jupyter.widget-view+json"}
        out["metadata"] = {}
    out.pop("execution_count", None)
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.getoption("nbval_record", False) and session.config.stash[_RUNS]:
        _record_expected(session.config)


# -- attaching the headless checks to nbval's execution --------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not isinstance(item, IPyNbCell):
        return (yield)
    t0 = time.monotonic()
    try:
        result = yield
    finally:
        seconds = time.monotonic() - t0
        outputs = [dict(o) for o in (item.test_outputs or [])]
        item.config.stash[_RUNS].setdefault(item.parent.path, {})[item.cell_num] = (outputs, seconds)
    if seconds > CELL_TIMEOUT_S:
        raise AssertionError(f"cell {item.cell_num} took {seconds:.0f} s, more than the {CELL_TIMEOUT_S} s "
                             "that any one cell may take in default mode (hung?)")
    if DRAWS.search(item.cell.source) and not any("image/png" in o.get("data", {}) for o in outputs):
        raise AssertionError(f"cell {item.cell_num} draws but left no image/png output:\n{item.cell.source[:300]}")
    return result


def _as_output(out: dict) -> nbformat.NotebookNode:
    kind = out["output_type"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=out["name"], text=out["text"])
    if kind == "error":
        return nbformat.v4.new_output("error", ename=out["ename"], evalue=out["evalue"],
                                      traceback=out.get("traceback", []))
    extra = {"execution_count": out.get("execution_count")} if kind == "execute_result" else {}
    return nbformat.v4.new_output(kind, data=out.get("data", {}), metadata=out.get("metadata", {}), **extra)


def executed_copy(nb: nbformat.NotebookNode, cells: dict) -> nbformat.NotebookNode:
    """``nb`` with the outputs that nbval recorded (code cells numbered in order)."""
    nb = nbformat.from_dict(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code):
        outs, _ = cells.get(n, ([], 0.0))
        cell.outputs = [_as_output(o) for o in outs if o.get("output_type") in
                        ("stream", "error", "display_data", "execute_result")]
        cell.execution_count = n + 1 if n in cells else None
    return nb


def run_problems(nb: nbformat.NotebookNode, cells: dict, stem: str) -> list[str]:
    """What is wrong with an executed source notebook, as a list of sentences (empty: nothing)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    problems = []
    missing = [n for n in range(len(code)) if n not in cells]
    if missing:
        problems.append(f"code cells {missing} did not run")
    errors = [(n, o.ename) for n, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    if errors:
        problems.append(f"error outputs in cells {errors}")
    slow = [(n, round(s)) for n, (_, s) in cells.items() if s > CELL_TIMEOUT_S]
    if slow:
        problems.append(f"cells slower than {CELL_TIMEOUT_S} s: {slow}")
    bare = [n for n, c in enumerate(code) if DRAWS.search(c.source)
            and not any("image/png" in o.get("data", {}) for o in c.outputs)]
    if bare:
        problems.append(f"cells {bare} draw but left no image/png output")
    if stem in FIGURES and count_images(nb) != FIGURES[stem]:
        problems.append(f"{count_images(nb)} figures, pinned {FIGURES[stem]} (tests/notebook_runs.py FIGURES)")
    return problems


# -- the executed notebooks, shared between the workers of one run ----------------------------------

def shared_dir(config: pytest.Config) -> Path:
    """A folder common to every xdist worker of this run (and new for each run)."""
    base = config._tmp_path_factory.getbasetemp()  # noqa: SLF001 -- pytest's own factory
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "executed"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def publish(config: pytest.Config, variant: str, stem: str, nb: nbformat.NotebookNode | None,
            problems: list[str]) -> None:
    """Make a run of ``stem`` available to the checks that read it (atomically)."""
    folder = shared_dir(config) / variant
    folder.mkdir(exist_ok=True)
    if nb is not None:
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False, encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(f.name, folder / f"{stem}.ipynb")
    status = folder / f"{stem}.json"
    tmp = status.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"ok": not problems and nb is not None, "problems": problems}))
    os.replace(tmp, status)


def _produce(config: pytest.Config, variant: str, stem: str) -> None:
    """Execute one notebook here, as nbconvert does (for a session that does not run it)."""
    from nbclient.exceptions import CellExecutionError

    from tools import handout

    path = NOTEBOOKS / f"{stem}.ipynb"
    if variant == "release":
        released = shared_dir(config) / "released"
        with FileLock(str(released) + ".lock"):
            if not released.is_dir():
                from course.release import release

                release(released, NOTEBOOKS)
        path = released / path.name
    try:
        ex = handout.execute(path)
    except CellExecutionError as err:
        publish(config, variant, stem, None, [f"executing {path.name} failed: {str(err)[:2000]}"])
        return
    publish(config, variant, stem, ex.nb, [])


def executed_notebook(config: pytest.Config, variant: str, stem: str, timeout_s: float = 2700) -> Path:
    """The notebook ``stem`` as this run executed it: ``variant`` "source" (nbval's run) or
    "release" (the grading round trip's run of the student release).

    Waits for the run when this session makes it, else executes the notebook once. Fails the
    calling test when that run failed.
    """
    folder = shared_dir(config) / variant
    status = folder / f"{stem}.json"
    if not status.is_file() and (variant, stem) not in config.stash[_SCHEDULED]:
        with FileLock(str(shared_dir(config) / f"{variant}-{stem}.lock")):
            if not status.is_file():
                _produce(config, variant, stem)
    deadline = time.monotonic() + timeout_s
    while not status.is_file():
        if time.monotonic() > deadline:
            pytest.fail(f"the {variant} run of {stem} did not finish within {timeout_s:.0f} s")
        time.sleep(2)
    result = json.loads(status.read_text())
    if not result["ok"]:
        pytest.fail(f"the {variant} run of {stem} failed: " + "; ".join(result["problems"]))
    return folder / f"{stem}.ipynb"
