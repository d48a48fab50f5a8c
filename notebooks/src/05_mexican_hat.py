# %% [markdown]
# # 05 · Are engineered and learned path integrators the same circuit?
#
# **Learning objectives.** After this notebook you can
#
# 1. simulate a hand-designed continuous attractor for grid cells (Burak & Fiete 2009): a
#    Mexican hat on a neural sheet, and a velocity input that slides its pattern;
# 2. explain why a parameter set from a paper can give *no* pattern at all (linear stability);
# 3. put the units of a *trained* network (notebook 04) on a neural sheet by their spatial phases,
#    and read off their average outgoing connectivity;
# 4. find the shift circuit in both networks and compare them side by side.
#
# **Time needed:** about 60 minutes (the notebook runs in well under a minute and a half).
#
# **The lecture idea.** Notebook 03 *engineered* a ring attractor; notebook 04 *learned* grid
# cells by training a network to path-integrate. The lecture claims that, implicitly, the trained
# model learns **Mexican-hat connectivity** and a **shift circuit** -- the hand-designed solution.
# Here both columns of that comparison are computed, not drawn.

# %% tags=["parameters"]
import os

import numpy as np

from helpers import grid_evaluation, lattice, plotting, sheet, sheet_analysis
from helpers.checks import fallback
from helpers.checks import sheet as sheet_checks
from helpers.torch_setup import use_threads

plotting.use_lecture_style()
use_threads()
FULL = os.environ.get("FULL", "0") == "1"  # FULL=1: the paper's 128 x 128 sheet, more paths

# %%
N = sheet.N_PAPER if FULL else sheet.N_DEFAULT   # neurons per side of the hand-designed sheet
print(f"FULL = {FULL}; hand-designed sheet {N} x {N}")

# %% [markdown]
# ## 1 · A hand-designed grid-cell network: the Burak-Fiete sheet
#
# Neurons sit on an $n \times n$ sheet (periodic: a torus). Neuron $i$ at $x_i$ prefers one of
# four directions $e_i$ (E, N, W, S, tiled in $2\times2$ blocks). Rates follow
#
# $$\tau \frac{ds_i}{dt} = -s_i + \Bigl[\sum_j W_{ij} s_j + B_i\Bigr]_+, \qquad
# W_{ij} = W_0(x_i - x_j - l\,e_j), \qquad B_i = A\,(1 + \alpha\, e_i\cdot v),$$
#
# $$W_0(x) = a\,e^{-\gamma |x|^2} - e^{-\beta |x|^2}.$$
#
# $W_0$ is a Mexican hat (here $a = 1$: purely inhibitory, weakest nearby, strongest at mid
# range). Each neuron's outgoing weights are shifted by $l = 2$ neurons along its preferred
# direction; the velocity $v$ (m/s) favours the neurons that point along $v$. $W$ is never built as
# an $n^2 \times n^2$ matrix: $W s$ is four convolutions, done with FFTs.
#
# **A pitfall.** The paper's $\gamma = 1.05\,\beta$ with a plain ReLU gives *no pattern*: a small
# ripple on the uniform state grows only if its gain exceeds 1.

# %%
for label, gamma in [("paper, gamma = 1.05 beta", sheet.GAMMA_PAPER), ("here,  gamma = 1.10 beta", sheet.GAMMA)]:
    gain, wavelength = sheet.linear_gain(gamma=gamma)
    print(f"{label}: largest gain {gain:.3f} -> {'pattern forms' if gain > 1 else 'uniform state is stable'}"
          f" (fastest mode: wavelength {wavelength:.1f} neurons)")

flat = sheet.simulate(sheet.Sheet(N, gamma=sheet.GAMMA_PAPER), 0.3, seed=0).final[0]
print(f"paper's gamma after 300 ms: activity varies by {flat.std():.1e} across the sheet (no pattern)")

# %% [markdown]
# The authors' own code escaped this by multiplying the rectified input by a gain (and a faster
# $\tau$); we keep the unit-slope ReLU and use $\gamma = 1.1\,\beta$. Now start from noise:

# %% tags=["nbval-check-output"]
bf = sheet.Sheet(N)
formation = sheet.simulate(bf, 0.3, seed=0, record_every=0.05)
fig = plotting.pattern_formation_figure(formation.rates[:, 0], formation.times,
                                        title="a hexagonal pattern forms from noise (hand-designed sheet)")
rest = formation.final[0]
print(f"pattern wavelength: {sheet.pattern_period(rest):.1f} neurons")

# %% [markdown]
# When the animal runs, the pattern slides. Its speed on the sheet should be proportional to the
# running speed -- that is what makes the phase of every neuron a faithful integral of velocity.

# %%
sweep = sheet.speed_sweep(bf, [0.1, 0.2, 0.3, 0.4, 0.6, 0.8], heading=np.pi / 4, seed=0)
slope, lin_err = sheet.linearity_error(sweep["speeds"], sweep["along"])
fig = plotting.speed_figure(sweep["speeds"], sweep["along"], slope, lin_err)
print(f"pattern speed = {slope:.1f} neurons/s per m/s; largest deviation from the line: {100 * lin_err:.1f}%")

# %% [markdown]
# ## 2 · The learned network on a neural sheet
#
# The trained network of notebook 04 has no sheet: its hidden units are just a list. But each
# grid unit has a **spatial phase** -- where its lattice of fields sits. Two units with nearby
# phases fire together. Sorscher et al. (2023) arrange the units by phase:
#
# 1. rate maps of all units; 2. the phases $\phi_{u,m}$ of the three lattice Fourier modes
# $k_m$ of each unit's map; 3. each unit gets the site $(a, b)$ of an $n \times n$ sheet whose
# phases $(2\pi a/n,\ 2\pi b/n,\ \ldots)$ match its own best (one unit per site);
# 4. $J$ reordered so that row $p$ holds the **outgoing** weights of the unit at site $p$.

# %%
learned = grid_evaluation.load_learned(n_batches=50 if FULL else 20)
res = sheet_analysis.analyse_network(learned["J"], learned["M"], learned["maps"], learned["box_size"])
n = res["n"]
print(f"{learned['J'].shape[0]} units on a {n} x {n} sheet; grid spacing {100 * res['spacing']:.0f} cm; "
      f"decoding error {100 * learned['error']:.1f} cm")
J_out = sheet_analysis.sort_by_sheet(learned["J"], res["positions"], n)


# %% [markdown]
# ### Exercise 1 · the average outgoing connectivity
#
# Row $p$ of `J_out` is an image of the sheet: the weights *from* the unit at site
# $(a, b) = $ `divmod(p, n)` *onto* every site. If the network were a Mexican-hat sheet, every row
# would be the same kernel, centred on its own site. So roll each row image by
# $(n/2 - a,\ n/2 - b)$ (so that the presynaptic unit sits at the centre) and average over $p$:
#
# $$\bar J(\Delta) = \frac{1}{n^2} \sum_p J^{\text{out}}_{p,\ p + \Delta}.$$
#
# Write `average_outgoing(J_out, n)` returning the $(n, n)$ image with offset $0$ at index
# `(n // 2, n // 2)` (hint: `np.roll(img, shift, axis=(0, 1))`).

# %% nbgrader={"grade": false, "grade_id": "average_outgoing", "locked": false, "schema_version": 3, "solution": true}
def average_outgoing(J_out, n):
    """Average over presynaptic units of their outgoing weights, centred on themselves.

    J_out : (n*n, n*n), row p = outgoing weights of the unit at site divmod(p, n).
    Returns the (n, n) mean, offset 0 at (n // 2, n // 2).
    """
    ### BEGIN SOLUTION
    J_out = np.asarray(J_out, dtype=float)
    total = np.zeros((n, n))
    for p in range(n * n):
        a, b = divmod(p, n)
        total += np.roll(J_out[p].reshape(n, n), (n // 2 - a, n // 2 - b), axis=(0, 1))
    return total / (n * n)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_average_outgoing", "locked": true, "points": 2, "schema_version": 3, "solution": false}
sheet_checks.check_average_outgoing(average_outgoing)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(21)
for _n in (2, 5, 6):
    _J = _rng.normal(size=(_n * _n, _n * _n))
    np.testing.assert_allclose(average_outgoing(_J, _n), sheet_analysis.average_outgoing(_J, _n), rtol=1e-9, atol=1e-12)
### END HIDDEN TESTS

# %%
my_average_outgoing = fallback(average_outgoing, sheet_analysis.average_outgoing,
                               check=sheet_checks.check_average_outgoing)
profile = my_average_outgoing(J_out, n)
self_weight = profile[n // 2, n // 2]
profile[n // 2, n // 2] = np.nan   # the self-connections J_ii, reported apart
print(f"mean self-connection {self_weight:.3f}; mean weight to the nearest sites "
      f"{np.nanmean(profile[n // 2 - 1:n // 2 + 2, n // 2 - 1:n // 2 + 2]):+.4f}; overall mean {np.nanmean(profile):+.4f}")

# %% [markdown]
# ## 3 · Side by side: patterns, connectivity, shift circuit
#
# **Stable patterns at 5 successive positions.** Top: the hand-designed sheet while the animal
# runs straight east (white circle: a bump at the start; cyan cross: where that bump has moved).
# Bottom: the learned network at 5 positions 22 cm apart along a line. Each grid unit (min-max
# score > 0.3) is drawn at its sheet site, with its rate divided by its own peak rate, and each
# site is drawn where its units' fields sit in space, so one period of the lattice is one rhombus
# (empty sites -- units that are not grid-like -- are filled by smoothing). The circle marks the
# bump at the first position; the cross is where it should be if it moves with the animal.

# %%
bf_an = sheet_analysis.analyse_sheet(bf, rest)
run = sheet.straight_run_frames(bf, speed=0.5, spacing=0.2)
bins = [(i, 10) for i in range(4, 14, 2)]
centres = (np.arange(20) + 0.5) / 20 * learned["box_size"] - learned["box_size"] / 2
where = np.array([[centres[i], centres[j]] for i, j in bins])
frames = sheet_analysis.sheet_snapshots(learned["maps"], res["positions"], n, bins, learned["scores"])
track = lattice.predicted_track(frames[0], where - where[0], res["k"], n)
fig = plotting.successive_patterns_figure(run["frames"], run["positions"], frames, where, res["k"],
                                          bf_track=run["displacement"], learned_track=track)

# %% [markdown]
# **The average outgoing connectivity.** Distances on both sheets are in units of the grid
# spacing (the distance between neighbouring fields of the pattern), so the two can share an axis.

# %%
radius, learned_radial = sheet_analysis.radial_profile(profile, res["distances"])
correlation = sheet_analysis.profile_correlation(bf_an["radial"], learned_radial)
fig = plotting.connectivity_figure(bf_an["profile"], bf_an["spacing"], profile, res["k"], radius,
                                   bf_an["radial"], learned_radial, correlation, self_weight)
print(f"correlation of the radial profiles (0 - 0.6 grid spacings): r = {correlation:.2f}")


# %% [markdown]
# Both are centre-surround: the learned network excites its close neighbours on the sheet and
# inhibits units half a period away, and it keeps a strong self-excitation. The hand-designed
# kernel is the same shape sitting on a negative baseline: weakest inhibition nearby, strongest at
# mid range (in Burak & Fiete's $a = 1$ version the excitation comes from the uniform drive $A$).

# %% [markdown]
# ### Exercise 2 · the shift circuit
#
# In the learned network $g_t = \mathrm{ReLU}(J g_{t-1} + M v_t)$. The velocity input $M v$
# only acts through units that are active (a silent unit stays silent), and what those units pass
# on is $J$ times it. So the **push** that running in direction $\theta$ gives the pattern is
#
# $$\text{push}(\theta) = J\,\bigl[(M v) \odot \mathbb{1}[g > 0]\bigr], \qquad v = (\cos\theta, \sin\theta).$$
#
# Write `shift_push(J, M, g, heading)` for one population state `g` of shape `(Ng,)`.

# %% nbgrader={"grade": false, "grade_id": "shift_push", "locked": false, "schema_version": 3, "solution": true}
def shift_push(J, M, g, heading):
    """J @ ((M v) * (g > 0)) with v = (cos(heading), sin(heading)).

    J : (Ng, Ng), row = postsynaptic; M : (Ng, 2); g : (Ng,) state; heading in rad.  Returns (Ng,).
    """
    ### BEGIN SOLUTION
    v = np.array([np.cos(heading), np.sin(heading)])
    return np.asarray(J) @ ((np.asarray(M) @ v) * (np.asarray(g) > 0))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_shift_push", "locked": true, "points": 2, "schema_version": 3, "solution": false}
sheet_checks.check_shift_push(shift_push)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(8)
_J, _M = _rng.normal(size=(11, 11)), _rng.normal(size=(11, 2))
_g = np.maximum(_rng.normal(size=11), 0)
for _th in (0.3, 2.0, -1.1):
    np.testing.assert_allclose(shift_push(_J, _M, _g, _th), sheet_analysis.shift_push(_J, _M, _g[None], np.array([_th]))[0, 0], rtol=1e-9)
### END HIDDEN TESTS

# %%
my_shift_push = fallback(shift_push, sheet_analysis.push_of_state, check=sheet_checks.check_shift_push)
state = res["states"][len(res["states"]) // 2]
push_east = my_shift_push(learned["J"], learned["M"], state, 0.0)
print(f"push of one state (heading east): {np.sum(push_east > 0)} units pushed up, {np.sum(push_east < 0)} down")

# %% [markdown]
# Averaged over all positions (each state centred on its bump) and drawn for 8 headings: in both
# networks the push is positive **ahead** of the bump and negative behind it, so the bump slides
# the way the animal runs. The green arrow is the direction in which the push moves the pattern
# (a least-squares fit of the push to the pattern's gradient), the black arrow the heading.
#
# One difference from the exercise: the figure gates the velocity input with rate maps
# *averaged* over many paths, and on those most units are a little above zero at most positions
# (about 70% would pass $g > 0$). So the figure counts a unit as active where its averaged rate
# exceeds 10% of its own peak (about a fifth of the units), which keeps the gate as selective as
# in a single state.

# %%
fig = plotting.shift_circuit_figure(bf_an["pattern"], bf_an["push"], bf_an["moved"], 0.6 * bf_an["period"],
                                    res["pattern"], res["push"], res["moved"], res["k"], res["headings"])
for name, an in [("hand-designed", bf_an), ("learned", res)]:
    err = np.rad2deg(np.abs(np.angle(np.exp(1j * (an["moved"] - an["headings"])))))
    print(f"{name:>13}: push direction vs heading, mean error {err.mean():.0f} deg (largest {err.max():.0f} deg)")

# %% [markdown]
# **Think!** The lecture says that learning to path-integrate converges to the engineered
# solution *"with the right constraints"*. Which constraints of notebook 04's network and task
# push it towards a continuous attractor with a Mexican hat (and which would not)? And what does
# the analysis above predict for real grid cells in the entorhinal cortex -- what could an
# experiment measure to test it?

# %% [markdown] nbgrader={"grade": true, "grade_id": "think_constraints", "locked": false, "points": 3, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Constraints: (1) the task -- path integration from velocity alone, over long paths, so the
# state must store a continuous 2-D position without drift: a 2-D continuous attractor with a
# velocity-driven shift; (2) non-negative (ReLU) rates, which make hexagonal lattices the
# preferred pattern (pattern-formation view); (3) the centre-surround (difference-of-softmaxes)
# place-cell readout, whose surround sets a preferred spatial frequency (Gaussian or Cartesian
# readouts give no grids); (4) regularisation (weight decay) and a single homogeneous population,
# which favour a translation-invariant, low-norm J. Change them -- linear units, a Cartesian
# readout, heterogeneous place fields, very short sequences -- and the network still solves the
# task in other ways, without grids or a Mexican hat. Predictions for real grid cells: cells of one
# module have a shared lattice and should form a single continuous attractor (a torus of phases,
# cf. Gardner et al. 2022); their pairwise phase relations stay fixed across environments and in
# sleep; connectivity should depend on phase difference, excitation (or less inhibition) between
# similar phases and inhibition between distant ones; and there should be conjunctive
# (direction-tuned) cells whose outputs are shifted along their preferred direction.
# ### END SOLUTION

# %% [markdown]
# ## Take-home messages
#
# - A hand-designed continuous attractor for grid cells is a **Mexican hat on a neural sheet**
#   plus a **shift circuit** (outgoing weights offset along each neuron's preferred direction,
#   velocity-gated input); its pattern moves at a speed proportional to running speed.
# - Parameters matter: a small change of the kernel ($\gamma = 1.05\beta \to 1.1\beta$) decides
#   whether the uniform state is stable -- check the linear gain before trusting a simulation.
# - Sorted by spatial phase, the **learned** network shows the same ingredients: centre-surround
#   connectivity on the phase sheet and a velocity input that pushes the bump where the animal goes.
# - Learning converges to the engineered solution only **with the right constraints** (task,
#   non-negativity, readout, regularisation): task-driven models are tools to find *which*
#   constraints the brain might be under.
