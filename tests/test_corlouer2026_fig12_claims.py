"""Fig. 12 claims on synthetic variance-against-dt summaries: EM's order-1 bias (truth: V(dt) = V0 / (1 - k dt / 2)) ->
order, slope and extrapolation rows reproduce; a flat variance without label noise fails the paper's row and a rising one
passes it; an order-2 bias fails the order row; huge error bars are not judged."""

import numpy as np
import xarray as xr

from corlouer2026_laws_helpers import claim_statuses
from sgdnoise.corlouer2026.laws import fig12

ETA, K, V0 = 0.005, 2.0, 5.0e-4
DT = np.array([0.0025, 0.005, 0.01, 0.02, 0.04, 0.08])


def summary(tmp_path, rng, *, order=1, relative_se=0.01, without_slope=0.0):
    truth = V0 / (1 - K * DT / 2) if order == 1 else V0 * (1 + 30 * DT**2)
    se = relative_se * truth
    noisy = truth + se * rng.standard_normal(DT.size)
    dt0 = DT[:4]
    v_without = 1e-14 * (dt0 / dt0[0]) ** without_slope
    v_without_se = 0.05 * v_without
    v_without = v_without + v_without_se * rng.standard_normal(dt0.size)
    fit = fig12.power_law_fit(DT, noisy, se)
    slope, slope_se = fig12.log_slope(dt0, v_without, v_without_se)
    ds = xr.Dataset({"variance_without": (("dt_without",), v_without), "variance_without_se": (("dt_without",), v_without_se),
                     "variance_with": (("dt_with",), noisy), "variance_with_se": (("dt_with",), se)},
                    coords={"dt_without": dt0, "dt_with": DT, "end_of_training": 20.0, "learning_rate": ETA, "label_noise_variance": 0.1, "law_variance": V0, "relaxation_rate": K})
    ds = ds.assign(dict(without_log_slope=slope, without_log_slope_se=slope_se, sgd_variance_without=1e-14, sgd_variance_without_se=1e-15,
                        **{f"fit_{k}": float(v) for k, v in fit.items()}))
    return ds


def statuses(tmp_path, ds):
    return claim_statuses(fig12.claims, ds, tmp_path)


def test_em_bias_of_order_one_reproduces(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(0), relative_se=0.002))
    assert st["corlouer_fig12_order"] == st["corlouer_fig12_slope"] == st["corlouer_fig12_extrapolation"] == "reproduced"
    assert st["corlouer_fig12_C10_dt"] == "not_reproduced"


def test_a_variance_rising_with_dt_without_label_noise_reproduces_c10(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(1), without_slope=1.0))
    assert st["corlouer_fig12_C10_dt"] == "reproduced"


def test_an_order_two_bias_fails_the_order_row(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(2), order=2, relative_se=0.002))
    assert st["corlouer_fig12_order"] == "not_reproduced" and st["corlouer_fig12_slope"] == "not_reproduced"


def test_huge_error_bars_are_not_judged(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(3), relative_se=0.5))
    assert st["corlouer_fig12_order"] == st["corlouer_fig12_slope"] == "not_judged"
