"""The test tiers: which command runs which tier, and that every test has exactly one."""
from __future__ import annotations

import importlib.util
import re

from .conftest import ROOT
from .notebook_runs import ORDER, TIERS


def _tasks():
    spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tasks_test_runs_the_fast_tier_and_full_runs_every_tier():
    args = _tasks().test_args
    assert args([]) == ["-m", "unit"]
    assert args(["tests/test_rnn.py", "-x"]) == ["-m", "unit", "tests/test_rnn.py", "-x"]
    assert args(["--quick"]) == ["-m", "unit"]
    assert args(["--full"]) == []
    assert args(["--full", "-k", "hmax"]) == ["-k", "hmax"]
    assert args(["-m", "grading"]) == ["-m", "grading"]


def test_ci_runs_the_full_command_written_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 tasks.py test --full" in readme
    assert re.search(r"^python3 tasks.py test --full$", ci, re.MULTILINE), ci


def test_every_tier_is_declared_and_documented():
    import tomllib

    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    declared = {m.split(":")[0] for m in markers}
    assert set(TIERS) <= declared and set(ORDER) == set(TIERS)
    readme = (ROOT / "README.md").read_text()
    for tier in TIERS:
        assert f"| `{tier}` |" in readme, f"the README's table of tiers lacks {tier}"


def test_every_collected_test_has_one_tier(request):
    """This very session: each item carries one tier marker (unmarked tests became unit)."""
    several = [item.nodeid for item in request.session.items
               if sum(item.get_closest_marker(t) is not None for t in TIERS) != 1]
    assert not several, several[:10]
