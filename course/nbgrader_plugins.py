"""nbgrader plug-ins used while grading: a bounded, failure-tolerant Execute preprocessor.

``GuardedExecute`` replaces nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``.
It runs the notebook cell by cell with

* a per-cell timeout (the kernel is interrupted; if it does not stop within
  ``kill_grace`` seconds it is killed) and a wall-clock budget for the whole notebook;
* a dead kernel (``os._exit``, ``exit()``, out of memory) or an exhausted budget stops the
  run *without* losing what was graded so far: every cell that did not run gets an error
  output, so nbgrader scores its tests 0 (a test cell without output would otherwise earn
  full marks);
* graded test cells marked for the grading kernel (:data:`course.sandbox.TEST_MARK`),
  which restores pristine library state before running them.

Every problem is logged on nbgrader's log as a line starting with ``[grading]``.
"""
from __future__ import annotations

from time import monotonic

from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer

from .guard import TEST_MARK

__all__ = ["GuardedExecute", "PROBLEM_PREFIX"]

#: Prefix of the problem lines on nbgrader's log.
PROBLEM_PREFIX = "[grading] "


def _error(cell: NotebookNode, ename: str, evalue: str) -> None:
    cell.setdefault("outputs", []).append(
        NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
    )


def _is_test(cell: NotebookNode) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code"


class GuardedExecute(Execute):
    """nbgrader's Execute with a notebook budget, dead-kernel tolerance and guarded tests."""

    cell_timeout = Integer(45, help="seconds one cell may run before it is interrupted").tag(config=True)
    notebook_timeout = Float(600.0, help="seconds the whole notebook may run").tag(config=True)
    kill_grace = Integer(10, help="seconds an interrupted cell gets to stop before the kernel is killed").tag(
        config=True)

    def _problem(self, text: str) -> None:
        self.log.warning(PROBLEM_PREFIX + text)

    def preprocess(self, nb, resources=None, km=None):  # noqa: D102 -- see the module docstring
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.iopub_timeout = int(self.kill_grace)
        self.raise_on_iopub_timeout = True
        self.shutdown_kernel = "immediate"
        deadline = monotonic() + float(self.notebook_timeout)
        stopped: str | None = None
        try:
            with self.setup_kernel():
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type != "code" or not cell.source.strip():
                        continue
                    if stopped is None and deadline - monotonic() < 1:
                        stopped = f"the notebook's time limit ({self.notebook_timeout:.0f} s) was reached"
                        self._problem(f"cell {index}: {stopped}; later cells not run")
                    if stopped is not None:
                        cell.outputs = []
                        _error(cell, "NotRun", f"not run: {stopped}")
                        continue
                    stopped = self._run_cell(cell, index, deadline)
        except Exception as err:  # noqa: BLE001 -- kernel start or clean-up failed: grade what ran
            if stopped is None:
                self._problem(f"execution stopped: {err.__class__.__name__}: {err}")
            for cell in self.nb.cells:
                if _is_test(cell) and not cell.get("outputs") and cell.get("execution_count") is None:
                    _error(cell, "NotRun", f"not run: {err.__class__.__name__}")
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _run_cell(self, cell: NotebookNode, index: int, deadline: float) -> str | None:
        """Run one cell; return why the run must stop, or None."""
        self.timeout = max(1, int(min(self.cell_timeout, deadline - monotonic())))
        original = cell.source
        if _is_test(cell):
            cell.source = original + TEST_MARK
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            cell.source = original
            why = "the kernel died (os._exit, exit(), a crash or out of memory)"
            self._problem(f"cell {index}: {why}; later cells not run")
            _error(cell, "DeadKernelError", why)
            return why
        except CellTimeoutError:
            cell.source = original
            why = f"a cell did not stop within {self.kill_grace} s of being interrupted; the kernel was killed"
            self._problem(f"cell {index}: ran past {self.timeout} s and ignored the interrupt; kernel killed")
            _error(cell, "CellTimeoutError", why)
            try:
                self._cleanup_kernel()
            except Exception:  # noqa: BLE001
                pass
            return why
        finally:
            cell.source = original
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            self._problem(f"cell {index}: interrupted after {self.timeout} s")
        return None
