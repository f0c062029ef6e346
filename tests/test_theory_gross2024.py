"""Theory of Gross et al. 2024 Sec. II against independent computation (scipy solvers, Monte Carlo, Kronecker solves)."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from sgdnoise.gross2024 import data
from sgdnoise.gross2024 import theory_sec2 as th


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
    # noise about the exact full-batch gradient, so the sample covariance is an unbiased mean of outer products and
    # each entry's standard error comes from the spread of its own products (the few-sample means are far from Gaussian)
    noise = gradients - per_sample.mean(axis=0)
    outer = np.einsum("ni,nj->nij", noise, noise)
    empirical, se = outer.mean(axis=0), outer.std(axis=0, ddof=1) / np.sqrt(draws)
    C = th.noise_covariance(d.inputs, d.labels, w, S, replacement)
    rows, cols = np.triu_indices(N)
    limit = scipy.stats.norm.isf(0.001 / (2 * rows.size))  # 0.1% family-wise over the 6 distinct entries
    z = np.abs(empirical - C)[rows, cols] / se[rows, cols]
    assert np.max(z) < limit, z
    # power: without replacement C is smaller by (P-S)/(P-1) = 0.71, many standard errors (relative SE ~0.5%)
    other = th.noise_covariance(d.inputs, d.labels, w, S, not replacement)
    assert np.max(np.abs(empirical - other)[rows, cols] / se[rows, cols]) > limit


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


@pytest.mark.parametrize("replacement", [True, False])
def test_no_stationary_fluctuations_when_overparameterized(replacement):
    """N > P with label noise: every residual vanishes at the interpolating w* (Eq. 2.16), so both the discrete
    moment equation and the continuum (2.30) give M = 0; the same data at N < P give M > 0 (the test can fail)."""
    over = realization(9, 6, seed=9)
    w_star = th.teacher_solution(over.inputs, over.labels)
    C = th.noise_covariance(over.inputs, over.labels, w_star, 3, replacement)
    assert np.max(np.abs(th.discrete_sgd_covariance(over.inputs, over.labels, 0.2, 3, replacement))) < 1e-14
    assert np.max(np.abs(th.lyapunov_covariance(th.hessian(over.inputs), C, 0.2))) < 1e-14
    under = realization(4, 6, seed=9)
    assert np.trace(th.discrete_sgd_covariance(under.inputs, under.labels, 0.2, 3, replacement)) > 1e-4


def test_continuum_error_is_first_order_in_learning_rate():
    d = realization(10, 30, seed=6)
    H = th.hessian(d.inputs)
    C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), 5)
    errors = [np.trace(th.discrete_sgd_covariance(d.inputs, d.labels, lr, 5)) / np.trace(th.lyapunov_covariance(H, C, lr)) - 1 for lr in (1e-3, 2e-3)]
    assert errors[1] / errors[0] == pytest.approx(2.0, rel=1e-2)  # next order is O(lr) ~ 1e-3 relative


def test_isotropic_limit_at_large_sample_number():
    """Eq. (2.34): M -> lr sigma^2/(2S) 1 as P/N -> oo. Over 20 realizations at each of P/N = 100 ... 6400 the
    spread of the eigenvalues of M / (lr sigma^2/2S) falls as (P/N)^-1/2 (chi-square label noise; measured slope
    within 3 SE + 0.05 of -1/2) and their mean tends to 1 (within 3 SE + 2N/P). A missing 1/S or factor 2 in M
    moves the mean to 10 or 2; a spread that does not vanish gives slope 0."""
    N, lr, S, sigma2 = 5, 0.1, 10, 0.25
    iso = th.isotropic_variance(lr, sigma2, S)
    Ps = np.array([500, 2000, 8000, 32000])
    spread, level = np.empty((len(Ps), 20)), np.empty((len(Ps), 20))
    for i, P in enumerate(Ps):
        for seed in range(20):
            d = realization(N, int(P), seed=seed, label_noise_variance=sigma2)
            C = th.noise_covariance(d.inputs, d.labels, th.teacher_solution(d.inputs, d.labels), S)
            eig = np.linalg.eigvalsh(th.lyapunov_covariance(th.hessian(d.inputs), C, lr)) / iso
            spread[i, seed], level[i, seed] = eig.max() - eig.min(), eig.mean()
    mean, sem = spread.mean(1), spread.std(1, ddof=1) / np.sqrt(20)
    design = np.column_stack([np.ones(len(Ps)), np.log(Ps)])
    pinv = np.linalg.pinv(design)
    slope, slope_se = pinv[1] @ np.log(mean), np.sqrt(pinv[1] ** 2 @ (sem / mean) ** 2)
    assert abs(slope + 0.5) <= 3 * slope_se + 0.05, (slope, slope_se)
    level_mean, level_sem = level[-1].mean(), level[-1].std(ddof=1) / np.sqrt(20)
    assert abs(level_mean - 1) <= 3 * level_sem + 2 * N / Ps[-1], (level_mean, level_sem)


def test_marchenko_pastur_edge_is_symmetric_in_n_and_p():
    assert th.marchenko_pastur_smallest_eigenvalue(100, 200) == th.marchenko_pastur_smallest_eigenvalue(200, 100)
    d = realization(200, 800, seed=8)
    smallest = np.linalg.eigvalsh(th.hessian(d.inputs))[0]
    # finite-size fluctuations at the edge are O(N^-2/3) relative to the bulk width
    assert smallest == pytest.approx(th.marchenko_pastur_smallest_eigenvalue(200, 800), rel=0.1)
