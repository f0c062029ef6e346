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
from ... import io, seeding
from ...statistics import mean_and_sem, rayleigh_quotients, sorted_eigh
from .. import theory_sec2 as theory
from ..runs import open_runs

CASES = {"iid": "6a", "wishart": "6b", "random_labels": "6 (text)"}
SLOPE_LIMIT = 0.25  # reading of "not in any significant way": |log-log slope| below a quarter of the IVFR (+1) and equipartition (-1) exponents
ALPHAS = (0.5, 0.2, 0.1, 0.05)  # "essentially unrelated" on a curve: share of eigenvectors above the random bases' (1 - alpha) overlap quantile
HAAR_DRAWS = 1000  # random orthonormal bases for the null distribution (Monte Carlo SE of a share ~ sd / 30)
ALIGNMENT_LIMIT = 0.1  # looser reading of "essentially unrelated": alignment below 10 % of the way from random (0) to aligned (1)
A_THRESHOLDS = (0.05, 0.1, 0.2, 0.5)  # the alignment's curve of readings, reported with every row
SUPERIMPOSE_LIMIT = 0.2  # looser reading of "superimpose": every curve within 20 % of theta^2 sigma_x^2 / 2


# ------------------------------------------------------------------------------------- statistics
def extract_statistics(data_path: str, train_paths: list[str], output: str, *, theta_stop: float, theta_num: int, provenance: dict) -> None:
    """Per run: eigenvalues gamma_i and eigenvectors v_i of M_SGD = <(w - w*)(w - w*)^T> over the window, the
    curvature v_i^T H v_i, the overlap of v_i with the eigenvectors of H, and the loss perturbation dL(theta v_i)
    evaluated from the loss."""
    runs = open_runs(train_paths)
    data = io.open_dataset(data_path).sel(seed=runs.seed)
    X, y, w_star = data.inputs.values, data.labels.values, data.teacher_solution.values
    theta = np.linspace(-theta_stop, theta_stop, theta_num)
    gamma, curvature, overlap, perturbation = [], [], [], []
    for s in range(X.shape[0]):
        values, vectors = sorted_eigh(runs.second_moment.values[s])
        H = theory.hessian(X[s])
        gamma.append(values)
        curvature.append(rayleigh_quotients(H, vectors))
        overlap.append(hessian_overlap(vectors, H))
        perturbation.append(theory.loss_perturbation(X[s], y[s], w_star[s], vectors, theta))
    ds = xr.Dataset(
        {
            "covariance_eigenvalues": (("seed", "mode"), np.stack(gamma), {"long_name": "eigenvalues gamma_i of M_SGD, descending", "units": "1"}),
            "curvature": (("seed", "mode"), np.stack(curvature), {"long_name": "v_i^T H v_i along the eigenvectors of M_SGD", "units": "1"}),
            "hessian_overlap": (("seed", "mode"), np.stack(overlap), {"long_name": "max_k (v_i . h_k)^2, v_i of M_SGD, h_k of H", "units": "1"}),
            "loss_perturbation": (("seed", "mode", "theta"), np.stack(perturbation), {"long_name": "dL(theta v_i) = L(w* + theta v_i) - L(w*), Eq. (2.35)", "units": "1"}),
        },
        coords={"seed": runs.seed.values, "mode": np.arange(X.shape[2]), "theta": theta, "N": data.N, "P": data.P},
        attrs=io.provenance(provenance, n_records=runs.attrs["n_records"], measure_steps=runs.attrs["measure_steps"]),
    )
    io.write_netcdf(ds, output)


def hessian_overlap(vectors: np.ndarray, hessian_matrix: np.ndarray) -> np.ndarray:
    """Per column v_i of `vectors`: max_k (v_i . h_k)^2 over the eigenvectors h_k of H; 1 if v_i is an eigenvector of
    H, about 2 ln N / N if it is unrelated to them."""
    _, h = np.linalg.eigh(hessian_matrix)
    return np.max((vectors.T @ h) ** 2, axis=1)


def haar_basis(rng: np.random.Generator, N: int) -> np.ndarray:
    """A uniformly (Haar) random orthonormal basis, as columns (QR with the sign fix that makes it Haar)."""
    q, r = np.linalg.qr(rng.standard_normal((N, N)))
    return q * np.sign(np.diag(r))


def haar_alignment_null(rng: np.random.Generator, N: int, alphas, draws: int) -> dict:
    """The alignment statistics of eigenvectors unrelated to those of H, by Monte Carlo over Haar-random bases V (the
    overlaps of V with any fixed basis are those of V with the unit vectors, V^T W being Haar again):
    the (1 - alpha) quantile of one vector's max overlap, the standard deviation over bases of the share of their N
    vectors above it (vectors of one basis are dependent), the mean max overlap and its standard deviation over bases."""
    overlaps = np.stack([np.max(haar_basis(rng, N) ** 2, axis=0) for _ in range(draws)])  # (draw, vector)
    quantile = np.quantile(overlaps, 1 - np.asarray(alphas, dtype=float))
    shares = (overlaps[:, :, None] > quantile).mean(axis=1)
    basis_mean = overlaps.mean(axis=1)
    return {"quantile": quantile, "share_sd": shares.std(axis=0, ddof=1), "mean": float(basis_mean.mean()), "mean_sd": float(basis_mean.std(ddof=1))}


def random_basis_largest_deviation(rng: np.random.Generator, hessian_matrix: np.ndarray, reference: float, draws: int) -> float:
    """Mean over Haar-random orthonormal bases of max_i |v_i^T H v_i / reference - 1|: how far the curves of Fig. 6a
    stray from the i.i.d. prediction if the v_i are unrelated to H (it vanishes as P -> infinity, H -> sigma_x^2 1)."""
    N = hessian_matrix.shape[0]
    return float(np.mean([np.max(np.abs(rayleigh_quotients(hessian_matrix, haar_basis(rng, N)) / reference - 1)) for _ in range(draws)]))


# ----------------------------------------------------------------------------------------- theory
def evaluate_theory(data_path: str, output: str, *, learning_rate: float, batch_size: int, theta_stop: float, key: str, data_seed: int,
                    provenance: dict) -> None:
    """Per realization: the i.i.d. prediction (1/2) sigma_x^2 theta^2 with sigma_x^2 = tr Sigma / N, the mean and the
    random-direction spread of v^T H v, the eigenvalues of H, the same statistics for the eigenvectors of the exact
    stationary M, the perturbed loss along the feature axes e_i, and the null distributions of random bases."""
    data = io.open_dataset(data_path)
    X, y, w_star = data.inputs.values, data.labels.values, data.teacher_solution.values
    n_seeds, P, N = X.shape
    rng = seeding.generator(data_seed, key, seeding.point_label(N=N, P=P), 0, "haar_null")
    null = haar_alignment_null(rng, N, ALPHAS, HAAR_DRAWS)
    feature_variance = np.trace(data.input_covariance.values, axis1=1, axis2=2) / N
    out = {k: [] for k in ("mean", "spread", "gamma", "curvature", "overlap", "hessian", "random_deviation", "feature")}
    for s in range(n_seeds):
        H = theory.hessian(X[s])
        out["mean"].append(np.trace(H) / N)
        out["spread"].append(theory.random_direction_curvature_spread(H))
        out["hessian"].append(np.linalg.eigvalsh(H)[::-1])
        values, vectors = sorted_eigh(theory.discrete_sgd_covariance(X[s], y[s], learning_rate, batch_size))
        out["gamma"].append(values)
        out["curvature"].append(rayleigh_quotients(H, vectors))
        out["overlap"].append(hessian_overlap(vectors, H))
        out["random_deviation"].append(random_basis_largest_deviation(rng, H, feature_variance[s], HAAR_DRAWS // 10))
        out["feature"].append(2 * theory.loss_perturbation(X[s], y[s], w_star[s], np.eye(N), np.array([theta_stop]))[:, 0] / theta_stop**2)
    ds = xr.Dataset(
        {
            "feature_variance": ("seed", feature_variance, {"long_name": "sigma_x^2 = tr Sigma / N", "units": "1"}),
            "population_feature_variances": (("seed", "mode"), np.diagonal(data.input_covariance.values, axis1=1, axis2=2),
                                             {"long_name": "Sigma_ii: the variance of feature i", "units": "1"}),
            "feature_perturbation": (("seed", "mode"), np.stack(out["feature"]), {"long_name": "2 dL(theta e_i) / theta^2 from the loss at w*", "units": "1"}),
            "mean_curvature": ("seed", np.array(out["mean"]), {"long_name": "tr H / N: mean of v^T H v over any orthonormal basis", "units": "1"}),
            "random_curvature_spread": ("seed", np.array(out["spread"]), {"long_name": "standard deviation of v^T H v over random unit vectors", "units": "1"}),
            "hessian_eigenvalues": (("seed", "mode"), np.stack(out["hessian"]), {"long_name": "eigenvalues of H, descending", "units": "1"}),
            "random_largest_deviation": ("seed", np.array(out["random_deviation"]), {"long_name": "max_i |v_i^T H v_i / sigma_x^2 - 1|, mean over Haar bases", "units": "1"}),
            "exact_covariance_eigenvalues": (("seed", "mode"), np.stack(out["gamma"]), {"long_name": "eigenvalues of the exact stationary M (discrete SGD), descending", "units": "1"}),
            "exact_curvature": (("seed", "mode"), np.stack(out["curvature"]), {"long_name": "v_i^T H v_i along the eigenvectors of the exact M", "units": "1"}),
            "exact_hessian_overlap": (("seed", "mode"), np.stack(out["overlap"]), {"long_name": "max_k (v_i . h_k)^2, v_i of the exact M", "units": "1"}),
            "haar_overlap_quantile": ("alpha", null["quantile"], {"long_name": "(1 - alpha) quantile of max_k (v . h_k)^2 for a random unit vector", "units": "1"}),
            "haar_share_sd": ("alpha", null["share_sd"], {"long_name": "sd over random bases of the share of vectors above that quantile", "units": "1"}),
            "haar_mean_overlap": ((), null["mean"], {"long_name": "mean max overlap of a random basis", "units": "1"}),
            "haar_mean_overlap_sd": ((), null["mean_sd"], {"long_name": "sd over random bases of their mean max overlap", "units": "1"}),
        },
        coords={"seed": data.seed.values, "mode": np.arange(N), "alpha": list(ALPHAS), "N": data.N, "P": data.P},
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


def alignment(overlap: np.ndarray, c: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per run (rows of `overlap`, (seed, mode)): the share of eigenvectors whose max overlap with H's eigenvectors
    exceeds the random bases' (1 - alpha) quantile, per alpha (seed, alpha) - alpha if unrelated, 1 if aligned - and
    the alignment A = (mean max overlap - random) / (1 - random), 0 if unrelated, 1 if aligned."""
    shares = (overlap[:, :, None] > c.haar_overlap_quantile.values).mean(axis=1)
    random = float(c.haar_mean_overlap)
    return shares, (overlap.mean(axis=1) - random) / (1 - random)


def feature_slope(perturbation: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """Per run: least-squares slope of 2 dL(theta e_i) / theta^2 against the feature variance Sigma_ii (1 if the
    loss perturbation reveals the feature variance, 0 for the i.i.d. prediction's flat sigma_x^2)."""
    return np.array([np.polyfit(v, p, 1)[0] for p, v in zip(perturbation, variances)])


def claims(summary_path: str, output: str) -> None:
    """Claim rows of Fig. 6 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. II C 2")
    premise = dict(kind=claimsmod.PAPER_CLAIM, location="Sec. II C 2, paragraph after Eq. (2.35)",
                   quote="the eigenvectors of these matrices can be considered as essentially unrelated here")
    no_ivfr = dict(kind=claimsmod.PAPER_CLAIM, location="Sec. II C 2, paragraph after Eq. (2.35)",
                   quote="we thus do not expect dL(theta v) to depend in any significant way on the covariance eigenvalues")
    for case in ds.case.values:
        c = ds.sel(case=case).dropna("seed", how="all").dropna("mode", how="all")
        figure, N, P, n = CASES[str(case)], int(c.N), int(c.P), c.sizes["seed"]
        label = f"{case} (N = {N}, P = {P}, {n} runs)"
        # no IVFR: log-log slope of the curvature against the covariance eigenvalue
        slope, r2 = log_slopes(c.covariance_eigenvalues.values, c.curvature.values)
        e_slope = log_slopes(c.exact_covariance_eigenvalues.values, c.exact_curvature.values)[0]
        s_mean, s_sem = mean_and_sem(slope)
        tol = SLOPE_LIMIT + 3 * s_sem
        rows.add(f"fig6_no_ivfr_{case}", figure,
                 f"{label}: the loss perturbation dL(theta v_i) does not depend in any significant way on the covariance eigenvalue gamma_i (no IVFR for a single layer)",
                 "log-log slope of dL(theta v_i)/theta^2 = v_i^T H v_i / 2 against gamma_i, eigenvectors of M_SGD (mean +- SE over runs; "
                 f"variance share explained R^2 = {np.mean(r2):.3f}); same for the exact stationary M: {claimsmod.format_mean_sem(*mean_and_sem(e_slope))}",
                 claimsmod.format_mean_sem(s_mean, s_sem), f"|slope| < {SLOPE_LIMIT} (IVFR psi = 2: +1; equipartition: -1)",
                 f"|mean| < {SLOPE_LIMIT} (reading: a quarter of the rival exponents); power tolerance {SLOPE_LIMIT} + 3 SE = {tol:.2g}",
                 abs(s_mean) < SLOPE_LIMIT, power=claimsmod.power(tol, 1.0, "an IVFR (slope +1, Sec. III) or equipartition (slope -1)"), **no_ivfr)
        # the premise, on the exact M and on SGD's M: alignment against random orthonormal bases
        share_sd = c.haar_share_sd.values / np.sqrt(n)
        for source, overlap in (("exact", c.exact_hessian_overlap.values), ("sgd", c.hessian_overlap.values)):
            shares, A = alignment(overlap, c)
            sh_mean, sh_sem = mean_and_sem(shares)
            a_mean, a_sem = mean_and_sem(A)
            a_null = float(c.haar_mean_overlap_sd) / (1 - float(c.haar_mean_overlap)) / np.sqrt(n)
            limit = claimsmod.bonferroni_t_limit(10**6, len(ALPHAS))  # normal limit, family of the alpha grid
            strict = bool(np.all(np.abs(sh_mean - np.asarray(ALPHAS)) <= limit * share_sd))
            curve = ", ".join(f"{100 * a:g} %: {claimsmod.format_mean_sem(m, e)}" for a, m, e in zip(ALPHAS, sh_mean, sh_sem))
            which = "the exact stationary M (discrete moment equation)" if source == "exact" else "M_SGD (sample covariance of the window)"
            a_upper = a_mean + 3 * max(a_sem, a_null)
            holds_at = [f"{100 * t:g} %" for t in A_THRESHOLDS if a_upper < t] or ["none"]
            rows.add(f"fig6_eigenvectors_unrelated_{source}_{case}", figure,
                     f"{label}: the eigenvectors of {which} are essentially unrelated to those of H",
                     "share of eigenvectors whose largest squared overlap with an eigenvector of H exceeds the (1 - alpha) quantile of random "
                     f"orthonormal bases ({HAAR_DRAWS} Monte Carlo bases), alpha = {curve} (mean +- SE over runs); "
                     f"alignment A = (mean overlap - random)/(1 - random) = {claimsmod.format_mean_sem(a_mean, a_sem)} (0 unrelated, 1 aligned; "
                     f"A + 3 SE = {a_upper:.3g} is below the thresholds {', '.join(holds_at)} of {', '.join(f'{100 * t:g} %' for t in A_THRESHOLDS)})",
                     curve, "share = alpha at every alpha (random bases); aligned eigenvectors: share 1",
                     f"|share - alpha| <= {limit:.2f} x the random bases' SE over {n} runs ({', '.join(f'{x:.2g}' for x in share_sd)}; Bonferroni over the alpha grid)",
                     strict, power=claimsmod.power(limit * float(share_sd.max()), 1 - max(ALPHAS), "aligned eigenvectors (M a function of H, e.g. equipartition)"),
                     loose=(a_upper < ALIGNMENT_LIMIT, f"reading A + 3 SE < {ALIGNMENT_LIMIT} (A = 1 aligned)"), **premise)
        if case == "iid":
            # the curves superimpose: largest single-mode deviation from theta^2 sigma_x^2 / 2
            deviation = np.max(np.abs(c.curvature / c.feature_variance - 1), axis=1).values
            d_mean, d_sem = mean_and_sem(deviation)
            random = float(c.random_largest_deviation.mean())
            aligned = float(np.max(np.abs(c.hessian_eigenvalues / c.feature_variance - 1), axis=1).mean())
            exact = float(np.max(np.abs(c.exact_curvature / c.feature_variance - 1), axis=1).mean())
            rows.add("fig6a_superimpose", figure,
                     f"{label}: for large sample numbers the perturbed-loss curves dL(theta v_i) superimpose on theta^2 sigma_x^2 / 2",
                     "largest single-mode |v_i^T H v_i / sigma_x^2 - 1| over the eigenvectors of M_SGD (mean +- SE over runs); "
                     f"random orthonormal bases give {random:.3f} (vanishing as P -> infinity), the exact M's eigenvectors {exact:.3f}, H's eigenvectors {aligned:.3f}",
                     claimsmod.format_mean_sem(d_mean, d_sem), f"{random:.3f} (random orthonormal bases at this P)", f"random + 3 SE = {random + 3 * d_sem:.3g}",
                     d_mean <= random + 3 * d_sem, power=claimsmod.power(3 * d_sem, aligned - random, "curves spread like H's spectrum (v_i aligned with H)"),
                     loose=(d_mean + 3 * d_sem < SUPERIMPOSE_LIMIT, f"reading: every curve within {100 * SUPERIMPOSE_LIMIT:g} % of theta^2 sigma_x^2 / 2"),
                     kind=claimsmod.PAPER_CLAIM, location="Fig. 6 caption, panel (a)",
                     quote="The simulation results superimpose on the theoretical prediction dL = theta^2 sigma_x^2 / 2 (dashed curve) for large sample numbers")
        if case == "wishart":
            slope_f = feature_slope(c.feature_perturbation.values, c.population_feature_variances.values)
            f_mean, f_sem = mean_and_sem(slope_f)
            spread = float((c.population_feature_variances.std("mode") / c.population_feature_variances.mean("mode")).mean())
            rows.add("fig6_feature_variance_revealed", figure,
                     f"{label}: the loss perturbation along the feature axis e_i reveals the variance of feature i, dL(theta e_i) = theta^2 <x_i^2> / 2",
                     "least-squares slope of 2 dL(theta e_i)/theta^2 (from the loss at w*) against the population feature variance Sigma_ii, per run "
                     f"(mean +- SE over runs; the Sigma_ii spread by {100 * spread:.0f} % rms, sampling scatters H_ii by sqrt(2/P) = {100 * np.sqrt(2 / P):.0f} %)",
                     claimsmod.format_mean_sem(f_mean, f_sem), "1 (E H_ii = Sigma_ii)", f"3 SE = {3 * f_sem:.2g}", claimsmod.within(f_mean - 1, f_sem),
                     power=claimsmod.power(3 * f_sem, 1.0, "the i.i.d. prediction sigma_x^2 for every feature (slope 0)"),
                     kind=claimsmod.PAPER_CLAIM, location="Sec. II C 2, paragraph before Sec. III",
                     quote="i.e., the loss perturbation reveals the variance of the ith feature")
    rows.write(output)
