"""Time the grading of a class: N submissions of one notebook, graded as a teaching assistant would.

    python tools/benchmark_grading.py                 # 100 submissions of notebook 01, 2 workers
    python tools/benchmark_grading.py -n 10 --notebook 03_ring_attractors

Half the submissions are the untouched student release, half the instructor's source
notebook (full marks). Prints the wall time, the CPU time of the grading processes, the
per-notebook times, the load of the machine, and checks the scores.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from course.grade import grade
from course.nbgrader_course import REPO_NOTEBOOKS
from course.release import release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100, help="number of submissions (default 100)")
    parser.add_argument("--notebook", default="01_rnn_basics", help="notebook stem (default 01_rnn_basics)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=900.0, help="seconds allowed (default 900 = 15 min)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    src = REPO_NOTEBOOKS / f"{args.notebook}.ipynb"
    if not src.exists():
        print(f"error: no notebook {src}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        nbs = tmp / "notebooks"
        nbs.mkdir()
        shutil.copy(src, nbs / src.name)
        release(tmp / "release", nbs)
        subs = tmp / "submissions"
        for i in range(args.n):
            (subs / f"student{i:03d}").mkdir(parents=True)
            origin = nbs / src.name if i % 2 == 0 else tmp / "release" / src.name
            shutil.copy(origin, subs / f"student{i:03d}" / src.name)
        load0 = os.getloadavg()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        rows = grade(subs, tmp / "out" / "grades.csv", nbs, workers=args.workers)
        wall = time.monotonic() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        load1 = os.getloadavg()
        table = list(csv.DictReader(open(tmp / "out" / "grades.csv")))
        problems = [ln for ln in (tmp / "out" / "grades.log").read_text().splitlines()[1:]
                    if ln != "no problem met"]
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    secs = [r.seconds for r in rows]
    full = sum(float(r["score"]) == float(r["max_score"]) for r in table)
    zero = sum(float(r["score"]) == 0 for r in table)
    print(f"graded {len(rows)} submissions of {args.notebook} with {args.workers} workers on {os.cpu_count()} cores")
    n = max(len(rows), 1)
    print(f"wall time        {wall:8.1f} s  ({wall / 60:.1f} min; budget {args.budget / 60:.0f} min)")
    print(f"CPU time         {cpu:8.1f} s  (grading processes and kernels; {cpu / n:.1f} s per notebook)")
    print(f"per notebook     median {statistics.median(secs):.1f} s, max {max(secs):.1f} s "
          f"(wall, {args.workers} at once)")
    print(f"load average     {load0[0]:.1f} at start, {load1[0]:.1f} at end (1-minute)")
    print(f"scores           {full} full marks, {zero} zero, {len(rows) - full - zero} other; "
          f"{len(problems)} problem(s) in the log")
    ok = full == (args.n + 1) // 2 and zero == args.n // 2
    print("result           " + ("within budget" if wall <= args.budget else "OVER budget")
          + ("" if ok else "; UNEXPECTED SCORES"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
