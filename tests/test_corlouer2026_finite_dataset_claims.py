"""App. G claims on synthetic summaries with known truth: minibatch noise at (N-b)/(b(N-1)) without and 1/b with
replacement, the dataset's covariance equal to Prop. 3.2's (reproduced); the online 1/b without replacement and a dataset
covariance 30 % below the population's (not reproduced); two seeds (not judged). Plus the factor's closed form."""

import numpy as np
import pandas as pd
import xarray as xr

from sgdnoise.corlouer2026.finite_dataset import stages

N, B = 32, [1, 2, 4, 8, 16, 31, 32]


def summary(path, n_seeds=16, rival=False):
    rng = np.random.default_rng(8)
    b = np.array(B)
    parts = []
    for sampling in ("with", "without"):
        factor = 1 / b if sampling == "with" or rival else stages.finite_population_factor(N, b)
        population = rng.uniform(0.5, 2, (n_seeds, 3))
        dataset = population * (0.7 if rival else 1.0) * (1 + 0.05 * rng.standard_normal((n_seeds, 1)))
        batch = dataset[..., None] * factor * (1 + 0.01 * rng.standard_normal((n_seeds, 3, b.size)))
        parts.append(xr.Dataset({"batch_noise": (("seed", "probe", "batch_size"), batch), "batch_noise_sem": (("seed", "probe", "batch_size"), 0.01 * batch),
                                 "dataset_noise": (("seed", "probe"), dataset), "population_noise": (("seed", "probe"), population)},
                                coords={"seed": np.arange(n_seeds), "probe": [2.0, 3.0, 4.0], "batch_size": b}))
    ds = xr.concat(parts, dim="sampling").assign_coords(sampling=["with", "without"])
    ds.attrs["dataset_size"] = N
    ds.to_netcdf(path)
    return str(path)


def statuses(tmp_path, **options):
    stages.claims(summary(tmp_path / "summary.nc", **options), str(tmp_path / "claims.csv"))
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id")["status"]


def test_factor_closed_form():
    assert stages.finite_population_factor(N, 1) == 1.0 and stages.finite_population_factor(N, N) == 0.0
    np.testing.assert_allclose(stages.finite_population_factor(10, 4), 6 / 36)


def test_truth_is_reproduced(tmp_path):
    table = statuses(tmp_path)
    assert (table == "reproduced").all(), table


def test_rival_is_not_reproduced(tmp_path):
    table = statuses(tmp_path, rival=True)
    assert (table[["corlouer_finite_dataset_factor_without_replacement", "corlouer_finite_dataset_factor_times_prop32"]] == "not_reproduced").all(), table
    assert table["corlouer_finite_dataset_factor_with_replacement"] == "reproduced"


def test_two_seeds_are_not_judged(tmp_path):
    """The dataset-to-dataset row is not judged on two datasets; the factor rows stay decisive even then (at b = 31 the
    online 1/b is 30 times the without-replacement factor, far beyond a t limit of ~450 standard errors of ~1 %)."""
    table = statuses(tmp_path, n_seeds=2)
    assert table["corlouer_finite_dataset_factor_times_prop32"] == "not_judged", table
    assert table["corlouer_finite_dataset_factor_without_replacement"] == "reproduced", table
