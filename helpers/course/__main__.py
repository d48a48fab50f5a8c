"""Command line of the course tooling (``python -m helpers.course --help``)."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .nbgrader_course import REPO_NOTEBOOKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_build = sub.add_parser("build", help="rebuild notebooks/*.ipynb from notebooks/src/*.py")
    p_build.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS)

    p_rel = sub.add_parser("release", help="write the student version of every notebook")
    p_rel.add_argument("--out", type=Path, required=True, help="destination folder")
    p_rel.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_rel.add_argument("--force", action="store_true", help="overwrite notebooks already in --out")

    p_gr = sub.add_parser("grade", help="auto-grade SUBMISSIONS/<student>/<notebook>.ipynb")
    p_gr.add_argument("submissions", type=Path)
    p_gr.add_argument("--out", type=Path, required=True, help="CSV file to write")
    p_gr.add_argument("--notebooks", type=Path, default=REPO_NOTEBOOKS, help="source notebooks")
    p_gr.add_argument("--workers", type=int, default=2, help="notebooks graded at once (default 2)")
    p_gr.add_argument("--force", action="store_true", help="overwrite an existing --out")

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
        elif args.command == "grade":
            from .grade import grade

            rows = grade(args.submissions, args.out, args.notebooks, workers=args.workers, force=args.force)
            print(f"graded {len(rows)} notebook(s) -> {args.out}")
    except (FileNotFoundError, FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
