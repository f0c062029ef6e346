"""Gross et al. 2024, Fig. 2: the random matrices behind the deviation of the SGD noise from the Hessian form.

(a) variance of the elements of the projector Pi = X^+ X against P/N for several N (collapse under N var);
(b) sorted diagonal entries of K (Eq. 2.18) for N = 50 and P = 70 ... 10000 against the squared-Gaussian form.

Stages: projector_statistics (per N) and noise_matrix_statistics draw the realizations and reduce them at once
(up to 10^6 x 100 Gaussian numbers each: the files keep their spawn keys, not the numbers) -> evaluate_theory
(closed forms) -> summarize -> claims; gross2024.fig2.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
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
    from scipy.stats import chi2  # here: scipy.stats costs 1 s of import in every job of this module
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
            "squared_gaussian_quantile": ("tail_probability", chi2.isf(q, df=1), {"long_name": "(eps/sigma)^2 at upper-tail probability q: chi^2_1 quantile", "units": "1"}),
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


def local_slopes(x: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-log slopes of a measured curve between neighbouring grid points along the last axis, at the geometric
    midpoints, with their standard errors (delta method, independent points)."""
    dlx = np.diff(np.log(x))
    slope = np.diff(np.log(mean), axis=-1) / dlx
    rel = sem / mean
    return np.sqrt(x[1:] * x[:-1]), slope, np.sqrt(rel[..., 1:] ** 2 + rel[..., :-1] ** 2) / dlx


def per_realization_exponent(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Exponent of y ~ x^a fitted in log-log to each realization (rows of y, columns along x; realizations are
    independent, so the fitted exponents are too): their mean and standard error."""
    lx = np.log(x) - np.log(x).mean()
    slopes = np.log(y) @ lx / (lx @ lx)
    return tuple(float(v) for v in mean_and_sem(slopes))


THRESHOLDS = (0.5, 0.2, 0.1, 0.05)  # how close "essentially" is, read on the curve (README, "How claims are judged")
LOCATION_A = "Sec. II B 2, paragraph after Eq. (2.18)"


def claims(summary_path: str, output: str, *, paper_exponent: float) -> None:
    """Claim rows of Fig. 2 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II B 2")
    n_seeds = ds.sizes["seed"]
    Ns, s = ds.projector_N.values, ds.P_over_N.values
    grid = f"N = {list(map(int, Ns))}, P/N = {list(map(float, s))}, {n_seeds} realizations each"
    # (a) the measured variance is the Haar-projector variance at every (N, P); rival: its N -> oo law
    off_mean, off_sem = mean_and_sem(ds.offdiagonal_variance.values, axis=-1)
    exact = ds.haar_offdiagonal_variance.values
    z_max, limit = claimsmod.max_abs_t(off_mean - exact, off_sem, n_seeds)
    asymptotic = (s - 1) / s**3 / Ns[:, None]
    rival_z = float(np.max(np.abs(asymptotic - exact) / off_sem))
    rows.add("fig2a_projector_variance_exact", "2a",
             "The variance of the off-diagonal elements of Pi = X^+ X is that of a uniformly random rank-N projector, N(P-N)/(P(P-1)(P+2)) (our derivation; collapses to (s-1)/s^3 / N at s = P/N)",
             f"max over {grid} of |measured - exact| / SE", f"{z_max:.2f}", "0", f"t-quantile {limit:.2f} (1% family-wise)", z_max < limit,
             kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(limit, rival_z, "the N -> oo law (s-1)/(s^3 N) in place of the exact finite-N variance (effect: its max |z|)"))
    # (a) collapse: at fixed P/N the variance scales as 1/N (fixed effects per P/N, common slope in log N)
    log_v, log_sem = np.log(off_mean), off_sem / off_mean
    n_N, n_s = log_v.shape
    design = np.hstack([np.tile(np.eye(n_s), (n_N, 1)), np.repeat(np.log(Ns), n_s)[:, None]])
    beta, beta_se = linear_fit(design, log_v.ravel(), log_sem.ravel())
    beta_exact = linear_fit(design, np.log(exact).ravel(), log_sem.ravel())[0]
    tol = claimsmod.tolerance(beta_se[-1], bias=beta_exact[-1] + 1)
    rows.add("fig2a_collapse_N_exponent", "2a",
             "Curves of var(Pi) for different N superimpose when rescaled: var(Pi) ~ N^-1 at fixed P/N",
             f"exponent of N at fixed P/N (least squares in log var, one offset per P/N; {grid}; exact Haar law on the same grid: {beta_exact[-1]:.4f})",
             claimsmod.format_mean_sem(beta[-1], beta_se[-1]), "-1", f"3 SE + |finite-size shift of the exact law| = {tol:.3g}",
             claimsmod.within(beta[-1] + 1, beta_se[-1], bias=beta_exact[-1] + 1), kind=claimsmod.PAPER_CLAIM,
             location="Sec. II B 2, caption of Fig. 2", quote="Curves for various N and P superimpose when expressed in appropriately scaled coordinates.",
             power=claimsmod.power(tol, 1.0, "no 1/N scaling (exponent 0: the unscaled curves would superimpose)"))
    # (a) the paper's exponent -1.8: measured local slopes of N var against P/N (mean over N), and the exponent of
    # the large-sample end P/N >= 10 ("P >> N" in the quoted sentence); the exact law's local slope is -2 + 1/(s-1)
    mid, slope, slope_se = local_slopes(s, off_mean, off_sem)
    slope, slope_se = slope.mean(axis=0), np.sqrt(np.sum(slope_se**2, axis=0)) / n_N
    s_cross, s_cross_se = claimsmod.crossover(mid, slope - paper_exponent, slope_se, 0.0)
    exact_slope = local_slopes(s, exact, np.zeros_like(exact))[1].mean(axis=0)
    s_cross_exact = claimsmod.crossover(mid, exact_slope - paper_exponent, np.zeros_like(exact_slope), 0.0)[0]
    large = s >= 10
    design = np.column_stack([np.repeat(np.eye(n_N), large.sum(), axis=0), np.tile(np.log(s[large]), n_N)])
    alpha, alpha_se = linear_fit(design, log_v[:, large].ravel(), log_sem[:, large].ravel())
    alpha_exact = linear_fit(design, np.log(exact[:, large]).ravel(), log_sem[:, large].ravel())[0][-1]
    tol = claimsmod.tolerance(alpha_se[-1], bias=0.05)
    slopes_text = ", ".join(f"{m:.3g}: {a:.3f}" for m, a in zip(mid, slope))
    in_range = bool(np.isfinite(s_cross) and s.min() < s_cross < s.max())
    rows.add("fig2a_P_over_N_exponent", "2a",
             f"var(Pi) ~ (P/N)^{paper_exponent:g} N^-1 in the large-sample regime (caption; the main text's 'P^-1.8' read as (P/N)^-1.8)",
             f"exponent of P/N at P/N >= 10 (one offset per N; exact law on the same grid: {alpha_exact:.3f}, -2 as P/N -> oo); "
             f"measured local slope at P/N = {slopes_text}; it passes {paper_exponent:g} at P/N = {claimsmod.format_mean_sem(s_cross, s_cross_se)} "
             f"(exact law, same secants: {s_cross_exact:.3g}; its tangent slope -2 + 1/(s-1) is -1.8 at s = 6)",
             claimsmod.format_mean_sem(alpha[-1], alpha_se[-1]), f"{paper_exponent:g}", f"3 SE + 0.05 (two digits quoted) = {tol:.3g}",
             claimsmod.within(alpha[-1] - paper_exponent, alpha_se[-1], bias=0.05), kind=claimsmod.PAPER_CLAIM,
             location=LOCATION_A, quote="In the large sample regime P >> N, a numerical analysis [see Fig. 2(a)] reveals that the variance of the elements of this matrix behaves as var(P) ∝ P^-1.8 N^-1",
             power=claimsmod.power(tol, alpha_exact - paper_exponent, f"the exact law's exponent on the same grid ({alpha_exact:.3f})"),
             loose=(in_range, f"reading: -1.8 is the measured local slope at some P/N inside the plotted range (at {s_cross:.3g})"))
    # (a) diagonal versus off-diagonal. The measured off-diagonal variance is (N - sum_i Pi_ii^2) / (P(P-1)) (projector
    # identity), a function of the diagonal, so an exact-ratio row would repeat fig2a_projector_variance_exact.
    ratio = ds.diagonal_variance / ds.offdiagonal_variance
    r_mean, r_sem = mean_and_sem(ratio.values, axis=-1)
    exact_ratio = ds.haar_diagonal_variance.values / exact
    # pooled over the grid (one point alone, P = 15, has a ~15 % SE): the mean excess over 1 and its SE
    excess, excess_sem = float(np.mean(r_mean - 1)), float(np.sqrt(np.sum(r_sem**2)) / r_sem.size)
    tol = claimsmod.tolerance(excess_sem)
    rows.add("fig2a_diagonal_variance_larger", "2a",
             "The variance is larger on the diagonal of Pi ('slightly' read as on the figure's log scale: we find twice as large, 2(P-1)/P)",
             f"var Pi_ii / var Pi_ij over {grid}: {np.min(r_mean):.3f} ... {np.max(r_mean):.3f} (each > 1: {bool(np.all(r_mean > 1))}); "
             "mean over the grid of (ratio - 1)",
             claimsmod.format_mean_sem(excess, excess_sem), f"> 0 (exact: {np.mean(exact_ratio - 1):.3f})", f"3 SE = {tol:.3g}, and every ratio > 1",
             bool(excess > tol and np.all(r_mean > 1)), kind=claimsmod.PAPER_CLAIM, location=LOCATION_A, quote="(the variance is slightly larger on the diagonal)",
             power=claimsmod.power(tol, np.mean(exact_ratio - 1), "equal variances on and off the diagonal (ratio 1)"))
    # (b) mean shift of P K below eps^2: N/P exactly (tr Pi = N), so the curves rise with P
    Ps, N = ds.P.values, int(ds.N)
    m, sem = mean_and_sem(ds.mean_shift.values, axis=-1)
    n_real = ds.sizes["realization"]
    expected = ds.expected_mean_shift.values
    z_max, limit = claimsmod.max_abs_t(m - expected, sem, n_real)
    rows.add("fig2b_mean_shift_exact", "2b",
             f"The entries P K^{{mu mu}} (Eq. 2.18) lie below (eps^mu)^2 by N/P on average (our derivation from tr Pi = N; N = {N})",
             "mean of (eps^2 - P K)/sigma^2: " + ", ".join(f"P={p}: {a:.4f}" for p, a in zip(Ps, m)) + f"; max |measured - N/P| / SE over {n_real} realizations",
             f"{z_max:.2f}", "N/P", f"t-quantile {limit:.2f} (1% family-wise)", z_max < limit, kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(limit, float(np.max(expected / sem)), "a factor 2 in the shift (2N/P: the Pi^2 = Pi term of (2.18) dropped; effect: its max |z|)"))
    step_t = -np.diff(m) / np.hypot(sem[1:], sem[:-1])
    rows.add("fig2b_curves_rise_with_P", "2b",
             "The sorted entries of P K lie below the squared-Gaussian curve and rise towards it as P grows (curves from bottom to top)",
             "mean shift (eps^2 - P K)/sigma^2 decreases from each P to the next: " + ", ".join(f"{a:.1f}" for a in step_t) + " SE; all shifts > 0 by "
             f"{np.min(m / sem):.1f} SE or more", f"{np.min(step_t):.1f} SE", "> 0 (each step)", "every step and every shift > 3 SE",
             bool(np.all(step_t > 3) and np.all(m > 3 * sem)), kind=claimsmod.PAPER_CLAIM, location="Sec. II B 2, caption of Fig. 2",
             quote="The various solid curves correspond to sample numbers ranging between P = 70 and P = 10000 (from bottom to top)",
             power=claimsmod.power(3.0, float(np.min(-np.diff(expected) / np.hypot(sem[1:], sem[:-1]))), "curves not ordered in P (equal shifts at neighbouring P; effect in SE)"))
    # (b) squared-Gaussian limit: relative rms error of P K ~ eps^2, exact law, and the curve against P/N
    mse_mean, mse_sem = mean_and_sem(ds.relative_squared_error.values, axis=-1)
    error = ds.squared_gaussian_error.values
    z_max, limit = claimsmod.max_abs_t(mse_mean - error**2, mse_sem, n_real)
    leading = 4.0 * N / (3.0 * Ps)
    rows.add("fig2b_squared_gaussian_exact", "2b",
             "The relative mean square error of P K^{mu mu} ~ (eps^mu)^2 is (4 E p - E p^2)/3, p = Pi_mumu (our derivation)",
             "relative rms error: " + ", ".join(f"P={p}: {np.sqrt(a):.3f} ({e:.3f})" for p, a, e in zip(Ps, mse_mean, error))
             + f" (exact in brackets); max |measured - exact| / SE of the mean square", f"{z_max:.2f}", "0", f"t-quantile {limit:.2f} (1% family-wise)",
             z_max < limit, kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(limit, float(np.max(np.abs(leading - error**2) / mse_sem)), "its leading large-P form 4N/(3P) (effect: its max |z|)"))
    rms, rms_sem = np.sqrt(mse_mean), mse_sem / (2 * np.sqrt(mse_mean))
    crossings = [claimsmod.crossover(Ps / N, rms, rms_sem, t) for t in THRESHOLDS]
    crossing_text = "; ".join(f"{t:.0%}: " + (claimsmod.format_mean_sem(c, e) if np.isfinite(c) else f"beyond P/N = {Ps[-1] / N:g}")
                              for t, (c, e) in zip(THRESHOLDS, crossings))
    decay = Ps >= 5 * N
    a, a_se = per_realization_exponent(Ps[decay] / N, np.sqrt(ds.relative_squared_error.values[decay].T))
    a_exact = float(np.polyfit(np.log(Ps[decay]), np.log(error[decay]), 1)[0])
    tol = claimsmod.tolerance(a_se)
    rows.add("fig2b_squared_gaussian_limit", "2b",
             "For P >> N, K becomes a diagonal matrix of squared Gaussian random numbers: the relative rms error of P K ~ eps^2 decays as (P/N)^-1/2 "
             "('essentially' read on the curve: P/N from which the error stays below 50/20/10/5 %)",
             f"exponent of the relative rms error against P/N at P >= 5 N (per realization, mean +- SE; exact law on the same grid: {a_exact:.3f}); "
             f"crossovers of the measured error (mean over {n_real} realizations): {crossing_text}",
             claimsmod.format_mean_sem(a, a_se), f"{a_exact:.3f} (-> -1/2)", f"3 SE = {tol:.3g}", claimsmod.within(a - a_exact, a_se),
             kind=claimsmod.PAPER_CLAIM, location=LOCATION_A,
             quote="in the relevant oversampled regime and for Pσ^2 >> 1, K essentially becomes a diagonal matrix of squared Gaussian random numbers",
             power=claimsmod.power(tol, a_exact, "no approach to squared Gaussians (exponent 0)"))
    rows.write(output)
