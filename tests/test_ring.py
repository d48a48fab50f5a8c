"""Ring attractors (helpers.ring and its analyses): the numbers of REFERENCES.md, with tolerances."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import ring, ring_analysis, ring_learned, ring_paths, widgets

LATTICE = lambda n: 2 * np.pi / n  # noqa: E731 -- one lattice step, radians


def settle(W, drive, seconds=1.0, seed=0):
    n = W.shape[0]
    r0 = 0.1 * np.random.default_rng(seed).random(n)
    return ring.simulate(W, np.full(n, drive), duration=seconds, r0=r0).final


# --- connectivity ----------------------------------------------------------------------

def test_cosine_weights_are_circulant_and_symmetric():
    W = ring.cosine_weights(16, -2.0, 6.0)
    assert W.shape == (16, 16)
    np.testing.assert_allclose(W, W.T)
    np.testing.assert_allclose(W, np.roll(np.roll(W, 3, axis=0), 3, axis=1))
    assert W[0, 0] == pytest.approx(4.0 / 16)


def test_von_mises_kernel_is_a_mexican_hat():
    offsets, w = ring.kernel_profile(ring.von_mises_weights(128))
    assert w[np.argmin(np.abs(offsets))] > 0  # local excitation
    assert w.min() < 0  # inhibition further away
    assert np.abs(offsets[np.argmin(w)]) > np.deg2rad(45)


def test_derivative_of_cosine_kernel():
    n = 128
    W = ring.cosine_weights(n, -2.0, 6.0)
    th = ring.preferred_directions(n)
    exact = -6.0 * np.sin(th[:, None] - th[None, :]) / n
    np.testing.assert_allclose(ring.derivative_weights(W), exact, atol=1e-3 * np.abs(exact).max())


# --- the stationary bump ---------------------------------------------------------------

@pytest.mark.parametrize("j0, j1, expected_deg", [(-2.0, 6.0, 74.6), (-5.0, 10.0, 60.5)])
def test_bump_half_width_matches_theory(j0, j1, expected_deg):
    n = 128
    theta_c = ring_analysis.bump_half_width_theory(j1)
    assert np.rad2deg(theta_c) == pytest.approx(expected_deg, abs=0.1)
    r = settle(ring.cosine_weights(n, j0, j1), 1.0)
    assert abs(ring_analysis.measure_half_width(r) - theta_c) < LATTICE(n)
    assert r.max() == pytest.approx(ring_analysis.bump_amplitude_theory(j0, j1, 1.0), rel=0.01)


def test_half_width_is_independent_of_j0_and_drive():
    n = 128
    r = settle(ring.cosine_weights(n, -3.5, 6.0), 2.5)
    assert abs(ring_analysis.measure_half_width(r) - ring_analysis.bump_half_width_theory(6.0)) < LATTICE(n)


def test_no_bump_below_j1_of_two():
    r = settle(ring.cosine_weights(128, -2.0, 1.8), 1.0)
    assert ring_analysis.bump_modulation(r) < 1e-3
    np.testing.assert_allclose(r, 1.0 / (1 - (-2.0)), rtol=1e-3)  # uniform rate I / (1 - J0)
    hw = ring_analysis.half_width_sweep(np.array([1.5, 1.9, 2.5, 6.0]))
    assert np.all(np.isnan(hw[:2])) and np.all(np.isfinite(hw[2:]))


def test_bump_forms_from_noise_and_persists_without_cue():
    n = 128
    theta = ring.preferred_directions(n)
    rates, cue = ring_analysis.cue_experiment(ring.cosine_weights(n), duration=1.0, t_cue=(0.3, 0.5), seed=1)
    assert ring_analysis.bump_modulation(rates[int(0.29 / ring.DT)]) > 0.9  # a bump from noise
    after = ring.population_vector(rates[int(0.55 / ring.DT):], theta)
    assert abs(ring.wrap(after[0] - cue)) < np.deg2rad(10)  # the cue moved it
    assert np.ptp(np.unwrap(after)) < LATTICE(n)  # and it stays without the cue
    assert ring_analysis.bump_modulation(rates[-1]) > 0.9


def test_bump_is_pinned_without_noise():
    n = 128
    rates = ring.simulate(ring.cosine_weights(n), np.ones(n), duration=10.0,
                          r0=0.1 * np.random.default_rng(0).random(n), record_every=200 * ring.DT).rates
    a = np.unwrap(ring.population_vector(rates[5:], ring.preferred_directions(n)))
    assert np.ptp(a) < LATTICE(n)


# --- moving the bump -------------------------------------------------------------------

def test_zhang_speed_is_linear_with_slope_one_over_tau():
    gammas = np.linspace(-0.2, 0.2, 9)
    omega = ring_analysis.zhang_speed_sweep(gammas, duration=0.4)
    slope, intercept, r2 = ring_analysis.linear_fit(gammas, omega)
    assert r2 > 0.999
    assert slope == pytest.approx(-1 / ring.TAU, rel=0.02)
    assert abs(intercept) < 0.5


def test_double_ring_gain_and_saturation():
    v = np.array([-1.0, -0.5, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 3.0])
    omega = ring_analysis.double_ring_speed_sweep(v, duration=0.4)
    k = ring_analysis.double_ring_gain_theory()
    lin = v <= 1.2
    _, _, r2 = ring_analysis.linear_fit(v[lin], omega[lin])
    assert r2 > 0.999
    np.testing.assert_allclose(omega[lin] / v[lin], k, rtol=0.05)
    np.testing.assert_allclose(omega[0], -omega[8], rtol=1e-3)  # mirror symmetric
    sat = ring_analysis.double_ring_saturation()
    assert 1.2 < sat["v_linear_end"] < 2.0
    assert omega[-1] == pytest.approx(sat["omega_max"], rel=0.02)  # one ring left: tan(phi)/tau
    assert omega[-1] < 0.6 * k * v[-1]  # far below the linear prediction


def test_double_ring_gain_theory_value():
    # J1 cos(phi) = 5.196 gives theta_c = 64.0 deg; k = J1 sin(phi) sin(theta_c) / (pi A tau)
    assert ring_analysis.double_ring_gain_theory() == pytest.approx(37.55, abs=0.05)


# --- path integration and diffusion -----------------------------------------------------

def test_path_integration_tracks_heading():
    omega, heading = ring_paths.random_head_direction(5.0, seed=1)
    assert omega.std() == pytest.approx(2.0, rel=0.3)
    decoded, true = ring_paths.path_integrate(omega, seed=0)
    np.testing.assert_allclose(true, heading[9::10], atol=1e-12)
    err = np.abs(ring.wrap(decoded[:, 0] - true))
    assert np.rad2deg(err.max()) < 5.0
    noisy, _ = ring_paths.path_integrate(omega, n_trials=8, noise_std=0.2, seed=0)
    rms = np.sqrt(np.mean(ring.wrap(noisy - true[:, None]) ** 2, axis=1))
    assert rms[-50:].mean() > 2 * err[-50:].mean()


def test_bump_diffuses_linearly_in_time():
    t, var = ring_paths.bump_diffusion(0.1, n_trials=100, duration=1.5, seed=0)
    slope, intercept, r2 = ring_analysis.linear_fit(t, var)
    assert r2 > 0.95
    assert abs(intercept) < 0.1 * slope * t[-1]
    t2, var2 = ring_paths.bump_diffusion(0.2, n_trials=100, duration=1.5, seed=10)
    slope2, _, _ = ring_analysis.linear_fit(t2, var2)
    assert slope2 / slope == pytest.approx(4.0, rel=0.3)  # D grows as the noise variance


def test_noise_is_reproducible_with_a_seed():
    W = ring.cosine_weights(32)
    a = ring.simulate(W, np.ones(32), duration=100 * ring.DT, r0=np.ones(32), noise_std=0.3, seed=5).rates
    b = ring.simulate(W, np.ones(32), duration=100 * ring.DT, r0=np.ones(32), noise_std=0.3, seed=5).rates
    c = ring.simulate(W, np.ones(32), duration=100 * ring.DT, r0=np.ones(32), noise_std=0.3, seed=6).rates
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_euler_step_matches_simulate():
    W = ring.cosine_weights(16)
    r0 = np.random.default_rng(0).random(16)
    I = np.linspace(-1, 1, 16)
    np.testing.assert_allclose(ring.simulate(W, I, duration=ring.DT, r0=r0).rates[0], ring.euler_step(r0, W, I))


# --- learned networks: sorting and averaging by offset -----------------------------------

def test_ring_profile_recovers_a_shuffled_kernel():
    n = 64
    W = ring.von_mises_weights(n)
    perm = np.random.default_rng(0).permutation(n)
    W_shuffled = W[np.ix_(perm, perm)]
    pd_true = ring.preferred_directions(n)[perm]
    heading = np.linspace(-np.pi, np.pi, 180, endpoint=False)
    activity = np.maximum(np.cos(heading[:, None] - pd_true[None, :]) - 0.3, 0)
    out = ring_learned.ring_profile(W_shuffled, activity, heading, n_bins=n)
    np.testing.assert_allclose(np.cos(out["pd"] - pd_true), 1.0, atol=1e-9)
    offsets, w = ring.kernel_profile(W)
    np.testing.assert_allclose(out["offsets"], offsets, atol=1e-12)
    np.testing.assert_allclose(out["profile"], w, atol=1e-12)
    np.testing.assert_allclose(out["W_sorted"], W)  # sorted back into a circulant ring


def test_ring_profile_with_noisy_preferred_directions():
    n = 128
    W = ring.von_mises_weights(n)
    rng = np.random.default_rng(1)
    perm = rng.permutation(n)
    pd_true = ring.preferred_directions(n)[perm]
    heading = rng.uniform(-np.pi, np.pi, 2000)
    activity = np.maximum(np.cos(heading[:, None] - pd_true[None, :]) - 0.3, 0)
    activity += 0.05 * rng.standard_normal(activity.shape)
    out = ring_learned.ring_profile(W[np.ix_(perm, perm)], activity, heading, n_bins=32)
    offsets, w = ring.kernel_profile(W)
    true_binned = np.interp(out["offsets"], offsets, w, period=2 * np.pi)
    assert np.corrcoef(out["profile"], true_binned)[0, 1] > 0.98
    assert np.all(np.diff(out["pd"][out["order"]]) >= 0)


def test_learned_ring_profile_from_a_model_dict():
    n = 48
    pd = ring.preferred_directions(n)
    perm = np.random.default_rng(2).permutation(n)
    model = {"W_rec": ring.cosine_weights(n)[np.ix_(perm, perm)],
             "W_out": np.stack([np.cos(pd[perm]), np.sin(pd[perm])]), "W_in": np.zeros((n, 1)), "config": {}}
    out = ring_learned.learned_ring_profile(model, n_bins=n, exclude_self=False)
    assert out["source"] == "readout"
    offsets, w = ring.kernel_profile(ring.cosine_weights(n))
    np.testing.assert_allclose(out["profile"], w, atol=1e-12)
    no_self = ring_learned.learned_ring_profile(model, n_bins=n)  # self-connections left out by default
    assert np.isnan(no_self["profile"][n // 2])  # offset 0 holds only the diagonal
    np.testing.assert_allclose(np.delete(no_self["profile"], n // 2), np.delete(w, n // 2), atol=1e-12)
    assert no_self["self_weight"] == pytest.approx(w[n // 2])


def test_learned_ring_profile_of_the_shipped_integrator():
    pytest.importorskip("torch")
    from helpers.paths import DATA_DIR
    if not (DATA_DIR / "angular_integrator.pt").exists():
        pytest.skip("data/angular_integrator.pt not shipped")
    out = ring_learned.learned_ring_profile()
    assert out["source"] == "activity" and len(out["order"]) >= 16
    assert np.all(np.diff(out["pd"][out["order"]]) >= 0)
    far = np.abs(out["offsets"]) > np.deg2rad(120)
    near = (np.abs(out["offsets"]) < np.deg2rad(60)) & (out["offsets"] != 0)
    assert out["self_weight"] > 0  # self-excitation
    assert np.nanmean(out["profile"][far]) < np.nanmean(out["profile"][near])  # inhibition further away


# --- validation -------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: ring.cosine_weights(2), "n must be >= 3"),
    (lambda: ring.double_ring_weights(1), "n must be >= 3"),
    (lambda: ring.preferred_directions(2.5), "n must be an integer"),
    (lambda: ring.simulate(ring.cosine_weights(8), np.ones(8), duration=0.005, tau=-0.01),
     "tau must be finite and > 0"),
    (lambda: ring.simulate(ring.cosine_weights(8), np.ones(8), duration=0.2, dt=0.02), "dt must be <= tau / 2"),
    (lambda: ring.simulate(ring.cosine_weights(8), np.full(8, np.nan), duration=0.005), "inputs must be finite"),
    (lambda: ring.simulate(ring.cosine_weights(8), np.ones(7), duration=0.005), r"inputs must have shape"),
    (lambda: ring.simulate(ring.cosine_weights(8), np.ones(8)), r"duration \(s\) is required"),
    (lambda: ring.cosine_weights(8, np.nan, 6.0), "j0 must be finite"),
    (lambda: ring_analysis.bump_half_width_theory(1.5), "j1 must be > 2"),
    (lambda: ring_analysis.bump_amplitude_theory(0.0, 6.0), "j0 must be <"),
    (lambda: ring.population_vector(np.ones((3, 5)), np.zeros(4)), r"rates must have shape \(\.\.\., N\)"),
    (lambda: ring_learned.offset_profile(np.ones((4, 4)), np.zeros(3)), r"pd must have shape \(4,\)"),
    (lambda: ring.double_ring_weights(8, phi=2.0), r"phi must be in \[0, pi/2\)"),
    (lambda: ring.euler_step(np.ones(3), ring.cosine_weights(3), 1.0, tau=0.0), "tau must be finite and > 0"),
])
def test_bad_parameters_raise_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_explore_reports_regimes():
    assert "speed" in widgets.ring_explore(-2.0, 6.0, 0.0, 90.0, duration=0.5)["message"]
    assert widgets.ring_explore(-2.0, 6.0, 0.0, 90.0, duration=0.6)["speed_deg"] == pytest.approx(90.0, rel=0.05)
    assert "no bump" in widgets.ring_explore(-2.0, 1.5, duration=0.3)["message"]
    assert widgets.ring_explore(1.0, 6.0, duration=0.5)["exploded"]
