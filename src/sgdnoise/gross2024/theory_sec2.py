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


def stationary_noise_covariance(
    inputs: np.ndarray, labels: np.ndarray, weight_covariance: np.ndarray, batch_size: int, replacement: bool = True
) -> np.ndarray:
    """C (Eq. 2.15) averaged over stationary weights w = w* + dw with <dw> = 0, <dw dw^T> = M (Fig. 3a).

    Exact because C(w) is quadratic in w: <C> = C(w*) + (1/S) [ (1/P) sum_mu (x_mu^T M x_mu) x_mu x_mu^T - H M H ].
    The second term is the multiplicative noise that the additive approximation (2.17) neglects.
    """
    P = inputs.shape[0]
    H = hessian(inputs)
    quad = np.einsum("pi,ij,pj->p", inputs, weight_covariance, inputs)
    multiplicative = ((inputs * quad[:, None]).T @ inputs / P - H @ weight_covariance @ H) / batch_size
    if not replacement:
        multiplicative *= without_replacement_factor(P, batch_size)
    return noise_covariance(inputs, labels, teacher_solution(inputs, labels), batch_size, replacement) + multiplicative


def hessian_approximation_deviation(N: int, P: int) -> float:
    """Large-P estimate of ||C_(2.17) - C_(2.20)||_F / ||C_(2.20)||_F for Gaussian i.i.d. data (our derivation, Fig. 3b):
    sqrt((2N/P) (1 + 2/N) / (1 + (N+1)/P)), i.e. the Hessian approximation is approached as (P/N)^(-1/2).

    For P >> N the residuals at w* are r_mu ~ -eps_mu, so C - C_H ~ (1/SP) sum_mu (eps_mu^2 - sigma^2) x_mu x_mu^T with
    E||.||_F^2 = 2 sigma^4 E||x||^4 / (S^2 P), E||x||^4 = (N+2)/N, while E||C_H||_F^2 = sigma^4 E tr H^2 / S^2 =
    sigma^4 (1 + (N+1)/P) / (N S^2). Neglected: O(N/P) corrections from the projector in r = -(1 - Pi) eps.
    """
    return float(np.sqrt(2.0 * N / P * (1.0 + 2.0 / N) / (1.0 + (N + 1.0) / P)))


def projector_element_statistics(inputs: np.ndarray) -> tuple[float, float]:
    """(variance of the diagonal, mean square of the off-diagonal elements) of the projector Pi = X^+ X onto the row
    space of X (Sec. II B 2; the paper's script P; Fig. 2a), for N < P, without forming the P x P matrix.

    With Q an orthonormal basis of the column space of X^T (thin QR), Pi = Q Q^T: the diagonal is the squared row
    norms of Q, with mean exactly N/P (tr Pi = N), and ||Pi||_F^2 = tr Pi = N gives the off-diagonal sum of squares.
    The off-diagonal elements have mean zero (sign symmetry x^mu -> -x^mu), so their mean square is their variance.
    """
    P, N = inputs.shape
    if N >= P:
        raise ValueError(f"the projector X^+ X is the identity for N >= P (N = {N}, P = {P})")
    diagonal = np.sum(np.linalg.qr(inputs)[0] ** 2, axis=1)
    return float(np.mean((diagonal - N / P) ** 2)), float((N - np.sum(diagonal**2)) / (P * (P - 1)))


def haar_projector_element_variances(N: int, P: int) -> tuple[float, float]:
    """Exact (var Pi_ii, var Pi_ij for i != j) of a uniformly random rank-N projector in R^P, which Pi = X^+ X is for
    Gaussian i.i.d. data (its row space is rotation invariant): Pi_ii ~ Beta(N/2, (P-N)/2), and sum_j Pi_ij^2 = Pi_ii:
        var Pi_ii = 2N(P-N) / (P^2 (P+2)),   var Pi_ij = N(P-N) / (P(P-1)(P+2)).
    At fixed s = P/N, N var Pi_ij -> (s-1)/s^3: curves for different N collapse (Fig. 2a), with local log-log slope
    -2 + 1/(s-1) in s (-1.8 at s = 6, -2 asymptotically).
    """
    return 2.0 * N * (P - N) / (P**2 * (P + 2.0)), N * (P - N) / (P * (P - 1.0) * (P + 2.0))


def noise_matrix(inputs: np.ndarray, label_noise: np.ndarray) -> np.ndarray:
    """Diagonal of K (Eq. 2.18): K^{mu mu} = (1/P) [((1 - Pi) eps)_mu]^2 with Pi = X^+ X, so that C = (1/S) X K X^T at w*
    (Eq. 2.17). For random labels pass y as eps. Vanishes for N >= P (Pi = 1)."""
    P = inputs.shape[0]
    projected = inputs @ np.linalg.lstsq(inputs, label_noise, rcond=None)[0]  # Pi eps: projection on the column space of X^T
    return (label_noise - projected) ** 2 / P


def squared_gaussian_error(N: int, P: int) -> float:
    """Relative rms error of the squared-Gaussian approximation P K^{mu mu} ~ (eps^mu)^2 (Fig. 2b; our derivation):
    sqrt(E[(P K^{mu mu} - eps_mu^2)^2] / E[eps_mu^4]) = sqrt((4 E p - E p^2) / 3),  p = Pi_mumu (Haar moments),
    which is ~ sqrt(4N / 3P) for P >> N.

    Given X, eps_mu and a = (Pi eps)_mu are jointly Gaussian with var a = cov(eps_mu, a) = sigma^2 p (Pi^2 = Pi); then
    P K^{mu mu} - eps_mu^2 = a^2 - 2 eps_mu a has second moment sigma^4 (4p - p^2), and E eps^4 = 3 sigma^4.
    The mean of eps_mu^2 - P K^{mu mu} is sigma^2 E p = sigma^2 N/P exactly.
    """
    diagonal_variance = haar_projector_element_variances(N, P)[0]
    return float(np.sqrt((4.0 * N / P - diagonal_variance - (N / P) ** 2) / 3.0))


def hessian_eigenbasis(hessian_matrix: np.ndarray, matrix: np.ndarray):
    """(omega, V, V^T A V): eigenvalues omega_k of H in ascending order (omega_0 smallest, Eq. 2.27), eigenvectors
    as the columns of V (Eq. 2.31), and the matrix A in that basis (Fig. 3c)."""
    omega, V = np.linalg.eigh(hessian_matrix)
    return omega, V, V.T @ matrix @ V


def lyapunov_covariance(hessian_matrix: np.ndarray, noise_cov: np.ndarray, learning_rate: float) -> np.ndarray:
    """Stationary weight covariance M solving H M + M H = lr C  (Eq. 2.29), via Eqs. (2.30)-(2.31).

    In the Hessian eigenbasis M~_ij = lr C~_ij / (omega_i + omega_j), which equals (lr/2) H^-1 (C + Q).
    Directions with omega_i + omega_j = 0 (null space of H, N > P) carry no noise (C = 0 there, Eq. 2.16)
    and get zero variance: the minimum-norm solution.
    """
    omega, V, C_eig = hessian_eigenbasis(hessian_matrix, noise_cov)
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
    omega, V, C_eig = hessian_eigenbasis(hessian_matrix, noise_cov)
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


def mode_relaxation(omega: np.ndarray, z_initial: np.ndarray, z_solution: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Noise-averaged modes <z_k(t)> = z*_k + exp(-omega_k t) (z_k(0) - z*_k)  (Eq. 2.27), continuum time t = lr * step.
    Returns (time, mode)."""
    decay = np.exp(-np.outer(t, omega))
    return z_solution + decay * (z_initial - z_solution)


def discrete_mode_relaxation(omega: np.ndarray, z_initial: np.ndarray, z_solution: np.ndarray, steps: np.ndarray, learning_rate: float) -> np.ndarray:
    """Exact mean of discrete SGD, E z_k(tau) = z*_k + (1 - lr omega_k)^tau (z_k(0) - z*_k): the mean follows gradient
    descent, E w(tau+1) = E w(tau) - lr H (E w(tau) - w*), because E[xi | w] = 0. Returns (step, mode)."""
    decay = (1.0 - learning_rate * omega)[None, :] ** np.asarray(steps, dtype=float)[:, None]
    return z_solution + decay * (z_initial - z_solution)


def mode_loss(omega: np.ndarray, z: np.ndarray, z_solution: np.ndarray, minimum: float) -> np.ndarray:
    """L = (1/2) sum_k omega_k (z_k - z*_k)^2 + L*  (Eq. 2.26); z may carry leading axes (..., mode)."""
    return 0.5 * np.sum(omega * (z - z_solution) ** 2, axis=-1) + minimum


def minimum_loss(inputs: np.ndarray, label_noise: np.ndarray) -> float:
    """L* = (1/2P) eps (1 - Pi) eps^T  (Eq. 2.26): the loss of the fully trained model, zero for N >= P."""
    return float(0.5 * np.sum(noise_matrix(inputs, label_noise)))


def expected_minimum_loss(N: int, P: int, label_noise_variance: float) -> float:
    """E L* = sigma_eps^2 (P - N) / (2P) for N < P and 0 for N >= P, since tr(1 - Pi) = P - rank (Table 1)."""
    return label_noise_variance * max(P - N, 0) / (2.0 * P)


def loss_perturbation(inputs: np.ndarray, labels: np.ndarray, weights: np.ndarray, directions: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """dL(theta v) = L(w + theta v) - L(w) (Eq. 2.35) for the columns v of `directions` (N, K) and amplitudes `thetas`,
    from the loss itself; at w = w* it equals (theta^2 / 2) v^T H v. Returns (K, n_theta)."""
    perturbed = weights + thetas[None, :, None] * directions.T[:, None, :]
    return train_loss(inputs, labels, perturbed) - train_loss(inputs, labels, weights)


def random_direction_curvature_spread(hessian_matrix: np.ndarray) -> float:
    """Standard deviation of the curvature v^T H v over uniformly random unit vectors v (mean tr H / N):
    sqrt(2 (tr H^2 - (tr H)^2 / N) / (N (N + 2))). The reference for eigenvectors "essentially unrelated" to those of H
    (Sec. II C 2): an orthonormal basis of such vectors spreads v^T H v this much."""
    N = hessian_matrix.shape[0]
    trace = np.trace(hessian_matrix)
    return float(np.sqrt(2.0 * (np.sum(hessian_matrix**2) - trace**2 / N) / (N * (N + 2.0))))


def noiseless_second_moment_map(inputs: np.ndarray, learning_rate: float, batch_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact one-step map of the second moment S = E[dw dw^T], dw = w - w*, of discrete SGD with replacement at
    sigma_eps = 0 (zero residuals at w*; the moment equation of discrete_sgd_covariance without its label term):
        S' = A S A + (lr^2 / S_batch) [ (1/P) sum_mu (x_mu^T S x_mu) x_mu x_mu^T - H S H ],   A = 1 - lr H,
    in the Hessian eigenbasis as a symmetric N^2 x N^2 matrix. Returns (its eigenvalues, eigenvectors, omega)."""
    P, N = inputs.shape
    omega, V = np.linalg.eigh(hessian(inputs))
    Z = inputs @ V
    a = 1.0 - learning_rate * omega
    Z2 = (Z[:, :, None] * Z[:, None, :]).reshape(P, N * N)  # rows vec(z z^T)
    T = np.diag(np.outer(a, a).ravel()) + learning_rate**2 / batch_size * (Z2.T @ Z2 / P - np.diag(np.outer(omega, omega).ravel()))
    mu, U = np.linalg.eigh(T)
    return mu, U, omega


def noiseless_mean_loss(inputs: np.ndarray, initial_offset: np.ndarray, steps: np.ndarray, learning_rate: float, batch_size: int) -> np.ndarray:
    """Exact E L(tau) = (1/2) tr(H S_tau) of discrete SGD at sigma_eps = 0 (L* = 0), from w(0) - w* = initial_offset, by
    the eigen-expansion of noiseless_second_moment_map: the loss decays as a sum of exponentials mu_j^tau."""
    mu, U, omega = noiseless_second_moment_map(inputs, learning_rate, batch_size)
    V = np.linalg.eigh(hessian(inputs))[1]
    z = V.T @ initial_offset
    weights = (U.T @ np.diag(omega).ravel()) * (U.T @ np.outer(z, z).ravel())
    return 0.5 * (np.sign(mu)[None] ** np.asarray(steps)[:, None] * np.abs(mu)[None] ** np.asarray(steps, dtype=float)[:, None]) @ weights
