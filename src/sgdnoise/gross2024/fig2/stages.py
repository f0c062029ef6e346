"""Gross et al. 2024, Fig. 2: the random matrices behind the deviation of the SGD noise from the Hessian form.

(a) variance of the elements of the projector Pi = X^+ X against P/N for several N (collapse under N var);
(b) sorted diagonal entries of K (Eq. 2.18) for N = 50 and P = 70 ... 10000 against the squared-Gaussian form.

Stages: projector_statistics (per N) and noise_matrix_statistics draw the realizations and reduce them at once
(up to 10^6 x 100 Gaussian numbers each: the files keep their spawn keys, not the numbers) -> evaluate_theory
(closed forms) -> summarize -> claims; gross2024.fig2.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import scipy.stats
import xarray as xr

from ... import claims as claimsmod
from .. import data as datamod
from ... import io, seeding
from ...statistics import mean_and_sem
from .. import theory_sec2 as theory

EXPERIMENT = "gross2024_fig2"


# ------------------------------------------------------------------------------------- statistics
def projector_statistics(output: str, *, N: int, P_over_N: list[float], n_seeds: int, data_seed: int, label_noise_variance: float, provenance: dict) -> None:
    """Panel (a): per realization, the variance of the diagonal and of the off-diagonal elements of Pi = X^+ X."""
    Ps = [int(round(s * N)) for s in P_over_N]
    diag, off, keys = np.empty((len(Ps), n_seeds)), np.empty((len(Ps), n_seeds)), []
    for i, P in enumerate(Ps):
        for seed in range(n_seeds):
            stream = (f"{EXPERIMENT}/projector", seeding.point_label(N=N, P=P), seed, "data")
            d = datamod.teacher_student(seeding.generator(data_seed, *stream), N, P, label_noise_variance)
            diag[i, seed], off[i, seed] = theory.projector_element_statistics(d.inputs)
            keys.append(seeding.spawn_key(*stream))
    ds = xr.Dataset(
        {
            "diagonal_variance": (("P_over_N", "seed"), diag, {"long_name": "variance of the diagonal elements of Pi = X^+ X", "units": "1"}),
            "offdiagonal_variance": (("P_over_N", "seed"), off, {"long_name": "variance (mean square) of the off-diagonal elements of Pi", "units": "1"}),
            "data_spawn_key": (("P_over_N", "seed", "key_part"), np.array(keys, dtype=np.int64).reshape(len(Ps), n_seeds, 4), {"long_name": "SeedSequence spawn key of each realization"}),
        },
        coords={"P_over_N": np.asarray(P_over_N, dtype=float), "seed": np.arange(n_seeds), "P": ("P_over_N", Ps), "N": N},
        attrs=io.provenance(provenance, data_root_seed=data_seed),
    )
    io.write_netcdf(ds, output)


def noise_matrix_statistics(output: str, *, N: int, P: list[int], n_seeds: int, data_seed: int, label_noise_variance: float, provenance: dict) -> None:
    """Panel (b): sorted P K^{mu mu} / sigma^2 and sorted (eps^mu)^2 / sigma^2 averaged over realizations, and per
    realization the mean shift and the mean squared difference of the two (the squared-Gaussian approximation)."""
    rank = np.arange(max(P))
    sorted_k, sorted_eps = np.full((len(P), rank.size), np.nan), np.full((len(P), rank.size), np.nan)
    shift, mse, keys = np.empty((len(P), n_seeds)), np.empty((len(P), n_seeds)), []
    for i, p in enumerate(P):
        k_sum, eps_sum = np.zeros(p), np.zeros(p)
        for seed in range(n_seeds):
            stream = (f"{EXPERIMENT}/noise_matrix", seeding.point_label(N=N, P=p), seed, "data")
            d = datamod.teacher_student(seeding.generator(data_seed, *stream), N, p, label_noise_variance)
            scaled_k = p * theory.noise_matrix(d.inputs, d.label_noise) / label_noise_variance
            eps2 = d.label_noise**2 / label_noise_variance
            k_sum += np.sort(scaled_k)[::-1]
            eps_sum += np.sort(eps2)[::-1]
            shift[i, seed] = np.mean(eps2 - scaled_k)
            mse[i, seed] = np.mean((scaled_k - eps2) ** 2) / 3.0  # E eps^4 = 3 sigma^4
            keys.append(seeding.spawn_key(*stream))
        sorted_k[i, :p], sorted_eps[i, :p] = k_sum / n_seeds, eps_sum / n_seeds
    ds = xr.Dataset(
        {
            "sorted_noise_matrix": (("P", "rank"), sorted_k, {"long_name": "P K^{mu mu} / sigma_eps^2 (Eq. 2.18) in descending order, mean over realizations", "units": "1"}),
            "sorted_squared_noise": (("P", "rank"), sorted_eps, {"long_name": "(eps^mu)^2 / sigma_eps^2 in descending order, mean over realizations", "units": "1"}),
            "mean_shift": (("P", "seed"), shift, {"long_name": "mean over mu of (eps_mu^2 - P K^{mu mu}) / sigma_eps^2", "units": "1"}),
            "relative_squared_error": (("P", "seed"), mse, {"long_name": "mean over mu of (P K^{mu mu} - eps_mu^2)^2 / (3 sigma_eps^4)", "units": "1"}),
            "data_spawn_key": (("P", "seed", "key_part"), np.array(keys, dtype=np.int64).reshape(len(P), n_seeds, 4), {"long_name": "SeedSequence spawn key of each realization"}),
        },
        coords={"P": np.asarray(P), "rank": rank, "seed": np.arange(n_seeds), "N": N},
        attrs=io.provenance(provenance, data_root_seed=data_seed),
    )
    io.write_netcdf(ds, output)


# ----------------------------------------------------------------------------------------- theory
def evaluate_theory(output: str, *, projector_N: list[int], P_over_N: list[float], noise_N: int, noise_P: list[int], curve_points: int, provenance: dict) -> None:
    """Haar-projector variances on the panel (a) grid and their N -> oo collapse, the squared-Gaussian error and mean
    shift N/P of panel (b), and the sorted squared-Gaussian curve sigma^2 F^-1_chi2(1)(1 - q) (Fig. 2b, dotted)."""
    haar = np.array([[theory.haar_projector_element_variances(n, int(round(s * n))) for s in P_over_N] for n in projector_N])
    s = np.geomspace(min(P_over_N), max(P_over_N), curve_points)
    head = np.geomspace(0.5 / max(noise_P), 0.5, curve_points // 2)
    q = np.concatenate([head, 1.0 - head[::-1][1:]])  # dense at both ends of the sorted entries
    ds = xr.Dataset(
        {
            "haar_diagonal_variance": (("projector_N", "P_over_N"), haar[..., 0], {"long_name": "var Pi_ii of a Haar-random rank-N projector", "units": "1"}),
            "haar_offdiagonal_variance": (("projector_N", "P_over_N"), haar[..., 1], {"long_name": "var Pi_ij (i != j) of a Haar-random rank-N projector", "units": "1"}),
            "collapsed_offdiagonal_variance": ("s", (s - 1) / s**3, {"long_name": "N var Pi_ij for N -> oo at fixed s = P/N: (s - 1)/s^3", "units": "1"}),
            "squared_gaussian_error": ("P", [theory.squared_gaussian_error(noise_N, p) for p in noise_P], {"long_name": "relative rms error of P K ~ eps^2", "units": "1"}),
            "expected_mean_shift": ("P", [noise_N / p for p in noise_P], {"long_name": "E mean(eps^2 - P K) / sigma^2 = N/P", "units": "1"}),
            "squared_gaussian_quantile": ("tail_probability", scipy.stats.chi2.isf(q, df=1), {"long_name": "(eps/sigma)^2 at upper-tail probability q: chi^2_1 quantile", "units": "1"}),
        },
        coords={"projector_N": np.asarray(projector_N), "P_over_N": np.asarray(P_over_N, dtype=float), "s": s, "P": np.asarray(noise_P),
                "tail_probability": ("tail_probability", q, {"long_name": "rank / P"}), "N": noise_N},
        attrs=io.provenance(provenance),
    )
    io.write_netcdf(ds, output)


# -------------------------------------------------------------------------------------- summary
def summarize(projector_paths: list[str], noise_matrix_path: str, theory_path: str, output: str, *, provenance: dict) -> None:
    """Panel (a) statistics stacked along projector_N, panel (b) statistics, and the theory, in one file."""
    projector = [io.open_dataset(p).drop_vars("data_spawn_key") for p in projector_paths]
    Ns = [int(p.N) for p in projector]
    projector = xr.concat([p.drop_vars("N").rename(P="projector_P") for p in projector], dim="projector_N").assign_coords(projector_N=Ns)
    noise = io.open_dataset(noise_matrix_path).drop_vars(["data_spawn_key", "seed"]).rename_dims(seed="realization")
    summary = xr.merge([projector, noise, io.open_dataset(theory_path).drop_vars("N")], compat="equals", join="exact", combine_attrs="override")
    summary.attrs = io.provenance(provenance)
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
def linear_fit(design: np.ndarray, y: np.ndarray, y_sem: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary least squares y ~ design @ beta with the standard errors of beta propagated from independent
    errors y_sem (exact for a linear estimator): the fit weights points equally, as a log-log plot does."""
    pinv = np.linalg.pinv(design)
    return pinv @ y, np.sqrt((pinv**2) @ y_sem**2)


def claims(summary_path: str, output: str, *, paper_exponent: float) -> None:
    """Claim rows of Fig. 2 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II B 2")
    # (a) the measured variance is the Haar-projector variance at every (N, P)
    off_mean, off_sem = mean_and_sem(ds.offdiagonal_variance.values, axis=-1)
    z_max, limit = claimsmod.max_abs_t(off_mean - ds.haar_offdiagonal_variance.values, off_sem, ds.sizes["seed"])
    n_seeds = ds.sizes["seed"]
    Ns, s = ds.projector_N.values, ds.P_over_N.values
    rows.add("fig2a_projector_variance_exact", "2a",
             "The variance of the elements of Pi = X^+ X is that of a uniformly random rank-N projector, N(P-N)/(P(P-1)(P+2)) (our derivation; collapses to (s-1)/s^3 / N at s = P/N)",
             f"max over N = {list(map(int, Ns))} and P/N = {list(map(float, s))} of |measured - exact| / SE (off-diagonal elements)",
             f"{z_max:.2f}", "0", f"t-quantile {limit:.2f} (1% family-wise)", z_max < limit, kind=claimsmod.CONSISTENCY_CHECK)
    # (a) collapse: at fixed P/N the variance scales as 1/N (fixed effects per P/N, common slope in log N)
    log_v, log_sem = np.log(off_mean), off_sem / off_mean
    n_N, n_s = log_v.shape
    design = np.hstack([np.tile(np.eye(n_s), (n_N, 1)), np.repeat(np.log(Ns), n_s)[:, None]])
    beta, beta_se = linear_fit(design, log_v.ravel(), log_sem.ravel())
    beta_exact = linear_fit(design, np.log(ds.haar_offdiagonal_variance.values).ravel(), log_sem.ravel())[0]
    rows.add("fig2a_collapse_N_exponent", "2a",
             "Curves of var(Pi) for different N superimpose when rescaled: var(Pi) ~ N^-1 at fixed P/N",
             f"exponent of N at fixed P/N (least squares in log var, one offset per P/N; exact Haar law on the same grid: {beta_exact[-1]:.4f})",
             claimsmod.format_mean_sem(beta[-1], beta_se[-1]), "-1", f"3 SE + |finite-size shift| = {3 * beta_se[-1] + abs(beta_exact[-1] + 1):.3g}",
             claimsmod.within(beta[-1] + 1, beta_se[-1], bias=beta_exact[-1] + 1), kind=claimsmod.PAPER_CLAIM)
    # (a) the paper's exponent -1.8 in P/N: an effective slope of the curved law over the plotted range
    design = np.column_stack([np.ones(n_N * n_s), np.tile(np.log(s), n_N), np.repeat(np.log(Ns), n_s)])
    alpha, alpha_se = linear_fit(design, log_v.ravel(), log_sem.ravel())
    alpha_exact = linear_fit(design, np.log(ds.haar_offdiagonal_variance.values).ravel(), log_sem.ravel())[0]
    rows.add("fig2a_P_over_N_exponent", "2a",
             f"var(Pi) ~ (P/N)^{paper_exponent:g} N^-1 (caption; the main text's 'P^-1.8' must be read as (P/N)^-1.8)",
             f"exponent of P/N, power-law fit over P/N = {s.min():g}...{s.max():g} (exact law on the same grid: {alpha_exact[1]:.3f}; "
             "its local slope -2 + 1/(s-1) tends to -2, so -1.8 is an effective exponent of this range)",
             claimsmod.format_mean_sem(alpha[1], alpha_se[1]), f"{paper_exponent:g}", f"3 SE + 0.05 (two digits quoted) = {3 * alpha_se[1] + 0.05:.3g}",
             claimsmod.within(alpha[1] - paper_exponent, alpha_se[1], bias=0.05), kind=claimsmod.PAPER_CLAIM)
    # (a) diagonal versus off-diagonal
    ratio = ds.diagonal_variance / ds.offdiagonal_variance
    r_mean, r_sem = mean_and_sem(ratio.values, axis=-1)
    exact = ds.haar_diagonal_variance.values / ds.haar_offdiagonal_variance.values
    z_max, limit = claimsmod.max_abs_t(r_mean - exact, r_sem, n_seeds)
    rows.add("fig2a_diagonal_variance_larger", "2a",
             "The variance is slightly larger on the diagonal of Pi",
             f"var Pi_ii / var Pi_ij over the grid: {np.min(r_mean):.3f} ... {np.max(r_mean):.3f}; max |measured - 2(P-1)/P| / SE = {z_max:.2f}",
             f"{np.min(r_mean):.3f} ... {np.max(r_mean):.3f}", "> 1; exactly 2(P-1)/P (our derivation: twice as large)",
             f"t-quantile {limit:.2f}", bool(np.all(r_mean > 1)) and z_max < limit, kind=claimsmod.PAPER_CLAIM)
    # (b) mean shift and squared-Gaussian error of K
    Ps, N = ds.P.values, int(ds.N)
    m, sem = mean_and_sem(ds.mean_shift.values, axis=-1)
    n_real = ds.sizes["realization"]
    z_max, limit = claimsmod.max_abs_t(m - ds.expected_mean_shift.values, sem, n_real)
    rows.add("fig2b_mean_shift", "2b",
             f"The entries of K (Eq. 2.18) lie below the squared-Gaussian approximation (eps^mu)^2 (curves from bottom to top as P grows), by N/P on average (N = {N})",
             "mean of (eps^2 - P K)/sigma^2: " + ", ".join(f"P={p}: {a:.4f}" for p, a in zip(Ps, m)) + f"; max |measured - N/P| / SE = {z_max:.2f}",
             f"{z_max:.2f}", "N/P (tr Pi = N)", f"t-quantile {limit:.2f}", z_max < limit, kind=claimsmod.PAPER_CLAIM)
    mse_mean, mse_sem = mean_and_sem(ds.relative_squared_error.values, axis=-1)
    expected = ds.squared_gaussian_error.values
    z_max, limit = claimsmod.max_abs_t(mse_mean - expected**2, mse_sem, n_real)
    rows.add("fig2b_squared_gaussian_limit", "2b",
             "K^{mu mu} ~ (eps^mu)^2: for P >> N, K becomes a diagonal matrix of squared Gaussian random numbers",
             "relative rms error of P K^{mu mu} ~ (eps^mu)^2: " + ", ".join(f"P={p}: {np.sqrt(a):.3f}" for p, a in zip(Ps, mse_mean))
             + f"; exact (our derivation, ~ sqrt(4N/3P)): " + ", ".join(f"{e:.3f}" for e in expected) + f"; max |z| = {z_max:.2f}",
             f"{np.sqrt(mse_mean[-1]):.4f} at P = {Ps[-1]}", f"{expected[-1]:.4f} -> 0 as (P/N)^-1/2", f"t-quantile {limit:.2f} on every P",
             z_max < limit, kind=claimsmod.PAPER_CLAIM)
    rows.write(output)
