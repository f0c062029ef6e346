"""Gross et al. 2024, Sec. III D: relaxation dynamics of the modes chi = R^T Z of the linearised SGF (3.26).

Gamma / sigma_x^2 = R Omega R^T with omega_k = D1k + D2 (k <= N_h), D2 (N_h < k <= N_i), 0 (N_h modes) (3.38); each
mode is an Ornstein-Uhlenbeck process with rate sigma_x^2 omega_k (3.39), stationary autocorrelation
<chi_k(t) chi_k(0)> = <chi_k^2> exp(-sigma_x^2 omega_k t) (3.40), level lambda sigma_y^2 / (2S) for omega_k > 0
(3.42); the omega_k = 0 modes keep their initial values.

Stages: two_layer runs (dense traces of the full record) -> extract_statistics (per method) -> summarize -> claims;
gross2024.relaxation.plot renders the figure. The estimators (autocovariance, the expected autocovariance of a
sampled OU process with its mean subtracted, the rate fit) are tested against exactly sampled AR(1) series.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from ...statistics import mean_and_sem
from .. import theory_sec3 as theory
from ..two_layer_runs import open_runs

LOCATION = "Sec. III D"
GROUPS = ("coupled", "second_layer_only")  # omega_k = D1k + D2 (k <= N_h) and omega_k = D2 (N_h < k <= N_i)
FROZEN_LIMIT = 0.1  # reading of "remain fixed": variance below 10 % of the level lambda sigma_y^2 / 2S of the other modes
GROWTH_LIMIT = 0.5  # ... and a displacement that does not grow with the lag (diffusion: exponent 1, steady drift: 2)
ZERO_RATE = 1e-12  # relative to the largest omega_k: below it a mode counts as a zero mode (they are 0 to rounding)


# ------------------------------------------------------------------------------------------- estimators
def autocovariance(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocovariance C(k) = 1/n sum_{t < n-k} (x_t - xbar)(x_{t+k} - xbar), k = 0..max_lag, along the last
    axis (the biased 1/n form, whose expectation `ou_expected_autocorrelation` gives for an OU process)."""
    x = np.asarray(series, dtype=float)
    x = x - x.mean(axis=-1, keepdims=True)
    n = x.shape[-1]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, size, axis=-1)
    return np.fft.irfft(f * np.conj(f), size, axis=-1)[..., : max_lag + 1] / n


def ou_expected_autocovariance(rate: float, n: int, max_lag: int) -> np.ndarray:
    """E[C(k)], k = 0..max_lag, for n samples of a stationary AR(1) x_t of unit variance with autocorrelation
    exp(-rate |k|) (an OU process sampled at unit spacing) and `autocovariance`'s sample-mean subtraction. The
    subtraction lowers C(k) by about 2 / (rate n) of the variance, a bias of the plain exponential fit that this
    expectation removes."""
    phi = np.exp(-rate)
    t = np.arange(n)
    # c_t = n Cov(x_t, xbar) = sum_u phi^|t-u|
    c = ((1 - phi ** (t + 1)) + phi * (1 - phi ** (n - 1 - t))) / (1 - phi)
    v = c.sum() / n  # n Var(xbar)
    cum = np.concatenate([[0.0], np.cumsum(c)])
    k = np.arange(max_lag + 1)
    lead = cum[n - k]                      # sum_{t < n-k} c_t
    trail = cum[n] - cum[k]                # sum_{t < n-k} c_{t+k}
    return ((n - k) * phi**k - (lead + trail) / n + (n - k) * v / n) / n


def fit_relaxation_rate(autocovariance_values: np.ndarray, n: int, *, decay: float) -> float:
    """Decay rate per sample spacing of one sampled autocovariance C(k) (k = 0..max_lag, from n samples): least
    squares of C(k) against variance x `ou_expected_autocovariance` (the variance solved for in closed form at each
    rate) over the lags 0..K, K where C(k)/C(0) first falls below exp(-decay) (at least two lags). Fitting C itself
    rather than C(k)/C(0) avoids the bias of a ratio of noisy estimates."""
    C = np.asarray(autocovariance_values, dtype=float)
    below = np.flatnonzero(C[1:] < np.exp(-decay) * C[0])
    last = int(below[0]) + 1 if below.size else C.size - 1
    last = min(max(last, 2), C.size - 1)
    C = C[: last + 1]
    guess = -np.log(np.clip(C[last] / C[0], 1e-3, 0.999)) / last

    def cost(log_rate):
        e = ou_expected_autocovariance(np.exp(log_rate), n, last)
        return float(np.sum((C - (C @ e) / (e @ e) * e) ** 2))

    import scipy.optimize  # here, not at the top: most stages importing this module never call it

    result = scipy.optimize.minimize_scalar(cost, bounds=(np.log(guess) - 3, np.log(guess) + 3), method="bounded",
                                            options={"xatol": 1e-6})
    return float(np.exp(result.x))


def growth_exponent(lags: np.ndarray, mean_square_displacement: np.ndarray, first: int) -> float:
    """Log-log slope of a mean-square displacement over lags first..end: 0 for a frozen or saturated coordinate, 1 for
    diffusion, 2 for a steady drift."""
    return float(np.polyfit(np.log(lags[first:]), np.log(mean_square_displacement[first:]), 1)[0])


# ------------------------------------------------------------------------------------------- statistics
def extract_statistics(train_paths: list[str], output: str, *, learning_rate: float, batch_size: int, label_noise_variance: float,
                       max_lag: int, fit_decay: float, provenance: dict) -> None:
    """Per seed: the modes (3.38) at the window-mean weights W^0, the trace of chi = R^T Z about W^0, its stationary
    autocovariance per mode, the fitted rate per mode (rate per unit continuum time), the level <chi_k^2>, the
    mean-square displacement of each mode at every lag (does a zero mode move?) and its growth exponent for the
    zero modes (0 frozen, 1 diffusing, 2 drifting)."""
    runs = open_runs(train_paths)
    runs = runs.isel(time=runs.step.values >= int(runs.attrs["burn_in_steps"]))  # the trace covers the burn-in too
    n_in = runs.sizes["feature"]
    input_variance = 1.0 / n_in
    time = runs.time.values
    spacing = float(np.mean(np.diff(time)))
    n = time.size
    out = {k: [] for k in ("rate", "fitted", "level", "acov", "msd", "growth", "d1", "d2")}
    for s in range(runs.sizes["seed"]):
        w1 = runs.window_mean_first_layer.values[s]
        w2 = runs.window_mean_second_layer.values[s]
        basis = theory.svd_basis(w1, w2)
        omega, R = theory.relaxation_modes(basis, input_variance)
        chi = theory.project_on_modes(runs.trace_first_layer.values[s], runs.trace_second_layer.values[s], w1, w2, basis, R)
        chi = np.moveaxis(np.asarray(chi), -1, 0)  # (mode, time)
        acov = autocovariance(chi, max_lag)
        rate = np.asarray(omega)  # relaxation_modes returns the rates sigma_x^2 omega_k
        nonzero = rate > ZERO_RATE * rate.max()
        fitted = np.array([fit_relaxation_rate(a, n, decay=fit_decay) / spacing if z else 0.0 for a, z in zip(acov, nonzero)])
        lags = np.arange(max_lag + 1)
        msd = np.array([np.mean((chi[:, k:] - chi[:, : n - k]) ** 2, axis=1) for k in lags]).T
        zero_msd = msd[~nonzero].mean(axis=0)
        out["growth"].append(growth_exponent(lags, zero_msd, max(1, max_lag // 8)))
        out["rate"].append(rate)
        out["fitted"].append(fitted)
        out["level"].append(np.mean(chi**2, axis=1))
        out["acov"].append(acov)
        out["msd"].append(msd)
        out["d1"].append(basis.D1)
        out["d2"].append(basis.D2)
    n_hidden = runs.sizes["hidden"]
    group = np.array(["coupled"] * n_hidden + ["second_layer_only"] * (n_in - n_hidden) + ["zero"] * n_hidden)
    ds = xr.Dataset(
        {
            "theory_rate": (("seed", "mode"), np.stack(out["rate"]), {"long_name": "sigma_x^2 omega_k (3.38)-(3.39), at the window-mean weights", "units": "1/time"}),
            "fitted_rate": (("seed", "mode"), np.stack(out["fitted"]), {"long_name": "decay rate of the stationary autocorrelation of chi_k (0 for zero modes)", "units": "1/time"}),
            "mode_variance": (("seed", "mode"), np.stack(out["level"]), {"long_name": "<chi_k^2> over the window, chi about the window mean", "units": "1"}),
            "autocovariance": (("seed", "mode", "lag"), np.stack(out["acov"]), {"long_name": "stationary autocovariance of chi_k", "units": "1"}),
            "mean_square_displacement": (("seed", "mode", "lag"), np.stack(out["msd"]), {"long_name": "<(chi_k(t + tau) - chi_k(t))^2>", "units": "1"}),
            "zero_mode_growth": ("seed", np.array(out["growth"]), {"long_name": "log-log slope of the zero modes' mean-square displacement, lags max/8..max", "units": "1"}),
            "first_layer_eigenvalues": (("seed", "hidden"), np.stack(out["d1"]), {"long_name": "D1 = eig W1 W1^T at the window mean, descending", "units": "1"}),
            "second_layer_norm": ("seed", np.array(out["d2"]), {"long_name": "D2 = |W2|^2 at the window mean", "units": "1"}),
        },
        coords={"seed": runs.seed.values, "mode": np.arange(group.size), "group": ("mode", group), "lag": np.arange(max_lag + 1) * spacing},
        attrs=io.provenance(provenance, level=theory.mode_variance_level(learning_rate=learning_rate, batch_size=batch_size, label_noise_variance=label_noise_variance),
                            learning_rate=learning_rate, batch_size=batch_size, window_time=float(time[-1] - time[0]), spacing=spacing, n_in=n_in, n_hidden=n_hidden),
    )
    io.write_netcdf(ds, output)


def summarize(statistics_paths: list[str], output: str, *, methods: list[str], provenance: dict) -> None:
    """The methods (sgd, sgf) stacked along `method`."""
    parts = [io.open_dataset(p) for p in statistics_paths]
    summary = xr.concat(parts, dim=xr.DataArray(methods, dims="method"), join="outer", combine_attrs="drop_conflicts")
    summary.attrs = io.provenance(provenance, level=parts[0].attrs["level"], learning_rate=parts[0].attrs["learning_rate"],
                                  batch_size=parts[0].attrs["batch_size"], window_time=parts[0].attrs["window_time"], n_in=parts[0].attrs["n_in"], n_hidden=parts[0].attrs["n_hidden"])
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
def claims(summary_path: str, output: str) -> None:
    """Claim rows of Sec. III D (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section=LOCATION)
    level, lr = float(ds.attrs["level"]), float(ds.attrs["learning_rate"])
    window = float(ds.attrs["window_time"])
    for i, method in enumerate(ds.method.values):
        c = ds.isel(method=i).dropna("seed", how="all")
        n = c.sizes["seed"]
        label = f"{str(method).upper()}, {int(c.attrs.get('n_in', ds.attrs['n_in']))}-{int(ds.attrs['n_hidden'])}-1, {n} seeds"
        nonzero = c.group != "zero"
        discrete = lr * c.theory_rate.max().item() / 2  # O(lambda) discrete-time bias of rate and level (AR(1): 1 - lambda sigma_x^2 omega)
        single = claimsmod.bonferroni_t_limit(n, 1)
        nonzero_rates = c.theory_rate.where(c.group != "zero")
        fit_bias = float((2 / (nonzero_rates.min("mode") * window)).max())  # the rate fit's finite-window bias (AR(1) tests: <= 2 / (rate T))
        # rates per mode group: fitted / sigma_x^2 omega_k, group mean per seed
        ratios = (c.fitted_rate / c.theory_rate).where(nonzero)
        g_mean, g_sem = [], []
        for g in GROUPS:
            m, e = mean_and_sem(ratios.where(c.group == g).mean("mode").values)
            g_mean.append(float(m))
            g_sem.append(float(e))
        g_mean, g_sem = np.array(g_mean), np.array(g_sem)
        limit = claimsmod.bonferroni_t_limit(n, len(GROUPS))
        tol = limit * g_sem.max() + discrete + fit_bias
        curve = ", ".join(f"{g}: {claimsmod.format_mean_sem(m, e)}" for g, m, e in zip(GROUPS, g_mean, g_sem))
        rows.add(f"relax_rates_{method}", "Sec. III D (3.39)-(3.40)",
                 f"{label}: each nonzero mode chi_k relaxes with rate sigma_x^2 omega_k, omega_k = D1k + D2 (k <= N_h) and D2 (N_h < k <= N_i)",
                 "fitted decay rate of the stationary autocorrelation of chi_k over sigma_x^2 omega_k at the window-mean weights, mean over each "
                 "mode group per seed (mean +- SE over seeds); fit of C(k)/C(0) against the sampled-OU expectation with the mean subtracted",
                 curve, "1 in both groups (3.39)", f"|ratio - 1| <= {limit:.2f} SE (Bonferroni over {len(GROUPS)} groups, t over {n} seeds) "
                 f"+ discrete-time bias lambda sigma_x^2 omega_max / 2 = {discrete:.2g} + finite-window bias 2 / (rate T) = {fit_bias:.2g}; = {tol:.2g}",
                 bool(np.all(np.abs(g_mean - 1) <= limit * g_sem + discrete + fit_bias)),
                 power=claimsmod.power(tol, 0.5, "rates sigma_x^2 omega_k / 2 (the variance's rate (3.41) taken for the correlation's)"),
                 kind=claimsmod.PAPER_CLAIM, location=f"{LOCATION}, Eqs. (3.39)-(3.40)",
                 quote="modes with w; > 0 relax")
        # level: isotropic, lambda sigma_y^2 / (2S) for every nonzero mode (G21)
        per_mode = (c.mode_variance / level).where(nonzero, drop=True)
        m_mean, m_sem = mean_and_sem(per_mode.values)
        # the mean over a window of finite length T underestimates a variance by about 2 / (rate T) (the mean is subtracted)
        finite = float((2 / (c.theory_rate.where(nonzero, drop=True) * window)).max())
        bias = discrete + finite
        z = np.abs(m_mean - 1) / m_sem
        limit = claimsmod.bonferroni_t_limit(n, m_mean.size)
        all_mean, all_sem = mean_and_sem(per_mode.mean("mode").values)
        holds = bool(np.all(np.abs(m_mean - 1) <= limit * m_sem + bias))
        rows.add(f"relax_level_isotropic_{method}", "Sec. III D (3.42)",
                 f"{label}: the late-time fluctuations of the nonzero modes are isotropic, <chi_k^2> = lambda sigma_y^2 / (2S) for every omega_k > 0",
                 f"<chi_k^2> / (lambda sigma_y^2 / 2S) per nonzero mode ({m_mean.size} modes), mean +- SE over seeds; largest |t| = {z.max():.2f}; "
                 f"mean over modes {claimsmod.format_mean_sem(all_mean, all_sem)}; range of mode means {m_mean.min():.3f} .. {m_mean.max():.3f}",
                 claimsmod.format_mean_sem(all_mean, all_sem), "1 for every mode (3.42)",
                 f"|ratio - 1| <= {limit:.2f} SE per mode (Bonferroni over {m_mean.size} modes) + biases {bias:.2g} (discrete time {discrete:.2g}, "
                 f"window mean {finite:.2g})", holds,
                 power=claimsmod.power(limit * float(m_sem.max()) + bias, float(ds.attrs["batch_size"]) - 1,
                                       "the level without the 1/S (S times larger, the 1/S the OCR's sigma_R^2 lost)"),
                 kind=claimsmod.PAPER_CLAIM, location=f"{LOCATION}, after Eq. (3.42)",
                 quote="the fluctuations of the modes x are isotropic (independent of k) at late times")
        # the relaxation is dominated by the smallest nonzero omega_k: the slowest modes (the N_i - N_h of omega = D2)
        # relax at sigma_x^2 min omega_k, while a single exponential at the mean rate would decay mean/min times faster
        slow = c.group == "second_layer_only"
        smallest = c.theory_rate.where(nonzero).min("mode").values
        slowest_fitted = c.fitted_rate.where(slow).mean("mode").values
        t_mean, t_sem = mean_and_sem(slowest_fitted / smallest)
        rival = float(np.mean(c.theory_rate.where(nonzero).mean("mode").values / smallest))
        finite = float(np.max(2 / (smallest * window)))  # the rate fit's finite-window bias (tests: <= 2 / (rate T))
        tol = single * float(t_sem) + finite + discrete
        rows.add(f"relax_dominated_by_smallest_{method}", "Sec. III D",
                 f"{label}: the relaxation is a superposition of exponentials dominated by the smallest nonzero omega_k",
                 f"fitted rate of the slowest modes (the N_i - N_h = {int(slow.sum())} modes of omega = D2, mean per seed) over sigma_x^2 min omega_k "
                 f"(mean +- SE over seeds); a single exponential at the mean nonzero rate would be {rival:.3g} x the smallest",
                 claimsmod.format_mean_sem(t_mean, t_sem), "1 (the smallest nonzero rate)",
                 f"{single:.2f} SE (t over {n} seeds) + finite-window bias 2 / (rate T) = {finite:.2g} + discrete time {discrete:.2g} = {tol:.2g}",
                 claimsmod.within(t_mean - 1, t_sem, k=single, bias=finite + discrete),
                 power=claimsmod.power(tol, rival - 1, f"one exponential with the mean nonzero rate ({rival:.3g} x the smallest)"),
                 kind=claimsmod.PAPER_CLAIM, location=f"{LOCATION}, last paragraph",
                 quote="the relaxation dynamics of the weights is in general a superposition of exponentials, dominated by the smallest eigenvalue")
        # the omega_k = 0 modes "remain fixed": their variance about the window mean and the growth of their displacement
        zero = c.group == "zero"
        z_mean, z_sem = mean_and_sem((c.mode_variance / level).where(zero).mean("mode").values)
        g_mean, g_sem = mean_and_sem(c.zero_mode_growth.values)
        rows.add(f"relax_zero_modes_frozen_{method}", "Sec. III D (3.41)-(3.42)",
                 f"{label}: the N_h = {int(zero.sum())} modes with omega_k = 0 remain fixed at their initial values (no relaxation, no fluctuation)",
                 f"<chi_k^2> / (lambda sigma_y^2 / 2S) over the zero modes, chi about the window mean (mean +- SE over seeds); growth exponent of "
                 f"their mean-square displacement over lags {float(c.lag.values[max(1, c.sizes['lag'] // 8)]):.3g} .. {float(c.lag.values[-1]):.3g}: "
                 f"{claimsmod.format_mean_sem(g_mean, g_sem)} (0 frozen, 1 diffusing, 2 drifting steadily)",
                 claimsmod.format_mean_sem(z_mean, z_sem), f"frozen: below {FROZEN_LIMIT:g} of the level, growth exponent below {GROWTH_LIMIT:g}",
                 f"mean + {single:.2f} SE (t over {n} seeds) below both limits (reading of 'remain fixed')",
                 bool(z_mean + single * z_sem < FROZEN_LIMIT and g_mean + single * g_sem < GROWTH_LIMIT),
                 power=claimsmod.power(GROWTH_LIMIT + single * float(g_sem), 1.0, "a diffusing zero mode (growth exponent 1)"),
                 kind=claimsmod.PAPER_CLAIM, location=f"{LOCATION}, after Eq. (3.41)", quote="belonging to eigenvalues w; = 0 remain fixed at their initial")
    # "Note that all omega_k > 0" against the spectrum (3.38) itself, at the runs' window-mean weights
    c = ds.isel(method=0)
    n_zero = (c.theory_rate <= ZERO_RATE * c.theory_rate.max("mode")).sum("mode").values
    n_hidden = int(ds.attrs["n_hidden"])
    rows.add("relax_all_rates_positive", "Sec. III D (3.38)",
             "'Note that all omega_k > 0' (text after (3.38)) against (3.38), which lists N_h eigenvalues omega_k = 0",
             f"number of zero eigenvalues of Gamma / sigma_x^2 = J^T J at each seed's window-mean weights ({c.sizes['seed']} seeds; zero: below "
             f"{ZERO_RATE:g} x the largest); the modes above show what the zero modes do",
             f"{int(n_zero.min())} .. {int(n_zero.max())} per seed", "0 (all omega_k > 0)", "exact count (no statistical tolerance)",
             bool(np.all(n_zero == 0)), power="a count of exact zeros of a spectrum: no sampling error",
             erratum=(bool(np.all(n_zero == n_hidden)), f"N_h = {n_hidden} zero modes (3.38), omega_k >= 0; 'all omega_k > 0' holds for the other N_i"),
             kind=claimsmod.PAPER_CLAIM, location=f"{LOCATION}, after Eq. (3.38)", quote="Note that all w; > 0.")
    rows.write(output)
