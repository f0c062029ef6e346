"""The exact mean loss of noiseless SGD (theory_sec2.noiseless_mean_loss) against an independent Monte Carlo of SGD and
against iterating the moment recursion directly; its slowest rate against gradient descent's as S -> infinity."""

import numpy as np

from sgdnoise.gross2024 import theory_sec2 as theory


def problem(N=3, P=6, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, N)) / np.sqrt(N)
    w_star = rng.standard_normal(N)
    return X, X @ w_star, w_star


def test_mean_loss_matches_monte_carlo_sgd():
    X, y, w_star = problem()
    P, N = X.shape
    lr, S, steps, n = 0.8, 2, 30, 40000
    rng = np.random.default_rng(7)
    w = np.zeros((n, N))
    losses = [0.5 * np.mean((w @ X.T - y) ** 2, axis=1)]
    for _ in range(steps):
        batch = rng.integers(0, P, size=(n, S))  # with replacement, as Eq. (2.14)
        xb, yb = X[batch], y[batch]
        residual = np.einsum("nsi,ni->ns", xb, w) - yb
        w = w - lr * np.einsum("ns,nsi->ni", residual, xb) / S
        losses.append(0.5 * np.mean((w @ X.T - y) ** 2, axis=1))
    losses = np.array(losses)
    mean, sem = losses.mean(1), losses.std(1, ddof=1) / np.sqrt(n)
    exact = theory.noiseless_mean_loss(X, -w_star, np.arange(steps + 1), lr, S)
    np.testing.assert_allclose(exact[0], mean[0], rtol=1e-12)  # every run starts at w = 0
    z = np.abs(mean - exact)[1:] / sem[1:]
    assert z.max() < 4.5  # Bonferroni over 30 correlated times at ~1e-4
    # the multiplicative noise matters here: gradient descent's loss is outside the error bars
    omega, V = np.linalg.eigh(theory.hessian(X))
    gd = 0.5 * np.sum(omega * ((1 - lr * omega)[None] ** np.arange(steps + 1)[:, None] * (V.T @ w_star)) ** 2, axis=1)
    assert np.max(np.abs(mean - gd)[1:] / sem[1:]) > 20


def test_eigen_expansion_equals_direct_recursion():
    X, y, w_star = problem(N=4, P=9, seed=3)
    P, N = X.shape
    lr, S = 0.5, 3
    H = theory.hessian(X)
    A = np.eye(N) - lr * H
    M = np.outer(w_star, w_star)
    direct = []
    for _ in range(25):
        direct.append(0.5 * np.trace(H @ M))
        quad = np.einsum("pi,ij,pj->p", X, M, X)
        M = A @ M @ A + lr**2 / S * (np.einsum("p,pi,pj->ij", quad, X, X) / P - H @ M @ H)
    np.testing.assert_allclose(theory.noiseless_mean_loss(X, -w_star, np.arange(25), lr, S), direct, rtol=1e-10, atol=1e-14)


def test_large_batches_give_the_gradient_descent_rate():
    X, _, _ = problem(N=5, P=12, seed=4)
    lr = 0.3
    omega = np.linalg.eigvalsh(theory.hessian(X))
    slowest = lambda S: np.max(theory.noiseless_second_moment_map(X, lr, S)[0])  # noqa: E731
    assert abs(slowest(10**9) - (1 - lr * omega[0]) ** 2) < 1e-9
    assert slowest(1) > (1 - lr * omega[0]) ** 2  # the noise slows the decay of E L
