"""The mode-increment sums of deep_linear_online_sgd (increment_modes): against the per-step trace of the same run,
invariant to chunk size and seed split, and their variance against Prop. 3.3's a^T Sigma a by Monte Carlo."""

import numpy as np
import pytest

from sgdnoise import engine

WIDTHS = (4, 5, 3, 3)  # non-square: catches transposed layer products
KW = dict(burn_in_steps=0, measure_steps=60, label_noise_std=0.3, learning_rate=0.05, batch_size=2)


def teacher():
    rng = np.random.default_rng(7)
    u, _ = np.linalg.qr(rng.normal(size=(WIDTHS[-1], WIDTHS[-1])))
    v, _ = np.linalg.qr(rng.normal(size=(WIDTHS[0], WIDTHS[0])))
    s = np.zeros((WIDTHS[-1], WIDTHS[0]))
    s[np.diag_indices(3)] = [1.0, 0.7, 0.4]
    return u @ s @ v.T


def initial_weights(n_seeds, scale=0.5):
    rng = np.random.default_rng(11)
    return [rng.normal(0, scale / np.sqrt(WIDTHS[l]), (n_seeds, WIDTHS[l + 1], WIDTHS[l])) for l in range(len(WIDTHS) - 1)]


def run(seeds, record_every, chunk_steps=None, increment_modes=2, **more):
    w0 = initial_weights(4)
    kw = {**KW, **more}
    return engine.deep_linear_online_sgd(teacher(), [w[seeds] for w in w0], [np.random.default_rng(500 + s) for s in seeds],
                                         record_every=record_every, trace_every=record_every, increment_modes=increment_modes,
                                         chunk_steps=chunk_steps, noise_variance=True, record_weights=True, **kw)


def test_sums_equal_the_per_step_trace():
    seeds = [0, 1, 2, 3]
    every = 3
    windowed, per_step = run(seeds, every), run(seeds, 1)
    w = np.diagonal(per_step.modes, axis1=2, axis2=3)[..., :2]  # (seed, step, mode): w_alpha after every step, t = 0 first
    dw = np.diff(w, axis=1).reshape(len(seeds), -1, every, 2)
    expected = np.stack([dw.sum(2), (dw**2).sum(2), w[:, 1:].reshape(len(seeds), -1, every, 2).sum(2)], axis=-1)
    sums = windowed.increment_sums
    assert np.all(sums[:, 0] == 0)  # no interval ends at t = 0
    np.testing.assert_allclose(sums[:, 1:], expected, rtol=1e-10, atol=1e-15)
    # the other record entries are those of the same run without increments
    plain = run(seeds, every, increment_modes=0)
    np.testing.assert_array_equal(windowed.trace[..., : plain.trace.shape[-1] - sum(np.prod(w.shape[1:]) for w in plain.final_weights)],
                                  plain.trace[..., : plain.trace.shape[-1] - sum(np.prod(w.shape[1:]) for w in plain.final_weights)])
    for a, b in zip(windowed.weights, plain.weights):
        np.testing.assert_array_equal(a, b)


def test_sums_do_not_depend_on_chunk_size_or_seed_split():
    base = run([0, 1, 2, 3], 3, chunk_steps=1024)
    np.testing.assert_array_equal(run([0, 1, 2, 3], 3, chunk_steps=3).trace, base.trace)
    split = [run([0, 1], 3), run([2, 3], 3, chunk_steps=6)]
    np.testing.assert_array_equal(np.concatenate([r.increment_sums for r in split]), base.increment_sums)


def test_one_step_variance_is_eta_over_b_times_a_sigma_a():
    """Prop. 3.3: E[dw_alpha^2] - E[dw_alpha]^2 = eta (eta/b) a^T Sigma a per step, to O(eta^3); 4000 seeds from one state."""
    n = 4000
    w0 = [np.repeat(w[:1], n, axis=0) for w in initial_weights(1, scale=1.2)]
    eta, b = 0.01, 2
    out = engine.deep_linear_online_sgd(teacher(), w0, [np.random.default_rng(9000 + s) for s in range(n)], learning_rate=eta, batch_size=b,
                                        label_noise_std=0.3, burn_in_steps=0, measure_steps=1, record_every=1, trace_every=1,
                                        noise_variance=True, increment_modes=3)
    dw = out.increment_sums[:, 1, :, 0]  # (seed, mode)
    predicted = eta * (eta / b) * out.noise_variance[0, 0, :3]
    measured = dw.var(axis=0, ddof=1)
    se = measured * np.sqrt((np.mean((dw - dw.mean(0)) ** 4, axis=0) / measured**2 - 1) / n)
    assert np.all(np.abs(measured - predicted) < 4 * se + 0.05 * predicted), (measured, predicted, se)


def test_rejects_more_modes_than_the_teacher_has():
    with pytest.raises(ValueError, match="increment_modes"):
        run([0], 3, increment_modes=4)


def test_noise_variance_of_leading_modes_is_the_head_of_all_modes():
    full = run([0, 1], 3, increment_modes=0)
    head = run([0, 1], 3, increment_modes=0, noise_variance_modes=2)
    np.testing.assert_array_equal(head.noise_variance, full.noise_variance[..., :2])
    np.testing.assert_array_equal(head.modes, full.modes)
    for a, b in zip(head.weights, full.weights):
        np.testing.assert_array_equal(a, b)
