"""Gross et al. 2024, Fig. 6 (Sec. II C 2): the loss perturbed along eigenvectors v_i of the empirical weight covariance
M_SGD, dL(theta v_i) = L(w* + theta v_i) - L(w*) (Eq. 2.35), in three cases: (a) i.i.d. Gaussian inputs, N = 100,
P = 2000; (b) inputs with a random Wishart covariance, N = 40, P = 200; and purely random labels (text).

No inverse variance-flatness relation (IVFR) is expected for a single layer: the curvature v_i^T H v_i should not
depend on the variance gamma_i. On log axes the IVFR with exponent psi gives curvature ~ gamma^(2/psi) (+1 for the
two-layer psi = 2 of Sec. III), equipartition (M ~ H^-1) gives gamma^-1.

Stages: the runs (gross2024.runs) -> extract_statistics -> evaluate_theory ->
summarize -> claims; gross2024.fig6.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from ...statistics import mean_and_sem, rayleigh_quotients, sorted_eigh
from .. import theory_sec2 as theory
from ..runs import open_runs

CASES = {"iid": "6a", "wishart": "6b", "random_labels": "6 (text)"}
SLOPE_LIMIT = 0.25  # |log-log slope| below a quarter of the equipartition (-1) and two-layer IVFR (+1) exponents


# ------------------------------------------------------------------------------------- statistics
def extract_statistics(data_path: str, train_paths: list[str], output: str, *, theta_stop: float, theta_num: int, provenance: dict) -> None:
    """Per run: eigenvalues gamma_i and eigenvectors v_i of M_SGD = <(w - w*)(w - w*)^T> over the window, the
    curvature v_i^T H v_i and the loss perturbation dL(theta v_i) evaluated from the loss."""
    runs = open_runs(train_paths)
    data = io.open_dataset(data_path).sel(seed=runs.seed)
    X, y, w_star = data.inputs.values, data.labels.values, data.teacher_solution.values
    theta = np.linspace(-theta_stop, theta_stop, theta_num)
    gamma, curvature, perturbation = [], [], []
    for s in range(X.shape[0]):
        values, vectors = sorted_eigh(runs.second_moment.values[s])
        gamma.append(values)
        curvature.append(rayleigh_quotients(theory.hessian(X[s]), vectors))
        perturbation.append(theory.loss_perturbation(X[s], y[s], w_star[s], vectors, theta))
    ds = xr.Dataset(
        {
            "covariance_eigenvalues": (("seed", "mode"), np.stack(gamma), {"long_name": "eigenvalues gamma_i of M_SGD, descending", "units": "1"}),
            "curvature": (("seed", "mode"), np.stack(curvature), {"long_name": "v_i^T H v_i along the eigenvectors of M_SGD", "units": "1"}),
            "loss_perturbation": (("seed", "mode", "theta"), np.stack(perturbation), {"long_name": "dL(theta v_i) = L(w* + theta v_i) - L(w*), Eq. (2.35)", "units": "1"}),
        },
        coords={"seed": runs.seed.values, "mode": np.arange(X.shape[2]), "theta": theta, "N": data.N, "P": data.P},
        attrs=io.provenance(provenance, n_records=runs.attrs["n_records"], measure_steps=runs.attrs["measure_steps"]),
    )
    io.write_netcdf(ds, output)


# ----------------------------------------------------------------------------------------- theory
def evaluate_theory(data_path: str, output: str, *, learning_rate: float, batch_size: int, provenance: dict) -> None:
    """Per realization: the i.i.d. prediction (1/2) sigma_x^2 theta^2 with sigma_x^2 = tr Sigma / N, the mean and the
    random-direction spread of v^T H v, and the same statistics for the eigenvectors of the exact stationary M."""
    data = io.open_dataset(data_path)
    X, y = data.inputs.values, data.labels.values
    n_seeds, _, N = X.shape
    out = {k: [] for k in ("mean", "spread", "gamma", "curvature")}
    for s in range(n_seeds):
        H = theory.hessian(X[s])
        out["mean"].append(np.trace(H) / N)
        out["spread"].append(theory.random_direction_curvature_spread(H))
        values, vectors = sorted_eigh(theory.discrete_sgd_covariance(X[s], y[s], learning_rate, batch_size))
        out["gamma"].append(values)
        out["curvature"].append(rayleigh_quotients(H, vectors))
    ds = xr.Dataset(
        {
            "feature_variance": ("seed", np.trace(data.input_covariance.values, axis1=1, axis2=2) / N, {"long_name": "sigma_x^2 = tr Sigma / N", "units": "1"}),
            "mean_curvature": ("seed", np.array(out["mean"]), {"long_name": "tr H / N: mean of v^T H v over any orthonormal basis", "units": "1"}),
            "random_curvature_spread": ("seed", np.array(out["spread"]), {"long_name": "standard deviation of v^T H v over random unit vectors", "units": "1"}),
            "exact_covariance_eigenvalues": (("seed", "mode"), np.stack(out["gamma"]), {"long_name": "eigenvalues of the exact stationary M (discrete SGD), descending", "units": "1"}),
            "exact_curvature": (("seed", "mode"), np.stack(out["curvature"]), {"long_name": "v_i^T H v_i along the eigenvectors of the exact M", "units": "1"}),
        },
        coords={"seed": data.seed.values, "mode": np.arange(N), "N": data.N, "P": data.P},
        attrs=io.provenance(provenance),
    )
    io.write_netcdf(ds, output)


# -------------------------------------------------------------------------------------- summary
def summarize(statistics_paths: list[str], theory_paths: list[str], output: str, *, cases: list[str], provenance: dict) -> None:
    """The cases stacked along `case` (modes and seeds padded with NaN where N or the number of runs is smaller)."""
    merged = [xr.merge([io.open_dataset(s), io.open_dataset(t)], compat="equals", join="inner", combine_attrs="override") for s, t in zip(statistics_paths, theory_paths)]
    summary = io.stack_points(merged, dim="case", labels=cases, lift=("N", "P"), join="outer")
    summary.attrs = io.provenance(provenance)
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
def log_slopes(gamma: np.ndarray, curvature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run (rows): least-squares slope of log curvature against log gamma, and the share of variance it explains."""
    slopes, r2 = [], []
    for g, k in zip(gamma, curvature):
        keep = np.isfinite(g) & (g > 0)
        x, y = np.log(g[keep]), np.log(k[keep])
        slopes.append(np.polyfit(x, y, 1)[0])
        r2.append(np.corrcoef(x, y)[0, 1] ** 2)
    return np.array(slopes), np.array(r2)


def curvature_spread_ratio(curvature: xr.DataArray, case: xr.Dataset) -> np.ndarray:
    """Per run: rms of v_i^T H v_i - tr H / N over the modes, relative to random orthonormal directions."""
    return (np.sqrt(((curvature - case.mean_curvature) ** 2).mean("mode")) / case.random_curvature_spread).values


def claims(summary_path: str, output: str) -> None:
    """Claim rows of Fig. 6 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II C 2")
    for case in ds.case.values:
        c = ds.sel(case=case).dropna("seed", how="all").dropna("mode", how="all")
        figure, N, P = CASES[str(case)], int(c.N), int(c.P)
        slope, r2 = log_slopes(c.covariance_eigenvalues.values, c.curvature.values)
        exact_slope = log_slopes(c.exact_covariance_eigenvalues.values, c.exact_curvature.values)[0]
        s_mean, s_sem = mean_and_sem(slope)
        e_mean, e_sem = mean_and_sem(exact_slope)
        rows.add(f"fig6_no_ivfr_{case}", figure,
                 f"{case} (N = {N}, P = {P}): the loss perturbation dL(theta v_i) does not depend in any significant way on the covariance eigenvalue gamma_i (no IVFR for a single layer)",
                 "log-log slope of dL(theta v_i)/theta^2 = v_i^T H v_i / 2 against gamma_i, eigenvectors of M_SGD (mean +- SE over runs; "
                 f"variance share explained R^2 = {np.mean(r2):.3f}); same for the exact stationary M: {claimsmod.format_mean_sem(e_mean, e_sem)}",
                 claimsmod.format_mean_sem(s_mean, s_sem), "0 (IVFR psi = 2: +1; equipartition: -1)", f"|slope| < {SLOPE_LIMIT}", abs(s_mean) < SLOPE_LIMIT, kind=claimsmod.PAPER_CLAIM)
        r_mean, r_sem = mean_and_sem(curvature_spread_ratio(c.curvature, c))
        e_mean, e_sem = mean_and_sem(curvature_spread_ratio(c.exact_curvature, c))
        rows.add(f"fig6_eigenvectors_unrelated_{case}", figure,
                 f"{case} (N = {N}, P = {P}): the eigenvectors of the weight covariance are essentially unrelated to those of H",
                 "rms of v_i^T H v_i - tr H/N over the eigenvectors of M_SGD, relative to its value for random orthonormal directions (mean +- SE over runs); "
                 f"same for the exact stationary M: {claimsmod.format_mean_sem(e_mean, e_sem)}",
                 claimsmod.format_mean_sem(r_mean, r_sem), "1", f"3 SE = {3 * r_sem:.2g}", claimsmod.within(r_mean - 1, r_sem), kind=claimsmod.PAPER_CLAIM)
        if case == "iid":
            ratio = (c.curvature.mean("mode") / c.feature_variance).values
            m_mean, m_sem = mean_and_sem(ratio)
            largest = float(np.max(np.abs(c.curvature / c.feature_variance - 1)))
            rows.add("fig6a_superimpose", figure,
                     "For large sample numbers the perturbed-loss curves superimpose on dL = theta^2 sigma_x^2 / 2",
                     f"dL(theta v_i) / (theta^2 sigma_x^2 / 2) averaged over modes (mean +- SE over runs); largest single-mode deviation {largest:.2f} "
                     f"(random directions: rms {float((c.random_curvature_spread / c.feature_variance).mean()):.2f})",
                     claimsmod.format_mean_sem(m_mean, m_sem), "1 (E tr H = N sigma_x^2)", f"3 SE = {3 * m_sem:.2g}", claimsmod.within(m_mean - 1, m_sem), kind=claimsmod.PAPER_CLAIM)
    rows.write(output)
