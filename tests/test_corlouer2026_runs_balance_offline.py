"""The balanced initialization and the offline_sgd method of the deep linear runs (corlouer2026.runs): exact balance
and the Gaussian start's end-to-end map, and the stage against a direct engine call on the same streams and dataset."""

from functools import reduce

import numpy as np
import xarray as xr

from sgdnoise import engine, seeding
from sgdnoise.corlouer2026 import runs, theory


def product(layers):
    return reduce(lambda acc, w: w @ acc, layers[1:], layers[0])


def test_balanced_start_is_exactly_balanced_with_the_gaussian_map():
    """Eq. 33's numerator vanishes to rounding while the Gaussian start's is O(its norms); the end-to-end map is kept."""
    widths = [5, 7, 6, 5]
    gaussian = runs.initial_weights([np.random.default_rng(s) for s in range(3)], widths, 1.0)
    balanced = runs.balanced_start(gaussian, [np.random.default_rng(10 + s) for s in range(3)])
    np.testing.assert_allclose(product(balanced), product(gaussian), atol=1e-13)
    r_balanced, _ = theory.imbalance(balanced)
    r_gaussian, _ = theory.imbalance(gaussian)
    assert r_balanced.max() < 1e-13 and r_gaussian.min() > 0.1, (r_balanced.max(), r_gaussian.min())
    for lower, upper in zip(balanced[:-1], balanced[1:]):  # A1 directly, per seed
        np.testing.assert_allclose(np.swapaxes(upper, 1, 2) @ upper, lower @ np.swapaxes(lower, 1, 2), atol=1e-13)
    # the hidden bases are random: two streams give different layers with the same product
    other = runs.balanced_start(gaussian, [np.random.default_rng(20 + s) for s in range(3)])
    assert np.abs(other[0] - balanced[0]).max() > 0.1
    np.testing.assert_allclose(product(other), product(gaussian), atol=1e-13)


def _kwargs(**changes):
    kwargs = dict(key="test", point="default", seeds=[0, 1], sgd_seed=7, data_seed=8, method="offline_sgd", widths=[4, 3, 4],
                  teacher_singular_values=[1.0, 0.5], init_gamma=1.0, learning_rate=0.01, batch_size=3, label_noise_variance=0.04, dt=None,
                  noise_std=1.0, dataset_size=10, horizon=0.4, burn_in=0.2, record_interval=0.02, trace_interval=0.04,
                  record_noise_variance=False, record_weights=True, chunk_steps=16, threads=1, initialization="balanced",
                  minibatch_replacement=False)
    return kwargs | changes


def test_offline_sgd_stage_with_balanced_start_equals_the_engine(tmp_path):
    runs.train(str(tmp_path / "run.nc"), provenance={}, **_kwargs())
    ds = xr.open_dataset(tmp_path / "run.nc")
    init = [seeding.generator(7, "test", "default", s, "init") for s in (0, 1)]
    start = runs.balanced_start(runs.initial_weights(init, [4, 3, 4], 1.0), init)
    teacher = runs.teacher_matrix([4, 3, 4], [1.0, 0.5])
    inputs, labels = runs.fixed_dataset([seeding.generator(8, "test", "default", s, "data") for s in (0, 1)], teacher, 10, 0.2)
    direct = engine.deep_linear_offline_sgd(inputs, labels, teacher, start, [seeding.generator(7, "test", "default", s, "offline_sgd") for s in (0, 1)],
                                            learning_rate=0.01, batch_size=3, replacement=False, burn_in_steps=20, measure_steps=20, record_every=2,
                                            trace_every=4, record_weights=True)
    np.testing.assert_array_equal(ds.modes.values, direct.modes)
    np.testing.assert_array_equal(ds.weights_2.values, direct.weights[1])
    np.testing.assert_array_equal(ds.initial_weights_1.values, start[0])
    np.testing.assert_allclose(ds.time.values, 0.01 * np.arange(0, 41, 4))
    # with replacement the same streams give another trajectory (the option reaches the engine)
    runs.train(str(tmp_path / "with.nc"), provenance={}, **_kwargs(minibatch_replacement=True))
    assert np.abs(xr.open_dataset(tmp_path / "with.nc").modes.values[:, -1] - ds.modes.values[:, -1]).max() > 1e-6
