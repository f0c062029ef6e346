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
def claims(summary_path: str, output: str) -> None:
    """Claim rows of Fig. 3 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II B 2")
    sim = ds.isel(point=np.flatnonzero(ds.simulated.values))
    for i, ratio in enumerate(sim.P_over_N.values):
        p = sim.isel(point=i)
        trace_sgd = p.sgd_along_additive.sum("mode").values
        trace_add = p.noise_eigenvalues.sum("mode").values
        mean, sem = mean_and_sem(trace_sgd / trace_add - 1)
        correction = float((p.stationary_along_additive.sum("mode") / p.noise_eigenvalues.sum("mode") - 1).mean())
        rows.add(f"fig3a_additive_noise_PN{ratio:g}", "3a",
                 f"At P/N = {ratio:g}, the noise covariance measured from SGD's minibatch gradients in the stationary state agrees with the additive-noise form (2.17)",
                 "tr C_SGD / tr C_(2.17) - 1 (mean +- SE over realizations)", claimsmod.format_mean_sem(mean, sem),
                 f"0 (multiplicative correction {correction:.3%})", f"3 SE + |multiplicative correction| = {3 * sem + abs(correction):.3g}",
                 claimsmod.within(mean, sem, bias=correction), kind=claimsmod.PAPER_CLAIM)
        rq = (p.sgd_along_additive / p.stationary_along_additive - 1).values
        mode_mean, mode_sem = mean_and_sem(rq)
        z_max, limit = claimsmod.max_abs_t(mode_mean, mode_sem, rq.shape[0])
        rows.add(f"fig3a_sgd_noise_exact_PN{ratio:g}", "3a",
                 f"At P/N = {ratio:g}, SGD's gradient noise equals C averaged over its stationary weights (additive part plus the multiplicative correction; our check), mode by mode",
                 "tr C_SGD / tr <C>_stationary - 1 (mean +- SE); max_k |z_k| over the eigenvectors of C (2.17)",
                 f"{claimsmod.format_mean_sem(*mean_and_sem(trace_sgd / p.stationary_along_additive.sum('mode').values - 1))}; max|z| = {z_max:.2f}",
                 "0; |z| small", f"max|z| < {limit:.2f}", z_max < limit, kind=claimsmod.CONSISTENCY_CHECK)
    # (b) approach to the Hessian approximation
    dev_mean, dev_sem = mean_and_sem(ds.hessian_deviation.transpose("seed", "point").values)
    predicted = ds.predicted_hessian_deviation.values
    ratios = ds.P_over_N.values
    last = int(np.argmax(ratios))
    decreasing = bool(np.all(np.diff(dev_mean[np.argsort(ratios)]) < 0))
    tolerance = 3 * dev_sem[last] + predicted[last] / ratios[last]
    rows.add("fig3b_hessian_limit", "3b",
             "The noise spectrum deviates from the Hessian approximation (2.20) but approaches it for P/N -> oo; the deviation decays as sqrt(2N/P) (our derivation)",
             "||C_(2.17) - C_(2.20)||_F / ||C_(2.20)||_F (mean over realizations) vs our estimate: "
             + "; ".join(f"P/N={r:g}: {m:.3f} ({e:.3f})" for r, m, e in zip(ratios, dev_mean, predicted)) + f"; decreasing in P: {decreasing}",
             f"{claimsmod.format_mean_sem(dev_mean[last], dev_sem[last])} at P/N = {ratios[last]:g}", f"{predicted[last]:.4f}, decreasing in P",
             f"3 SE + O(N/P) = {tolerance:.3g}", decreasing and abs(dev_mean[last] - predicted[last]) <= tolerance, kind=claimsmod.PAPER_CLAIM)
    # (c) off-diagonal entries in the Hessian eigenbasis shrink with P
    order = np.argsort(ratios)
    f_mean, f_sem = (v[order] for v in mean_and_sem(ds.offdiagonal_fraction.transpose("seed", "point").values))
    monotone = bool(np.all(np.diff(f_mean) < 0))
    overall = (f_mean[0] - f_mean[-1]) / np.hypot(f_sem[0], f_sem[-1])
    rows.add("fig3c_offdiagonal_decrease", "3c",
             "In the Hessian eigenbasis, the off-diagonal entries of C decrease upon increasing P (label noise mixes the data eigenmodes)",
             "off-diagonal share of ||V^T C V||_F^2 (mean over realizations): " + "; ".join(f"P/N={r:g}: {m:.3f}" for r, m in zip(ratios[order], f_mean))
             + f"; means decrease at every step: {monotone}; overall decrease in units of its SE: {overall:.1f}",
             f"{f_mean[0]:.3f} -> {f_mean[-1]:.3f}", "decreasing in P", "monotone means; overall decrease > 3 SE", monotone and overall > 3, kind=claimsmod.PAPER_CLAIM)
    rows.write(output)
