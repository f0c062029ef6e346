"""The deep linear runs of the catalogue (sgdnoise.corlouer2026.runs): initialization, teacher, time axis, and the
stage's wiring against a direct engine call on the same random streams."""

import numpy as np
import pytest
import scipy.stats
import xarray as xr

from sgdnoise import engine, seeding
from sgdnoise.corlouer2026 import runs


def test_teacher_is_diagonal_in_the_leading_modes():
    M = runs.teacher_matrix([5, 4, 3], [1.0, 0.7, 0.4])
    assert M.shape == (3, 5)
    np.testing.assert_array_equal(np.linalg.svd(M, compute_uv=False), [1.0, 0.7, 0.4])
    np.testing.assert_array_equal(M[:, :3], np.diag([1.0, 0.7, 0.4]))


def test_initial_weight_variance_is_min_width_to_minus_gamma():
    """Entries N(0, min(d_l, d_{l-1})^-gamma): the sample variance of every layer against its chi-square interval."""
    widths, gamma = [6, 3, 5], 1.5
    rngs = [np.random.default_rng(seed) for seed in range(400)]
    layers = runs.initial_weights(rngs, widths, gamma)
    for layer, (d_in, d_out) in zip(layers, zip(widths[:-1], widths[1:])):
        assert layer.shape == (400, d_out, d_in)
        n = layer.size
        expected = min(d_in, d_out) ** -gamma
        low, high = scipy.stats.chi2.ppf([0.0005, 0.9995], n) / n * expected  # 99.9% interval of the mean square (mean 0 known)
        assert low < np.mean(layer**2) < high, (np.mean(layer**2), expected)
        # power: the plausible bug of min^-gamma as the standard deviation (variance min^-2gamma) lies outside
        assert not low < min(d_in, d_out) ** (-2 * gamma) < high


def test_whole_steps_rejects_times_between_steps():
    assert runs.whole_steps(0.3, 0.1, "horizon") == 3
    with pytest.raises(ValueError, match="horizon = 0.35 is not a whole number of steps of 0.1"):
        runs.whole_steps(0.35, 0.1, "horizon")


def test_online_sgd_stage_equals_the_engine_on_the_same_streams(tmp_path):
    kwargs = dict(key="test", point="default", seeds=[0, 1], sgd_seed=7, data_seed=8, method="online_sgd", widths=[4, 3, 4],
                  teacher_singular_values=[1.0, 0.5], init_gamma=1.0, learning_rate=0.01, batch_size=2, label_noise_variance=0.04, dt=None,
                  noise_std=1.0, dataset_size=None, horizon=0.4, burn_in=0.2, record_interval=0.02, trace_interval=0.04,
                  record_noise_variance=True, record_weights=False, chunk_steps=16, threads=1)
    runs.train(str(tmp_path / "run.nc"), provenance={}, **kwargs)
    ds = xr.open_dataset(tmp_path / "run.nc")
    start = runs.initial_weights([seeding.generator(7, "test", "default", s, "init") for s in (0, 1)], [4, 3, 4], 1.0)
    direct = engine.deep_linear_online_sgd(runs.teacher_matrix([4, 3, 4], [1.0, 0.5]), start, [seeding.generator(7, "test", "default", s, "online_sgd") for s in (0, 1)],
                                           learning_rate=0.01, batch_size=2, label_noise_std=0.2, burn_in_steps=20, measure_steps=20, record_every=2,
                                           trace_every=4, noise_variance=True, noise_variance_modes=2)
    np.testing.assert_array_equal(ds.modes.values, direct.modes)
    np.testing.assert_array_equal(ds.noise_variance.values, direct.noise_variance)
    np.testing.assert_allclose(ds.time.values, 0.01 * np.arange(0, 41, 4))  # t = eta * step
    # window moments: the mean of the 10 records after burn-in (steps 22, 24, ..., 40), not of the trace
    assert ds.attrs["n_records"] == "10"
    np.testing.assert_allclose(ds.window_mean.sel(entry="loss").values, direct.reference[:, -1] + direct.sum_deviation[:, -1] / 10)
    np.testing.assert_array_equal(ds.initial_weights_1.values, start[0])


def test_a_diverging_deep_linear_run_names_seed_and_step(tmp_path):
    """Gradient flow at a step far above its stability limit: the job stops, naming the first seed and the recorded
    step from which its trace (modes, loss) is non-finite, and writes nothing."""
    kwargs = dict(key="test", point="default", seeds=[3, 4], sgd_seed=7, data_seed=8, method="gradient_flow", widths=[4, 3, 4],
                  teacher_singular_values=[1.0, 0.5], init_gamma=-2.0, learning_rate=0.01, batch_size=1, label_noise_variance=0.0, dt=5.0,
                  noise_std=1.0, dataset_size=None, horizon=2000.0, burn_in=0.0, record_interval=100.0, trace_interval=100.0,
                  record_noise_variance=False, record_weights=False, chunk_steps=16, threads=1)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"test default gradient_flow seeds 3-4: the run diverged \(non-finite weights in 2 of 2 "
                                                                           r"seeds; first seed 3, non-finite from recorded step \d+ on\)"):
        runs.train(str(tmp_path / "run.nc"), provenance={}, **kwargs)
    assert not list(tmp_path.iterdir())


def test_stage_writes_the_increment_sums_of_the_teacher_modes(tmp_path):
    kwargs = dict(key="test", point="default", seeds=[0, 1], sgd_seed=7, data_seed=8, method="online_sgd", widths=[4, 3, 4],
                  teacher_singular_values=[1.0, 0.5], init_gamma=1.0, learning_rate=0.01, batch_size=2, label_noise_variance=0.04, dt=None,
                  noise_std=1.0, dataset_size=None, horizon=0.4, burn_in=0.2, record_interval=0.04, trace_interval=0.04,
                  record_noise_variance=True, record_weights=False, chunk_steps=16, threads=1, record_increments=True)
    runs.train(str(tmp_path / "run.nc"), provenance={}, **kwargs)
    ds = xr.open_dataset(tmp_path / "run.nc")
    assert ds.increment_sum.dims == ("seed", "time", "teacher_mode") and ds.sizes["teacher_mode"] == 2
    assert ds.attrs["increment_steps"] == "4" and np.all(np.isnan(ds.increment_sum.isel(time=0)))
    # the sums of dw over consecutive intervals telescope to the change of w_alpha over the run
    w = np.stack([ds.modes.isel(row=a, column=a).values for a in range(2)], axis=-1)
    np.testing.assert_allclose(ds.increment_sum.isel(time=slice(1, None)).sum("time").values, w[:, -1] - w[:, 0], rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="record_increments"):
        runs.train(str(tmp_path / "bad.nc"), provenance={}, **{**kwargs, "trace_interval": 0.08})
