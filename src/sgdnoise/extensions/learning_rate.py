"""Beyond Corlouer et al. 2026 (issue 18.3): the finite learning rate their continuous limit ignores ("Limitations").

Online SGD at step eta against the SDE (1) with the same noise scale beta = eta / b, at several eta: the stationary mean
shift and variance of the first mode w_0 under label noise (window moments, SEs over seeds), their differences
SGD - SDE, and the order in eta of those differences (a power law A eta^p, and the O(eta) coefficient c_1 of
c_1 eta + c_2 eta^2), beside the corrected Eq. 17 (mean s - c, an O(eta) shift) and Eq. 18 (variance, O(eta)). The
moments' own O(eta) coefficients come from weighted cubic fits a_1 eta + a_2 eta^2 + a_3 eta^3 (the network's
O(eta^2) terms are ~10x the density (16)'s, and a quadratic misfits). In the whole network the mean shift is not -c:
network_shift adds the pull of the first hidden unit's off-diagonal weights (ours, L = 2).

The SDE runs at dt = dt_over_eta * eta at every eta (a dt sweep is interpolated there by its weighted straight line in dt).
A fixed ratio dt / eta keeps the SDE's own O(dt) Euler-Maruyama bias of order eta^2, so it changes the fitted
coefficients of eta^2 but neither the leading O(eta) terms nor the order of the difference. Reference for those
coefficients: the linearised mode (relaxation rate k = -mu'(s)), whose Euler-Maruyama law at step h has variance
V / (1 - k h / 2); SGD is EM at h = eta of the same drift with non-Gaussian noise, so SGD - SDE is predicted
V [1 / (1 - k eta / 2) - 1 / (1 - k dt / 2)] in the variance, and -(p / s) times that in the mean (stationarity,
E mu(w) = 0, with the curvature mu''(s) = -2 L p s^(p-1) of mu_grad, p = 2 (L-1) / L).

Config checks and the pairing of runs (read when the DAG is built) need only the catalogue; the stages import the
numerical stack where they run.
"""

from __future__ import annotations

import numpy as np

from ..catalogue import DEEP_LINEAR_FAMILY, check_run, sweep_points
from ..config import ConfigError

SECTION = "extensions_learning_rate"
FIGURE = "extensions_learning_rate"
QUOTE = "First of all, we have modeled SGD with a continuous limit, ignoring the effect of a finite learning rate."
LOCATION = "Limitations (Sec. 6)"
SHARED = ("widths", "teacher_singular_values", "init_gamma", "batch_size", "label_noise_variance")  # what SGD and SDE runs must share
DYNAMICS = ("sgd", "sde")  # the summary's dim (not "method": Dataset.sel has a method argument)
MIN_POINTS = 2  # the fits have two parameters (the full scale has five rates; quick, two)
RIVAL_FRACTION = 0.25  # the rival of "no O(eta) difference": one a quarter of the SDE's measured O(eta) term


# ---------------------------------------------------------------------------------------------- config (DAG build)
def learning_rate_points(section: dict, runs: dict) -> list[dict]:
    """The learning rates of the section's SGD runs (each point of each run one rate), ascending, each with its SDE run:
    {eta, sgd: (run, point), sde: (run, [(point, dt), ...]), dt}, dt = dt_over_eta * eta the step the SDE is read at."""
    by_eta = {}
    for name in section["sgd"]:
        for p in sweep_points(runs[name]):
            if p["learning_rate"] in by_eta:
                raise ConfigError(f"config key {SECTION}.sgd: learning rate {p['learning_rate']:g} appears twice ({by_eta[p['learning_rate']][0]}, {name})")
            by_eta[p["learning_rate"]] = (name, p["label"])
    sde = {}
    for name in section["sde"]:
        run = runs[name]
        if isinstance(run["learning_rate"], list):
            raise ConfigError(f"config key {SECTION}.sde: run {name!r} sweeps the learning rate; each SDE run has one (its dt follows eta)")
        sde.setdefault(run["learning_rate"], []).append(name)
    points = []
    for eta in sorted(by_eta):
        names = sde.get(eta, [])
        if len(names) != 1:
            raise ConfigError(f"config key {SECTION}.sde: need exactly one SDE run at learning rate {eta:g}, found {names or 'none'}")
        target = section["dt_over_eta"] * eta
        dts = [(p["label"], p["dt"]) for p in sweep_points(runs[names[0]])]
        if len(dts) == 1 and not np.isclose(dts[0][1], target, rtol=1e-9, atol=0):
            raise ConfigError(f"config key {SECTION}.sde: run {names[0]!r} has dt = {dts[0][1]:g}, not dt_over_eta x eta = {target:g}")
        if len(dts) == 2:
            raise ConfigError(f"config key {SECTION}.sde: run {names[0]!r} has two dt values; one (= dt_over_eta x eta) or a sweep of three or more")
        points.append({"eta": eta, "sgd": by_eta[eta], "sde": (names[0], dts), "dt": target})
    return points


def check_config(section: dict, config: dict) -> None:
    """Methods, shared settings (teacher, widths, init, batch size, label noise > 0) and the pairing of every SGD rate with one SDE run."""
    runs = {}
    for method, allowed in (("sgd", "online_sgd"), ("sde", "sde")):
        for name in section[method]:
            run = check_run(config, f"{SECTION}.{method}", name, DEEP_LINEAR_FAMILY)
            if run["method"] != allowed:
                raise ConfigError(f"config key {SECTION}.{method}: run {name!r} has method {run['method']!r}, this figure needs {allowed!r}")
            if isinstance(run.get("label_noise_variance"), list) or isinstance(run.get("batch_size"), list) or not run.get("label_noise_variance", 0.0) > 0:
                raise ConfigError(f"config key {SECTION}.{method}: run {name!r} needs one label noise variance > 0 and one batch size")
            runs[name] = run
    first = runs[section["sgd"][0]]
    for name, run in runs.items():
        for key in SHARED:
            if run.get(key) != first.get(key):
                raise ConfigError(f"config key {SECTION}: run {name!r} has {key} = {run.get(key)}, run {section['sgd'][0]!r} has {first.get(key)}: "
                                  "SGD and the SDE must share the teacher, network, init, batch size and label noise")
    points = learning_rate_points(section, config["runs"])
    if len(points) < MIN_POINTS:
        raise ConfigError(f"config key {SECTION}.sgd: {len(points)} learning rates; the order fit needs at least {MIN_POINTS}")


# ---------------------------------------------------------------------------------------------------------- fits
def weighted_polynomial(x, y, se, powers) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares y = sum_j a_j x^powers[j] (no intercept unless 0 is a power), absolute SEs: (a, covariance)."""
    x, y, se = (np.asarray(v, dtype=float) for v in (x, y, se))
    design = np.stack([x**q for q in powers], axis=1) / se[:, None]
    cov = np.linalg.inv(design.T @ design)
    return cov @ design.T @ (y / se), cov


def power_law_fit(x, y, se) -> tuple[float, float, float, float]:
    """(A, SE, p, SE) of y = A x^p by weighted least squares with absolute SEs (scipy curve_fit, Gauss-Newton
    covariance). On the linear scale, so noisy points of either sign keep their weight; started from the log-log line
    through the points of y's majority sign. NaN with infinite SEs where it does not converge."""
    from scipy import optimize

    x, y, se = (np.asarray(v, dtype=float) for v in (x, y, se))
    sign = 1.0 if np.sum(y > 0) >= np.sum(y < 0) else -1.0
    keep = sign * y > 0
    if keep.sum() >= 2:
        slope, intercept = np.polyfit(np.log(x[keep]), np.log(sign * y[keep]), 1)
    else:
        slope, intercept = 1.0, np.log(np.abs(y).max() + 1e-300)
    try:
        params, cov = optimize.curve_fit(lambda v, a, p: a * v**p, x, y, p0=(sign * np.exp(intercept), slope), sigma=se, absolute_sigma=True, maxfev=20000)
    except (RuntimeError, ValueError, optimize.OptimizeWarning):
        return np.nan, np.inf, np.nan, np.inf
    errors = np.sqrt(np.diag(cov))
    return float(params[0]), float(errors[0]), float(params[1]), float(errors[1])


def line_at(x, y, se, at: float) -> tuple[float, float]:
    """The weighted straight line through (x, y) evaluated at `at`, with its SE (the fit's covariance)."""
    coef, cov = weighted_polynomial(x, y, se, (0, 1))
    basis = np.array([1.0, at])
    return float(basis @ coef), float(np.sqrt(basis @ cov @ basis))


# ------------------------------------------------------------------------------------------------------- theory
def relaxation_rate(s: float, depth: int) -> float:
    """k = -mu_grad'(s) = L s^(2(L-1)/L) (Eq. 5 linearised at w = s)."""
    return depth * s ** (2 * (depth - 1) / depth)


def mean_per_variance(s: float, depth: int) -> float:
    """d(mean) / d(Var) of the stationary law at fixed Ito drift: E mu_grad(w) = 0 with mu_grad''(s) = -2 L p s^(p-1), p = 2(L-1)/L,
    gives mean - s = (mu_Ito(s) + mu''(s) Var / 2) / k, so a change of Var moves the mean by mu''(s) / (2 k) = -p / s."""
    return -2 * (depth - 1) / depth / s


def network_shift(widths, beta, label_noise_variance):
    """O(eta) mean shift of w_0 in the full depth-2 network (ours): -c (corrected Eq. 17) plus the pull of the first hidden
    unit's off-diagonal weights p_i = W2_i0 (i != 0) and q_j = W1_0j (j != 0). Stationarity of W1_00 = b and W2_00 = a gives
    a (s - w) = sum_i E[p_i W_i0], b (s - w) = sum_j E[q_j W_0j]; each pair moves along the gradient of its end-to-end entry
    (the per-sample noise has no gauge component), and E[p_i W_i0] = sqrt(s) beta sigma_q^2 / 2 for every i, learned mode or
    not (W_i0 relaxes at s + s_i with noise (s + s_i)^2 beta sigma_q^2). So s - w = c (1 + sqrt((d_0 - 1)(d_L - 1))), c = beta
    sigma_q^2 / 2: 12 c at d = 12. NaN unless L = 2."""
    if len(widths) != 3:
        return np.full(np.shape(beta), np.nan)
    c = 0.5 * np.asarray(beta) * label_noise_variance
    return -c * (1 + np.sqrt((widths[0] - 1) * (widths[-1] - 1)))


def em_excess_variance(variance, k: float, step) -> np.ndarray:
    """Euler-Maruyama's excess stationary variance at step h of the linearised mode of variance V: V / (1 - k h / 2) - V."""
    return np.asarray(variance) * (1 / (1 - k * np.asarray(step) / 2) - 1)


# ------------------------------------------------------------------------------------------------------- stages
DESCRIPTIONS = {
    "mean_shift": ("stationary mean of w_0 minus s (window means after burn-in, mean over seeds); SDE at dt = sde_dt", "1"),
    "variance": ("stationary Var w_0 (window variance + variance of window means over seeds); SDE at dt = sde_dt", "1"),
    "difference": ("SGD minus SDE of mean_shift and variance (`moment`)", "1"),
    "sde_dt": ("Euler-Maruyama step of the SDE (dt_over_eta x eta), continuum time", "t"),
    "corrected_shift": ("-c of the corrected Eq. 17 (the mean at s - c), c = (beta/2)(L-1) s^((L-2)/L) sigma_q^2", "1"),
    "eq17_shift": ("Eq. 17 as printed, +(beta/2)(L-1) s^(-2/L) sigma_q", "1"),
    "eq18_variance": ("Eq. 18: beta L / 2 sigma_q^2 s^(2(L-1)/L)", "1"),
    "network_shift": ("O(eta) mean shift of w_0 in the depth-2 network (network_shift): -c (1 + sqrt((d_0 - 1)(d_L - 1)))", "1"),
    "law_mean_shift": ("mean - s of the stationary density (16) with the corrected Ito drift (1-D, exact in beta)", "1"),
    "law_variance": ("variance of the stationary density (16) with the corrected Ito drift", "1"),
    "em_difference": ("SGD - SDE of the linearised mode (`moment`): Var (16) [1/(1 - k eta/2) - 1/(1 - k dt/2)], the mean -(p/s) times it", "1"),
}
FIT_DESCRIPTIONS = {
    "leading": ("coefficient a_1 of the weighted fit y = a_1 eta + a_2 eta^2 (+ a_3 eta^3 for SGD's and the SDE's moments) (`quantity`): the O(eta) term", "1"),
    "second": ("coefficient a_2 of that fit: the O(eta^2) term", "1"),
    "third": ("coefficient a_3 of that fit: the O(eta^3) term (moments only; NaN for the differences)", "1"),
    "leading_bias": ("a_1 of the same fit on the noiseless reference curve minus its exact O(eta) coefficient (the fit's truncation bias)", "1"),
    "order": ("p of the weighted fit y = A eta^p of the differences SGD - SDE (`moment`)", "1"),
    "order_bias": ("p of the same fit on the noiseless linearised-EM prediction em_difference minus 2 (the O(eta^3) terms' bias)", "1"),
    "amplitude": ("A of the weighted fit y = A eta^p of the differences SGD - SDE (`moment`)", "1"),
}
QUANTITIES = ["sgd_mean_shift", "sde_mean_shift", "sgd_variance", "sde_variance", "difference_mean_shift", "difference_variance"]
MOMENTS = ["mean_shift", "variance"]


def _window(paths: list[str]) -> np.ndarray:
    """[mean, mean SE, variance, variance SE] of w_0 over the windows of the seeds in `paths`."""
    from ..corlouer2026.laws.common import open_runs, window_law

    return np.array([float(v[0]) for v in window_law(open_runs(paths), [0])])


def _sde_at(paths: list[list[str]], dts: list[float], target: float) -> np.ndarray:
    """The SDE's window statistics at dt = target: the point itself, or each statistic's weighted line over the dt sweep there."""
    stats = np.array([_window(p) for p in paths])
    if len(dts) == 1:
        return stats[0]
    mean = line_at(dts, stats[:, 0], stats[:, 1], target)
    var = line_at(dts, stats[:, 2], stats[:, 3], target)
    return np.array([mean[0], mean[1], var[0], var[1]])


def _split(paths: list[str], counts: list[int]) -> list[list[str]]:
    edges = np.cumsum([0] + list(counts))
    return [paths[a:b] for a, b in zip(edges[:-1], edges[1:])]


MOMENT_POWERS = (1, 2, 3)  # SGD's and the SDE's moments bend beyond eta^2 at these rates (a quadratic misfits: chi^2 ~ 8 on 3 dof)
DIFFERENCE_POWERS = (1, 2)  # the differences, to their own leading order eta^2 (and the rival eta)


def _fits(eta, y, se, reference, exact_leading, powers) -> dict:
    """Weighted polynomial fit of y in eta (no constant) with SEs, and the truncation bias of its a_1 on the noiseless reference curve.
    At most as many powers as rates (the quick scale has two)."""
    powers = powers[: len(eta)]
    coef, cov = weighted_polynomial(eta, y, se, powers)
    ref, _ = weighted_polynomial(eta, reference, se, powers)
    third = (coef[2], np.sqrt(cov[2, 2])) if len(powers) > 2 else (np.nan, np.nan)
    return dict(leading=coef[0], leading_se=np.sqrt(cov[0, 0]), second=coef[1], second_se=np.sqrt(cov[1, 1]), third=third[0], third_se=third[1],
                leading_bias=ref[0] - exact_leading)


def summarize(sgd_paths: list[str], sde_paths: list[str], output: str, *, learning_rates: list[float], sgd_counts: list[int], sde_counts: list[list[int]],
              sde_dt: list[list[float]], dt_over_eta: float, batch_size: int, label_noise_variance: float, singular_value: float, widths: list[int],
              grid: dict, provenance: dict) -> None:
    """Window statistics of w_0 of every SGD point and of the SDE at dt = dt_over_eta x eta, then analyse()."""
    from .. import io

    eta = np.asarray(learning_rates, dtype=float)
    dt = dt_over_eta * eta
    sgd = np.array([_window(p) for p in _split(sgd_paths, sgd_counts)])
    per_eta = _split(sde_paths, [sum(c) for c in sde_counts])
    sde = np.array([_sde_at(_split(p, c), d, t) for p, c, d, t in zip(per_eta, sde_counts, sde_dt, dt)])
    ds = analyse(eta, sgd, sde, dt_over_eta=dt_over_eta, batch_size=batch_size, label_noise_variance=label_noise_variance,
                 singular_value=singular_value, widths=widths, grid=grid)
    io.write_netcdf(io.describe(ds.assign_attrs(io.provenance(provenance)), descriptions()), output)


def analyse(eta: np.ndarray, sgd: np.ndarray, sde: np.ndarray, *, dt_over_eta: float, batch_size: int, label_noise_variance: float,
            singular_value: float, widths: list[int], grid: dict):
    """The summary from the window statistics [mean, mean SE, variance, variance SE] of w_0 per eta (rows) of SGD and of the
    SDE: shifts, differences, the theory at each eta, the quadratic fits (with their truncation bias on the noiseless
    reference curves) and the power-law orders of the differences."""
    import xarray as xr

    from ..corlouer2026 import theory
    from ..corlouer2026.laws.common import grid_of, stationary_law

    dt = dt_over_eta * eta
    s, sq2, depth = singular_value, label_noise_variance, len(widths) - 1
    beta = eta / batch_size
    mean = np.stack([sgd[:, 0], sde[:, 0]]) - s
    mean_se = np.stack([sgd[:, 1], sde[:, 1]])
    var, var_se = np.stack([sgd[:, 2], sde[:, 2]]), np.stack([sgd[:, 3], sde[:, 3]])
    diff = np.stack([mean[0] - mean[1], var[0] - var[1]])
    diff_se = np.stack([np.hypot(mean_se[0], mean_se[1]), np.hypot(var_se[0], var_se[1])])
    laws = [stationary_law("corrected", s, depth, b, sq2, grid_of(grid)) for b in beta]
    law_mean, law_var = np.array([l.mean for l in laws]) - s, np.array([l.variance for l in laws])
    k, slope = relaxation_rate(s, depth), mean_per_variance(s, depth)
    em_var = em_excess_variance(law_var, k, eta) - em_excess_variance(law_var, k, dt)
    em = np.stack([slope * em_var, em_var])
    corrected = theory.small_noise_law(s, depth, beta, sq2).mean - s
    eq18 = theory.stationary_variance_eq18(s, depth, beta, sq2)
    # the O(eta) coefficients every quantity shares (SGD, SDE: -c / eta and Eq. 18 / eta; differences: none), and the noiseless
    # reference curves the fits' truncation bias is measured on: (16) for the SDE, (16) plus the linearised EM excess for SGD
    exact = {"mean_shift": corrected[0] / eta[0], "variance": eq18[0] / eta[0]}
    network = network_shift(widths, beta, sq2)
    sde_reference = {"mean_shift": law_mean + slope * em_excess_variance(law_var, k, dt), "variance": law_var + em_excess_variance(law_var, k, dt)}
    measured = {"mean_shift": (mean, mean_se), "variance": (var, var_se)}
    fits = {}
    for j, m in enumerate(MOMENTS):
        y, y_se = measured[m]
        fits[f"sgd_{m}"] = _fits(eta, y[0], y_se[0], sde_reference[m] + em[j], exact[m], MOMENT_POWERS)
        fits[f"sde_{m}"] = _fits(eta, y[1], y_se[1], sde_reference[m], exact[m], MOMENT_POWERS)
        fits[f"difference_{m}"] = _fits(eta, diff[j], diff_se[j], em[j], 0.0, DIFFERENCE_POWERS)
    orders = [power_law_fit(eta, diff[j], diff_se[j]) for j in range(2)]
    order_bias = [power_law_fit(eta, em[j], diff_se[j])[2] - 2 for j in range(2)]
    fit_vars = {name: (("quantity",), [fits[q][name] for q in QUANTITIES]) for name in ("leading", "leading_se", "second", "second_se", "third", "third_se", "leading_bias")}
    return xr.Dataset(
        {"mean_shift": (("dynamics", "learning_rate"), mean), "mean_shift_se": (("dynamics", "learning_rate"), mean_se),
         "variance": (("dynamics", "learning_rate"), var), "variance_se": (("dynamics", "learning_rate"), var_se),
         "difference": (("moment", "learning_rate"), diff), "difference_se": (("moment", "learning_rate"), diff_se),
         "sde_dt": (("learning_rate",), dt), "corrected_shift": (("learning_rate",), corrected),
         "eq17_shift": (("learning_rate",), theory.stationary_shift_eq17(s, depth, beta, sq2)), "eq18_variance": (("learning_rate",), eq18),
         "network_shift": (("learning_rate",), network), "law_mean_shift": (("learning_rate",), law_mean), "law_variance": (("learning_rate",), law_var),
         "em_difference": (("moment", "learning_rate"), em),
         **fit_vars,
         "amplitude": (("moment",), [o[0] for o in orders]), "amplitude_se": (("moment",), [o[1] for o in orders]),
         "order": (("moment",), [o[2] for o in orders]), "order_se": (("moment",), [o[3] for o in orders]),
         "order_bias": (("moment",), order_bias)},
        coords={"learning_rate": eta, "dynamics": list(DYNAMICS), "moment": MOMENTS, "quantity": QUANTITIES, "singular_value": s, "depth": depth,
                "batch_size": batch_size, "label_noise_variance": sq2, "dt_over_eta": dt_over_eta, "relaxation_rate": k,
                "exact_leading_mean_shift": exact["mean_shift"], "exact_leading_variance": exact["variance"],
                "network_leading_mean_shift": network[0] / eta[0], "widths": ("layer", list(widths))},
    )


def descriptions() -> dict:
    """long_name and units of the summary's variables; X_se is the standard error of X (over seeds; for fits, from their covariance)."""
    table = {**DESCRIPTIONS, **FIT_DESCRIPTIONS}
    return {**table, **{f"{name}_se": (f"standard error of {name}: {text}", units) for name, (text, units) in table.items()}}


# ------------------------------------------------------------------------------------------------------- claims
def claims(summary_path: str, output: str) -> None:
    """The leading orders: SGD - SDE at O(eta^2) in the variance and the mean (fitted order, O(eta) coefficient), the SDE's and
    SGD's mean shift at -c of the corrected Eq. 17 and variance at Eq. 18 to leading order, SGD's excess that of EM at dt = eta."""
    from .. import claims as claimsmod
    from .. import io

    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Corlouer2026", "Limitations")
    etas = ", ".join(f"{v:g}" for v in ds.learning_rate.values)
    fit = ds[["leading", "leading_se", "second", "second_se", "third", "third_se", "leading_bias"]].to_dataframe()
    common = dict(kind=claimsmod.EXTENSION, location=LOCATION, quote=QUOTE)
    ratio = float(ds.dt_over_eta)
    for j, moment in enumerate(MOMENTS):
        p, p_se, bias = float(ds.order[j]), float(ds.order_se[j]), float(ds.order_bias[j])
        tol = claimsmod.tolerance(p_se, 3, bias)
        rows.add(f"ext_lr_order_{moment}", FIGURE,
                 f"hypothesis: SGD's stationary {moment.replace('_', ' ')} of w_0 differs from the SDE's at O(eta^2), one order beyond the O(eta) "
                 f"{'shift of the corrected Eq. 17' if moment == 'mean_shift' else 'variance of Eq. 18'}",
                 f"order p of the weighted fit SGD - SDE = A eta^p over eta = {etas} (SDE at dt = {ratio:g} eta); A = "
                 f"{claimsmod.format_mean_sem(float(ds.amplitude[j]), float(ds.amplitude_se[j]))}",
                 claimsmod.format_mean_sem(p, p_se), "2", f"3 SE + O(eta^3) bias {bias:+.2g} = {tol:.2g}", claimsmod.within(p - 2, p_se, 3, bias),
                 power=claimsmod.power(tol, 1.0, "an O(eta) difference (order 1)"), **common)
        q = f"difference_{moment}"
        c1, c1_se, c1_bias = fit.loc[q, "leading"], fit.loc[q, "leading_se"], fit.loc[q, "leading_bias"]
        tol = claimsmod.tolerance(c1_se, 3, c1_bias)
        shared = abs(fit.loc[f"sde_{moment}", "leading"])  # the measured O(eta) term (the network's, not only Eq. 17's or 18's)
        rows.add(f"ext_lr_leading_difference_{moment}", FIGURE,
                 f"hypothesis: SGD and the SDE share the O(eta) term of the stationary {moment.replace('_', ' ')} of w_0 (their difference has none)",
                 f"a_1 of the weighted fit SGD - SDE = a_1 eta + a_2 eta^2 (a_2 = {claimsmod.format_mean_sem(fit.loc[q, 'second'], fit.loc[q, 'second_se'])})",
                 claimsmod.format_mean_sem(c1, c1_se), "0", f"3 SE + truncation bias {c1_bias:+.2g} = {tol:.2g}", claimsmod.within(c1, c1_se, 3, c1_bias),
                 power=claimsmod.power(tol, RIVAL_FRACTION * shared, f"an O(eta) difference {RIVAL_FRACTION:g} x the SDE's measured O(eta) coefficient {shared:.3g}"),
                 **common)
    for method, label in (("sde", "the SDE's"), ("sgd", "SGD's")):
        for moment, reference, printed in (("mean_shift", "-c of the corrected Eq. 17", float(ds.eq17_shift[0] / ds.learning_rate[0])),
                                           ("variance", "Eq. 18", 0.0)):
            q = f"{method}_{moment}"
            a1, a1_se, a1_bias = fit.loc[q, "leading"], fit.loc[q, "leading_se"], fit.loc[q, "leading_bias"]
            exact = float(ds[f"exact_leading_{moment}"])
            tol = claimsmod.tolerance(a1_se, 3, a1_bias)
            rival = (claimsmod.power(tol, exact - printed, f"the printed Eq. 17 (+{printed:.3g} eta)") if moment == "mean_shift"
                     else claimsmod.power(tol, exact / 2, "half of Eq. 18's coefficient"))
            rows.add(f"ext_lr_{method}_{moment}_leading", FIGURE,
                     f"hypothesis: {label} stationary {moment.replace('_', ' ')} of w_0 follows {reference} to leading order in eta",
                     f"a_1 of the weighted fit y = a_1 eta + a_2 eta^2 + a_3 eta^3 over eta = {etas} "
                     f"(a_2 = {claimsmod.format_mean_sem(fit.loc[q, 'second'], fit.loc[q, 'second_se'])}, "
                     f"a_3 = {claimsmod.format_mean_sem(fit.loc[q, 'third'], fit.loc[q, 'third_se'])})",
                     claimsmod.format_mean_sem(a1, a1_se), f"{exact:.4g}", f"3 SE + truncation bias {a1_bias:+.2g} = {tol:.2g}",
                     claimsmod.within(a1 - exact, a1_se, 3, a1_bias), power=rival, **common)
    if np.isfinite(float(ds.network_leading_mean_shift)):
        network, d = float(ds.network_leading_mean_shift), ds.widths.values
        for method, label in (("sde", "the SDE's"), ("sgd", "SGD's")):
            q = f"{method}_mean_shift"
            a1, a1_se, a1_bias = fit.loc[q, "leading"], fit.loc[q, "leading_se"], fit.loc[q, "leading_bias"]
            tol = claimsmod.tolerance(a1_se, 3, a1_bias)
            rows.add(f"ext_lr_{method}_mean_shift_network", FIGURE,
                     f"hypothesis: {label} O(eta) mean shift of w_0 is -(1 + sqrt((d_0 - 1)(d_L - 1))) c: the corrected Eq. 17's -c plus the pull of the "
                     f"first hidden unit's {d[0] - 1 + d[-1] - 1} off-diagonal weights (our estimate, L = 2)",
                     f"a_1 of the weighted fit mean - s = a_1 eta + a_2 eta^2 + a_3 eta^3 over eta = {etas}", claimsmod.format_mean_sem(a1, a1_se),
                     f"{network:.4g} (-c alone: {float(ds.exact_leading_mean_shift):.4g})", f"3 SE + truncation bias {a1_bias:+.2g} = {tol:.2g}",
                     claimsmod.within(a1 - network, a1_se, 3, a1_bias),
                     power=claimsmod.power(tol, network - float(ds.exact_leading_mean_shift), "-c alone (the balanced aligned reduction)"), **common)
    em = ds.em_difference.sel(moment="variance").values
    measured = ds.difference.sel(moment="variance").values
    se = ds.difference_se.sel(moment="variance").values
    coef, cov = weighted_polynomial(em, measured, se, (1,))  # the measured excess in units of the linearised EM prediction
    ratio_em, ratio_se = float(coef[0]), float(np.sqrt(cov[0, 0]))
    rows.add("ext_lr_em_excess_variance", FIGURE,
             "hypothesis: SGD's excess stationary variance over the SDE is Euler-Maruyama's at dt = eta, V [1/(1 - k eta/2) - 1/(1 - k dt/2)] "
             "(its non-Gaussian noise adds nothing at this order)",
             "weighted least-squares ratio of the measured SGD - SDE variance to the linearised-EM prediction over eta",
             claimsmod.format_mean_sem(ratio_em, ratio_se), "1", f"3 SE = {3 * ratio_se:.2g}", claimsmod.within(ratio_em - 1, ratio_se),
             power=claimsmod.power(3 * ratio_se, 1.0, "no excess (SGD = the SDE)"), **common)
    rows.write(output)
