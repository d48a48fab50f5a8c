"""Key figures of the task-driven ventral-stream model (notebook 08): its training speed, the
validation accuracy that chose its recipe, and what the notebook's training buys on held-out objects.

Measurements, not tests: :mod:`tools.benchmark` prints them (``--figures ventral``); run this file
to compare recipes (``python tools/bench_ventral.py --help``).

* :func:`validation_figures` -- train one recipe (levels, channels, learning rate, batch size) on
  new objects and measure it on the **validation objects** (object seed 1: 64 instances of the
  category templates that training never draws, and not the test objects). The notebook's
  recipe (``helpers.ventral_cnn``: ``TRAIN_LEVELS``, ``CHANNELS``, ``LEARNING_RATE``,
  ``BATCH_SIZE``) was chosen with it, never on the test objects.
* :func:`key_figures` -- the notebook's pipeline, condensed: train for a time budget, decode the
  category of the held-out test objects at V6 from the top layer of the trained and the untrained
  network and from HMAX C2 and pixels (128 units each, object-wise folds), and find the layer
  that best predicts each area under Brain-Score's convention.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

import numpy as np

from helpers import decoding, neural_standin, object_batches, stimuli, ventral_analysis, ventral_cnn
from helpers.torch_setup import use_threads

__all__ = ["steps_per_second", "validation_figures", "key_figures"]


def steps_per_second(n_steps: int = 30, seed: int = 0) -> dict[str, float]:
    """Training steps per second on one torch thread (drawing batches and new objects included),
    after a warm-up, and the milliseconds to draw one batch."""
    use_threads(1)
    batches = ventral_cnn.training_batches(seed)
    model = ventral_cnn.build(seed)
    ventral_cnn.train(model, batches, n_steps=3, progress=False)
    t0 = time.perf_counter()
    for _ in range(10):
        batches(ventral_cnn.BATCH_SIZE)
    batch_ms = (time.perf_counter() - t0) / 10 * 1000
    hist = ventral_cnn.train(model, batches, n_steps=n_steps, progress=False)
    return {"steps_per_s": hist["steps_per_s"], "batch_ms": batch_ms}


def validation_figures(train_seconds: float = 25.0, seed: int = 0, levels: Sequence[int] = ventral_cnn.TRAIN_LEVELS,
                       channels: Sequence[int] = ventral_cnn.CHANNELS, lr: float = ventral_cnn.LEARNING_RATE,
                       batch_size: int = ventral_cnn.BATCH_SIZE, templates: str = "all") -> dict[str, float]:
    """Train one recipe on new objects; its accuracy on the validation objects at V3 and V6.

    Parameters
    ----------
    templates : {"all", "train", "fixed"}
        New objects of all 64 templates (the notebook's), new objects of only the templates of
        the 32 standard objects that are not test objects, or those 32 objects themselves (the
        earlier recipe: 4 objects per category).

    Returns
    -------
    dict
        ``steps``, ``steps_per_s``, ``objects`` (drawn), ``loss`` (last 20 steps); for V3 and V6:
        ``readout_V*`` (the network's own) and ``pool_V*`` (linear decoder on its top layer,
        object-wise folds over the 64 validation objects).
    """
    use_threads(1)
    train_objects, _ = ventral_cnn.split_objects(0)
    if templates == "fixed":
        batches = object_batches.ObjectBatches(train_objects, ventral_cnn.IMAGE_SIZE, levels, seed=seed)
    else:
        batches = ventral_cnn.training_batches(seed, None if templates == "all" else train_objects, levels)
    val = stimuli.make_stimulus_set(n_per_object=4, levels=(3, 6), size=ventral_cnn.IMAGE_SIZE, seed=123,
                                    object_seed=object_batches.VALIDATION_OBJECT_SEED)
    model = ventral_cnn.build(seed, channels)
    hist = ventral_cnn.train(model, batches, max_seconds=train_seconds, lr=lr, batch_size=batch_size, progress=False)
    out = {"steps": hist["steps"], "steps_per_s": hist["steps_per_s"], "objects": batches.n_objects_drawn,
           "loss": float(np.mean(hist["loss"][-20:]))}
    ok = ventral_cnn.accuracy(model, val.images, val.category)
    for lev in (3, 6):
        sel = val.level == lev
        pool = ventral_cnn.layer_features(model, val.images[sel])["pool"]
        out[f"readout_V{lev}"] = float(ok[sel].mean())
        out[f"pool_V{lev}"] = decoding.decode_task(pool, val.category[sel], val.obj[sel], "category", 4, 0, "objects")
    return out


def key_figures(train_seconds: float = 25.0, seed: int = 0) -> dict[str, float | str | int]:
    """The notebook's headline numbers for one training run of ``train_seconds``.

    ``seed`` sets the network's initial weights, the objects and images it trains on and the
    analyses' folds and units; the test objects are always those of the notebook (``SEED = 0``).

    Returns
    -------
    dict
        ``steps``, ``seconds``; category accuracy of new objects at V6 (linear decoder, 128 units)
        for ``trained``, ``untrained``, ``HMAX C2`` and ``pixels``; ``readout`` (the network's own,
        V6); ``best`` (the trained layer with the highest Brain-Score per area); ``total_s``.
    """
    t0 = time.perf_counter()
    use_threads(1)
    standin = neural_standin.synthetic(n_per_object=8)
    _, test_objects = ventral_cnn.split_objects(0)
    test = ventral_analysis.held_out(standin, test_objects)
    batches = ventral_cnn.training_batches(seed)
    model, untrained = ventral_cnn.build(seed), ventral_cnn.build(seed)
    hist = ventral_cnn.train(model, batches, max_seconds=train_seconds, progress=False)
    reps = ventral_analysis.representations(test.images, {"trained": model, "untrained": untrained}, seed=seed)
    v6 = test.level == 6
    out: dict[str, float | str | int] = {"steps": hist["steps"], "seconds": hist["seconds"]}
    names = {"trained": "trained pool", "untrained": "untrained pool", "HMAX C2": "HMAX C2", "pixels": "pixels"}
    depth = ventral_analysis.depth_decoding({n: reps[n] for n in names.values()}, test, seed=seed)  # as the notebook
    for label, name in names.items():
        out[label] = float(depth["category"][name]["mean"][-1])
    out["readout"] = float(ventral_cnn.accuracy(model, test.images[v6], test.category[v6]).mean())
    high = test.level != 0
    neural = test.subset(high)
    halvings = ventral_analysis.repetition_halvings(neural, None, seed=seed)
    trained = {k: v[high] for k, v in reps.items() if k.startswith("trained ")}
    scores = ventral_analysis.brainscore_table(trained, neural, halvings)
    summary = {k: {r: s.summary() for r, s in t.items()} for k, t in scores.items()}
    best = ventral_analysis.best_layers(summary)
    out["best"] = ", ".join(f"{r} {layer} ({summary['trained ' + layer][r]['value']:.2f})" for r, layer in best.items())
    out["total_s"] = time.perf_counter() - t0
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--validation", action="store_true", help="measure a recipe on the validation objects")
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--levels", default=",".join(map(str, ventral_cnn.TRAIN_LEVELS)))
    ap.add_argument("--channels", default=",".join(map(str, ventral_cnn.CHANNELS)))
    ap.add_argument("--lr", type=float, default=ventral_cnn.LEARNING_RATE)
    ap.add_argument("--batch", type=int, default=ventral_cnn.BATCH_SIZE)
    ap.add_argument("--templates", choices=("all", "train", "fixed"), default="all")
    a = ap.parse_args(argv)
    if a.validation:
        res = validation_figures(a.seconds, a.seed, tuple(int(x) for x in a.levels.split(",")),
                                 tuple(int(x) for x in a.channels.split(",")), a.lr, a.batch, a.templates)
        print(json.dumps({**vars(a), **{k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}}))
    else:
        print(steps_per_second())
        print(key_figures(a.seconds, a.seed))


if __name__ == "__main__":
    main()
