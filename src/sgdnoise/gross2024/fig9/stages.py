"""Gross et al. 2024, Fig. 9 (Sec. III C 3): the loss of a two-layer linear network perturbed along the eigenvectors of
the weight covariances, (a) a_i of cov(dW2) against Eq. (3.37), dL(theta a_i) = 1/2 sigma_x^2 theta^2 D1_ii, and its
printed form through M22; (b) v_i of cov(vec dW1), reshaped to W1, against the linear theory (3.31a), with the
covariance spectrum (inset).

dL(theta d) = L(W + theta d) - L(W^0) is evaluated directly from the loss (3.1) on the run's own dataset at the window
means W^0; L is exactly quadratic along a perturbation of one layer, so the least-squares fit of b theta + c theta^2
over the theta grid returns its curvature c = dL / theta^2 exactly (the linear term b vanishes only at a minimum).

Panel (a) uses the covariance about the window's linear trend, C - Delta Delta^T / 3 (Delta the difference of the
half-window means of W2): under SGD the norm of W2 keeps drifting while the loss is stationary (Sec. III C 2), and
that slow drift, which the quasi-stationary theory excludes, is otherwise the covariance's largest eigenvector.
Panel (b) does the same with the half-window means of W1 (the raw spectrum is kept for the inset): the slow shrinking
of W1 off the direction of W2 otherwise fills the top of the spectrum beyond i = N_i.

Stages: the two_layer runs -> second_layer_statistics (a) / first_layer_statistics (b), one per case -> summarize
(cases stacked) -> claims; gross2024.fig9.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io, seeding
from ...statistics import mean_and_sem, sorted_eigh
from .. import theory_sec3 as theory
from ..fig6.stages import log_slopes
from ..two_layer_runs import open_runs

MODE_CHUNK = 50  # perturbation directions evaluated together (memory: chunk x theta x P doubles)
FINITE_WINDOW_REPLICATES = 64  # Monte Carlo windows of the linear theory per seed (SE of the expected ratio ~ its spread / 8)
STEPS_BELOW = 5  # eigenvalue steps just below N_i that say how the spectrum falls within its upper level
AGREE_LIMIT = 0.2  # looser reading of "agree well": the median mode within 20 % of (3.37)
SLOPE_LIMIT = 0.25  # reading of "independent of the mode index": |log-log slope| of dL against the variance below a quarter of the IVFR's +1


# ------------------------------------------------------------------------------------------- dL evaluator
def loss_curvature(inputs: np.ndarray, labels: np.ndarray, first_layer: np.ndarray, second_layer: np.ndarray, directions: np.ndarray,
                   theta: np.ndarray, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """dL(theta d_k) = L(W + theta d_k) - L(W) for the perturbed `layer` (first_layer: d_k of shape (N_h, N_i), given as
    (modes, N_h, N_i); second_layer: d_k of shape (N_h,), given as (modes, N_h)), from the loss (3.1) on (inputs, labels).
    Returns the curves (modes, theta) and their curvature dL / theta^2 (modes,), the theta^2 coefficient of the
    least-squares fit b theta + c theta^2 (exact: L is quadratic in one layer)."""
    base = theory.full_batch_loss(inputs, labels, first_layer, second_layer)
    curves = []
    for start in range(0, len(directions), MODE_CHUNK):
        d = directions[start : start + MODE_CHUNK, None] * theta.reshape(1, -1, *[1] * (directions.ndim - 1))
        if layer == "first_layer":
            curves.append(theory.full_batch_loss(inputs, labels, first_layer + d, second_layer) - base)
        else:
            curves.append(theory.full_batch_loss(inputs, labels, first_layer, second_layer + d) - base)
    curves = np.concatenate(curves)
    design = np.stack([theta, theta**2], axis=1)
    coefficients = np.linalg.lstsq(design, curves.T, rcond=None)[0]
    return curves, coefficients[1]


def detrended_covariance(covariance: np.ndarray, half_means: np.ndarray) -> np.ndarray:
    """Covariance about the window's linear trend: a trend x(t) = x0 + u t over the window adds u u^T T^2 / 12 to the
    covariance about the mean, and the half-window means differ by Delta = u T / 2, so C - Delta Delta^T / 3 removes it.
    half_means (2, dim)."""
    delta = half_means[1] - half_means[0]
    return covariance - np.outer(delta, delta) / 3.0


def finite_window_expectation(rng: np.random.Generator, D1: np.ndarray, D2: float, m22: np.ndarray, *, input_variance: float, record_interval: float,
                              n_records: int, replicates: int) -> np.ndarray:
    """What (3.37) predicts for the measured ratio dL(theta a_i) / (1/2 sigma_x^2 theta^2 D1_ii) when a_i are the
    eigenvectors of a finite window's covariance (about its linear trend, as measured) rather than the columns of A.
    In the linear theory z2_k = dW2 a_k is an Ornstein-Uhlenbeck process of variance M22_kk (3.34) and rate
    sigma_x^2 (D1_k + D2) (the nonzero eigenvalue of its 2 x 2 block of Gamma, 3.28), independent across k; sampled
    every `record_interval` (continuum time) for `n_records` records, the sample eigenvectors mix modes whose M22 are
    not resolved (D1 >> D2 saturates M22), and the ratio sum_k (v_i . e_k)^2 D1_k / D1_i is averaged over replicates."""
    phi = np.exp(-input_variance * (D1 + D2) * record_interval)
    z = np.empty((replicates, n_records, D1.size))
    z[:, 0] = rng.standard_normal((replicates, D1.size))
    kicks = rng.standard_normal((replicates, n_records, D1.size)) * np.sqrt(1 - phi**2)
    for t in range(1, n_records):
        z[:, t] = phi * z[:, t - 1] + kicks[:, t]
    z *= np.sqrt(m22)
    ratios = []
    for window in z:
        half = np.stack([window[: n_records // 2].mean(axis=0), window[n_records // 2 :].mean(axis=0)])
        _, vectors = sorted_eigh(detrended_covariance(np.cov(window.T, bias=True), half))
        ratios.append((vectors**2).T @ D1 / D1)
    return np.mean(ratios, axis=0)


# ------------------------------------------------------------------------------------------- statistics
def _common(data_path, train_paths):
    runs = open_runs(train_paths)
    data = io.open_dataset(data_path).sel(seed=runs.seed)
    return runs, data.inputs.values, data.labels.values


def _dimensionless(ds: xr.Dataset) -> xr.Dataset:
    """Units of a statistics file: every variable is dimensionless ("1": losses and their curvatures dL / theta^2 along
    unit directions, weight covariances and their eigenvalues, D1, D2, overlaps and ratios); the long_names are the stage's."""
    return io.describe(ds, {name: (None, "1") for name in ds.data_vars})


def _run_attrs(runs) -> dict:
    attrs = runs.attrs
    window = float(attrs["measure_steps"]) * float(attrs["time_per_step"])
    return dict(method=str(attrs["method"]), learning_rate=float(attrs["learning_rate"]), batch_size=int(attrs["batch_size"]),
                time_per_step=float(attrs["time_per_step"]), window_time=window)


def second_layer_statistics(data_path: str, train_paths: list[str], output: str, *, label_noise_variance: float, theta_stop: float, theta_num: int,
                            provenance: dict) -> None:
    """Panel (a), per seed: eigenvalues gamma_i and eigenvectors a_i of cov(dW2) about the window's trend (and of the raw
    window covariance), the measured curvature dL(theta a_i) / theta^2 at the window means, the same along a_i at each
    half-window's means (G18), and D1, D2 of the window means with (3.37) exact, (3.34) M22 and (3.37) through M22."""
    runs, X, y = _common(data_path, train_paths)
    info = _run_attrs(runs)
    n_in = X.shape[2]
    sigma_x2 = 1.0 / n_in
    theta = np.linspace(-theta_stop, theta_stop, theta_num)
    out = {k: [] for k in ("gamma", "raw_gamma", "curv", "raw_curv", "half", "curves", "D1", "D2", "m22", "raw_w2_overlap", "window", "theory_curv")}
    record_interval = float(runs.attrs["record_every"]) * info["time_per_step"]
    for s in range(X.shape[0]):
        W1 = runs.window_mean_first_layer.values[s]
        W2 = runs.window_mean_second_layer.values[s]
        cov = runs.window_covariance.values[s]
        gamma, a = sorted_eigh(detrended_covariance(cov, runs.half_window_mean_second_layer.values[s]))
        raw_gamma, raw_a = sorted_eigh(cov)
        curves, curv = loss_curvature(X[s], y[s], W1, W2, a.T, theta, "second_layer")
        out["curves"].append(curves)
        out["curv"].append(curv)
        out["raw_curv"].append(loss_curvature(X[s], y[s], W1, W2, raw_a.T, theta, "second_layer")[1])
        out["half"].append([loss_curvature(X[s], y[s], runs.half_window_mean_first_layer.values[s, h], runs.half_window_mean_second_layer.values[s, h],
                                           a.T, theta, "second_layer")[1] for h in range(2)])
        basis = theory.svd_basis(W1, W2)
        # the linear theory's own modes: cov(dW2) = A M22 A^T (3.31b) has eigenvectors the columns of A (D1 descending)
        out["theory_curv"].append(loss_curvature(X[s], y[s], W1, W2, basis.A.T, theta, "second_layer")[1])
        out["D1"].append(basis.D1)
        out["D2"].append(basis.D2)
        out["m22"].append(theory.m22_diagonal(basis.D1, basis.D2, learning_rate=info["learning_rate"], batch_size=info["batch_size"],
                                              label_noise_variance=label_noise_variance))
        rng = seeding.generator(int(runs.attrs["sgd_root_seed"]), str(runs.attrs["experiment"]), str(runs.attrs["point"]), int(runs.seed.values[s]),
                                f"finite_window_{info['method']}")
        out["window"].append(finite_window_expectation(rng, basis.D1, basis.D2, out["m22"][-1], input_variance=sigma_x2, record_interval=record_interval,
                                                       n_records=int(runs.n_records), replicates=FINITE_WINDOW_REPLICATES))
        out["gamma"].append(gamma)
        out["raw_gamma"].append(raw_gamma)
        out["raw_w2_overlap"].append((raw_a[:, 0] @ W2) ** 2 / (W2 @ W2))
    D1, D2, m22 = np.stack(out["D1"]), np.array(out["D2"]), np.stack(out["m22"])
    kw = dict(learning_rate=info["learning_rate"], batch_size=info["batch_size"], label_noise_variance=label_noise_variance, input_variance=sigma_x2)
    two = ("seed", "mode")
    ds = xr.Dataset(
        {
            "covariance_eigenvalues": (two, np.stack(out["gamma"]), {"long_name": "eigenvalues of cov(dW2) about the window's linear trend, descending"}),
            "raw_covariance_eigenvalues": (two, np.stack(out["raw_gamma"]), {"long_name": "eigenvalues of the window covariance of W2 (about its mean)"}),
            "loss_curvature": (two, np.stack(out["curv"]), {"long_name": "dL(theta a_i) / theta^2 at the window means, a_i of the detrended cov(dW2)"}),
            "raw_loss_curvature": (two, np.stack(out["raw_curv"]), {"long_name": "dL(theta a_i) / theta^2, a_i of the raw window covariance"}),
            "half_loss_curvature": (("seed", "half", "mode"), np.stack(out["half"]), {"long_name": "dL(theta a_i) / theta^2 at each half-window's means"}),
            "loss_perturbation": (("seed", "mode", "theta"), np.stack(out["curves"]), {"long_name": "dL(theta a_i) = L(W^0 + theta a_i) - L(W^0)"}),
            "raw_top_overlap_with_W2": ("seed", np.array(out["raw_w2_overlap"]), {"long_name": "(a_1 . W2)^2 / |W2|^2, a_1 the raw covariance's top eigenvector"}),
            "D1": (two, D1, {"long_name": "eigenvalues of W1 W1^T at the window mean (3.23a), descending"}),
            "D2": ("seed", D2, {"long_name": "|W2|^2 at the window mean (3.23b)"}),
            "m22": (two, m22, {"long_name": "M22_ii (3.34) at the window mean"}),
            "exact_curvature": (two, theory.loss_perturbation_exact(1.0, D1, sigma_x2), {"long_name": "1/2 sigma_x^2 D1_ii (3.37, exact form)"}),
            "theory_mode_curvature": (two, np.stack(out["theory_curv"]), {"long_name": "dL(theta A_i) / theta^2 at the window means, A_i the columns of A: the linear theory's eigenvectors of cov(dW2) (3.31b)"}),
            "printed_curvature": (two, theory.loss_perturbation_m22(1.0, m22, D2[:, None], **kw), {"long_name": "(S sigma_x^2 D2 / lambda sigma_y^2) M22_ii (3.37 as printed)"}),
            "finite_window_ratio": (two, np.stack(out["window"]), {"long_name": "(3.37) along the eigenvectors of a finite window of the linear theory, over the exact form"}),
        },
        coords={"seed": runs.seed.values, "mode": np.arange(D1.shape[1]), "theta": theta, "half": [0, 1], "N": int(X.shape[2]), "P": int(X.shape[1])},
        attrs=io.provenance(provenance, label_noise_variance=label_noise_variance, **info),
    )
    io.write_netcdf(_dimensionless(ds), output)


def first_layer_statistics(data_path: str, train_paths: list[str], output: str, *, label_noise_variance: float, theta_stop: float, theta_num: int,
                           provenance: dict) -> None:
    """Panel (b), per seed: eigenvalues and eigenvectors v_i of cov(vec dW1) (row-major) about the window's trend, the measured
    dL(theta [v_i]) / theta^2 at the window means, and the same for the eigenvectors of the linear theory's
    cov(vec dW1) (3.30, 3.31a) at those means, with the theory's flat level 1/2 sigma_x^2 D2 (v = V kron u, |u| = 1)."""
    runs, X, y = _common(data_path, train_paths)
    info = _run_attrs(runs)
    n_seeds, P, n_in = X.shape
    n_hidden = runs.sizes["hidden"]
    sigma_x2 = 1.0 / n_in
    theta = np.linspace(-theta_stop, theta_stop, theta_num)
    out = {k: [] for k in ("gamma", "raw_gamma", "curv", "th_gamma", "th_curv", "D2")}
    for s in range(n_seeds):
        W1 = runs.window_mean_first_layer.values[s]
        W2 = runs.window_mean_second_layer.values[s]
        cov = runs.window_covariance.values[s]
        gamma, v = sorted_eigh(detrended_covariance(cov, runs.half_window_mean_first_layer.values[s].reshape(2, -1)))
        out["gamma"].append(gamma)
        out["raw_gamma"].append(np.linalg.eigvalsh(cov)[::-1])
        out["curv"].append(loss_curvature(X[s], y[s], W1, W2, v.T.reshape(-1, n_hidden, n_in), theta, "first_layer")[1])
        basis = theory.svd_basis(W1, W2)
        Gamma, Lambda = theory.drift_and_diffusion(basis, learning_rate=info["learning_rate"], batch_size=info["batch_size"],
                                                   label_noise_variance=label_noise_variance, input_variance=sigma_x2)
        cov_first, _ = theory.weight_covariances(theory.fluctuation_matrix(Gamma, Lambda), basis)
        th_gamma, th_v = sorted_eigh(cov_first)
        out["th_gamma"].append(th_gamma)
        out["th_curv"].append(loss_curvature(X[s], y[s], W1, W2, th_v.T.reshape(-1, n_hidden, n_in), theta, "first_layer")[1])
        out["D2"].append(basis.D2)
    two = ("seed", "mode")
    D2 = np.array(out["D2"])
    ds = xr.Dataset(
        {
            "covariance_eigenvalues": (two, np.stack(out["gamma"]), {"long_name": "eigenvalues of cov(vec dW1) about the window's linear trend, descending"}),
            "raw_covariance_eigenvalues": (two, np.stack(out["raw_gamma"]), {"long_name": "eigenvalues of the window covariance of vec dW1 (about its mean)"}),
            "loss_curvature": (two, np.stack(out["curv"]), {"long_name": "dL(theta [v_i]) / theta^2 at the window means"}),
            "theory_covariance_eigenvalues": (two, np.stack(out["th_gamma"]), {"long_name": "eigenvalues of cov(vec dW1) of the linear theory (3.31a)"}),
            "theory_loss_curvature": (two, np.stack(out["th_curv"]), {"long_name": "dL(theta [v_i]) / theta^2 along the linear theory's eigenvectors"}),
            "D2": ("seed", D2, {"long_name": "|W2|^2 at the window mean (3.23b)"}),
            "flat_level": ("seed", 0.5 * sigma_x2 * D2, {"long_name": "1/2 sigma_x^2 D2: dL / theta^2 along any v = V kron u, |u| = 1 (whitened inputs)"}),
        },
        coords={"seed": runs.seed.values, "mode": np.arange(n_hidden * n_in), "N": n_in, "P": P, "n_hidden": n_hidden},
        attrs=io.provenance(provenance, label_noise_variance=label_noise_variance, **info),
    )
    io.write_netcdf(_dimensionless(ds), output)


# ------------------------------------------------------------------------------------------------ summary
def summarize(statistics_paths: list[str], output: str, *, cases: list[str], provenance: dict) -> None:
    """The cases of one panel stacked along `case`, with each case's run settings as coordinates."""
    parts = [io.open_dataset(p) for p in statistics_paths]
    settings = {k: ("case", [p.attrs[k] for p in parts]) for k in ("method", "learning_rate", "batch_size", "time_per_step", "window_time")}
    summary = io.stack_points([p.drop_attrs() for p in parts], dim="case", labels=cases, join="outer").assign_coords(settings)
    summary.attrs = io.provenance(provenance, label_noise_variance=parts[0].attrs["label_noise_variance"])
    io.write_netcdf(io.keep_variable_attrs(summary, parts), output)


# ------------------------------------------------------------------------------------------------- claims
def _mode_agreement(ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Per-mode mean and SE over seeds of a ratio (seed, mode), and max |mean - 1| / SE with its Bonferroni t limit."""
    m, se = mean_and_sem(ratio)
    t, limit = claimsmod.max_abs_t(m - 1, se, ratio.shape[0])
    return m, se, t, limit


def _ratio_summary(m: np.ndarray) -> str:
    shares = ", ".join(f"{100 * np.mean(np.abs(m - 1) < x):.0f} % within {100 * x:g} %" for x in (0.1, 0.2, 0.5))
    return f"median {np.median(m):.3g}, range {m.min():.3g} .. {m.max():.3g} ({shares})"


def _panel_a_rows(rows, a):
    quote = dict(kind=claimsmod.PAPER_CLAIM, location="Sec. III C 3, paragraph after Eq. (3.37)",
                 quote="Numerical experiments with SGD in the large batch regime as well as with SGF agree well with this prediction")
    printed_quote = dict(kind=claimsmod.PAPER_CLAIM, location="Fig. 9 caption, panel (a); Eq. (3.37)",
                         quote="also the approximation [see Eq. (3.37)] in terms of the eigenvalues of the covariance")
    for case in [c for c in ("sgd", "sgf", "sgf_small_noise") if c in a.case.values]:
        c = a.sel(case=case).dropna("seed", how="all")
        n, k = c.sizes["seed"], c.sizes["mode"]
        label = f"{case.upper()} (N_i = {int(c.N)}, N_h = {k}, P = {int(c.P)}, lambda = {float(c.learning_rate):g}, S = {int(c.batch_size)}, {n} seeds)"
        ratio = (c.loss_curvature / c.exact_curvature).values
        m, se, t, limit = _mode_agreement(ratio)
        window = c.finite_window_ratio.values  # (3.37) along a finite window's eigenvectors (Monte Carlo of the linear theory)
        w_mean, w_sem = mean_and_sem(ratio - window)
        t_window = claimsmod.max_abs_t(w_mean, w_sem, n)[0]
        w_effect = float(np.median(np.abs(window.mean(axis=0) - 1)))
        rival = (c.printed_curvature / c.exact_curvature).values.mean(axis=0)  # D2 / (D1 + D2)
        tol = limit * float(np.median(se))
        effect = float(np.median(np.abs(1 - rival)))
        rows.add(f"fig9a_exact_{case}", "9a",
                 f"{label}: dL(theta a_i) = 1/2 sigma_x^2 theta^2 D1_ii along the eigenvectors a_i of cov(dW2) (3.37, exact form)",
                 "dL(theta a_i) / theta^2 from the loss at the window means over 1/2 sigma_x^2 D1_ii of those means, per mode (mean +- SE over seeds): "
                 f"{_ratio_summary(m)}; max |ratio - 1| / SE = {t:.2f}",
                 f"max |t| = {t:.2f}", "ratio 1 on every mode",
                 f"max |t| <= {limit:.2f} (Bonferroni over {k} modes, t over {n} seeds; median tolerance {tol:.2g} of the ratio)",
                 t <= limit, power=claimsmod.power(tol, effect, "the printed M22 form, low by D2/(D1 + D2) (median over modes)"),
                 loose=(abs(float(np.median(m)) - 1) < AGREE_LIMIT, f"reading 'agree well': the median mode's ratio within {100 * AGREE_LIMIT:g} % of 1"),
                 **quote)
        rows.add(f"fig9a_finite_window_{case}", "9a",
                 f"{label}: the measured dL(theta a_i) / theta^2 equals (3.37) evaluated along the eigenvectors of the linear theory's covariance over a "
                 "window of the same length and sampling (the modes a finite window resolves)",
                 "per mode, measured ratio to the exact form minus the ratio a Monte Carlo of the linear theory's z2 = dW2 A (independent OU processes, "
                 f"variances M22 (3.34), rates sigma_x^2 (D1_k + D2), {FINITE_WINDOW_REPLICATES} windows per seed, detrended like the data) gives "
                 f"(mean +- SE over seeds); the Monte Carlo ratio itself: {_ratio_summary(window.mean(axis=0))}",
                 f"max |t| = {t_window:.2f}", "0 on every mode", f"max |t| <= {limit:.2f} (Bonferroni over {k} modes, t over {n} seeds)",
                 t_window <= limit, power=claimsmod.power(limit * float(np.median(w_sem)), w_effect, "(3.37) along the exact modes (no finite-window mixing)"),
                 kind=claimsmod.CONSISTENCY_CHECK)
        mp, sep, tp, _ = _mode_agreement((c.loss_curvature / c.printed_curvature).values)
        rows.add(f"fig9a_m22_form_{case}", "9a",
                 f"{label}: dL(theta a_i) = (S sigma_x^2 D2 / (lambda sigma_y^2)) theta^2 M22_ii, (3.37) written through M22 (3.34)",
                 f"measured dL(theta a_i) / theta^2 over the printed form with M22 of (3.34) at the window means, per mode: {_ratio_summary(mp)}; "
                 f"over the exact form: max |t| = {t:.2f}",
                 f"max |t| = {tp:.2f}", "ratio 1 on every mode (printed form)",
                 f"max |t| <= {limit:.2f} (Bonferroni over {k} modes, t over {n} seeds)", tp <= limit,
                 power=claimsmod.power(limit * float(np.median(sep)), float(np.median(np.abs(1 - 1 / rival))), "the exact form (3.37)"),
                 erratum=(t <= limit, "1/2 sigma_x^2 theta^2 D1_ii = printed form x (D1_ii + D2) / D2 (formulas.md): ratio 1 to the exact form"),
                 **printed_quote)
        half = c.half_loss_curvature.sum("mode").values  # (seed, half): 1/2 tr(W1 H W1^T) at each half's means
        change = half[:, 1] / half[:, 0] - 1
        d_mean, d_sem = mean_and_sem(change)
        # Ito drift of W1 W1^T orthogonal to W2 (our estimate): -lambda sigma_y^2 sigma_x^2 / S per unit time, over T/2
        predicted = float(c.learning_rate) * float(a.attrs["label_noise_variance"]) / (float(c.N) * int(c.batch_size)) * float(c.window_time) / 2
        rows.add(f"fig9a_transient_{case}", "9a",
                 f"{label}: dL(theta a_i) slowly diminishes with time (the transient weight dynamics)",
                 "relative change of sum_i dL(theta a_i) / theta^2 (= 1/2 tr W1 H W1^T) from the first to the second half of the window, along the window's a_i "
                 f"(mean +- SE over seeds); window T = {float(c.window_time):g} in continuum time",
                 claimsmod.format_mean_sem(d_mean, d_sem), "negative (a decrease)", f"mean + 3 SE < 0 (3 SE = {3 * d_sem:.2g})",
                 d_mean + 3 * d_sem < 0,
                 power=claimsmod.power(3 * d_sem, predicted, "no change; effect: the Ito drift of W1 W1^T off W2, lambda sigma_y^2 sigma_x^2 T / (2S) (our estimate)"),
                 kind=claimsmod.PAPER_CLAIM, location="Sec. III C 3, paragraph after Eq. (3.37)",
                 quote="we observe that dL slowly diminishes with time, while remaining consistent with the IVFR")
    # The factor of (3.37) itself, free of any window: the loss evaluated directly along the linear theory's modes
    c = a.sel(case="sgd").dropna("seed", how="all")
    n_samples = int(c.P)
    direct, exact, printed = c.theory_mode_curvature.values, c.exact_curvature.values, c.printed_curvature.values
    finite_p = 5 * np.sqrt(2 / n_samples)  # u^T Sigma^xx u / (sigma_x^2 |u|^2) of a fixed u on P samples: 1 +- sqrt(2/P)
    to_exact, to_printed = np.abs(direct / exact - 1).max(), np.abs(direct / printed - 1)
    rows.add("fig9a_m22_form_linear_theory", "9a",
             f"At each SGD seed's window-mean weights ({c.sizes['seed']} seeds, N_i = {int(c.N)}, N_h = {c.sizes['mode']}, P = {n_samples}): dL(theta A_i) "
             "along the linear theory's eigenvectors of cov(dW2) (the columns A_i of A, 3.31b) equals (3.37) through M22, (S sigma_x^2 D2 / (lambda "
             "sigma_y^2)) theta^2 M22_ii",
             "dL(theta A_i) / theta^2 from the loss (3.1) on the run's data, over the printed form, every mode and seed: "
             f"median {np.median(direct / printed):.3g}, range {(direct / printed).min():.3g} .. {(direct / printed).max():.3g}; over the exact form "
             f"1/2 sigma_x^2 D1_ii: max |ratio - 1| = {to_exact:.2g}",
             f"max |ratio - 1| to the printed form = {to_printed.max():.3g}", "ratio 1 (printed form)",
             f"max |ratio - 1| <= {finite_p:.2g} (5 x sqrt(2/P): the finite-P spread of u^T Sigma^xx u / sigma_x^2 |u|^2)",
             bool(to_printed.max() <= finite_p),
             power=claimsmod.power(finite_p, float(np.median(np.abs(exact / printed - 1))),
                                   "the exact form 1/2 sigma_x^2 D1_ii (median |exact / printed - 1| = D1_ii / D2 over modes)"),
             erratum=(bool(to_exact <= finite_p), f"1/2 sigma_x^2 theta^2 D1_ii = printed x (D1_ii + D2) / D2: measured max |ratio - 1| = {to_exact:.2g}"),
             **printed_quote)
    # SGD and the SGF runs share the data and the initial weights (one stream key): compare them seed by seed
    effect = float(np.median(np.abs(1 - (a.printed_curvature / a.exact_curvature).sel(case="sgd").mean("seed").values)))
    pairs = [("sgd", "sgf", "fig9a_sgd_vs_sgf", "SGD and the SGF (Wick noise, 3.12) at the same lambda and S give the same dL(theta a_i) / "
              "(1/2 sigma_x^2 theta^2 D1_ii) mode by mode", "a difference as large as the printed form's error", effect)]
    if "sgf_half_dt" in a.case.values:
        c0 = a.sel(case="sgf")
        dt = float(c0.time_per_step)
        bound = 0.5 * dt / float(c0.N) * float((c0.D1.isel(mode=0) + c0.D2).mean())  # relative EM error of the fastest mode's decay per step
        pairs.append(("sgf", "sgf_half_dt", "fig9a_sgf_dt", f"The SGF statistic does not change when dt is halved (dt = {dt:g} -> {dt / 2:g})",
                      "the O(dt) Euler-Maruyama error dt sigma_x^2 (D1_max + D2) / 2 of the fastest mode", bound))
    for first, second, claim_id, statement, rival, rival_effect in pairs:
        c0, c1 = a.sel(case=first), a.sel(case=second)
        difference = (c0.loss_curvature / c0.exact_curvature - c1.loss_curvature / c1.exact_curvature).dropna("seed", how="all").values
        d_mean, d_sem = mean_and_sem(difference)
        t, limit = claimsmod.max_abs_t(d_mean, d_sem, difference.shape[0])
        rows.add(claim_id, "9a", statement,
                 f"per-mode difference of the ratios {first} - {second}, seed by seed (same data and initial weights), mean +- SE over seeds: "
                 f"max |t| = {t:.2f}; median difference {np.median(d_mean):.3g}",
                 f"max |t| = {t:.2f}", "0 on every mode", f"max |t| <= {limit:.2f} (Bonferroni over {d_mean.size} modes, t over {difference.shape[0]} seeds)",
                 t <= limit, power=claimsmod.power(limit * float(np.median(d_sem)), rival_effect, rival), kind=claimsmod.CONSISTENCY_CHECK)


def _panel_b_rows(rows, b):
    flat_quote = dict(kind=claimsmod.PAPER_CLAIM, location="Sec. III C 3, paragraph before Sec. III D",
                      quote="we do not observe any dependence on the mode index i")
    for case in [c for c in ("sgd", "sgf", "sgf_small_noise") if c in b.case.values]:
        c = b.sel(case=case).dropna("seed", how="all")
        n, k = c.sizes["seed"], int(c.N)
        label = f"{case.upper()} (N_i = {k}, N_h = {int(c.n_hidden)}, P = {int(c.P)}, lambda = {float(c.learning_rate):g}, S = {int(c.batch_size)}, {n} seeds)"
        gamma, curv = c.covariance_eigenvalues.values, c.loss_curvature.values
        slope, r2 = log_slopes(gamma[:, :k], curv[:, :k])
        s_mean, s_sem = mean_and_sem(slope)
        tol = SLOPE_LIMIT + 3 * s_sem
        level = curv[:, :k].mean(axis=1) / c.flat_level.values
        l_mean, l_sem = mean_and_sem(level)
        rows.add(f"fig9b_flat_{case}", "9b",
                 f"{label}: dL(theta v_i) along the eigenvectors v_i of cov(vec dW1) does not depend on i for i <= N_i (no IVFR for W1)",
                 f"log-log slope of dL(theta v_i) / theta^2 against the eigenvalue gamma_i over i <= N_i (mean +- SE over seeds; R^2 = {np.mean(r2):.2f}); "
                 f"the level over 1/2 sigma_x^2 D2: {claimsmod.format_mean_sem(l_mean, l_sem)}",
                 claimsmod.format_mean_sem(s_mean, s_sem), f"|slope| < {SLOPE_LIMIT} (an IVFR with psi = 2: +1)",
                 f"|mean| < {SLOPE_LIMIT} (reading: a quarter of the IVFR exponent); power tolerance {SLOPE_LIMIT} + 3 SE = {tol:.2g}",
                 abs(s_mean) < SLOPE_LIMIT, power=claimsmod.power(tol, 1.0, "an IVFR for W1 (slope +1)"), **flat_quote)
        drop = curv[:, k : 2 * k].mean(axis=1) / curv[:, :k].mean(axis=1)
        d_mean, d_sem = mean_and_sem(drop)
        rows.add(f"fig9b_drop_{case}", "9b",
                 f"{label}: dL(theta v_i) is bimodal, dropping at i = N_i to a smaller nonzero level",
                 "mean dL(theta v_i) / theta^2 over N_i < i <= 2 N_i over its mean over i <= N_i (mean +- SE over seeds)",
                 claimsmod.format_mean_sem(d_mean, d_sem), "between 0 and 1", "mean + 3 SE < 1 and mean - 3 SE > 0",
                 bool(d_mean + 3 * d_sem < 1 and d_mean - 3 * d_sem > 0), power=claimsmod.power(3 * d_sem, 1 - d_mean if d_mean < 1 else 1.0, "no drop (ratio 1)"),
                 kind=claimsmod.PAPER_CLAIM, location="Fig. 9 caption, panel (b)",
                 quote="The corresponding drop of dL at i = N_i is captured by the nonlinear stochastic gradient flow simulations")
        # G20: the spectrum drops abruptly after N_i to a smaller nonzero level
        # "abrupt": the step at N_i against the steps within the upper level (the last STEPS_BELOW below N_i); beyond
        # N_i the eigenvalues keep decreasing with the index (Sec. III C 2, Fig. 8), so the steps above are no reference
        step = gamma[:, k] / gamma[:, k - 1]
        below = (gamma[:, k - STEPS_BELOW : k] / gamma[:, k - STEPS_BELOW - 1 : k - 1]).mean(axis=1)
        above = gamma[:, k + 1] / gamma[:, k]
        (st_m, st_s), (be_m, be_s), (ab_m, ab_s) = (mean_and_sem(x) for x in (step, below, above))
        lv_m, lv_s = mean_and_sem(gamma[:, k : 2 * k].mean(axis=1) / gamma[:, :k].mean(axis=1))
        raw = c.raw_covariance_eigenvalues.values
        raw_step = mean_and_sem(raw[:, k] / raw[:, k - 1])
        neighbour = be_m - 3 * be_s
        rows.add(f"fig9b_spectrum_drop_{case}", "9b (inset)",
                 f"{label}: the eigenvalues of cov(vec dW1) drop abruptly for i > N_i to a smaller, nonzero level (the linear theory: zero)",
                 f"gamma_(N_i+1) / gamma_(N_i) against the mean step gamma_(j+1) / gamma_j over the {STEPS_BELOW} steps below N_i = "
                 f"{claimsmod.format_mean_sem(be_m, be_s)} (the next step, gamma_(N_i+2) / gamma_(N_i+1) = {claimsmod.format_mean_sem(ab_m, ab_s)}); level mean gamma over N_i < i <= 2 N_i over the mean over i <= N_i "
                 f"= {claimsmod.format_mean_sem(lv_m, lv_s)} (covariance about the window's trend; the raw window covariance's step: "
                 f"{claimsmod.format_mean_sem(*raw_step)}); linear theory: {float(np.mean(c.theory_covariance_eigenvalues.values[:, k] / c.theory_covariance_eigenvalues.values[:, k - 1])):.1g}",
                 claimsmod.format_mean_sem(st_m, st_s), "below the steps within the upper level; level > 0",
                 f"step + 3 SE < mean step below N_i - 3 SE (= {neighbour:.3g}) and level - 3 SE > 0",
                 bool(st_m + 3 * st_s < neighbour and lv_m - 3 * lv_s > 0),
                 power=claimsmod.power(3 * st_s, 1 - st_m if st_m < 1 else 1.0, "no drop at N_i (step 1)"),
                 kind=claimsmod.PAPER_CLAIM, location="Fig. 9 caption, inset of panel (b)",
                 quote="For i > N_i, the eigenvalues abruptly drop to a smaller level, while they are predicted to vanish according to the linear model")
    c = b.sel(case="sgd").dropna("seed", how="all")
    k = int(c.N)
    theory_curv = c.theory_loss_curvature.values
    th_drop = theory_curv[:, k : 2 * k].mean(axis=1) / theory_curv[:, :k].mean(axis=1)
    t_mean, t_sem = mean_and_sem(th_drop)
    sgd_drop = mean_and_sem(c.loss_curvature.values[:, k : 2 * k].mean(axis=1) / c.loss_curvature.values[:, :k].mean(axis=1))[0]
    th_level = mean_and_sem(theory_curv[:, :k].mean(axis=1) / c.flat_level.values)
    rows.add("fig9b_linear_theory_flat", "9b",
             "The linear theory (3.30, 3.31a) gives a flat dL(theta v_i) along its own eigenvectors, without the drop at i = N_i",
             "mean dL(theta v_i) / theta^2 over N_i < i <= 2 N_i over its mean over i <= N_i, v_i the eigenvectors of the theory's cov(vec dW1) at the SGD window "
             f"means (mean +- SE over seeds); its level over i <= N_i is {claimsmod.format_mean_sem(*th_level)} x 1/2 sigma_x^2 D2. Beyond N_i the theory's "
             "eigenvalues vanish and its eigenvectors span the directions with W2 [v] = 0, along which the loss does not change",
             claimsmod.format_mean_sem(t_mean, t_sem), "1 (flat)", "|mean - 1| <= 3 SE", claimsmod.within(t_mean - 1, t_sem),
             power=claimsmod.power(3 * t_sem, 1 - sgd_drop, "the drop SGD shows"),
             kind=claimsmod.PAPER_CLAIM, location="Fig. 9 caption, panel (b)",
             quote="while the linear theory [solid line in (b)] instead predicts a flat profile")


def claims(summary_a_path: str, summary_b_path: str, output: str) -> None:
    """Claim rows of Fig. 9 (see README, 'How claims are judged')."""
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. III C 3")
    _panel_a_rows(rows, io.open_dataset(summary_a_path))
    _panel_b_rows(rows, io.open_dataset(summary_b_path))
    rows.write(output)
