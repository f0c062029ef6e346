"""Shared by Figs. 4, 5, 12 and Prop. 5.2: reading the deep linear runs, end-of-training and stationary samples of the mode
amplitudes, their statistics with standard errors over seeds, and the stationary density (16) for each drift form."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import io
from .. import theory

# The drift forms of the 1-D modewise SDE (Prop. 3.5 / 5.2), mu = mu_grad (Eq. 13) + mu_Ito: the printed Ito drifts and the
# corrected one (formulas.md; the coupled form theory.ito_drift_aligned reduces to it when the other modes are at 0 or learned).
ITO_DRIFTS = {"corrected": theory.ito_drift, "eq6": theory.ito_drift_eq6, "eq14": theory.ito_drift_eq14, "appendix_e": theory.ito_drift_appendix_e}
DRIFT_LABELS = {"corrected": "corrected Ito drift", "eq6": "Eq. 6 (printed)", "eq14": "Eq. 14 (printed)", "appendix_e": "App. E (printed)"}


def open_runs(paths: list[str]) -> xr.Dataset:
    """The seed blocks of one point of a run, concatenated along seed."""
    blocks = [io.open_dataset(p) for p in paths]
    return xr.concat(blocks, "seed", data_vars="minimal", coords="minimal", compat="override", combine_attrs="override")


def mode_amplitudes(run: xr.Dataset) -> xr.DataArray:
    """w_alpha = (U^T W V)_{alpha alpha} on the trace grid, (seed, time, mode)."""
    n = min(run.sizes["row"], run.sizes["column"])
    return xr.DataArray(np.stack([run.modes.values[:, :, a, a] for a in range(n)], axis=-1), dims=("seed", "time", "mode"),
                        coords={"seed": run.seed.values, "time": run.time.values, "mode": np.arange(n)})


def snapshots(amplitudes: xr.DataArray, times, name: str) -> xr.DataArray:
    """The records of `amplitudes` (.., time, ..) at the continuum times `times`, selected by time (a run may record beyond
    them); `name` (the run file) is named if one is missing."""
    recorded = amplitudes.time.values
    picked = [np.flatnonzero(np.isclose(recorded, t, rtol=1e-9, atol=1e-12)) for t in np.atleast_1d(times)]
    missing = [float(t) for t, i in zip(np.atleast_1d(times), picked) if i.size == 0]
    if missing:
        raise ValueError(f"{name}: no record at t = {missing} (records at t = {recorded.tolist()})")
    return amplitudes.isel(time=[int(i[0]) for i in picked])


def run_setting(run: xr.Dataset) -> dict:
    """Depth and the teacher's singular values of a run (from its weights and its attributes)."""
    depth = len(run.attrs["widths"]) - 1 if "widths" in run.attrs else sum(1 for v in run.data_vars if v.startswith("final_weights_"))
    return {"depth": int(depth)}


def window_law(run: xr.Dataset, modes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stationary mean and variance of each mode over the records after burn-in, pooled over seeds, with SEs over seeds:
    the pooled variance is the mean window variance plus the variance of the window means (each seed's window is many
    relaxation times long, so the seeds are independent samples of both)."""
    entries = [f"m{a}_{a}" for a in modes]
    means = run.window_mean.sel(entry=entries).values  # (seed, mode)
    within = np.stack([run.window_covariance.sel(entry=e, entry_j=e).values for e in entries], axis=-1)
    n = means.shape[0]
    grand = means.mean(0)
    per_seed_variance = within + (means - grand) ** 2 * n / (n - 1)
    return grand, means.std(0, ddof=1) / np.sqrt(n), per_seed_variance.mean(0), per_seed_variance.std(0, ddof=1) / np.sqrt(n)


def stationary_samples(amplitudes: xr.DataArray, burn_in: float) -> xr.DataArray:
    """Trace samples after the burn-in (seed, sample, mode): the stationary law, sampled every trace interval."""
    kept = amplitudes.sel(time=amplitudes.time > burn_in + 1e-9)
    return kept.rename(time="sample").drop_vars("sample")


def shape_statistics(samples: np.ndarray) -> np.ndarray:
    """(skewness, excess kurtosis, peak) of pooled samples (seed, sample): the peak by the Gram-Charlier estimate
    mean - kappa_3 / (2 var) of a near-Gaussian law (exact to first order in the skewness)."""
    x = samples.ravel()
    mean = x.mean()
    c = x - mean
    var, k3, m4 = np.mean(c**2), np.mean(c**3), np.mean(c**4)
    return np.array([k3 / var**1.5, m4 / var**2 - 3.0, mean - k3 / (2 * var)])


def jackknife(statistic, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statistic(samples) and its delete-one-seed jackknife SE (seeds are independent; samples within a seed need not be)."""
    n = samples.shape[0]
    full = statistic(samples)
    leave = np.array([statistic(np.delete(samples, i, axis=0)) for i in range(n)])
    return full, np.sqrt((n - 1) / n * np.sum((leave - leave.mean(0)) ** 2, axis=0))


def grid_of(grid: dict) -> np.ndarray:
    num = int(grid["num"]) | 1  # Simpson quadrature wants an odd length
    return np.linspace(grid["start"], grid["stop"], num)


def stationary_law(form: str, s: float, depth: int, beta: float, label_noise_variance: float, grid: np.ndarray) -> theory.StationaryDensity:
    """Eq. 16 with the diffusion Eq. 15 and the drift Eq. 13 + the Ito drift of `form` (ITO_DRIFTS)."""
    ito = ITO_DRIFTS[form]
    return theory.stationary_density(lambda w: theory.gradient_drift(w, s, depth) + ito(w, s, depth, beta, label_noise_variance),
                                     lambda w: theory.modewise_diffusion_balanced(w, s, depth, beta, label_noise_variance), grid)


def density_shape(law: theory.StationaryDensity) -> np.ndarray:
    """(skewness, excess kurtosis, Gram-Charlier peak) of a density on its grid, as shape_statistics of samples."""
    from scipy import integrate

    c = law.grid - law.mean
    k3 = integrate.simpson(c**3 * law.density, x=law.grid)
    m4 = integrate.simpson(c**4 * law.density, x=law.grid)
    return np.array([k3 / law.variance**1.5, m4 / law.variance**2 - 3.0, law.mean - k3 / (2 * law.variance)])
