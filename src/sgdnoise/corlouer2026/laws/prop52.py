"""Corlouer et al. 2026, Prop. 5.2 (ii): stationary mean, variance and peak of every mode of long SGD and SDE runs with label
noise, at several depths, against the density (16) with the corrected Ito drift (and with the printed ones, Eqs. 6 / 14 /
App. E), Eq. 17 (printed shift) and Eq. 18; the errata of Sec. 5 as rows. The summary holds the table (also written as CSV)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ... import claims as claimsmod
from ... import io, seeding
from .. import RATE_UNITS, TIME_UNITS, theory
from .common import DRIFT_LABELS, ITO_DRIFTS, density_shape, grid_of, jackknife, mode_amplitudes, open_runs, shape_statistics, stationary_law, \
    stationary_samples, window_law

QUOTE_17 = "w_alpha^* - s_alpha = (eta/2B) (L-1) s_alpha^{-2/L} sigma_q + O(eta^2)"


# long_name and units of the summary's columns (io.describe, with descriptions()): amplitudes and their moments are
# dimensionless, the step (eta or dt) is continuum time, the relaxation rate per unit of it; method and run are labels
DESCRIPTIONS = {
    "method": ("method of the run point (online_sgd or sde)", "none"),
    "run": ("run of the catalogue", "none"),
    "depth": ("depth L", "1"),
    "mode": ("teacher mode alpha", "1"),
    "s": ("teacher singular value s_alpha", "1"),
    "step": ("step of the simulation: eta for online SGD, the Euler-Maruyama dt for the SDE", TIME_UNITS),
    "n_seeds": ("seeds of the run point", "count"),
    "mean_shift": ("stationary mean of w_alpha minus s_alpha (window means, pooled over seeds)", "1"),
    "variance": ("stationary variance of w_alpha (mean window variance + variance of the window means)", "1"),
    "peak_shift": ("Gram-Charlier peak mean - kappa_3 / (2 var) of the pooled stationary trace samples of w_alpha, minus s_alpha", "1"),
    "skewness": ("skewness of the pooled stationary trace samples of w_alpha", "1"),
    "excess_kurtosis": ("excess kurtosis of the pooled stationary trace samples of w_alpha", "1"),
    "law_mean_shift": ("mean of the stationary density (16) with the corrected Ito drift, minus s_alpha", "1"),
    "law_variance": ("variance of the stationary density (16) with the corrected Ito drift", "1"),
    "law_mode_shift": ("mode (maximum) of the stationary density (16) with the corrected Ito drift, minus s_alpha", "1"),
    "law_peak_shift": ("Gram-Charlier peak of the stationary density (16) with the corrected Ito drift, minus s_alpha", "1"),
    "small_noise_mean_shift": ("mean minus s_alpha of the stationary law to first order in beta with the corrected Ito drift (corrects Eq. 17)", "1"),
    "small_noise_mode_shift": ("mode minus s_alpha of the stationary law to first order in beta with the corrected Ito drift", "1"),
    "eq17_shift": ("Eq. 17 as printed: w* - s = (eta/2B) (L-1) s^{-2/L} sigma_q", "1"),
    "eq18_variance": ("Eq. 18: Var = (eta L / 2B) sigma_q^2 s^{2(L-1)/L}", "1"),
    "relaxation_rate": ("relaxation rate -mu_grad'(s) = L s^{2(L-1)/L} of the mode at s_alpha (Eq. 13)", RATE_UNITS),
    "learning_rate": ("learning rate eta of the run point", "1"),
}
STANDARD_ERRORS = {"mean_shift": "over seeds", "variance": "over seeds", "peak_shift": "delete-one-seed jackknife"}


def descriptions() -> dict:
    """DESCRIPTIONS, X_se (the standard error of X) and <form>_mean_shift for the printed Ito drifts (Eqs. 6, 14, App. E)."""
    out = dict(DESCRIPTIONS)
    out.update({f"{name}_se": (f"standard error ({how}) of {name}: {DESCRIPTIONS[name][0]}", DESCRIPTIONS[name][1])
                for name, how in STANDARD_ERRORS.items()})
    out.update({f"{form}_mean_shift": (f"mean of the stationary density (16) with the printed Ito drift, {DRIFT_LABELS[form]}, minus s_alpha", "1")
                for form in ITO_DRIFTS if form != "corrected"})
    return out


def simulate_one_d(s: float, depth: int, beta: float, label_noise_variance: float, *, dt: float, burn_in: float, horizon: float, walkers: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Euler-Maruyama of the 1-D SDE (11), dw = (mu_grad + mu_Ito) dt + sqrt(D) dB with the corrected Ito drift, walkers started
    at s; the time mean of w over (burn_in, horizon] per walker."""
    w = np.full(walkers, float(s))
    total = np.zeros(walkers)
    n_burn, n_steps = int(round(burn_in / dt)), int(round(horizon / dt))
    for step in range(n_steps):
        a = np.abs(w)  # walkers stay near s; the fractional powers need w >= 0
        drift = theory.gradient_drift(a, s, depth) + theory.ito_drift(a, s, depth, beta, label_noise_variance)
        w = w + drift * dt + np.sqrt(theory.modewise_diffusion_balanced(a, s, depth, beta, label_noise_variance) * dt) * rng.standard_normal(walkers)
        if step >= n_burn:
            total += w
    return total / (n_steps - n_burn)


def summarize(paths: list[str], output: str, table: str, *, groups: list[dict], grid: dict, one_d: dict, key: str, sgd_seed: int,
              provenance: dict) -> None:
    """One row per (group, mode): a group is one run point {method, run, n_files, depth, learning_rate, batch_size,
    label_noise_variance, teacher_singular_values, burn_in, step} (step: eta for SGD, dt for the SDE)."""
    w = grid_of(grid)
    records, start = [], 0
    for g in groups:
        run = open_runs(paths[start : start + g["n_files"]])
        start += g["n_files"]
        sv = np.asarray(g["teacher_singular_values"], dtype=float)
        modes = list(range(sv.size))
        mean, mean_se, var, var_se = window_law(run, modes)
        samples = stationary_samples(mode_amplitudes(run), g["burn_in"])
        beta, q, depth = g["learning_rate"] / g["batch_size"], g["label_noise_variance"], g["depth"]
        for a in modes:
            shape, shape_se = jackknife(shape_statistics, samples.sel(mode=a).values)
            law = stationary_law("corrected", sv[a], depth, beta, q, w)
            small = theory.small_noise_law(sv[a], depth, beta, q)
            record = dict(method=g["method"], run=g["run"], depth=depth, mode=a, s=sv[a], step=g["step"], n_seeds=run.sizes["seed"],
                          mean_shift=mean[a] - sv[a], mean_shift_se=mean_se[a], variance=var[a], variance_se=var_se[a],
                          peak_shift=shape[2] - sv[a], peak_shift_se=shape_se[2], skewness=shape[0], excess_kurtosis=shape[1],
                          law_mean_shift=law.mean - sv[a], law_variance=law.variance, law_mode_shift=law.mode - sv[a], law_peak_shift=density_shape(law)[2] - sv[a],
                          small_noise_mean_shift=float(small.mean) - sv[a], small_noise_mode_shift=float(small.mode) - sv[a],
                          eq17_shift=float(theory.stationary_shift_eq17(sv[a], depth, beta, q)), eq18_variance=float(theory.stationary_variance_eq18(sv[a], depth, beta, q)),
                          relaxation_rate=depth * sv[a] ** (2 * (depth - 1) / depth), learning_rate=g["learning_rate"])
            for form in ITO_DRIFTS:
                if form != "corrected":
                    record[f"{form}_mean_shift"] = stationary_law(form, sv[a], depth, beta, q, w).mean - sv[a]
            records.append(record)
    frame = pd.DataFrame.from_records(records)
    frame.to_csv(table, index=False, float_format="%.6g")
    ds = xr.Dataset.from_dataframe(frame.rename_axis("row"))
    g = groups[0]
    beta, q = g["learning_rate"] / g["batch_size"], g["label_noise_variance"]
    means = simulate_one_d(one_d["s"], one_d["depth"], beta, q, dt=one_d["dt"], burn_in=one_d["burn_in"], horizon=one_d["horizon"], walkers=one_d["walkers"],
                           rng=seeding.generator(sgd_seed, key, "one_d", 0, "em"))
    law = stationary_law("corrected", one_d["s"], one_d["depth"], beta, q, w)
    one = dict(depth=one_d["depth"], s=one_d["s"], beta=beta, label_noise_variance=q, dt=one_d["dt"], mean_shift=means.mean() - one_d["s"],
               mean_shift_se=means.std(ddof=1) / np.sqrt(means.size), law_mean_shift=law.mean - one_d["s"],
               small_noise_mean_shift=float(theory.small_noise_law(one_d["s"], one_d["depth"], beta, q).mean) - one_d["s"],
               eq17_shift=float(theory.stationary_shift_eq17(one_d["s"], one_d["depth"], beta, q)))
    io.write_netcdf(io.describe(ds, descriptions()).assign_attrs(io.provenance(provenance, **{f"one_d_{k}": v for k, v in one.items()})), output)


def expected_variance(t: pd.DataFrame) -> np.ndarray:
    """(16)'s variance with the first-order bias of a discretization at step h (eta for SGD, dt for EM): V / (1 - k h / 2)."""
    return t.law_variance / (1 - t.relaxation_rate * t.step / 2)


def claims(summary_path: str, output: str) -> None:
    t = io.open_dataset(summary_path).to_dataframe()
    rows = claimsmod.ClaimTable("Corlouer2026", "Sec. 5, Prop. 5.2")
    fig = "corlouer2026_prop52"
    n = int(t.n_seeds.min())
    where = f"{len(t)} (depth, method, mode) rows: depths {sorted(set(t.depth))}, s = {sorted(set(t.s))}"
    zmax, limit = claimsmod.max_abs_t(t.mean_shift - t.law_mean_shift, t.mean_shift_se, n)
    rows.add("corlouer_prop52_mean", fig, "the stationary mean of every mode of SGD and the SDE is that of the density (16) (corrected drift)", f"max |t| of mean - (16)'s mean over {where}",
             f"{zmax:.2f}", "0", f"|t| < {limit:.2f} (Bonferroni, 1 %)", zmax < limit, kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(limit * t.mean_shift_se.min(), float(np.max(np.abs(t.law_mean_shift))), "no shift from s"))
    v_exp = expected_variance(t)
    zmax, limit = claimsmod.max_abs_t(t.variance - v_exp, t.variance_se, n)
    rows.add("corlouer_prop52_variance", fig, "the stationary variance of every mode is (16)'s (with the first-order discretization bias 1 / (1 - k h / 2))",
             f"max |t| of variance - expected over {where}", f"{zmax:.2f}", "0", f"|t| < {limit:.2f} (Bonferroni, 1 %)", zmax < limit,
             kind=claimsmod.CONSISTENCY_CHECK, power=claimsmod.power(limit * float(np.max(t.variance_se / v_exp)), 1 - float(t.learning_rate.max()) ** 0.5, "(relative) the printed App. A.2 scale sqrt(eta)"))
    zmax, limit = claimsmod.max_abs_t(t.peak_shift - t.law_peak_shift, t.peak_shift_se, n)
    rows.add("corlouer_prop52_peak", fig, "the density's peak lies below the mean, at (16)'s peak (s - 3c to first order)",
             f"max |t| of the Gram-Charlier peak (mean - kappa_3 / 2 Var) - (16)'s over {where}", f"{zmax:.2f}", "0", f"|t| < {limit:.2f} (Bonferroni, 1 %)",
             zmax < limit, kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(limit * float(t.peak_shift_se.min()), float(np.max(np.abs(t.law_peak_shift - t.law_mean_shift))), "a peak at the mean (no skew)"))
    one = io.open_dataset(summary_path).attrs
    d = {k: float(one[f"one_d_{k}"]) for k in ("depth", "s", "beta", "label_noise_variance", "dt", "mean_shift", "mean_shift_se", "law_mean_shift",
                                                 "small_noise_mean_shift", "eq17_shift")}
    bias = abs(d["law_mean_shift"] - d["small_noise_mean_shift"])  # O(beta^2) beyond the first-order law
    tol = claimsmod.tolerance(d["mean_shift_se"], 3, bias)
    network = t[(t.depth == d["depth"]) & (t.s == d["s"])]
    rows.add("corlouer_prop52_E_eq17", fig, "Eq. 17: the stationary mean lies above s by (eta/2B)(L-1) s^{-2/L} sigma_q",
             f"mean of w - s of a long Euler-Maruyama simulation of the 1-D SDE (11) with the corrected drift (L = {int(d['depth'])}, s = {d['s']:g}, dt = {d['dt']:g}); "
             f"the full network's: " + ", ".join(f"{r.method} {claimsmod.format_mean_sem(r.mean_shift, r.mean_shift_se)}" for r in network.itertuples()),
             claimsmod.format_mean_sem(d["mean_shift"], d["mean_shift_se"]), f"{d['eq17_shift']:+.4g}", f"3 SE + O(beta^2) = {tol:.2g}",
             claimsmod.within(d["mean_shift"] - d["eq17_shift"], d["mean_shift_se"], 3, bias), kind=claimsmod.PAPER_CLAIM, location="Prop. 5.2(ii), Eq. 17",
             quote=QUOTE_17, power=claimsmod.power(tol, d["eq17_shift"] - d["small_noise_mean_shift"], "the corrected s - c"),
             erratum=(claimsmod.within(d["mean_shift"] - d["small_noise_mean_shift"], d["mean_shift_se"], 3, bias),
                      f"s - c: {d['small_noise_mean_shift']:+.4g} ((16): {d['law_mean_shift']:+.4g})"))
    rows.write(output)
