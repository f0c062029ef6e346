"""Gross, Raulf, Raeth 2024, Sec. II: single-layer linear network under SGD.

Conventions (see shared notes): the loss is the MEAN over samples, L(w) = (1/2P) sum_mu (w.x^mu - y^mu)^2,
SGD is w <- w - lr * grad L_B with L_B the minibatch mean, continuum time t = lr * step.
`inputs` is the (P, N) array whose rows are the samples x^mu (the paper's X is its transpose).
"""

from __future__ import annotations

import numpy as np


def hessian(inputs: np.ndarray) -> np.ndarray:
    """H = X X^T / P  (Eq. 2.4)."""
    return inputs.T @ inputs / inputs.shape[0]


def teacher_solution(inputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Minimum-norm minimiser w* = (X X^T)^+ X Y^T  (Eq. 2.7), valid over- and underparameterised."""
    return np.linalg.lstsq(inputs, labels, rcond=None)[0]


def train_loss(inputs: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """L(w) = (1/2P) ||w^T X - Y||^2  (Eq. 2.3); `weights` may carry leading batch axes (..., N)."""
    residual = weights @ inputs.T - labels
    return 0.5 * np.mean(residual**2, axis=-1)


def test_loss(teacher: np.ndarray, weights: np.ndarray, label_noise_variance: float) -> np.ndarray:
    """Population loss on fresh data, (1/2)(sigma_x^2 ||w - u||^2 + sigma_eps^2) with sigma_x^2 = 1/N."""
    N = teacher.shape[-1]
    return 0.5 * (np.sum((weights - teacher) ** 2, axis=-1) / N + label_noise_variance)


def without_replacement_factor(P: int, batch_size: int) -> float:
    """Minibatch covariance without replacement relative to with replacement: (P - S)/(P - 1)."""
    return (P - batch_size) / (P - 1)


def noise_covariance(
    inputs: np.ndarray, labels: np.ndarray, weights: np.ndarray, batch_size: int, replacement: bool = True
) -> np.ndarray:
    """Minibatch-gradient noise covariance C(w)  (Eqs. 2.14-2.15).

    C = (1/S) [ (1/P) sum_mu (w.x^mu - y^mu)^2 x^mu x^mu^T - grad L grad L^T ]; at w = w* this is the
    additive-noise form (2.17). The 1/S is part of C, as in the paper.
    """
    P = inputs.shape[0]
    residual = inputs @ weights - labels
    gradient = inputs.T @ residual / P
    second_moment = (inputs * residual[:, None] ** 2).T @ inputs / P
    C = (second_moment - np.outer(gradient, gradient)) / batch_size
    return C if replacement else C * without_replacement_factor(P, batch_size)


def hessian_noise_approximation(inputs: np.ndarray, label_noise_variance: float, batch_size: int) -> np.ndarray:
    """Large-P limit C ~ (sigma_eps^2 / S) H  (Eq. 2.20)."""
    return label_noise_variance / batch_size * hessian(inputs)


def _eigenbasis(hessian_matrix: np.ndarray, noise_cov: np.ndarray):
    omega, V = np.linalg.eigh(hessian_matrix)
    return omega, V, V.T @ noise_cov @ V


def lyapunov_covariance(hessian_matrix: np.ndarray, noise_cov: np.ndarray, learning_rate: float) -> np.ndarray:
    """Stationary weight covariance M solving H M + M H = lr C  (Eq. 2.29), via Eqs. (2.30)-(2.31).

    In the Hessian eigenbasis M~_ij = lr C~_ij / (omega_i + omega_j), which equals (lr/2) H^-1 (C + Q).
    Directions with omega_i + omega_j = 0 (null space of H, N > P) carry no noise (C = 0 there, Eq. 2.16)
    and get zero variance: the minimum-norm solution.
    """
    omega, V, C_eig = _eigenbasis(hessian_matrix, noise_cov)
    denominator = omega[:, None] + omega[None, :]
    M_eig = np.divide(learning_rate * C_eig, denominator, out=np.zeros_like(C_eig), where=denominator > _null(omega))
    return V @ M_eig @ V.T


def _null(omega: np.ndarray) -> float:
    # eigenvalues of H below this are numerically zero (rank deficiency for N > P)
    return 1e-10 * max(float(np.max(np.abs(omega))), 1e-300)


def antisymmetric_q(hessian_matrix: np.ndarray, noise_cov: np.ndarray) -> np.ndarray:
    """Q = V Q~ V^T with Q~_ij = (omega_i - omega_j)/(omega_i + omega_j) (V^T C V)_ij  (Eq. 2.31).

    Q is antisymmetric and measures the broken detailed balance (probability current).
    """
    omega, V, C_eig = _eigenbasis(hessian_matrix, noise_cov)
    total = omega[:, None] + omega[None, :]
    ratio = np.divide(omega[:, None] - omega[None, :], total, out=np.zeros_like(C_eig), where=total > _null(omega))
    return V @ (ratio * C_eig) @ V.T


def detailed_balance_covariance(hessian_matrix: np.ndarray, noise_cov: np.ndarray, learning_rate: float) -> np.ndarray:
    """M_DB = (lr/2) H^-1 C  (Eq. 2.33): the Q = 0 approximation. Not symmetric in general."""
    return 0.5 * learning_rate * np.linalg.solve(hessian_matrix, noise_cov)


def isotropic_variance(learning_rate: float, label_noise_variance: float, batch_size: int) -> float:
    """M = lr sigma_eps^2 / (2 S) * 1 in the limit P/N -> infinity  (Eq. 2.34)."""
    return learning_rate * label_noise_variance / (2.0 * batch_size)


def discrete_sgd_covariance(
    inputs: np.ndarray,
    labels: np.ndarray,
    learning_rate: float,
    batch_size: int,
    replacement: bool = True,
    rtol: float = 1e-13,
    max_iter: int = 500,
) -> np.ndarray:
    """Exact stationary covariance of discrete SGD (no continuum approximation); shared notes, formulas.md.

    Because the loss is quadratic, delta w = w - w* obeys delta w' = A delta w - lr xi with A = 1 - lr H and
    E[xi | w] = 0, so M solves
        M = A M A + (lr^2 / S) [ (1/P) sum_mu (x_mu^T M x_mu + r_mu^2) x_mu x_mu^T - H M H ]
    (times (P-S)/(P-1) on the bracket without replacement), r_mu the residual at w*. Solved by fixed-point
    iteration in the Hessian eigenbasis, where M -> M - A M A is diagonal; the iteration contracts at a rate
    ~ lr tr(H) / (2S), so a few tens of iterations reach rounding level.
    """
    P, N = inputs.shape
    H = hessian(inputs)
    residual = inputs @ teacher_solution(inputs, labels) - labels
    omega, V = np.linalg.eigh(H)
    Z = inputs @ V  # samples in the eigenbasis
    a = 1.0 - learning_rate * omega
    lyapunov_gap = 1.0 - a[:, None] * a[None, :]
    scale = learning_rate**2 / batch_size * (1.0 if replacement else without_replacement_factor(P, batch_size))
    label_term = (Z * residual[:, None] ** 2).T @ Z / P
    inactive = np.abs(lyapunov_gap) <= _null(omega) * learning_rate  # null space of H: no noise, no variance
    M = np.zeros((N, N))
    for _ in range(max_iter):
        quad = np.sum((Z @ M) * Z, axis=1)  # x_mu^T M x_mu in the eigenbasis
        noise = scale * ((Z * quad[:, None]).T @ Z / P + label_term - omega[:, None] * M * omega[None, :])
        M_next = np.divide(noise, lyapunov_gap, out=np.zeros_like(noise), where=~inactive)
        converged = np.max(np.abs(M_next - M)) <= rtol * np.max(np.abs(M_next))
        M = M_next
        if converged:
            return V @ M @ V.T
    raise RuntimeError(f"discrete moment equation did not converge in {max_iter} iterations (lr too large?)")


def marchenko_pastur_smallest_eigenvalue(N: int, P: int) -> float:
    """Smallest non-zero Hessian eigenvalue for sigma_x^2 = 1/N at large N, P: (sqrt P - sqrt N)^2 / (N P).

    Equals sigma_x^2 (1 - sqrt(N/P))^2 for N < P and (1/P)(1 - sqrt(P/N))^2 for N > P (Sec. II B 3).
    """
    return (np.sqrt(P) - np.sqrt(N)) ** 2 / (N * P)
