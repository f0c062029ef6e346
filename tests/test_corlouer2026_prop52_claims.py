"""Prop. 5.2 claims on synthetic tables: laws drawn around (16) with the corrected drift (truth) -> consistency rows reproduce
and Eq. 17 is an erratum; laws around the printed Eq. 14 drift's mean fail the mean row, a 1-D mean at Eq. 17 reproduces it;
SEs of two runs are not judged."""

import numpy as np
import pandas as pd
import xarray as xr

from corlouer2026_laws_helpers import claim_statuses
from sgdnoise.corlouer2026 import theory
from sgdnoise.corlouer2026.laws import common, prop52

BETA, Q = 0.005, 0.1


def table(rng, *, truth="corrected", se_scale=1.0, n_seeds=64):
    rows = []
    for depth in (2, 4):
        grid = np.linspace(0.05, 4.0, 40001)
        for method, step in (("online_sgd", BETA), ("sde", 0.0025)):
            for a, s in enumerate((1.0, 0.7, 0.4)):
                law = common.stationary_law("corrected", s, depth, BETA, Q, grid)
                means = {f: common.stationary_law(f, s, depth, BETA, Q, grid).mean - s for f in common.ITO_DRIFTS}
                small = theory.small_noise_law(s, depth, BETA, Q)
                k = depth * s ** (2 * (depth - 1) / depth)
                mean_se, var_se, peak_se = 1e-5 * se_scale, 1e-6 * se_scale, 2e-5 * se_scale
                peak = common.density_shape(law)[2] - s
                r = dict(method=method, run="r", depth=depth, mode=a, s=s, step=step, n_seeds=n_seeds,
                         mean_shift=means[truth] + mean_se * rng.standard_normal(), mean_shift_se=mean_se,
                         variance=law.variance / (1 - k * step / 2) + var_se * rng.standard_normal(), variance_se=var_se,
                         peak_shift=peak + peak_se * rng.standard_normal(), peak_shift_se=peak_se, skewness=0.0, excess_kurtosis=0.0,
                         law_mean_shift=law.mean - s, law_variance=law.variance, law_mode_shift=law.mode - s, law_peak_shift=peak,
                         small_noise_mean_shift=float(small.mean) - s, small_noise_mode_shift=float(small.mode) - s,
                         eq17_shift=float(theory.stationary_shift_eq17(s, depth, BETA, Q)), eq18_variance=float(theory.stationary_variance_eq18(s, depth, BETA, Q)),
                         relaxation_rate=k, learning_rate=BETA)
                r.update({f"{f}_mean_shift": v for f, v in means.items() if f != "corrected"})
                rows.append(r)
    return pd.DataFrame.from_records(rows)


def one_d(rng, truth, se):
    law = common.stationary_law("corrected", 1.0, 4, BETA, Q, np.linspace(0.05, 4.0, 40001))
    small = float(theory.small_noise_law(1.0, 4, BETA, Q).mean) - 1.0
    eq17 = float(theory.stationary_shift_eq17(1.0, 4, BETA, Q))
    shift = (eq17 if truth == "eq17" else law.mean - 1.0) + se * rng.standard_normal()
    return {f"one_d_{k}": str(v) for k, v in dict(depth=4, s=1.0, beta=BETA, label_noise_variance=Q, dt=0.002, mean_shift=shift, mean_shift_se=se,
                                                   law_mean_shift=law.mean - 1.0, small_noise_mean_shift=small, eq17_shift=eq17).items()}


def statuses(tmp_path, frame, attrs):
    return claim_statuses(prop52.claims, xr.Dataset.from_dataframe(frame.rename_axis("row")).assign_attrs(attrs), tmp_path)


def test_corrected_truth_reproduces_and_the_errata_are_errata(tmp_path):
    rng = np.random.default_rng(0)
    st = statuses(tmp_path, table(rng), one_d(rng, "corrected", 5e-5))
    assert st["corlouer_prop52_mean"] == st["corlouer_prop52_variance"] == st["corlouer_prop52_peak"] == "reproduced" and st["corlouer_prop52_E_eq17"] == "erratum"


def test_the_printed_eq14_as_truth(tmp_path):
    rng = np.random.default_rng(1)
    st = statuses(tmp_path, table(rng, truth="eq14"), one_d(rng, "eq17", 5e-5))
    assert st["corlouer_prop52_mean"] == "not_reproduced" and st["corlouer_prop52_E_eq17"] == "reproduced"


def test_two_runs_are_not_judged(tmp_path):
    rng = np.random.default_rng(2)
    st = statuses(tmp_path, table(rng, se_scale=1e3, n_seeds=2), one_d(rng, "corrected", 1e-2))
    assert (st == "not_judged").all()
