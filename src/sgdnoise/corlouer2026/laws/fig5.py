"""Corlouer et al. 2026, Fig. 5 (Sec. 5.1) and the 1-D modewise SDE of Prop. 3.5 / 5.2: w_0 of online SGD with label noise
sigma_q^2 = 0.1 in its stationary regime, against the stationary density (16) built from the corrected Ito drift and from the
printed ones (Eqs. 6, 14, App. E); the three drift forms side by side, and the coupling terms of the Ito drift between modes."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io, seeding
from .. import RATE_UNITS, theory
from .common import DRIFT_LABELS, ITO_DRIFTS, density_shape, grid_of, jackknife, mode_amplitudes, open_runs, shape_statistics, stationary_law, \
    stationary_samples, window_law

ONE_STEP_FRACTIONS = (0.25, 0.5, 0.75, 1.0)  # w / s where one SGD step from the balanced aligned point measures the Ito drift
ONE_STEP_BLOCK = 100_000  # samples per vectorised block
PLOT_POINTS = 1500  # density points kept for the figure around the mass
QUOTE_GAUSSIAN = "so p_alpha^* is approximately Gaussian with mean s_alpha + O(eta) (slightly above s_alpha due to the Ito drift) and O(eta) variance."
QUOTES_ITO = {"eq14": "mu_alpha^Ito(w) = beta L(L-1) w^{2(L-2)/L} [(s_alpha - w) + 1/2 sigma_q]",
              "eq6": "mu_alpha^Ito(w_alpha) = beta (s_alpha - w_alpha) L(L-1) w_alpha^{2(L-2)/L} + beta L(L-1) w_alpha^{2(L-2)/L} sigma_q",
              "appendix_e": "mu_alpha^Ito(w_alpha) = eta (s_alpha - w_alpha) L(L-1) w_alpha^{2(L-2)/L} + eta/2 L(L-1) w_alpha^{2(L-2)/L} Gamma_alpha"}
QUOTE_A2 = "Cov(M(t_i)) = sqrt(eta) t/eta Sigma = sqrt(eta) t Sigma if all xi have same covariance matrix"
QUOTE_POINT = "The distribution changes from being concentrated at a point to having greater variance."


FORMS_TEXT = "per drift form (`form`: corrected; Eq. 6, Eq. 14, App. E as printed)"
# long_name and units of summarize's variables (io.describe): amplitudes w, their moments and densities over w are
# dimensionless; drifts mu = dw/dt and diffusions D (E[dw^2] = D dt) are per unit of continuum time t = eta * step
DESCRIPTIONS = {
    "samples": ("stationary w_0 of online SGD: the trace points after the burn-in", "1"),
    "density": (f"stationary density p*(w) of Eq. 16, drift mu_grad (Eq. 13) + the Ito drift, diffusion Eq. 15, {FORMS_TEXT}", "1"),
    "ito_drift": (f"Ito drift mu_Ito(w) of a balanced aligned mode, the other modes at 0, {FORMS_TEXT}", RATE_UNITS),
    "gradient_drift": ("gradient drift mu_grad(w) = L (s - w) w^{2(L-1)/L} (Eq. 13, = Eq. 5)", RATE_UNITS),
    "coupling": ("coupling part of the Ito drift of each mode (ito_drift_aligned - ito_drift) while mode 1 is learned (w_1 = progress x s_1), "
                 "w_0 = s_0 / 2, w_2 = 0", RATE_UNITS),
    "one_step": ("one online-SGD step (b = 1, L = 2) from the balanced aligned point at w_0 = step_w, per unit time (Monte Carlo; `moment`): "
                 "the Ito drift (E dw - dw_GD) / eta, the diffusion Var(dw) / eta, and Var of its linear part / eta", RATE_UNITS),
    "one_step_se": ("standard error of one_step (Monte Carlo over the one-step samples)", RATE_UNITS),
    "ito_drift_at_step_w": (f"Ito drift mu_Ito at the one-step amplitudes step_w, {FORMS_TEXT}", RATE_UNITS),
    "diffusion_at_step_w": ("D of Eq. 7 (balanced aligned, = Eq. 15) at the one-step amplitudes step_w", RATE_UNITS),
    "law_mean": (f"mean of the stationary density (16), {FORMS_TEXT}", "1"),
    "law_variance": (f"variance of the stationary density (16), {FORMS_TEXT}", "1"),
    "law_mode": (f"mode (maximum) of the stationary density (16), {FORMS_TEXT}", "1"),
    "law_shape": (f"skewness, excess kurtosis and Gram-Charlier peak mean - kappa_3 / (2 var) of the density (16) (`shape`), {FORMS_TEXT}", "1"),
    "measured": ("online SGD's stationary w_0 (`statistic`): mean and variance over the window (Prop. 5.2 ii), skewness, excess kurtosis and "
                 "Gram-Charlier peak of the pooled trace samples", "1"),
    "measured_se": ("standard error of measured over seeds (mean, variance: of the seeds' windows; shape statistics: delete-one-seed jackknife)", "1"),
}


def one_step_moments(w: float, singular_values, learning_rate: float, label_noise_variance: float, n_samples: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One online-SGD step (b = 1) of the depth-2 network from the balanced aligned point W_1 = W_2 = diag(sqrt(w), 0, ...),
    every other mode at 0, by Monte Carlo over the sample (x, xi): per unit time, (E dw - dw_GD) / eta = (eta / 2) E[g^T Hess g]
    (the Ito drift, exact for L = 2: w_0 is quadratic in theta), Var(dw) / eta (the diffusion D; App. A.2's limit) and the same
    variance of the linear part u^T dW v alone (the O(eta) correction of Var(dw) / eta). Returns (values, SEs), each
    [ito_drift, diffusion, diffusion_linear]."""
    sv = np.asarray(singular_values, dtype=float)
    d = 12 if sv.size <= 12 else sv.size
    teacher = np.zeros((d, d))
    teacher[np.arange(sv.size), np.arange(sv.size)] = sv
    w1 = np.zeros((d, d))
    w1[0, 0] = np.sqrt(w)
    w2 = w1.copy()
    eta, sigma_q = learning_rate, np.sqrt(label_noise_variance)
    delta = teacher - w2 @ w1
    gd_quadratic = eta**2 * (delta @ w1.T)[0, :] @ (w2.T @ delta)[:, 0]  # the eta^2 term of a GD step: E[linear] is GD's linear term exactly
    parts = []
    for start in range(0, n_samples, ONE_STEP_BLOCK):
        n = min(ONE_STEP_BLOCK, n_samples - start)
        x = rng.standard_normal((n, d))
        r = x @ delta.T + sigma_q * rng.standard_normal((n, d))  # y - W x
        h = x @ w1.T  # W_1 x
        b = r @ w2  # W_2^T r
        # dW_2 = eta r h^T, dW_1 = eta b x^T: dw_0 = eta (r_0 (W_1^T... ) ) + eta^2 r_0 (h . b) x_0
        linear = eta * (r[:, 0] * (h @ w1[:, 0]) + (w2[0, :] @ b.T) * x[:, 0])
        parts.append(np.stack([linear, eta**2 * r[:, 0] * np.sum(h * b, axis=1) * x[:, 0]], axis=1))
    step = np.concatenate(parts)
    dw = step.sum(1)
    n = dw.size
    # the Ito drift from the quadratic part alone (E[linear] = GD's linear term: a control variate with the exact mean)
    values = np.array([(step[:, 1].mean() - gd_quadratic) / eta, dw.var() / eta, step[:, 0].var() / eta])
    errors = np.array([step[:, 1].std() / np.sqrt(n) / eta, np.sqrt(np.var((dw - dw.mean()) ** 2) / n) / eta,
                       np.sqrt(np.var((step[:, 0] - step[:, 0].mean()) ** 2) / n) / eta])
    return values, errors


def summarize(sgd_paths: list[str], output: str, *, one_step_samples: int, key: str, sgd_seed: int, learning_rate: float, batch_size: int, label_noise_variance: float,
              teacher_singular_values: list[float], burn_in: float, grid: dict, provenance: dict) -> None:
    run = open_runs(sgd_paths)
    depth = 2
    s = float(teacher_singular_values[0])
    beta = learning_rate / batch_size
    samples = stationary_samples(mode_amplitudes(run), burn_in).sel(mode=0)
    mean, mean_se, var, var_se = (float(v[0]) for v in window_law(run, [0]))
    (skew, kurt, peak), (skew_se, kurt_se, peak_se) = jackknife(shape_statistics, samples.values)
    w = grid_of(grid)
    laws = {form: stationary_law(form, s, depth, beta, label_noise_variance, w) for form in ITO_DRIFTS}
    centre, half = laws["corrected"].mean, 8 * np.sqrt(laws["corrected"].variance)
    shown = np.linspace(centre - half, centre + half, PLOT_POINTS)
    drift_w = np.linspace(0.0, 1.5 * s, 301)
    # coupling: mode 0 half learned (w_0 = s_0 / 2; a learned mode has none) and mode 2 at 0 while mode 1 is being learned (w_1 from 0 to s_1)
    sv = np.asarray(teacher_singular_values, dtype=float)
    progress = np.linspace(0.0, 1.0, 101)
    amplitudes = np.zeros((progress.size, sv.size))
    amplitudes[:, 0] = sv[0] / 2
    amplitudes[:, 1] = progress * sv[1]
    aligned = theory.ito_drift_aligned(amplitudes, sv, depth, beta, label_noise_variance)
    measured_step = [one_step_moments(f * s, sv, learning_rate, label_noise_variance, one_step_samples, seeding.generator(sgd_seed, key, f"w{f:g}", 0, "one_step"))
                     for f in ONE_STEP_FRACTIONS]
    step_w = np.array(ONE_STEP_FRACTIONS) * s
    decoupled = theory.ito_drift(amplitudes, sv, depth, beta, label_noise_variance)
    data = {
        "samples": (("seed", "sample"), samples.values, {"long_name": "stationary w_0 of SGD (trace points after the burn-in)"}),
        "density": (("form", "w"), np.stack([np.interp(shown, w, laws[f].density) for f in ITO_DRIFTS]), {"long_name": "stationary density (16)"}),
        "ito_drift": (("form", "drift_w"), np.stack([ITO_DRIFTS[f](drift_w, s, depth, beta, label_noise_variance) for f in ITO_DRIFTS]),
                      {"long_name": "Ito drift of a balanced aligned mode"}),
        "gradient_drift": (("drift_w",), theory.gradient_drift(drift_w, s, depth), {"long_name": "mu_grad (Eq. 13)"}),
        "coupling": (("progress", "mode"), aligned - decoupled, {"long_name": "coupling part of the Ito drift (ito_drift_aligned - ito_drift), mode 1 learning, w_0 = s_0 / 2, w_2 = 0"}),
        "one_step": (("step_w", "moment"), np.array([m[0] for m in measured_step]), {"long_name": "one SGD step from the balanced aligned point, per unit time"}),
        "one_step_se": (("step_w", "moment"), np.array([m[1] for m in measured_step])),
        "ito_drift_at_step_w": (("form", "step_w"), np.stack([ITO_DRIFTS[f](step_w, s, depth, beta, label_noise_variance) for f in ITO_DRIFTS])),
        "diffusion_at_step_w": (("step_w",), theory.modewise_diffusion_balanced(step_w, s, depth, beta, label_noise_variance)),
        "law_mean": (("form",), [laws[f].mean for f in ITO_DRIFTS]), "law_variance": (("form",), [laws[f].variance for f in ITO_DRIFTS]),
        "law_mode": (("form",), [laws[f].mode for f in ITO_DRIFTS]),
        "law_shape": (("form", "shape"), np.stack([density_shape(laws[f]) for f in ITO_DRIFTS])),
        "measured": (("statistic",), [mean, var, skew, kurt, peak]), "measured_se": (("statistic",), [mean_se, var_se, skew_se, kurt_se, peak_se]),
    }
    coords = {"form": list(ITO_DRIFTS), "w": shown, "step_w": step_w, "moment": ["ito_drift", "diffusion", "diffusion_linear"], "drift_w": drift_w, "progress": progress, "mode": np.arange(sv.size),
              "shape": ["skewness", "excess_kurtosis", "peak"], "statistic": ["mean", "variance", "skewness", "excess_kurtosis", "peak"],
              "singular_value": s, "depth": depth, "beta": beta, "learning_rate": learning_rate, "label_noise_variance": label_noise_variance,
              "eq18_variance": float(theory.stationary_variance_eq18(s, depth, beta, label_noise_variance)),
              "eq17_shift": float(theory.stationary_shift_eq17(s, depth, beta, label_noise_variance)),
              "corrected_shift": float(theory.small_noise_law(s, depth, beta, label_noise_variance).mean - s)}
    ds = xr.Dataset(data, coords=coords, attrs=io.provenance(provenance, form_labels=[DRIFT_LABELS[f] for f in ITO_DRIFTS]))
    io.write_netcdf(io.describe(ds, DESCRIPTIONS), output)


def claims(summary_path: str, output: str) -> None:
    """C12: the SGD law with label noise is not a point, is close to Gaussian with Eq. 18's variance; its mean's side of s."""
    ds = io.open_dataset(summary_path)
    m, se = ds.measured.to_series(), ds.measured_se.to_series()
    law = ds.sel(form="corrected")
    s, beta, depth = float(ds.singular_value), float(ds.beta), int(ds.depth)
    k = depth * s ** (2 * (depth - 1) / depth)  # relaxation rate -mu'(s): SGD is EM at step eta, its variance V (1 + k eta / 2)
    eq18 = float(ds.eq18_variance)
    rows = claimsmod.ClaimTable("Corlouer2026", "Sec. 5")
    fig = "corlouer2026_fig5"
    bias = abs(float(law.law_variance) - eq18) + k * beta / 2 * eq18  # O(eta^2) of Eq. 18, and SGD's discreteness
    tol = claimsmod.tolerance(se["variance"], 3, bias)
    rows.add("corlouer_fig5_C12_variance", fig, "with label noise sigma_q^2 = 0.1 SGD's stationary law of w_0 is not a point: its variance is Eq. 18's",
             "variance of w_0 over the window (mean over seeds of window variance + variance of window means)", claimsmod.format_mean_sem(m["variance"], se["variance"]),
             f"Eq. 18: {eq18:.4g} ((16) corrected: {float(law.law_variance):.4g})", f"3 SE + O(eta^2) + SGD's k eta / 2 = {tol:.2g}",
             claimsmod.within(m["variance"] - eq18, se["variance"], 3, bias), kind=claimsmod.PAPER_CLAIM, location="Prop. 5.2(ii), Eq. 18; Fig. 5",
             quote=QUOTE_POINT, power=claimsmod.power(tol, eq18, "a point (variance 0)"))
    shape = law.law_shape.to_series()
    devs = [m["skewness"] - shape["skewness"], m["excess_kurtosis"] - shape["excess_kurtosis"]]
    t, limit = claimsmod.max_abs_t(devs, [se["skewness"], se["excess_kurtosis"]], ds.sizes["seed"])
    rows.add("corlouer_fig5_C12_gaussian", fig, "with label noise SGD's stationary law of w_0 is close to Gaussian",
             f"skewness {claimsmod.format_mean_sem(m['skewness'], se['skewness'])} and excess kurtosis {claimsmod.format_mean_sem(m['excess_kurtosis'], se['excess_kurtosis'])} "
             "of the pooled samples (jackknife over seeds), against those of (16)", f"max |t| = {t:.2f}",
             f"(16): skewness {shape['skewness']:.3g}, excess kurtosis {shape['excess_kurtosis']:.3g} (Gaussian: 0, 0)", f"|t| < {limit:.2f} (Bonferroni, 1 %)",
             t < limit, kind=claimsmod.PAPER_CLAIM, location="Prop. 5.2(ii)", quote=QUOTE_GAUSSIAN,
             power=claimsmod.power(limit * max(se["skewness"], se["excess_kurtosis"]), 0.5, "a visibly non-Gaussian law (|skewness| or |excess kurtosis| 0.5)"))
    shift, shift_se = m["mean"] - s, se["mean"]
    corrected = float(law.law_mean) - s
    rows.add("corlouer_fig5_C12_side", fig, "the stationary mean of w_0 lies slightly above s (Ito drift), L = 2",
             "window mean of w_0 - s (SGD)", claimsmod.format_mean_sem(shift, shift_se), f"> 0 (Eq. 17 printed: +{float(ds.eq17_shift):.3g})",
             f"mean - s > 3 SE = {3 * shift_se:.2g}", shift > 3 * shift_se, kind=claimsmod.PAPER_CLAIM, location="Prop. 5.2(ii), after Eq. 18", quote=QUOTE_GAUSSIAN,
             power=claimsmod.power(3 * shift_se, float(ds.eq17_shift) - corrected, "the corrected law's side (below s)"),
             erratum=(shift < -3 * shift_se, f"below s (the side of (16) with the corrected drift, {corrected:+.3g}; its size: row E_eq17)"))
    one, one_se = ds.one_step, ds.one_step_se
    n_points = ds.sizes["step_w"]
    corrected_ito = ds.ito_drift_at_step_w.sel(form="corrected")
    for cid, form, eq, quote in (("corlouer_fig5_E_ito_eq6", "eq6", "Eq. 6", QUOTES_ITO["eq6"]), ("corlouer_fig5_E_ito_eq14", "eq14", "Eq. 14", QUOTES_ITO["eq14"]),
                                 ("corlouer_fig5_E_ito_appendix_e", "appendix_e", "App. E", QUOTES_ITO["appendix_e"])):
        printed = ds.ito_drift_at_step_w.sel(form=form)
        t, limit = claimsmod.max_abs_t(one.sel(moment="ito_drift") - printed, one_se.sel(moment="ito_drift"), 1_000_000)
        t_corr, _ = claimsmod.max_abs_t(one.sel(moment="ito_drift") - corrected_ito, one_se.sel(moment="ito_drift"), 1_000_000)
        rows.add(cid, fig, f"the Ito drift of a balanced aligned mode (other modes at 0) is {eq}'s",
                 f"(E dw - dw_GD) / eta over one SGD step from the balanced aligned point, L = 2, at w / s = {', '.join(f'{v:g}' for v in ds.step_w.values / s)} "
                 f"({', '.join(claimsmod.format_mean_sem(v, e) for v, e in zip(one.sel(moment='ito_drift').values, one_se.sel(moment='ito_drift').values))}); "
                 f"max |t| against {eq}", f"{t:.2f}", ", ".join(f"{v:.4g}" for v in printed.values), f"|t| < {limit:.2f} (Bonferroni over {n_points} points, 1 %)",
                 t < limit, kind=claimsmod.PAPER_CLAIM, location=f"{eq}", quote=quote,
                 power=claimsmod.power(limit * float(one_se.sel(moment="ito_drift").max()), float(np.max(np.abs(printed - corrected_ito))), "the corrected ((L-1)/(2L)) D / w"),
                 erratum=(t_corr < limit, f"corrected ((L-1)/(2L)) D / w: {', '.join(f'{v:.4g}' for v in corrected_ito.values)} (max |t| = {t_corr:.2f})"))
    d_meas, d_se = one.sel(moment="diffusion"), one_se.sel(moment="diffusion")
    bias = np.abs(d_meas - one.sel(moment="diffusion_linear"))  # the eta^2 term of dw: O(eta) relative, measured on the same samples
    d_theory = ds.diffusion_at_step_w
    printed_d = np.sqrt(beta) * d_theory
    ok_printed = bool(np.all(np.abs(d_meas - printed_d) <= 3 * d_se + bias))
    ok_corrected = bool(np.all(np.abs(d_meas - d_theory) <= 3 * d_se + bias))
    worst = float(np.max(np.abs(d_meas - d_theory) / (3 * d_se + bias)))
    rows.add("corlouer_fig5_E_appendix_a2", fig, "App. A.2: the noise martingale of the SGD limit has Cov(M(t)) = sqrt(eta) t Sigma, i.e. diffusion sqrt(eta) D per unit time",
             f"Var(dw) / eta over one SGD step from the balanced aligned point (L = 2, w / s = {', '.join(f'{v:g}' for v in ds.step_w.values / s)}): "
             + ", ".join(claimsmod.format_mean_sem(v, e) for v, e in zip(d_meas.values, d_se.values)),
             f"worst |measured - D| / tolerance = {worst:.2f}", "sqrt(eta) D: " + ", ".join(f"{v:.4g}" for v in printed_d.values),
             "3 SE + the measured eta^2 term, at every point", ok_printed, kind=claimsmod.PAPER_CLAIM, location="App. A.2", quote=QUOTE_A2,
             power=claimsmod.power(float(np.max(3 * d_se + bias)), float(np.min(d_theory - printed_d)), "Cov(M(t)) = t Sigma (diffusion D)"),
             erratum=(ok_corrected, "Cov(M(t)) = t Sigma: D (Eq. 7) = " + ", ".join(f"{v:.4g}" for v in d_theory.values)))
    rows.write(output)
