"""The benchmark's baselines compute the engine's dynamics: fed the same random streams, each reproduces the
engine's weights to rounding on a tiny case; with their own random numbers the vectorised peers give the engine's
statistics across seeds within standard errors. No test here asserts a wall time.

That the explicit Sigma equals the matrix-free sampler's covariance is tested in test_noise_covariance.py
(test_matrix_free_deep_noise_has_the_appendix_b_covariance); here only the explicit route's square root and drift.
"""

import dataclasses
import importlib.util
from functools import cache
from statistics import NormalDist

import numba
import numpy as np
import pandas as pd
import pytest

from sgdnoise import benchmarks as bm
from sgdnoise import noise_covariance

STEPS = 37  # not a multiple of the record interval: the engine then records every step


def tiny():
    return {
        "single_layer": bm.SingleLayer(N=7, P=20, S=3, n_seeds=3),
        "two_layer": bm.TwoLayer(n_in=5, n_hidden=4, P=30, S=3, n_seeds=2),
        "deep_linear": bm.DeepLinear(widths=(4, 5, 3, 3), batch_size=2, n_seeds=2),  # non-square catches transposes
        "sde": bm.DeepLinear(widths=(4, 5, 3, 3), n_seeds=2, learning_rate=0.05, dt=0.02),
    }


ENGINE = {"single_layer": bm.engine_single_layer, "two_layer": bm.engine_two_layer, "deep_linear": bm.engine_deep_linear, "sde": bm.engine_sde}
NAIVE = {"single_layer": bm.naive_single_layer, "two_layer": bm.naive_two_layer, "deep_linear": bm.naive_deep_linear, "sde": bm.naive_sde}
INITIAL = {"single_layer": lambda p: p.w0, "two_layer": lambda p: [p.first, p.second], "deep_linear": lambda p: p.w0, "sde": lambda p: p.w0}
TORCH = {"single_layer": bm.torch_single_layer, "two_layer": bm.torch_two_layer, "deep_linear": bm.torch_deep_linear, "sde": bm.torch_sde}


def assert_same_weights(expected, actual):
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    actual = actual if isinstance(actual, (list, tuple)) else [actual]
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual):
        assert e.shape == a.shape
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def flat(weights):
    """A workload's weights (one array or a list of layers) as one (seeds, parameters) array."""
    weights = weights if isinstance(weights, (list, tuple)) else [weights]
    return np.concatenate([w.reshape(w.shape[0], -1) for w in weights], axis=1)


@pytest.mark.parametrize("workload", list(ENGINE))
def test_naive_numpy_loop_equals_engine(workload):
    problem = tiny()[workload]
    n = problem.n_seeds
    engine_weights = ENGINE[workload](problem, n, STEPS)
    assert_same_weights(engine_weights, NAIVE[workload](problem, n, STEPS))
    # ... and the dynamics did move the weights
    assert np.abs(flat(engine_weights) - flat(INITIAL[workload](problem))).max() > 1e-3


@pytest.mark.parametrize("workload", list(ENGINE))
def test_torch_loop_in_float64_equals_engine(workload):
    pytest.importorskip("torch")
    problem = tiny()[workload]
    assert_same_weights(ENGINE[workload](problem, problem.n_seeds, STEPS), TORCH[workload](problem, problem.n_seeds, STEPS))


def _jax_or_skip():
    """bm._jax() before anything else imports jax, so its one-thread setup holds; skipped where JAX is missing."""
    try:
        bm._jax()
    except ImportError:
        pass
    pytest.importorskip("jax")


def _peer(name, workload):
    if name == "jax_scan":
        _jax_or_skip()
        return bm.JAX_SCAN[workload]
    if name == "torch_bmm":
        pytest.importorskip("torch")
    return lambda problem, n, steps: bm.BATCHED[workload](problem, n, steps, framework=name.split("_")[0])


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("workload", list(ENGINE))
def test_batched_peers_on_the_engine_streams_equal_engine(workload, framework):
    if framework == "torch":
        pytest.importorskip("torch")
    problem = tiny()[workload]
    steps = bm.PEER_BLOCK + STEPS  # crosses a block of draws
    peer = bm.BATCHED[workload](problem, problem.n_seeds, steps, framework=framework, streams="engine")
    assert_same_weights(ENGINE[workload](problem, problem.n_seeds, steps), peer)


STATISTICS_SEEDS, STATISTICS_STEPS = 400, 200


def same_start(problem):
    """Every seed gets seed 0's data and initial weights, so the spread across seeds is the SGD noise alone."""
    for name, value in vars(problem).items():
        for array in value if isinstance(value, list) else [value]:
            if isinstance(array, np.ndarray) and array.ndim and array.shape[0] == problem.n_seeds:
                array[:] = array[0]
    return problem


def statistics_case(workload):
    # The tiny SDE's eta = 0.05 lets its multiplicative noise blow up a few of 400 seeds within 100 steps; 0.01 none.
    changes = {"learning_rate": 0.01} if workload == "sde" else {}
    return same_start(dataclasses.replace(tiny()[workload], n_seeds=STATISTICS_SEEDS, **changes))


@cache
def engine_statistics_run(workload):
    return flat(ENGINE[workload](statistics_case(workload), STATISTICS_SEEDS, STATISTICS_STEPS))


def mean_and_variance_z(a, b):
    """Per parameter, the two-sample z-scores of the mean and of the variance across seeds. The samples are
    independent (different random numbers, identical starts), so under equal distributions each z is ~N(0, 1) for
    many seeds: mean: (m_a - m_b) / sqrt(s_a^2/n_a + s_b^2/n_b); variance: (s_a^2 - s_b^2) / sqrt(se_a^2 + se_b^2) with
    the sample variance's standard error se^2 = (m_4 - s^4) / n (m_4 the fourth central moment)."""
    def moments(x):
        n, mean, centred = len(x), x.mean(axis=0), x - x.mean(axis=0)
        variance = (centred**2).mean(axis=0) * n / (n - 1)
        return mean, variance, variance / n, ((centred**4).mean(axis=0) - variance**2) / n

    (ma, va, se_ma, se_va), (mb, vb, se_mb, se_vb) = moments(a), moments(b)
    return (ma - mb) / np.sqrt(se_ma + se_mb), (va - vb) / np.sqrt(se_va + se_vb)


@pytest.mark.parametrize("peer", bm.PEERS)
@pytest.mark.parametrize("workload", list(ENGINE))
def test_peers_with_their_own_draws_have_the_engine_statistics(workload, peer):
    run = _peer(peer, workload)
    problem = statistics_case(workload)
    initial = flat(INITIAL[workload](problem))
    final, expected = flat(run(problem, STATISTICS_SEEDS, STATISTICS_STEPS)), engine_statistics_run(workload)
    assert np.abs(final - initial).max() > 1e-3  # the dynamics moved ...
    assert (final.std(axis=0) > 1e-4 * np.abs(final).mean()).all()  # ... and the noise spread the seeds
    z_mean, z_variance = mean_and_variance_z(final, expected)
    # K = 2 x parameters z-scores, each ~N(0, 1) if the peer samples the engine's law. Bonferroni: the largest |z|
    # exceeds Phi^-1(1 - alpha / 2K) with probability <= alpha; alpha = 1e-3 gives bounds 4.0-4.4 for the K = 14-88
    # here (a false alarm in < 1 of 1000 runs), while a noise amplitude off by sqrt(2) (variance ratio 2) moves every
    # variance z by about (2 - 1) / sqrt((2 x 2^2 + 2) / n) = sqrt(n / 10) = 6.3 at n = 400 seeds (Gaussian se^2 = 2 s^4 / n).
    bound = NormalDist().inv_cdf(1 - 1e-3 / (2 * 2 * final.shape[1]))
    assert np.abs(z_mean).max() <= bound, (np.abs(z_mean).max(), bound)
    assert np.abs(z_variance).max() <= bound, (np.abs(z_variance).max(), bound)


def test_explicit_sigma_route_has_the_right_square_root_and_drift():
    problem = tiny()["sde"]
    weights = [w[0] for w in problem.w0]
    n_params = sum(w.size for w in weights)
    _, root = bm.explicit_sigma_step(weights, problem.teacher, problem.label_noise_std, problem.dt, 1.0, np.zeros(n_params))
    sigma = noise_covariance.deep_linear_noise_covariance(weights, problem.teacher, problem.label_noise_std)
    np.testing.assert_allclose(root @ root.T, sigma, rtol=0, atol=1e-12 * np.abs(sigma).max())
    # The step is linear in xi: its noise covariance is scale^2 R R^T = scale^2 Sigma.
    base, _ = bm.explicit_sigma_step(weights, problem.teacher, problem.label_noise_std, problem.dt, 0.7, np.zeros(n_params))
    columns = []
    for k in range(n_params):
        moved, _ = bm.explicit_sigma_step(weights, problem.teacher, problem.label_noise_std, problem.dt, 0.7, np.eye(n_params)[k])
        columns.append(np.concatenate([(m - b).ravel() for m, b in zip(moved, base)]))
    noise_map = np.array(columns).T
    np.testing.assert_allclose(noise_map @ noise_map.T, 0.49 * sigma, rtol=0, atol=1e-12 * np.abs(sigma).max())
    # Without noise (eta = 0) the explicit route is Euler on the drift, like the engine's SDE kernel.
    quiet = bm.DeepLinear(widths=(4, 5, 3, 3), n_seeds=2, learning_rate=0.0, dt=0.02)
    assert_same_weights(bm.engine_sde(quiet, 2, STEPS), bm.explicit_sigma_sde(quiet, 2, STEPS))


class FlopCounter:
    """An independent FLOP count: carries out one step's operations on arrays of the true shapes (so a transposed
    or mis-sized operand fails) and adds up numpy's own count of each contraction (np.einsum_path's naive count:
    2 per multiply-add, 1 per product without a sum) and one flop per element of each in-place update."""

    def __init__(self):
        self.flops = 0

    def einsum(self, spec, *operands):
        info = np.einsum_path(spec, *operands, optimize=False)[1]
        self.flops += round(float(next(l for l in info.splitlines() if "Naive FLOP count" in l).split(":")[1]))
        return np.einsum(spec, *operands)

    def update(self, target, increment):
        self.flops += increment.size
        return target + increment


def counted_single_layer_step(N, S):
    c, rng = FlopCounter(), np.random.default_rng(0)
    X, y, w = rng.normal(size=(S, N)), rng.normal(size=S), rng.normal(size=N)
    residuals = c.einsum("si,i->s", X, w) - y  # the S subtractions are O(S), below the count's resolution
    c.einsum("si,s->i", X, residuals)  # the final axpy on w is O(N)
    return c.flops


def counted_two_layer_step(n_in, n_hidden, S):
    c, rng = FlopCounter(), np.random.default_rng(0)
    X, y = rng.normal(size=(S, n_in)), rng.normal(size=S)
    W1, W2 = rng.normal(size=(n_hidden, n_in)), rng.normal(size=n_hidden)
    w = c.einsum("h,hi->i", W2, W1)  # the end-to-end weights, kept from the previous step
    error = c.einsum("si,s->i", X, c.einsum("si,i->s", X, w) - y)
    W1_new = c.update(W1, c.einsum("h,i->hi", W2, error))
    c.einsum("i,hi->h", error, W1)  # W2 += e W1^T: the add is O(N_h)
    return c.flops, W1_new.shape


def counted_deep_linear_online_step(widths, b):
    c, rng = FlopCounter(), np.random.default_rng(0)
    W = [rng.normal(size=(widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    teacher = rng.normal(size=(widths[-1], widths[0]))
    for _ in range(b):
        h = [rng.normal(size=widths[0])]
        for layer in W:
            h.append(c.einsum("ij,j->i", layer, h[-1]))
        g = h[-1] - c.einsum("ij,j->i", teacher, h[0])
        for l in reversed(range(len(W))):
            W[l] = c.update(W[l], c.einsum("i,j->ij", g, h[l]))
            if l > 0:
                g = c.einsum("ij,i->j", W[l], g)
    return c.flops


def counted_sde_step(widths):
    """Matrix products of one Euler-Maruyama step (O(d^2) terms not counted, as in bm.sde_flops)."""
    c, rng = FlopCounter(), np.random.default_rng(0)
    L = len(widths) - 1
    W = [None] + [rng.normal(size=(widths[l], widths[l - 1])) for l in range(1, L + 1)]  # W[l]: d_l x d_(l-1)
    below = {2: W[1]}  # W_<l = W_(l-1) ... W_1
    for l in range(3, L + 1):
        below[l] = c.einsum("ij,jk->ik", W[l - 1], below[l - 1])
    end_to_end = c.einsum("ij,jk->ik", W[L], below[L])
    above = {L - 1: W[L]}  # W_>l = W_L ... W_(l+1)
    for l in range(L - 2, 0, -1):
        above[l] = c.einsum("ij,jk->ik", above[l + 1], W[l + 1])
    residual = c.einsum("ij,jk->ik", end_to_end, rng.normal(size=(widths[0], widths[0])))  # Delta Z
    for l in range(1, L + 1):
        right = c.einsum("ij,kj->ik", residual, below[l]) if l >= 2 else residual  # R W_<l^T
        c.einsum("ji,jk->ik", above[l], right) if l <= L - 1 else right  # W_>l^T (.)
    return c.flops


def test_flop_counts_match_an_independent_count_of_the_operations():
    """The documented formulas against numpy's count of the operations actually carried out, on non-square widths
    so a swapped index changes the count."""
    assert bm.single_layer_flops(100, 10) == counted_single_layer_step(100, 10) == 4000
    assert bm.single_layer_flops(7, 3) == counted_single_layer_step(7, 3)
    assert bm.two_layer_flops(50, 40, 10) == counted_two_layer_step(50, 40, 10)[0] == 14000
    assert bm.two_layer_flops(9, 4, 3) == counted_two_layer_step(9, 4, 3)[0]
    assert bm.deep_linear_online_flops((12,) * 5, 1) == counted_deep_linear_online_step((12,) * 5, 1) == 3456
    for widths, b in (((3, 5, 4, 7), 2), ((6, 2, 8), 3), ((4, 9, 3, 5, 2, 6), 1)):
        assert bm.deep_linear_online_flops(widths, b) == counted_deep_linear_online_step(widths, b)
    assert bm.sde_flops((12,) * 5) == counted_sde_step((12,) * 5) == 41472
    for widths in ((3, 5, 4, 7), (6, 2, 8), (4, 9, 3, 5, 2, 6), (5, 3, 3, 4, 2)):
        assert bm.sde_flops(widths) == counted_sde_step(widths)


def test_benchmark_command_writes_the_tables_and_plot(tmp_path, capsys):
    """A smoke run at tiny scale: the files and columns, not the speeds."""
    assert bm.main(["--out", str(tmp_path), "--min-seconds", "0.001", "--repeats", "2", "--scale", "0.05"]) == 0
    table = pd.read_csv(tmp_path / "engine.csv")
    assert list(table.columns[:5]) == ["workload", "implementation", "seed_steps_per_s", "gflops", "ratio_to_naive"]
    assert set(table.workload) == {"single_layer", "two_layer", "deep_linear", "sde"}
    assert {"engine_1thread", "naive_numpy", "explicit_sigma", "numpy_batched"} <= set(table.implementation)
    for peer, module in (("torch_bmm", "torch"), ("jax_scan", "jax")):
        if importlib.util.find_spec(module) is not None:
            assert len(table[table.implementation == peer]) == 4, peer
    peers = table[table.implementation.isin(bm.PEERS)]
    engine = table[table.implementation == "engine_1thread"].set_index("workload")
    assert (peers.seeds.to_numpy() == engine.seeds[peers.workload].to_numpy()).all()  # the engine's seed counts
    assert (table.fraction_of_peak > 0).all() and (table.fraction_of_peak < 1).all()
    peak = pd.read_csv(tmp_path / "machine_peak.csv").set_index("measure").gflops
    assert peak["fma_peak_1core"] > 0 and peak["numpy_dgemm_1024"] > 0
    if numba.config.NUMBA_NUM_THREADS >= 2:  # the two worker processes ran and reported their CPU time
        two = table[table.implementation == "engine_2processes"]
        assert len(two) == 4 and (two.cpu_share > 0).all()
    assert (table.seed_steps_per_s > 0).all()
    np.testing.assert_allclose(table[table.implementation == "naive_numpy"].ratio_to_naive, 1.0)
    targets = pd.read_csv(tmp_path / "engine_targets.csv")
    assert list(targets.columns[:4]) == ["target", "measured", "required", "met"]
    assert "sde: matrix-free engine (1 thread) / explicit Sigma" in set(targets.target)
    best_peer = targets[targets.target.str.contains("best peer")]
    assert len(best_peer) == 4 and set(best_peer.required) == {2.0, 3.0}
    loops = targets[targets.target.str.contains("per-seed loop|naive numpy")]
    assert len(loops) == 6 and (loops.met == "reference").all() and loops.required.isna().all()
    bounds = pd.read_csv(tmp_path / "engine_bounds.csv").iloc[0]
    assert bounds.n_draws == 222 and bounds.n_products == 12 and bounds.floor_ns == pytest.approx(bounds.normals_ns + bounds.products_ns, rel=1e-3)  # CSV: 4 digits
    assert (tmp_path / "engine.png").stat().st_size > 0
    assert "seed-steps/s" in capsys.readouterr().out


def test_engine_random_streams_equal_numpy_draws_whatever_the_threads():
    """The engine fills a chunk's draws in compiled code, seeds spread over threads (engine/recording.py): every number
    must equal what numpy's own Generator methods give, split into chunks or not. 850k normals per kind reach the
    ziggurat's rare paths (wedges ~1% of draws, tail |x| > 3.44 ~6e-4) hundreds of times."""
    import numba

    from sgdnoise.engine.recording import RandomStreams

    previous = numba.get_num_threads()
    try:
        draws = {}
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            for normal in (True, False):
                streams = RandomStreams([np.random.default_rng([9, s]) for s in range(5)], 3000, normal)
                draws[threads, normal] = np.concatenate([streams.draw(40).copy(), streams.draw(17).copy()], axis=1)
    finally:
        numba.set_num_threads(previous)
    for normal in (True, False):
        expected = np.array([np.random.default_rng([9, s]).standard_normal((57, 3000)) if normal else
                             np.random.default_rng([9, s]).random((57, 3000)) for s in range(5)])
        if normal:
            assert (np.abs(expected) > 3.44).sum() > 100
        for (threads, kind), value in draws.items():
            if kind == normal:
                np.testing.assert_array_equal(value, expected)
