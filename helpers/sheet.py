"""A hand-designed continuous attractor for grid cells: the Burak & Fiete (2009) neural sheet.

Neurons sit on an ``n x n`` periodic sheet; neuron ``i`` at ``x_i`` has a preferred direction
``e_i`` (east, north, west, south, tiled in 2 x 2 blocks). The rate dynamics are

    tau ds_i/dt = -s_i + [ sum_j W_ij s_j + B_i ]_+ ,
    W_ij = W0(x_i - x_j - l e_j),   W0(x) = a exp(-gamma |x|^2) - exp(-beta |x|^2),
    B_i  = A (1 + alpha e_i . v),

a Mexican hat whose outgoing weights are shifted by ``l`` along the presynaptic neuron's
preferred direction. A velocity ``v`` (m/s) favours the neurons whose direction is ``v``'s,
whose shifted outgoing weights push the pattern along ``v``.

``W`` is never built: ``W s`` is a sum of four periodic convolutions, one per direction group
(the neurons of one direction, kernel ``W0(x - l e)``), done with FFTs in torch (float32), with
the kernel spectra computed once. Sheets of a batch run side by side (e.g. one per running speed).

The pitfall (see :func:`linear_gain`): with the paper's ``gamma = 1.05 beta`` and a plain
unit-slope ReLU the uniform state is *stable* (largest gain of a perturbation 0.985 < 1) and no
pattern ever forms. The authors' code multiplies the rectified input by a gain (and uses
tau = 5 ms); a public Python port uses ``gamma = 1.1 beta``. We use ``gamma = 1.1 beta`` with
unit slope (largest gain about 1.9), the paper's other numbers unchanged.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .simulation import Simulation, steps_of
from .validation import as_array, check_rng, check_scalar

__all__ = [
    "N_PAPER",
    "N_DEFAULT",
    "A_EXC",
    "LAMBDA",
    "BETA",
    "GAMMA_PAPER",
    "GAMMA",
    "SHIFT",
    "ALPHA",
    "DRIVE",
    "TAU",
    "DT",
    "DIRECTIONS",
    "direction_index",
    "preferred_directions",
    "offsets",
    "mexican_hat",
    "kernel_spectrum",
    "linear_gain",
    "Sheet",
    "Simulation",
    "random_state",
    "simulate",
    "lattice_modes",
    "pattern_period",
    "pattern_displacement",
    "pattern_speed",
    "speed_sweep",
    "linearity_error",
    "straight_run_frames",
    "shift_push",
]

# Burak & Fiete (2009), PLoS Comput Biol 5:e1000291, periodic network.
#: Sheet size of the paper, and the default here (fast enough for a lecture).
N_PAPER = 128
N_DEFAULT = 64
#: Kernel W0(x) = A_EXC exp(-GAMMA |x|^2) - exp(-BETA |x|^2); BETA = 3 / LAMBDA^2 (neurons^-2).
A_EXC = 1.0
LAMBDA = 13.0
BETA = 3.0 / LAMBDA**2
#: The paper's gamma; with a unit-slope ReLU it forms no pattern (see the module docstring).
GAMMA_PAPER = 1.05 * BETA
#: The gamma used here: the uniform state is unstable and a hexagonal pattern forms.
GAMMA = 1.1 * BETA
#: Shift l (neurons) of the outgoing weights along the preferred direction.
SHIFT = 2.0
#: Velocity gain alpha (per m/s) and the uniform drive A.
ALPHA = 0.10315
DRIVE = 1.0
#: Time constant and Euler step (s).
TAU = 0.010
DT = 0.0005

#: Preferred directions of the four groups: east, north, west, south.
DIRECTIONS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def direction_index(n: int) -> np.ndarray:
    """Which of :data:`DIRECTIONS` each neuron prefers, tiled in 2 x 2 blocks.

    Parameters
    ----------
    n : int
        Sheet side (even).

    Returns
    -------
    ndarray of int, shape (n, n)
        Axis 0 is the sheet's x, axis 1 its y: E at (even, even), N at (odd, even),
        W at (even, odd), S at (odd, odd).
    """
    n = _check_n(n)
    i = np.arange(n) % 2
    return np.array([[0, 2], [1, 3]])[i[:, None], i[None, :]]


def preferred_directions(n: int) -> np.ndarray:
    """Unit vectors e_i of the neurons, shape (n, n, 2)."""
    return DIRECTIONS[direction_index(n)]


def _check_n(n: Any) -> int:
    n = check_scalar(n, "n", int, min_val=4)
    if n % 2:
        raise ValueError(f"n must be even (directions tile in 2 x 2 blocks), got {n}")
    return n


def offsets(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Periodic sheet offsets (neurons) of every site from site (0, 0), in [-n/2, n/2).

    Returns
    -------
    dx, dy : ndarray, shape (n, n)
    """
    d = (np.arange(n) + n // 2) % n - n // 2
    return np.meshgrid(d.astype(float), d.astype(float), indexing="ij")


def mexican_hat(dx: Any, dy: Any, a: float = A_EXC, gamma: float = GAMMA, beta: float = BETA) -> np.ndarray:
    """W0(x) = a exp(-gamma |x|^2) - exp(-beta |x|^2) at offsets (dx, dy) (neurons)."""
    r2 = np.asarray(dx, dtype=float) ** 2 + np.asarray(dy, dtype=float) ** 2
    return a * np.exp(-gamma * r2) - np.exp(-beta * r2)


def kernel_spectrum(
    n: int, a: float = A_EXC, gamma: float = GAMMA, beta: float = BETA, shift: float = SHIFT
) -> np.ndarray:
    """rfft2 of the four shifted kernels W0(x - l e_d) on the periodic sheet.

    Returns
    -------
    ndarray of complex, shape (4, n, n // 2 + 1)
        Entry d is the spectrum of the outgoing weights of a neuron of direction d placed at
        site (0, 0): the input that neuron gives to the neuron at offset x is W0(x - l e_d).
    """
    n = _check_n(n)
    dx, dy = offsets(n)
    out = [np.fft.rfft2(mexican_hat(dx - shift * e[0], dy - shift * e[1], a, gamma, beta)) for e in DIRECTIONS]
    return np.stack(out)


def linear_gain(
    n: int = N_PAPER,
    a: float = A_EXC,
    gamma: float = GAMMA,
    beta: float = BETA,
    shift: float = SHIFT,
    slope: float = 1.0,
) -> tuple[float, float]:
    """Largest gain of a small periodic perturbation of the uniform (all-active) state.

    In the uniform state every neuron is above threshold, so a perturbation of wave vector k
    grows when ``slope * mean_d What_d(k) > 1`` (``What_d`` the spectrum of the kernel of
    group d; aliases of k at pi are negligible because the Gaussians are wide). A pattern forms
    from noise only if the largest gain exceeds 1.

    Returns
    -------
    gain : float
        Largest gain over the sheet's wave vectors.
    period : float
        Wavelength 2 pi / |k| (neurons) of the fastest-growing mode.
    """
    slope = check_scalar(slope, "slope", min_val=0, include_boundaries="neither")
    spec = kernel_spectrum(n, a, gamma, beta, shift).mean(0).real * slope
    spec[0, 0] = -np.inf
    i, j = np.unravel_index(np.argmax(spec), spec.shape)
    k = 2 * np.pi * np.hypot(np.fft.fftfreq(n)[i], np.fft.rfftfreq(n)[j])
    return float(spec[i, j]), float(2 * np.pi / k)


class Sheet:
    """The Burak-Fiete sheet, ready to simulate (torch float32 on the CPU).

    The four direction groups each fill one sub-lattice of the 2 x 2 tiling, so ``W s`` is a
    4 x 4 block of periodic convolutions on (n/2) x (n/2) sub-lattices: four FFTs there and
    back per step, a quarter of the size of the full sheet's (the state is kept in that form,
    ``phases`` of shape (B, 4, n/2, n/2), during a simulation).

    Parameters
    ----------
    n : int
        Neurons per side (even).
    gamma, beta, a, shift : float
        Kernel parameters (neurons^-2, neurons^-2, unitless, neurons).
    alpha : float
        Velocity gain (per m/s).
    drive : float
        Uniform drive A.
    tau, dt : float
        Time constant and Euler step (s).
    """

    def __init__(
        self,
        n: int = N_DEFAULT,
        gamma: float = GAMMA,
        beta: float = BETA,
        a: float = A_EXC,
        shift: float = SHIFT,
        alpha: float = ALPHA,
        drive: float = DRIVE,
        tau: float = TAU,
        dt: float = DT,
    ):
        self.n = _check_n(n)
        self.gamma = check_scalar(gamma, "gamma", min_val=0, include_boundaries="neither")
        self.beta = check_scalar(beta, "beta", min_val=0, include_boundaries="neither")
        self.a, self.shift = check_scalar(a, "a", min_val=0), float(shift)
        self.alpha, self.drive = float(alpha), float(drive)
        self.tau = check_scalar(tau, "tau", min_val=0, include_boundaries="neither")
        self.dt = check_scalar(dt, "dt", min_val=0, include_boundaries="neither")
        if self.dt > self.tau:
            raise ValueError(f"dt must be <= tau = {self.tau} s for the Euler step to be stable, got {dt}")
        n, m = self.n, self.n // 2
        self._spectrum = kernel_spectrum(n, self.a, self.gamma, self.beta, self.shift)  # (4, n, n//2+1)
        kernels = np.fft.irfft2(self._spectrum, s=(n, n))  # K_d on offsets, index = offset mod n
        c = 2 * np.arange(m)
        blocks = np.empty((4, 4, m, m))
        for o, (po, qo) in enumerate(_SUBLATTICE):
            for i, (pi, qi) in enumerate(_SUBLATTICE):
                blocks[o, i] = kernels[i][np.ix_((c + po - pi) % n, (c + qo - qi) % n)]
        self.spectra = torch.as_tensor(np.fft.rfft2(blocks), dtype=torch.complex64)  # (4, 4, m, m//2+1)
        self.directions = torch.as_tensor(DIRECTIONS, dtype=torch.float32)  # (4, 2)

    def kernel(self) -> np.ndarray:
        """The average outgoing weights of a neuron, over the four groups, on offsets (n, n).

        Offset (0, 0) is at index [0, 0] (use ``np.fft.fftshift`` to centre it).
        """
        return np.fft.irfft2(self._spectrum.mean(0), s=(self.n, self.n))

    def to_phases(self, s: torch.Tensor) -> torch.Tensor:
        """Split sheets (B, n, n) into their four direction sub-lattices (B, 4, n/2, n/2)."""
        return torch.stack([s[:, p::2, q::2] for p, q in _SUBLATTICE], dim=1)

    def from_phases(self, x: torch.Tensor) -> torch.Tensor:
        """Reassemble sub-lattices (B, 4, n/2, n/2) into sheets (B, n, n)."""
        s = x.new_empty((x.shape[0], self.n, self.n))
        for d, (p, q) in enumerate(_SUBLATTICE):
            s[:, p::2, q::2] = x[:, d]
        return s

    def _recurrent(self, x: torch.Tensor) -> torch.Tensor:
        f = torch.fft.rfft2(x)  # (B, 4, m, m//2+1)
        g = (self.spectra * f.unsqueeze(1)).sum(2)  # (B, 4_out, m, m//2+1)
        return torch.fft.irfft2(g, s=x.shape[-2:])

    def recurrent_input(self, s: Any) -> np.ndarray:
        """W s for sheets of shape (n, n) or (B, n, n) (numpy in, numpy out)."""
        arr = as_array(s, "s")
        single = arr.ndim == 2
        if single:
            arr = arr[None]
        if arr.shape[1:] != (self.n, self.n) or arr.ndim != 3:
            raise ValueError(f"s must have shape ({self.n}, {self.n}) or (B, {self.n}, {self.n}), got {np.shape(s)}")
        x = self.to_phases(torch.as_tensor(arr, dtype=torch.float32))
        out = self.from_phases(self._recurrent(x)).numpy().astype(float)
        return out[0] if single else out

    def group_drive(self, v: torch.Tensor) -> torch.Tensor:
        """B = A (1 + alpha e_d . v) of each direction group, for velocities (B, 2) (m/s) -> (B, 4, 1, 1)."""
        return (self.drive * (1 + self.alpha * v @ self.directions.T))[:, :, None, None]

    def velocity_input(self, v: Any) -> np.ndarray:
        """B_i = A (1 + alpha e_i . v) on the sheet for one velocity (2,) (m/s), shape (n, n)."""
        vel = torch.as_tensor(as_array(v, "v", shape=(2,)), dtype=torch.float32)[None]
        b = self.group_drive(vel).expand(1, 4, self.n // 2, self.n // 2)
        return self.from_phases(b.contiguous()).numpy()[0].astype(float)

    def step(self, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """One Euler step of tau ds/dt = -s + [W s + b]_+, state in sub-lattice form (B, 4, m, m)."""
        return x + (self.dt / self.tau) * (torch.relu(self._recurrent(x) + b) - x)


#: Sub-lattice (x parity, y parity) of each direction group, as in :func:`direction_index`.
_SUBLATTICE = ((0, 0), (1, 0), (0, 1), (1, 1))


def random_state(sheet: Sheet, batch: int = 1, scale: float = 0.01, seed: Any = None) -> np.ndarray:
    """Small uniform noise, shape (batch, n, n): the start from which a pattern forms."""
    rng = check_rng(seed)
    return scale * rng.random((check_scalar(batch, "batch", int, min_val=1), sheet.n, sheet.n))


def simulate(
    sheet: Sheet,
    duration: float,
    velocity: Any = (0.0, 0.0),
    s0: Any = None,
    seed: Any = 0,
    record_every: float | None = None,
) -> Simulation:
    """Run the sheet for ``duration`` seconds.

    The same contract as :func:`helpers.ring.simulate`: times in seconds, each a whole number
    of steps ``sheet.dt``, and a :class:`~helpers.simulation.Simulation` back.

    Parameters
    ----------
    sheet : Sheet
    duration : float
        Simulated time (s), a whole number of steps ``sheet.dt``.
    velocity : array_like, shape (2,), (B, 2) or (T, B, 2)
        Running velocity (m/s): fixed, one per sheet of the batch, or per step
        (T = number of steps = duration / dt).
    s0 : array_like, shape (n, n) or (B, n, n), optional
        Start state; default: small noise from ``seed`` (:func:`random_state`).
    seed : int or Generator
    record_every : float, optional
        Keep the state every this many seconds (a whole number of steps, at most ``duration``);
        default: only at the end.

    Returns
    -------
    Simulation
        ``times`` (R,) in seconds (``record_every, 2 record_every, ...``), ``rates``
        (R, B, n, n) the states at those times, and ``final`` (B, n, n) the state at the end;
        ``R = duration // record_every``.
    """
    if not isinstance(sheet, Sheet):
        raise TypeError(f"sheet must be a Sheet, got {type(sheet).__name__}")
    n_steps = steps_of(duration, sheet.dt, "duration")
    vel = as_array(velocity, "velocity")
    if vel.ndim == 1:
        vel = vel[None]
    if vel.shape[-1] != 2 or vel.ndim not in (2, 3):
        raise ValueError(f"velocity must have shape (2,), (B, 2) or (T, B, 2), got {vel.shape}")
    if vel.ndim == 3 and vel.shape[0] != n_steps:
        raise ValueError(f"velocity of shape (T, B, 2) must have T = {n_steps} steps, got {vel.shape[0]}")
    batch = vel.shape[-2]
    if s0 is None:
        s0 = random_state(sheet, batch, seed=seed)
    s = as_array(s0, "s0")
    if s.ndim == 2:
        s = np.broadcast_to(s, (batch, *s.shape))
    if s.shape != (batch, sheet.n, sheet.n):
        raise ValueError(f"s0 must have shape ({sheet.n}, {sheet.n}) or ({batch}, {sheet.n}, {sheet.n}), got {s.shape}")
    every = n_steps if record_every is None else steps_of(record_every, sheet.dt, "record_every")
    if every > n_steps:
        raise ValueError(f"record_every must be at most the duration ({duration} s), got {record_every} s")
    x = sheet.to_phases(torch.tensor(s, dtype=torch.float32))
    v = torch.as_tensor(vel, dtype=torch.float32)
    b = sheet.group_drive(v) if v.ndim == 2 else None
    frames = np.empty((n_steps // every, batch, sheet.n, sheet.n))
    with torch.no_grad():
        for t in range(n_steps):
            x = sheet.step(x, b if b is not None else sheet.group_drive(v[t]))
            if (t + 1) % every == 0:
                frames[(t + 1) // every - 1] = sheet.from_phases(x).numpy()
    end = sheet.from_phases(x).numpy().astype(float)
    return Simulation(times=np.arange(1, frames.shape[0] + 1) * every * sheet.dt, rates=frames, final=end)


# ------------------------------------------------------------------------------------------
# Measuring the pattern


def lattice_modes(pattern: Any, n_modes: int = 3) -> np.ndarray:
    """The strongest Fourier modes of a sheet pattern, one of each +-k pair.

    Parameters
    ----------
    pattern : array_like, shape (n, n)

    Returns
    -------
    ndarray of int, shape (n_modes, 2)
        Wave numbers (cycles per sheet, in [-n/2, n/2)) along x and y.
    """
    p = as_array(pattern, "pattern", ndim=2)
    n = p.shape[0]
    power = np.abs(np.fft.fft2(p - p.mean())) ** 2
    f = (np.arange(n) + n // 2) % n - n // 2
    fx, fy = np.meshgrid(f, f, indexing="ij")
    # exclude the 2 x 2 direction tiling (wave numbers near n/2)
    power[(np.abs(fx) > n // 4) | (np.abs(fy) > n // 4)] = 0
    keep = (fx > 0) | ((fx == 0) & (fy > 0))  # one of each +-k pair
    power = np.where(keep, power, 0)
    order = np.argsort(power.ravel())[::-1][:n_modes]
    return np.stack([fx.ravel()[order], fy.ravel()[order]], axis=1)


def pattern_period(pattern: Any) -> float:
    """Mean wavelength (neurons) of the three strongest lattice modes of a pattern (n, n)."""
    p = as_array(pattern, "pattern", ndim=2)
    k = lattice_modes(p, 3)
    return float(np.mean(p.shape[0] / np.hypot(k[:, 0], k[:, 1])))


def pattern_displacement(frames: Any, modes: Any | None = None) -> np.ndarray:
    """Displacement (neurons) of a pattern over successive frames, from its Fourier phases.

    Each lattice mode k's phase moves by -2 pi k . dx / n when the pattern moves by dx; the
    phases are unwrapped between frames and dx fitted by least squares over the modes. Frames
    must be close enough in time that the pattern moves less than a quarter period between them.

    Parameters
    ----------
    frames : array_like, shape (R, n, n)
    modes : array_like, shape (m, 2), optional
        Wave numbers (default: :func:`lattice_modes` of the first frame).

    Returns
    -------
    ndarray, shape (R, 2)
        Displacement from the first frame (neurons, x and y).
    """
    fr = as_array(frames, "frames", ndim=3)
    n = fr.shape[1]
    k = lattice_modes(fr[0]) if modes is None else as_array(modes, "modes", ndim=2, shape=(None, 2))
    f = np.fft.fft2(fr - fr.mean(axis=(1, 2), keepdims=True))
    idx = k.astype(int) % n
    phase = np.unwrap(np.angle(f[:, idx[:, 0], idx[:, 1]]), axis=0)  # (R, m)
    dphi = phase - phase[0]
    kmat = 2 * np.pi * k / n  # (m, 2)
    dx, *_ = np.linalg.lstsq(-kmat, dphi.T, rcond=None)
    return dx.T


def pattern_speed(frames: Any, times: Any) -> np.ndarray:
    """Velocity (neurons/s) of a moving pattern: slope of its displacement against time.

    Parameters
    ----------
    frames : array_like, shape (R, n, n)
    times : array_like, shape (R,)

    Returns
    -------
    ndarray, shape (2,)
    """
    t = as_array(times, "times", ndim=1)
    d = pattern_displacement(frames)
    if d.shape[0] != t.shape[0]:
        raise ValueError(f"times must have one entry per frame ({d.shape[0]}), got {t.shape[0]}")
    return np.polyfit(t, d, 1)[0]


def speed_sweep(
    sheet: Sheet,
    speeds: Any,
    heading: float = 0.0,
    settle: float = 0.3,
    duration: float = 0.5,
    seed: int = 0,
    record_every: float = 0.01,
) -> dict[str, np.ndarray]:
    """Pattern speed on the sheet for several running speeds, all sheets simulated as one batch.

    A pattern first forms from noise at rest for ``settle`` seconds; then each copy runs at its
    speed along ``heading`` (rad) for ``duration`` seconds.

    Returns
    -------
    dict with ``speeds`` (S,) (m/s), ``velocity`` (S, 2) pattern velocity (neurons/s),
    ``along`` (S,) its component along the heading (neurons/s) and ``period`` (neurons).
    """
    v = as_array(speeds, "speeds", ndim=1)
    rest = simulate(sheet, settle, (0.0, 0.0), seed=seed).final[0]
    u = np.array([np.cos(heading), np.sin(heading)])
    run = simulate(sheet, duration, v[:, None] * u, s0=rest, record_every=record_every)
    vel = np.array([pattern_speed(run.rates[:, b], run.times) for b in range(len(v))])
    return {"speeds": v, "velocity": vel, "along": vel @ u, "period": pattern_period(rest)}


def linearity_error(speeds: Any, pattern_speeds: Any) -> tuple[float, float]:
    """Slope of a line through the origin, and the largest relative deviation from it.

    Returns
    -------
    slope : float
        Least-squares slope (pattern speed per running speed).
    error : float
        max_i |y_i - slope x_i| / (slope x_i).
    """
    x = as_array(speeds, "speeds", ndim=1)
    y = as_array(pattern_speeds, "pattern_speeds", shape=x.shape)
    slope = float(x @ y / (x @ x))
    return slope, float(np.max(np.abs(y - slope * x) / np.abs(slope * x)))


def straight_run_frames(
    sheet: Sheet,
    speed: float = 0.3,
    heading: float = 0.0,
    n_frames: int = 5,
    spacing: float = 0.1,
    settle: float = 0.3,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Sheet activity when the animal runs straight, at ``n_frames`` successive positions.

    Returns
    -------
    dict with ``frames`` (n_frames, n, n), ``positions`` (n_frames,) distance run (m),
    ``displacement`` (n_frames, 2) the pattern's shift on the sheet (neurons) since frame 0.
    """
    n_frames = check_scalar(n_frames, "n_frames", int, min_val=2)
    rest = simulate(sheet, settle, (0.0, 0.0), seed=seed).final
    u = speed * np.array([np.cos(heading), np.sin(heading)])
    run = simulate(sheet, spacing * (n_frames - 1), u, s0=rest, record_every=0.005)
    frames = np.concatenate([rest, run.rates[:, 0]])
    times = np.concatenate([[0.0], run.times])
    disp = pattern_displacement(frames)
    pick = [int(np.argmin(np.abs(times - i * spacing))) for i in range(n_frames)]
    return {"frames": frames[pick], "positions": speed * times[pick], "displacement": disp[pick]}


def shift_push(sheet: Sheet, s: Any, headings: Any, speed: float = 1.0) -> np.ndarray:
    """The shift circuit: W applied to the velocity part of the drive, on the active neurons.

    Parameters
    ----------
    sheet : Sheet
    s : array_like, shape (n, n)
        A steady pattern (at rest); neurons whose input W s + A is above threshold count as
        active (the rates of the others only decay towards 0).
    headings : array_like, shape (H,)
        Directions of motion (rad).
    speed : float
        Running speed (m/s).

    Returns
    -------
    ndarray, shape (H, n, n)
        ``W [(A alpha e . v) * (s > 0)]`` for each heading.
    """
    if not isinstance(sheet, Sheet):
        raise TypeError(f"sheet must be a Sheet, got {type(sheet).__name__}")
    pat = as_array(s, "s", shape=(sheet.n, sheet.n))
    th = as_array(headings, "headings", ndim=1)
    e = preferred_directions(sheet.n)
    v = speed * np.stack([np.cos(th), np.sin(th)], axis=1)
    active = sheet.recurrent_input(pat) + sheet.drive > 0
    drive = sheet.drive * sheet.alpha * np.einsum("xyc,hc->hxy", e, v) * active
    return sheet.recurrent_input(drive)
