"""Theory of Gross et al. 2024 Sec. II against independent computation (scipy solvers, Monte Carlo, Kronecker solves)."""

import numpy as np
import pytest
import scipy.linalg

from sgdnoise import data
from sgdnoise.theory import gross2024_single_layer as th


def realization(N, P, seed=0, label_noise_variance=0.25):
    return data.teacher_student(np.random.default_rng(seed), N, P, label_noise_variance)


@pytest.fixture
def small():
    d = realization(6, 15)
    H = th.hessian(d.inputs)
    w_star = th.teacher_solution(d.inputs, d.labels)
    C = th.noise_covariance(d.inputs, d.labels, w_star, batch_size=3)
    return d, H, w_star, C


def test_teacher_solution_is_least_squares_and_minimum_norm():
    for N, P in ((6, 15), (15, 6)):
        d = realization(N, P)
        w = th.teacher_solution(d.inputs, d.labels)
        np.testing.assert_allclose(w, scipy.linalg.pinv(d.inputs) @ d.labels, rtol=1e-10, atol=1e-12)


def test_lyapunov_covariance_solves_eq_2_29_like_scipy(small):
    _, H, _, C = small
    M = th.lyapunov_covariance(H, C, learning_rate=0.1)
    reference = scipy.linalg.solve_continuous_lyapunov(H, 0.1 * C)  # solves H M + M H^T = lr C
    np.testing.assert_allclose(M, reference, rtol=1e-9, atol=1e-14)


def test_explicit_solution_eq_2_30_with_antisymmetric_q(small):
    _, H, _, C = small
    M = th.lyapunov_covariance(H, C, 0.1)
    Q = th.antisymmetric_q(H, C)
    np.testing.assert_allclose(Q, -Q.T, atol=1e-15)
    np.testing.assert_allclose(M, 0.05 * np.linalg.solve(H, C + Q), rtol=1e-9, atol=1e-14)
    # Q is traceless against H^-1, so tr M = tr[(lr/2) H^-1 C] (shared notes)
    assert np.trace(M) == pytest.approx(np.trace(th.detailed_balance_covariance(H, C, 0.1)), rel=1e-10)


def test_detailed_balance_is_exact_when_noise_is_proportional_to_hessian(small):
    _, H, _, _ = small
    C = 0.7 * H
    np.testing.assert_allclose(th.antisymmetric_q(H, C), 0, atol=1e-15)
    np.testing.assert_allclose(th.detailed_balance_covariance(H, C, 0.1), th.lyapunov_covariance(H, C, 0.1), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(th.lyapunov_covariance(H, C, 0.1), 0.5 * 0.1 * 0.7 * np.eye(6), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("replacement", [True, False])
def test_noise_covariance_matches_monte_carlo_of_minibatch_gradients(replacement):
    """C (Eq. 2.14-2.15) against the sample covariance of minibatch gradients at an arbitrary w."""
    N, P, S, draws = 3, 8, 3, 200_000
    d = realization(N, P, seed=1)
    w = np.random.default_rng(2).normal(size=N)
    rng = np.random.default_rng(3)
    if replacement:
        batches = rng.integers(0, P, size=(draws, S))
    else:
        batches = np.argsort(rng.random((draws, P)), axis=1)[:, :S]
    per_sample = (d.inputs @ w - d.labels)[:, None] * d.inputs  # gradient of each sample's loss
    gradients = per_sample[batches].mean(axis=1)
    empirical = np.cov(gradients.T)
    C = th.noise_covariance(d.inputs, d.labels, w, S, replacement)
    # standard error of a sample covariance entry: sqrt((C_ii C_jj + C_ij^2) / draws) for near-Gaussian sums
    se = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C**2) / draws) * 3  # 3 x for the kurtosis of few-sample means
    assert np.all(np.abs(empirical - C) < 4 * se)


def test_noise_vanishes_at_solution_when_overparameterized():
    """Eq. (2.16): every per-sample gradient vanishes at w* for N > P, hence C = 0 and M = 0."""
    d = realization(12, 7)
    w_star = th.teacher_solution(d.inputs, d.labels)
    C = th.noise_covariance(d.inputs, d.labels, w_star, 3)
    assert np.max(np.abs(C)) < 1e-12
    assert np.max(np.abs(th.lyapunov_covariance(th.hessian(d.inputs), C, 0.1))) < 1e-12


def _discrete_moment_equation_dense(inputs, labels, lr, S, replacement):
    """Independent solve of M = A M A + (lr^2/S)[(1/P) sum (x^T M x + r^2) x x^T - H M H] as one linear system."""
    P, N = inputs.shape
    H = inputs.T @ inputs / P
    r = inputs @ np.linalg.pinv(inputs) @ labels - labels
    A = np.eye(N) - lr * H
    scale = lr**2 / S * (1.0 if replacement else (P - S) / (P - 1))
    quad = sum(np.kron(np.outer(x, x), np.outer(x, x)) for x in inputs) / P  # vec(x x^T (x^T M x)) = kron(xx^T, xx^T) vec M
    operator = np.eye(N * N) - np.kron(A, A) - scale * (quad - np.kron(H, H))
    rhs = scale * (inputs.T * r**2) @ inputs / P
    return np.linalg.solve(operator, rhs.ravel()).reshape(N, N)


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("lr", [0.1, 1.0])
def test_discrete_sgd_covariance_against_dense_linear_solve(lr, replacement):
    d = realization(4, 9, seed=5)
    M = th.discrete_sgd_covariance(d.inputs, d.labels, lr, 3, replacement)
    np.testing.assert_allclose(M, _discrete_moment_equation_dense(d.inputs, d.labels, lr, 3, replacement), rtol=1e-9, atol=1e-15)


def test_continuum_error_is_first_order_in_learning_rate():
    d = realization(10, 30, seed=6)
    H = th.hessian(d.inputs)
    C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), 5)
    errors = [np.trace(th.discrete_sgd_covariance(d.inputs, d.labels, lr, 5)) / np.trace(th.lyapunov_covariance(H, C, lr)) - 1 for lr in (1e-3, 2e-3)]
    assert errors[1] / errors[0] == pytest.approx(2.0, rel=1e-2)  # next order is O(lr) ~ 1e-3 relative


def test_isotropic_limit_at_large_sample_number():
    """Eq. (2.34): M -> lr sigma^2/(2S) 1 as P/N -> oo; the spread shrinks like sqrt(N/P) (chi-square label noise)."""
    N, lr, S, sigma2 = 5, 0.1, 10, 0.25
    iso = th.isotropic_variance(lr, sigma2, S)
    for P in (2_000, 200_000):
        d = realization(N, P, seed=7, label_noise_variance=sigma2)
        C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), S)
        eig = np.linalg.eigvalsh(th.lyapunov_covariance(th.hessian(d.inputs), C, lr)) / iso
        assert np.max(np.abs(eig - 1)) < 5 * np.sqrt(2 * N / P)


def test_marchenko_pastur_edge_is_symmetric_in_n_and_p():
    assert th.marchenko_pastur_smallest_eigenvalue(100, 200) == th.marchenko_pastur_smallest_eigenvalue(200, 100)
    d = realization(200, 800, seed=8)
    smallest = np.linalg.eigvalsh(th.hessian(d.inputs))[0]
    # finite-size fluctuations at the edge are O(N^-2/3) relative to the bulk width
    assert smallest == pytest.approx(th.marchenko_pastur_smallest_eigenvalue(200, 800), rel=0.1)
