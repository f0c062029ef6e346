"""Gross et al. 2024, Fig. 3: the gradient-noise covariance C of SGD for a single-layer linear network.

(a) eigenvalues of C measured from minibatch gradients at SGD's stationary weights against Eq. (2.17);
(b) Eq. (2.17) against the Hessian approximation (2.20), with the extreme eigenvalues against P (inset);
(c) C in the Hessian eigenbasis, |V^T C V| averaged over realizations (N/P ~ 0.67).

Stages: the run (gross2024.runs) -> measure_noise (SGD points) -> evaluate_theory -> summarize -> claims;
gross2024.fig3.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io, seeding
from ...statistics import mean_and_sem, rayleigh_quotients, sorted_eigh
from .. import theory_sec2 as theory
from ..runs import FEATURE_DIMS, open_runs

MODE_DIMS = ("mode", "mode_j")


# ------------------------------------------------------------------------------------- statistics
def measure_noise(data_path: str, train_paths: list[str], output: str, *, key: str, sgd_seed: int, batch_size: int, probe_batches: int, provenance: dict) -> None:
    """C from SGD: at each stationary weight w of the thinned trajectory (after burn-in), `probe_batches` minibatches
    (S indices drawn with replacement, as in SGD) give xi = grad L_B(w) - grad L(w); C_SGD = <xi xi^T> (Eq. 2.12).
    Unlike Eq. (2.17) this includes the weight fluctuations (multiplicative noise). Probe stream: (key, point, seed,
    "noise_probe"), key the dataset's seed-stream key."""
    runs = open_runs(train_paths)
    data = io.open_dataset(data_path).sel(seed=runs.seed)
    X, y = data.inputs.values, data.labels.values
    n_seeds, P, N = X.shape
    point = seeding.point_label(N=N, P=P)
    window = runs.step.values > int(runs.attrs["burn_in_steps"])
    C = np.zeros((n_seeds, N, N))
    keys = []
    for i, seed in enumerate(runs.seed.values):
        rng = seeding.generator(sgd_seed, key, point, int(seed), "noise_probe")
        keys.append(seeding.spawn_key(key, point, int(seed), "noise_probe"))
        for w in runs.weight_trace.values[i, window]:
            per_sample = (X[i] @ w - y[i])[:, None] * X[i]  # gradients of the single-sample losses (Eq. 2.10)
            xi = per_sample[rng.integers(0, P, size=(probe_batches, batch_size))].mean(axis=1) - per_sample.mean(axis=0)
            C[i] += xi.T @ xi
    n_probes = int(window.sum()) * probe_batches
    ds = xr.Dataset(
        {
            "sgd_noise_covariance": (("seed", *FEATURE_DIMS), C / n_probes, {"long_name": "covariance of minibatch-gradient noise at SGD's stationary weights", "units": "1"}),
            "probe_spawn_key": (("seed", "key_part"), np.array(keys, dtype=np.int64), {"long_name": "SeedSequence spawn key of the probe minibatches"}),
        },
        coords={"seed": runs.seed.values, "N": N, "P": P, "P_over_N": P / N},
        attrs=io.provenance(provenance, n_probed_weights=int(window.sum()), n_probes=n_probes, sgd_root_seed=sgd_seed),
    )
    io.write_netcdf(ds, output)


# ----------------------------------------------------------------------------------------- theory
def evaluate_theory(data_path: str, output: str, *, learning_rate: float, batch_size: int, label_noise_variance: float, with_matrices: bool, provenance: dict) -> None:
    """Per realization: C of Eq. (2.17) and its Hessian approximation (2.20) (eigenvalues, deviation), C in the
    Hessian eigenbasis (Fig. 3c); for SGD points also C (2.17) itself and its exact average over SGD's stationary
    weights, with M from the discrete moment equation (shared notes)."""
    data = io.open_dataset(data_path)
    X, y, w_star = data.inputs.values, data.labels.values, data.teacher_solution.values
    n_seeds, P, N = X.shape
    out = {k: [] for k in ("eig", "eig_H", "deviation", "basis", "offdiag", "C", "C_stat")}
    for s in range(n_seeds):
        H = theory.hessian(X[s])
        C = theory.noise_covariance(X[s], y[s], w_star[s], batch_size)
        C_H = theory.hessian_noise_approximation(X[s], label_noise_variance, batch_size)
        out["eig"].append(np.linalg.eigvalsh(C)[::-1])
        out["eig_H"].append(np.linalg.eigvalsh(C_H)[::-1])
        out["deviation"].append(np.linalg.norm(C - C_H) / np.linalg.norm(C_H))
        C_eig = theory.hessian_eigenbasis(H, C)[2]
        out["basis"].append(np.abs(C_eig))
        out["offdiag"].append(1.0 - np.sum(np.diag(C_eig) ** 2) / np.sum(C_eig**2))
        if with_matrices:
            M = theory.discrete_sgd_covariance(X[s], y[s], learning_rate, batch_size)
            out["C"].append(C)
            out["C_stat"].append(theory.stationary_noise_covariance(X[s], y[s], M, batch_size))
    variables = {
        "noise_eigenvalues": (("seed", "mode"), np.stack(out["eig"]), {"long_name": "eigenvalues of C, Eq. (2.17), descending", "units": "1"}),
        "hessian_noise_eigenvalues": (("seed", "mode"), np.stack(out["eig_H"]), {"long_name": "eigenvalues of (sigma^2/S) H, Eq. (2.20), descending", "units": "1"}),
        "hessian_deviation": ("seed", np.array(out["deviation"]), {"long_name": "||C_(2.17) - C_(2.20)||_F / ||C_(2.20)||_F", "units": "1"}),
        "predicted_hessian_deviation": ((), theory.hessian_approximation_deviation(N, P), {"long_name": "large-P estimate of the deviation, sqrt(2N/P ...)", "units": "1"}),
        "noise_in_hessian_basis": (("seed", *MODE_DIMS), np.stack(out["basis"]), {"long_name": "|V^T C V|, V eigenvectors of H, ascending eigenvalues", "units": "1"}),
        "offdiagonal_fraction": ("seed", np.array(out["offdiag"]), {"long_name": "off-diagonal share of ||V^T C V||_F^2", "units": "1"}),
        "normalization": ((), label_noise_variance / (N * batch_size), {"long_name": "sigma_x^2 sigma_eps^2 / S", "units": "1"}),
    }
    if with_matrices:
        variables |= {
            "noise_covariance": (("seed", *FEATURE_DIMS), np.stack(out["C"]), {"long_name": "C, Eq. (2.17) (additive noise at w*)", "units": "1"}),
            "stationary_noise_covariance": (("seed", *FEATURE_DIMS), np.stack(out["C_stat"]), {"long_name": "C averaged over SGD's stationary weights (exact)", "units": "1"}),
        }
    coords = {"seed": data.seed.values, "mode": np.arange(N), "mode_j": np.arange(N), "N": N, "P": P, "P_over_N": P / N}
    io.write_netcdf(xr.Dataset(variables, coords=coords, attrs=io.provenance(provenance)), output)


# -------------------------------------------------------------------------------------- summary
def compare_point(theo: xr.Dataset, stats: xr.Dataset | None) -> xr.Dataset:
    """Theory of one point and, where simulated, C_SGD: its eigenvalues, and its and the exact stationary average's
    Rayleigh quotients on the eigenvectors of C (2.17) (unbiased, unlike sample eigenvalues)."""
    ds = theo.drop_vars([v for v in ("noise_covariance", "stationary_noise_covariance") if v in theo])
    ds["mean_noise_in_hessian_basis"] = theo.noise_in_hessian_basis.mean("seed")
    ds = ds.drop_vars("noise_in_hessian_basis")
    if stats is None:
        return ds
    vectors = sorted_eigh(theo.noise_covariance.values)[1]
    dims = ("seed", "mode")
    ds["sgd_noise_eigenvalues"] = (dims, sorted_eigh(stats.sgd_noise_covariance.values)[0], {"long_name": "eigenvalues of C_SGD, descending", "units": "1"})
    ds["sgd_along_additive"] = (dims, rayleigh_quotients(stats.sgd_noise_covariance.values, vectors), {"long_name": "v_k^T C_SGD v_k on the eigenvectors of C (2.17)", "units": "1"})
    ds["stationary_along_additive"] = (dims, rayleigh_quotients(theo.stationary_noise_covariance.values, vectors), {"long_name": "v_k^T <C> v_k, exact stationary average", "units": "1"})
    return ds


def summarize(theory_paths: list[str], statistics_paths: list[str], output: str, *, provenance: dict) -> None:
    """All points along `point` (coordinates P, P_over_N, simulated); SGD variables are NaN where not simulated."""
    stats = {int(s.P): s for s in map(io.open_dataset, statistics_paths)}
    points = [compare_point(t, stats.get(int(t.P))) for t in map(io.open_dataset, theory_paths)]
    summary = io.stack_points(points, lift=("P", "P_over_N"), coords="different", compat="equals", join="outer", data_vars="all")
    summary = summary.assign_coords(simulated=("point", [int(p.P) in stats for p in points]))
    summary.attrs = io.provenance(provenance)
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
THRESHOLDS = (0.5, 0.2, 0.1, 0.05)  # how close a "good approximation" is, read on the curve (README, "How claims are judged")
LOCATION = "Sec. II B 2, paragraph after Eq. (2.18)"


def spectral_deviation(ds: xr.Dataset) -> xr.DataArray:
    """rms over ranks k of lambda_k(2.17) / lambda_k(2.20) - 1, per realization: the distance of the two spectra as
    Fig. 3b draws them (both sorted, paired by rank)."""
    return np.sqrt(((ds.noise_eigenvalues / ds.hessian_noise_eigenvalues - 1) ** 2).mean("mode"))


def additive_residuals(p: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per realization and eigenvector v_k of C (2.17): v_k^T C_SGD v_k / lambda_k - 1 (measured) and
    v_k^T <C> v_k / lambda_k - 1 (the exact multiplicative correction), shape (seed, mode)."""
    return (p.sgd_along_additive / p.noise_eigenvalues - 1).values, (p.stationary_along_additive / p.noise_eigenvalues - 1).values


def trend(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope of y against log x fitted to each realization (rows of y; realizations at different x are independent
    draws), mean and standard error over realizations."""
    lx = np.log(x) - np.log(x).mean()
    return tuple(float(v) for v in mean_and_sem(y @ lx / (lx @ lx)))


def claims(summary_path: str, output: str) -> None:
    """Claim rows of Fig. 3 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II B 2")
    sim = ds.isel(point=np.flatnonzero(ds.simulated.values))
    n_seeds = ds.sizes["seed"]
    # (a) SGD's noise against the additive form (2.17): it differs by the multiplicative correction, which the rows must resolve
    for i, ratio in enumerate(sim.P_over_N.values):
        p = sim.isel(point=i)
        trace_sgd, trace_add = p.sgd_along_additive.sum("mode").values, p.noise_eigenvalues.sum("mode").values
        trace_stat = p.stationary_along_additive.sum("mode").values
        deviation, correction = trace_sgd / trace_add - 1, trace_stat / trace_add - 1
        d_mean, d_sem = mean_and_sem(deviation)
        r_mean, r_sem = mean_and_sem(deviation - correction)
        c_mean = float(correction.mean())
        measured_k, correction_k = additive_residuals(p)
        worst = float(np.max(np.abs(correction_k.mean(axis=0))))
        tol = claimsmod.tolerance(r_sem)
        resolved = claimsmod.within(r_mean, r_sem)
        met = [t for t in THRESHOLDS if worst < t]  # the thresholds every eigenvalue's correction stays within
        rows.add(f"fig3a_additive_noise_PN{ratio:g}", "3a",
                 f"At P/N = {ratio:g}, the noise covariance of SGD in the stationary state agrees with the additive-noise form (2.17): it differs only by "
                 f"the multiplicative correction, which is small ('good agreement' read as every eigenvalue within {THRESHOLDS[-1]:.0%}; "
                 "else the tightest of 10/20/50 % that holds)",
                 f"tr C_SGD / tr C_(2.17) - 1 over {n_seeds} realizations (measured; expected: the exact multiplicative correction {c_mean:.3%}); "
                 f"largest exact correction of one eigenvalue of (2.17): {worst:.2%}; modes beyond "
                 + ", ".join(f"{t:.0%}: {int(np.sum(np.abs(correction_k.mean(axis=0)) >= t))}" for t in THRESHOLDS) + f" of {correction_k.shape[1]}",
                 claimsmod.format_mean_sem(d_mean, d_sem), f"{c_mean:.4g} (multiplicative correction); every mode within {THRESHOLDS[-1]:.0%}",
                 f"3 SE of (measured - correction) = {tol:.3g}", resolved and worst < THRESHOLDS[-1],
                 kind=claimsmod.PAPER_CLAIM, location=LOCATION,
                 quote="The good agreement of the two spectra supports the validity of the additive noise approximation in this regime.",
                 power=claimsmod.power(tol, c_mean, "the pure additive form (2.17) (no multiplicative correction)"),
                 loose=(resolved and bool(met), f"every eigenvalue within {min(met) if met else np.inf:.0%} (largest correction {worst:.2%})"))
        rq = (p.sgd_along_additive / p.stationary_along_additive - 1).values
        mode_mean, mode_sem = mean_and_sem(rq)
        z_max, limit = claimsmod.max_abs_t(mode_mean, mode_sem, n_seeds)
        rival_z = float(np.max(np.abs(correction_k.mean(axis=0)) / mode_sem))
        rows.add(f"fig3a_sgd_noise_exact_PN{ratio:g}", "3a",
                 f"At P/N = {ratio:g}, SGD's gradient noise equals C averaged over its stationary weights (additive part plus the multiplicative correction; our check), mode by mode",
                 "tr C_SGD / tr <C>_stationary - 1 (mean +- SE); max_k |z_k| over the eigenvectors of C (2.17)",
                 f"{claimsmod.format_mean_sem(*mean_and_sem(trace_sgd / trace_stat - 1))}; max|z| = {z_max:.2f}",
                 "0 on every mode", f"max|z| < {limit:.2f} (1% family-wise)", z_max < limit, kind=claimsmod.CONSISTENCY_CHECK,
                 power=claimsmod.power(limit, rival_z, "(2.17) without the multiplicative correction (effect: its max |z| over modes)"))
    # (b) approach to the Hessian form (2.20): Frobenius deviation against our estimate, and the spectra on a curve
    order = np.argsort(ds.P_over_N.values)
    ratios = ds.P_over_N.values[order]
    frob = ds.hessian_deviation.transpose("seed", "point").values[:, order]
    dev_mean, dev_sem = mean_and_sem(frob)
    predicted = ds.predicted_hessian_deviation.values[order]
    large = ratios >= 5
    slope, slope_se = trend(ratios[large], np.log(frob[:, large]))
    slope_predicted = float(np.polyfit(np.log(ratios[large]), np.log(predicted[large]), 1)[0])
    tol = claimsmod.tolerance(slope_se)
    departs = (dev_mean[0] - 0.5) / dev_sem[0]
    rows.add("fig3b_hessian_limit", "3b",
             "The noise covariance (2.17) deviates from the Hessian form (2.20) but approaches it as P/N -> oo",
             "||C_(2.17) - C_(2.20)||_F / ||C_(2.20)||_F (mean +- SE over realizations): " + "; ".join(f"P/N={r:g}: {claimsmod.format_mean_sem(m, e)}"
             for r, m, e in zip(ratios, dev_mean, dev_sem)) + f"; exponent against P/N at P/N >= 5 (per realization; our estimate: {slope_predicted:.3f}); "
             f"at P/N = {ratios[0]:g} the deviation exceeds 50 % by {departs:.1f} SE",
             claimsmod.format_mean_sem(slope, slope_se), "< 0 (approach); > 50 % deviation at the smallest P/N",
             f"exponent + 3 SE < 0; deviation - 50 % > 3 SE", bool(slope + tol < 0 and departs > 3), kind=claimsmod.PAPER_CLAIM, location=LOCATION,
             quote="the noise spectrum deviates in general from the Hessian approximation of Eq. (2.20), but approaches the latter in the strongly underparameterized limit P/N -> oo",
             power=claimsmod.power(tol, slope_predicted, "no approach (exponent 0)"))
    rel, rel_sem = dev_mean[large] / predicted[large] - 1, dev_sem[large] / predicted[large]
    bias = 1.0 / ratios[large]  # the estimate neglects O(N/P)
    worst = int(np.argmax(np.abs(rel) - 3 * rel_sem - bias))
    rows.add("fig3b_hessian_deviation_estimate", "3b",
             "At P/N >= 5 the deviation of (2.17) from (2.20) is sqrt((2N/P)(1 + 2/N) / (1 + (N+1)/P)) up to O(N/P) (our derivation)",
             "measured / estimated - 1: " + "; ".join(f"P/N={r:g}: {claimsmod.format_mean_sem(a, e)}" for r, a, e in zip(ratios[large], rel, rel_sem)),
             claimsmod.format_mean_sem(rel[worst], rel_sem[worst]) + f" at P/N = {ratios[large][worst]:g}", "0",
             f"3 SE + N/P at every P/N (at P/N = {ratios[large][worst]:g}: {3 * rel_sem[worst] + bias[worst]:.3g})",
             bool(np.all(np.abs(rel) <= 3 * rel_sem + bias)), kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(float(np.max(3 * rel_sem + bias)), 1 - 1 / np.sqrt(2),
                                   "a factor 2 in var(eps^2) (sqrt(N/P) instead of sqrt(2N/P))"))
    spec = spectral_deviation(ds).transpose("seed", "point").values[:, order]
    spec_mean, spec_sem = mean_and_sem(spec)
    crossings = [claimsmod.crossover(ratios, spec_mean, spec_sem, t) for t in THRESHOLDS]
    crossing_text = "; ".join(f"{t:.0%}: " + (claimsmod.format_mean_sem(c, e) if np.isfinite(c) else f"beyond P/N = {ratios[-1]:g}")
                              for t, (c, e) in zip(THRESHOLDS, crossings))
    drop = (spec_mean[0] - spec_mean[-1]) / np.hypot(spec_sem[0], spec_sem[-1])
    tol = 3 * float(np.hypot(spec_sem[0], spec_sem[-1]))
    rows.add("fig3b_hessian_good_approximation", "3b",
             "The Hessian form (2.20) is a good approximation of the spectrum of (2.17) for large P/N ('good' read on the curve: the P/N from which "
             "the eigenvalues, paired by rank, differ by less than 50/20/10/5 % rms)",
             f"rms_k of lambda_k(2.17)/lambda_k(2.20) - 1 (mean +- SE over {n_seeds} realizations, N = {int(ds.N)}): "
             + "; ".join(f"P/N={r:g}: {claimsmod.format_mean_sem(m, e)}" for r, m, e in zip(ratios, spec_mean, spec_sem))
             + f"; P/N from which it stays below {crossing_text}",
             f"50 %: {crossings[0][0]:.3g}; 20 %: {crossings[1][0]:.3g}", "a finite P/N for 50 %, growing as the threshold tightens",
             "deviation falls by > 3 SE over the grid; 50 % crossover on the grid", bool(drop > 3 and np.isfinite(crossings[0][0])),
             kind=claimsmod.PAPER_CLAIM, location="Sec. II B 2, caption of Fig. 3 (b)",
             quote="Validity of Hessian approximation of the noise for P/N > 1",
             power=claimsmod.power(tol, float(spec_mean[0]), f"no approach (a flat curve; effect: the deviation at P/N = {ratios[0]:g}, all of which an approach removes)"))
    # (c) off-diagonal entries in the Hessian eigenbasis shrink with P
    share = ds.offdiagonal_fraction.transpose("seed", "point").values[:, order]
    f_mean, f_sem = mean_and_sem(share)
    f_slope, f_slope_se = trend(ratios, share)
    estimate = predicted**2 / (1 + predicted**2)  # C_H is diagonal in this basis: the off-diagonal part is that of C - C_H
    effect = float(np.polyfit(np.log(ratios), estimate, 1)[0])
    tol = claimsmod.tolerance(f_slope_se)
    rows.add("fig3c_offdiagonal_decrease", "3c",
             "In the Hessian eigenbasis, the off-diagonal entries of C decrease upon increasing P (label noise mixes the data eigenmodes)",
             "off-diagonal share of ||V^T C V||_F^2 (mean +- SE over realizations): " + "; ".join(f"P/N={r:g}: {claimsmod.format_mean_sem(m, e)}"
             for r, m, e in zip(ratios, f_mean, f_sem)) + f"; slope against log(P/N), per realization (our large-P estimate d^2/(1+d^2): {effect:.3f})",
             claimsmod.format_mean_sem(f_slope, f_slope_se), "< 0", f"slope + 3 SE < 0 (3 SE = {tol:.3g})", f_slope + tol < 0,
             kind=claimsmod.PAPER_CLAIM, location="Sec. II B 2, caption of Fig. 3 (c)",
             quote="The magnitude of the off-diagonal entries decrease upon increasing P.",
             power=claimsmod.power(tol, effect, "no trend (slope 0; effect: the slope of our large-P estimate on the same grid)"))
    rows.write(output)
