"""Gross et al. 2024, Fig. 8 (Sec. III C): the stationary weight covariances of the two-layer linear net (N_i = 30,
N_h = 20, N_o = 1) under SGD against the linear theory (3.30)-(3.34), evaluated at each seed's window-mean weights
W^0, for a small (b) and the standard (c) initialization, beside the same theory with i.i.d. Gaussian weights.

Stages: the two_layer runs -> evaluate_theory (per init: M, its blocks, spectra, ranks at W^0, at the window's half
means, and with i.i.d. weights) -> extract_statistics (per init: sample spectra of the window covariance, Rayleigh
quotients along the theory's eigenvectors, M in the SVD basis, the window's drift) -> summarize (both inits along
`init`) -> claims; gross2024.fig8.plot renders the figure.

Vectors of W1 are row-major (W1.ravel()), as the engine records them: [vec W1 (N_h N_i), W2 (N_h), loss].
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io, seeding
from ...statistics import mean_and_sem, rayleigh_quotients, sorted_eigh
from .. import theory_sec3 as theory
from ..two_layer_runs import open_runs

INITS = {"small_init": "8b", "standard_init": "8c"}
LEVEL_TEXT = "lambda sigma_y^2/(2S)"
NUMERICAL_TOLERANCE = 1e-8  # exact identities of the theory, evaluated in float64 on O(1) matrices
ZERO_BALANCED_READING = 0.1  # "rank 1" of a near zero-balanced W1 W1^T: participation ratio within 10 % of 1 (random init: ~N_h/2)
IID_READING = 0.2  # "closer to the shape implied for Gaussian i.i.d. elements": rms log-ratio to the i.i.d. curve below 0.2
ONE_MODE_READING = 0.5  # "essentially governed by a single independent mode": more than half of tr cov(dW2) in the top mode
TOP_MODES_EXCEPTED = 3  # (3.36) holds "except for the few largest eigenvalues": the top 3 are excused
APPROXIMATION_READING = 0.1  # (3.36) "approximates" (3.34) where the two differ by less than 10 %


# ------------------------------------------------------------------------------------- descriptions
# long_name and units of every variable written (io.describe). The theory's quantities of theory_at are named once here;
# evaluate_theory writes them as theory_<name> (at W^0) and half_<first|second>_<name> (at a half-window's mean weights).
# Weights, covariances, losses and D1, D2 are dimensionless ("1"); rates are per unit of continuum time t = lambda * step.
RATE_UNITS = "1/time"  # as gross2024.relaxation, whose theory_rate is the same sigma_x^2 omega_k
THEORY_TEXT = {
    "D1": ("D1: eigenvalues of W1 W1^T (3.23a), descending", "1"),
    "D2": ("D2 = W2 W2^T = |W2|^2 (3.23b)", "1"),
    "M": ("M = 1/2 Gamma^+ Lambda (3.30): stationary covariance <Z Z^T> in the SVD basis Z = (z1, z2) (3.27)", "1"),
    "m_eigenvalues": ("eigenvalues of M (3.30), descending (the nonzero ones lambda sigma_y^2/2S, (3.32))", "1"),
    "first_eigenvalues": ("the N_i nonzero eigenvalues of cov(vec dW1) = (V V^T) kron M11 (3.31a), descending", "1"),
    "first_vectors": ("eigenvectors (columns) of cov(vec dW1) (3.31a) of its N_i nonzero eigenvalues, row-major vec W1", "1"),
    "first_null_eigenvalue_max": ("largest |eigenvalue| of cov(vec dW1) (3.31a) beyond index N_i (0 but for rounding)", "1"),
    "second_eigenvalues": ("eigenvalues of cov(dW2) = A M22 A^T (3.31b), descending", "1"),
    "second_vectors": ("eigenvectors (columns) of cov(dW2) (3.31b)", "1"),
    "m22_exact": ("M22_ii = (lambda sigma_y^2/2S) D1_ii / (D1_ii + D2) (3.34), D1 descending", "1"),
    "m22_approximation": ("M22_ii ~ (lambda sigma_y^2/2S) D1_ii / D2 (3.36), valid where D1_ii << D2", "1"),
    "m22_offdiagonal": ("max |off-diagonal element of M22| / (lambda sigma_y^2/2S) (0 by (3.34))", "1"),
    "m22_diagonal_deviation": ("max |diag M22 - (3.34)| / (lambda sigma_y^2/2S)", "1"),
    "drift_eigenvalues": ("eigenvalues of Gamma / sigma_x^2 = J^T J (3.27), numerical, descending", "1"),
    "drift_eigenvalues_closed": ("eigenvalues of Gamma / sigma_x^2 in closed form (3.28): D1_k + D2, D2 (N_i - N_h times), 0 (N_h times)", "1"),
    "drift_diffusion_mismatch": ("max |Gamma / sigma_x^2 - Lambda / sigma_R^2| / max |Gamma / sigma_x^2| (0: Gamma proportional to Lambda, (3.27))", "1"),
    "rank_drift": ("rank of Gamma (3.27)", "count"),
    "rank_fluctuation": ("rank of M (3.30)", "count"),
    "rank_jacobian": ("rank of the Jacobian J of the product W2 W1 (3.24)", "count"),
    "rank_noise_first": ("rank of the noise covariance of vec dW1, sigma_R^2 (W2^T W2) kron 1 (3.21a)", "count"),
    "rank_noise_second": ("rank of the noise covariance of dW2, sigma_R^2 W1 W1^T (3.21b)", "count"),
    "noise_second_participation": ("participation ratio (sum d)^2 / sum d^2 of the eigenvalues d of the noise covariance of dW2 (3.21b)", "1"),
    "uncoupled_deviation": ("max |M_uncoupled / (lambda sigma_y^2/2S) - 1|, M (3.30) with the off-diagonal blocks of Gamma, Lambda removed "
                            "(Sec. III C 2, remark (1))", "1"),
    "relaxation_rates": ("relaxation rates sigma_x^2 omega_k of the modes chi_k = R^T Z (3.38)-(3.39), per unit of continuum time t = lambda * step, "
                         "descending", RATE_UNITS),
}
WINDOW_TEXT = {"first": "the theory's eigenvectors v_k of cov(vec dW1) at W^0", "second": "the theory's eigenvectors a_k of cov(dW2) at W^0",
               "modes": "the relaxation modes chi_k (3.38) at W^0"}


def _drift(of: str) -> str:
    return f"d the drift of {of} (its second-half minus its first-half window mean)"


STATISTICS_TEXT = {
    "sgd_first_eigenvalues": ("eigenvalues of SGD's window covariance C_SGD(vec dW1) (row-major vec), descending", "1"),
    "sgd_second_eigenvalues": ("eigenvalues of SGD's window covariance C_SGD(dW2), descending", "1"),
    "rayleigh_first": ("v_k^T C_SGD(vec dW1) v_k along the theory's eigenvectors v_k of cov(vec dW1) (3.31a) at W^0 (Rayleigh quotients)", "1"),
    "rayleigh_second": ("a_k^T C_SGD(dW2) a_k along the theory's eigenvectors a_k of cov(dW2) (3.31b) at W^0 (Rayleigh quotients)", "1"),
    "sgd_M": ("M_SGD = T C_SGD T^T: SGD's window covariance in the SVD basis Z = (z1, z2) at W^0, to set against M (3.30)", "1"),
    "mode_variance": ("<chi_k^2> of SGD: R^T M_SGD R along the relaxation modes chi_k (3.38), (3.42)", "1"),
    "drift_first_modes": (f"(v_k . d)^2 / 3 along the theory's eigenvectors v_k of cov(vec dW1), {_drift('vec W1')}: what a linear drift adds "
                          "to the window variance", "1"),
    "drift_second_modes": (f"(a_k . d)^2 / 3 along the theory's eigenvectors a_k of cov(dW2), {_drift('W2')}", "1"),
    "drift_modes": (f"(R^T T d)_k^2 / 3 along the relaxation modes chi_k (3.38), {_drift('(vec W1, W2)')}", "1"),
    "outside_range_share": ("share of tr C_SGD(vec dW1) outside the linear theory's range (V V^T) kron 1", "1"),
    "nonlinearity": ("max over layers of tr C_SGD(dW_l) / |W_l^0|^2: the size of the terms the linear theory drops", "1"),
    "drift_share_of_top": (f"|d|^2 / 3 over the top eigenvalue of C_SGD(vec dW1), {_drift('W1')}", "1"),
    "drift_top_overlap": (f"(e_1 . d)^2 / |d|^2, e_1 the top eigenvector of C_SGD(vec dW1), {_drift('W1')}", "1"),
    "drift_range_share": (f"share of |d|^2 in the linear theory's range (V V^T) kron 1, {_drift('W1')}", "1"),
    "drift_first": (f"|d| / |W1^0|, {_drift('W1')}", "1"),
    "drift_second": (f"|d| / |W2^0|, {_drift('W2')}", "1"),
    "loss_trace": ("training loss (3.1) on the trace grid", "1"),
}


def theory_descriptions() -> dict:
    """{variable: (long_name, units)} of evaluate_theory's file."""
    out = {f"theory_{name}": (f"{text}, at the window-mean weights W^0", units) for name, (text, units) in THEORY_TEXT.items()}
    out.update({f"half_{half}_{name}": (f"{text}, at the mean weights of the window's {half} half", units)
                for half in ("first", "second") for name, (text, units) in THEORY_TEXT.items()})
    out.update({f"theory_window_{name}": (f"the linear theory over the window: mean over its two halves h of x_k^T C_h x_k, C_h the weight-space "
                                          f"covariance (3.31) at the half's mean weights, x_k {text}", "1") for name, text in WINDOW_TEXT.items()})
    out.update({
        "iid_first_eigenvalues": ("the N_i nonzero eigenvalues of cov(vec dW1) (3.30)-(3.31a) with W1, W2 drawn i.i.d. Gaussian at the init variances "
                                  "(Fig. 8b, c dashed), descending", "1"),
        "iid_second_eigenvalues": ("eigenvalues of cov(dW2) (3.30)-(3.31b) with W1, W2 drawn i.i.d. Gaussian at the init variances (Fig. 8b, c dashed), "
                                   "descending", "1"),
        "iid_second_top_share": ("share of tr cov(dW2) (3.31b) in its top eigenvalue, W1, W2 drawn i.i.d. Gaussian", "1"),
        "window_mean_first_layer": ("W1^0: mean of W1 over the window's records", "1"),
        "window_mean_second_layer": ("W2^0: mean of W2 over the window's records", "1"),
    })
    return out


def hyper(learning_rate, batch_size, label_noise_variance):
    return dict(learning_rate=learning_rate, batch_size=batch_size, label_noise_variance=label_noise_variance)


# ----------------------------------------------------------------------------------------- theory
def theory_at(first_layer: np.ndarray, second_layer: np.ndarray, *, learning_rate: float, batch_size: int, label_noise_variance: float,
              input_variance: float) -> dict:
    """The linear theory at one set of weights W^0: M (3.30) in the SVD basis Z = (z1, z2), its eigenvalues, the
    eigenvalues and eigenvectors of cov(vec dW1) (the N_i nonzero ones) and of cov(dW2) (3.31), M22 (3.34) and
    (3.36), the drift spectrum against (3.28), the ranks of Gamma, M and the noise covariances (3.21), and M without
    the inter-layer coupling (remark (1) of Sec. III C 2)."""
    kw = hyper(learning_rate, batch_size, label_noise_variance)
    basis = theory.svd_basis(first_layer, second_layer)
    n_hidden, n_in = first_layer.shape
    Gamma, Lambda = theory.drift_and_diffusion(basis, input_variance=input_variance, **kw)
    sigma_R2 = theory.noise_scale(input_variance=input_variance, **kw)
    level = theory.mode_variance_level(**kw)
    M = theory.fluctuation_matrix(Gamma, Lambda)
    cov_first, cov_second = theory.weight_covariances(M, basis)
    first_values, first_vectors = sorted_eigh(cov_first)
    second_values, second_vectors = sorted_eigh(cov_second)
    M22 = M[n_in:, n_in:]
    drift_numeric = np.linalg.eigvalsh(Gamma / input_variance)[::-1]
    drift_closed = theory.drift_eigenvalues(basis.D1, basis.D2, n_in)
    coupled = np.zeros_like(Gamma, dtype=bool)
    coupled[:n_in, n_in:] = coupled[n_in:, :n_in] = True
    uncoupled = theory.fluctuation_matrix(np.where(coupled, 0, Gamma), np.where(coupled, 0, Lambda))
    noise_first = sigma_R2 * np.kron(np.outer(second_layer, second_layer), np.eye(n_in))  # (3.21a), row-major vec
    noise_second = sigma_R2 * first_layer @ first_layer.T  # (3.21b)
    d = np.linalg.eigvalsh(noise_second)
    return {
        "D1": basis.D1, "D2": basis.D2, "M": M, "m_eigenvalues": np.linalg.eigvalsh(M)[::-1],
        "first_eigenvalues": first_values[:n_in], "first_vectors": first_vectors[:, :n_in],
        "first_null_eigenvalue_max": float(np.max(np.abs(first_values[n_in:]))),
        "second_eigenvalues": second_values, "second_vectors": second_vectors,
        "m22_exact": theory.m22_diagonal(basis.D1, basis.D2, **kw), "m22_approximation": theory.m22_approximation(basis.D1, basis.D2, **kw),
        "m22_offdiagonal": float(np.max(np.abs(M22 - np.diag(np.diag(M22)))) / level),
        "m22_diagonal_deviation": float(np.max(np.abs(np.diag(M22) - theory.m22_diagonal(basis.D1, basis.D2, **kw))) / level),
        "drift_eigenvalues": drift_numeric, "drift_eigenvalues_closed": drift_closed,
        "drift_diffusion_mismatch": float(np.max(np.abs(Gamma / input_variance - Lambda / sigma_R2)) / np.max(np.abs(Gamma / input_variance))),
        "rank_drift": np.linalg.matrix_rank(Gamma, hermitian=True), "rank_fluctuation": np.linalg.matrix_rank(M, hermitian=True),
        "rank_jacobian": np.linalg.matrix_rank(theory.product_jacobian(basis)),
        "rank_noise_first": np.linalg.matrix_rank(noise_first, hermitian=True), "rank_noise_second": np.linalg.matrix_rank(noise_second, hermitian=True),
        "noise_second_participation": float(d.sum() ** 2 / np.sum(d**2)),
        "uncoupled_deviation": float(np.max(np.abs(uncoupled / level - np.eye(len(M))))),
        "relaxation_rates": theory.relaxation_modes(basis, input_variance)[0],
    }


def evaluate_theory(train_paths: list[str], output: str, *, learning_rate: float, batch_size: int, label_noise_variance: float,
                    input_variance: float, init_scale: float, iid_draws: int, key: str, sgd_seed: int, provenance: dict) -> None:
    """Per seed: the theory at the window-mean weights W^0 and at the means of the window's two halves; once: the
    i.i.d.-weight curves (W1, W2 drawn with the run's init variances init_scale / N_i, init_scale / N_h)."""
    runs = open_runs(train_paths)
    kw = dict(hyper(learning_rate, batch_size, label_noise_variance), input_variance=input_variance)
    n_hidden, n_in = runs.sizes["hidden"], runs.sizes["feature"]
    first_half, second_half = half_window_means(runs)
    at = [theory_at(runs.window_mean_first_layer.values[s], runs.window_mean_second_layer.values[s], **kw) for s in range(runs.sizes["seed"])]
    halves = [[theory_at(w1[s], w2[s], **kw) for s in range(runs.sizes["seed"])] for w1, w2 in (first_half, second_half)]
    window = [window_theory(at[s], [(w1[s], w2[s], h[s]["M"]) for (w1, w2), h in zip((first_half, second_half), halves)],
                            runs.window_mean_first_layer.values[s], runs.window_mean_second_layer.values[s]) for s in range(runs.sizes["seed"])]
    rng = seeding.generator(sgd_seed, key, seeding.point_label(N=n_in, h=n_hidden, c=init_scale), 0, "iid_weights")
    iid_first, iid_second = theory.iid_weight_spectra(n_in, n_hidden, variance_first=init_scale / n_in, variance_second=init_scale / n_hidden,
                                                      n_draws=iid_draws, rng=rng, **kw)
    iid_first = iid_first[:, :n_in]
    share = iid_second[:, 0] / iid_second.sum(axis=1)

    def stack(name, results=at):
        return np.stack([np.asarray(r[name]) for r in results])

    seed_dims = {"D1": ("mode_second",), "D2": (), "M": ("z", "z_j"), "m_eigenvalues": ("z",), "first_eigenvalues": ("mode_first",),
                 "first_vectors": ("weight", "mode_first"), "first_null_eigenvalue_max": (), "second_eigenvalues": ("mode_second",),
                 "second_vectors": ("hidden", "mode_second"), "m22_exact": ("mode_second",), "m22_approximation": ("mode_second",),
                 "m22_offdiagonal": (), "m22_diagonal_deviation": (), "drift_eigenvalues": ("z",), "drift_eigenvalues_closed": ("z",),
                 "drift_diffusion_mismatch": (), "rank_drift": (), "rank_fluctuation": (), "rank_jacobian": (), "rank_noise_first": (),
                 "rank_noise_second": (), "noise_second_participation": (), "uncoupled_deviation": (), "relaxation_rates": ("z",)}
    variables = {f"theory_{name}": (("seed", *dims), stack(name)) for name, dims in seed_dims.items()}
    for name, dims in (("first", "mode_first"), ("second", "mode_second"), ("modes", "z")):
        variables[f"theory_window_{name}"] = (("seed", dims), np.stack([w[name] for w in window]))
    for half, results in zip(("first", "second"), halves):
        for name in ("D1", "D2", "m22_exact", "first_eigenvalues"):
            variables[f"half_{half}_{name}"] = (("seed", *seed_dims[name]), stack(name, results))
    variables.update({
        "iid_first_eigenvalues": (("draw", "mode_first"), iid_first), "iid_second_eigenvalues": (("draw", "mode_second"), iid_second),
        "iid_second_top_share": ("draw", share),
        "window_mean_first_layer": (("seed", "hidden", "feature"), runs.window_mean_first_layer.values),
        "window_mean_second_layer": (("seed", "hidden"), runs.window_mean_second_layer.values),
    })
    ds = xr.Dataset(variables, coords={"seed": runs.seed.values, "level": theory.mode_variance_level(**hyper(learning_rate, batch_size, label_noise_variance)),
                                       "init_scale": init_scale, "input_variance": input_variance, "learning_rate": learning_rate,
                                       "batch_size": batch_size, "label_noise_variance": label_noise_variance,
                                       "measure_steps": int(runs.attrs["measure_steps"])},
                    attrs=io.provenance(provenance, n_records=int(runs.n_records)))
    ds["level"].attrs.update(long_name="lambda sigma_y^2 / (2S): the nonzero eigenvalues of M (3.32)", units="1")
    io.write_netcdf(io.describe(ds, theory_descriptions()), output)


def window_theory(at: dict, halves: list[tuple], first_layer: np.ndarray, second_layer: np.ndarray) -> dict:
    """The theory averaged over the window's two halves, along W^0's eigenvectors: the mean over halves h of
    v_k^T C_h v_k with C_h = T_h^T M_h T_h the weight-space covariance (3.31, with cross blocks) at the half's mean
    weights, for the eigenvectors of cov(vec dW1), cov(dW2) and the chi modes at W^0. Its difference from the theory
    at W^0 is how much the window's drift of the mean moves the prediction."""
    n_hidden, n_in = first_layer.shape
    n_first = n_hidden * n_in
    basis = theory.svd_basis(first_layer, second_layer)
    T0, R0 = theory.z_projection(basis), theory.relaxation_modes(basis, 1.0)[1]
    out = {"first": 0.0, "second": 0.0, "modes": 0.0}
    for w1, w2, M in halves:
        T = theory.z_projection(theory.svd_basis(w1, w2))
        C = T.T @ M @ T
        out["first"] = out["first"] + rayleigh_quotients(C[:n_first, :n_first], at["first_vectors"]) / len(halves)
        out["second"] = out["second"] + rayleigh_quotients(C[n_first:, n_first:], at["second_vectors"]) / len(halves)
        out["modes"] = out["modes"] + rayleigh_quotients(T0 @ C @ T0.T, R0) / len(halves)
    return out


def half_window_means(runs: xr.Dataset) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((W1, W2) mean over the window's first half, (W1, W2) over its second half), each (seed, ...)."""
    w1, w2 = runs.half_window_mean_first_layer, runs.half_window_mean_second_layer
    return (w1.isel(half=0).values, w2.isel(half=0).values), (w1.isel(half=1).values, w2.isel(half=1).values)


# ------------------------------------------------------------------------------------- statistics
def seed_statistics(covariance: np.ndarray, first_layer: np.ndarray, second_layer: np.ndarray, first_half: tuple, second_half: tuple,
                    first_vectors: np.ndarray, second_vectors: np.ndarray) -> dict:
    """One seed's window covariance (record order: row-major vec W1, W2, [loss]) against the theory at W^0: sample
    spectra, Rayleigh quotients along the theory's eigenvectors of cov(vec dW1) and cov(dW2) (unbiased, unlike
    sample eigenvalues), M_SGD = T C T^T in the SVD basis, the chi-mode variances (3.42), the share of the W1
    variance outside the linear theory's range (V V^T) kron 1 (G6, G13), and the window's drift (G15)."""
    n_hidden, n_in = first_layer.shape
    n_first = n_hidden * n_in
    C = covariance[: n_first + n_hidden, : n_first + n_hidden]
    C1, C2 = C[:n_first, :n_first], C[n_first:, n_first:]
    basis = theory.svd_basis(first_layer, second_layer)
    T = theory.z_projection(basis)
    M_sgd = T @ C @ T.T
    _, R = theory.relaxation_modes(basis, 1.0)
    values1, vectors1 = sorted_eigh(C1)
    drift = (second_half[0] - first_half[0]).ravel()
    drift_full = np.concatenate([drift, second_half[1] - first_half[1]])
    drift_norm2 = float(drift @ drift)
    range_first = T[:n_in, :n_first]
    drift_range2 = float(np.sum((range_first @ drift) ** 2))
    return {
        "sgd_first_eigenvalues": values1, "sgd_second_eigenvalues": np.linalg.eigvalsh(C2)[::-1],
        "rayleigh_first": rayleigh_quotients(C1, first_vectors), "rayleigh_second": rayleigh_quotients(C2, second_vectors),
        "sgd_M": M_sgd, "mode_variance": rayleigh_quotients(M_sgd, R),
        # a linear drift d of the mean between the half-window centres adds d d^T / 3 to the window covariance
        "drift_first_modes": (first_vectors.T @ drift) ** 2 / 3, "drift_second_modes": (second_vectors.T @ (second_half[1] - first_half[1])) ** 2 / 3,
        "drift_modes": (R.T @ (T @ drift_full)) ** 2 / 3,
        "outside_range_share": float(1 - np.trace(range_first @ C1 @ range_first.T) / np.trace(C1)),
        # the linear theory drops terms of second order in the fluctuations: their relative size
        "nonlinearity": float(max(np.trace(C1) / np.sum(first_layer**2), np.trace(C2) / np.sum(second_layer**2))),
        "drift_share_of_top": drift_norm2 / 3 / float(values1[0]),  # a linear drift d over the half-window spacing adds d d^T / 3
        "drift_top_overlap": float((vectors1[:, 0] @ drift) ** 2 / drift_norm2) if drift_norm2 > 0 else 0.0,
        "drift_range_share": drift_range2 / drift_norm2 if drift_norm2 > 0 else 0.0,
        "drift_first": float(np.sqrt(drift_norm2 / np.sum(first_layer**2))),
        "drift_second": float(np.linalg.norm(second_half[1] - first_half[1]) / np.linalg.norm(second_layer)),
    }


def extract_statistics(train_paths: list[str], theory_path: str, output: str, *, provenance: dict) -> None:
    """Per seed: seed_statistics of the window covariance against the theory at the same window's mean weights."""
    runs = open_runs(train_paths)
    th = io.open_dataset(theory_path).sel(seed=runs.seed)
    first_half, second_half = half_window_means(runs)
    stats = [seed_statistics(runs.window_covariance.values[s], runs.window_mean_first_layer.values[s], runs.window_mean_second_layer.values[s],
                             (first_half[0][s], first_half[1][s]), (second_half[0][s], second_half[1][s]),
                             th.theory_first_vectors.values[s], th.theory_second_vectors.values[s]) for s in range(runs.sizes["seed"])]
    dims = {"sgd_first_eigenvalues": ("weight",), "sgd_second_eigenvalues": ("mode_second",), "rayleigh_first": ("mode_first",),
            "rayleigh_second": ("mode_second",), "sgd_M": ("z", "z_j"), "mode_variance": ("z",), "drift_first_modes": ("mode_first",),
            "drift_second_modes": ("mode_second",), "drift_modes": ("z",)}
    ds = xr.Dataset({name: (("seed", *dims.get(name, ())), np.stack([np.asarray(s[name]) for s in stats])) for name in stats[0]},
                    coords={"seed": runs.seed.values},
                    attrs=io.provenance(provenance, n_records=int(runs.n_records)))
    if "trace_loss" in runs:
        ds["loss_trace"] = (("seed", "time"), runs.trace_loss.values)
        ds = ds.assign_coords(time=runs.time.values)
    io.write_netcdf(io.describe(ds, STATISTICS_TEXT), output)


# -------------------------------------------------------------------------------------- summary
def summarize(statistics_paths: list[str], theory_paths: list[str], output: str, *, inits: list[str], n_in: int, n_hidden: int, P: int,
              provenance: dict) -> None:
    """Both inits along `init` (same data realizations per seed)."""
    merged = [xr.merge([io.open_dataset(s), io.open_dataset(t)], compat="equals", join="inner", combine_attrs="override")
              for s, t in zip(statistics_paths, theory_paths)]
    summary = io.stack_points(merged, dim="init", labels=inits, lift=("init_scale",), join="outer")
    summary = summary.assign_coords(N_i=n_in, N_h=n_hidden, P=P)
    summary.attrs = io.provenance(provenance)
    io.write_netcdf(summary, output)


# ----------------------------------------------------------------------------------------- claims
def per_mode_test(measured: np.ndarray, expected: np.ndarray, allowance: np.ndarray, sampling_error: float = 0.0) -> dict:
    """Per-mode t test over seeds of log(measured / expected) (seed, mode), each mode allowed a relative `allowance`
    (as log(1 + allowance)) beside its SE; Bonferroni over modes (1 % family-wise). On the log scale a rival that
    rescales the data shifts the mean and leaves the SE alone. The power's tolerance uses the a-priori
    `sampling_error` (relative, per seed) / sqrt(n), the noise under agreement (a failing comparison's SE also
    carries the mismatch), and for a pass the larger of it and the SE (with few seeds the SE can be small by chance)."""
    n = measured.shape[0]
    mean, sem = mean_and_sem(np.log(measured / expected))
    bias = np.log1p(allowance)
    excess = np.maximum(np.abs(mean) - bias, 0)
    t_max, limit = claimsmod.max_abs_t(excess, sem, n) if n > 1 else (np.nan, np.inf)
    holds = bool(t_max <= limit)
    # the noise a rival must beat: the null hypothesis' (a priori); a pass also needs the observed SE to be that small
    noise = np.maximum(sem, sampling_error / np.sqrt(n)) if holds else np.full_like(sem, sampling_error / np.sqrt(n))
    return {"mean": mean, "sem": sem, "t": t_max, "limit": limit, "holds": holds, "tolerance": limit * noise + bias,
            "worst": int(np.argmax(excess / sem)) if n > 1 else 0}


def window_allowance(c: xr.Dataset, layer: str, expected: np.ndarray) -> np.ndarray:
    """Per mode, relative to the expectation (mean over seeds): how much the window's drift of the mean moves the
    comparison with the theory at W^0: the change of the theory itself across the window (mean over its halves
    against W^0) plus the drift's own share d d^T / 3 along the mode (a linear drift between the half-window centres)."""
    names = {"first": ("theory_window_first", "drift_first_modes"), "second": ("theory_window_second", "drift_second_modes"),
             "modes": ("theory_window_modes", "drift_modes")}[layer]
    window, drift = c[names[0]].values, c[names[1]].values
    if layer == "modes":
        nonzero = c.theory_relaxation_rates.values.mean(axis=0) > 0
        window, drift = window[:, nonzero], drift[:, nonzero]
    return (np.abs(window - expected) + drift).mean(axis=0) / np.abs(expected).mean(axis=0)


def sampling_error(c: xr.Dataset) -> float:
    """A-priori relative SE of one seed's window variance of a mode, sqrt(2 tau / T), with tau = 1 / (lambda sigma_x^2
    omega_min) steps the slowest nonzero relaxation time (3.39) at W^0 and T the window (steps)."""
    rates = c.theory_relaxation_rates.values
    slowest = float(np.mean([r[r > 0].min() for r in rates]))
    return float(np.sqrt(2 / (float(c.learning_rate) * slowest * float(c.measure_steps))))


def t_limit(n: int) -> float:
    """|mean| / SE limit of one two-sided t test over n seeds at 1 % (3.5 at n = 8; 64 at n = 2)."""
    return claimsmod.bonferroni_t_limit(n, 1) if n > 1 else np.inf


def continuum_allowance(c: xr.Dataset) -> float:
    """The known biases of SGD against (3.30), relative: the finite-P leverage N_i/P (the residual variance at the
    minimum is sigma_y^2 (1 - N_i/P)), the discrete-time (O(lambda)) correction lambda sigma_x^2 omega_max / 2 of the
    fastest mode (an AR(1) step 1 - a has variance noise / (2a (1 - a/2))), and the linearization's order: the
    fluctuations' size relative to the weights, max over layers of tr cov(dW_l) / |W_l^0|^2 (measured; mean over seeds)."""
    return float(int(c.N_i) / int(c.P) + float(c.learning_rate) * float(c.theory_relaxation_rates.max("z").mean()) / 2 + float(c.nonlinearity.mean()))


def claims(summary_path: str, output: str) -> None:
    """Claim rows of Fig. 8 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. III C")
    N_i, N_h, P = int(ds.N_i), int(ds.N_h), int(ds.P)
    judged = {}
    for init in ds.init.values:
        c = ds.sel(init=init).dropna("seed", how="all")
        figure, n, level = INITS[str(init)], c.sizes["seed"], float(c.level)
        label = f"{init} (init variance {float(c.init_scale):g}/N, N_i = {N_i}, N_h = {N_h}, P = {P}, {n} seeds)"
        _theory_rows(rows, c, str(init), figure, label, N_i, N_h)
        allowance, prior = continuum_allowance(c), sampling_error(c)
        # G12: the SGD spectra agree with (3.30): Rayleigh quotients along the theory's eigenvectors, per mode
        for layer, rq, th, rival, rival_text in (
            ("first", c.rayleigh_first.values, c.theory_first_eigenvalues.values, np.full_like(c.theory_first_eigenvalues.values, level),
             "isotropic fluctuations without the inter-layer coupling (every M11 eigenvalue = lambda sigma_y^2/2S)"),
            ("second", c.rayleigh_second.values, c.theory_second_eigenvalues.values, np.sort(c.theory_m22_approximation.values, axis=1)[:, ::-1],
             "(3.36) in place of (3.34)")):
            window = window_allowance(c, layer, th)
            test = per_mode_test(rq, th, allowance + window, prior)
            effect = np.abs(np.log(rival / th)).mean(axis=0)
            k = int(np.argmax(effect / test["tolerance"])) if n > 1 else 0
            which = "cov(vec dW1) (its N_i nonzero modes)" if layer == "first" else "cov(dW2)"
            judged[(str(init), layer)] = test["holds"] and claimsmod.power(test["tolerance"][k], effect[k], "").decisive
            rows.add(f"fig{figure}_sgd_spectrum_{layer}_layer", figure,
                     f"{label}: the SGD eigenvalues of {which} agree with the linear theory (3.30)-(3.31) at the window-mean weights",
                     f"per mode k, log(v_k^T C_SGD v_k / theory_k) along the theory's eigenvectors v_k (Rayleigh quotients, "
                     f"unbiased), mean +- SE over seeds; worst mode {test['worst'] + 1}: {claimsmod.format_mean_sem(test['mean'][test['worst']], test['sem'][test['worst']])}; "
                     f"largest deviation {np.max(np.abs(test['mean'])):.3g}",
                     f"max |t| = {test['t']:.3g}", "0 per mode (3.30)",
                     f"per mode |mean| <= {test['limit']:.2f} SE (Bonferroni over {rq.shape[1]} modes, 1 %) + log(1 + allowance), the allowance "
                     f"{allowance:.3g} (finite-P leverage N_i/P + continuum error lambda sigma_x^2 omega_max/2 + linearization order {float(c.nonlinearity.mean()):.2g}) + the window's drift "
                     f"(mean {np.mean(window):.3g}, largest {np.max(window):.3g})",
                     test["holds"], power=claimsmod.power(test["tolerance"][k], effect[k], rival_text), kind=claimsmod.PAPER_CLAIM,
                     location="Sec. III C 2, paragraph after Eq. (3.36)",
                     quote="We find good agreement with the covariance spectrum of the weights predicted by Eq. (3.30)")
        # G8 on SGD: the variance of every nonzero-rate mode chi_k = R^T Z is lambda sigma_y^2/2S (3.32, 3.42)
        rates = c.theory_relaxation_rates.values
        nonzero = rates.mean(axis=0) > 0
        mv = c.mode_variance.values[:, nonzero]
        window = window_allowance(c, "modes", np.full_like(mv, level))
        test = per_mode_test(mv, np.full_like(mv, level), allowance + window, prior)
        k = int(np.argmax(test["tolerance"])) if n > 1 else 0
        rows.add(f"fig{figure}_sgd_mode_variance_isotropic", figure,
                 f"{label}: on SGD, the nonzero eigenvalues of M are all lambda sigma_y^2/(2S): every mode chi_k of Gamma with omega_k > 0 has that variance",
                 f"per mode, log(chi_k variance of M_SGD = R^T T C_SGD T^T R / {LEVEL_TEXT}), mean +- SE over seeds, {int(nonzero.sum())} modes; "
                 f"largest |deviation| {np.max(np.abs(test['mean'])):.3g}, mean over modes {np.mean(test['mean']):.3g}",
                 f"max |t| = {test['t']:.3g}", "0 per mode (M = lambda sigma_y^2/2S x projector onto range Gamma, (3.32))",
                 f"per mode |mean| <= {test['limit']:.2f} SE (Bonferroni, 1 %) + log(1 + allowance {allowance:.3g} + the window's drift (mean {np.mean(window):.3g}))", test["holds"],
                 power=claimsmod.power(test["tolerance"][k], np.log(2), "modes equilibrating at the rate-weighted (3.36)-like level (a factor 2 off on the D1 modes)"),
                 kind=claimsmod.PAPER_CLAIM, location="Sec. III C 1, Eq. (3.32)",
                 quote="Accordingly, M is of rank NoNi and has NoNh vanishing eigenvalues")
        # erratum: sigma_R^2 = lambda sigma_x^2 sigma_y^2 / S (the OCR lost the 1/S); the measured level against both
        m_mean, m_sem = mean_and_sem(mv.mean(axis=1) / level)
        k_t, bias = t_limit(n), allowance + float(np.mean(window))
        tol = k_t * m_sem + bias
        printed = batch_size_of(c)
        rows.add(f"fig{figure}_noise_scale_batch_size", figure,
                 f"{label}: the mode variance level is sigma_R^2/(2 sigma_x^2) with sigma_R^2 as printed in (3.21c), lambda sigma_x^2 <y^2> (no 1/S)",
                 f"mean over the nonzero modes and seeds of the SGD chi_k variance / (lambda sigma_y^2/2S), mean +- SE over seeds",
                 claimsmod.format_mean_sem(m_mean, m_sem), f"{printed:g} (no 1/S: lambda sigma_y^2 / 2)", f"{k_t:.3g} SE (t, 1 %) + allowance {allowance:.3g} + the window's drift {np.mean(window):.3g} = {tol:.3g}",
                 claimsmod.within(m_mean - printed, m_sem, k_t, bias), erratum=(claimsmod.within(m_mean - 1, m_sem, k_t, bias), "1 (sigma_R^2 = lambda sigma_x^2 sigma_y^2 / S)"),
                 power=claimsmod.power(k_t * max(m_sem, prior / np.sqrt(n)) + bias, printed - 1, "the corrected sigma_R^2 with 1/S, against the printed one"), kind=claimsmod.PAPER_CLAIM,
                 location="Sec. III B 2, Eq. (3.21c)", quote="with sigma_R^2 = lambda sigma_x^2 <y^2>")
        if init == "standard_init":  # the paper places the peak in Fig. 8c
            _window_rows(rows, c, str(init), figure, label)
        _beyond_rank_row(rows, c, str(init), figure, label, N_i)
    _init_rows(rows, ds, N_i, N_h, P)
    _errata_rows(rows, ds, N_i, N_h, judged)
    rows.write(output)


def batch_size_of(c: xr.Dataset) -> float:
    """S: the printed (3.21c) without 1/S puts the level S times higher than lambda sigma_y^2 / 2S."""
    return float(c.batch_size)


def _theory_rows(rows, c, init, figure, label, N_i, N_h):
    """Exact statements of the theory, on the run's own window-mean weights (every seed)."""
    nz = c.theory_m_eigenvalues.values[:, :N_i] / float(c.level)
    zeros = np.abs(c.theory_m_eigenvalues.values[:, N_i:]).max() / float(c.level)
    ranks = {k: c[f"theory_rank_{k}"].values.astype(int) for k in ("drift", "fluctuation", "jacobian", "noise_first", "noise_second")}

    def rank_text(values):
        return ", ".join(str(v) for v in sorted(set(values.tolist())))

    exact = dict(kind=claimsmod.PAPER_CLAIM)
    rows.add(f"fig{figure}_rank_product_jacobian", figure,
             f"{label}: the minimum fixes only N_eff = N_o N_i of the N_h (N_i + N_o) parameters: the product W2 W1 has a Jacobian of rank N_i at W^0",
             "numerical rank of d(W2 W1)/d(z1, z2) at each seed's window-mean weights", rank_text(ranks["jacobian"]), f"{N_i} of {N_h * (N_i + 1)}",
             "exact (integer)", bool(np.all(ranks["jacobian"] == N_i)), power=f"exact: any other rank is a different integer", **exact,
             location="Sec. III A, after Eq. (3.3)", quote="which effectively fixes only Neff = NoNi degrees of freedom")
    rows.add(f"fig{figure}_rank_noise_first_layer", figure, f"{label}: rank cov(R1) = N_i for N_o = 1 (3.21a)",
             "numerical rank of sigma_R^2 (W2^T W2) kron 1_{N_i} at W^0, every seed", rank_text(ranks["noise_first"]), f"{N_i}", "exact (integer)",
             bool(np.all(ranks["noise_first"] == N_i)), power="exact: rank N_h N_i for a full-rank second-layer Gram matrix", **exact,
             location="Sec. III B 2, after Eq. (3.22)", quote="rank([cov(R1)]) = Ni according to Eq. (3.21a)")
    participation = c.theory_noise_second_participation.values
    p_mean, p_sem = mean_and_sem(participation)
    if init == "small_init":
        k_t = t_limit(c.sizes["seed"])
        tol = ZERO_BALANCED_READING + k_t * p_sem
        rows.add(f"fig{figure}_rank_noise_second_layer", figure,
                 f"{label}: near zero-balanced weights, rank cov(R2) = rank(W1 W1^T) = 1 (exactly 1 only at zero balance)",
                 f"participation ratio (sum D1)^2 / sum D1^2 of cov(R2) = sigma_R^2 W1 W1^T at W^0 (mean +- SE over seeds; numerical ranks {rank_text(ranks['noise_second'])}; "
                 f"D1_2 / D1_1 = {np.mean(c.theory_D1.values[:, 1] / c.theory_D1.values[:, 0]):.2g})",
                 claimsmod.format_mean_sem(p_mean, p_sem), "1", f"reading: within {ZERO_BALANCED_READING} + {k_t:.3g} SE (t, 1 %) = {tol:.3g}",
                 bool(p_mean - 1 <= tol), power=claimsmod.power(tol, N_h / 2 - 1, "random init (participation ~N_h/2)"), **exact,
                 location="Sec. III B 2, after Eq. (3.22)", quote="For zero-balanced initial conditions [...] one has rank([cov(R2)]) = rank(W1 W1T) = rank(W2T W2) = 1")
    else:
        rows.add(f"fig{figure}_rank_noise_second_layer", figure, f"{label}: for random initial conditions, rank cov(R2) = rank(W1 W1^T) = N_h",
                 f"numerical rank of sigma_R^2 W1 W1^T at W^0, every seed (participation ratio {p_mean:.3g})", rank_text(ranks["noise_second"]), f"{N_h}",
                 "exact (integer)", bool(np.all(ranks["noise_second"] == N_h)), power="exact: a rank-deficient W1 W1^T gives a smaller integer", **exact,
                 location="Sec. III B 2, after Eq. (3.22)", quote="while for random initial conditions, typically rank([cov(R2)]) = rank(W1 W1T) = Nh")
    closed = np.max(np.abs(c.theory_drift_eigenvalues.values - c.theory_drift_eigenvalues_closed.values) / c.theory_drift_eigenvalues.values[:, :1])
    mismatch = float(c.theory_drift_diffusion_mismatch.max())
    rows.add(f"fig{figure}_drift_spectrum_and_rank", figure,
             f"{label}: Gamma/sigma_x^2 = Lambda/sigma_R^2 (3.27) with eigenvalues D1k + D2 (x1), D2 (x(N_i - N_h)), 0 (x N_h) (3.28): rank N_o N_i",
             "max relative difference of the numerical eigenvalues of Gamma/sigma_x^2 from (3.28), of Gamma/sigma_x^2 from Lambda/sigma_R^2; "
             f"ranks of Gamma {rank_text(ranks['drift'])}", f"{closed:.2g}; {mismatch:.2g}; rank {rank_text(ranks['drift'])}", f"0; 0; rank {N_i}",
             f"{NUMERICAL_TOLERANCE:g} (float64)", bool(closed < NUMERICAL_TOLERANCE and mismatch < NUMERICAL_TOLERANCE and np.all(ranks["drift"] == N_i)),
             power=claimsmod.power(NUMERICAL_TOLERANCE, float(np.min(c.theory_D1.values)), "a spectrum missing the D1k shift (the smallest D1k)"), **exact,
             location="Sec. III B 3, Eqs. (3.27)-(3.28)", quote="Accordingly, Gamma and Lambda are positive semidefinite matrices with rank(Gamma) = rank(Lambda) = NoNi")
    rows.add(f"fig{figure}_m_scaled_projector", figure,
             f"{label}: M = 1/2 Gamma^+ Lambda has rank N_o N_i and its nonzero eigenvalues all equal lambda sigma_y^2/(2S) (3.32)",
             f"max |eig_k(M) / {LEVEL_TEXT} - 1| over the N_i largest, max |eig| / level over the N_h others, at W^0 of every seed; ranks {rank_text(ranks['fluctuation'])}",
             f"{np.max(np.abs(nz - 1)):.2g}; {zeros:.2g}", f"0; 0; rank {N_i}", f"{NUMERICAL_TOLERANCE:g} (float64)",
             bool(np.max(np.abs(nz - 1)) < NUMERICAL_TOLERANCE and zeros < NUMERICAL_TOLERANCE and np.all(ranks["fluctuation"] == N_i)),
             power=claimsmod.power(NUMERICAL_TOLERANCE, 0.5, "equipartition M ~ Gamma^-1 (eigenvalues spread like 1/omega_k)"), **exact,
             location="Sec. III C 1, Eq. (3.32)", quote="Accordingly, M is of rank NoNi and has NoNh vanishing eigenvalues")
    off, dev = float(c.theory_m22_offdiagonal.max()), float(c.theory_m22_diagonal_deviation.max())
    rows.add(f"fig{figure}_m22_diagonal", figure, f"{label}: M22 is diagonal with M22_ii = (lambda sigma_y^2/2S) D1_ii / (D1_ii + D2) (3.34)",
             f"max |off-diagonal of M22| / {LEVEL_TEXT}, max |diag M22 - (3.34)| / {LEVEL_TEXT}, from pinv at W^0 of every seed", f"{off:.2g}; {dev:.2g}", "0; 0",
             f"{NUMERICAL_TOLERANCE:g} (float64)", bool(off < NUMERICAL_TOLERANCE and dev < NUMERICAL_TOLERANCE),
             power=claimsmod.power(NUMERICAL_TOLERANCE, float(np.max(np.abs(c.theory_m22_approximation - c.theory_m22_exact)) / float(c.level)), "(3.36) in place of (3.34)"),
             **exact, location="Sec. III C 1, Eq. (3.34)", quote="we find, after some tedious but straightforward algebra, that M22 [Eq. (3.30)] has a simple diagonal form")
    unc = float(c.theory_uncoupled_deviation.max())
    rows.add(f"fig{figure}_uncoupled_isotropic", figure,
             f"{label}: without the cross coupling between dW1 and dW2, Gamma and Lambda are diagonal and full rank and M is proportional to the identity (isotropic)",
             f"max |M_uncoupled / {LEVEL_TEXT} - 1| with the off-diagonal blocks of Gamma, Lambda removed, at W^0 of every seed", f"{unc:.2g}", "0",
             f"{NUMERICAL_TOLERANCE:g} (float64)", unc < NUMERICAL_TOLERANCE, power=claimsmod.power(NUMERICAL_TOLERANCE, 1.0, "the coupled M (N_h zero eigenvalues)"),
             **exact, location="Sec. III C 2, remark (1)", quote="which would imply M proportional to 1, and thus [cov(dW1)] proportional to 1 and [cov(dW2)] proportional to 1, i.e., isotropic fluctuations")


def _beyond_rank_row(rows, c, init, figure, label, N_i):
    """G13 and G6: the W1 variance outside the linear theory's range (V V^T) kron 1 (its N_h N_i - N_i zero modes)."""
    share = c.outside_range_share.values
    s_mean, s_sem = mean_and_sem(share)
    eig = c.sgd_first_eigenvalues.values
    after = eig[:, N_i] / eig[:, 0]
    decay = eig[:, N_i] / eig[:, 2 * N_i - 1]
    n = c.sizes["seed"]
    k_t = t_limit(n)
    tol = k_t * s_sem
    rows.add(f"fig{figure}_beyond_rank_nonzero", figure,
             f"{label}: eigenvalues of cov(dW1) with index larger than N_i vanish in the linear theory; in SGD they are nonzero and decrease with index",
             f"share of tr C_SGD(vec dW1) outside the theory's range (V V^T) kron 1 at W^0 (mean +- SE over seeds; theory: "
             f"largest eigenvalue beyond N_i {float(c.theory_first_null_eigenvalue_max.max()):.1g}); sample eigenvalue N_i+1 / top = {np.mean(after):.3g}, "
             f"eigenvalue N_i+1 / eigenvalue 2 N_i = {np.mean(decay):.3g} (mean over seeds)",
             claimsmod.format_mean_sem(s_mean, s_sem), "> 0 (SGD); 0 in the linear theory", f"nonzero: mean > {k_t:.3g} SE (t, 1 %) = {tol:.2g}", bool(s_mean > tol),
             power=claimsmod.power(tol, s_mean, "the linear theory's zero (frozen modes)"), kind=claimsmod.PAPER_CLAIM,
             location="Sec. III C 2, paragraph after Eq. (3.36)",
             quote="Eigenvalues of cov(dW1) with index larger than Ni vanish according to the linear theory [Eqs. (3.30) and (3.31)], while in our simulations, they are nonzero but decrease in magnitude with increasing index")


def _window_rows(rows, c, init, figure, label):
    """G15: the slow drift of the window mean (the paper: the peak of cov(dW1) in Fig. 8c), and how much the theory
    changes between the window's halves."""
    n = c.sizes["seed"]
    overlap, share = mean_and_sem(c.drift_top_overlap.values), mean_and_sem(c.drift_share_of_top.values)
    in_range = mean_and_sem(c.drift_range_share.values)
    level = float(c.level)
    change = np.abs(c.half_second_m22_exact - c.half_first_m22_exact).max("mode_second").values / level
    ch = mean_and_sem(change)
    drift1, drift2 = mean_and_sem(c.drift_first.values), mean_and_sem(c.drift_second.values)
    random = 1 / c.sizes["weight"]
    k_t = t_limit(n)
    tol = k_t * overlap[1]
    rows.add(f"fig{figure}_peak_is_mean_drift", figure,
             f"{label}: the top eigenvalue of cov(dW1) is associated with an overall drift of the mean of W1 on a long time scale",
             "squared overlap of the top SGD eigenvector of cov(vec dW1) with the drift d = (second-half mean - first-half mean) of W1 "
             f"(mean +- SE over seeds; a random direction: {random:.1g}); d d^T / 3 (a linear drift) is {claimsmod.format_mean_sem(*share)} of the top eigenvalue; "
             f"share of |d|^2 in the theory's range {claimsmod.format_mean_sem(*in_range)}; |d| / |W1| = {claimsmod.format_mean_sem(*drift1)}, "
             f"|d(W2)| / |W2| = {claimsmod.format_mean_sem(*drift2)}; the theory on the two halves: max_k |M22_kk(2nd) - M22_kk(1st)| / {LEVEL_TEXT} = "
             f"{claimsmod.format_mean_sem(*ch)}",
             claimsmod.format_mean_sem(*overlap), "> random (aligned: 1)", f"mean - {random:.1g} > {k_t:.3g} SE (t, 1 %) = {tol:.2g}", bool(overlap[0] - random > tol),
             power=claimsmod.power(tol, overlap[0] - random, "a top eigenvector unrelated to the drift"), kind=claimsmod.PAPER_CLAIM,
             location="Sec. III C 2, paragraph after Eq. (3.36)",
             quote="The eigenvalue peak of the covariance of W1 seen in (c) can be associated to an overall drift of the mean of W1, which occurs on a large time scale")


def _init_rows(rows, ds, N_i, N_h, P):
    """G1 across the inits (same data per seed), G14 (i.i.d. curves, one W2 mode) and G2."""
    small, standard = (ds.sel(init=i).dropna("seed", how="all") for i in ("small_init", "standard_init"))
    seeds = np.intersect1d(small.seed.values, standard.seed.values)
    s, t = small.sel(seed=seeds), standard.sel(seed=seeds)
    product = lambda c: np.einsum("sh,shi->si", c.window_mean_second_layer.values, c.window_mean_first_layer.values)  # noqa: E731
    w_s, w_t = product(s), product(t)
    dp = np.linalg.norm(w_s - w_t, axis=1) / np.linalg.norm(w_t, axis=1)
    dw = np.linalg.norm(s.window_mean_first_layer.values - t.window_mean_first_layer.values, axis=(1, 2)) / np.linalg.norm(t.window_mean_first_layer.values, axis=(1, 2))
    p_mean, p_sem = mean_and_sem(dp)
    n = len(seeds)
    tol, k_t = 0.1 * float(np.mean(dw)), t_limit(n)
    rows.add("fig8_minimum_fixes_product_only", "8b, 8c",
             f"both inits, {n} data realizations: the minimum (3.3) fixes the product W2 W1 = w* but not the individual weights, which depend on the initialization",
             f"|W2 W1 (small init) - W2 W1 (standard init)| / |W2 W1| of the window means on the same data (mean +- SE over seeds), against "
             f"|W1 (small) - W1 (standard)| / |W1 (standard)| = {np.mean(dw):.3g}",
             claimsmod.format_mean_sem(p_mean, p_sem), "0 (same w* for both)", f"{k_t:.3g} SE (t, 1 %) + the reading: 10 % of the individual weights' difference = {tol:.3g}",
             claimsmod.within(p_mean, p_sem, k_t, tol), power=claimsmod.power(tol + k_t * p_sem, np.mean(dw), "a product that depends on the init like the weights do"),
             kind=claimsmod.PAPER_CLAIM, location="Sec. III A, after Eq. (3.3)",
             quote="which effectively fixes only Neff = NoNi degrees of freedom out of the total number of parameters")
    # G14: large init close to the i.i.d. curves; small init: one W2 mode
    distances = {}
    for name, c in (("small_init", s), ("standard_init", t)):
        iid2 = c.iid_second_eigenvalues.mean("draw").values
        distances[name] = np.sqrt(np.mean(np.log(c.rayleigh_second.values / iid2) ** 2, axis=1))
    iid_self = np.sqrt(np.mean(np.log(t.iid_second_eigenvalues.values / t.iid_second_eigenvalues.mean("draw").values) ** 2, axis=1)).mean()
    d_mean, d_sem = mean_and_sem(distances["standard_init"])
    ds_mean, ds_sem = mean_and_sem(distances["small_init"])
    tol = IID_READING + iid_self + t_limit(n) * d_sem
    rows.add("fig8c_close_to_iid_curves", "8c",
             f"standard init, {n} seeds: for large initial weight variance the spectrum of cov(dW2) stays close to the one implied by i.i.d. Gaussian W1^0, W2^0",
             f"rms over modes of log(SGD Rayleigh quotient along a_k / mean i.i.d.-weight eigenvalue k) (mean +- SE over seeds); one i.i.d. draw's own "
             f"rms distance from the mean curve {iid_self:.3g}; the small init's distance {claimsmod.format_mean_sem(ds_mean, ds_sem)}",
             claimsmod.format_mean_sem(d_mean, d_sem), f"<= a typical i.i.d. draw's {iid_self:.3g}", f"reading: + {IID_READING} + {t_limit(n):.3g} SE (t, 1 %) = {tol:.3g}",
             bool(d_mean <= tol), power=claimsmod.power(tol, ds_mean, "the small init's spectrum (one mode)"),
             loose=(bool(d_mean + t_limit(n) * d_sem < ds_mean - t_limit(n) * ds_sem), "comparative reading: closer to the i.i.d. curve than the small init's, beyond t SE of both"),
             kind=claimsmod.PAPER_CLAIM,
             location="Sec. III C 2, paragraph after Eq. (3.36)",
             quote="for large values of the initial weight variance, the spectrum remains closer to the shape implied for Gaussian i.i.d. elements of W1,2")
    share = s.sgd_second_eigenvalues.values[:, 0] / s.sgd_second_eigenvalues.values.sum(axis=1)
    sh_mean, sh_sem = mean_and_sem(share)
    share_t = mean_and_sem(t.sgd_second_eigenvalues.values[:, 0] / t.sgd_second_eigenvalues.values.sum(axis=1))
    iid_share = float(s.iid_second_top_share.mean())
    tol = t_limit(n) * sh_sem
    rows.add("fig8b_second_layer_one_mode", "8b",
             f"small init, {n} seeds: for weights close to zero balance the fluctuations of W2 are governed by a single mode (the peak of the lowest mode in Fig. 8b)",
             f"share of tr C_SGD(dW2) in its top eigenvalue (mean +- SE over seeds); theory at W^0 {np.mean(s.theory_second_eigenvalues.values[:, 0] / s.theory_second_eigenvalues.values.sum(axis=1)):.3g}; "
             f"standard init {claimsmod.format_mean_sem(*share_t)}; i.i.d. weights {iid_share:.3g}",
             claimsmod.format_mean_sem(sh_mean, sh_sem), f"> {ONE_MODE_READING} (reading of 'a single mode')", f"mean - {t_limit(n):.3g} SE (t, 1 %) > {ONE_MODE_READING}",
             bool(sh_mean - tol > ONE_MODE_READING), power=claimsmod.power(tol, max(sh_mean - iid_share, 0), "the i.i.d.-weight share"),
             kind=claimsmod.PAPER_CLAIM, location="Sec. III C 2, paragraph after Eq. (3.36)",
             quote="For weights close to being zero balanced, the fluctuations of W2 are essentially governed by a single independent mode")
    # G2: nonzero iff N_i < P; only the N_i < P side has a run here
    level = float(t.level)
    total = mean_and_sem(t.mode_variance.values[:, t.theory_relaxation_rates.values.mean(axis=0) > 0].sum(axis=1) / level)
    rows.add("fig8_fluctuations_iff_underparameterized", "8b, 8c",
             f"the stationary weight fluctuations of the two-layer net are nonzero iff N_i < P, irrespective of N_o (here N_i = {N_i} < P = {P} only)",
             f"total SGD variance of the nonzero modes / {LEVEL_TEXT} at N_i < P (standard init, mean +- SE); no run at N_i >= P in this figure "
             "(there the regression residual, hence sigma_R^2, vanishes; the single-layer analogue is judged in Fig. 5)",
             claimsmod.format_mean_sem(*total), f"{N_i} (1 - N_i/P) > 0 at N_i < P; 0 at N_i >= P", "not judged: one side of the 'iff' only",
             False, power=claimsmod.power(np.inf, N_i, "vanishing fluctuations at N_i < P (needs a run at N_i >= P for the converse)"),
             kind=claimsmod.PAPER_CLAIM, location="Sec. III A, after Eq. (3.3)",
             quote="a deep linear network of the form considered here has nonvanishing weight fluctuations in the stationary state provided Ni < P, irrespective of the output dimension No")


def _errata_rows(rows, ds, N_i, N_h, judged):
    """Errata and ambiguities: the thin SVD in (3.27), and (3.36) with the standard init."""
    t = ds.sel(init="standard_init").dropna("seed", how="all")
    n = t.sizes["seed"]
    thin = len(t.z)
    printed_size = N_h * N_i + N_h
    support = ", ".join(f"{init}: {'agrees' if judged.get((init, 'first')) else 'does not agree (or too few seeds)'}" for init in INITS)
    rows.add("fig8_thin_svd_sizes", "8a",
             "(3.27) with the SVD sizes as printed: U, S2, V of W2 are (N_o, N_o), (N_o, N_h), (N_h, N_h), so z1 = V^T dW1 is N_h x N_i, while Gamma is stated square of size N_o (N_i + N_h)",
             f"size of Z: printed sizes give vec z1 with N_h N_i components, Z with {printed_size}; the thin SVD (V of size N_h x N_o) gives {thin}; its M against the SGD "
             f"spectrum of cov(vec dW1) (rows fig8b/fig8c_sgd_spectrum_first_layer): {support}",
             f"{printed_size} (printed sizes)", f"{N_i + N_h} = N_o (N_i + N_h)", "exact (integer)", printed_size == N_i + N_h,
             erratum=(thin == N_i + N_h, f"thin SVD: V is N_h x N_o, D2 N_o x N_o: Z has {N_i + N_h} components"),
             power="exact: the sizes are integers; the corrected form is also checked on SGD", kind=claimsmod.PAPER_CLAIM, location="Sec. III B 3, before Eq. (3.23)",
             quote="the standard SVD W2 = U S2 VT [where U, S2 and V are (No, No), (No, Nh) and (Nh, Nh) matrices]")
    # (3.36) with the standard init (3.35): D1 is not << D2
    level = float(t.level)
    rq = t.rayleigh_second.values
    exact = t.theory_second_eigenvalues.values
    approx = np.sort(t.theory_m22_approximation.values, axis=1)[:, ::-1]
    keep = slice(TOP_MODES_EXCEPTED, None)
    allowance = continuum_allowance(t)
    prior = sampling_error(t)
    bias = allowance + window_allowance(t, "second", exact)[keep]
    printed = per_mode_test(rq[:, keep], approx[:, keep], bias, prior)
    corrected = per_mode_test(rq[:, keep], exact[:, keep], bias, prior)
    ratio = t.theory_D1 / t.theory_D2
    close = int(np.median(np.sum(ratio.values < APPROXIMATION_READING, axis=1)))
    top = mean_and_sem(approx[:, 0] / exact[:, 0])
    top_sgd = mean_and_sem(rq[:, 0] / exact[:, 0])
    # power from the sampling noise of the agreeing comparison: the printed one's SE also carries its bias's spread over seeds
    effect = np.log(approx / exact)[:, keep].mean(axis=0)
    k = int(np.argmax(effect / corrected["tolerance"])) if n > 1 else 0
    rows.add("fig8c_m22_approximation_standard_init", "8c",
             f"standard init (3.35), N_h < N_i, {n} seeds: D1 << D2, so that M22 ~ (lambda sigma_y^2/2S D2) D1 (3.36) except for the few largest eigenvalues",
             f"per mode k > {TOP_MODES_EXCEPTED}, log(SGD Rayleigh quotient along a_k / (3.36)), Bonferroni t over seeds; "
             f"median D1/D2 = {float(np.median(ratio.values)):.3g}, modes with D1/D2 < {APPROXIMATION_READING} (where (3.36) is within 10 % of (3.34)): {close} of {N_h}; "
             f"top mode: (3.36)/(3.34) = {claimsmod.format_mean_sem(*top)}, SGD/(3.34) = {claimsmod.format_mean_sem(*top_sgd)}; against (3.34): max |t| = {corrected['t']:.3g}",
             f"max |t| = {printed['t']:.3g}", "0 per mode against (3.36)", f"per mode |mean| <= {printed['limit']:.2f} SE + allowance {allowance:.3g} + the window's drift (as fig8c_sgd_spectrum_second_layer)",
             printed["holds"], erratum=(corrected["holds"], "(3.34) M22_kk = (lambda sigma_y^2/2S) D1_k/(D1_k + D2) (exact; D1 ~ D2 for this init)"),
             power=claimsmod.power(corrected["tolerance"][k], effect[k], "(3.34), against (3.36)"),
             kind=claimsmod.PAPER_CLAIM, location="Sec. III C 2, remark (3), Eqs. (3.35)-(3.36)",
             quote="and assuming Nh < Ni, one accordingly expects D1,ii << D2 [see Eq. (3.23)], such that Eq. (3.34) can be approximated as")
