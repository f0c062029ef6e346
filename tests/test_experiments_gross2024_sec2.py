"""Helpers of the single-layer stages (Gross Sec. II): logarithmic trajectories assembled from engine calls, and the
stationary initial state."""

import numpy as np

from sgdnoise import data, engine
from sgdnoise.experiments import gross2024_single_layer as stages
from sgdnoise.statistics import mean_and_sem
from sgdnoise.theory import gross2024_single_layer as th


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


def test_stationary_initial_state_has_the_exact_covariance():
    d = data.teacher_student(np.random.default_rng(2), 3, 8, 0.2)
    draws = 4000  # one discrete moment equation per draw
    X, y = np.repeat(d.inputs[None], draws, 0), np.repeat(d.labels[None], draws, 0)
    w_star = np.repeat(th.teacher_solution(d.inputs, d.labels)[None], draws, 0)
    rngs = [np.random.default_rng(k) for k in range(draws)]
    start = stages.initial_state("stationary", X, y, w_star, rngs, learning_rate=0.2, batch_size=3, replacement=True)
    deviation = start - w_star
    outer = np.einsum("si,sj->sij", deviation, deviation)
    mean, sem = mean_and_sem(outer)
    np.testing.assert_array_less(np.abs(mean - th.discrete_sgd_covariance(d.inputs, d.labels, 0.2, 3)), 5 * sem)
