#!/usr/bin/env python
"""Benchmark of the collection: per-notebook execution seconds and the key model figures.

    python tools/benchmark.py                 # every notebook + every figure
    python tools/benchmark.py --only 01 02    # some notebooks
    python tools/benchmark.py --no-notebooks  # model figures only
    python tools/benchmark.py --no-notebooks --figures vision  # HMAX, stimuli, V4/IT stand-in only
    python tools/benchmark.py --no-notebooks --figures ventral # notebook 08's network (~1 min)
    python tools/benchmark.py --no-moonshot   # without the 2-minute from-scratch grid training

Notebooks run in default mode (FULL unset), one kernel each, torch and BLAS on one thread,
as a student's laptop or CI would. This is a measurement, not a test: it prints and never
fails on a slow machine. Budget: each notebook well under 90 s, all of them under 5 minutes.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.pop("MPLBACKEND", None)  # notebooks draw inline, as for a student
os.environ.pop("FULL", None)


def run_notebook(path: Path) -> tuple[float, int]:
    """Execute a notebook in a fresh kernel; return (seconds, number of error outputs)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    errors = sum(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return seconds, errors


def figures_rnn() -> dict[str, str]:
    import numpy as np

    from helpers import angular_integrator, bptt, delayed_recall, fixed_points, flipflop

    out = {}
    rng = np.random.default_rng(0)
    p = bptt.init_params(3, 8, 2, radius=1.2, seed=rng)
    x0, u, y = 0.3 * rng.standard_normal(8), rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    err = bptt.relative_error(bptt.bptt_gradients(p, x0, u, y), bptt.autograd_gradients(p, x0, u, y))
    out["BPTT vs autograd (relative error)"] = f"{err:.1e}"
    ff = flipflop.train_flipflop(seed=0)
    fps = fixed_points.find_fixed_points(ff.model.step, flipflop.fixed_point_starts(ff.model), iters=3000, tol=1e-7)
    out["flip-flop training (s)"] = f"{ff.seconds:.1f}"
    out["flip-flop stable fixed points"] = f"{fps.n_stable} of {len(fps.points)}"
    for kind in ("vanilla", "orthogonal"):
        r = delayed_recall.train_delayed_recall(kind, seed=0)
        accuracy = delayed_recall.recall_accuracy(r.model)
        out[f"delayed recall, {kind} init (accuracy, s)"] = f"{accuracy:.2f}, {r.seconds:.1f}"
    t = time.perf_counter()
    ai = angular_integrator.train_angular_integrator(seed=0)
    seconds, error = time.perf_counter() - t, angular_integrator.heading_error_deg(ai.model)
    out["angular integrator from scratch (s, deg error)"] = f"{seconds:.1f}, {error:.2f}"
    return out


def _optional(module: str, fn: str, label: str, fmt: str, **kw) -> dict[str, str]:
    try:
        mod = importlib.import_module(module)
        value = getattr(mod, fn)(**kw)
    except (ImportError, AttributeError) as err:
        return {label: f"n/a ({err.__class__.__name__})"}
    return {label: fmt.format(value)}


def ring_seconds_per_simulated_second(n: int = 256, repeats: int = 5) -> float:
    """Wall seconds for one simulated second (dt 0.5 ms) of an ``n``-neuron ring, best of ``repeats``."""
    import numpy as np

    from helpers import ring

    W = ring.cosine_weights(n)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        ring.simulate(W, np.ones(n), duration=2000 * ring.DT, seed=0)
        best = min(best, time.perf_counter() - t)
    return best


def sheet_cpu_per_simulated_second(n: int = 128) -> float:
    """CPU seconds of this process per simulated second of an ``n`` x ``n`` continuous-attractor sheet."""
    from helpers import sheet

    S = sheet.Sheet(n)
    sheet.simulate(S, 0.01, seed=0)
    t = time.process_time()
    sheet.simulate(S, 0.25, seed=0)
    return (time.process_time() - t) / 0.25


def figures_other() -> dict[str, str]:
    out = {"ring, 1 simulated s of 256 neurons (s, target < 0.05)": f"{ring_seconds_per_simulated_second():.4f}"}
    out["sheet n=128, CPU s per simulated s (target < 0.5)"] = f"{sheet_cpu_per_simulated_second():.3f}"
    out.update(grid_speed())
    return out


def figures_vision() -> dict[str, str]:
    """HMAX, the object image set and the V4/IT stand-in (notebooks 06 and 07)."""
    from tools import bench_vision

    hmax_s = bench_vision.hmax_seconds_per_image(n_images=64, clock="cpu")
    return {
        "HMAX seconds per 128x128 image (target <= 0.037)": f"{hmax_s:.4f}",
        "stimulus set, 640 images (s, target < 5)": f"{bench_vision.stimulus_set_seconds():.2f}",
        "V4/IT stand-in, 1536 images, without cache (s)": f"{bench_vision.standin_seconds():.1f}",
    }


def figures_ventral() -> dict[str, str]:
    """The task-driven ventral-stream network (notebook 08): speed, and what 25 s of training buy."""
    from tools import bench_ventral

    speed = bench_ventral.steps_per_second()
    k = bench_ventral.key_figures(train_seconds=25)
    return {
        "ventral CNN steps/s, 1 thread (batch of 64 drawn, ms)":
            f"{speed['steps_per_s']:.1f} ({speed['batch_ms']:.0f})",
        "ventral CNN: category of new objects at V6 (chance 0.12): trained, untrained, HMAX C2, pixels":
            f"{k['trained']:.2f}, {k['untrained']:.2f}, {k['HMAX C2']:.2f}, {k['pixels']:.2f} "
            f"(readout {k['readout']:.2f}; {k['steps']} steps in {k['seconds']:.0f} s)",
        "ventral CNN: best layer per area (Brain-Score, r^2 / ceiling)": f"{k['best']}",
    }


def grid_speed() -> dict[str, str]:
    """The CPU's bfloat16 features, the precision training chooses, and the speed against the
    reference recipe in fp32 and in the chosen precision."""
    from helpers import grid_rnn, precision
    from tools.grid.speed import benchmark_step_speed, machine_description

    feats = precision.cpu_features()
    chosen, rates = grid_rnn.choose_precision(grid_rnn.TrainConfig(**grid_rnn.LIVE_RECIPE), log=None)
    speed = benchmark_step_speed(precisions=tuple(dict.fromkeys(("fp32", chosen))))
    out = {
        "CPU (torch capability, native bf16, AMX, ONEDNN_MAX_CPU_ISA)":
            f"{machine_description()}: {feats['capability']}, {feats['bf16_native']}, {feats['amx']}, "
            f"{feats['onednn_max_isa']}",
        "grid RNN precision chosen (measured steps/s)":
            f"{chosen} ({', '.join(f'{k} {v:.1f}' for k, v in rates.items()) or 'bf16 not native: fp32 only'})",
        "grid RNN steps/s, reference recipe": f"{speed['reference']:.2f}",
    }
    for prec in dict.fromkeys(("fp32", chosen)):
        fast, speedup = speed["fast_" + prec], speed["speedup_" + prec]
        out[f"grid RNN steps/s ours, {prec} (x reference)"] = f"{fast:.2f} (x{speedup:.2f})"
    return out


def figures_grid(moonshot: bool = True) -> dict[str, str]:
    """The shipped grid network's quality on fresh paths, and (``moonshot``) a from-scratch run to the bar."""
    from helpers import grid_evaluation, grid_rnn
    from tools.grid.speed import time_to_bar

    out = {}
    ev = grid_evaluation.evaluate(grid_rnn.load_shipped(), n_batches=50, seed=2024)
    out["shipped grid RNN, min-max score: > 0.3, > 0.8, top-25 mean"] = (
        f"{100 * ev['frac_03']:.1f}%, {100 * ev['frac_08']:.1f}%, {ev['top25_minmax']:.2f}")
    out["shipped grid RNN, mean score: > 0.3, > 0.8, top-25 mean"] = (
        f"{100 * ev['mean_frac_03']:.1f}%, {100 * ev['mean_frac_08']:.1f}%, {ev['top25_mean']:.2f}")
    out["shipped grid RNN: decoding (floor, ratio), silent, phase correlation"] = (
        f"{100 * ev['error']:.2f} cm ({100 * ev['floor']:.2f} cm, {ev['error_ratio']:.2f}x), "
        f"{100 * ev['silent']:.1f}%, {ev['phase_correlation']:.3f}; bar met: {grid_evaluation.meets_bar(ev)}")
    if moonshot:
        bar = time_to_bar(max_seconds=120, check_every=30)
        checks = "; ".join(f"{t:.0f} s/{n} steps: {100 * a:.0f}% {100 * b:.0f}% {100 * e:.1f} cm ({r:.1f}x)"
                           for t, n, a, b, e, r in bar["checks"])
        reached = f"{bar['seconds']:.0f} s" if bar["seconds"] is not None else "not reached in 120 s"
        out["grid RNN from scratch to the quality bar"] = f"{reached} ({checks})"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--no-notebooks", action="store_true")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--no-moonshot", action="store_true", help="skip the 2-minute from-scratch grid training")
    parser.add_argument("--figures", nargs="*", choices=("rnn", "other", "vision", "ventral", "grid"),
                        help="only these groups of key figures (vision: HMAX, stimuli, V4/IT stand-in; "
                             "ventral: notebook 08's network)")
    args = parser.parse_args(argv)
    from helpers.torch_setup import use_threads

    use_threads(1)
    if not args.no_notebooks:
        total = 0.0
        print(f"{'notebook':<32}{'seconds':>9}  errors")
        for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            if args.only and nb.name[:2] not in args.only:
                continue
            seconds, errors = run_notebook(nb)
            total += seconds
            flag = "" if seconds < 90 else "  OVER BUDGET"
            print(f"{nb.stem:<32}{seconds:>9.1f}  {errors}{flag}", flush=True)
        print(f"{'total':<32}{total:>9.1f}")
    if not args.no_figures:
        print("\nkey figures")
        groups = {"rnn": figures_rnn, "other": figures_other, "vision": figures_vision,
                  "ventral": figures_ventral, "grid": lambda: figures_grid(not args.no_moonshot)}
        for name, figures in groups.items():
            if args.figures and name not in args.figures:
                continue
            for key, value in figures().items():
                print(f"  {key:<58} {value}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
