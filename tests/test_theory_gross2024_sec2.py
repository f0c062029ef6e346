"""Theory of Gross et al. 2024 Sec. II used by Figs. 2, 3, 4, 6 and Table 1, each against an independent computation
(dense matrices, closed forms on tiny cases, exact quadrature, Monte Carlo), and the data generators."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from sgdnoise.gross2024 import data
from sgdnoise.gross2024 import theory_sec2 as th


def realization(N, P, seed=0, label_noise_variance=0.25):
    return data.teacher_student(np.random.default_rng(seed), N, P, label_noise_variance)


def dense_projector(inputs):
    """Pi = X^+ X (P x P) formed explicitly."""
    return inputs @ np.linalg.pinv(inputs)


# ------------------------------------------------------------------------------------------- data
def test_wishart_covariance_and_correlated_inputs():
    rng = np.random.default_rng(0)
    sigma = data.wishart_covariance(rng, 5)
    assert np.trace(sigma) == pytest.approx(1.0) and np.all(np.linalg.eigvalsh(sigma) > 0)
    d = data.teacher_student(rng, 5, 400_000, 0.1, input_covariance=sigma)
    se = np.sqrt((np.outer(np.diag(sigma), np.diag(sigma)) + sigma**2) / 400_000)  # SE of a Gaussian sample covariance
    assert np.all(np.abs(d.inputs.T @ d.inputs / 400_000 - sigma) < 5 * se)


def test_random_labels_have_no_teacher_and_the_stated_variance():
    d = data.random_labels(np.random.default_rng(1), 4, 40_000, 2.0)
    np.testing.assert_array_equal(d.teacher, 0)
    np.testing.assert_array_equal(d.labels, d.label_noise)
    low, high = 2.0 * scipy.stats.chi2.ppf([0.0005, 0.9995], 40_000) / 40_000  # 99.9% interval of the mean square
    assert low < np.mean(d.labels**2) < high and not low < 4.0 < high  # the variance, not the standard deviation, is 2


def test_iid_inputs_unchanged_by_the_covariance_option():
    """The i.i.d. branch draws exactly what it always drew (Fig. 5 intermediates stay byte-identical)."""
    rng = np.random.default_rng(2)
    expected_teacher, expected_inputs = rng.normal(0, 1, 3), rng.normal(0, np.sqrt(1 / 3), (6, 3))
    d = data.teacher_student(np.random.default_rng(2), 3, 6, 0.5)
    np.testing.assert_array_equal(d.teacher, expected_teacher)
    np.testing.assert_array_equal(d.inputs, expected_inputs)


# ------------------------------------------------------------------- projector and K (Fig. 2)
def test_projector_statistics_match_the_dense_projector():
    d = realization(4, 11)
    Pi = dense_projector(d.inputs)
    off = Pi[~np.eye(11, dtype=bool)]
    diag_var, off_mean_square = th.projector_element_statistics(d.inputs)
    assert diag_var == pytest.approx(np.var(np.diag(Pi)), rel=1e-10)
    assert np.mean(np.diag(Pi)) == pytest.approx(4 / 11, rel=1e-12)
    assert off_mean_square == pytest.approx(np.mean(off**2), rel=1e-10)


def test_haar_projector_variances_against_monte_carlo():
    N, P, draws = 3, 7, 40_000
    rng = np.random.default_rng(3)
    diag, off = np.empty(draws), np.empty(draws)
    for k in range(draws):
        Pi = dense_projector(rng.normal(size=(P, N)))
        diag[k], off[k] = Pi[0, 0], Pi[0, 1]
    expected_diag, expected_off = th.haar_projector_element_variances(N, P)
    for samples, expected in ((diag, expected_diag), (off, expected_off)):
        squares = (samples - samples.mean()) ** 2
        assert abs(squares.mean() - expected) < 4 * squares.std() / np.sqrt(draws)
    assert np.mean(diag) == pytest.approx(N / P, abs=4 * diag.std() / np.sqrt(draws))


def test_noise_matrix_gives_the_noise_covariance_at_the_solution():
    """C = (1/S) X K X^T (Eq. 2.17) with K from the projector (Eq. 2.18) against C from the residuals at w* (Eq. 2.15)."""
    d = realization(5, 13, seed=4)
    K = th.noise_matrix(d.inputs, d.label_noise)
    C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), 3)
    np.testing.assert_allclose(d.inputs.T @ (K[:, None] * d.inputs) / 3, C, rtol=1e-10, atol=1e-16)
    over = realization(13, 5, seed=4)
    assert np.max(th.noise_matrix(over.inputs, over.label_noise)) < 1e-25


def test_squared_gaussian_error_and_mean_shift_against_monte_carlo():
    N, P, sigma2, draws = 4, 12, 0.3, 20_000
    rng = np.random.default_rng(5)
    mse, shift = np.empty(draws), np.empty(draws)
    for k in range(draws):
        d = data.teacher_student(rng, N, P, sigma2)
        difference = P * th.noise_matrix(d.inputs, d.label_noise) - d.label_noise**2
        mse[k] = np.mean(difference**2) / (3 * sigma2**2)
        shift[k] = -np.mean(difference) / sigma2
    assert abs(mse.mean() - th.squared_gaussian_error(N, P) ** 2) < 4 * mse.std() / np.sqrt(draws)
    assert abs(shift.mean() - N / P) < 4 * shift.std() / np.sqrt(draws)


# ----------------------------------------------------------------------------- noise (Fig. 3)
@pytest.mark.parametrize("replacement", [True, False])
def test_stationary_noise_covariance_is_the_exact_average_over_weights(replacement):
    """C(w) is quadratic in w, so its Gaussian average is exact on the 2N symmetric sigma points w* +- sqrt(N) L e_k."""
    N, P, S = 4, 10, 3
    d = realization(N, P, seed=6)
    w_star = th.teacher_solution(d.inputs, d.labels)
    A = np.random.default_rng(7).normal(size=(N, N))
    M = 0.01 * A @ A.T
    L = np.linalg.cholesky(M)
    points = [w_star + sign * np.sqrt(N) * L[:, k] for k in range(N) for sign in (1, -1)]
    average = np.mean([th.noise_covariance(d.inputs, d.labels, w, S, replacement) for w in points], axis=0)
    np.testing.assert_allclose(th.stationary_noise_covariance(d.inputs, d.labels, M, S, replacement), average, rtol=1e-10, atol=1e-16)


def test_hessian_approximation_deviation_against_realizations():
    """E||C - C_H||^2 / ||C_H||^2 against (2N/P)(1 + 2/N)/(1 + (N+1)/P) over 400 realizations (standard error 1.1%).

    The neglected terms are O(N/P): 3000 realizations at N = 10, P = 2000 measured -1.4% +- 0.4% (N/P = 0.5%),
    so 4 N/P = 2% is allowed beside 3 standard errors. A plausible slip, sqrt(N/P) for sqrt(2N/P), is -50%."""
    N, P, S, sigma2 = 10, 2000, 5, 0.5
    ratios = []
    for seed in range(400):
        d = realization(N, P, seed=seed, label_noise_variance=sigma2)
        C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), S)
        C_H = th.hessian_noise_approximation(d.inputs, sigma2, S)
        ratios.append(np.sum((C - C_H) ** 2) / np.sum(C_H**2))
    predicted = th.hessian_approximation_deviation(N, P) ** 2
    mean, sem = np.mean(ratios) / predicted - 1, np.std(ratios, ddof=1) / np.sqrt(len(ratios)) / predicted
    assert abs(mean) <= 3 * sem + 4 * N / P, (mean, sem)


def test_hessian_eigenbasis_is_ascending_and_diagonalises_h():
    d = realization(6, 15, seed=8)
    H = th.hessian(d.inputs)
    omega, V, H_eig = th.hessian_eigenbasis(H, H)
    np.testing.assert_allclose(omega, scipy.linalg.eigvalsh(H), rtol=1e-12)
    np.testing.assert_allclose(H_eig, np.diag(omega), atol=1e-14)


# ------------------------------------------------------------------------- relaxation (Fig. 4)
def test_discrete_modes_follow_gradient_descent_and_approach_eq_2_27():
    N, P, lr = 5, 7, 0.1
    d = realization(N, P, seed=9)
    H = th.hessian(d.inputs)
    w_star = th.teacher_solution(d.inputs, d.labels)
    omega, V = np.linalg.eigh(H)
    w = np.zeros(N)
    trajectory = []
    for _ in range(300):  # the SGD mean: plain gradient descent on the full batch
        w = w - lr * H @ (w - w_star)
        trajectory.append(V.T @ w)
    steps = np.arange(1, 301)
    np.testing.assert_allclose(th.discrete_mode_relaxation(omega, np.zeros(N), V.T @ w_star, steps, lr), trajectory, rtol=1e-10, atol=1e-12)
    # continuum limit: (1 - lr omega)^(t / lr) -> exp(-omega t)
    small = 1e-4
    t = np.array([0.0, 1.0, 10.0, 50.0])
    discrete = th.discrete_mode_relaxation(omega, np.zeros(N), V.T @ w_star, np.round(t / small), small)
    np.testing.assert_allclose(discrete, th.mode_relaxation(omega, np.zeros(N), V.T @ w_star, t), rtol=1e-3, atol=1e-6)


def test_mode_loss_and_minimum_loss_equal_the_loss():
    d = realization(5, 9, seed=10)
    H = th.hessian(d.inputs)
    w_star = th.teacher_solution(d.inputs, d.labels)
    omega, V = np.linalg.eigh(H)
    w = np.random.default_rng(11).normal(size=5)
    L_star = th.minimum_loss(d.inputs, d.label_noise)
    assert L_star == pytest.approx(float(th.train_loss(d.inputs, d.labels, w_star)), rel=1e-10)
    assert th.mode_loss(omega, V.T @ w, V.T @ w_star, L_star) == pytest.approx(float(th.train_loss(d.inputs, d.labels, w)), rel=1e-10)


def test_expected_minimum_loss_against_monte_carlo():
    N, P, sigma2 = 3, 8, 0.7
    losses = [th.minimum_loss(realization(N, P, seed=s, label_noise_variance=sigma2).inputs,
                              realization(N, P, seed=s, label_noise_variance=sigma2).label_noise) for s in range(4000)]
    assert np.mean(losses) == pytest.approx(th.expected_minimum_loss(N, P, sigma2), abs=4 * np.std(losses) / np.sqrt(4000))
    assert th.expected_minimum_loss(9, P, sigma2) == 0.0


# ------------------------------------------------------------------ loss perturbation (Fig. 6)
def test_loss_perturbation_is_the_quadratic_form_at_the_solution():
    d = realization(6, 20, seed=12)
    H = th.hessian(d.inputs)
    w_star = th.teacher_solution(d.inputs, d.labels)
    directions = np.linalg.qr(np.random.default_rng(13).normal(size=(6, 6)))[0]
    thetas = np.linspace(-1, 1, 5)
    expected = 0.5 * thetas[None, :] ** 2 * np.einsum("ik,ij,jk->k", directions, H, directions)[:, None]
    np.testing.assert_allclose(th.loss_perturbation(d.inputs, d.labels, w_star, directions, thetas), expected, rtol=1e-8, atol=1e-14)


def test_random_direction_curvature_spread_against_monte_carlo():
    H = th.hessian(realization(6, 10, seed=14).inputs)
    v = np.random.default_rng(15).normal(size=(200_000, 6))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    curvature = np.einsum("ki,ij,kj->k", v, H, v)
    assert curvature.mean() == pytest.approx(np.trace(H) / 6, rel=1e-2)
    assert curvature.std() == pytest.approx(th.random_direction_curvature_spread(H), rel=1e-2)
