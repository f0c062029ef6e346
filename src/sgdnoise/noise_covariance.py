"""Gradient-noise covariances of the SDE models and their matrix-free samplers, in plain numpy.

Deep linear networks (Corlouer et al. Prop. 3.2, appendix B form), batch size one:
    Sigma_lm = (A_l (x) B_l Delta) (I + C) (A_m (x) B_m Delta)^T + (A_l A_m^T) (x) (B_l Sigma_q B_m^T),
    A_l = W_<l, B_l = W_>l^T, Delta = M - W, C the commutation matrix, Sigma_q = sigma_q^2 I,
in the paper's column-stacking vec. (So J_l = A_l^T (x) B_l^T = W_<l^T (x) W_>l; the main text's
W_>l^T is a typo.) The engine flattens each W_l row by row, i.e. stacks vec(W_l^T).

Two-layer network, N_o = 1 (Gross et al. Eq. 3.11): covariance C of the minibatch gradient of the product.

These are the references the compiled kernels are tested against, and the explicit-Sigma route of the benchmark.
"""

from __future__ import annotations

from functools import reduce
from typing import Sequence

import numpy as np


def partial_products(weights: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """W_<l (d_{l-1} x d_0) and W_>l (d_L x d_l) for l = 1..L (list index l - 1); weights may carry leading axes."""
    d0, dL = weights[0].shape[-1], weights[-1].shape[-2]
    prefix = [reduce(lambda acc, w: w @ acc, weights[:l], np.eye(d0)) for l in range(len(weights))]
    suffix = [reduce(lambda acc, w: acc @ w, reversed(weights[l + 1 :]), np.eye(dL)) for l in range(len(weights))]
    return prefix, suffix


def commutation_matrix(rows: int, cols: int) -> np.ndarray:
    """C with C vec(A) = vec(A^T) for A of shape (rows, cols), vec stacking columns."""
    c = np.zeros((rows * cols, rows * cols))
    for i in range(rows):
        for j in range(cols):
            c[i * cols + j, j * rows + i] = 1.0
    return c


def deep_linear_noise_covariance(weights: Sequence[np.ndarray], teacher: np.ndarray, label_noise_std: float) -> np.ndarray:
    """Explicit Sigma(theta) of Prop. 3.2 (appendix B form) for one network, in the engine's parameter
    order (layers stacked, each W_l flattened row by row). Size (sum_l d_l d_{l-1})^2."""
    prefix, suffix = partial_products(weights)
    d0, dL = weights[0].shape[1], weights[-1].shape[0]
    delta = teacher - reduce(lambda acc, w: w @ acc, weights, np.eye(d0))
    data = np.vstack([np.kron(a, suffix_l.T @ delta) for a, suffix_l in zip(prefix, suffix)])  # rows: (A_l (x) B_l Delta)
    label = np.vstack([np.kron(a, suffix_l.T) for a, suffix_l in zip(prefix, suffix)])  # (A_l (x) B_l), Sigma_q = sigma_q^2 I
    identity_plus_c = np.eye(d0 * d0) + commutation_matrix(d0, d0)
    sigma = data @ identity_plus_c @ data.T + label_noise_std**2 * label @ label.T
    # column-stacking vec(W_l) -> row-major flattening of W_l
    order = np.concatenate([offset + np.arange(w.size).reshape(w.shape[1], w.shape[0]).T.ravel()
                            for offset, w in zip(np.cumsum([0] + [w.size for w in weights[:-1]]), weights)])
    return sigma[np.ix_(order, order)]


def deep_linear_noise(weights: Sequence[np.ndarray], teacher: np.ndarray, label_noise_std: float, draws: np.ndarray) -> list[np.ndarray]:
    """One matrix-free draw of the batch-size-one gradient noise, per layer W_>l^T S W_<l^T with
    S = Delta Z + sigma_q N (Z = (Xi + Xi^T)/sqrt(2), N standard normal): Gaussian with covariance Sigma.

    draws: the d_0 (d_0 + 1)/2 normals of Z's upper triangle (row-major, with diagonal; Z_ii = sqrt(2) xi),
    then, if label_noise_std > 0, the d_L d_0 entries of N (row-major), as the SDE kernel consumes them.
    """
    prefix, suffix = partial_products(weights)
    d0, dL = weights[0].shape[1], weights[-1].shape[0]
    delta = teacher - reduce(lambda acc, w: w @ acc, weights, np.eye(d0))
    n_z = d0 * (d0 + 1) // 2
    z = np.zeros((d0, d0))
    z[np.triu_indices(d0)] = draws[:n_z]
    z = z + np.triu(z, 1).T
    z[np.diag_indices(d0)] *= np.sqrt(2.0)
    s = delta @ z
    if label_noise_std > 0:
        s = s + label_noise_std * draws[n_z : n_z + dL * d0].reshape(dL, d0)
    return [suffix_l.T @ s @ a.T for a, suffix_l in zip(prefix, suffix)]


def modewise_noise_variance(weights: Sequence[np.ndarray], teacher: np.ndarray, label_noise_std: float) -> np.ndarray:
    """a_alpha^T Sigma a_alpha (Prop. 3.3 without the eta/b) for every teacher mode alpha < min(d_0, d_L):
    with K = sum_l W_>l A_l,alpha W_<l and Mk = Delta^T K it is ||Mk + Mk^T||_F^2 / 2 + sigma_q^2 ||K||_F^2."""
    prefix, suffix = partial_products(weights)
    d0 = weights[0].shape[1]
    delta = teacher - reduce(lambda acc, w: w @ acc, weights, np.eye(d0))
    left, _, right_t = np.linalg.svd(teacher)
    out = []
    for alpha in range(min(teacher.shape)):
        u, v = left[:, alpha], right_t[alpha]
        k = sum(np.outer(q @ (q.T @ u), a.T @ (a @ v)) for a, q in zip(prefix, suffix))
        m = delta.T @ k
        out.append(0.5 * np.sum((m + m.T) ** 2) + label_noise_std**2 * np.sum(k**2))
    return np.array(out)


def two_layer_noise_covariance(product: np.ndarray, inputs: np.ndarray, labels: np.ndarray, batch_size: int, replacement: bool = True) -> np.ndarray:
    """C(w) of Eq. (3.11) for N_o = 1: covariance of the minibatch gradient of the product w = W2 W1,
    (1/S) [(1/P) sum_mu r_mu^2 x_mu x_mu^T - g g^T], times (P - S)/(P - 1) without replacement."""
    P = inputs.shape[0]
    residual = labels - inputs @ product
    g = residual @ inputs / P
    c = (inputs.T * residual**2) @ inputs / P - np.outer(g, g)
    return c / batch_size * (1.0 if replacement else (P - batch_size) / (P - 1))


def two_layer_noise(product: np.ndarray, inputs: np.ndarray, labels: np.ndarray, batch_size: int, draws: np.ndarray, noise_form: str,
                    replacement: bool = True) -> np.ndarray:
    """One draw of eps ~ N(0, C) as the SGF kernel makes it (two_layer.py): "exact" from P normals,
    "wick" (Eq. 3.12, covariance (1/S)[<r^2> Sigma^xx + g g^T]) from N_i + 1 normals."""
    P, n_in = inputs.shape
    residual = labels - inputs @ product
    g = residual @ inputs / P
    scale = 1.0 if replacement else np.sqrt((P - batch_size) / (P - 1))
    if noise_form == "exact":
        return scale * (draws[:P] @ (residual[:, None] * inputs - g)) / np.sqrt(batch_size * P)
    if noise_form == "wick":
        cholesky = np.linalg.cholesky(inputs.T @ inputs / P)
        return scale * (np.sqrt(np.mean(residual**2) / batch_size) * cholesky @ draws[:n_in] + g * draws[n_in] / np.sqrt(batch_size))
    raise ValueError(f"unknown noise_form {noise_form!r}")
