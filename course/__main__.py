"""Command line of the course tooling (``python -m course --help``)."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .nbgrader_course import REPO_NOTEBOOKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_build = sub.add_parser("build", help="rebuild notebooks/*.ipynb from notebooks/src/*.py")
    p_build.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS)

    p_rel = sub.add_parser("release", help="write the student version of every notebook")
    p_rel.add_argument("--out", type=Path, required=True, help="destination folder")
    p_rel.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_rel.add_argument("--force", action="store_true", help="overwrite notebooks already in --out")

    p_bu = sub.add_parser("bundle", help="write the student bundle (folder and zip) into --out")
    p_bu.add_argument("--out", type=Path, default=Path("bundle"), help="destination folder (default bundle/)")
    p_bu.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_bu.add_argument("--force", action="store_true", help="replace a bundle already in --out")

    p_gr = sub.add_parser("grade", help="auto-grade SUBMISSIONS/<student>/<notebook>.ipynb")
    p_gr.add_argument("submissions", type=Path)
    p_gr.add_argument("--out", type=Path, required=True, help="CSV file to write")
    p_gr.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_gr.add_argument("--workers", type=int, default=2, help="notebooks graded at once (default 2)")
    p_gr.add_argument("--force", action="store_true", help="overwrite an existing --out")
    p_gr.add_argument("--feedback", type=Path, default=None,
                      help="folder for <student>/<notebook>.html feedback (default: feedback/ next to --out)")
    p_gr.add_argument("--cell-timeout", type=int, default=None,
                      help="seconds a cell may run before it is interrupted (default 45)")
    p_gr.add_argument("--timeout", type=float, default=None,
                      help="seconds one notebook may run in all (default 600)")
    p_gr.add_argument("--keep-executed", type=Path, default=None,
                      help="folder to keep each graded notebook as executed (<student>/<notebook>.ipynb; "
                           "holds the hidden tests: never hand it out)")

    p_co = sub.add_parser("collect", help="turn an LMS download (folder or zip) into SUBMISSIONS/<student>/")
    p_co.add_argument("lms", type=Path, help="the LMS download: a folder or a .zip")
    p_co.add_argument("--out", type=Path, required=True, help="SUBMISSIONS folder to write")
    p_co.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_co.add_argument("--force", action="store_true", help="write into a non-empty --out")

    p_wr = sub.add_parser("written", help="one HTML page per written question and points.csv to fill in")
    p_wr.add_argument("submissions", type=Path, help="the SUBMISSIONS folder that was graded")
    p_wr.add_argument("--out", type=Path, required=True, help="folder for the pages and points.csv")
    p_wr.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_wr.add_argument("--force", action="store_true", help="overwrite an existing points.csv")

    p_me = sub.add_parser("merge", help="merge a filled points.csv into grades.csv and the feedback pages")
    p_me.add_argument("points", type=Path, help="the filled points.csv")
    p_me.add_argument("--grades", type=Path, required=True, help="grades.csv of the grader")
    p_me.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_me.add_argument("--feedback", type=Path, default=None, help="feedback folder (default: next to --grades)")
    p_me.add_argument("--force", action="store_true", help="replace points merged before")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        if args.command == "build":
            from .build import build_all

            changed = build_all(args.notebooks)
            print(f"rebuilt {len(changed)} notebook(s)" + "".join(f"\n  {p}" for p in changed))
        elif args.command == "release":
            from .release import release

            for p in release(args.out, args.notebooks, force=args.force):
                print(f"released {p}")
        elif args.command == "bundle":
            from .bundle import build_bundle

            folder, archive = build_bundle(args.out, args.notebooks, force=args.force)
            print(f"student bundle: {folder}/ and {archive} (hand out the zip)")
        elif args.command == "grade":
            from .grade import CELL_TIMEOUT_S, NOTEBOOK_TIMEOUT_S, grade

            rows = grade(args.submissions, args.out, args.notebooks, workers=args.workers, force=args.force,
                         feedback_dir=args.feedback,
                         cell_timeout=args.cell_timeout or CELL_TIMEOUT_S,
                         timeout=args.timeout or NOTEBOOK_TIMEOUT_S, executed_dir=args.keep_executed)
            bad = sum(r.status != "graded" for r in rows)
            feedback = args.feedback or args.out.parent / "feedback"
            print(f"graded {len(rows)} notebook(s) -> {args.out}; feedback in {feedback}/; "
                  f"{bad} with problems, see {args.out.with_suffix('.log')}")
        elif args.command == "collect":
            from .collect import collect
            from .nbgrader_course import source_notebooks

            known = [p.stem for p in source_notebooks(args.notebooks)]
            written, problems = collect(args.lms, args.out, known, force=args.force)
            for p in problems:
                logging.warning(p)
            students = {p.parent.name for p in written}
            print(f"collected {len(written)} notebook(s) of {len(students)} student(s) into {args.out}")
        elif args.command == "written":
            from .written import written_pages

            pages, points, problems = written_pages(args.submissions, args.out, args.notebooks, force=args.force)
            for p in problems:
                logging.warning(p)
            print(f"{len(pages)} question page(s) in {args.out}/ (start at index.html); fill in {points}")
        elif args.command == "merge":
            from .written import merge_points

            merged, pending = merge_points(args.points, args.grades, args.notebooks, args.feedback, force=args.force)
            print(f"merged {merged} answer(s) into {args.grades} and the feedback pages"
                  + (f"; {pending} answer(s) without points yet" if pending else ""))
    except (FileNotFoundError, FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
