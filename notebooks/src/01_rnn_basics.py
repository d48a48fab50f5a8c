# %% [markdown]
# # 01 · Recurrent neural networks: dynamics, stability and chaos
#
# **Lecture idea.** Path integration needs a memory that is updated by velocity signals. A
# recurrent neural network (RNN) is the simplest circuit with a memory: its activity now depends
# on its activity a moment ago. Before we engineer (notebook 03) and learn (notebook 04)
# path integrators, we need to know what an RNN *does* on its own.
#
# **Learning objectives.** After this notebook you can
# 1. simulate the lecture's rate network $u(t+1) = W r(t) + I(t)$, $r = \sigma(u)$;
# 2. translate between the three notations used in the literature (lecture; Sorscher's $M, J, W$; the generic $W_{rec}, W_{in}, b$);
# 3. predict from the spectral radius whether activity decays, grows, or becomes chaotic;
# 4. train a small RNN and read out *how* it solves the task from its fixed points.
#
# **Time needed:** about 45 minutes. The notebook runs top to bottom in about 30 s.

# %% tags=["parameters"]
import os

import numpy as np
import torch

from helpers import fixed_points, flipflop, plotting, rnn, widgets
from helpers.checks import fallback
from helpers.checks import rnn as rnn_checks

plotting.use_lecture_style()
torch.manual_seed(0)
FULL = os.environ.get("FULL", "0") == "1"  # True: train the flip-flop network 3x longer (~15 s)


# %% [markdown]
# ## 1 · The rate network of the lecture
#
# Each neuron $i$ has a membrane potential $u_i$ and a firing rate $r_i = \sigma(u_i)$. At every
# time step, each neuron sums its recurrent input and its external input:
#
# $$u(t+1) = W\,r(t) + I(t), \qquad r(t+1) = \sigma\big(u(t+1)\big)$$
#
# $W_{ij}$ is the weight from neuron $j$ (presynaptic, column) onto neuron $i$ (postsynaptic, row),
# and $\sigma$ is an element-wise nonlinearity (here $\tanh$).
#
# ### Exercise 1 · one time step
# Write `rate_step` so that it returns **both** the new potential and the new rate.

# %% nbgrader={"grade": false, "grade_id": "rate_step", "locked": false, "schema_version": 3, "solution": true}
def rate_step(W, r, I, sigma=np.tanh):
    """One step of the rate network.

    W : (N, N) weights, r : (N,) rates at t, I : (N,) input at t, sigma : nonlinearity.
    Returns (u_next, r_next), each (N,).
    """
    ### BEGIN SOLUTION
    u_next = W @ r + I
    r_next = sigma(u_next)
    return u_next, r_next
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rate_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rnn_checks.check_rate_step(rate_step)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
_W, _r, _I = _rng.standard_normal((7, 7)), _rng.standard_normal(7), _rng.standard_normal(7)
for _sig in (np.tanh, lambda x: np.maximum(x, 0), lambda x: 1 / (1 + np.exp(-x))):
    _u, _rn = rate_step(_W, _r, _I, _sig)
    _u_ref, _r_ref = rnn.rate_step(_W, _r, _I, _sig)
    assert np.allclose(_u, _u_ref) and np.allclose(_rn, _r_ref)
### END HIDDEN TESTS

# %% [markdown]
# Let us run a random network of 50 neurons for 60 steps with a constant input (the cell uses
# your `rate_step`, or the reference if you have not written it yet).

# %%
my_rate_step = fallback(rate_step, rnn.rate_step, check=rnn_checks.check_rate_step)
W = rnn.random_gain_matrix(50, 0.9, seed=1)
r = np.zeros(50)
I = 0.5 * np.random.default_rng(2).standard_normal(50)
rates = [r]
for _ in range(60):
    _, r = my_rate_step(W, r, I)
    rates.append(r)
fig = plotting.activity_traces(np.array(rates), title="50 neurons, constant input: activity settles")


# %% [markdown]
# ## 2 · Three notations, one network
#
# | | recurrent | input | output | state |
# |---|---|---|---|---|
# | lecture | $W$ | $I(t)$ | -- | $u$, $r=\sigma(u)$ |
# | Sorscher et al. 2022, Sussillo 2015 | $J$ | $M v_t$ | $\hat p = W r$ | $r_t = \sigma(J r_{t-1} + M v_t)$ |
# | generic (Pascanu et al. 2013) | $W_{rec}$ | $W_{in} u_t + b$ | | $x_t = W_{rec}\,\sigma(x_{t-1}) + W_{in} u_t + b$ |
#
# Careful: in the Sorscher/Sussillo notation **$W$ is the readout**, while in the lecture's rate
# equation $W$ is the recurrent matrix. The generic form writes the network for the *membrane
# potential* $x_t$ (the lecture's $u$) rather than for the rate.
#
# ### Exercise 2 · translate
# Given the Sorscher parameters $J$ (recurrent) and $M$ (input), return the generic parameters
# `{'W_rec': ..., 'W_in': ..., 'b': ...}` of the *same* network, so that $\sigma(x_t) = r_t$.

# %% nbgrader={"grade": false, "grade_id": "to_generic", "locked": false, "schema_version": 3, "solution": true}
def to_generic(J, M):
    """Sorscher (J, M) -> generic {'W_rec', 'W_in', 'b'}. J : (N, N), M : (N, K)."""
    ### BEGIN SOLUTION
    return {"W_rec": J, "W_in": M, "b": np.zeros(J.shape[0])}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_to_generic", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rnn_checks.check_to_generic(to_generic)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(5)
_J, _M = _rng.standard_normal((6, 6)) / 3, _rng.standard_normal((6, 3))
_p = to_generic(_J, _M)
_v, _r0 = _rng.standard_normal((20, 3)), np.tanh(_rng.standard_normal(6))
assert np.allclose(np.tanh(rnn.simulate_generic(_p["W_rec"], _p["W_in"], _p["b"], _v, np.arctanh(_r0))),
                   rnn.simulate_sorscher(_J, _M, _v, _r0))
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · The linear case: growth or decay, exactly $g^t$
#
# Take $\sigma(x) = x$ and $W = gQ$ with $Q$ orthogonal ($Q^\top Q = I$, so $\|Qx\| = \|x\|$).
# Then $x_t = g^t Q^t x_0$ and $\|x_t\| = g^t\,\|x_0\|$ **exactly**: every step multiplies the
# norm by $g$. Below 1 the memory fades, above 1 it explodes -- the seed of the vanishing and
# exploding gradients of notebook 02.

# %%
Q = rnn.random_orthogonal(100, seed=0)
x0 = np.random.default_rng(1).standard_normal(100)
norms = {g: rnn.linear_norms(g * Q, x0, T=30) for g in (0.8, 0.95, 1.0, 1.05, 1.2)}
fig = plotting.norm_growth(norms)

# %% [markdown]
# ## 4 · Spectral radius and the transition to chaos
#
# For a random matrix with entries $W_{ij} \sim \mathcal N(0, g^2/N)$ the eigenvalues fill a disc
# of radius $g$ (the circular law), so $g$ is the *spectral radius*. In the nonlinear
# discrete-time network $r \leftarrow \tanh(W r)$ (Molgedey, Schuchhardt & Schuster 1992; the
# continuous-time network is the classic of Sompolinsky, Crisanti & Sommers 1988):
# * $g < 1$: every perturbation dies out and activity decays to zero;
# * $g > 1$: activity keeps fluctuating forever, and two nearby initial states drift apart --
#   **chaos**, measured by a positive largest Lyapunov exponent $\lambda_{max}$.
#
# Move the slider: where do the traces stop dying out? (For $N = 200$ the boundary sits a little
# above $g = 1$; it sharpens as $N$ grows.)

# %%
widgets.chaos_explorer(n=200, g=1.5)

# %%
gains = np.round(np.arange(0.4, 2.05, 0.2), 2)
lyap = [rnn.largest_lyapunov_exponent(rnn.random_gain_matrix(200, g, seed=0), T=800) for g in gains]
fig = plotting.lyapunov_vs_gain(gains, lyap)

# %% [markdown]
# **Think!** A path integrator must *hold* a value (a heading, a position) for as long as
# nothing moves, and change it only with the velocity input. In which regime should such a
# network live: $g < 1$, $g \approx 1$, or $g > 1$? What goes wrong in each of the other two?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_regime", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Near the edge, $g \approx 1$ along the directions that store the memory. With $g<1$ the stored
# value decays (the network forgets its heading while standing still); with $g>1$ small noise is
# amplified (linear) or the state wanders chaotically (tanh), so the memory is lost or corrupted.
# Attractor networks reach this "marginal" regime by construction: a continuum of fixed points
# (one eigenvalue exactly 1 along the attractor, all others < 1 across it).
# ### END SOLUTION

# %% [markdown]
# ## 5 · A trained network and its fixed points: the 3-bit flip-flop
#
# Three input channels carry rare $\pm 1$ pulses; each output must hold the sign of the last pulse
# of its channel (Sussillo & Barak 2013). That is three independent bits of memory, $2^3 = 8$
# memories in all. We train a 32-unit $\tanh$ RNN on it, live (about 5 s).

# %%
result = flipflop.train_flipflop(n_hidden=32, steps=2000 if FULL else 600, seed=0, progress=True)
u, y = flipflop.flipflop_batch(1, 150, seed=3)
with torch.no_grad():
    out, _ = result.model(torch.from_numpy(u))
print(f"trained in {result.seconds:.1f} s; final mean squared error {np.mean(result.losses[-50:]):.3f}")
fig = plotting.flipflop_trial(u[0], y[0], out[0].numpy())


# %% [markdown]
# How does the network hold its bits? Look for **fixed points** $h^*$ of the autonomous dynamics
# $F(h) = \tanh(W_{hh} h + b)$, where $F(h^*) = h^*$. Sussillo & Barak find them by minimising the
# *speed*
#
# $$q(h) = \tfrac12\,\lVert F(h) - h\rVert^2 ,$$
#
# which is zero exactly at fixed points, starting from states the network visits.
#
# ### Exercise 3 · the speed
# Write `speed(step, h)` for a batch of states `h` of shape (B, N) (a torch tensor): return the
# B speeds. Use torch operations, so that the search can differentiate $q$.

# %% nbgrader={"grade": false, "grade_id": "speed", "locked": false, "schema_version": 3, "solution": true}
def speed(step, h):
    """q(h) = 1/2 ||step(h) - h||^2 for each row of h (B, N); returns (B,)."""
    ### BEGIN SOLUTION
    return 0.5 * ((step(h) - h) ** 2).sum(dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_speed", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rnn_checks.check_speed(speed)
### BEGIN HIDDEN TESTS
_h = torch.randn(6, 3, generator=torch.Generator().manual_seed(4))
def _step(h):
    return torch.relu(h - 0.5)
assert torch.allclose(speed(_step, _h), fixed_points.speed(_step, _h))
assert speed(_step, _h).shape == (6,)
### END HIDDEN TESTS

# %%
my_speed = fallback(speed, fixed_points.speed, check=rnn_checks.check_speed)
starts = flipflop.fixed_point_starts(result.model, seed=0)  # held memories + visited states
fps = fixed_points.find_fixed_points(result.model.step, starts, iters=3000, tol=1e-7, speed=my_speed)
print(f"{len(fps.points)} fixed points, {fps.n_stable} stable")
fig = plotting.fixed_points_pca(flipflop.visited_states(result.model)[:800], fps.points, fps.stable)

# %% [markdown]
# The 8 stable fixed points sit at the corners of a cube: one per memory. Between them are
# *unstable* fixed points (saddles).
#
# **Think!** What does a saddle between two stable fixed points do when a pulse flips one bit?
# Why would a network that only had the 8 stable points and nothing between them be hard to
# build?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_saddles", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# A saddle is stable in some directions and unstable in others: its unstable direction is a
# one-dimensional path (an unstable manifold) that leads to the two neighbouring stable points.
# A pulse pushes the state across the saddle's stable manifold (the boundary between the two
# basins), and the flow then carries it along the unstable manifold to the other memory. Smooth
# dynamics with several attracting basins need such boundaries, and saddles organise them.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# * A rate RNN is $u(t+1) = W r(t) + I(t)$, $r = \sigma(u)$; the Sorscher/Sussillo ($M, J, W$)
#   and generic ($W_{rec}, W_{in}, b$) notations describe the same network.
# * For $W = gQ$ ($Q$ orthogonal) every eigenvalue has modulus $g$ and every singular value is
#   $g$, so the norm is exactly $g^t$. In general the spectral radius and the largest singular
#   value differ: the spectral radius sets how the linear
#   network grows or decays in the long run, and random tanh networks ($W_{ij} \sim \mathcal N(0,
#   g^2/N)$, spectral radius $g$) become chaotic as $g$ crosses 1; but the largest singular value
#   bounds how much each single step can stretch a state or a gradient (for such a random matrix
#   it is about $2g$), which is what decides whether gradients must vanish (Pascanu et al. 2013;
#   notebook 02).
# * Memory lives in **attractors**: a trained network stores 3 bits as 8 stable fixed points, and
#   its computation can be read off its fixed points. The ring attractor (notebook 03) and the
#   grid-cell network (notebook 04) store a *continuous* variable the same way.
