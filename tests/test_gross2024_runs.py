"""Helpers of the single-layer stages (Gross Sec. II): logarithmic trajectories assembled from engine calls, and the
stationary initial state."""

import numpy as np
import pytest
import scipy.stats

from sgdnoise import engine
from sgdnoise.gross2024 import data
from sgdnoise.gross2024 import runs as stages
from sgdnoise.gross2024 import theory_sec2 as th


def test_log_schedule_covers_the_run_on_a_logarithmic_grid():
    phases = stages.log_schedule(10_000, 8)
    assert sum(n for n, _ in phases) >= 10_000 and all(n % spacing == 0 for n, spacing in phases)
    steps = stages.log_trace_steps(phases)
    assert steps[0] == 0 and np.all(np.diff(steps) > 0)
    ratios = steps[8::8][1:] / steps[8::8][:-1]  # 8 records per octave: the time doubles every 8 records
    assert np.all((ratios > 1.9) & (ratios < 3.1))
    np.testing.assert_allclose(ratios[-3:], 2.0, rtol=0.01)


def test_phased_engine_calls_continue_one_run_exactly():
    """The Fig. 4 trajectory: consecutive calls with doubling record spacing equal one uninterrupted run."""
    d = data.teacher_student(np.random.default_rng(0), 4, 9, 0.1)
    X, y = d.inputs[None], d.labels[None]
    w_star = th.teacher_solution(d.inputs, d.labels)[None]
    kw = dict(learning_rate=0.1, batch_size=3, burn_in_steps=0)
    phases = stages.log_schedule(300, 4)
    total = sum(n for n, _ in phases)
    whole = engine.single_layer_sgd(X, y, np.zeros_like(w_star), w_star, [np.random.default_rng(1)], measure_steps=total, record_every=1, trace_every=1, **kw)
    rng, weights, trace = np.random.default_rng(1), np.zeros_like(w_star), [np.zeros((1, 1, 4))]
    for n, spacing in phases:
        run = engine.single_layer_sgd(X, y, weights, w_star, [rng], measure_steps=n, record_every=spacing, trace_every=spacing, chunk_steps=64, **kw)
        trace.append(run.trace[:, 1:])
        weights = run.final_weights
    np.testing.assert_array_equal(np.concatenate(trace, axis=1)[0], whole.trace[0, stages.log_trace_steps(phases)])


def test_stationary_initial_state_stays_stationary_under_sgd():
    """initial_state("stationary") draws w* + N(0, M) with M the exact discrete-SGD covariance; if M is SGD's fixed
    point, 30 SGD steps from there leave the mean at w* and the covariance at M. Checked on 4000 runs along the
    eigenvectors of M (Rayleigh quotients), each within its own standard error (fourth moments from the samples)."""
    d = data.teacher_student(np.random.default_rng(2), 3, 8, 0.2)
    runs, lr, S = 4000, 0.2, 3
    X, y = np.repeat(d.inputs[None], runs, 0), np.repeat(d.labels[None], runs, 0)
    w_star = np.repeat(th.teacher_solution(d.inputs, d.labels)[None], runs, 0)
    start = stages.initial_state("stationary", X, y, w_star, [np.random.default_rng(k) for k in range(runs)], learning_rate=lr, batch_size=S, replacement=True)
    after = engine.single_layer_sgd(X, y, start, w_star, [np.random.default_rng(10_000 + k) for k in range(runs)], learning_rate=lr, batch_size=S,
                                    burn_in_steps=0, measure_steps=30, record_every=30, trace_every=30).final_weights
    M = th.discrete_sgd_covariance(d.inputs, d.labels, lr, S)
    values, vectors = np.linalg.eigh(M)
    limit = scipy.stats.norm.isf(0.001 / 12)  # 0.1% family-wise over 2 times 3 directions and 2 states
    for weights in (start, after):
        proj = (weights - w_star) @ vectors
        z_mean = proj.mean(0) / (proj.std(0, ddof=1) / np.sqrt(runs))
        z_var = ((proj**2).mean(0) - values) / ((proj**2).std(0, ddof=1) / np.sqrt(runs))
        assert np.max(np.abs(np.concatenate([z_mean, z_var]))) < limit
    # power: the continuum solution (2.30), 2-16% below M on these modes at lr = 0.2, is rejected after the steps
    C = th.noise_covariance(d.inputs, d.labels, w_star[0], S)
    continuum = np.einsum("ki,ij,kj->k", vectors.T, th.lyapunov_covariance(th.hessian(d.inputs), C, lr), vectors.T)
    proj = (after - w_star) @ vectors
    assert np.max(np.abs(((proj**2).mean(0) - continuum) / ((proj**2).std(0, ddof=1) / np.sqrt(runs)))) > limit


def test_a_diverged_run_names_its_seed_step_and_bound():
    from sgdnoise.statistics import check_finite

    weights = np.zeros((3, 4))
    trace = np.zeros((3, 5, 4))
    weights[1:] = np.nan
    trace[1, 3:] = np.inf
    with pytest.raises(FloatingPointError) as error:
        check_finite(weights, "fig N20_P22 seeds 4-6", 0.5, seeds=[4, 5, 6], trace=trace, trace_steps=np.array([0, 10, 20, 30, 40]),
                     stability=lambda i: f"bound of seed index {i}")
    assert str(error.value) == ("fig N20_P22 seeds 4-6: the run diverged (non-finite weights in 2 of 3 seeds; first seed 5, non-finite from "
                                "recorded step 30 on) at learning_rate 0.5; bound of seed index 1; lower the run's learning_rate in config.yaml")
    check_finite(np.zeros((2, 3)), "fine", 0.1)  # finite weights pass silently
    X = np.diag([2.0, 1.0])  # H = X^T X / P = diag(2, 0.5): omega_max = 2
    assert stages.stability_bound(X, 1.5).startswith("lambda omega_max = 3 (omega_max = 2, largest eigenvalue of its H); the mean dynamics need lambda < 2/omega_max = 1")
