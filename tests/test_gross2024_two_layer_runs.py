"""The two-layer runs of the catalogue (sgdnoise.gross2024.two_layer_runs): the stage's window statistics against a
dense trace of the same run, blocks against the whole, seed splits, initial weights, and the time axis."""

import re

import numpy as np
import pytest
import scipy.stats
import xarray as xr
import yaml
from test_workflow import copy_workflow, snakemake

from sgdnoise import seeding
from sgdnoise.gross2024 import runs, two_layer_runs

N_IN, N_HIDDEN, P = 4, 3, 50
STAGE = dict(key="test", point="N4_P50_h3_c1e+00", sgd_seed=11, n_hidden=N_HIDDEN, init_scale=1.0, learning_rate=0.2, batch_size=5,
             minibatch_replacement=True, noise_form="wick", burn_in_steps=40, measure_steps=200, record_every=4, chunk_steps=24, threads=1)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "N4_P50.nc"
    runs.make_data(str(path), key="test_data", N=N_IN, P=P, n_seeds=4, data_seed=5, label_noise_variance=0.1, teacher_variance=1.0,
                   inputs="iid", labels="random", provenance={})
    return str(path)


def train(data_path, tmp_path, name, seeds, method="sgd", moments="all", trace_every=None, trace_block="all"):
    output = tmp_path / f"{name}.nc"
    dt = 0.1 if method == "sgf" else None
    two_layer_runs.train(data_path, str(output), seeds=seeds, method=method, dt=dt, moments=moments, trace_every=trace_every or STAGE["record_every"],
                         trace_block=trace_block, provenance={}, **STAGE)
    return xr.open_dataset(output)


def window_records(ds):
    """The records of the measurement window from a dense trace (trace_every = record_every): W1 row-major, W2."""
    window = ds.step.values > STAGE["burn_in_steps"]
    first = ds.trace_first_layer.values[:, window].reshape(ds.sizes["seed"], window.sum(), -1)
    return np.concatenate([first, ds.trace_second_layer.values[:, window]], axis=2), ds.trace_loss.values[:, window]


@pytest.mark.parametrize("method", ["sgd", "sgf"])
def test_window_statistics_equal_those_of_the_dense_trace(data_path, tmp_path, method):
    ds = train(data_path, tmp_path, "dense", [0, 1], method)
    records, loss = window_records(ds)
    n = STAGE["measure_steps"] // STAGE["record_every"]
    assert records.shape[1] == n == int(ds.n_records)
    weights = N_HIDDEN * N_IN
    mean = records.mean(axis=1)
    np.testing.assert_allclose(ds.window_mean_first_layer.values.reshape(2, -1), mean[:, :weights], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ds.window_mean_second_layer.values, mean[:, weights:], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ds.window_mean_loss.values, loss.mean(axis=1), rtol=1e-12)
    covariance = np.stack([np.cov(r.T, bias=True) for r in records])  # about the window mean, 1/n
    np.testing.assert_allclose(ds.window_covariance.values, covariance, rtol=1e-9, atol=1e-13)
    assert ds.window_covariance.attrs["block"] == "all" and list(ds.moment.values) == list(range(weights + N_HIDDEN))
    halves = np.stack([records[:, : n // 2].mean(axis=1), records[:, n // 2 :].mean(axis=1)], axis=1)
    np.testing.assert_allclose(ds.half_window_mean_second_layer.values, halves[..., weights:], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ds.half_window_mean_first_layer.values.reshape(2, 2, -1), halves[..., :weights], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ds.half_window_mean_loss.values, np.stack([loss[:, : n // 2].mean(1), loss[:, n // 2 :].mean(1)], axis=1), rtol=1e-12)
    # the trace ends at the final weights; time is continuum time lambda * step (SGD) or dt * step (SGF)
    np.testing.assert_array_equal(ds.trace_first_layer.values[:, -1], ds.final_first_layer.values)
    np.testing.assert_array_equal(ds.trace_second_layer.values[:, -1], ds.final_second_layer.values)
    time_per_step = 0.1 if method == "sgf" else STAGE["learning_rate"]
    np.testing.assert_allclose(ds.time.values, time_per_step * np.arange(0, 241, 4))
    # the loss trace is the training loss (3.1) of the traced weights on the seed's own data realization
    data = xr.open_dataset(data_path)
    w = np.einsum("sth,sthi->sti", ds.trace_second_layer.values, ds.trace_first_layer.values)
    residual = data.labels.values[:2, None, :] - np.einsum("spi,sti->stp", data.inputs.values[:2], w)
    np.testing.assert_allclose(ds.trace_loss.values, 0.5 * np.mean(residual**2, axis=2), rtol=1e-9)


def test_blocks_and_seed_splits(data_path, tmp_path):
    full = train(data_path, tmp_path, "full", [0, 1, 2, 3])
    weights = N_HIDDEN * N_IN
    second = train(data_path, tmp_path, "second", [0, 1, 2, 3], moments="second_layer", trace_every=40, trace_block="loss")
    np.testing.assert_allclose(second.window_covariance.values, full.window_covariance.values[:, weights:, weights:], rtol=1e-9, atol=1e-13)
    assert list(second.moment.values) == list(range(weights, weights + N_HIDDEN)) and second.window_covariance.attrs["block"] == "second_layer"
    first = train(data_path, tmp_path, "first", [0, 1, 2, 3], moments="first_layer", trace_block="second_layer")
    np.testing.assert_allclose(first.window_covariance.values, full.window_covariance.values[:, :weights, :weights], rtol=1e-9, atol=1e-13)
    # the window means of every weight are kept whatever the block; the thinned trace keeps only its block
    for ds in (first, second):
        for name in ("window_mean_first_layer", "window_mean_second_layer", "half_window_mean_first_layer", "final_first_layer"):
            np.testing.assert_array_equal(ds[name].values, full[name].values)
    assert "trace_first_layer" not in first and "trace_second_layer" not in second and "trace_first_layer" not in second
    np.testing.assert_array_equal(first.trace_second_layer.values, full.trace_second_layer.values)
    np.testing.assert_array_equal(second.trace_loss.values, full.trace_loss.values[:, ::10])
    np.testing.assert_array_equal(second.step.values, np.arange(0, 241, 40))
    # seeds 0-1 and 2-3 in two jobs give the same numbers as four together
    train(data_path, tmp_path, "a", [0, 1])
    train(data_path, tmp_path, "b", [2, 3])
    split = two_layer_runs.open_runs([str(tmp_path / "b.nc"), str(tmp_path / "a.nc")])
    for name, variable in full.data_vars.items():
        np.testing.assert_array_equal(split[name].values, variable.values, err_msg=name)
    np.testing.assert_array_equal(split.seed.values, [0, 1, 2, 3])


def test_initial_weights_come_from_the_init_stream_with_variance_c_over_fan_in(data_path, tmp_path):
    ds = train(data_path, tmp_path, "init", [2, 3])
    first, second = two_layer_runs.initial_weights([seeding.generator(11, "test", STAGE["point"], s, "init") for s in (2, 3)], N_IN, N_HIDDEN, 1.0)
    np.testing.assert_array_equal(ds.initial_first_layer.values, first)
    np.testing.assert_array_equal(ds.initial_second_layer.values, second)
    assert ds.initial_first_layer.dims == ("seed", "hidden", "feature") and ds.initial_second_layer.dims == ("seed", "hidden")
    # Var W1 = c/N_i, Var W2 = c/N_h: the sample mean squares against their 99.9 % chi-square intervals (mean 0 known)
    n_in, n_hidden, c = 30, 20, 1e-4
    first, second = two_layer_runs.initial_weights([np.random.default_rng(s) for s in range(50)], n_in, n_hidden, c)
    for layer, variance, rival in ((first, c / n_in, c / n_hidden), (second, c / n_hidden, c / n_in)):
        low, high = scipy.stats.chi2.ppf([0.0005, 0.9995], layer.size) / layer.size * variance
        assert low < np.mean(layer**2) < high
        assert not low < rival < high  # power: the fan-ins swapped would fail


def test_a_diverging_run_names_point_and_seed(data_path, tmp_path):
    stage = STAGE | dict(init_scale=400.0, learning_rate=1.0, burn_in_steps=0, measure_steps=400)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"test N4_P50_h3_c1e\+00 sgd seeds 0-1: the run diverged \(non-finite weights in \d of 2 seeds; "
                                                                           r"first seed \d, non-finite from recorded step \d+ on\)"):
        two_layer_runs.train(data_path, str(tmp_path / "x.nc"), seeds=[0, 1], method="sgd", dt=None, moments="all", trace_every=4, trace_block="all",
                             provenance={}, **stage)
    assert not (tmp_path / "x.nc").exists()


# A two-layer sweep and an SGF run on one random-label dataset, declared by --configfile as a figure would declare them.
WORKFLOW_RUNS = {
    "datasets": {"tl_demo": {"N": 6, "P": 60, "labels": "random", "label_noise_variance": 0.1, "n_seeds": 4}},
    "runs": {
        "tl_demo": {"dynamics": "two_layer", "dataset": "tl_demo", "n_hidden": [3, 4], "init_scale": [1.0, 1e-4], "learning_rate": 0.1, "batch_size": 5,
                    "burn_in_steps": 1000, "measure_steps": 2000, "record_every": 10, "trace_every": 100, "trace_block": "second_layer", "seeds_per_job": 2},
        "tl_demo_sgf": {"dynamics": "two_layer", "method": "sgf", "dt": 0.1, "dataset": "tl_demo", "n_hidden": 3, "learning_rate": 0.1, "batch_size": 5,
                        "burn_in_steps": 1000, "measure_steps": 2000, "record_every": 10, "moments": "second_layer"},
    },
}


@pytest.mark.workflow
def test_rule_two_layer_makes_every_point_and_seed_block(tmp_path):
    """Rule two_layer through Snakemake: 4 sweep points x 2 seed blocks + 1 SGF point x 1 block from one data file;
    the files follow the catalogue's format and the blocks of a point read back as one run of 4 seeds."""
    workdir = copy_workflow(tmp_path / "two_layer")
    (workdir / "runs.yaml").write_text(yaml.safe_dump(WORKFLOW_RUNS))
    targets = [f"results/runs/tl_demo/N6_P60_h{h}_c{c}/seeds{a}-{b}.nc" for h in (3, 4) for c in ("1e+00", "1e-04") for a, b in ((0, 1), (2, 3))]
    targets.append("results/runs/tl_demo_sgf/N6_P60_h3_c1e+00/seeds0-3.nc")
    dry = snakemake(workdir, "--dry-run", *targets, "--configfile", "config.yaml", "runs.yaml").stdout
    assert re.search(r"^two_layer\s+9$", dry, re.M) and re.search(r"^teacher_student_data\s+1$", dry, re.M)
    snakemake(workdir, *targets, "--configfile", "config.yaml", "runs.yaml")
    ds = two_layer_runs.open_runs([str(workdir / t) for t in targets[6:8]])  # h4, c1e-04
    assert list(ds.seed.values) == [0, 1, 2, 3] and int(ds.n_hidden) == 4 and float(ds.init_scale) == 1e-4
    assert ds.trace_second_layer.dims == ("seed", "time", "hidden") and "trace_first_layer" not in ds
    np.testing.assert_allclose(ds.time.values, 0.1 * np.arange(0, 3001, 100))
    assert ds.window_covariance.shape == (4, 28, 28) and np.all(np.isfinite(ds.window_covariance.values))
    assert 0 < np.mean(ds.initial_second_layer.values ** 2) < 1e-3  # c = 1e-4: Var W2 = c / N_h
    sgf = xr.open_dataset(workdir / targets[-1])
    assert sgf.attrs["method"] == "sgf" and list(sgf.moment.values) == [18, 19, 20] and sgf.window_covariance.attrs["block"] == "second_layer"
    np.testing.assert_allclose(sgf.time.values, [0.0, 300.0])  # dt * step; by default only the first and last step
    log = (workdir / "results/logs/two_layer/tl_demo_sgf/N6_P60_h3_c1e+00/seeds0-3.log").read_text()
    assert "tl_demo_sgf N6_P60_h3_c1e+00 sgf seeds 0-3: 100% (3000 of 3000 steps)" in log
