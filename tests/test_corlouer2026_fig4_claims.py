"""Fig. 4 claims on synthetic end-of-training samples with known truth: SGD and the SDE at a point with Langevin spread
(what this reproduction measures), the paper's spread SDE, equal variances, and too few runs."""

import numpy as np
import xarray as xr

from corlouer2026_laws_helpers import claim_statuses
from sgdnoise.corlouer2026.laws import fig4

S = 1.0


def summary(tmp_path, rng, *, n=128, sde_std=1e-7, langevin_std=0.05, matched_std=0.01, drift=0.0):
    stds = {"sgd": 1e-7, "sde": sde_std, "langevin": langevin_std, "langevin_matched": matched_std}
    data = {}
    for m, std in stds.items():
        first = S + std * rng.standard_normal(n)
        last = first if std < 1e-3 else S + std * rng.standard_normal(n)  # points stay put; spread laws are stationary
        data[m] = ((f"seed_{m}", "snapshot"), np.stack([first - drift, last], axis=1))
    return xr.Dataset(data, coords={"snapshot": [10.0, 20.0], "singular_value": S, "dt": 0.0025})


def statuses(tmp_path, ds):
    return claim_statuses(fig4.claims, ds, tmp_path, resolution=1e-3)


def test_point_sde_fails_c10_and_passes_the_rest(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(0)))
    assert st["corlouer_fig4_C9"] == "reproduced" and st["corlouer_fig4_C10_sde_spread"] == "not_reproduced"
    assert st["corlouer_fig4_C11"] == st["corlouer_fig4_C11_matched"] == "reproduced" and st["corlouer_fig4_end_of_training"] == "reproduced"


def test_the_papers_spread_sde_reproduces_c10(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(1), sde_std=0.02))
    assert st["corlouer_fig4_C10_sde_spread"] == "reproduced" and st["corlouer_fig4_C11"] == "reproduced"


def test_equal_variances_and_a_moving_law_fail(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(2), sde_std=0.05, drift=0.02))
    assert st["corlouer_fig4_C11"] == "not_reproduced" and st["corlouer_fig4_end_of_training"] == "not_reproduced"


def test_two_runs_are_not_judged(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(3), n=2, sde_std=0.02, langevin_std=0.03))
    assert st["corlouer_fig4_C11"] == "not_judged" and st["corlouer_fig4_C10_sde_spread"] == "not_judged"
