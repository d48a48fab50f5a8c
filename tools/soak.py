#!/usr/bin/env python
"""Execute notebooks many times in a row under nbclient and count hangs (a measurement, not a test).

    python tools/soak.py --runs 20                 # every source notebook, 20 times each
    python tools/soak.py --runs 20 --only 01 03    # the notebooks with explorer widgets

Each run is a fresh kernel with the default inline backend, exactly as
``jupyter nbconvert --execute`` runs it; a cell past ``--cell-timeout`` seconds counts as a hang.
Prints one line per notebook: runs, hangs, errors, and the median and slowest seconds, with the
versions of ipykernel, nbclient and jupyter_client.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.handout import NOTEBOOKS, execute  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--only", nargs="*", help="two-digit notebook numbers")
    ap.add_argument("--cell-timeout", type=int, default=240)
    args = ap.parse_args(argv)
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.name[:2] in args.only]
    print(f"ipykernel {version('ipykernel')}, nbclient {version('nbclient')}, "
          f"jupyter_client {version('jupyter_client')}, pyzmq {version('pyzmq')}", flush=True)
    for path in paths:
        seconds, hangs, errors = [], 0, 0
        for _ in range(args.runs):
            try:
                seconds.append(execute(path, timeout=args.cell_timeout).seconds)
            except CellTimeoutError:
                hangs += 1
            except CellExecutionError:
                errors += 1
        med = f"{statistics.median(seconds):.1f}" if seconds else "-"
        slow = f"{max(seconds):.1f}" if seconds else "-"
        print(f"{path.stem:24s} runs {args.runs}  hangs {hangs}  errors {errors}  "
              f"median {med} s  slowest {slow} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
