"""Corlouer et al. 2026, Fig. 12 (App. K): variance of w_0 at the end of training against the Euler-Maruyama step dt of the
SDE (1), (a) without label noise (the paper's setting, at the end of training), (b) with label noise sigma_q^2 = 0.1 (stationary
window), with error bars, the fitted trend Var = V0 + A dt^p and its order p; online SGD (a step eta) beside them."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from .. import RATE_UNITS
from .common import grid_of, jackknife, mode_amplitudes, open_runs, snapshots, stationary_law, window_law

QUOTE = "We vary the fineness (i.e., the Delta t parameter) of the Euler-Maruyama simulation of the stochastic gradient flow SDE (Equation 1). For finer simulations, the variance reduces."


# long_name and units of summarize's variables (io.describe, with descriptions()): variances of w_0 and the fit's
# intercepts are dimensionless, its slope per unit of continuum time (dt, like eta, is a step of t); X_se is X's standard error
DESCRIPTIONS = {
    "variance_without": ("Var w_0 over seeds at the end of training t = end_of_training of the SDE (1) simulated by Euler-Maruyama at step dt, no label noise (Fig. 12a)", "1"),
    "variance_with": ("stationary Var w_0 (window variance + variance of window means) of the SDE (1) simulated by Euler-Maruyama at step dt, "
                      "sigma_q^2 = label_noise_variance (Fig. 12b)", "1"),
    "without_log_slope": ("slope of log Var w_0 against log dt without label noise (weighted least squares)", "1"),
    "fit_v0": ("V0 of the fit Var = V0 + A dt^p with label noise: the dt -> 0 variance", "1"),
    "fit_a": ("A of the fit Var = V0 + A dt^p with label noise", "(continuum time t)^-p, p = fit_order"),
    "fit_order": ("order p of the fit Var = V0 + A dt^p with label noise (bounded to [0.25, 4])", "1"),
    "fit_line_v0": ("intercept of the straight line Var = V0 + A dt with label noise (weighted least squares)", "1"),
    "fit_line_slope": ("slope A of the straight line Var = V0 + A dt with label noise", RATE_UNITS),
    "sgd_variance_without": ("Var w_0 of online SGD (step eta) at the end of training, no label noise", "1"),
    "sgd_variance_with": ("stationary Var w_0 of online SGD (step eta) with label noise (window variance + variance of window means)", "1"),
}


def descriptions() -> dict:
    """DESCRIPTIONS and, for each variable X of them, X_se: the standard error of X (jackknife over seeds for the variances
    at the end of training, over the seeds' windows for the stationary ones, from the fit's covariance for the fit parameters)."""
    return {**DESCRIPTIONS, **{f"{name}_se": (f"standard error of {name}: {text}", units) for name, (text, units) in DESCRIPTIONS.items()}}


def _split(paths: list[str], counts: list[int]) -> list[list[str]]:
    edges = np.cumsum([0] + list(counts))
    return [paths[a:b] for a, b in zip(edges[:-1], edges[1:])]


def _end_variance(paths: list[str], end_of_training: float) -> tuple[float, float]:
    w0 = snapshots(mode_amplitudes(open_runs(paths)).sel(mode=0), [end_of_training], paths[0]).values[:, 0]
    v, v_se = jackknife(lambda x: np.array([x.var(ddof=1)]), w0[:, None])
    return float(v[0]), float(v_se[0])


def _window_variance(paths: list[str]) -> tuple[float, float]:
    _, _, v, v_se = window_law(open_runs(paths), [0])
    return float(v[0]), float(v_se[0])


def power_law_fit(dt: np.ndarray, value: np.ndarray, se: np.ndarray) -> dict:
    """Weighted least squares Var = V0 + A dt^p (scipy curve_fit, absolute sigma) and the straight line V0 + A dt;
    parameters with their SEs."""
    from scipy import optimize

    line, line_cov = np.polyfit(dt, value, 1, w=1 / se, cov="unscaled")
    start = (line[1], line[0])
    try:
        # p bounded to [0.25, 4]: with a weak trend the unbounded fit runs to p -> 0 with V0 -> -inf
        params, cov = optimize.curve_fit(lambda x, v0, a, p: v0 + a * x**p, dt, value, p0=(start[0], start[1], 1.0), sigma=se, absolute_sigma=True,
                                         bounds=([-np.inf, -np.inf, 0.25], [np.inf, np.inf, 4.0]), maxfev=20000)
        errors = np.sqrt(np.diag(cov))
    except (RuntimeError, ValueError, optimize.OptimizeWarning):
        params, errors = np.full(3, np.nan), np.full(3, np.inf)
    return dict(v0=params[0], a=params[1], order=params[2], v0_se=errors[0], a_se=errors[1], order_se=errors[2],
                line_v0=line[1], line_slope=line[0], line_v0_se=np.sqrt(line_cov[1, 1]), line_slope_se=np.sqrt(line_cov[0, 0]))


def log_slope(dt: np.ndarray, value: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Slope of log Var against log dt by weighted least squares (SE of log Var = SE / Var), with its SE."""
    coef, cov = np.polyfit(np.log(dt), np.log(value), 1, w=value / se, cov="unscaled")
    return float(coef[0]), float(np.sqrt(cov[0, 0]))


def summarize(without_paths: list[str], with_paths: list[str], sgd_paths: list[str], sgd_noise_paths: list[str], output: str, *,
              without_dt: list[float], without_counts: list[int], with_dt: list[float], with_counts: list[int], learning_rate: float, batch_size: int,
              label_noise_variance: float, singular_value: float, depth: int, grid: dict, end_of_training: float, provenance: dict) -> None:
    """Without label noise the variances at t = end_of_training (the runs may record beyond it), with label noise over the window."""
    without = np.array([_end_variance(p, end_of_training) for p in _split(without_paths, without_counts)])
    noisy = np.array([_window_variance(p) for p in _split(with_paths, with_counts)])
    beta = learning_rate / batch_size
    law = stationary_law("corrected", singular_value, depth, beta, label_noise_variance, grid_of(grid))
    fit = power_law_fit(np.asarray(with_dt), noisy[:, 0], noisy[:, 1])
    slope, slope_se = log_slope(np.asarray(without_dt), without[:, 0], without[:, 1])
    ds = xr.Dataset(
        {"variance_without": (("dt_without",), without[:, 0], {"long_name": "Var w_0 at the end of training, no label noise"}),
         "variance_without_se": (("dt_without",), without[:, 1]),
         "variance_with": (("dt_with",), noisy[:, 0], {"long_name": "stationary Var w_0, sigma_q^2 = label_noise_variance"}),
         "variance_with_se": (("dt_with",), noisy[:, 1])},
        coords={"dt_without": without_dt, "dt_with": with_dt, "end_of_training": end_of_training, "learning_rate": learning_rate, "singular_value": singular_value, "depth": depth,
                "label_noise_variance": label_noise_variance, "law_variance": law.variance,
                "relaxation_rate": depth * singular_value ** (2 * (depth - 1) / depth)},
        attrs=io.provenance(provenance),
    )
    scalars = dict(without_log_slope=slope, without_log_slope_se=slope_se, **{f"fit_{k}": float(v) for k, v in fit.items()})
    for name, value in (("sgd_variance_without", _end_variance(sgd_paths, end_of_training)), ("sgd_variance_with", _window_variance(sgd_noise_paths))):
        scalars[name], scalars[name + "_se"] = value
    io.write_netcdf(io.describe(ds.assign(scalars), descriptions()), output)


def scalars(ds: xr.Dataset) -> dict:
    """The summary's fitted and reference numbers (its 0-d variables)."""
    return {k: float(v) for k, v in ds.data_vars.items() if v.ndim == 0}


def claims(summary_path: str, output: str) -> None:
    """C10 (variance falls with finer dt, the paper's setting), the fitted order and slope with label noise against EM of the
    linearised (OU) mode, and the dt-convergence of the statistics drawn in Figs. 4 and 5 / Prop. 5.2."""
    ds = io.open_dataset(summary_path)
    a = scalars(ds)
    rows = claimsmod.ClaimTable("Corlouer2026", "App. K")
    fig = "corlouer2026_fig12"
    slope, slope_se = a["without_log_slope"], a["without_log_slope_se"]
    rows.add("corlouer_fig12_C10_dt", fig, "without label noise the SDE's end-of-training variance of w_0 falls with finer dt (Fig. 12)",
             f"log-log slope of Var(w_0) at t = {float(ds.end_of_training):g} against dt over dt = {', '.join(f'{d:g}' for d in ds.dt_without.values)} "
             f"(Var {ds.variance_without.values.min():.3g} .. {ds.variance_without.values.max():.3g}; SGD {a['sgd_variance_without']:.3g})",
             claimsmod.format_mean_sem(slope, slope_se), "> 0 (EM weak order 1: slope 1)", f"slope - 3 SE > 0", slope - 3 * slope_se > 0,
             kind=claimsmod.PAPER_CLAIM, location="App. K, Fig. 12", quote=QUOTE,
             power=claimsmod.power(3 * slope_se, 1.0, "no dependence on dt (slope 0)"))
    order, order_se = a["fit_order"], a["fit_order_se"]
    rows.add("corlouer_fig12_order", fig, f"with label noise sigma_q^2 = {float(ds.label_noise_variance):g} the SDE's stationary variance falls with finer dt at EM's weak order 1",
             "fitted p in Var = V0 + A dt^p (weighted least squares over dt)", claimsmod.format_mean_sem(order, order_se), "1", f"3 SE = {3 * order_se:.2g}",
             claimsmod.within(order - 1, order_se), kind=claimsmod.CONSISTENCY_CHECK, power=claimsmod.power(3 * order_se, 1.0, "order 2"))
    k = float(ds.relaxation_rate)
    rel, rel_se = a["fit_line_slope"] / a["fit_line_v0"], abs(a["fit_line_slope"] / a["fit_line_v0"]) * np.hypot(a["fit_line_slope_se"] / a["fit_line_slope"], a["fit_line_v0_se"] / a["fit_line_v0"])
    rows.add("corlouer_fig12_slope", fig, "the EM bias of the stationary variance is that of the linearised mode: Var(dt) = Var(0) / (1 - k dt / 2), k = -mu'(s)",
             "relative slope (dVar/ddt) / Var(0) of the weighted straight-line fit", claimsmod.format_mean_sem(rel, rel_se), f"k / 2 = {k / 2:.3g}",
             f"3 SE = {3 * rel_se:.2g}", claimsmod.within(rel - k / 2, rel_se), kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(3 * rel_se, k / 2, "no EM bias"))
    v0, v0_se, law = a["fit_line_v0"], a["fit_line_v0_se"], float(ds.law_variance)
    rows.add("corlouer_fig12_extrapolation", fig, "the dt -> 0 extrapolation of the SDE's stationary variance is the variance of the density (16) (corrected drift)",
             "V0 of the straight-line fit", claimsmod.format_mean_sem(v0, v0_se), f"(16): {law:.4g}", f"3 SE = {3 * v0_se:.2g}",
             claimsmod.within(v0 - law, v0_se), kind=claimsmod.CONSISTENCY_CHECK, power=claimsmod.power(3 * v0_se, law * (1 - float(ds.learning_rate) ** 0.5), "the printed App. A.2 noise (x sqrt(eta))"))
    finest = ds.isel(dt_with=0)
    gap = float(finest.variance_with) - v0
    gap_se = float(np.hypot(finest.variance_with_se, v0_se))
    rows.add("corlouer_fig12_converged", fig, f"the statistics drawn at the coarse dt = {float(finest.dt_with):g} are converged in dt: its stationary variance equals the dt -> 0 extrapolation",
             "Var(finest dt) - V0", claimsmod.format_mean_sem(gap, gap_se), "0", f"3 SE = {3 * gap_se:.2g}", claimsmod.within(gap, gap_se),
             kind=claimsmod.CONSISTENCY_CHECK, power=claimsmod.power(3 * gap_se, v0 * k * float(ds.learning_rate) / 2, "the bias of EM at dt = eta"))
    rows.write(output)
