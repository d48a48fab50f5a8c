"""Grading a class that misbehaves: one batch of hostile submissions, each graded as it earns.

The course is the small fixture notebook ``tests/fixtures/99_fixture.py`` (two exercises,
numpy and torch, with hidden tests). Every submission is made from its student release;
"wrong" solutions return zeros of the right shape, so a test that passes on them has been
cheated. Every attack below makes plain nbgrader award full marks to the wrong solutions.
"""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from course import guard
from course.build import parse_source
from course.feedback import cell_feedback
from course.grade import grade
from course.nbgrader_course import CELL_TIMEOUT_S, KILL_GRACE_S
from course.release import release
from course.submission import SubmissionError, notebook_names, sanitize

FIXTURE = Path(__file__).parent / "fixtures" / "99_fixture.py"
AID = "99_fixture"
CELL_TIMEOUT = 10  # seconds: the fixture's cells take well under 1 s
HIDDEN_MARK = "hidden-" + "marker-7f3a9c"
HIDDEN_LINE = "_rng.standard_normal((7, 7))"

CORRECT_RATE = "def rate_step(W, r, I, sigma=np.tanh):\n    u = W @ r + I\n    return u, sigma(u)"
WRONG_RATE = "def rate_step(W, r, I, sigma=np.tanh):\n    return np.zeros(len(r)), np.zeros(len(r))"
CORRECT_SPEED = "def speed(step, h):\n    return 0.5 * ((step(h) - h) ** 2).sum(dim=1)"
WRONG_SPEED = "def speed(step, h):\n    return torch.zeros(h.shape[0])"

MONKEYPATCH = """\
import numpy, torch, helpers.checks.base, helpers.checks.rnn
numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
for _m in (helpers.checks.base, helpers.checks.rnn):
    _m.expect_close = lambda *a, **k: None
    _m.expect_true = lambda *a, **k: None
helpers.checks.rnn.check_rate_step = lambda *a, **k: None
helpers.checks.rnn.check_speed = lambda *a, **k: None
"""

PATCH_RATE_REFERENCE = "import helpers.rnn\nhelpers.rnn.rate_step = rate_step"
PATCH_SPEED_REFERENCE = "import helpers.fixed_points\nhelpers.fixed_points.speed = speed"

REBIND = """\
import types
import numpy as _np0, torch as _torch0
class _FakeNumpy:
    def __getattr__(self, name):
        return getattr(_np0, name)
    allclose = staticmethod(lambda *a, **k: True)
    testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None)
class _FakeTorch:
    def __getattr__(self, name):
        return getattr(_torch0, name)
    allclose = staticmethod(lambda *a, **k: True)
np, torch = _FakeNumpy(), _FakeTorch()
rnn_checks = types.SimpleNamespace(check_rate_step=lambda f: None, check_speed=lambda f: None)
"""

CALL_TIME = """\
def _cheat():
    import numpy, torch, helpers.checks.base, helpers.checks.rnn
    numpy.allclose = lambda *a, **k: True
    numpy.testing.assert_allclose = lambda *a, **k: None
    torch.allclose = lambda *a, **k: True
    for m in (helpers.checks.base, helpers.checks.rnn):
        m.expect_close = lambda *a, **k: None
        m.expect_true = lambda *a, **k: None
"""

THREAD = """\
import threading, time
def _keep_patching():
    while True:
        import numpy, torch, helpers.checks.base, helpers.checks.rnn
        numpy.allclose = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
        torch.allclose = lambda *a, **k: True
        for _m in (helpers.checks.base, helpers.checks.rnn):
            _m.expect_close = lambda *a, **k: None
            _m.expect_true = lambda *a, **k: None
        helpers.checks.rnn.check_rate_step = lambda *a, **k: None
        helpers.checks.rnn.check_speed = lambda *a, **k: None
        time.sleep(0.001)
threading.Thread(target=_keep_patching, daemon=True).start()
time.sleep(0.2)
"""

IPYTHON_HOOKS = """\
_ip = get_ipython()
_ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"] if any("check_" in l for l in lines) else lines)
_ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
"""

READ_DISK = """\
import os
def _search(roots):
    found = []
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".venv", "site-packages")]
            for f in files:
                try:
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        if ("hidden-" + "marker").encode() in fh.read(5_000_000):
                            found.append(os.path.join(dirpath, f))
                except OSError:
                    pass
    for d in ("notebooks", ".git", "tests"):
        try:
            if os.listdir(os.path.join(REPO, d)):
                found.append(d + " is visible")
        except OSError:
            pass
    return found
_FOUND = _search([REPO, NBDIR, SUBS, "/tmp", "/root", "/proc/%d/cwd" % os.getppid(), "/dev/shm"])
def rate_step(W, r, I, sigma=np.tanh):  # right only when nothing was found
    u = W @ r + I
    return (u, sigma(u)) if not _FOUND else (0 * u, 0 * u)
"""

EXFILTRATE = """\
import sys, linecache
_STOLEN = []
def _steal():
    f = sys._getframe(1)
    while f is not None:
        src = "".join(linecache.getlines(f.f_code.co_filename))
        if ("hidden-" + "marker") in src:
            _STOLEN.append(src)
        f = f.f_back
    for src in list(get_ipython().user_ns.get("In", [])) + list(get_ipython().user_ns.get("_ih", [])):
        if ("hidden-" + "marker") in src:
            _STOLEN.append(src)
def rate_step(W, r, I, sigma=np.tanh):
    _steal()
    u = W @ r + I
    return u, sigma(u)
"""
# right only when nothing was stolen; otherwise it tries to smuggle the text out in a message
EXFILTRATE_SPEED = """\
def speed(step, h):
    if _STOLEN:
        raise checks.CheckError('STOLEN ' + ' || '.join(_STOLEN))
    return 0.5 * ((step(h) - h) ** 2).sum(dim=1)
"""

STUBBORN_LOOP = """\
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""


def _index(nb, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _setup_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


def _make(released: Path, rate: str = CORRECT_RATE, speed: str = CORRECT_SPEED,
          after_setup: str | None = None, after: dict[str, str] | None = None):
    nb = nbformat.read(released, as_version=4)
    nb.cells[_index(nb, "rate_step")].source = rate
    nb.cells[_index(nb, "speed")].source = speed
    for gid, code in reversed(list((after or {}).items())):
        nb.cells.insert(_index(nb, gid) + 1, nbformat.v4.new_code_cell(code))
    if after_setup:
        nb.cells.insert(_setup_index(nb) + 1, nbformat.v4.new_code_cell(after_setup))
    return nb


def _submissions(course: Path, subs: Path) -> None:
    rel = course / "release" / f"{AID}.ipynb"
    repo = Path(__file__).resolve().parents[1]
    where = f"REPO = {str(repo)!r}\nNBDIR = {str(course / 'nbs')!r}\nSUBS = {str(subs)!r}\n"
    cases = {
        "untouched": nbformat.read(rel, as_version=4),
        "correct": _make(rel),
        "delegates": _make(rel, "from helpers.rnn import rate_step as _ref\n"
                                "def rate_step(W, r, I, sigma=np.tanh):\n    return _ref(W, r, I, sigma)"),
        "dup_cells": None,
        "deleted_tests": None,
        "edited_tests": None,
        "loop": _make(rel, after={"test_rate_step": "while True:\n    pass"}),
        "stubborn_loop": _make(rel, after={"test_rate_step": STUBBORN_LOOP}),
        "os_exit": _make(rel, after={"test_rate_step": "import os\nos._exit(1)"}),
        "sys_exit": _make(rel, after={"test_rate_step": "import sys\nsys.exit(3)"}),
        "memory": _make(rel, after_setup="huge = np.ones((10**6, 10**6))",
                        after={"rate_step": "big = np.empty(12 * 2**30, dtype=np.uint8)"}),
        "monkeypatch": _make(rel, WRONG_RATE, WRONG_SPEED, after_setup=MONKEYPATCH),
        "patch_reference": _make(rel, WRONG_RATE, WRONG_SPEED,
                                 after={"rate_step": PATCH_RATE_REFERENCE, "speed": PATCH_SPEED_REFERENCE}),
        "rebind": _make(rel, WRONG_RATE, WRONG_SPEED, after_setup=REBIND),
        "call_time": _make(rel, CALL_TIME + "\n" + WRONG_RATE.replace("    return", "    _cheat()\n    return"),
                           WRONG_SPEED.replace("    return", "    _cheat()\n    return")),
        "ipython_hooks": _make(rel, WRONG_RATE, WRONG_SPEED, after_setup=IPYTHON_HOOKS),
        "thread": _make(rel, WRONG_RATE, WRONG_SPEED, after_setup=THREAD),
        "read_disk": _make(rel, where + READ_DISK, WRONG_SPEED),
        "exfiltrate": _make(rel, EXFILTRATE, EXFILTRATE_SPEED),
    }
    dup = _make(rel)
    i = _index(dup, "test_rate_step")
    dup.cells.insert(i + 1, nbformat.from_dict(dict(dup.cells[i])))
    j = _index(dup, "speed")
    dup.cells.insert(j + 1, nbformat.from_dict(dict(dup.cells[j])))
    cases["dup_cells"] = dup
    deleted = _make(rel)
    deleted.cells = [c for c in deleted.cells
                     if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    cases["deleted_tests"] = deleted
    edited = _make(rel, WRONG_RATE, WRONG_SPEED)
    for gid in ("test_rate_step", "test_speed"):
        cell = edited.cells[_index(edited, gid)]
        cell.source = "pass"
        cell.metadata["nbgrader"]["points"] = 100
    cases["edited_tests"] = edited
    for student, nb in cases.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{AID}.ipynb")
    (subs / "instructor").mkdir()
    shutil.copy(course / "nbs" / f"{AID}.ipynb", subs / "instructor" / f"{AID}.ipynb")
    (subs / "broken_json").mkdir()
    (subs / "broken_json" / f"{AID}.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": ')


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    (root / "nbs").mkdir()
    nbformat.write(parse_source(FIXTURE.read_text(), str(FIXTURE)), root / "nbs" / f"{AID}.ipynb")
    release(root / "release", root / "nbs")
    return root


@pytest.fixture(scope="module")
def batch(course, tmp_path_factory):
    work = tmp_path_factory.mktemp("batch")
    subs = work / "submissions"
    _submissions(course, subs)
    before = {p: p.read_bytes() for p in subs.rglob("*") if p.is_file()}
    out = work / "grades" / "grades.csv"
    rows = grade(subs, out, course / "nbs", workers=2, cell_timeout=CELL_TIMEOUT, timeout=120)
    table = {r["student"]: r for r in csv.DictReader(open(out))}
    log = (out.parent / "grades.log").read_text()
    problems = {}
    for line in log.splitlines():
        who, _, what = line.partition(f"/{AID}: ")
        if what:
            problems.setdefault(who, []).append(what)
    return {"rows": {r.student: r for r in rows}, "table": table, "problems": problems, "log": log,
            "subs": subs, "before": before, "out": out, "feedback": out.parent / "feedback"}


def _score(batch, student):
    r = batch["table"][student]
    return float(r[f"{AID}:test_rate_step"]), float(r[f"{AID}:test_speed"])


def _feedback(batch, student) -> str:
    return (batch["feedback"] / student / f"{AID}.html").read_text()


def test_every_submission_has_a_row_and_feedback(batch):
    assert set(batch["table"]) == {p.name for p in batch["subs"].iterdir()}
    for student, r in batch["table"].items():
        assert r["notebook"] == AID and float(r["max_score"]) == 5, r
        assert (batch["feedback"] / student / f"{AID}.html").is_file()


def test_round_trip(batch):
    assert _score(batch, "untouched") == (0, 0)
    assert _score(batch, "instructor") == (2, 3)
    assert _score(batch, "correct") == (2, 3)
    assert float(batch["table"]["correct"]["score"]) == 5
    assert "correct" not in batch["problems"] and "instructor" not in batch["problems"], batch["log"]
    if os.geteuid() == 0:
        assert "not running as root" not in batch["log"]


def test_delegation_is_flagged_in_the_table_and_the_log(batch):
    r = batch["table"]["delegates"]
    assert float(r["score"]) == 5 and r["flags"] == "rate_step", r  # the tests cannot tell; the flag can
    assert batch["problems"]["delegates"] == ["delegation: exercise 'rate_step' calls helpers.rnn.rate_step"]
    assert batch["table"]["correct"]["flags"] == "" and batch["table"]["untouched"]["flags"] == ""


def test_broken_json_is_reported_not_fatal(batch):
    r = batch["table"]["broken_json"]
    assert float(r["score"]) == 0 and r["status"].startswith("not graded")
    assert any("broken JSON" in p for p in batch["problems"]["broken_json"])
    assert "could not be graded" in _feedback(batch, "broken_json")


def test_duplicated_cells_graded_once(batch):
    assert _score(batch, "dup_cells") == (2, 3)
    assert any("more than once" in p for p in batch["problems"]["dup_cells"])


def test_deleted_tests_are_restored(batch):
    assert _score(batch, "deleted_tests") == (2, 3)
    assert sum("was deleted" in p for p in batch["problems"]["deleted_tests"]) == 2


def test_edited_tests_are_restored(batch):
    assert _score(batch, "edited_tests") == (0, 0)
    assert float(batch["table"]["edited_tests"]["max_score"]) == 5
    assert sum("was edited" in p for p in batch["problems"]["edited_tests"]) == 2


def test_infinite_loop_is_interrupted(batch):
    assert _score(batch, "loop") == (2, 3)
    assert any("interrupted" in p for p in batch["problems"]["loop"])


def test_loop_ignoring_interrupts_is_killed(batch):
    assert _score(batch, "stubborn_loop") == (2, 0)
    assert any("kernel killed" in p for p in batch["problems"]["stubborn_loop"])
    assert "not run" in _feedback(batch, "stubborn_loop")


def test_default_limits_bound_an_infinite_loop_to_a_minute():
    assert CELL_TIMEOUT_S + KILL_GRACE_S <= 60
    assert CELL_TIMEOUT_S >= 30, "legitimate cells of the collection take up to ~15 s"


def test_dead_kernel_keeps_points_earned(batch):
    assert _score(batch, "os_exit") == (2, 0)
    assert any("kernel died" in p for p in batch["problems"]["os_exit"])
    assert _score(batch, "sys_exit") == (2, 3)


def test_memory_error_is_survived(batch):
    assert _score(batch, "memory") == (2, 3)


@pytest.mark.parametrize("student", ["monkeypatch", "patch_reference", "rebind", "call_time", "ipython_hooks",
                                     "thread"])
def test_tampering_cannot_make_a_wrong_solution_pass(batch, student):
    assert _score(batch, student) == (0, 0), batch["problems"].get(student)


def test_tampering_is_logged(batch):
    for student in ("monkeypatch", "rebind", "call_time", "ipython_hooks", "thread"):
        assert any("restored" in p or "tampering" in p for p in batch["problems"][student]), student


def test_hidden_tests_cannot_be_read_from_disk(batch):
    # rate_step is right only when the search of the disk found nothing
    assert _score(batch, "read_disk")[0] == 2


def test_hidden_tests_leave_no_trace_in_the_kernel(batch):
    # speed is right only when no hidden-test source could be read from linecache or In
    assert _score(batch, "exfiltrate") == (2, 3)


def test_feedback_never_shows_hidden_tests(batch):
    for path in batch["feedback"].rglob("*.html"):
        text = path.read_text()
        assert HIDDEN_MARK not in text and HIDDEN_LINE not in text and "HIDDEN TESTS" not in text, path
    assert "a hidden test failed" not in _feedback(batch, "correct")
    wrong = _feedback(batch, "edited_tests")
    assert "CheckError" in wrong and "Hint" in wrong, "the visible check's message is shown"


def test_submissions_are_never_modified(batch):
    after = {p: p.read_bytes() for p in batch["subs"].rglob("*") if p.is_file()}
    assert after == batch["before"]


def test_regrading_is_idempotent(batch, course, tmp_path):
    subs = tmp_path / "subs"
    for student in ("correct", "broken_json", "monkeypatch"):
        shutil.copytree(batch["subs"] / student, subs / student)
    out = tmp_path / "again.csv"
    grade(subs, out, course / "nbs", workers=2, cell_timeout=CELL_TIMEOUT, timeout=120)
    first = out.read_text()
    grade(subs, out, course / "nbs", workers=2, cell_timeout=CELL_TIMEOUT, timeout=120, force=True)
    assert out.read_text() == first
    for student, r in {r["student"]: r for r in csv.DictReader(open(out))}.items():
        assert r == batch["table"][student]


# -- fast unit tests (no kernel) ---------------------------------------------------------


def test_sanitize_restores_structure(course, tmp_path):
    rel = nbformat.read(course / "release" / f"{AID}.ipynb", as_version=4)
    nb = _make(course / "release" / f"{AID}.ipynb")
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_speed"]
    nb.cells.insert(0, nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "grade_id": "bogus",
                                                                                  "points": 50}}))
    nb.cells[_index(nb, "speed")].cell_type = "markdown"
    path = tmp_path / "s.ipynb"
    nbformat.write(nb, path)
    clean, problems = sanitize(path, rel)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in clean.cells]
    assert ids.count("test_speed") == 1 and ids.index("test_speed") == ids.index("speed") + 1
    assert "bogus" not in ids
    assert clean.cells[ids.index("speed")].cell_type == "code"
    assert len(problems) == 3, problems
    (tmp_path / "bad.ipynb").write_bytes(b"\xff\xfe garbage")
    with pytest.raises(SubmissionError):
        sanitize(tmp_path / "bad.ipynb", rel)


def test_notebook_names(course):
    nb = nbformat.read(course / "nbs" / f"{AID}.ipynb", as_version=4)
    imports, solutions = notebook_names(nb)
    assert ["np", "numpy", None] in imports and ["rnn_checks", "helpers.checks", "rnn"] in imports
    assert solutions == ["rate_step", "speed"]


def test_lying_return_values_become_plain():
    class Liar(np.ndarray):
        def __array_function__(self, func, types, args, kwargs):
            return True

        def __eq__(self, other):
            return True

    liar = np.zeros(3).view(Liar)
    assert np.allclose(liar, np.ones(3)) is True  # the attack works on the raw value...
    plain = guard._plain((liar, [liar], {"a": liar}))
    assert type(plain[0]) is np.ndarray and not np.allclose(plain[0], np.ones(3))  # ...not after
    assert type(plain[1][0]) is np.ndarray and type(plain[2]["a"]) is np.ndarray

    class TorchLiar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return True

    tl = torch.zeros(3).as_subclass(TorchLiar)
    assert torch.allclose(tl, torch.ones(3)) is True
    assert not torch.allclose(guard._plain(tl), torch.ones(3))

    class FloatLiar(float):
        def __eq__(self, other):
            return True

    assert type(guard._plain(FloatLiar(1.0))) is float


def test_feedback_hides_hidden_failures():
    source = "check(f)\n### BEGIN HIDDEN TESTS\nassert secret_value == 42\n### END HIDDEN TESTS"
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": "test_x", "grade": True, "solution": False, "points": 1}
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="assert secret_value == 42",
                                           traceback=["Cell In[3], line 3", "assert secret_value == 42"])]
    nb = nbformat.v4.new_notebook(cells=[cell])
    (fb,) = cell_feedback(nb, {"test_x": 0.0}, {"test_x": 1.0}, {"test_x": source})
    assert fb.status == "failed" and fb.message == "a hidden test failed (AssertionError)"
    cell.outputs[0].traceback = ["Cell In[3], line 1", "File /x/helpers/checks/rnn.py:20, in check_f()"]
    cell.outputs[0].evalue = "leak: assert secret_value == 42"
    cell.outputs[0].ename = "CheckError"
    (fb,) = cell_feedback(nb, {"test_x": 0.0}, {"test_x": 1.0}, {"test_x": source})
    assert fb.message == "CheckError: leak: [hidden]"
    cell.outputs[0].traceback = ["Cell In[3], line 1", "Cell In[2], line 4, in f()"]
    (fb,) = cell_feedback(nb, {"test_x": 0.0}, {"test_x": 1.0}, {"test_x": source})
    assert fb.message == "CheckError raised in your code"


def test_without_root_grading_still_works_and_warns(course, tmp_path, monkeypatch):
    import course.grade as grade_module

    if os.geteuid() == 0:
        monkeypatch.setattr(grade_module.os, "geteuid", lambda: 1000)
    subs = tmp_path / "subs"
    (subs / "correct").mkdir(parents=True)
    nbformat.write(_make(course / "release" / f"{AID}.ipynb"), subs / "correct" / f"{AID}.ipynb")
    out = tmp_path / "g.csv"
    grade(subs, out, course / "nbs", workers=1, cell_timeout=CELL_TIMEOUT, timeout=120)
    assert [r["score"] for r in csv.DictReader(open(out))] == ["5"]
    assert "not running as root" in out.with_suffix(".log").read_text()


def test_collect_lms_download(tmp_path):
    import zipfile

    from course.__main__ import main
    from course.collect import collect, student_and_notebook

    known = ["01_rnn_basics", "03_ring_attractors"]
    assert student_and_notebook("Jane Doe_123456_assignsubmission_file_/01_rnn_basics.ipynb", known) == (
        "Jane_Doe_123456", "01_rnn_basics")
    assert student_and_notebook("doejane_LATE_4242_7890_03_ring_attractors-1.ipynb", known) == (
        "doejane_4242", "03_ring_attractors")
    assert student_and_notebook("smith_77_01_rnn_basics.ipynb", known) == ("smith_77", "01_rnn_basics")
    assert student_and_notebook("smith_77_notes.ipynb", known) is None
    lms = tmp_path / "download.zip"
    with zipfile.ZipFile(lms, "w") as zf:
        zf.writestr(zipfile.ZipInfo("Jane Doe_123456_assignsubmission_file_/01_rnn_basics.ipynb",
                                    (2025, 1, 1, 10, 0, 0)), "old")
        zf.writestr(zipfile.ZipInfo("Jane Doe_123456_assignsubmission_file_/01_rnn_basics (1).ipynb",
                                    (2025, 1, 2, 10, 0, 0)), "new")
        zf.writestr("José Núñez_99_assignsubmission_file_/03_ring_attractors.ipynb", "ring")
        zf.writestr("smith_77_01_rnn_basics.ipynb", "flat")
        zf.writestr("smith_77_scratch.ipynb", "x")
        zf.writestr("__MACOSX/._smith_77_01_rnn_basics.ipynb", "junk")
    written, problems = collect(lms, tmp_path / "subs", known)
    assert sorted(str(p.relative_to(tmp_path / "subs")) for p in written) == [
        "Jane_Doe_123456/01_rnn_basics.ipynb", "Jose_Nunez_99/03_ring_attractors.ipynb",
        "smith_77/01_rnn_basics.ipynb"]
    assert (tmp_path / "subs" / "Jane_Doe_123456" / "01_rnn_basics.ipynb").read_text() == "new"
    assert any("handed in twice" in p for p in problems) and any("scratch" in p for p in problems)
    with pytest.raises(FileExistsError):
        collect(lms, tmp_path / "subs", known)
    # the command line, on the repository's notebooks
    assert main(["collect", str(lms), "--out", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "smith_77" / "01_rnn_basics.ipynb").read_text() == "flat"
