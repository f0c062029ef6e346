"""Gross et al. 2024, Fig. 4: relaxation of the weight modes z_k(t) = V_k^T w(t) and of the loss under SGD near the
interpolation threshold (N = 50, P = 52), against the noise-averaged solution (2.27) and the final loss L* (2.26).

One data realization is shown, as in the paper; SGD runs on it repeatedly (`seed` indexes runs), so its noise
average can be measured. Further realizations enter the theory only. The trajectory is kept on a logarithmic
time grid (`points_per_octave`), assembled from engine calls of doubling record spacing that continue each other
exactly (each seed's random stream just carries on).

Stages: the run (gross2024.runs: make_data, train_log_time) -> extract_statistics -> evaluate_theory -> summarize ->
claims; gross2024.fig4.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from ...statistics import mean_and_sem
from .. import theory_sec2 as theory
from ..runs import log_schedule, log_trace_steps, open_runs, relaxation_run_steps



# ------------------------------------------------------------------------------------- statistics
def extract_statistics(data_path: str, train_paths: list[str], output: str, *, learning_rate: float, realization: int, provenance: dict) -> None:
    """Modes z = V^T w (V eigenvectors of H, ascending eigenvalues) and the training loss along each run, all on data
    realization `realization`."""
    runs = open_runs(train_paths)
    data = io.open_dataset(data_path).isel(seed=realization)
    X, y = data.inputs.values, data.labels.values
    V = np.linalg.eigh(theory.hessian(X))[1]
    trace = runs.weight_trace.values
    ds = xr.Dataset(
        {
            "modes": (("seed", "step", "mode"), trace @ V, {"long_name": "weight modes z_k = V_k^T w (Eq. 2.25)", "units": "1"}),
            "loss": (("seed", "step"), theory.train_loss(X, y, trace), {"long_name": "training loss L(w) (Eq. 2.3)", "units": "1"}),
        },
        coords={"seed": runs.seed.values, "step": runs.step, "time": ("step", learning_rate * runs.step.values, {"long_name": "t = lr * step"}),
                "mode": np.arange(X.shape[1]), "N": data.N, "P": data.P},
        attrs=io.provenance(provenance),
    )
    io.write_netcdf(ds, output)


# ----------------------------------------------------------------------------------------- theory
def evaluate_theory(data_path: str, output: str, *, learning_rate: float, batch_size: int, initial_weights: str, realization: int,
                    relaxation_times: float, max_steps: int, points_per_octave: int, provenance: dict) -> None:
    """For the shown realization, on the training's time grid: <z_k(t)> from Eq. (2.27), the exact discrete-time mean,
    the noise-averaged loss (2.26), L* and the stationary loss L* + tr(H M)/2 (discrete M). For every realization:
    the noise-averaged loss excess (L - L*)/L* and the slowest mode's remaining offset at t = 1/omega_0."""
    data = io.open_dataset(data_path)
    X, y, eps, w_star = data.inputs.values, data.labels.values, data.label_noise.values, data.teacher_solution.values
    steps = log_trace_steps(log_schedule(relaxation_run_steps(X[realization : realization + 1], learning_rate=learning_rate, relaxation_times=relaxation_times, max_steps=max_steps), points_per_octave))
    t = learning_rate * steps
    excess, offset = [], []
    for s in range(X.shape[0]):
        omega, V = np.linalg.eigh(theory.hessian(X[s]))
        z_star = V.T @ w_star[s]
        z0 = z_star if initial_weights == "teacher_solution" else np.zeros_like(z_star)
        L_star = theory.minimum_loss(X[s], eps[s])
        at_slowest = theory.mode_relaxation(omega, z0, z_star, np.array([1.0 / omega[0]]))[0]
        excess.append((theory.mode_loss(omega, at_slowest, z_star, L_star) - L_star) / L_star)
        offset.append(abs(at_slowest[0] - z_star[0]) / abs(z0[0] - z_star[0]))
        if s == realization:
            shown = dict(omega=omega, z_star=z_star, z0=z0, L_star=L_star, H=theory.hessian(X[s]))
    omega, z_star, z0, L_star = shown["omega"], shown["z_star"], shown["z0"], shown["L_star"]
    continuum = theory.mode_relaxation(omega, z0, z_star, t)
    M = theory.discrete_sgd_covariance(X[realization], y[realization], learning_rate, batch_size)
    ds = xr.Dataset(
        {
            "omega": ("mode", omega, {"long_name": "Hessian eigenvalues omega_k, ascending", "units": "1"}),
            "solution_modes": ("mode", z_star, {"long_name": "z*_k = V_k^T w*", "units": "1"}),
            "initial_modes": ("mode", z0, {"long_name": "z_k(0)", "units": "1"}),
            "continuum_modes": (("step", "mode"), continuum, {"long_name": "<z_k(t)>, Eq. (2.27)", "units": "1"}),
            "discrete_modes": (("step", "mode"), theory.discrete_mode_relaxation(omega, z0, z_star, steps, learning_rate), {"long_name": "exact mean of discrete SGD", "units": "1"}),
            "continuum_loss": ("step", theory.mode_loss(omega, continuum, z_star, L_star), {"long_name": "loss (2.26) of the noise-averaged modes", "units": "1"}),
            "minimum_loss": ((), L_star, {"long_name": "L*, Eq. (2.26)", "units": "1"}),
            "stationary_loss": ((), L_star + 0.5 * np.trace(shown["H"] @ M), {"long_name": "L* + tr(H M)/2, exact stationary loss of discrete SGD", "units": "1"}),
            "loss_excess_at_slowest_time": ("seed", np.array(excess), {"long_name": "(L - L*)/L* of the noise-averaged modes at t = 1/omega_0", "units": "1"}),
            "slowest_offset_at_slowest_time": ("seed", np.array(offset), {"long_name": "|<z_0> - z*_0| / |z_0(0) - z*_0| at t = 1/omega_0", "units": "1"}),
        },
        coords={"step": ("step", steps, {"units": "SGD steps"}), "time": ("step", t, {"long_name": "t = lr * step"}), "mode": np.arange(X.shape[2]),
                "seed": data.seed.values, "N": data.N, "P": data.P},
        attrs=io.provenance(provenance, data_realization=realization),
    )
    io.write_netcdf(ds, output)


# -------------------------------------------------------------------------------------- summary
def summarize(statistics_path: str, theory_path: str, output: str, *, provenance: dict) -> None:
    """SGD mean and standard error over runs, the run shown in the figure, and the theory, on one time grid."""
    stats, theo = io.open_dataset(statistics_path), io.open_dataset(theory_path)
    if not np.array_equal(stats.step.values, theo.step.values):
        raise ValueError("training and theory time grids differ")
    mode_mean, mode_sem = mean_and_sem(stats.modes.values)
    loss_mean, loss_sem = mean_and_sem(stats.loss.values)
    summary = theo.rename(seed="realization").assign(
        sgd_modes_mean=(("step", "mode"), mode_mean, {"long_name": "SGD modes, mean over runs", "units": "1"}),
        sgd_modes_sem=(("step", "mode"), mode_sem, {"long_name": "standard error over runs", "units": "1"}),
        sgd_loss_mean=("step", loss_mean, {"long_name": "SGD training loss, mean over runs", "units": "1"}),
        sgd_loss_sem=("step", loss_sem, {"long_name": "standard error over runs", "units": "1"}),
        shown_modes=(("step", "mode"), stats.modes.values[0], {"long_name": "modes of the first SGD run", "units": "1"}),
        shown_loss=("step", stats.loss.values[0], {"long_name": "loss of the first SGD run", "units": "1"}),
    ).assign_attrs(n_runs=stats.sizes["seed"])
    summary.attrs = io.provenance(provenance, n_runs=stats.sizes["seed"])
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
def claims(summary_path: str, output: str, *, modes: list[int]) -> None:
    """Claim rows of Fig. 4 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    n_runs = int(ds.attrs["n_runs"])
    later = ds.step.values > 0  # all runs start at the same point: no spread at step 0
    sel = ds.isel(step=later).sel(mode=modes)
    mean, sem = sel.sgd_modes_mean.values, sel.sgd_modes_sem.values
    discrete, continuum = sel.discrete_modes.values, sel.continuum_modes.values
    scale = np.abs(sel.solution_modes - sel.initial_modes).values
    z_max, limit = claimsmod.max_abs_t(mean - discrete, sem, n_runs)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II B 3")
    rows.add("fig4_modes_vs_discrete_mean", "4",
             f"SGD's noise average of the modes z_k, k = {modes}, follows the exact discrete-time mean (our calibration of the comparison below)",
             f"max over t and k of |mean over {n_runs} runs - (1 - lr omega_k)^tau (z_k(0) - z*_k) - z*_k| / SE",
             f"{z_max:.2f}", "0", f"t-quantile {limit:.2f} (1% family-wise)", z_max < limit, kind=claimsmod.CONSISTENCY_CHECK)
    # agreement with (2.27) up to the statistical error and the continuum approximation's own error
    allowed = limit * sem + np.abs(discrete - continuum)
    rows.add("fig4_modes_vs_eq_2_27", "4",
             f"The relaxation of the modes z_k, k = {modes}, under SGD is well described by the noise-averaged solution (2.27)",
             "max over t and k of |SGD mean - (2.27)| / (t-quantile x SE + |discrete mean - (2.27)|); largest relative deviation |SGD mean - (2.27)| / |z*_k - z_k(0)| = "
             f"{np.max(np.abs(mean - continuum) / scale):.3g}, continuum error max |discrete - (2.27)| / |z*_k - z_k(0)| = {np.max(np.abs(discrete - continuum) / scale):.2e}",
             f"{np.max(np.abs(mean - continuum) / allowed):.3g}", "0", "1 (every t and k within its tolerance)", bool(np.all(np.abs(mean - continuum) <= allowed)), kind=claimsmod.PAPER_CLAIM)
    # the loss settles long before the slowest mode: typical rather than universal, so judged over realizations
    omega_0 = float(ds.omega[0])
    at = int(np.argmin(np.abs(ds.time.values - 1.0 / omega_0)))
    loss_excess = (ds.sgd_loss_mean.values[at] - float(ds.stationary_loss)) / float(ds.stationary_loss)
    offset = abs(float(ds.sgd_modes_mean[at, 0] - ds.solution_modes[0])) / abs(float(ds.initial_modes[0] - ds.solution_modes[0]))
    settled = ds.loss_excess_at_slowest_time.values < ds.slowest_offset_at_slowest_time.values
    n = settled.size
    fraction = float(settled.mean())
    fraction_sem = np.sqrt(fraction * (1 - fraction) / n)
    rows.add("fig4_loss_settles_before_slowest_mode", "4",
             "The loss settles to L* already for t < 1/omega_0, although the slowest modes have not yet reached their final values (the factor omega_k in Eq. 2.26 hides them)",
             f"share of {n} data realizations in which, at t = 1/omega_0, the relative loss excess (L - L*)/L* of the noise-averaged modes (2.26)-(2.27) is below the "
             f"slowest mode's remaining relative offset exp(-1); the figure's realization (SGD mean over runs, t = {float(ds.time[at]):.4g}): loss excess {loss_excess:.3g} "
             f"(theory {float(ds.loss_excess_at_slowest_time[0]):.3g}) vs mode offset {offset:.3g} (theory {float(ds.slowest_offset_at_slowest_time[0]):.3g})",
             claimsmod.format_mean_sem(fraction, fraction_sem), "most realizations (> 50%)", f"share - 3 SE > 0.5 ({fraction - 3 * fraction_sem:.3f})",
             fraction - 3 * fraction_sem > 0.5, kind=claimsmod.PAPER_CLAIM)
    # final loss
    late = ds.time.values >= 0.8 * ds.time.values[-1]
    final = ds.sgd_loss_mean.values[late].mean()
    final_sem = ds.sgd_loss_sem.values[late].mean()  # errors of neighbouring times are correlated: not averaged down
    L_star, L_inf = float(ds.minimum_loss), float(ds.stationary_loss)
    rows.add("fig4_final_loss", "4",
             "The loss of SGD settles to the prediction L* for the final loss (Eq. 2.26)",
             f"SGD loss averaged over the last 20% of the time (t >= {0.8 * ds.time.values[-1]:.3g} = {0.8 * ds.time.values[-1] * omega_0:.1f}/omega_0), mean over runs; "
             f"exact stationary loss L* + tr(H M)/2 = {L_inf:.5g}",
             claimsmod.format_mean_sem(final, final_sem), f"L* = {L_star:.5g}", f"3 SE + (L_inf - L*) = {3 * final_sem + L_inf - L_star:.3g}",
             claimsmod.within(final - L_star, final_sem, bias=(L_inf - L_star)), kind=claimsmod.PAPER_CLAIM)
    rows.write(output)
