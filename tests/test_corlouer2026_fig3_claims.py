"""Fig. 3 claims on synthetic summaries with known truth: SGD learning all modes at ~200 and the SDE at ~30 with the
summed loss, diffusion peaks before learning, an SDE unchanged at half dt, pass; SGD on the SDE's timescale, peaks
after learning, a dt-dependent SDE, fail; two seeds are not judged."""

import numpy as np
import pandas as pd
import xarray as xr

from sgdnoise.corlouer2026.fig3 import stages as fig3

S = np.array([1.0, 0.7, 0.4])
CASES = ("online_sgd", "sde", "sde_half_dt", "online_sgd_output_mean", "sde_output_mean")


def summary(n_seeds=12, sgd_all=200.0, sde_all=30.0, peak_lead=3.0, half_dt_change=0.0, seed=5):
    """Learning times proportional to 1/s, scaled so the last (s = 0.4) is at sgd_all (SGD cases) or sde_all (SDE
    cases) on average, 3 % scatter per seed; the empirical peak `peak_lead` before; the half-dt SDE's times and peaks
    x (1 + half_dt_change) with 0.3 % paired scatter."""
    rng = np.random.default_rng(seed)
    base = (S[-1] / S) * (1 + 0.03 * rng.standard_normal((n_seeds, S.size)))
    peak_value = 1e-3 * S**3 * (1 + 0.03 * rng.standard_normal((n_seeds, S.size)))
    cases = []
    for case in CASES:
        scale = sgd_all if case.startswith("online_sgd") else sde_all
        change = 1 + half_dt_change if case == "sde_half_dt" else 1.0
        jitter = 1 + 0.003 * rng.standard_normal(base.shape) if case == "sde_half_dt" else 1.0
        times = scale * base * change * jitter
        cases.append(xr.Dataset(
            {"learning_time": (("seed", "mode"), times), "peak_time_empirical": (("seed", "mode"), times - peak_lead * times / times.max()),
             "peak_time_eq7": (("seed", "mode"), times - peak_lead), "peak_amplitude_empirical": (("seed", "mode"), np.full(base.shape, 0.6)),
             "peak_empirical": (("seed", "mode"), peak_value * change * jitter)},
            coords={"seed": np.arange(n_seeds), "mode": np.arange(S.size), "singular_value": ("mode", S)}))
    ds = xr.concat(cases, dim="case").assign_coords(case=list(CASES))
    ds.attrs = {"depth": "4", "learned_fractions": "[0.1, 0.9]", "learning_rate": "0.005"}
    return ds


def statuses(tmp_path, ds):
    path = tmp_path / "summary.nc"
    ds.to_netcdf(path)
    fig3.claims(str(path), str(tmp_path / "claims.csv"), paper_times={"online_sgd": 200, "sde": 30}, dt_change_limit=0.1)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status.to_dict()


def test_truth_is_reproduced(tmp_path):
    status = statuses(tmp_path, summary())
    # every normalisation row sees the same synthetic times here: all reproduce the paper's numbers
    assert set(status.values()) == {"reproduced"}, status


def test_rivals_are_not_reproduced(tmp_path):
    rival = statuses(tmp_path, summary(sgd_all=30.0))  # SGD on the SDE's timescale
    assert rival["corlouer_fig3_time_to_learn_all_summed"] == "not_reproduced"
    peaks = statuses(tmp_path, summary(peak_lead=-3.0))  # the diffusion peaking after the mode is learned
    assert peaks["corlouer_fig3_peak_before_learned_online_sgd"] == peaks["corlouer_fig3_peak_before_learned_sde"] == "not_reproduced"
    assert statuses(tmp_path, summary(half_dt_change=0.2))["corlouer_fig3_sde_dt_halving"] == "not_reproduced"
    assert statuses(tmp_path, summary(half_dt_change=0.03))["corlouer_fig3_sde_dt_halving"] == "qualitative"  # detected, but within the 10 % reading


def test_ratio_reading_is_qualitative(tmp_path):
    """SGD at 2.5 x 200 (ratio 16.7 against 6.67: outside the one-figure reading, inside a factor 2.5 but not 2) fails;
    at 1.5 x 200 with the SDE at 30 the ratio is within a factor 2: qualitative."""
    assert statuses(tmp_path, summary(sgd_all=500.0))["corlouer_fig3_time_to_learn_all_summed"] == "not_reproduced"
    assert statuses(tmp_path, summary(sgd_all=300.0))["corlouer_fig3_time_to_learn_all_summed"] == "qualitative"


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, summary(n_seeds=2))
    assert set(status.values()) == {"not_judged"}, status


def test_reading_halfwidth_is_half_the_leading_digit():
    assert fig3.reading_halfwidth(200) == 50 and fig3.reading_halfwidth(30) == 5 and fig3.reading_halfwidth(0.4) == 0.05
