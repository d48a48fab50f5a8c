"""Short training runs of recipe variants, one after the other; prints the cross-entropy curve.

    TORCH_THREADS=1 python tools/grid/quick_compare.py SECONDS '{"n_grid": 400}' '{"n_grid": 576}' ...
"""
import json
import sys

from helpers import grid_rnn as gr
from helpers.grid_evaluation import evaluate

seconds = float(sys.argv[1])
for spec in sys.argv[2:]:
    kw = json.loads(spec)
    cfg = gr.TrainConfig(**kw)
    model, hist = gr.train(cfg, n_steps=10**6, max_seconds=seconds, progress=False, log_every=50)
    ev = evaluate(model, n_batches=10)
    print(spec, "steps", hist["step"][-1], "ce", [round(c, 3) for c in hist["cross_entropy"][::2]],
          f"err {100*ev['error']:.1f} cm  >0.3 {ev['frac_03']:.2f}  >0.8 {ev['frac_08']:.2f} "
          f"silent {ev['silent']:.3f} pc {ev['phase_correlation']:.3f}", flush=True)
