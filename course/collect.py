"""Turn an LMS download into the ``SUBMISSIONS/<student>/<notebook>.ipynb`` layout.

Understands the usual shapes of "download all submissions":

* Moodle: one folder per submission, ``Jane Doe_123456_assignsubmission_file_/01_rnn_basics.ipynb``
  (student ``Jane_Doe_123456``);
* Canvas and similar flat downloads: ``doejane_123456_7890_01_rnn_basics.ipynb`` or
  ``doejane_LATE_123456_7890_01_rnn_basics-1.ipynb`` (student ``doejane_123456``);
* anything named ``<student>_<id>_<notebook>.ipynb`` (student ``<student>_<id>``).

The notebook is recognised by its stem (``01_rnn_basics``) anywhere in the file name. When a
student handed in the same notebook twice, the newest file wins and the log says so.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["collect", "student_and_notebook"]

_MOODLE_DIR = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_\w*$")
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_.@+-]+")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALLOWED.sub("_", ascii_text.strip()).strip("_.") or "unknown"


def student_and_notebook(relpath: str, known: list[str]) -> tuple[str, str] | None:
    """Student id and notebook stem of one downloaded file, or None if it is not one of ``known``.

    Parameters
    ----------
    relpath : str
        Path of the file inside the download (``/``-separated).
    known : list of str
        Notebook stems of the collection.
    """
    parts = relpath.replace("\\", "/").split("/")
    name = parts[-1]
    if not name.endswith(".ipynb"):
        return None
    hits = [(name.rfind(stem), stem) for stem in known if stem in name]
    if not hits:
        return None
    pos, stem = max(hits)
    for folder in reversed(parts[:-1]):
        m = _MOODLE_DIR.match(folder)
        if m:
            return f"{_slug(m.group('name'))}_{m.group('id')}", stem
    tokens = [t for t in re.split(r"[_\s]+", name[:pos]) if t and t.upper() != "LATE"]
    if not tokens:
        folder = parts[-2] if len(parts) > 1 else ""
        return (_slug(folder), stem) if folder else None
    if len(tokens) >= 2 and tokens[1].isdigit():
        return f"{_slug(tokens[0])}_{tokens[1]}", stem
    return _slug("_".join(tokens)), stem


@dataclass
class _Found:
    student: str
    stem: str
    source: str
    mtime: float
    read: object


def _entries(lms: Path) -> list[tuple[str, float, object]]:
    if lms.is_file() and zipfile.is_zipfile(lms):
        zf = zipfile.ZipFile(lms)
        out = []
        for info in zf.infolist():
            if not info.is_dir():
                mtime = float("".join(f"{x:02d}" for x in info.date_time))
                out.append((info.filename, mtime, lambda info=info: zf.read(info)))
        return out
    if lms.is_dir():
        return [(str(p.relative_to(lms)), p.stat().st_mtime, p.read_bytes)
                for p in sorted(lms.rglob("*")) if p.is_file()]
    raise FileNotFoundError(f"LMS download {lms} is neither a folder nor a zip file")


def collect(lms: Path, out: Path, known: list[str], force: bool = False) -> tuple[list[Path], list[str]]:
    """Copy every notebook of an LMS download into ``out/<student>/<notebook>.ipynb``.

    Parameters
    ----------
    lms : Path
        The download: a folder or a ``.zip``; only read.
    out : Path
        The SUBMISSIONS folder to fill; must be empty or missing unless ``force``.
    known : list of str
        Notebook stems of the collection.
    force : bool
        Write into a non-empty ``out`` (files of the same name are replaced).

    Returns
    -------
    written : list of Path
    problems : list of str
        Files skipped and duplicates resolved.
    """
    lms, out = Path(lms), Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} is not empty; choose another folder or pass --force")
    problems: list[str] = []
    chosen: dict[tuple[str, str], _Found] = {}
    for rel, mtime, read in _entries(lms):
        if rel.startswith("__MACOSX/") or Path(rel).name.startswith("."):
            continue
        hit = student_and_notebook(rel, known)
        if hit is None:
            if rel.endswith(".ipynb"):
                problems.append(f"{rel}: not a notebook of this collection, skipped")
            continue
        found = _Found(hit[0], hit[1], rel, mtime, read)
        key = (found.student, found.stem)
        if key in chosen:
            old = chosen[key]
            newer, older = (found, old) if (found.mtime, found.source) > (old.mtime, old.source) else (old, found)
            problems.append(f"{found.student}/{found.stem}: handed in twice; kept {newer.source}, "
                            f"ignored {older.source}")
            chosen[key] = newer
        else:
            chosen[key] = found
    written = []
    for (student, stem), found in sorted(chosen.items()):
        dest = out / student / f"{stem}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(found.read())
        written.append(dest)
    return written, problems

