"""1-D path integration: a ReLU RNN that learns to track head direction from angular velocity.

The one-dimensional version of the Sorscher et al. grid-cell model (notebook 04), in the
spirit of the trained angular-velocity integrators of Cueva, Wang, Chin & Wei (2020) (Cueva &
Wei 2018 trained the 2-D, grid-cell version):

* the initial state is a linear code of the start heading, ``g_0 = E p(theta_0)``;
* ``g_t = ReLU(J g_{t-1} + M omega_t)`` with angular velocity ``omega_t`` (rad per step);
* the readout ``W g_t`` is trained with cross-entropy to the code ``p(theta_t)`` of
  ``n_out`` head-direction cells with von Mises tuning (softmax of ``kappa cos``).

Notebook 02 trains it; notebook 03 sorts its units by preferred direction and compares the
learned recurrent weights with the engineered ring's Mexican hat.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .paths import DATA_DIR
from .torch_setup import use_threads
from .training import fit
from .validation import check_rng, check_scalar

__all__ = [
    "heading_trajectories",
    "head_direction_code",
    "AngularIntegrator",
    "train_angular_integrator",
    "decode_heading",
    "heading_error_deg",
    "save_angular_integrator",
    "load_angular_integrator",
    "SHIPPED_PATH",
]

SHIPPED_PATH = DATA_DIR / "angular_integrator.pt"


def heading_trajectories(
    batch: int, T: int, omega_std: float = 0.2, smoothness: float = 0.8,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Random head-direction trajectories.

    Angular velocity is a smooth random process ``omega_t = a omega_{t-1} + sqrt(1 - a^2) s xi_t``
    with stationary standard deviation ``s = omega_std`` (rad per step).

    Returns
    -------
    omega : (batch, T) float32 array
        Angular velocity per step (rad/step).
    theta : (batch, T + 1) float32 array
        Heading in [-pi, pi), ``theta[:, 0]`` uniform.
    """
    batch = check_scalar(batch, "batch", int, min_val=1)
    T = check_scalar(T, "T", int, min_val=1)
    omega_std = check_scalar(omega_std, "omega_std", min_val=0, include_boundaries="neither")
    rng = check_rng(seed)
    omega = np.empty((batch, T))
    w = omega_std * rng.standard_normal(batch)
    for t in range(T):
        w = smoothness * w + np.sqrt(1 - smoothness**2) * omega_std * rng.standard_normal(batch)
        omega[:, t] = w
    theta0 = rng.uniform(-np.pi, np.pi, size=batch)
    theta = theta0[:, None] + np.concatenate([np.zeros((batch, 1)), np.cumsum(omega, axis=1)], axis=1)
    theta = (theta + np.pi) % (2 * np.pi) - np.pi
    return omega.astype(np.float32), theta.astype(np.float32)


def head_direction_code(theta: np.ndarray | torch.Tensor, n_out: int = 64, kappa: float = 8.0) -> torch.Tensor:
    """Von Mises population code ``softmax_i(kappa cos(theta - phi_i))`` of ``n_out`` cells.

    Parameters
    ----------
    theta : (...,) array or tensor
        Headings (rad).
    n_out : int
        Cells with preferred directions ``phi_i = 2 pi i / n_out - pi``.
    kappa : float
        Tuning concentration.

    Returns
    -------
    (..., n_out) tensor, non-negative, sums to 1 over the last axis.
    """
    th = torch.as_tensor(theta, dtype=torch.float32)
    phi = torch.arange(n_out, dtype=torch.float32) * (2 * np.pi / n_out) - np.pi
    return torch.softmax(kappa * torch.cos(th[..., None] - phi), dim=-1)


class AngularIntegrator(nn.Module):
    """``g_0 = E p(theta_0)``, ``g_t = ReLU(J g_{t-1} + M omega_t)``, logits ``W g_t``."""

    def __init__(self, n_hidden: int = 128, n_out: int = 64):
        super().__init__()
        self.encoder = nn.Linear(n_out, n_hidden, bias=False)   # E
        self.J = nn.Linear(n_hidden, n_hidden, bias=False)      # J, row = postsynaptic
        self.M = nn.Linear(1, n_hidden, bias=False)             # M
        self.decoder = nn.Linear(n_hidden, n_out, bias=False)   # W
        nn.init.eye_(self.J.weight)  # start as a perfect memory: identity recurrence

    def forward(self, omega: torch.Tensor, p0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (B, T, n_out) and hidden rates (B, T, n_hidden) for omega (B, T), p0 (B, n_out)."""
        g = self.encoder(p0)
        drive = self.M(omega[..., None])
        states = []
        for t in range(omega.shape[1]):
            g = torch.relu(self.J(g) + drive[:, t])
            states.append(g)
        h = torch.stack(states, dim=1)
        return self.decoder(h), h


@dataclass
class IntegratorResult:
    """A trained integrator, its learning curve and its configuration."""

    model: AngularIntegrator
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    config: dict = field(default_factory=dict)


def decode_heading(logits: torch.Tensor) -> np.ndarray:
    """Heading (rad) as the circular mean of the softmax of ``logits`` (..., n_out)."""
    n_out = logits.shape[-1]
    phi = torch.arange(n_out, dtype=torch.float32) * (2 * np.pi / n_out) - np.pi
    p = torch.softmax(logits.detach().float(), dim=-1)
    return torch.atan2((p * torch.sin(phi)).sum(-1), (p * torch.cos(phi)).sum(-1)).numpy()


def heading_error_deg(model: AngularIntegrator, T: int = 20, n: int = 512, seed: int = 999) -> float:
    """Mean absolute heading error (degrees) over ``n`` fresh trajectories of length ``T``."""
    n_out = model.decoder.out_features
    omega, theta = heading_trajectories(n, T, seed=seed)
    with torch.no_grad():
        logits, _ = model(torch.from_numpy(omega), head_direction_code(theta[:, 0], n_out))
    err = np.angle(np.exp(1j * (decode_heading(logits) - theta[:, 1:])))
    return float(np.degrees(np.mean(np.abs(err))))


def train_angular_integrator(
    n_hidden: int = 128, n_out: int = 64, steps: int = 1500, batch: int = 64, T: int = 20,
    lr: float = 2e-3, weight_decay: float = 1e-4, seed: int = 0, progress: bool = False,
) -> IntegratorResult:
    """Train an :class:`AngularIntegrator` with Adam on fresh trajectories.

    ``weight_decay`` penalises ``||J||^2`` only, as in Sorscher et al.

    Returns
    -------
    IntegratorResult
    """
    n_hidden = check_scalar(n_hidden, "n_hidden", int, min_val=2)
    n_out = check_scalar(n_out, "n_out", int, min_val=3)
    steps = check_scalar(steps, "steps", int, min_val=1)
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    weight_decay = check_scalar(weight_decay, "weight_decay", min_val=0)
    use_threads()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = AngularIntegrator(n_hidden, n_out)
    config = dict(n_hidden=n_hidden, n_out=n_out, steps=steps, batch=batch, T=T, lr=lr,
                  weight_decay=weight_decay, seed=seed, kappa=8.0, omega_std=0.2)

    def step_loss() -> tuple[torch.Tensor, torch.Tensor]:
        omega, theta = heading_trajectories(batch, T, seed=rng)
        target = head_direction_code(theta[:, 1:], n_out)
        logits, _ = model(torch.from_numpy(omega), head_direction_code(theta[:, 0], n_out))
        ce = -(target * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
        return ce + weight_decay * (model.J.weight**2).sum(), ce  # decay on J only, as Sorscher et al.

    losses, seconds = fit(model, step_loss, steps, lr, progress=progress, desc="angular integrator")
    result = IntegratorResult(model, losses=losses, seconds=seconds, config=config)
    config["wall_seconds"] = round(result.seconds, 1)
    model.eval()
    return result


def save_angular_integrator(result: IntegratorResult, path: Path = SHIPPED_PATH, force: bool = False) -> Path:
    """Save weights and config as a plain dict of tensors (loads with ``weights_only=True``)."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True to replace it")
    m = result.model
    torch.save(
        {
            "W_rec": m.J.weight.detach().clone(),
            "W_in": m.M.weight.detach().clone(),
            "W_out": m.decoder.weight.detach().clone(),
            "encoder": m.encoder.weight.detach().clone(),
            "losses": torch.tensor(result.losses),
            "config": dict(result.config),
        },
        path,
    )
    return path


def load_angular_integrator(path: Path = SHIPPED_PATH) -> IntegratorResult:
    """Load a saved integrator (by default the one shipped in ``data/``).

    Raises
    ------
    FileNotFoundError
        With the command that regenerates the file.
    """
    path = Path(path)
    regen = "python -m helpers.angular_integrator --out data/angular_integrator.pt"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: regenerate it (about a minute) with `{regen}`")
    try:
        d = torch.load(path, weights_only=True)
        cfg = d["config"]
        model = AngularIntegrator(int(cfg["n_hidden"]), int(cfg["n_out"]))
        model.J.weight.data.copy_(d["W_rec"])
        model.M.weight.data.copy_(d["W_in"])
        model.decoder.weight.data.copy_(d["W_out"])
        model.encoder.weight.data.copy_(d["encoder"])
    except Exception as err:  # noqa: BLE001 -- any unreadable file gets the same advice
        raise ValueError(
            f"{path} is not a valid angular-integrator file ({err.__class__.__name__}: {err}); "
            f"regenerate it with `{regen}`"
        ) from None
    model.eval()
    return IntegratorResult(model, losses=d["losses"].tolist(), seconds=float(cfg.get("wall_seconds", 0)), config=cfg)


def preferred_directions(
    model: AngularIntegrator, n_headings: int = 72, T: int = 20, n: int = 512, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Each hidden unit's preferred heading and tuning curve from fresh trajectories.

    Returns
    -------
    pref : (n_hidden,) array
        Preferred heading (rad), circular mean of the tuning curve; NaN for silent units.
    tuning : (n_hidden, n_headings) array
        Mean rate in each heading bin.
    """
    n_out = model.decoder.out_features
    omega, theta = heading_trajectories(n, T, seed=seed)
    with torch.no_grad():
        _, h = model(torch.from_numpy(omega), head_direction_code(theta[:, 0], n_out))
    h = h.numpy().reshape(-1, h.shape[-1])
    bins = ((theta[:, 1:].ravel() + np.pi) / (2 * np.pi) * n_headings).astype(int) % n_headings
    counts = np.bincount(bins, minlength=n_headings)
    tuning = np.stack([np.bincount(bins, weights=h[:, i], minlength=n_headings) for i in range(h.shape[1])])
    tuning /= np.maximum(counts, 1)
    centers = (np.arange(n_headings) + 0.5) * 2 * np.pi / n_headings - np.pi
    z = tuning @ np.exp(1j * centers)
    pref = np.where(tuning.sum(1) > 1e-9, np.angle(z), np.nan)
    return pref, tuning


__all__.append("preferred_directions")


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the angular integrator and save it.")
    parser.add_argument("--out", type=Path, default=SHIPPED_PATH)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    res = train_angular_integrator(steps=args.steps, seed=args.seed, progress=True)
    res.config["heading_error_deg"] = round(heading_error_deg(res.model), 2)
    save_angular_integrator(res, args.out, force=args.force)
    print(f"trained in {res.seconds:.1f} s; error {res.config['heading_error_deg']} deg -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
