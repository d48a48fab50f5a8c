"""The delegation flag: an exercise answered by calling (or copying) the collection's reference."""
from __future__ import annotations

import inspect
import textwrap

import nbformat
import pytest

from course.delegation import MIN_COPY_NODES, find_delegation, reference_map
from helpers import rnn

from .conftest import NOTEBOOKS

SOURCE = NOTEBOOKS / "01_rnn_basics.ipynb"


@pytest.fixture(scope="module")
def instructor():
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def references(instructor):
    return reference_map(instructor)


def _submission(instructor, answer: str, extra: str = ""):
    """The instructor notebook with the exercise ``rate_step`` answered by ``answer``."""
    nb = nbformat.from_dict(instructor)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "rate_step":
            cell.source = textwrap.dedent(answer).strip()
    if extra:
        nb.cells.insert(3, nbformat.v4.new_code_cell(textwrap.dedent(extra).strip()))
    return nb


def _flagged(nb, references) -> dict[str, str]:
    return {f.exercise: str(f) for f in find_delegation(nb, references)}


def test_reference_map_of_every_notebook_and_no_instructor_flag():
    without = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        refs = reference_map(nb)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                name = cell.source.split("def ", 1)[1].split("(", 1)[0]
                if name not in refs:
                    without.append(f"{path.stem}:{name}")
        assert find_delegation(nb, refs) == [], path.name  # the instructor's answers are their own
    # every exercise has its reference in helpers, except the dictionary of notebook 01
    assert without == ["01_rnn_basics:to_generic"]


def test_map_of_01(references):
    assert references == {"rate_step": ["helpers.rnn.rate_step"], "speed": ["helpers.fixed_points.speed"]}


def test_clean_answer_is_not_flagged(instructor, references):
    nb = _submission(instructor, '''
        def rate_step(W, r, I, sigma=np.tanh):
            """One step."""
            u = np.asarray(W) @ np.asarray(r) + np.asarray(I)
            return u, sigma(u)
    ''')
    assert _flagged(nb, references) == {}


def test_plain_call_is_flagged(instructor, references):
    nb = _submission(instructor, '''
        def rate_step(W, r, I, sigma=np.tanh):
            return rnn.rate_step(W, r, I, sigma)
    ''')
    assert "calls helpers.rnn.rate_step" in _flagged(nb, references)["rate_step"]


@pytest.mark.parametrize("answer, extra", [
    ("def rate_step(W, r, I, sigma=np.tanh):\n    from helpers.rnn import rate_step as f\n    return f(W, r, I, sigma)", ""),
    ("def rate_step(W, r, I, sigma=np.tanh):\n    return f(W, r, I, sigma)", "from helpers.rnn import rate_step as f"),
    ("def rate_step(W, r, I, sigma=np.tanh):\n    return R.rate_step(W, r, I, sigma)", "import helpers.rnn as R"),
    ("def rate_step(W, r, I, sigma=np.tanh, step=rnn.rate_step):\n    return step(W, r, I, sigma)", ""),
    ("def rate_step(W, r, I, sigma=np.tanh):\n    return helper(W, r, I, sigma)", "g = rnn.rate_step\ndef helper(*a):\n    return g(*a)"),
], ids=["from-import-as", "alias-in-another-cell", "module-alias", "default-argument", "through-own-function"])
def test_alias_is_flagged(instructor, references, answer, extra):
    assert "rate_step" in _flagged(_submission(instructor, answer, extra), references)


@pytest.mark.parametrize("expr", ['getattr(rnn, "rate_step")', 'vars(rnn)["rate_step"]', 'rnn.__dict__["rate_step"]',
                                  'importlib.import_module("helpers.rnn").rate_step'])
def test_getattr_is_flagged(instructor, references, expr):
    nb = _submission(instructor, f"import importlib\ndef rate_step(W, r, I, sigma=np.tanh):\n    return {expr}(W, r, I, sigma)")
    assert "rate_step" in _flagged(nb, references)


def _reference_copy(rename: dict[str, str] | None = None) -> str:
    src = textwrap.dedent(inspect.getsource(rnn.rate_step))
    src = src.replace(": np.ndarray", "").replace(": Activation", "").replace(" -> tuple[np.ndarray, np.ndarray]", "")
    for old, new in (rename or {}).items():
        src = src.replace(old, new)
    imports = "from helpers.validation import check_square, as_array\nfrom helpers.rnn import _check_activation\n"
    return imports + src


def test_copy_of_the_source_is_flagged(instructor, references):
    nb = _submission(instructor, _reference_copy())
    assert "is a copy of the source of helpers.rnn.rate_step" in _flagged(nb, references)["rate_step"]


def test_copy_with_renamed_variables_is_flagged(instructor, references):
    nb = _submission(instructor, _reference_copy({"u_next": "potential", "    n = ": "    size = ",
                                                  "shape=(n,)": "shape=(size,)"}))
    assert "rate_step" in _flagged(nb, references)


def test_edited_copy_is_not_flagged(instructor, references):
    # honest limit: changing the code (here: one expression) defeats the comparison
    nb = _submission(instructor, _reference_copy({"u_next = W @ r + I": "u_next = I + W @ r"}))
    assert _flagged(nb, references) == {}
    assert MIN_COPY_NODES > 0


def test_runtime_names_are_not_flagged(instructor, references):
    # honest limit: a name built at run time is invisible to a static analysis
    nb = _submission(instructor, 'def rate_step(W, r, I, sigma=np.tanh):\n    return getattr(rnn, "rate_" + "step")(W, r, I, sigma)')
    assert _flagged(nb, references) == {}
