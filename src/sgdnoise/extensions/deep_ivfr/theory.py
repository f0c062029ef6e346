"""Linearised fluctuation theory of a deep linear network with one output, y = W_L ... W_1 x (widths N_i, d_1, ..., 1),
about a point theta of its weights: the depth-L analogue of Gross et al. (3.26)-(3.34).

The loss (3.1) depends on theta through the product w = W_L ... W_1 (1 x N_i) only. With W_<l = W_(l-1) ... W_1
(d_(l-1) x N_i, W_<1 = 1) and W_>l = W_L ... W_(l+1) (1 x d_l, W_>L = 1), dw = sum_l W_>l dW_l W_<l, so the Jacobian
J = dw / d theta (N_i x n_params, vec_row per layer, layers in order) has the blocks J_l^T = W_>l^T kron W_<l.
Linearised SGD in continuum time t = lambda * step (as (3.26)): d theta = -H theta dt + sqrt(lambda) dB with
  H = J^T Sigma J                (Gauss-Newton; the full Hessian at a minimum of the product, where the gradient vanishes),
  Lambda = (lambda / S) J^T C J,  C = (1/P) sum_mu r_mu^2 x_mu x_mu^T - g g^T, r_mu = y_mu - w x_mu, g = (1/P) sum_mu r_mu x_mu
(the covariance of the minibatch gradient of the product, 3.11; times (P - S)/(P - 1) without replacement), and the
stationary covariance solves H M + M H = Lambda (3.29) on range(H) = range(J^T), the directions orthogonal to it feeling
neither drift nor noise (`lyapunov_layer_covariances`). Its rank is rank(J) <= N_i whatever the depth.

If C = sigma^2 Sigma (large P, pure-noise labels: Wick, 3.12), Lambda is proportional to H and the solution is
(3.30)'s: M = (lambda sigma^2 / 2S) x the projector onto range(J^T) = J^T G^-1 J, G = J J^T = sum_l |W_>l|^2 W_<l^T W_<l
(N_i x N_i) (`projector_layer_covariances`). Its layer blocks:
  first layer   (W_>1^T W_>1) kron G^-1                    rank N_i; curvature along it |W_>1|^2 e^T Sigma e: flat (no IVFR),
  layer l >= 2  (W_>l^T W_>l) kron W_<l G^-1 W_<l^T         rank rank(W_<l); curvature |W_>l|^2 e^T W_<l Sigma W_<l^T e,
so with G ~ |W_>1|^2 1 the variance along layer l >= 2 is proportional to the curvature: psi = 2. At depth 2,
G = D2 1 + W1^T W1 and the last block is A D1 / (D1 + D2) A^T, (3.34). The ratio rho = kappa / (sigma_x^2 |W_>1|^2) of a
mode's curvature to the first layer's term generalises D1_ii / D2 (`depth_two_ratio`).
"""

from __future__ import annotations

import numpy as np


def partial_products(layers: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """([W_<l], [W_>l]) for l = 1..L: prefixes (d_(l-1) x N_i), suffixes as vectors (d_l,); `layers` W_l (d_l x d_(l-1)),
    the last one (1 x d_(L-1))."""
    prefix = [np.eye(layers[0].shape[1])]
    for w in layers[:-1]:
        prefix.append(w @ prefix[-1])
    suffix = [np.ones(1)]
    for w in layers[:0:-1]:
        suffix.append(suffix[-1] @ w)
    return prefix, suffix[::-1]


def product_jacobian(layers: list[np.ndarray]) -> np.ndarray:
    """J = dw / d theta (N_i x n_params): blocks J_l^T = W_>l^T kron W_<l, vec_row of each layer, layers in order."""
    prefix, suffix = partial_products(layers)
    return np.concatenate([np.kron(s[:, None], p) for p, s in zip(prefix, suffix)], axis=0).T


def gram(layers: list[np.ndarray]) -> np.ndarray:
    """G = J J^T = sum_l |W_>l|^2 W_<l^T W_<l (N_i x N_i)."""
    prefix, suffix = partial_products(layers)
    return sum(float(s @ s) * (p.T @ p) for p, s in zip(prefix, suffix))


def layer_slices(layers: list[np.ndarray]) -> list[slice]:
    """Entries of each layer in theta (vec_row per layer, in order)."""
    edges = np.cumsum([0] + [w.size for w in layers])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def projector_layer_covariances(layers: list[np.ndarray], level: float) -> list[np.ndarray]:
    """Layer blocks of level x J^T G^-1 J, the (3.30) solution for Lambda proportional to H (level = lambda sigma^2 / 2S)."""
    J = product_jacobian(layers)
    right = np.linalg.solve(gram(layers), J)
    return [level * J[:, s].T @ right[:, s] for s in layer_slices(layers)]


def gradient_noise(inputs: np.ndarray, labels: np.ndarray, product: np.ndarray) -> np.ndarray:
    """C = (1/P) sum_mu r_mu^2 x_mu x_mu^T - g g^T of one sample's gradient of the product (without the 1/S)."""
    residual = labels - inputs @ product
    g = inputs.T @ residual / inputs.shape[0]
    return (inputs * residual[:, None] ** 2).T @ inputs / inputs.shape[0] - np.outer(g, g)


def lyapunov_reduced(layers: list[np.ndarray], inputs: np.ndarray, labels: np.ndarray, *, learning_rate: float, batch_size: int,
                     replacement: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(basis, drift, M): the linearised SGD about `layers` on the data (inputs (P, N_i), labels (P,)) in the orthonormal basis
    of range(J^T) = J's right singular vectors (rows of `basis`, N_i x n_params, whatever the depth): drift = basis H basis^T
    and M, the solution of drift M + M drift = basis Lambda basis^T (3.29) by scipy.linalg.solve_continuous_lyapunov."""
    import scipy.linalg  # here, not at the top: the stages that only read results never call it

    P = inputs.shape[0]
    J = product_jacobian(layers)
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    keep = s > s.max() * 1e-12  # rank(J) = N_i unless the product's suffix W_>1 vanishes
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    product = (layers[-1] @ partial_products(layers)[0][-1])[0]
    sigma_xx = inputs.T @ inputs / P
    factor = 1.0 if replacement else (P - batch_size) / (P - 1)
    drift = s[:, None] * (U.T @ sigma_xx @ U) * s[None, :]
    diffusion = learning_rate / batch_size * factor * s[:, None] * (U.T @ gradient_noise(inputs, labels, product) @ U) * s[None, :]
    M = scipy.linalg.solve_continuous_lyapunov(drift, diffusion)
    return Vt, drift, 0.5 * (M + M.T)


def layer_blocks(basis: np.ndarray, reduced: np.ndarray, layers: list[np.ndarray]) -> list[np.ndarray]:
    """The layer blocks of basis^T reduced basis (a covariance in the range coordinates, mapped to the weights)."""
    return [basis[:, sl].T @ reduced @ basis[:, sl] for sl in layer_slices(layers)]


def lyapunov_layer_covariances(layers: list[np.ndarray], inputs: np.ndarray, labels: np.ndarray, *, learning_rate: float, batch_size: int,
                               replacement: bool = True) -> list[np.ndarray]:
    """Layer blocks of the stationary covariance of the linearised SGD (lyapunov_reduced); the directions orthogonal to
    range(J^T) feel neither drift nor noise."""
    basis, _, M = lyapunov_reduced(layers, inputs, labels, learning_rate=learning_rate, batch_size=batch_size, replacement=replacement)
    return layer_blocks(basis, M, layers)


def detrended_lag_weights(n_records: int) -> np.ndarray:
    """w_k = sum_a (1 - P)_(a, a+k), k = 0..n-1, P the projector onto (1, t) of n equally spaced records: the covariance of
    the records about their least-squares line is (1/n) sum_(a,b) (1 - P)_ab x_a x_b^T."""
    t = np.arange(n_records) - (n_records - 1) / 2
    lagged = np.correlate(t, t, mode="full")[n_records - 1 :]  # sum_a t_a t_(a+k)
    w = -(n_records - np.arange(n_records)) / n_records - lagged / (t @ t)
    w[0] += n_records
    return w


def window_expectation(drift: np.ndarray, M: np.ndarray, *, learning_rate: float, record_every: int, n_records: int) -> np.ndarray:
    """The expectation of the covariance about the linear trend of n_records records every record_every steps of the
    stationary Ornstein-Uhlenbeck process d z = -drift z dt + noise (t = lambda * step), covariance M: with drift =
    R diag(h) R^T and lag covariances M e^(-drift tau), it is R [(R^T M R)_ij (w_0 + S_i + S_j) / n] R^T,
    S_i = sum_(k >= 1) w_k exp(-h_i lambda record_every k) (detrended_lag_weights). Slow modes (few relaxation times in
    the window) come out low."""
    h, R = np.linalg.eigh(drift)
    w = detrended_lag_weights(n_records)
    k = np.arange(1, n_records)
    S = np.exp(-np.outer(np.maximum(h, 0.0) * learning_rate * record_every, k)) @ w[1:]
    inner = (R.T @ M @ R) * (w[0] + S[:, None] + S[None, :]) / n_records
    return R @ inner @ R.T


def layer_curvature(layers: list[np.ndarray], layer: int, directions: np.ndarray, sigma_xx: np.ndarray) -> np.ndarray:
    """kappa = d^2 L(W_l + theta A) / d theta^2 = u Sigma u^T, u = W_>l A W_<l, for the directions A = rows of `directions`
    (k, d_l d_(l-1)) in vec_row of layer `layer` (0-based): exact, the loss being quadratic in one layer's weights."""
    prefix, suffix = partial_products(layers)
    w = layers[layer]
    u = np.einsum("a,kab,bj->kj", suffix[layer], directions.reshape(-1, *w.shape), prefix[layer])
    return np.einsum("kj,jm,km->k", u, sigma_xx, u)


def depth_two_ratio(curvature: np.ndarray, layers: list[np.ndarray], input_variance: float) -> np.ndarray:
    """rho = kappa / (sigma_x^2 |W_>1|^2): D1_ii / D2 at depth 2 along the columns of A (kappa = sigma_x^2 D1_ii, |W_>1|^2 = D2)."""
    suffix = partial_products(layers)[1][0]
    return curvature / (input_variance * float(suffix @ suffix))


def structural_ranks(layers: list[np.ndarray]) -> list[int]:
    """rank J_l = rank(W_<l) (N_o = 1, W_>l != 0): N_i for the first layer, at most d_(l-1) above."""
    prefix, _ = partial_products(layers)
    return [int(np.linalg.matrix_rank(p)) for p in prefix]
