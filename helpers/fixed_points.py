"""Fixed points of a trained RNN by minimising its speed (Sussillo & Barak 2013).

For an autonomous update ``h -> F(h)`` the speed ``q(h) = 1/2 ||F(h) - h||^2`` is zero at a
fixed point. Starting from states the network visits, gradient descent on ``q`` finds fixed
points (and slow points); the Jacobian ``dF/dh`` there tells whether each is stable
(all eigenvalues inside the unit circle).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .validation import as_array, check_scalar

__all__ = ["FixedPoints", "find_fixed_points", "speed"]


def speed(step: Callable[[torch.Tensor], torch.Tensor], h: torch.Tensor) -> torch.Tensor:
    """Speed ``q(h) = 1/2 ||F(h) - h||^2`` of each state (row) of ``h`` (B, N); returns (B,)."""
    return 0.5 * ((step(h) - h) ** 2).sum(dim=1)


speed_of = speed  # the reference, under a name that a ``speed`` argument cannot shadow


@dataclass
class FixedPoints:
    """Distinct fixed points of a map.

    Attributes
    ----------
    points : (P, N) array
        The fixed points.
    speed : (P,) array
        ``q(h)`` at each point (0 for an exact fixed point).
    max_eig : (P,) array
        Largest absolute Jacobian eigenvalue at each point.
    """

    points: np.ndarray
    speed: np.ndarray
    max_eig: np.ndarray

    @property
    def stable(self) -> np.ndarray:
        """(P,) bool: all Jacobian eigenvalues strictly inside the unit circle."""
        return self.max_eig < 1.0

    @property
    def n_stable(self) -> int:
        return int(self.stable.sum())


def find_fixed_points(
    step: Callable[[torch.Tensor], torch.Tensor],
    initial_states: np.ndarray,
    iters: int = 1500,
    lr: float = 0.02,
    tol: float = 1e-8,
    merge_distance: float = 0.05,
    speed: Callable[[Callable, torch.Tensor], torch.Tensor] | None = None,
) -> FixedPoints:
    """Find the fixed points of ``step`` reachable from ``initial_states``.

    Parameters
    ----------
    step : callable
        The autonomous update, mapping a torch tensor (B, N) to (B, N).
    initial_states : (B, N) array
        Starting guesses, e.g. hidden states sampled from the network's trajectories.
    iters : int
        Adam iterations on the speed.
    lr : float
        Initial Adam learning rate (decayed 1000-fold over the iterations).
    tol : float
        Keep points whose speed ``q`` is below this.
    merge_distance : float
        Points closer than this (Euclidean) are the same fixed point.
    speed : callable, optional
        ``speed(step, h)`` returning q per row of ``h`` (B,); default :func:`speed`.
    """
    h0 = as_array(initial_states, "initial_states", ndim=2)
    q_fn = speed_of if speed is None else speed
    iters = check_scalar(iters, "iters", int, min_val=1)
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    h = torch.tensor(h0, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.Adam([h], lr=lr)
    # Adam's steps do not shrink by themselves: decay the rate 1000-fold so points converge
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=1e-3 ** (1.0 / iters))
    for _ in range(iters):
        q = q_fn(step, h)
        opt.zero_grad()
        q.sum().backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        q = speed_of(step, h).numpy()
    cand = h.detach().numpy()[q < tol]
    qs = q[q < tol]
    keep: list[int] = []
    for i in np.argsort(qs):
        if all(np.linalg.norm(cand[i] - cand[j]) > merge_distance for j in keep):
            keep.append(int(i))
    points = cand[keep] if keep else np.zeros((0, h0.shape[1]))
    max_eig = np.array([_max_abs_eig(step, p) for p in points])
    return FixedPoints(points=points, speed=qs[keep] if keep else np.zeros(0), max_eig=max_eig)


def _max_abs_eig(step: Callable[[torch.Tensor], torch.Tensor], point: np.ndarray) -> float:
    x = torch.tensor(point[None], dtype=torch.float32)
    jac = torch.autograd.functional.jacobian(lambda z: step(z)[0], x)[:, 0, :]
    return float(np.max(np.abs(np.linalg.eigvals(jac.numpy()))))
