"""Theory of Gross et al. 2024 Sec. III (two-layer linear network, N_o = 1), each function against an independent
computation: the weight-space linearisation built here by finite differences of the population gradient and from
the per-sample gradients, scipy's Lyapunov solver, numpy pinv/eigvalsh, a Monte Carlo of the linearised OU process
in weight space, the loss (3.1) evaluated directly, and closed-form moments on tiny cases."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from sgdnoise.gross2024 import theory_sec3 as th

HYPER = dict(learning_rate=0.1, batch_size=10, label_noise_variance=0.1)


def weights(n_in, n_hidden, seed, scale_first=1.0, scale_second=1.0):
    """W1 ~ N(0, scale / N_i), W2 ~ N(0, scale / N_h): the standard init (3.35) times `scale`."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(scale_first / n_in), size=(n_hidden, n_in))
    W2 = rng.normal(0.0, np.sqrt(scale_second / n_hidden), size=n_hidden)
    return W1, W2


def population_gradient(theta, n_hidden, n_in, teacher, input_variance):
    """Full-batch gradient of (3.1) for P -> oo, Sigma^xx = sigma_x^2 I, Sigma^yx = sigma_x^2 w* (3.17), row-major."""
    W1, W2 = theta[: n_hidden * n_in].reshape(n_hidden, n_in), theta[n_hidden * n_in :]
    residual = input_variance * (W2 @ W1 - teacher)  # -(Sigma^yx - W2 W1 Sigma^xx)
    return np.concatenate([np.outer(W2, residual).ravel(), W1 @ residual])


def per_sample_gradient(theta, n_hidden, n_in, x, y):
    """Gradient of 1/2 (y - W2 W1 x)^2 in (vec_row W1, W2)."""
    W1, W2 = theta[: n_hidden * n_in].reshape(n_hidden, n_in), theta[n_hidden * n_in :]
    r = y - W2 @ W1 @ x
    return -r * np.concatenate([np.outer(W2, x).ravel(), W1 @ x])


def weight_space_linearisation(W1, W2, *, learning_rate, batch_size, label_noise_variance, input_variance):
    """(Hessian, diffusion) in weight space at the minimum W2 W1 = w* (w* := the given product): the Jacobian of the
    population gradient by central differences, and lambda/S x the covariance of per-sample gradients for
    x ~ N(0, sigma_x^2 I), y = w* x + eps, eps ~ N(0, sigma_y^2). There the per-sample gradient is -eps G x with G
    linear (residual = eps), so its covariance is sigma_y^2 sigma_x^2 G G^T exactly (the paper's Wick limit)."""
    n_hidden, n_in = W1.shape
    theta0 = np.concatenate([W1.ravel(), W2])
    teacher = W2 @ W1
    h = 1e-6
    hessian = np.column_stack(
        [
            (
                population_gradient(theta0 + h * e, n_hidden, n_in, teacher, input_variance)
                - population_gradient(theta0 - h * e, n_hidden, n_in, teacher, input_variance)
            )
            / (2 * h)
            for e in np.eye(theta0.size)
        ]
    )
    G = np.column_stack(
        [per_sample_gradient(theta0, n_hidden, n_in, e, teacher @ e + 1.0) for e in np.eye(n_in)]
    )  # eps = 1, x = e_j
    noise = label_noise_variance * input_variance * G @ G.T / batch_size
    return 0.5 * (hessian + hessian.T), learning_rate * noise


def projection(basis):
    """Z = T dtheta, written out entry by entry: z1_j = sum_h V_h dW1_hj, z2_k = sum_h dW2_h A_hk."""
    n_hidden, n_in = basis.A.shape[0], basis.B.shape[0]
    T = np.zeros((n_in + n_hidden, n_hidden * n_in + n_hidden))
    for j in range(n_in):
        for h in range(n_hidden):
            T[j, h * n_in + j] = basis.V[h, 0]
    for k in range(n_hidden):
        for h in range(n_hidden):
            T[n_in + k, n_hidden * n_in + h] = basis.A[h, k]
    return T


def lyapunov_on_range(Gamma, Lambda, tol=1e-9):
    """scipy's Lyapunov solution of Gamma M + M Gamma = Lambda on the range of Gamma (null space frozen at 0)."""
    values, vectors = np.linalg.eigh(Gamma)
    Q = vectors[:, values > tol * values.max()]
    return Q @ scipy.linalg.solve_continuous_lyapunov(Q.T @ Gamma @ Q, Q.T @ Lambda @ Q) @ Q.T


# ------------------------------------------------------------------------------------------- (3.23)
def test_svd_basis_reconstructs_the_weights():
    W1, W2 = weights(7, 4, seed=0)
    b = th.svd_basis(W1, W2)
    assert b.A.shape == (4, 4) and b.B.shape == (7, 4) and b.V.shape == (4, 1) and b.U.shape == (1, 1)
    np.testing.assert_allclose(b.A @ np.diag(b.singular_first) @ b.B.T, W1, atol=1e-13)
    np.testing.assert_allclose((b.U * b.S2 @ b.V.T)[0], W2, atol=1e-13)
    np.testing.assert_allclose(b.A.T @ b.A, np.eye(4), atol=1e-13)
    np.testing.assert_allclose(b.B.T @ b.B, np.eye(4), atol=1e-13)
    np.testing.assert_allclose(b.D1, np.sort(np.linalg.eigvalsh(W1 @ W1.T))[::-1], rtol=1e-12)
    assert b.D2 == pytest.approx(np.sum(W2**2), rel=1e-13)
    with pytest.raises(ValueError):
        th.svd_basis(W1.T, np.ones(7))


def test_noise_scale_has_the_minibatch_one_over_s():
    assert th.noise_scale(learning_rate=0.1, batch_size=10, label_noise_variance=0.5, input_variance=0.2) == (
        pytest.approx(0.1 * 0.2 * 0.5 / 10)
    )


# ------------------------------------------------------------------------------------------- (3.26)-(3.28)
@pytest.mark.parametrize("shape, seed", [((5, 3), 1), ((6, 6), 2), ((30, 20), 3)])
def test_drift_and_diffusion_equal_the_projected_weight_space_linearisation(shape, seed):
    n_in, n_hidden = shape
    input_variance = 1.0 / n_in
    W1, W2 = weights(n_in, n_hidden, seed)
    b = th.svd_basis(W1, W2)
    hessian, diffusion = weight_space_linearisation(W1, W2, input_variance=input_variance, **HYPER)
    T = projection(b)
    Gamma, Lambda = th.drift_and_diffusion(b, input_variance=input_variance, **HYPER)
    assert Gamma.shape == Lambda.shape == (n_in + n_hidden,) * 2
    scale = np.abs(hessian).max()
    np.testing.assert_allclose(Gamma, T @ hessian @ T.T, atol=1e-8 * scale)  # finite-difference error ~h^2
    np.testing.assert_allclose(Lambda, T @ diffusion @ T.T, atol=1e-12 * np.abs(diffusion).max())
    # Z loses nothing: the weight-space drift and noise live in the row space of T
    np.testing.assert_allclose(T.T @ T @ hessian @ T.T @ T, hessian, atol=1e-8 * scale)
    np.testing.assert_allclose(T.T @ T @ diffusion @ T.T @ T, diffusion, atol=1e-12 * np.abs(diffusion).max())


@pytest.mark.parametrize("shape, seed", [((5, 3), 4), ((30, 20), 5), ((4, 4), 6)])
def test_drift_eigenvalues_3_28(shape, seed):
    n_in, n_hidden = shape
    b = th.svd_basis(*weights(n_in, n_hidden, seed))
    Gamma, Lambda = th.drift_and_diffusion(b, input_variance=0.3, **HYPER)
    expected = np.sort(np.linalg.eigvalsh(Gamma))[::-1] / 0.3
    got = th.drift_eigenvalues(b.D1, b.D2, n_in)
    np.testing.assert_allclose(got, expected, atol=1e-12 * expected.max())
    assert np.linalg.matrix_rank(Gamma) == np.linalg.matrix_rank(Lambda) == n_in  # N_o N_i
    np.testing.assert_allclose(Lambda / th.noise_scale(input_variance=0.3, **HYPER), Gamma / 0.3, rtol=1e-12)


# ------------------------------------------------------------------------------------------- (3.29)-(3.32)
@pytest.mark.parametrize("shape, seed", [((5, 3), 7), ((30, 20), 8)])
def test_fluctuation_matrix_is_the_minimum_norm_lyapunov_solution(shape, seed):
    n_in, n_hidden = shape
    b = th.svd_basis(*weights(n_in, n_hidden, seed))
    Gamma, Lambda = th.drift_and_diffusion(b, input_variance=1.0 / n_in, **HYPER)
    M = th.fluctuation_matrix(Gamma, Lambda)
    level = HYPER["learning_rate"] * HYPER["label_noise_variance"] / (2 * HYPER["batch_size"])
    np.testing.assert_allclose(M, lyapunov_on_range(Gamma, Lambda), atol=1e-10 * level)
    np.testing.assert_allclose(M, 0.5 * np.linalg.pinv(Gamma, rtol=1e-8) @ Lambda, atol=1e-10 * level)
    eig = np.linalg.eigvalsh(M)
    np.testing.assert_allclose(eig[-n_in:], level, rtol=1e-9)  # (3.32): nonzero eigenvalues all lambda sigma_y^2/2S
    np.testing.assert_allclose(eig[:-n_in], 0.0, atol=1e-10 * level)
    assert np.linalg.matrix_rank(M, tol=1e-6 * level) == n_in
    assert th.mode_variance_level(**HYPER) == pytest.approx(level)


def test_linearized_covariance_dense_solves_a_generic_lyapunov_equation():
    """Gamma not proportional to Lambda (so 1/2 Gamma^+ Lambda would be wrong), rank-deficient, range(Lambda) in
    range(Gamma): the result must satisfy (3.29) and vanish on the null space."""
    rng = np.random.default_rng(9)
    Q = np.linalg.qr(rng.normal(size=(6, 6)))[0][:, :4]
    Gamma = Q @ np.diag([3.0, 2.0, 1.0, 0.5]) @ Q.T
    X = rng.normal(size=(4, 4))
    Lambda = Q @ (X @ X.T) @ Q.T
    M = th.linearized_covariance_dense(Gamma, Lambda)
    np.testing.assert_allclose(Gamma @ M + M @ Gamma, Lambda, atol=1e-12 * np.abs(Lambda).max())
    null = np.linalg.qr(np.hstack([Q, rng.normal(size=(6, 2))]))[0][:, 4:]
    np.testing.assert_allclose(M @ null, 0.0, atol=1e-12)
    assert not np.allclose(M, th.fluctuation_matrix(Gamma, Lambda), atol=1e-3)


# ------------------------------------------------------------------------------------------- (3.34), (3.36)
@pytest.mark.parametrize("shape, seed", [((5, 3), 10), ((30, 20), 11), ((50, 40), 12)])
def test_m22_block_is_diagonal_with_3_34(shape, seed):
    n_in, n_hidden = shape
    W1, W2 = weights(n_in, n_hidden, seed)
    b = th.svd_basis(W1, W2)
    hessian, diffusion = weight_space_linearisation(W1, W2, input_variance=1.0 / n_in, **HYPER)
    T = projection(b)
    M = lyapunov_on_range(T @ hessian @ T.T, T @ diffusion @ T.T, tol=1e-7)  # finite-difference Gamma: looser cut
    M22 = M[n_in:, n_in:]
    level = th.mode_variance_level(**HYPER)
    np.testing.assert_allclose(np.diag(M22), th.m22_diagonal(b.D1, b.D2, **HYPER), atol=1e-7 * level)
    np.testing.assert_allclose(M22 - np.diag(np.diag(M22)), 0.0, atol=1e-7 * level)


def m22_ratio(n_in, n_hidden, seed, scale_first):
    b = th.svd_basis(*weights(n_in, n_hidden, seed, scale_first=scale_first))
    return th.m22_approximation(b.D1, b.D2, **HYPER) / th.m22_diagonal(b.D1, b.D2, **HYPER), b


def test_m22_approximation_holds_for_small_first_layer_and_fails_at_standard_init():
    """(3.36) / (3.34) = (D1 + D2) / D2 >= 1, -> 1 as D1/D2 -> 0; the exact ratio is checked with the
    independently computed D's. Standard init at 30-20-1: top-mode ratio ~ 1 + (MP edge (1+sqrt(20/30))^2 ~ 3.3)
    / (E D2 = 1), i.e. several-fold."""
    ratio, b = m22_ratio(30, 20, 13, scale_first=1e-4)
    np.testing.assert_allclose(ratio, 1.0 + np.linalg.eigvalsh(b.A @ np.diag(b.D1) @ b.A.T)[::-1] / b.D2, rtol=1e-10)
    assert np.all(ratio - 1.0 < 1e-3)  # D1 ~ 1e-4 x O(1) << D2 ~ 1
    top = np.array([m22_ratio(30, 20, seed, scale_first=1.0)[0][0] for seed in range(200)])
    assert np.all(top > 1.0) and np.median(top) > 3.0  # direction: (3.36) overestimates, several-fold on the top mode
    everything = np.concatenate([m22_ratio(30, 20, seed, scale_first=1.0)[0] for seed in range(200)])
    assert np.all(everything >= 1.0)


# ------------------------------------------------------------------------------------------- (3.31)
def test_weight_covariances_match_a_monte_carlo_of_the_weight_space_ou_process():
    """Euler-Maruyama of d theta = -H theta dt + sqrt(Lambda_w) dW in weight space (H, Lambda_w from the direct
    linearisation), many independent chains from theta = 0 (the frozen directions stay 0), one snapshot per chain
    after >= 8 slowest relaxation times. Tolerance: 4.5 standard errors of a Gaussian sample covariance plus the
    EM bias, relative ~ dt * rate / 2 <= 1 % (of sqrt(var_i var_j)) for the fastest mode."""
    n_in, n_hidden, input_variance = 4, 3, 0.25
    W1, W2 = weights(n_in, n_hidden, 14)
    b = th.svd_basis(W1, W2)
    cov_first, cov_second = th.weight_covariances(
        th.fluctuation_matrix(*th.drift_and_diffusion(b, input_variance=input_variance, **HYPER)), b
    )
    hessian, diffusion = weight_space_linearisation(W1, W2, input_variance=input_variance, **HYPER)
    rates = np.linalg.eigvalsh(hessian)
    rate_max, rate_min = rates.max(), rates[rates > 1e-8 * rates.max()].min()
    dt_rate = 0.02  # dt x fastest rate
    dt = dt_rate / rate_max
    n_steps = int(8.0 / rate_min / dt)
    dvalues, dvectors = np.linalg.eigh(diffusion)
    kept = dvalues > 1e-10 * dvalues.max()  # the noise has rank N_i: draw only those normals
    noise_root = dvectors[:, kept] * np.sqrt(dvalues[kept] * dt)
    rng = np.random.default_rng(15)
    chains = 20_000
    theta = np.zeros((chains, hessian.shape[0]))
    step_matrix = np.eye(hessian.shape[0]) - dt * hessian
    for _ in range(n_steps):
        theta = theta @ step_matrix + rng.standard_normal((chains, noise_root.shape[1])) @ noise_root.T
    measured = theta.T @ theta / chains  # mean 0 known
    expected = scipy.linalg.block_diag(cov_first, cov_second)
    expected[: n_hidden * n_in, n_hidden * n_in :] = np.nan  # cross-covariances not returned
    expected[n_hidden * n_in :, : n_hidden * n_in] = np.nan
    variances = np.diag(measured)
    se = np.sqrt((np.outer(variances, variances) + measured**2) / chains)
    mask = ~np.isnan(expected)
    bias = dt_rate / 2 * np.sqrt(np.outer(variances, variances))
    assert np.all(np.abs(measured - expected)[mask] < 4.5 * se[mask] + bias[mask])
    assert np.max(variances) > 10 * np.max(4.5 * se)  # the comparison has power


def test_weight_covariances_shapes_and_row_major_layout():
    W1, W2 = weights(5, 3, 16)
    b = th.svd_basis(W1, W2)
    M = th.fluctuation_matrix(*th.drift_and_diffusion(b, input_variance=0.2, **HYPER))
    cov_first, cov_second = th.weight_covariances(M, b)
    assert cov_first.shape == (15, 15) and cov_second.shape == (3, 3)
    # dW1 = V z1 element-wise: cov(dW1_hj, dW1_h'j') = V_h V_h' M11_jj'
    h, j, h2, j2 = 2, 1, 0, 4
    assert cov_first[h * 5 + j, h2 * 5 + j2] == pytest.approx(b.V[h, 0] * b.V[h2, 0] * M[j, j2], rel=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(cov_second), np.sort(np.diag(M[5:, 5:])), atol=1e-15)


# ------------------------------------------------------------------------------------------- (3.37)
def whitened_data_at_minimum(W1, W2, P, input_variance, label_noise_variance, seed):
    """Inputs with X^T X / P = sigma_x^2 I exactly and labels y = w* x + eps with eps orthogonal to the columns of X,
    so (3.1) is minimal at W2 W1 = w* and equals its population form there."""
    rng = np.random.default_rng(seed)
    n_in = W1.shape[1]
    Q = np.linalg.qr(rng.normal(size=(P, n_in + 1)))[0]
    inputs = Q[:, :n_in] * np.sqrt(P * input_variance)
    eps = Q[:, n_in] * np.sqrt(P * label_noise_variance)
    return inputs, inputs @ (W2 @ W1) + eps


def test_loss_perturbation_exact_against_the_loss_3_1():
    n_in, n_hidden, input_variance = 6, 4, 1.0 / 6
    W1, W2 = weights(n_in, n_hidden, 17)
    b = th.svd_basis(W1, W2)
    inputs, labels = whitened_data_at_minimum(W1, W2, 200, input_variance, 1.0, 18)
    theta = np.array([0.05, 0.3, 1.0])
    base = th.full_batch_loss(inputs, labels, W1, W2)
    perturbed = th.full_batch_loss(inputs, labels, W1, W2[None, None, :] + theta[:, None, None] * b.A.T[None])
    expected = th.loss_perturbation_exact(theta[:, None], b.D1, input_variance)
    np.testing.assert_allclose(perturbed - base, expected, rtol=1e-9)


def test_loss_perturbation_exact_on_a_large_random_sample():
    """Gaussian inputs, pure-noise labels, P = 20000, W2 not at the minimum: the symmetric difference
    (dL(theta) + dL(-theta))/2 removes the linear term and leaves theta^2/2 a^T W1 Sigma_P W1^T a, whose relative
    deviation from sigma_x^2 D1 has sd sqrt(2/P) = 1 %: tolerance 5 %."""
    n_in, n_hidden, P = 10, 5, 20_000
    W1, W2 = weights(n_in, n_hidden, 19)
    b = th.svd_basis(W1, W2)
    rng = np.random.default_rng(20)
    inputs = rng.normal(0, np.sqrt(1.0 / n_in), size=(P, n_in))
    labels = rng.normal(0, 1.0, size=P)
    theta = 0.2
    loss = lambda w2: th.full_batch_loss(inputs, labels, W1, w2)  # noqa: E731
    symmetric = (loss(W2 + theta * b.A.T) + loss(W2 - theta * b.A.T)) / 2 - loss(W2)
    np.testing.assert_allclose(symmetric, th.loss_perturbation_exact(theta, b.D1, 1.0 / n_in), rtol=0.05)


def test_loss_perturbation_m22_is_low_by_d2_over_d1_plus_d2():
    n_in, n_hidden = 30, 20
    input_variance = 1.0 / n_in
    W1, W2 = weights(n_in, n_hidden, 21)
    b = th.svd_basis(W1, W2)
    hessian, diffusion = weight_space_linearisation(W1, W2, input_variance=input_variance, **HYPER)
    T = projection(b)
    m22 = np.diag(lyapunov_on_range(T @ hessian @ T.T, T @ diffusion @ T.T, tol=1e-7)[n_in:, n_in:])
    theta = 0.5
    printed = th.loss_perturbation_m22(theta, m22, b.D2, input_variance=input_variance, **HYPER)
    np.testing.assert_allclose(printed, 0.5 * input_variance * theta**2 * b.D1 * b.D2 / (b.D1 + b.D2), rtol=1e-6)


def test_full_batch_loss_broadcasts():
    rng = np.random.default_rng(22)
    inputs, labels = rng.normal(size=(7, 3)), rng.normal(size=7)
    W1, W2 = rng.normal(size=(2, 4, 2, 3)), rng.normal(size=(2, 4, 2))
    got = th.full_batch_loss(inputs, labels, W1, W2)
    assert got.shape == (2, 4)
    a, c = 1, 3
    direct = sum((labels[m] - W2[a, c] @ W1[a, c] @ inputs[m]) ** 2 for m in range(7)) / 14
    assert got[a, c] == pytest.approx(direct, rel=1e-12)


# ------------------------------------------------------------------------------------------- (3.38)-(3.42)
def test_relaxation_modes_3_38():
    n_in, n_hidden, input_variance = 8, 5, 1.0 / 8
    b = th.svd_basis(*weights(n_in, n_hidden, 23))
    rates, R = th.relaxation_modes(b, input_variance)
    Gamma, _ = th.drift_and_diffusion(b, input_variance=input_variance, **HYPER)
    np.testing.assert_allclose(R.T @ R, np.eye(n_in + n_hidden), atol=1e-12)
    np.testing.assert_allclose(R @ np.diag(rates) @ R.T, Gamma, atol=1e-13)
    expected = np.sort(np.linalg.eigvalsh(Gamma))[::-1]
    np.testing.assert_allclose(rates, expected, atol=1e-13)
    np.testing.assert_allclose(rates[:n_hidden] / input_variance, np.sort(b.D1 + b.D2)[::-1], rtol=1e-12)
    np.testing.assert_allclose(rates[n_hidden:n_in] / input_variance, b.D2, rtol=1e-12)
    assert np.all(rates[n_in:] == 0.0) and np.all(rates[:n_in] > 0)


def test_project_on_modes_recovers_known_chi():
    n_in, n_hidden = 6, 4
    W1, W2 = weights(n_in, n_hidden, 24)
    b = th.svd_basis(W1, W2)
    _, R = th.relaxation_modes(b, 1.0 / n_in)
    rng = np.random.default_rng(25)
    chi = rng.normal(size=(3, 11, n_in + n_hidden))  # (seed, time, mode)
    Z = chi @ R.T  # Z = R chi
    z1, z2 = Z[..., :n_in], Z[..., n_in:]
    # dW1 = V z1 (plus a frozen part orthogonal to V, which Z must ignore), dW2 = z2 A^T
    orthogonal = np.linalg.qr(np.hstack([b.V, rng.normal(size=(n_hidden, n_hidden - 1))]))[0][:, 1:]
    frozen = np.einsum("hk,...kj->...hj", orthogonal, rng.normal(size=(3, 11, n_hidden - 1, n_in)))
    first = W1 + b.V[:, 0][:, None] * z1[..., None, :] + frozen
    second = W2 + z2 @ b.A.T
    got = th.project_on_modes(first, second, W1, W2, b, R)
    np.testing.assert_allclose(got, chi, atol=1e-12)


# ------------------------------------------------------------------------------------------- Fig. 8 dashed curves
def spectra(n_in, n_hidden, n_draws, seed, variance_first, variance_second):
    return th.iid_weight_spectra(
        n_in,
        n_hidden,
        variance_first=variance_first,
        variance_second=variance_second,
        n_draws=n_draws,
        rng=np.random.default_rng(seed),
        input_variance=1.0 / n_in,
        **HYPER,
    )


def test_iid_weight_spectra_shapes_seeding_and_dense_eigenvalues():
    first, second = spectra(5, 3, 4, 26, 0.2, 0.3)
    assert first.shape == (4, 15) and second.shape == (4, 3)
    again = spectra(5, 3, 4, 26, 0.2, 0.3)
    np.testing.assert_array_equal(first, again[0])
    np.testing.assert_array_equal(second, again[1])
    assert not np.array_equal(first, spectra(5, 3, 4, 27, 0.2, 0.3)[0])
    # the first draw against the dense (3.31) covariances of the same weights
    rng = np.random.default_rng(26)
    W1 = rng.normal(0.0, np.sqrt(0.2), size=(3, 5))
    W2 = rng.normal(0.0, np.sqrt(0.3), size=3)
    hessian, diffusion = weight_space_linearisation(W1, W2, input_variance=0.2, **HYPER)
    dense = lyapunov_on_range(hessian, diffusion, tol=1e-7)  # weight-space Lyapunov, 18 x 18
    np.testing.assert_allclose(first[0], np.linalg.eigvalsh(dense[:15, :15])[::-1], atol=1e-9)
    np.testing.assert_allclose(second[0], np.linalg.eigvalsh(dense[15:, 15:])[::-1], atol=1e-9)
    assert np.all(np.diff(first, axis=1) <= 0) and np.all(np.diff(second, axis=1) <= 0)


def test_iid_weight_spectra_closed_form_moments():
    """N_h = 1: eig cov(dW2) = c D1/(D1 + D2) with D1 = ||w1||^2, D2 = w2^2, c = lambda sigma_y^2/2S.
    Equal variances, N_i = 3: D1/(D1 + D2) ~ Beta(3/2, 1/2), mean 3/4. N_i = 1, sds s1, s2: w2/w1 is Cauchy of
    scale s2/s1 and E[1/(1 + t^2)] = 1/(1 + s2/s1). Per draw, tr M = c N_i. Tolerance 5 SE of the sample mean."""
    c = th.mode_variance_level(**HYPER)
    first, second = spectra(3, 1, 8_000, 28, 0.7, 0.7)
    values = second[:, 0] / c
    assert abs(values.mean() - 0.75) < 5 * values.std() / np.sqrt(values.size)
    np.testing.assert_allclose((first.sum(axis=1) + second.sum(axis=1)) / c, 3.0, rtol=1e-6)  # pinv of cond. ~D1/D2
    first, second = spectra(1, 1, 8_000, 29, 0.25, 1.0)
    values = second[:, 0] / c
    expected = 0.5 / (0.5 + 1.0)
    assert abs(values.mean() - expected) < 5 * values.std() / np.sqrt(values.size)
    assert abs(values.mean() - 0.5) > 10 * values.std() / np.sqrt(values.size)  # the variances matter: power
