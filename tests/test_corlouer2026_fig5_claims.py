"""Fig. 5 claims on synthetic stationary samples: drawn from the density (16) with the corrected drift (truth) -> the
variance, Gaussian and side rows reproduce / erratum; a law above s (the printed Eq. 14 drift's) reproduces the paper's side;
a point law fails the variance row; two runs are not judged."""

import numpy as np
import xarray as xr

from corlouer2026_laws_helpers import claim_statuses
from sgdnoise.corlouer2026 import theory
from sgdnoise.corlouer2026.laws import common, fig5

S, L, BETA, Q = 1.0, 2, 0.005, 0.1


def summary(tmp_path, rng, *, form="corrected", n_seeds=256, per_seed=400, scale=1.0, step_form=None, printed_noise=False):
    law = common.stationary_law(form, S, L, BETA, Q, np.linspace(0.5, 3.0, 20001))
    cdf = np.cumsum(law.density) / np.sum(law.density)
    samples = law.mean + scale * (np.interp(rng.random((n_seeds, per_seed)), cdf, law.grid) - law.mean)
    (skew, kurt, peak), (skew_se, kurt_se, peak_se) = common.jackknife(common.shape_statistics, samples)
    means = samples.mean(1)
    variance = samples.var(1).mean() + means.var(ddof=1)
    shapes = {f: common.density_shape(common.stationary_law(f, S, L, BETA, Q, law.grid)) for f in common.ITO_DRIFTS}
    corrected = common.stationary_law("corrected", S, L, BETA, Q, law.grid)
    step_w = np.array(fig5.ONE_STEP_FRACTIONS) * S
    ito = np.stack([common.ITO_DRIFTS[f](step_w, S, L, BETA, Q) for f in common.ITO_DRIFTS])
    d = theory.modewise_diffusion_balanced(step_w, S, L, BETA, Q)
    ito_se, d_se = 1e-5 * np.ones(step_w.size), 1e-5 * np.ones(step_w.size)
    true_ito = common.ITO_DRIFTS[step_form or form](step_w, S, L, BETA, Q)
    true_d = np.sqrt(BETA) * d if printed_noise else d
    one_step = np.stack([true_ito + ito_se * rng.standard_normal(step_w.size), true_d + d_se * rng.standard_normal(step_w.size), true_d], axis=1)
    ds = xr.Dataset({"samples": (("seed", "sample"), samples), "one_step": (("step_w", "moment"), one_step),
                     "one_step_se": (("step_w", "moment"), np.stack([ito_se, d_se, d_se], axis=1)), "ito_drift_at_step_w": (("form", "step_w"), ito),
                     "diffusion_at_step_w": (("step_w",), d),
                     "law_mean": (("form",), [corrected.mean] * 4), "law_variance": (("form",), [corrected.variance] * 4),
                     "law_shape": (("form", "shape"), np.stack([shapes["corrected"]] * 4)),
                     "measured": (("statistic",), [means.mean(), variance, skew, kurt, peak]),
                     "measured_se": (("statistic",), [means.std(ddof=1) / np.sqrt(n_seeds), samples.var(1).std(ddof=1) / np.sqrt(n_seeds), skew_se, kurt_se, peak_se])},
                    coords={"form": list(common.ITO_DRIFTS), "step_w": step_w, "moment": ["ito_drift", "diffusion", "diffusion_linear"], "shape": ["skewness", "excess_kurtosis", "peak"],
                            "statistic": ["mean", "variance", "skewness", "excess_kurtosis", "peak"], "singular_value": S, "depth": L, "beta": BETA,
                            "eq18_variance": float(theory.stationary_variance_eq18(S, L, BETA, Q)), "eq17_shift": float(theory.stationary_shift_eq17(S, L, BETA, Q)),
                            "corrected_shift": float(theory.small_noise_law(S, L, BETA, Q).mean - S)})
    return ds


def statuses(tmp_path, ds):
    return claim_statuses(fig5.claims, ds, tmp_path)


def test_corrected_law_reproduces_and_gives_the_side_erratum(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(0)))
    assert st["corlouer_fig5_C12_variance"] == st["corlouer_fig5_C12_gaussian"] == "reproduced" and st["corlouer_fig5_C12_side"] == "erratum"
    assert (st[["corlouer_fig5_E_ito_eq6", "corlouer_fig5_E_ito_eq14", "corlouer_fig5_E_ito_appendix_e", "corlouer_fig5_E_appendix_a2"]] == "erratum").all()


def test_printed_drift_and_noise_as_truth_reproduce_their_rows(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(4), step_form="eq14", printed_noise=True))
    assert st["corlouer_fig5_E_ito_eq14"] == "reproduced" and st["corlouer_fig5_E_ito_eq6"] == "not_reproduced" and st["corlouer_fig5_E_appendix_a2"] == "reproduced"


def test_the_printed_drift_puts_the_mean_above_s(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(1), form="eq6"))
    assert st["corlouer_fig5_C12_side"] == "reproduced"


def test_a_point_fails_the_variance_row(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(2), scale=0.05))
    assert st["corlouer_fig5_C12_variance"] == "not_reproduced"


def test_two_runs_are_not_judged(tmp_path):
    st = statuses(tmp_path, summary(tmp_path, np.random.default_rng(3), n_seeds=2, per_seed=20))
    assert st["corlouer_fig5_C12_side"] == "not_judged" and st["corlouer_fig5_C12_gaussian"] == "not_judged"
