"""Fig. 7 claims on synthetic summaries with known truth: from the Gaussian start r_l falls but stays above the balanced
start's, which stays near 0 (reproduced); a Gaussian r_l that does not fall and a balanced start that loses its balance
(not reproduced); two seeds (not judged). fig8's tests build on `summary`."""

import numpy as np
import pandas as pd
import xarray as xr

from sgdnoise.corlouer2026.fig7 import stages

TIME = np.linspace(0, 15, 151)


def trajectories(rng, n_seeds, start, end, spread=0.2):
    """(seed, trace, 1): log-linear from start to end, each seed's end scattered by a log-normal factor."""
    ends = end * np.exp(spread * rng.standard_normal((n_seeds, 1)))
    return (start * (ends / start) ** (TIME / TIME[-1]))[..., None]


def summary(path, n_seeds=16, rival=False, rival_norms=False):
    """Depth 2. Truth: Gaussian r 0.5 -> 0.02 with the numerator nearly constant and the norms 0.3 -> 1.5; balanced r
    1e-3 -> 3e-3. rival: Gaussian r 0.5 -> 0.8, balanced r up to 0.9. rival_norms: the norms shrink, the numerator
    falls with r (x 0.1)."""
    rng = np.random.default_rng(3)
    ends = {"gaussian": 0.8 if rival else 0.02, "balanced": 0.9 if rival else 3e-3}
    starts = {"gaussian": 0.5, "balanced": 1e-3}
    cases = []
    for init in ("gaussian", "balanced"):
        ratio = trajectories(rng, n_seeds, starts[init], ends[init])
        numerator = trajectories(rng, n_seeds, 0.035, 0.0035 if rival_norms else 0.035, 0.1)
        norms = np.repeat(trajectories(rng, n_seeds, 0.3, 0.2 if rival_norms else 1.5, 0.05), 2, axis=2)
        cases.append(xr.Dataset({"imbalance": (("seed", "trace", "pair"), ratio), "imbalance_numerator": (("seed", "trace", "pair"), numerator),
                                 "layer_norm": (("seed", "trace", "layer"), norms), "time": (("trace",), TIME)},
                                coords={"seed": np.arange(n_seeds), "trace": np.arange(TIME.size), "pair": [1], "layer": [1, 2]}))
    ds = xr.concat(cases, dim="case").assign_coords(case=["L2_gaussian", "L2_balanced"], depth=("case", [2, 2]),
                                                      initialization=("case", ["gaussian", "balanced"]))
    ds.to_netcdf(path)
    return str(path)


def statuses(tmp_path, **options):
    stages.claims(summary(tmp_path / "summary.nc", **options), str(tmp_path / "claims.csv"), nearly=0.1)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id")["status"]


ROWS = ["corlouer_fig7_gaussian_balance_improves_L2", "corlouer_fig7_never_reaches_balanced_L2", "corlouer_fig7_balanced_stays_balanced_L2"]


def test_truth_is_reproduced(tmp_path):
    assert (statuses(tmp_path)[ROWS] == "reproduced").all()


def test_rival_is_not_reproduced(tmp_path):
    assert (statuses(tmp_path, rival=True)[ROWS] == "not_reproduced").all()


def test_two_seeds_are_not_judged(tmp_path):
    assert (statuses(tmp_path, n_seeds=2)[["corlouer_fig7_gaussian_balance_improves_L2", "corlouer_fig7_never_reaches_balanced_L2"]] == "not_judged").all()
