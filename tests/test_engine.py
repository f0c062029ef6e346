"""The compiled SGD engine against a plain reference, its invariances, and its stationary statistics."""

import numba
import numpy as np
import pytest

from sgdnoise import engine
from sgdnoise.gross2024 import data
from sgdnoise.statistics import mean_and_sem
from sgdnoise.gross2024 import theory_sec2 as th


def problem(n_seeds, N, P, label_noise_variance=0.25):
    ds = [data.teacher_student(np.random.default_rng(100 + s), N, P, label_noise_variance) for s in range(n_seeds)]
    X = np.stack([d.inputs for d in ds])
    y = np.stack([d.labels for d in ds])
    w_star = np.stack([th.teacher_solution(d.inputs, d.labels) for d in ds])
    return X, y, w_star


def rngs(seeds):
    return [np.random.default_rng(1000 + s) for s in seeds]


def reference_sgd(X, y, w0, uniforms, lr, replacement):
    """One seed, one step at a time, in plain numpy: Eq. (2.11) with the minibatches the uniforms encode."""
    P = X.shape[0]
    w = w0.copy()
    perm = np.arange(P)
    trajectory = []
    for u in uniforms:
        if replacement:
            batch = (u * P).astype(int)
        else:  # partial Fisher-Yates shuffle: S distinct samples
            batch = []
            for k, uk in enumerate(u):
                j = k + int(uk * (P - k))
                perm[[k, j]] = perm[[j, k]]
                batch.append(perm[k])
            assert len(set(batch)) == len(batch)
        residual = X[batch] @ w - y[batch]
        w = w - lr * X[batch].T @ residual / len(batch)
        trajectory.append(w)
    return np.array(trajectory)


KW = dict(learning_rate=0.1, batch_size=3, burn_in_steps=40, measure_steps=200, record_every=4, trace_every=8)


@pytest.mark.parametrize("replacement", [True, False])
def test_kernel_equals_plain_reference(replacement):
    X, y, w_star = problem(3, 5, 11)
    w0 = np.zeros_like(w_star)
    run = engine.single_layer_sgd(X, y, w0, w_star, rngs(range(3)), replacement=replacement, chunk_steps=32, **KW)
    total = KW["burn_in_steps"] + KW["measure_steps"]
    for s, rng in enumerate(rngs(range(3))):
        traj = reference_sgd(X[s], y[s], w0[s], rng.random((total, KW["batch_size"])), KW["learning_rate"], replacement)
        np.testing.assert_allclose(run.final_weights[s], traj[-1], rtol=1e-12)
        recorded = traj[KW["burn_in_steps"] + KW["record_every"] - 1 :: KW["record_every"]] - w_star[s]
        np.testing.assert_allclose(run.sum_deviation[s], recorded.sum(0), rtol=1e-10)
        np.testing.assert_allclose(run.sum_outer_deviation[s], recorded.T @ recorded, rtol=1e-10)
        np.testing.assert_allclose(run.trace[s, 1:], traj[KW["trace_every"] - 1 :: KW["trace_every"]], rtol=1e-12)
    assert run.n_records == KW["measure_steps"] // KW["record_every"]


def _run(seeds, **kw):
    X, y, w_star = problem(4, 5, 11)
    return engine.single_layer_sgd(X[seeds], y[seeds], w_star[seeds], w_star[seeds], rngs(seeds), **{**KW, **kw})


def test_results_do_not_depend_on_chunk_size_block_split_or_threads():
    base = _run([0, 1, 2, 3], chunk_steps=1024)
    other = _run([0, 1, 2, 3], chunk_steps=8)
    split = [_run([0, 1]), _run([2, 3])]
    for name in ("final_weights", "trace", "sum_deviation", "sum_outer_deviation"):
        np.testing.assert_array_equal(getattr(other, name), getattr(base, name))
        np.testing.assert_array_equal(np.concatenate([getattr(r, name) for r in split]), getattr(base, name))
    previous = numba.get_num_threads()
    if previous < 2:  # the comparison below would compare one thread with itself
        pytest.skip("one numba thread: thread-count invariance cannot be shown (chunk and block splits were checked)")
    try:
        numba.set_num_threads(1)
        single = _run([0, 1, 2, 3], chunk_steps=1024)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(single.sum_outer_deviation, base.sum_outer_deviation)


def test_rejects_batch_larger_than_sample_count():
    X, y, w_star = problem(1, 3, 4)
    with pytest.raises(ValueError, match="batch_size 5 exceeds"):
        engine.single_layer_sgd(X, y, w_star, w_star, rngs([0]), **{**KW, "batch_size": 5})


@pytest.mark.parametrize("replacement", [True, False])
def test_stationary_covariance_matches_discrete_moment_equation(replacement):
    """Long runs on a tiny problem: SGD's second moment about w* against the exact discrete-time M.

    The tolerance is 4 standard errors over 16 independent seeds, for each of the N(N+1)/2 entries
    relative to the scale of M (a few-sigma check over 15 entries).
    """
    n_seeds, N, P, S, lr = 16, 3, 10, 3, 0.2
    X, y, _ = problem(1, N, P)
    X, y = np.repeat(X, n_seeds, 0), np.repeat(y, n_seeds, 0)
    w_star = np.repeat(th.teacher_solution(X[0], y[0])[None], n_seeds, 0)
    run = engine.single_layer_sgd(X, y, w_star, w_star, rngs(range(n_seeds)), learning_rate=lr, batch_size=S, burn_in_steps=2000,
                                  measure_steps=200_000, record_every=5, trace_every=200_000, replacement=replacement)
    second = run.sum_outer_deviation / run.n_records
    mean, sem = mean_and_sem(second)
    exact = th.discrete_sgd_covariance(X[0], y[0], lr, S, replacement)
    upper = np.triu_indices(N)
    assert np.all(np.abs(mean - exact)[upper] < 4.5 * sem[upper]), (mean, exact, sem)


def test_streaming_moments_equal_direct_sums_whatever_the_chunks_and_threads():
    """StreamingMoments against sums taken directly over all records; chunking and threads must not change a bit."""
    from sgdnoise.statistics import StreamingMoments

    records = np.random.default_rng(5).normal(size=(5, 700, 9))  # 700 records: two full internal blocks of 256 and a partial one
    results = {}
    for threads in (1, 3):
        for cuts in ((700,), (1, 300, 399), (256, 444)):
            moments = StreamingMoments(5, 9, threads=threads)
            start = 0
            for n in cuts:
                moments.add(records[:, start : start + n])
                start += n
            results[threads, cuts] = moments.result()
    count, total, outer = results[1, (700,)]
    assert count == 700
    np.testing.assert_allclose(total, records.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(outer, np.einsum("sni,snj->sij", records, records), rtol=1e-12, atol=1e-12)
    for c, s, o in results.values():
        assert c == count
        np.testing.assert_array_equal(s, total)
        np.testing.assert_array_equal(o, outer)


def test_progress_lines_every_tenth_and_at_least_every_30_seconds(capsys):
    from sgdnoise.progress import progress_reporter

    now = [0.0]
    report = progress_reporter("run x", clock=lambda: now[0])
    for done, t in ((50, 1.0), (100, 2.0), (120, 40.0), (130, 41.0), (1000, 50.0)):
        now[0] = t
        report(done, 1000)
    lines = capsys.readouterr().err.splitlines()
    # 5 % is no new tenth; 10 % is; 12 % comes 38 s after the last line; 13 % 1 s after; 100 %
    assert lines == ["run x: 10% (100 of 1000 steps), 50 steps/s, about 18 s left",
                     "run x: 12% (120 of 1000 steps), 3 steps/s, about 293 s left",
                     "run x: 100% (1000 of 1000 steps), 20 steps/s, about 0 s left"]


def test_a_divergence_stops_the_run_within_a_chunk():
    """lambda far above 2 / omega_max: the weights overflow within a few hundred steps; the engine stops at the end of
    the chunk in which a record became non-finite (not after the last of 10^6 steps), naming the seeds and step."""
    from sgdnoise.statistics import DivergedError

    X, y, w_star = problem(3, 10, 20)
    w0 = np.zeros_like(w_star)
    with np.errstate(all="ignore"), pytest.raises(DivergedError) as error:
        engine.single_layer_sgd(X, y, w0, w_star, rngs(range(3)), learning_rate=60.0, batch_size=5, burn_in_steps=0, measure_steps=10**6,
                                record_every=10, trace_every=1000, chunk_steps=1000)
    diverged = error.value
    assert list(diverged.seed_indices) == [0, 1, 2] and diverged.n_seeds == 3
    assert diverged.stopped_at <= 2000 < diverged.total_steps == 10**6  # overflow takes < 1000 steps at lambda omega_max ~ 6
    assert all(0 < step <= diverged.stopped_at and step % 10 == 0 for step in diverged.first_steps)
