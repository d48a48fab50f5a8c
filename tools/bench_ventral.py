"""Key figures of the task-driven ventral-stream model (notebook 08): its training speed and what
25 s of training buy on held-out objects.

Measurements, not tests: :mod:`tools.benchmark` prints them (``--figures ventral``). The pipeline
is the notebook's, condensed: train for a time budget, decode the category of new objects at V6
from the top layer of the trained and the untrained network and from HMAX C2 and pixels
(notebook 07's decoder, object-wise folds), and find the layer that best predicts each area.
"""
from __future__ import annotations

import time

from helpers import neural_standin, object_batches, ventral_analysis, ventral_cnn
from helpers import predictivity as pred
from helpers.torch_setup import use_threads

__all__ = ["steps_per_second", "key_figures"]


def steps_per_second(n_steps: int = 30, seed: int = 0) -> dict[str, float]:
    """Training steps per second on one torch thread (batch drawing included), after a warm-up,
    and the milliseconds to draw one batch."""
    use_threads(1)
    train_objects, _ = ventral_cnn.split_objects(seed)
    batches = object_batches.ObjectBatches(train_objects, ventral_cnn.IMAGE_SIZE, ventral_cnn.TRAIN_LEVELS, seed=seed)
    model = ventral_cnn.build(seed)
    ventral_cnn.train(model, batches, n_steps=3, progress=False)
    t0 = time.perf_counter()
    for _ in range(10):
        batches(ventral_cnn.BATCH_SIZE)
    batch_ms = (time.perf_counter() - t0) / 10 * 1000
    hist = ventral_cnn.train(model, batches, n_steps=n_steps, progress=False)
    return {"steps_per_s": hist["steps_per_s"], "batch_ms": batch_ms}


def key_figures(train_seconds: float = 25.0, seed: int = 0) -> dict[str, float | str | int]:
    """The notebook's headline numbers for one training run of ``train_seconds``.

    Returns
    -------
    dict
        ``steps``, ``seconds``; category accuracy of new objects at V6 (linear decoder) for
        ``trained``, ``untrained``, ``HMAX C2`` and ``pixels``; ``readout`` (the network's own, V6);
        ``best`` (the trained layer that best predicts each area); ``total_s``.
    """
    t0 = time.perf_counter()
    use_threads(1)
    standin = neural_standin.synthetic(n_per_object=8)
    train_objects, test_objects = ventral_cnn.split_objects(seed)
    test = ventral_analysis.held_out(standin, test_objects)
    batches = object_batches.ObjectBatches(train_objects, ventral_cnn.IMAGE_SIZE, ventral_cnn.TRAIN_LEVELS, seed=seed)
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
    halves = ventral_analysis.repetition_halves(neural, None, seed)
    ceiling = {r: pred.split_half_reliability(*halves[r]) for r in neural.regions}
    trained = {k: v[high] for k, v in reps.items() if k.startswith("trained ")}
    table = ventral_analysis.predictivity_table(trained, neural, ceiling, ventral_analysis.predictivity_splits(neural))
    summary = {k: {r: pred.summarise(v, ceiling[r]) for r, v in t.items()} for k, t in table.items()}
    best = ventral_analysis.best_layers(summary)
    out["best"] = ", ".join(f"{r} {layer} ({summary['trained ' + layer][r]['median']:.2f})"
                            for r, layer in best.items())
    out["total_s"] = time.perf_counter() - t0
    return out


if __name__ == "__main__":
    print(steps_per_second())
    print(key_figures())
