# %% [markdown]
# # 02 · Training RNNs: backpropagation through time
#
# **Lecture idea.** To *learn* path integration (notebook 04) we must find parameters
# $\theta = (W_{rec}, W_{in}, b)$ that minimise a loss summed over time. Backpropagation through
# time (BPTT) computes the gradient by running the chain rule backwards through the unrolled
# network -- and shows why gradients vanish or explode over long time spans.
#
# **Learning objectives.** After this notebook you can
# 1. write BPTT by hand for the generic RNN and verify it against `torch.autograd` and finite differences;
# 2. explain truncated BPTT and what it gives up;
# 3. predict vanishing and exploding gradients from the largest singular value of $W_{rec}$ (Pascanu et al. 2013), and tell it from the spectral radius;
# 4. see an initialisation decide whether a network can learn a long memory, and train a 1-D path integrator.
#
# **Time needed:** about 50 minutes. The notebook runs top to bottom in about 30 s.

# %% tags=["parameters"]
import os

import numpy as np
import torch

from helpers import angular_integrator, bptt, delayed_recall, plotting, rnn
from helpers.checks import fallback
from helpers.checks import rnn as rnn_checks

plotting.use_lecture_style()
torch.manual_seed(0)
FULL = os.environ.get("FULL", "0") == "1"  # True: also retrain the angular integrator (about 30 s)


# %% [markdown]
# ## 1 · Backpropagation through time by hand
#
# The generic RNN of the lecture and a squared-error readout:
#
# $$x_t = W_{rec}\,\sigma(x_{t-1}) + W_{in} u_t + b, \qquad
#   \varepsilon_t = \tfrac12 \lVert W_{out}\,\sigma(x_t) - y_t \rVert^2, \qquad
#   \varepsilon = \sum_{t=1}^{T} \varepsilon_t .$$
#
# The lecture writes the gradient as a sum over *how parameters at step $k$ affect later losses*:
#
# $$\frac{\partial \varepsilon}{\partial \theta} = \sum_{t=1}^{T}\sum_{k=1}^{t}
#   \frac{\partial \varepsilon_t}{\partial x_t}\,\frac{\partial x_t}{\partial x_k}\,
#   \frac{\partial^+ x_k}{\partial \theta}.$$
#
# Computing it efficiently means carrying one vector backwards, $\delta_t = \partial\varepsilon/\partial x_t$
# (the effect of $x_t$ on the loss now *and later*):
#
# $$\delta_T = \frac{\partial \varepsilon_T}{\partial x_T}, \qquad
#   \delta_t = \frac{\partial \varepsilon_t}{\partial x_t} + \sigma'(x_t) \odot \big(W_{rec}^\top \delta_{t+1}\big),
#   \qquad \frac{\partial \varepsilon_t}{\partial x_t} = \sigma'(x_t) \odot W_{out}^\top (W_{out}\sigma(x_t) - y_t).$$
#
# Then $\partial\varepsilon/\partial W_{rec} = \sum_t \delta_t\,\sigma(x_{t-1})^\top$,
# $\partial\varepsilon/\partial W_{in} = \sum_t \delta_t u_t^\top$, $\partial\varepsilon/\partial b = \sum_t \delta_t$,
# and $\partial\varepsilon/\partial W_{out} = \sum_t (W_{out}\sigma(x_t) - y_t)\,\sigma(x_t)^\top$.
#
# ### Exercise 1 · BPTT in numpy
# `bptt.forward(params, x0, inputs)` gives you the states $x_0, \dots, x_T$ as a $(T+1, N)$ array.
# Use $\sigma = \tanh$, so $\sigma'(x) = 1 - \tanh^2(x)$.

# %% nbgrader={"grade": false, "grade_id": "bptt_manual", "locked": false, "schema_version": 3, "solution": true}
def bptt_manual(params, x0, inputs, targets):
    """Gradients of eps for the generic tanh RNN.

    params : dict with W_rec (N, N), W_in (N, K), b (N,), W_out (M, N)
    x0 : (N,), inputs : (T, K), targets : (T, M)
    Returns a dict of gradients with the same keys and shapes.
    """
    xs = bptt.forward(params, x0, inputs)          # (T + 1, N), xs[0] = x0
    ### BEGIN SOLUTION
    W_rec, W_out = params["W_rec"], params["W_out"]
    r, dr = np.tanh(xs), 1 - np.tanh(xs) ** 2
    err = r[1:] @ W_out.T - targets                # (T, M)
    T = len(inputs)
    deltas = np.zeros((T, len(x0)))
    carry = np.zeros(len(x0))
    for t in range(T - 1, -1, -1):                 # deltas[t] belongs to x_{t+1}
        deltas[t] = dr[t + 1] * (W_out.T @ err[t]) + carry
        carry = dr[t] * (W_rec.T @ deltas[t])
    return {
        "W_rec": deltas.T @ r[:-1],
        "W_in": deltas.T @ inputs,
        "b": deltas.sum(axis=0),
        "W_out": err.T @ r[1:],
    }
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_bptt_manual", "locked": true, "points": 4, "schema_version": 3, "solution": false}
rel_err = rnn_checks.check_bptt(bptt_manual)
### BEGIN HIDDEN TESTS
for _seed in (3, 4):
    _rng = np.random.default_rng(_seed)
    _p = bptt.init_params(2, 6, 3, radius=0.7 + _seed / 10, seed=_rng)
    _x0, _u, _y = _rng.standard_normal(6), _rng.standard_normal((9, 2)), _rng.standard_normal((9, 3))
    assert bptt.relative_error(bptt_manual(_p, _x0, _u, _y), bptt.autograd_gradients(_p, _x0, _u, _y)) < 1e-8
### END HIDDEN TESTS

# %% [markdown]
# Three independent answers should agree: your BPTT, `torch.autograd` (float64), and central
# finite differences $(\varepsilon(\theta + h) - \varepsilon(\theta - h))/2h$, which need no calculus at all.

# %%
my_bptt_manual = fallback(bptt_manual, bptt.bptt_gradients, check=rnn_checks.check_bptt)
rng = np.random.default_rng(0)
params = bptt.init_params(3, 8, 2, radius=1.2, seed=rng)
x0, u, y = 0.3 * rng.standard_normal(8), rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
mine, auto = my_bptt_manual(params, x0, u, y), bptt.autograd_gradients(params, x0, u, y)
fd = bptt.finite_difference_gradients(params, x0, u, y, eps=1e-6)
fd_err = max(np.max(np.abs(mine[k].flat[i] - d) / np.maximum(np.abs(d), 1e-8)) for k, (i, d) in fd.items())
print(f"relative error vs autograd: {bptt.relative_error(mine, auto):.1e};  "
      f"largest relative error vs finite differences: {fd_err:.1e}")
fig = plotting.gradient_check(mine, auto)

# %% [markdown]
# ## 2 · Truncated BPTT
#
# Long sequences make BPTT expensive in memory. *Truncated* BPTT lets each loss $\varepsilon_t$
# reach back only $K$ steps: the terms with $t - k \ge K$ are dropped (the lecture's "do not
# propagate gradients beyond this depth"). With $K \ge T$ nothing is dropped; for smaller $K$
# the error is exactly the long-range part of the gradient -- the part that carries long memories.

# %%
T = len(u)
windows = list(range(1, T + 3))
errors = [bptt.relative_error(bptt.bptt_gradients(params, x0, u, y, truncation=K), auto) for K in windows]
print(f"K = T = {T}: relative error {errors[T - 1]:.1e}")
fig = plotting.truncation_error(windows, errors, T)


# %% [markdown]
# ## 3 · Vanishing and exploding gradients
#
# The middle factor of the lecture's gradient is a product of Jacobians,
#
# $$\frac{\partial x_t}{\partial x_k} = \prod_{s=k+1}^{t} W_{rec}\,\mathrm{diag}\big(\sigma'(x_{s-1})\big),$$
#
# so its norm is at most $(\lVert W_{rec}\rVert_2\,\gamma)^{t-k}$, with $\lVert W_{rec}\rVert_2$ the
# **largest singular value** of $W_{rec}$ and $\gamma$ a bound on $|\sigma'|$ ($\gamma = 1$ for $\tanh$).
# Pascanu, Mikolov & Bengio (2013): $\lVert W_{rec}\rVert_2 < 1/\gamma$ is *sufficient* for vanishing
# gradients, and $\lVert W_{rec}\rVert_2 > 1/\gamma$ is *necessary* for exploding ones. The condition is
# on the largest singular value, not on the spectral radius $\rho$ (the largest $|\lambda|$): for a
# random matrix $\lVert W_{rec}\rVert_2 \approx 2\rho$. That products decay when $\rho < 1$ is a
# different, weaker statement: it holds for $W_{rec}^t$ only *asymptotically* ($\lVert W^t\rVert^{1/t}
# \to \rho$), and in the nonlinear network we see it *empirically*, not as the theorem.
#
# ### Exercise 2 · the Jacobian product
# Return $\lVert \partial x_t / \partial x_0 \rVert_2$ for $t = 0, \dots, T$ (the spectral norm,
# `np.linalg.norm(A, 2)`), for `sigma` either `"tanh"` or `"linear"`. At $t = 0$ the Jacobian is the identity.

# %% nbgrader={"grade": false, "grade_id": "jacobian_norms", "locked": false, "schema_version": 3, "solution": true}
def jacobian_norms(W_rec, xs, sigma="tanh"):
    """||d x_t / d x_0||_2 for t = 0..T. W_rec : (N, N), xs : (T + 1, N) states. Returns (T + 1,)."""
    ### BEGIN SOLUTION
    dsig = (lambda x: 1 - np.tanh(x) ** 2) if sigma == "tanh" else (lambda x: np.ones_like(x))
    prod = np.eye(len(W_rec))
    norms = [1.0]
    for t in range(1, len(xs)):
        prod = W_rec @ np.diag(dsig(xs[t - 1])) @ prod
        norms.append(np.linalg.norm(prod, 2))
    return np.array(norms)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_jacobian_norms", "locked": true, "points": 3, "schema_version": 3, "solution": false}
rnn_checks.check_jacobian_norms(jacobian_norms)
### BEGIN HIDDEN TESTS
_Q = rnn.random_orthogonal(5, seed=8)
_xs = np.random.default_rng(9).standard_normal((7, 5))
assert np.allclose(jacobian_norms(0.6 * _Q, _xs, "linear"), 0.6 ** np.arange(7))
_W = rnn.random_gain_matrix(5, 0.9, seed=10)
assert np.allclose(jacobian_norms(_W, _xs, "tanh"), bptt.state_jacobian_norms(_W, _xs, "tanh"))
### END HIDDEN TESTS

# %% [markdown]
# Below: random tanh networks of 64 units with spectral radius 0.5 to 1.5, driven by weak noise
# (solid), with the bound $(\lVert W_{rec}\rVert_2\gamma)^{t-k}$ (dashed; the legend gives
# $\lVert W_{rec}\rVert_2$); and in the linear orthogonal case $W = gQ$ the norm is *exactly* $g^{t-k}$.
# At radius 0.9 the bound grows, since $\lVert W_{rec}\rVert_2 > 1$, while the measured norms decay:
# the bound is true but says nothing there.

# %%
my_jacobian_norms = fallback(jacobian_norms, bptt.state_jacobian_norms, check=rnn_checks.check_jacobian_norms)
norms, bounds = {}, {}
steps = np.arange(41)
for radius in (0.5, 0.9, 1.1, 1.5):
    p = bptt.init_params(1, 64, 1, radius=radius, seed=1)
    xs = bptt.forward(p, 0.1 * np.ones(64), 0.1 * np.random.default_rng(2).standard_normal((40, 1)))
    label = f"tanh, radius {radius}, ||W||_2 = {np.linalg.norm(p['W_rec'], 2):.2f}"
    norms[label] = my_jacobian_norms(p["W_rec"], xs, "tanh")
    bounds[label] = bptt.pascanu_bound(p["W_rec"], steps)
Q = rnn.random_orthogonal(64, seed=0)
for g in (0.9, 1.1):
    norms[f"linear, W = {g}Q"] = my_jacobian_norms(g * Q, np.zeros((41, 64)), "linear")
fig = plotting.gradient_norms(norms, bounds)

# %% [markdown]
# ## 4 · A memory task that needs long gradients: delayed recall
#
# One of 8 symbols is shown at step 0, then 30 steps of noise, then a "go" cue: the network must
# name the symbol. The only learning signal is at the end, so it must travel back 31 steps.
# We train the *same* vanilla tanh RNN (64 units, Adam, gradient clipping) twice: with PyTorch's
# default initialisation (spectral radius about 0.6) and with an **orthogonal** recurrent matrix
# (all singular values 1: gradients neither vanish nor explode at the start). About 10 s.

# %%
runs = {kind: delayed_recall.train_delayed_recall(kind, delay=30, steps=1000, seed=0, progress=True)
        for kind in ("vanilla", "orthogonal")}
for kind, res in runs.items():
    print(f"{kind:>10}: accuracy {delayed_recall.recall_accuracy(res.model):.2f} (chance 0.125), {res.seconds:.1f} s")
fig = plotting.learning_curves({f"{k} init": r.losses for k, r in runs.items()}, chance=np.log(8),
                               ylabel="cross-entropy")

# %% [markdown]
# **Think!** The default-initialised network has the same architecture, data and optimiser, and
# still stays at chance. Use section 3 to explain why. Name two other remedies the lecture
# mentions, and say how each one keeps the gradient alive.

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_vanishing", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# With spectral radius ~0.6 the Jacobian product shrinks roughly like 0.6^31 ~ 1e-7, so the loss at the go
# cue barely depends on the state at step 0: the gradient that would teach the network to store
# the symbol has vanished, and the noise during the delay dominates. An orthogonal matrix keeps
# the norm of the product near 1. Gating (LSTM, GRU) adds a path along which the state is copied
# with a gate near 1 (derivative ~1), and Transformers replace the recurrence by attention to past
# inputs (feed-forward context integration), so the gradient path to step 0 is a single step.
# ### END SOLUTION

# %% [markdown]
# ## 5 · Learning 1-D path integration
#
# The head-direction version of the task of notebook 04: the network receives its angular
# velocity $\omega_t$ and must report its heading $\theta_t$ through 64 "head-direction cells"
# with von Mises tuning, starting from an encoding of the initial heading:
#
# $$g_0 = E\,p(\theta_0), \qquad g_t = \mathrm{ReLU}(J g_{t-1} + M \omega_t), \qquad \hat p_t = \mathrm{softmax}(W g_t).$$
#
# A 128-unit network trained for 1500 steps (about 25 s on one core) ships with the collection;
# `FULL = True` retrains it here. Notebook 03 opens up its recurrent weights $J$.

# %%
if FULL:
    integrator = angular_integrator.train_angular_integrator(progress=True)
else:
    integrator = angular_integrator.load_angular_integrator()
omega, theta = angular_integrator.heading_trajectories(3, 20, seed=11)
with torch.no_grad():
    logits, _ = integrator.model(torch.from_numpy(omega), angular_integrator.head_direction_code(theta[:, 0]))
err20 = angular_integrator.heading_error_deg(integrator.model, T=20)
err50 = angular_integrator.heading_error_deg(integrator.model, T=50)
print(f"mean heading error: {err20:.1f} deg over 20 steps (trained length), {err50:.1f} deg over 50 steps")
fig = plotting.heading_tracking(theta, angular_integrator.decode_heading(logits))

# %% [markdown]
# **Think!** The error grows when the network runs for longer than it was trained for. Why must
# any path integrator, biological or artificial, accumulate error without external cues? What
# did the training procedure do to make the error small only up to 20 steps?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_drift", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Path integration sums velocity: every small error in each increment (noise, imperfect weights)
# is added up and never corrected, so the heading estimate performs a random walk whose error
# grows with time; landmarks (visual cues) are needed to reset it. BPTT only optimised the loss on
# sequences of 20 steps, so nothing penalised slow drift beyond that horizon: the attractor that
# holds the heading is only approximately continuous, and its imperfections show at longer times.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# * BPTT is the chain rule on the unrolled network: one backward sweep of
#   $\delta_t = \partial\varepsilon_t/\partial x_t + \sigma'(x_t)\odot W_{rec}^\top\delta_{t+1}$ gives every gradient.
#   Check it against autograd and finite differences.
# * $\partial x_t/\partial x_k$ is a product of $t-k$ Jacobians: a largest singular value
#   $\lVert W_{rec}\rVert_2 < 1/\gamma$ guarantees that gradients vanish exponentially, and only
#   above $1/\gamma$ can they explode (exactly $g^{t-k}$ for $W = gQ$, where all singular values are $g$).
#   Decay for spectral radius $< 1$ is asymptotic and, in the tanh network, an observation.
# * Initialisation (orthogonal), gating (LSTM/GRU) and attention keep long-range gradients alive.
# * Trained on velocity inputs, an RNN learns to path-integrate -- the starting point of the
#   task-driven models of notebooks 03-05.
