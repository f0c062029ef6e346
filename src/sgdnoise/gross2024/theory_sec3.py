"""Gross, Raulf, Raeth 2024, Sec. III: two-layer linear network x -> W1 -> W2 -> y with N_o = 1, Eqs. (3.23)-(3.42).

Conventions (shared notes, formulas.md "Gross Sec. III"):
- `first_layer` W1 has shape (N_h, N_i), `second_layer` W2 shape (N_h,) (the 1 x N_h row); N_h <= N_i.
- Loss (3.1) L = (1/2P) sum_mu (y^mu - W2 W1 x^mu)^2, SGD (3.5) on the minibatch mean, step lambda, batch S,
  continuum time t = lambda * step. The linear theory is the paper's: large P (Wick, 3.12) and whitened inputs
  Sigma^xx = sigma_x^2 I (3.13, 3.20) about a minimum W2 W1 = w*; the (1 - 1/P) factor of (3.21) is dropped (P -> oo).
- vec(W1) is ROW-MAJOR (W1.ravel(): index h * N_i + j), as the engine records it. The paper's (3.31a) is written for
  the column-major vec; in row-major order it reads cov(vec dW1) = (V V^T) kron M11.
- Thin SVDs (3.23): W1 = A diag(S1) B^T with A (N_h, N_h) orthogonal, B (N_i, N_h); W2 = U S2 V^T with U = [[1]]
  (sign convention: S2 = ||W2|| > 0, V = W2^T / S2, shape (N_h, 1)). D1 = S1^2 (descending), D2 = S2^2.
  The paper's stated sizes of V, D2 (N_h x N_h) contradict its own block sizes; (3.27) holds with the thin SVD.
- Z = (z1, z2) with z1 = V^T dW1 (N_i components: the part of dW1 along W2^T; the N_h N_i - N_i components of dW1
  orthogonal to V feel neither drift nor noise and stay frozen) and z2 = dW2 A (N_h components: dW2 in the columns
  of A). Z = T dtheta for dtheta = (vec_row dW1, dW2), with T orthonormal rows (`z_projection`).
- In this basis Gamma / sigma_x^2 = Lambda / sigma_R^2 = J^T J, J = [U S2 1_{N_i}, B diag(S1)] (N_i x (N_i + N_h)) the
  Jacobian of the product W2 W1 (the paper's (3.33) display), sigma_R^2 = lambda sigma_x^2 sigma_y^2 / S (the 1/S is
  lost in the OCR: Lambda = lambda x the minibatch gradient covariance, as in Sec. II).
- Signs of the singular vectors are numpy's; Z, M and R depend on them, the weight-space covariances do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Relative cut-off below which an eigenvalue of Gamma counts as zero. The nonzero eigenvalues are >= sigma_x^2 D2 and
# <= sigma_x^2 (D2 + max D1) (3.28), so the spectrum is separated from the structural zeros (~1e-16 relative)
# unless D2 / max D1 < 1e-12 (W2 ~ 0: those modes then relax on times ~1e12 longer and count as frozen).
RANGE_TOLERANCE = 1e-12


@dataclass
class SvdBasis:
    """Thin SVDs (3.23): W1 = A diag(singular_first) B^T, W2 = U S2 V^T."""

    A: np.ndarray  # (N_h, N_h)
    singular_first: np.ndarray  # (N_h,) descending
    B: np.ndarray  # (N_i, N_h)
    U: np.ndarray  # (1, 1), = [[1.0]]
    S2: float
    V: np.ndarray  # (N_h, 1)

    @property
    def D1(self) -> np.ndarray:
        """Eigenvalues of W1 W1^T (3.23a), descending."""
        return self.singular_first**2

    @property
    def D2(self) -> float:
        """W2 W2^T = ||W2||^2 (3.23b, N_o = 1)."""
        return self.S2**2

    @property
    def n_in(self) -> int:
        return self.B.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.A.shape[0]


def svd_basis(first_layer: np.ndarray, second_layer: np.ndarray) -> SvdBasis:
    """Thin SVDs of W1 and W2 (3.23), with U = 1 and V = W2^T / ||W2||."""
    first_layer = np.asarray(first_layer, dtype=float)
    second_layer = np.asarray(second_layer, dtype=float).reshape(-1)
    n_hidden, n_in = first_layer.shape
    if n_hidden > n_in:
        raise ValueError(f"Sec. III assumes N_h <= N_i (got N_h = {n_hidden}, N_i = {n_in})")
    A, S1, Bt = np.linalg.svd(first_layer, full_matrices=False)
    S2 = float(np.linalg.norm(second_layer))
    return SvdBasis(A=A, singular_first=S1, B=Bt.T, U=np.ones((1, 1)), S2=S2, V=(second_layer / S2)[:, None])


def noise_scale(*, learning_rate: float, batch_size: int, label_noise_variance: float, input_variance: float) -> float:
    """sigma_R^2 = lambda sigma_x^2 sigma_y^2 / S  (3.21c with the 1/S of the minibatch mean, P -> oo)."""
    return learning_rate * input_variance * label_noise_variance / batch_size


def product_jacobian(basis: SvdBasis) -> np.ndarray:
    """J (N_i x (N_i + N_h)): d(W2 W1)^T = J Z, i.e. W2 dW1 + dW2 W1 = U S2 z1 + z2 S1 B^T (3.24)."""
    return np.hstack([basis.U[0, 0] * basis.S2 * np.eye(basis.n_in), basis.B * basis.singular_first])


def drift_and_diffusion(
    basis: SvdBasis, *, learning_rate: float, batch_size: int, label_noise_variance: float, input_variance: float
) -> tuple[np.ndarray, np.ndarray]:
    """(Gamma, Lambda) of dZ = -Gamma Z dt + eta, <eta eta^T> = Lambda dt  (3.26)-(3.27), square N_i + N_h:
    Gamma = sigma_x^2 J^T J, Lambda = sigma_R^2 J^T J, J^T J = [[D2 1, U S2 B S1], [U S2 S1 B^T, D1]]."""
    JtJ = product_jacobian(basis).T @ product_jacobian(basis)
    sigma_R2 = noise_scale(
        learning_rate=learning_rate,
        batch_size=batch_size,
        label_noise_variance=label_noise_variance,
        input_variance=input_variance,
    )
    return input_variance * JtJ, sigma_R2 * JtJ


def drift_eigenvalues(D1: np.ndarray, D2: float, n_in: int) -> np.ndarray:
    """Eigenvalues of Gamma / sigma_x^2 (= Lambda / sigma_R^2) (3.28), descending: D1_k + D2 (k = 1..N_h),
    D2 (N_i - N_h times), 0 (N_h times). Gamma's own eigenvalues are sigma_x^2 times these."""
    D1 = np.asarray(D1, dtype=float)
    n_hidden = D1.size
    values = np.concatenate([D1 + D2, np.full(n_in - n_hidden, float(D2)), np.zeros(n_hidden)])
    return np.sort(values)[::-1]


def range_basis(Gamma: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) of range(Gamma) for symmetric positive semidefinite Gamma."""
    values, vectors = np.linalg.eigh(Gamma)
    return vectors[:, values > RANGE_TOLERANCE * values.max()]


def fluctuation_matrix(Gamma: np.ndarray, Lambda: np.ndarray) -> np.ndarray:
    """M = 1/2 Gamma^+ Lambda  (3.30): the minimum-norm solution of Gamma M + M Gamma = Lambda (3.29) when
    Gamma is proportional to Lambda; then M = (lambda sigma_y^2 / 2S) x the projector onto range(Gamma) (3.32)."""
    return 0.5 * np.linalg.pinv(Gamma, rtol=RANGE_TOLERANCE, hermitian=True) @ Lambda


def linearized_covariance_dense(Gamma: np.ndarray, Lambda: np.ndarray) -> np.ndarray:
    """Stationary covariance of the OU process (3.26) started at Z = 0: solve_continuous_lyapunov of (3.29)
    restricted to range(Gamma) (the null-space modes feel no noise when range(Lambda) is in range(Gamma) and stay 0).
    Valid for any Lambda, not only Lambda proportional to Gamma."""
    Q = range_basis(Gamma)
    import scipy.linalg  # here, not at the top: most stages importing this module never call it

    reduced = scipy.linalg.solve_continuous_lyapunov(Q.T @ Gamma @ Q, Q.T @ Lambda @ Q)
    return Q @ reduced @ Q.T


def z_projection(basis: SvdBasis) -> np.ndarray:
    """T ((N_i + N_h) x (N_h N_i + N_h)) with orthonormal rows: Z = T (vec_row dW1, dW2), z1 = V^T dW1, z2 = dW2 A."""
    n_hidden, n_in = basis.n_hidden, basis.n_in
    T = np.zeros((n_in + n_hidden, n_hidden * n_in + n_hidden))
    T[:n_in, : n_hidden * n_in] = np.kron(basis.V.T, np.eye(n_in))
    T[n_in:, n_hidden * n_in :] = basis.A.T
    return T


def weight_covariances(M: np.ndarray, basis: SvdBasis) -> tuple[np.ndarray, np.ndarray]:
    """(cov(vec_row dW1) = (V V^T) kron M11, cov(dW2) = A M22 A^T)  (3.31a, 3.31b in row-major vec order)."""
    n_in = basis.n_in
    return np.kron(basis.V @ basis.V.T, M[:n_in, :n_in]), basis.A @ M[n_in:, n_in:] @ basis.A.T


def m22_diagonal(D1: np.ndarray, D2: float, *, learning_rate: float, batch_size: int, label_noise_variance: float):
    """M22_ii = (lambda sigma_y^2 / 2S) D1_ii / (D1_ii + D2)  (3.34), exact; M22 is diagonal."""
    D1 = np.asarray(D1, dtype=float)
    return mode_variance_level(
        learning_rate=learning_rate, batch_size=batch_size, label_noise_variance=label_noise_variance
    ) * D1 / (D1 + D2)


def m22_approximation(D1: np.ndarray, D2: float, *, learning_rate: float, batch_size: int, label_noise_variance: float):
    """M22_ii ~ (lambda sigma_y^2 / (2 S D2)) D1_ii  (3.36), valid only where D1_ii << D2."""
    D1 = np.asarray(D1, dtype=float)
    return mode_variance_level(
        learning_rate=learning_rate, batch_size=batch_size, label_noise_variance=label_noise_variance
    ) * D1 / D2


def loss_perturbation_exact(theta, D1, input_variance: float):
    """dL(theta a_i) = L(W1, W2 + theta a_i^T) - L(W1, W2) = 1/2 sigma_x^2 theta^2 D1_ii  (3.37, exact form) at a
    minimum with Sigma^xx = sigma_x^2 I; a_i = column i of A. theta and D1 broadcast (e.g. theta[:, None])."""
    return 0.5 * input_variance * np.square(theta) * np.asarray(D1, dtype=float)


def loss_perturbation_m22(
    theta, m22, D2: float, *, learning_rate: float, batch_size: int, label_noise_variance: float, input_variance: float
):
    """(S sigma_x^2 D2 / (lambda sigma_y^2)) theta^2 M22_ii  (3.37 as printed, through M22 via 3.36). With the exact
    M22 (3.34) this is the exact form times D2 / (D1_ii + D2) (formulas.md erratum)."""
    return (
        batch_size * input_variance * D2 / (learning_rate * label_noise_variance) * np.square(theta) * np.asarray(m22)
    )


def relaxation_modes(basis: SvdBasis, input_variance: float) -> tuple[np.ndarray, np.ndarray]:
    """(rates, R): Gamma / sigma_x^2 = R diag(omega) R^T (3.38), chi = R^T Z. `rates` are the decay rates of chi_k in
    continuum time, sigma_x^2 omega_k (3.39), descending; the N_h zero modes come last with rate 0 (exactly).
    R is orthogonal; within the degenerate eigenspaces (omega = D2, omega = 0) its columns are numpy's choice."""
    JtJ = product_jacobian(basis).T @ product_jacobian(basis)
    omega, R = np.linalg.eigh(JtJ)
    order = np.argsort(omega)[::-1]
    omega, R = omega[order], R[:, order]
    omega[-basis.n_hidden :] = 0.0  # structural zeros (3.28c); eigh returns them as +-1e-16
    return input_variance * omega, R


def mode_variance_level(*, learning_rate: float, batch_size: int, label_noise_variance: float) -> float:
    """<chi_k^2>_eq = sigma_R^2 / (2 sigma_x^2) = lambda sigma_y^2 / (2S) for omega_k > 0  (3.42, and 3.32)."""
    return learning_rate * label_noise_variance / (2.0 * batch_size)


def project_on_modes(first_layer_trace, second_layer_trace, reference_first, reference_second, basis: SvdBasis, R):
    """chi = R^T Z (..., time, N_i + N_h) of traces W1 (..., time, N_h, N_i), W2 (..., time, N_h) (3.39): Z of the
    deviations from the reference weights (z1 = V^T dW1, z2 = dW2 A). The references broadcast against one time
    slice of the traces (give them a time axis, e.g. reference[:, None], when they carry leading axes)."""
    dW1 = np.asarray(first_layer_trace) - reference_first
    dW2 = np.asarray(second_layer_trace) - reference_second
    Z = np.concatenate([np.einsum("h,...hj->...j", basis.V[:, 0], dW1), dW2 @ basis.A], axis=-1)
    return Z @ R


def full_batch_loss(inputs, labels, first_layer, second_layer):
    """L = (1/2P) sum_mu (y^mu - W2 W1 x^mu)^2  (3.1); inputs (P, N_i), labels (P,), W1 (..., N_h, N_i),
    W2 (..., N_h) with broadcasting leading axes."""
    product = np.einsum("...h,...hi->...i", second_layer, first_layer)
    residual = labels - product @ np.asarray(inputs).T
    return 0.5 * np.mean(residual**2, axis=-1)


def iid_weight_spectra(
    n_in: int,
    n_hidden: int,
    *,
    variance_first: float,
    variance_second: float,
    n_draws: int,
    rng: np.random.Generator,
    learning_rate: float,
    batch_size: int,
    label_noise_variance: float,
    input_variance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Descending eigenvalues of cov(vec dW1) (n_draws, N_h N_i) and cov(dW2) (n_draws, N_h) from (3.30)-(3.31) with
    W1, W2 drawn i.i.d. N(0, variance_first), N(0, variance_second) (Fig. 8b, c dashed curves; per draw W1 then W2
    from `rng`, so a draw is reproducible from the generator's state). Uses that
    (V V^T) kron M11 has the eigenvalues of M11 plus N_i (N_h - 1) zeros and A M22 A^T those of M22."""
    eig_first = np.zeros((n_draws, n_hidden * n_in))
    eig_second = np.zeros((n_draws, n_hidden))
    for draw in range(n_draws):
        W1 = rng.normal(0.0, np.sqrt(variance_first), size=(n_hidden, n_in))
        W2 = rng.normal(0.0, np.sqrt(variance_second), size=n_hidden)
        M = fluctuation_matrix(
            *drift_and_diffusion(
                svd_basis(W1, W2),
                learning_rate=learning_rate,
                batch_size=batch_size,
                label_noise_variance=label_noise_variance,
                input_variance=input_variance,
            )
        )
        eig_first[draw, :n_in] = np.linalg.eigvalsh(M[:n_in, :n_in])[::-1]
        eig_second[draw] = np.linalg.eigvalsh(M[n_in:, n_in:])[::-1]
    return eig_first, eig_second
