"""Offline minibatch SGD of deep linear networks (engine.deep_linear_offline, Corlouer App. G) against a plain numpy loop
fed the same uniforms, its invariances, and the sampler's batches (distinct without replacement, uniform subsets)."""

import numpy as np
import pytest
from scipy import stats

import test_engine_deep_linear as deep_linear_tests
from sgdnoise import engine
from test_engine_deep_linear import KW, N_SEEDS, TOTAL, WIDTHS, check_run, initial_weights, product, records_of, rngs, sandwich, seed_weights, teacher

N_DATA = 7


def dataset(n_seeds=N_SEEDS):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n_seeds, N_DATA, WIDTHS[0]))
    return x, x @ teacher().T + 0.3 * rng.normal(size=(n_seeds, N_DATA, WIDTHS[-1]))


def reference_batches(uniforms, n, replacement):
    """Indices of every step: int(u N), or a partial Fisher-Yates shuffle of a permutation kept between steps."""
    perm = list(range(n))
    out = []
    for step in uniforms:
        if replacement:
            out.append([int(u * n) for u in step])
            continue
        for k, u in enumerate(step):
            j = k + int(u * (n - k))
            perm[k], perm[j] = perm[j], perm[k]
        out.append(perm[: len(step)])
    return np.array(out)


def reference_offline_sgd(weights, m, x, y, uniforms, lr, replacement):
    def loss(ws):
        return 0.5 * np.mean(np.sum((y - x @ product(ws).T) ** 2, axis=1))

    out = [records_of(weights, m, loss(weights), None)]
    for batch in reference_batches(uniforms, len(x), replacement):
        xb, yb = x[batch], y[batch]
        error = (yb - xb @ product(weights).T).T @ xb / len(batch)
        weights = [w + lr * g for w, g in zip(weights, sandwich(weights, error))]
        out.append(records_of(weights, m, loss(weights), None))
    return np.array(out)


@pytest.mark.parametrize("batch_size, replacement", [(1, True), (3, True), (3, False), (N_DATA, False)])
def test_offline_sgd_equals_reference(batch_size, replacement):
    m, w0 = teacher(), initial_weights()
    x, y = dataset()
    run = engine.deep_linear_offline_sgd(x, y, m, w0, rngs(range(N_SEEDS)), learning_rate=0.05, batch_size=batch_size, replacement=replacement,
                                         record_weights=True, chunk_steps=9, **KW)
    trajectories = [reference_offline_sgd(seed_weights(w0, s), m, x[s], y[s], rng.random((TOTAL, batch_size)), 0.05, replacement)
                    for s, rng in enumerate(rngs(range(N_SEEDS)))]
    check_run(run, trajectories)


def test_full_batch_without_replacement_is_gd():
    """b = N distinct samples is the whole dataset every step: GD up to the order of the summands."""
    m, w0 = teacher(), initial_weights()
    x, y = dataset()
    offline = engine.deep_linear_offline_sgd(x, y, m, w0, rngs(range(N_SEEDS)), learning_rate=0.05, batch_size=N_DATA, replacement=False, **KW)
    gd = engine.deep_linear_gd(x, y, m, w0, learning_rate=0.05, **KW)
    np.testing.assert_allclose(offline.trace, gd.trace, rtol=1e-10, atol=1e-12)


def _offline(seeds, chunk_steps):
    m, w0 = teacher(), initial_weights(n_seeds=4)
    x, y = dataset(4)
    return engine.deep_linear_offline_sgd(x[seeds], y[seeds], m, [w[seeds] for w in w0], rngs(seeds), learning_rate=0.05, batch_size=3,
                                          replacement=False, chunk_steps=chunk_steps, **KW)


def test_results_do_not_depend_on_chunk_size_block_split_or_threads():
    """The online kernels' invariance test, run on the offline kernel."""
    deep_linear_tests.test_results_do_not_depend_on_chunk_size_block_split_or_threads(_offline)


def test_minibatch_means_draw_distinct_uniform_subsets_without_replacement():
    """One-hot values make each minibatch mean its indicator vector / b: without replacement every batch has b distinct
    samples, and the inclusion counts of each sample (expected n_batches b / N) pass a chi-square test; the pair
    co-occurrence rate is b (b-1) / (N (N-1)) (App. G's joint probability)."""
    n, b, n_batches = 9, 4, 20000
    means = engine.minibatch_means(np.eye(n), b, n_batches, False, np.random.default_rng(5))
    counts = np.rint(means * b).astype(int)
    assert np.all(counts.sum(axis=1) == b) and counts.max() == 1  # b distinct samples per batch
    p = stats.chisquare(counts.sum(axis=0)).pvalue
    assert p > 1e-3, p
    pair = np.mean(counts[:, 0] * counts[:, 1])
    expected = b * (b - 1) / (n * (n - 1))
    assert abs(pair - expected) < 4 * np.sqrt(expected * (1 - expected) / n_batches)
    # with replacement, repeats occur (the without-replacement check has the power to see them)
    repeated = np.rint(engine.minibatch_means(np.eye(n), b, 2000, True, np.random.default_rng(5)) * b)
    assert repeated.max() > 1


def test_minibatch_means_equal_the_reference_sampler():
    rng_values = np.random.default_rng(2).normal(size=(11, 2))
    for replacement in (True, False):
        got = engine.minibatch_means(rng_values, 5, 30, replacement, np.random.default_rng(9))
        batches = reference_batches(np.random.default_rng(9).random((30, 5)), 11, replacement)
        np.testing.assert_allclose(got, rng_values[batches].mean(axis=1), rtol=1e-14)


def test_rejects_more_distinct_samples_than_the_dataset():
    m, w0 = teacher(), initial_weights()
    x, y = dataset()
    with pytest.raises(ValueError, match="distinct samples"):
        engine.deep_linear_offline_sgd(x, y, m, w0, rngs(range(N_SEEDS)), learning_rate=0.05, batch_size=N_DATA + 1, replacement=False, **KW)
