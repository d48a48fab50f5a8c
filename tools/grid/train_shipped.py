"""Train the shipped grid-cell RNN (data/grid_cell_rnn.pt); resumable, one run at a time.

    TORCH_THREADS=1 python tools/grid/train_shipped.py --recipe --name shipped --eval-every 500
    TORCH_THREADS=1 python tools/grid/train_shipped.py --name shipped --finalize 9000
    TORCH_THREADS=1 python tools/grid/train_shipped.py --recipe --seed 1 --name seed1   # another seed

``--recipe`` runs ``grid_rnn.SHIPPED_PHASES``; ``--steps N --config '{...}'`` trains one phase of
any TrainConfig instead (a later call with another config continues the same checkpoint).

Every ``--eval-every`` steps the network is evaluated on fresh paths (10 batches of 200) and a
snapshot in the shipped format is written to .cache/grid/<name>/step_<n>.pt; ``--finalize STEP``
evaluates one snapshot on 50 batches of 200, records the figures in its config and copies it to
data/grid_cell_rnn.pt.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository's tools/

from helpers import grid_rnn as gr  # noqa: E402
from helpers.grid_evaluation import evaluate  # noqa: E402
from helpers.paths import CACHE_DIR, DATA_DIR  # noqa: E402
from tools.grid.speed import machine_description  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--name", default="shipped")
    ap.add_argument("--config", default="{}", help="JSON of TrainConfig fields")
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--recipe", action="store_true", help="run grid_rnn.SHIPPED_PHASES")
    ap.add_argument("--seed", type=int, default=None, help="seed of the recipe's network and paths (default 0)")
    ap.add_argument("--finalize", type=int, default=None, help="snapshot step to ship")
    args = ap.parse_args()
    out = CACHE_DIR / "grid" / args.name
    out.mkdir(parents=True, exist_ok=True)
    cfg = gr.TrainConfig(**json.loads(args.config))

    if args.finalize is not None:
        finalize(out / f"step_{args.finalize}.pt", cfg)
        return

    def snapshot(step: int, model: gr.GridRNN, history: dict) -> None:
        ev = evaluate(model, n_batches=10)
        wall = history["time"][-1]
        print(
            f"step {step} wall {wall:.0f}s ce {history['cross_entropy'][-1]:.4f} "
            f"err {100 * ev['error']:.2f} cm >0.3 {ev['frac_03']:.3f} >0.8 {ev['frac_08']:.3f} "
            f"silent {ev['silent']:.3f} phase_corr {ev['phase_correlation']:.3f}",
            flush=True,
        )
        torch.save(
            gr.shipped_dict(model, {"steps": step, "wall_time_s": round(wall, 1), "machine": machine_description(),
                                    "history": {k: list(map(float, v)) for k, v in history.items()}}),
            out / f"step_{step}.pt",
        )

    kw = dict(checkpoint=out / "checkpoint.pt", progress=False, log_every=50, callback=snapshot,
              callback_every=args.eval_every)
    if args.recipe:
        phases = gr.SHIPPED_PHASES
        if args.seed is not None:
            phases = tuple((dict(fields, seed=args.seed), steps) for fields, steps in phases)
        gr.train_phases(phases, **kw)
    else:
        gr.train(cfg, args.steps, **kw)


def describe_phases(phases) -> str:
    """One line per phase of a recipe: the step range, lr, weight decay and what else differs from the defaults."""
    default = dataclasses.asdict(gr.TrainConfig())
    parts, start = [], 0
    for fields, end in phases:
        changed = {k: v for k, v in fields.items() if default.get(k) != v or k in ("lr", "weight_decay")}
        parts.append(f"steps {start}-{end}: " + ", ".join(f"{k}={v}" for k, v in changed.items()))
        start = end
    return ("grid_rnn.SHIPPED_PHASES (" + "; ".join(parts) + "); start_scale and velocity_scale are folded "
            "into encoder and M here; bfloat16 matrix products, float32 weights and Adam")


def finalize(path: Path, cfg: gr.TrainConfig) -> None:
    model = gr.load_shipped(path)
    t0 = time.perf_counter()
    ev = evaluate(model, n_batches=50, batch_size=200, seed=2024)
    saved = torch.load(path, weights_only=True)
    quality = {
        "eval_batches": 50, "eval_batch_size": 200, "eval_seed": 2024,
        "frac_minmax_gt_0.3": round(ev["frac_03"], 4), "frac_minmax_gt_0.8": round(ev["frac_08"], 4),
        "decoding_error_cm": round(100 * ev["error"], 2), "decoding_floor_cm": round(100 * ev["floor"], 2),
        "silent_fraction": round(ev["silent"], 4),
        "phase_correlation": round(ev["phase_correlation"], 4),
    }
    saved["config"]["quality"] = quality
    saved["config"]["training_schedule"] = describe_phases(gr.SHIPPED_PHASES)
    saved["config"]["wall_time_note"] = (
        "training wall time including periodic evaluations, one torch thread, shared machine")
    saved["config"].pop("history", None)
    print(json.dumps(quality), f"({time.perf_counter() - t0:.0f} s to evaluate)")
    torch.save(saved, DATA_DIR / "grid_cell_rnn.pt")


if __name__ == "__main__":
    main()
