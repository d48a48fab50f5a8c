# %% [markdown]
# # 03 · Engineering head-direction path integration: the ring attractor
#
# **Learning objectives.** After this notebook you can
#
# 1. build the circulant "Mexican-hat" connectivity of a ring network and explain why it
#    holds a bump of activity that stays where it is put (a continuous attractor);
# 2. predict the width of the bump from the connectivity alone and check it in simulation;
# 3. make the bump move with an angular-velocity input in two ways -- Zhang's shifted kernel
#    and the fly-like double ring -- and measure how the speed depends on the input;
# 4. path-integrate a head-direction trajectory, and see why errors grow (the bump diffuses);
# 5. compare an engineered kernel with the weights a trained network found by itself.
#
# **Time needed:** about 75 minutes (the notebook runs in well under a minute).
#
# **The lecture idea.** *How do we engineer a neural system that integrates velocity into a
# position?* Answer: a ring attractor -- neurons on a circle with **local excitation and
# mid-range inhibition** (the Mexican hat). Later in the course we ask whether networks
# *trained* to path-integrate find the same circuit.

# %% tags=["parameters"]
import os

import numpy as np

from helpers import plotting, ring, ring_analysis, ring_learned, ring_paths, widgets
from helpers.checks import fallback
from helpers.checks import ring as ring_checks

plotting.use_lecture_style()
FULL = os.environ.get("FULL", "0") == "1"  # FULL=1: longer runs, more trials
N = 128                                # neurons on the ring

# %%
TAU, DT = ring.TAU, ring.DT            # 10 ms time constant, 0.5 ms Euler step
theta = ring.preferred_directions(N)   # preferred directions 2 pi i / N (radians)
print(f"FULL = {FULL}; one lattice step = {360 / N:.2f} deg")


# %% [markdown]
# ## 1 · A ring with a Mexican hat
#
# Each neuron $i$ prefers a head direction $\theta_i = 2\pi i/N$. The simplest ring
# (Ben-Yishai, Bar-Or & Sompolinsky 1995) connects neurons by the cosine of their difference:
#
# $$W_{ij} = \frac{1}{N}\bigl(J_0 + J_1 \cos(\theta_i - \theta_j)\bigr).$$
#
# With $J_0 < 0$ (uniform inhibition) and $J_1 > 0$ (tuned excitation), neurons with similar
# preferences excite each other and neurons far apart inhibit each other: a Mexican hat on a
# circle. $W_{ij}$ depends only on $\theta_i - \theta_j$, so $W$ is **circulant** -- the ring
# looks the same from every neuron.
#
# ### Exercise 1 · the cosine ring
#
# Write `mexican_hat(n, j0, j1)` that returns the $(n, n)$ matrix above.

# %% nbgrader={"grade": false, "grade_id": "mexican_hat", "locked": false, "schema_version": 3, "solution": true}
def mexican_hat(n, j0, j1):
    """Cosine ring connectivity W[i, j] = (j0 + j1 cos(theta_i - theta_j)) / n.

    n : number of neurons; theta_i = 2 pi i / n.  Returns W : (n, n).
    """
    ### BEGIN SOLUTION
    th = 2 * np.pi * np.arange(n) / n
    return (j0 + j1 * np.cos(th[:, None] - th[None, :])) / n
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mexican_hat", "locked": true, "points": 2, "schema_version": 3, "solution": false}
ring_checks.check_mexican_hat(mexican_hat)
### BEGIN HIDDEN TESTS
for _n, _j0, _j1 in [(7, -1.0, 3.0), (33, -4.0, 9.5), (3, 0.0, 1.0)]:
    np.testing.assert_allclose(mexican_hat(_n, _j0, _j1), ring.cosine_weights(_n, _j0, _j1), rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS

# %%
my_mexican_hat = fallback(mexican_hat, ring.cosine_weights, check=ring_checks.check_mexican_hat)
W = my_mexican_hat(N, ring.BEN_YISHAI_J0, ring.BEN_YISHAI_J1)   # J0 = -2, J1 = 6
W_vm = ring.von_mises_weights(N)   # another Mexican hat: difference of von Mises bumps (Kim et al. 2017)
fig = plotting.ring_connectivity(W, others={"difference of von Mises": W_vm}, title="cosine ring, J0=-2, J1=6")


# %% [markdown]
# Red is excitation, blue inhibition. The cosine kernel excites neighbours within about
# $\pm 70^\circ$ and inhibits the rest; the difference of von Mises bumps (dashed) is a
# sharper Mexican hat with local excitation and inhibition strongest at mid range.

# %% [markdown]
# ## 2 · A bump forms from noise, and stays
#
# The neurons are threshold-linear rate units driven by a uniform input $I$:
#
# $$\tau \frac{dr_i}{dt} = -r_i + \Bigl[\sum_j W_{ij} r_j + I_i\Bigr]_+ ,
# \qquad [x]_+ = \max(x, 0).$$
#
# We integrate it with forward Euler: $r(t + \Delta t) = r(t) + \frac{\Delta t}{\tau}\bigl(-r(t) + [W r(t) + I]_+\bigr)$.
#
# ### Exercise 2 · one Euler step
#
# Write `ring_step(r, W, I, tau, dt)`, one Euler step.

# %% nbgrader={"grade": false, "grade_id": "ring_step", "locked": false, "schema_version": 3, "solution": true}
def ring_step(r, W, I, tau, dt):
    """One Euler step of tau dr/dt = -r + [W r + I]_+.

    r : (N,) rates now; W : (N, N); I : (N,) input; tau, dt in seconds.  Returns the new (N,) rates.
    """
    ### BEGIN SOLUTION
    return r + dt / tau * (-r + np.maximum(W @ r + I, 0.0))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ring_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
ring_checks.check_ring_step(ring_step)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
_W = ring.von_mises_weights(9)
_r, _I = _rng.random(9), _rng.normal(size=9)
np.testing.assert_allclose(ring_step(_r, _W, _I, 0.02, 0.003), ring.euler_step(_r, _W, _I, 0.02, 0.003), rtol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# Start from weak random rates, with the uniform input $I = 1$, and let the ring run for
# 300 ms with your step:

# %%
my_ring_step = fallback(ring_step, ring.euler_step, check=ring_checks.check_ring_step)
r = 0.1 * np.random.default_rng(0).random(N)
history = []
for _ in range(int(0.3 / DT)):
    r = my_ring_step(r, W, np.ones(N), TAU, DT)
    history.append(r)
fig = plotting.bump_over_time(np.array(history), DT, title="a bump forms from noise")

# %% [markdown]
# Small fluctuations that happen to favour one direction are amplified by the tuned
# excitation, while the uniform inhibition suppresses everything else: a **bump** forms, at a
# random place. Now a longer experiment (with `ring.simulate`): after 0.3 s a cue (a landmark,
# say) appears 90° away from the bump for 0.2 s, then it is removed.

# %%
rates, cue_angle = ring_analysis.cue_experiment(W, cue_offset=np.pi / 2, t_cue=(0.3, 0.5), duration=1.0, seed=0)
decoded = ring.population_vector(rates, theta)
fig = plotting.bump_over_time(rates, DT, theta, events=[(0.3, 0.5, "cue on")], decoded=decoded)
print(f"cue at {np.rad2deg(cue_angle) % 360:.1f} deg; bump at 0.55 s: {np.rad2deg(decoded[int(0.55 / DT)]) % 360:.1f} deg, "
      f"at 1.0 s: {np.rad2deg(decoded[-1]) % 360:.1f} deg (angles in 0-360, as on the figure's axis)")


# %% [markdown]
# The cue drags the bump towards it (in 0.2 s it gets within a few degrees; a longer cue would
# finish the trip), and when the cue is gone **the bump stays** where it was left: every
# position on the ring is a stable state, so the network *remembers* a direction without any
# input telling it where. That is a continuous (ring) attractor. The cyan line decodes the
# position with the **population vector**, the direction of $\sum_i r_i e^{i\theta_i}$.
#
# ### Exercise 3 · the population vector
#
# Write `population_vector(rates, theta)` returning that angle in radians,
# for rates of shape `(N,)` or `(T, N)` (one angle per row).

# %% nbgrader={"grade": false, "grade_id": "population_vector", "locked": false, "schema_version": 3, "solution": true}
def population_vector(rates, theta):
    """Direction (radians) of sum_i r_i exp(i theta_i), over the last axis of rates (..., N)."""
    ### BEGIN SOLUTION
    rates = np.asarray(rates, dtype=float)
    return np.arctan2(rates @ np.sin(theta), rates @ np.cos(theta))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_population_vector", "locked": true, "points": 1, "schema_version": 3, "solution": false}
ring_checks.check_population_vector(population_vector)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(5)
_th = ring.preferred_directions(40)
_R = _rng.random((6, 40))
np.testing.assert_allclose(np.cos(population_vector(_R, _th) - ring.population_vector(_R, _th)), 1.0, atol=1e-9)
### END HIDDEN TESTS

# %%
my_population_vector = fallback(population_vector, ring.population_vector, check=ring_checks.check_population_vector)
print(f"decoded at the end: {np.rad2deg(my_population_vector(rates[-1], theta)) % 360:.1f} deg")

# %% [markdown]
# ## 3 · How wide is the bump?
#
# Inside the bump the dynamics are linear, so the steady bump is a truncated cosine,
# $r(\theta) = A\,(\cos(\theta - \psi) - \cos\theta_c)_+$. Putting it back into the
# equations, the cosine part of the recurrent input must reproduce the bump exactly, which
# fixes the half-width $\theta_c$:
#
# $$\frac{J_1}{2\pi}\bigl(\theta_c - \sin\theta_c \cos\theta_c\bigr) = 1 .$$
#
# $J_0$ and $I$ drop out: they only set the amplitude $A = -I/(\cos\theta_c + J_0 g_0)$ with
# $g_0 = (\sin\theta_c - \theta_c\cos\theta_c)/\pi$, which stays finite only if
# $J_0 < -\cos\theta_c / g_0$. The left-hand side is at most $J_1/2$ (at $\theta_c = \pi$), so
# a bump needs $J_1 > 2$.
#
# ### Exercise 4 · the half-width from theory
#
# Write `half_width_theory(j1)` that solves this equation for
# $\theta_c \in (0, \pi)$ (hint: `scipy.optimize.brentq`).

# %% nbgrader={"grade": false, "grade_id": "half_width_theory", "locked": false, "schema_version": 3, "solution": true}
from scipy.optimize import brentq


def half_width_theory(j1):
    """Half-width theta_c (radians) solving j1 (x - sin x cos x) / (2 pi) = 1, for j1 > 2."""
    ### BEGIN SOLUTION
    return brentq(lambda x: j1 * (x - np.sin(x) * np.cos(x)) / (2 * np.pi) - 1.0, 1e-9, np.pi)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_half_width_theory", "locked": true, "points": 2, "schema_version": 3, "solution": false}
ring_checks.check_half_width_theory(half_width_theory)
### BEGIN HIDDEN TESTS
for _j1 in (2.2, 3.7, 15.0):
    assert abs(half_width_theory(_j1) - ring_analysis.bump_half_width_theory(_j1)) < 1e-6
### END HIDDEN TESTS

# %% tags=["nbval-check-output"]
my_half_width_theory = fallback(half_width_theory, ring_analysis.bump_half_width_theory, check=ring_checks.check_half_width_theory)
theta_c = my_half_width_theory(6.0)
measured = ring_analysis.measure_half_width(rates[-1])
print(f"half-width: theory {np.rad2deg(theta_c):.2f} deg, simulated {np.rad2deg(measured):.2f} deg "
      f"(difference {abs(np.rad2deg(theta_c - measured)):.2f} deg; one lattice step = {360 / N:.2f} deg)")
fig = plotting.bump_profile(rates[-1], theta, theta_c=theta_c, peak=ring_analysis.bump_amplitude_theory(-2.0, 6.0, 1.0))

# %% [markdown]
# Now sweep $J_1$ (with $J_0 = -5$ so that the bump stays finite up to $J_1 = 10$). Below
# $J_1 = 2$ the uniform state wins: **no bump forms**.

# %%
j1_sim = np.array([1.0, 1.5, 1.9, 2.2, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0])
hw_sim = ring_analysis.half_width_sweep(j1_sim, n=N, j0=-5.0)
j1_th = np.linspace(2.05, 10.5, 200)
hw_th = np.array([my_half_width_theory(j) for j in j1_th])
fig = plotting.half_width_vs_j1(j1_sim, hw_sim, j1_th, hw_th, lattice_deg=360 / N)
ok = np.isfinite(hw_sim)
worst = np.max(np.abs(hw_sim[ok] - [ring_analysis.bump_half_width_theory(j) for j in j1_sim[ok]]))
print(f"largest |simulated - theory| for J1 > 2: {np.rad2deg(worst):.2f} deg; no bump for J1 = {j1_sim[~ok]}")


# %% [markdown]
# **Think!** The width of the bump does not depend on $J_0$ nor on the strength of the input
# $I$, only on $J_1$. Why, in words? And what would a neuroscientist expect to change when
# the animal's arousal raises the input to all head-direction cells?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_width", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Above threshold the network is linear, so scaling the input scales the whole bump: the
# uniform input and the uniform coupling J0 only move the mean level, which sets the
# amplitude A. Where the bump ends is where the tuned (cosine) feedback exactly balances the
# leak, and the cosine part of the feedback depends only on J1 and on the shape of the
# truncated cosine. So the tuning width is a property of the connectivity: more arousal
# (more uniform input) gives a taller bump of the same width. This is the contrast-invariant
# tuning for which Ben-Yishai et al. first built the model (orientation tuning in V1): the
# prediction is that gain changes scale the rates of head-direction cells but leave their
# tuning width unchanged.
# ### END SOLUTION

# %% [markdown]
# ## 4 · Making the bump move
#
# An integrator must turn angular velocity $\omega$ into a movement of the bump.
#
# **Zhang (1996).** Add to the symmetric kernel its derivative: $W + \gamma W'$ with
# $W'_{ij} = w'(\theta_i - \theta_j)$. To first order this is the kernel shifted by $-\gamma$,
# so each neuron excites the neurons slightly to one side of itself and the bump travels.
# Projecting the dynamics on the bump's translation mode gives the speed
#
# $$\omega = -\gamma / \tau ,$$
#
# independent of the kernel's shape. On the lattice we take the derivative along the
# postsynaptic index with a central difference:
# $W'_{ij} = (W_{i+1,j} - W_{i-1,j}) / (2\,\Delta\theta)$, indices modulo $N$, $\Delta\theta = 2\pi/N$.
#
# ### Exercise 5 · Zhang's shifted kernel
#
# Write `shift_weights(W, gamma)` returning $W + \gamma W'$.

# %% nbgrader={"grade": false, "grade_id": "shift_weights", "locked": false, "schema_version": 3, "solution": true}
def shift_weights(W, gamma):
    """Zhang's velocity-shifted connectivity W + gamma W' (central difference along rows)."""
    ### BEGIN SOLUTION
    n = W.shape[0]
    W_prime = (np.roll(W, -1, axis=0) - np.roll(W, 1, axis=0)) / (2 * 2 * np.pi / n)
    return W + gamma * W_prime
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_shift_weights", "locked": true, "points": 2, "schema_version": 3, "solution": false}
ring_checks.check_shift_weights(shift_weights)
### BEGIN HIDDEN TESTS
_W = ring.von_mises_weights(20)
np.testing.assert_allclose(shift_weights(_W, -0.3), ring.zhang_weights(_W, -0.3), rtol=1e-8, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# Sweep $\gamma$ with your function and measure the bump speed (slope of the unwrapped
# population vector):

# %%
my_shift_weights = fallback(shift_weights, ring.zhang_weights, check=ring_checks.check_shift_weights)
gammas = np.linspace(-0.2, 0.2, 9)
omega_zhang = ring_analysis.zhang_speed_sweep(gammas, n=N, shift=my_shift_weights)
slope, intercept, r2 = ring_analysis.linear_fit(gammas, omega_zhang)
print(f"Zhang: slope {slope:.2f} rad/s per rad (theory -1/tau = {-1 / TAU:.0f}; "
      f"{100 * abs(slope * TAU + 1):.2f}% off), R^2 = {r2:.6f}")

# %% [markdown]
# **The double ring (Xie, Hahnloser & Seung 2002).** In the fly's central complex the shift is
# done by two populations of P-EN neurons, one per side of the brain, that receive angular
# velocity with opposite signs and project with offsets of opposite sign (Green et al. 2017;
# Turner-Evans et al. 2017). Model: a left ring and a right ring at the same preferred
# directions, with inputs $b_0 \mp v$, and a neuron of ring $s = \mp 1$ at $\theta_j$ excites
# both rings around $\theta_j + s\phi$:
#
# $$W_{i,(j,s)} = \frac{1}{2N}\bigl(J_0 + J_1\cos(\theta_i - \theta_j - s\phi)\bigr).$$
#
# With $v = 0$ the two shifts cancel: an effective cosine ring with $J_1\cos\phi$, half-width
# $\theta_c$ and amplitude $A$. A small $v$ makes the right ring more active than the left;
# their difference acts through the odd part $J_1\sin\phi\,\sin(\theta_i - \theta_j)$ of the
# kernels, and the same projection as for Zhang's ring gives a linear speed $\omega = k v$ with
#
# $$k = \frac{J_1 \sin\phi\,\sin\theta_c}{\pi A \tau}.$$
#
# ($J_0 = -2.5$, $J_1 = 6$, $b_0 = 1$, $\phi = 30^\circ$, 128 neurons per ring.)

# %%
v = np.array([-1.0, -0.5, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 2.0, 2.5, 3.0])
omega_double = ring_analysis.double_ring_speed_sweep(v, n=N)
k = ring_analysis.double_ring_gain_theory()
sat = ring_analysis.double_ring_saturation()
lin = np.abs(v) <= 1.2
_, _, r2_double = ring_analysis.linear_fit(v[lin], omega_double[lin])
print(f"double ring: gain theory k = {k:.2f} rad/s per unit v; measured omega/v over |v| <= 1.2: "
      f"{(omega_double[lin] / v[lin]).min():.2f} .. {(omega_double[lin] / v[lin]).max():.2f} "
      f"(within {100 * np.max(np.abs(omega_double[lin] / v[lin] / k - 1)):.1f}%), R^2 = {r2_double:.5f}")
print(f"saturation: speed at v = 3 is {omega_double[-1]:.1f} rad/s; tan(phi)/tau = {sat['omega_max']:.1f} rad/s, "
      f"reached by the linear law at v = {sat['v_linear_end']:.2f}")
fig = plotting.velocity_tuning(gammas, omega_zhang, TAU, v, omega_double, k, sat["omega_max"])

# %% [markdown]
# **Think!** Beyond $v \approx 1.5$ the double ring stops speeding up, and its top speed is
# close to $\tan\phi/\tau$. Explain where this limit comes from. (Hint: what is the input of
# the left ring when $v > b_0$, and what does a single ring with a kernel shifted by $\phi$
# look like in Zhang's language?)

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_saturation", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# The left ring receives b0 - v. Once v is large enough that even the recurrent excitation
# at the bump's peak cannot lift it above threshold, the left ring falls silent. Only the
# right ring drives the bump, through kernels all shifted by +phi:
# J0 + J1 cos(x - phi) = J0 + J1 cos(phi) cos(x) + J1 sin(phi) sin(x), i.e. a symmetric kernel
# plus gamma W' with gamma = -tan(phi). Zhang's result then gives omega = tan(phi)/tau. More
# v only scales the right ring's bump up (the network is linear above threshold) and cannot
# shift it further, so the speed saturates. The linear range ends where k v reaches this
# limit; to turn faster one needs a larger phi or a faster tau.
# ### END SOLUTION

# %% [markdown]
# ## 5 · Path integration -- and why it drifts
#
# Feed a random head-direction trajectory into the double ring as $v(t) = \omega(t)/k$, start
# the bump at the true heading with a brief cue, and decode it. The angular velocity is a
# smooth random process (standard deviation 2 rad/s, correlation time 0.3 s). We add input
# noise to each neuron (`noise_std`, white in time) in a second run.

# %%
duration = 30.0 if FULL else 10.0
n_trials = 40 if FULL else 10
NOISE = 0.15
omega, heading = ring_paths.random_head_direction(duration, DT, omega_std=2.0, correlation_time=0.3, seed=1)
clean, true = ring_paths.path_integrate(omega, n_trials=1, noise_std=0.0, n=N, seed=0)
noisy, _ = ring_paths.path_integrate(omega, n_trials=n_trials, noise_std=NOISE, n=N, seed=1)
t = np.arange(1, len(true) + 1) * 10 * DT
fig = plotting.path_integration(t, true, clean, noisy, noise_std=NOISE)
err_clean = np.rad2deg(np.abs(ring.wrap(clean[:, 0] - true)))
err_noisy = np.rad2deg(np.sqrt(np.mean(ring.wrap(noisy - true[:, None]) ** 2, axis=1)))
print(f"without noise: max error {err_clean.max():.2f} deg over {duration:.0f} s; "
      f"with noise: RMS error {err_noisy[len(t) // 10]:.1f} deg at {t[len(t) // 10]:.0f} s, {err_noisy[-1]:.1f} deg at the end")

# %% [markdown]
# Without noise the ring follows the heading to within a few degrees, and the error does not
# grow: it comes from the bump lagging the heading by about one time constant (an error of
# about $\omega\tau$).
# With noise the error grows: nothing pulls the bump back to the truth, because **every**
# position is equally stable. The bump performs a random walk, so its variance should grow
# linearly in time, $\mathrm{Var}\,\theta(t) = 2Dt$. Check it with many noisy trials of a
# stationary bump (single cosine ring):

# %%
t_d, var_d = ring_paths.bump_diffusion(0.1, n_trials=300 if FULL else 100, duration=2.0, n=N, seed=3)
slope_d, intercept_d, r2_d = ring_analysis.linear_fit(t_d, var_d)
print(f"Var theta = {slope_d:.2e} t + {intercept_d:.1e} rad^2, R^2 = {r2_d:.3f}")
fig = plotting.bump_diffusion(t_d, var_d, slope_d, intercept_d)

# %% [markdown]
# **Think!** Flies and rodents path-integrate for minutes, yet the diffusion above would
# destroy the estimate. What does the animal need in addition, and how would you add it to
# the model (you already used it once in this notebook)?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_drift", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# The integrator accumulates noise like any integrator, so it needs occasional absolute
# information: landmarks. A visual cue that excites the neurons of the seen direction (the
# cue input of section 2) pulls the bump back, resetting the error. In the fly, ring neurons
# carry visual landmark information onto the E-PG ring and their synapses are plastic, so the
# map from scene to bump position is learned; in rodents visual landmarks anchor the
# head-direction cells, and in darkness their preferred directions drift.
# ### END SOLUTION

# %% [markdown]
# ## 6 · Explore
#
# Move the sliders: the uniform coupling $J_0$, the tuned coupling $J_1$, the input noise,
# and the angular velocity asked from Zhang's shift ($\gamma = -\tau\omega$). Find the three
# regimes: no bump ($J_1 < 2$), a bump, and runaway activity ($J_0$ too large). How does the
# measured speed follow the requested one when the noise grows?

# %%
widgets.ring_explorer(n=N, duration=1.0)


# %% [markdown]
# ## 7 · The bridge to learning: does a trained network find a Mexican hat?
#
# In notebook 02 a recurrent network was *trained* to integrate angular velocity, with no
# ring built in. To compare its recurrent weights with our kernel we must first give each
# unit a place on the ring: its **preferred direction**, read from its activity over many
# head directions. Sorting the units by preferred direction and averaging $W_{ij}$ over all
# pairs with the same difference $\theta_i - \theta_j$ gives the network's **average
# connectivity profile** (the 1-D version of the analysis of Sorscher et al. 2023, which we
# will do in 2-D in notebook 05).
#
# ### Exercise 6 · the offset profile
#
# Write `offset_profile(W, pd, n_bins)`: for every pair $(i, j)$ take the
# offset $d_{ij} = \mathrm{wrap}(\mathrm{pd}_i - \mathrm{pd}_j)$ in $[-\pi, \pi)$, put it in
# bin $k = \mathrm{round}((d_{ij} + \pi)/w) \bmod n_\text{bins}$ with $w = 2\pi/n_\text{bins}$,
# and return the bin centres $-\pi + k w$ and the mean of $W_{ij}$ in each bin.

# %% nbgrader={"grade": false, "grade_id": "offset_profile", "locked": false, "schema_version": 3, "solution": true}
def offset_profile(W, pd, n_bins):
    """Mean W[i, j] by preferred-direction offset pd[i] - pd[j]; returns (centres, profile), each (n_bins,)."""
    ### BEGIN SOLUTION
    w = 2 * np.pi / n_bins
    d = ring.wrap(pd[:, None] - pd[None, :])
    k = np.round((d + np.pi) / w).astype(int) % n_bins
    profile = np.array([W[k == b].mean() if np.any(k == b) else np.nan for b in range(n_bins)])
    return -np.pi + np.arange(n_bins) * w, profile
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_offset_profile", "locked": true, "points": 2, "schema_version": 3, "solution": false}
ring_checks.check_offset_profile(offset_profile)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(8)
_W, _pd = _rng.normal(size=(30, 30)), _rng.uniform(-np.pi, np.pi, 30)
_c, _p = offset_profile(_W, _pd, 10)
_cr, _pr = ring_learned.offset_profile(_W, _pd, 10)
np.testing.assert_allclose(_c, _cr, atol=1e-12)
np.testing.assert_allclose(_p, _pr, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# First a test we know the answer of: shuffle the neurons of our engineered ring, so that its
# matrix looks like noise, and recover the kernel from the units' tuning alone.

# %%
my_offset_profile = fallback(offset_profile, ring_learned.offset_profile, check=ring_checks.check_offset_profile)
perm = np.random.default_rng(0).permutation(N)
W_shuffled = W[np.ix_(perm, perm)]
headings = np.linspace(-np.pi, np.pi, 180, endpoint=False)
activity = np.maximum(np.cos(headings[:, None] - theta[perm][None, :]) - np.cos(theta_c), 0)  # bump tuning
pd, strength = ring_learned.preferred_directions_from_activity(activity, headings)
centres, profile = my_offset_profile(W_shuffled, pd, N)
true_offsets, true_kernel = ring.kernel_profile(W)
print(f"largest error of the recovered kernel: {np.nanmax(np.abs(profile - true_kernel)):.2e}")

# %% [markdown]
# Now the network trained in notebook 02: $g_t = \mathrm{ReLU}(J g_{t-1} + M \omega_t)$, started
# from a code of the initial heading and read out by head-direction cells. We record its units
# on fresh trajectories, give each its preferred direction, keep the tuned ones, and average
# $J$ by offset (self-connections apart: they would swamp the zero-offset bin).

# %%
from helpers import angular_integrator

net = angular_integrator.load_angular_integrator()   # the small network shipped in data/
learned = ring_learned.learned_ring_profile(net, n_bins=36)
fig = plotting.learned_vs_engineered(learned, W)
near = (np.abs(learned["offsets"]) <= np.deg2rad(60)) & (learned["offsets"] != 0)
far = np.abs(learned["offsets"]) >= np.deg2rad(120)
print(f"{len(learned['order'])} tuned units; self-connection {learned['self_weight']:.2f}; mean weight to units "
      f"within 60 deg {np.nanmean(learned['profile'][near]):+.3f}, beyond 120 deg {np.nanmean(learned['profile'][far]):+.3f}")

# %% [markdown]
# **Think!** Describe the learned profile: is there local excitation and inhibition further
# away? Where does it differ from the engineered kernel (self-connection, asymmetry, the
# spread of the points)? What in the training (task, architecture, regularisation) could make
# a network find -- or miss -- a Mexican hat?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_learned", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# The learned profile is a Mexican hat of a kind: strong self-excitation, weak excitation
# between units whose preferred directions are within about 60 degrees, and inhibition that
# grows with the difference, strongest for opposite directions. Differences from the
# engineered ring: the self-connection carries most of the local excitation (partly inherited
# from the identity initialisation of J, which already makes each unit a memory), the
# excitatory lobe is weak and flat, the points scatter because units are few, unevenly spread
# and differently tuned, and the profile need not be symmetric -- an odd part, like Zhang's
# gamma W', is one way velocity can move the activity (here the velocity input M also does it,
# by driving units differently). What favours a Mexican hat: a task that needs a persistent
# angle estimate over long sequences, a nonlinearity that keeps activity non-negative and
# local (ReLU), enough units, and weight decay on J that removes what is not needed. A gated
# network or a linear code (cos, sin) can solve the task without any bump, so the answer
# depends on these constraints -- the question of notebook 05, in 2-D.
# ### END SOLUTION

# %% [markdown]
# ## 8 · A ring in the fly, and a ring versus a register
#
# In the *Drosophila* ellipsoid body the E-PG neurons form a real ring: a single bump of
# activity tracks the fly's heading as it turns, also in darkness (Seelig & Jayaraman 2015).
# Kim, Rouault, Druckmann & Jayaraman (2017) tested whether this circuit is a ring attractor:
# the bump persists without input, there is only ever one, and when neurons elsewhere on the
# ring are stimulated optogenetically the bump either flows or jumps there, depending on the
# distance -- as an attractor with local excitation and broad inhibition predicts. Their
# models used 256 neurons and the kernels of this notebook (cosine, difference of von Mises).

# %% [markdown]
# **Think!** A CPU stores a heading in a register: a number that is exact until overwritten.
# List three things the ring attractor predicts that a register does not -- things you could
# test in an experiment like Kim et al.'s.

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_register", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# (1) One bump, of fixed width: the width is set by the connectivity, not by the heading or
# the input strength; two bumps cannot coexist. (2) Persistence without input but slow
# diffusion: in darkness the estimate random-walks, variance growing linearly with time
# (a register does not drift). (3) Continuous dynamics of updates: the bump moves smoothly
# with a speed proportional to angular velocity (and saturating at high speeds), and lags by
# about a time constant; a register jumps to the new value. (4) Response to stimulation at
# another place: a nearby stimulus drags the bump, a distant one makes it jump or is ignored
# -- an attractor "competes", a register is simply overwritten. (5) Graceful degradation:
# silencing a few neurons distorts or pins the bump locally rather than corrupting a bit.
# (6) Structure: neurons with similar preferred directions are connected more strongly (a
# Mexican hat), the code is distributed over the population, and the same circuit computes
# and stores -- no separate memory and processor.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# - **Local excitation and mid-range inhibition** (a Mexican hat on a ring) turn a network into
#   a continuous attractor: a bump forms from noise and stays wherever it is put.
# - The bump's **width is set by the connectivity alone** ($J_1$), not by the input; below
#   $J_1 = 2$ there is no bump.
# - **Path integration** = moving the bump with velocity: an antisymmetric part of the kernel
#   (Zhang's $\gamma W'$, or two rings with shifted projections as the fly's P-EN neurons)
#   gives a speed linear in the input, up to a saturation set by the shift.
# - Because every position is stable, noise makes the bump **diffuse** (variance linear in
#   time): path integration needs landmarks to stay calibrated.
# - Trained networks can be read the same way -- sort by preferred direction, average by
#   offset -- and we can ask whether learning finds the engineered circuit (notebooks 04-05).
# - Unlike a CPU register, an attractor computes and stores in the same distributed circuit,
#   and makes testable predictions (one bump, drift, dragging, smooth updates).
