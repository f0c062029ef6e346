"""The matrix-free SDE noise samplers against the explicit covariances (Corlouer Prop. 3.2, appendix B form;
Gross Eq. 3.11) and against Monte Carlo of the per-sample / minibatch gradients they model."""

from functools import reduce

import numpy as np
import pytest

from sgdnoise import noise_covariance

WIDTHS = (3, 4, 2, 3)  # d_0 .. d_L, non-square


def network(seed=0, sigma_q=0.4):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.8, (WIDTHS[l + 1], WIDTHS[l])) for l in range(len(WIDTHS) - 1)]
    return weights, rng.normal(size=(WIDTHS[-1], WIDTHS[0])), sigma_q


def product(weights):
    return reduce(lambda acc, w: w @ acc, weights, np.eye(weights[0].shape[1]))


def linear_map_covariance(sample, n_draws):
    """Covariance of a sampler that is linear in its standard normals: A A^T with A's columns the images of unit draws."""
    columns = np.array([sample(np.eye(n_draws)[k]) for k in range(n_draws)]).T
    return columns @ columns.T


def deep_sampler(weights, teacher, sigma_q):
    return lambda draws: np.concatenate([n.ravel() for n in noise_covariance.deep_linear_noise(weights, teacher, sigma_q, draws)])


def n_deep_draws(sigma_q):
    return WIDTHS[0] * (WIDTHS[0] + 1) // 2 + (WIDTHS[0] * WIDTHS[-1] if sigma_q > 0 else 0)


def per_sample_gradients(weights, teacher, sigma_q, x, xi):
    """Row-major flattened per-sample gradients -W_>l^T eps x^T W_<l^T of 1/2 ||y - W x||^2, y = M x + sigma_q xi."""
    prefix, suffix = noise_covariance.partial_products(weights)
    eps = x @ (teacher - product(weights)).T + sigma_q * xi
    return np.concatenate([-np.einsum("ni,nj->nij", eps @ q, x @ a.T).reshape(len(x), -1) for a, q in zip(prefix, suffix)], axis=1)


def assert_within_standard_errors(samples, expected, n_se):
    """Entrywise: mean of the outer products of zero-mean samples vs `expected`, within n_se standard errors."""
    n = len(samples)
    second = samples.T @ samples / n
    fourth = (samples**2).T @ (samples**2) / n  # E[a^2 b^2]
    se = np.sqrt(np.maximum(fourth - second**2, 0) / n)
    upper = np.triu_indices(len(expected))
    z = np.abs(second - expected)[upper] / se[upper]
    assert z.max() < n_se, (z.max(), np.unravel_index(np.argmax(np.abs(second - expected) / se), expected.shape))


@pytest.mark.parametrize("sigma_q", [0.0, 0.4])
def test_matrix_free_deep_noise_has_the_appendix_b_covariance(sigma_q):
    """Exact: the sampler is linear in its normals, so its covariance is A A^T, which must equal Sigma to rounding."""
    weights, teacher, _ = network(sigma_q=sigma_q)
    explicit = noise_covariance.deep_linear_noise_covariance(weights, teacher, sigma_q)
    sampled = linear_map_covariance(deep_sampler(weights, teacher, sigma_q), n_deep_draws(sigma_q))
    np.testing.assert_allclose(sampled, explicit, rtol=1e-12, atol=1e-12 * np.abs(explicit).max())
    # rank <= d_0 (d_0 + 1)/2 without label noise (the rank of I + C)
    assert np.linalg.matrix_rank(explicit) <= n_deep_draws(sigma_q)


def test_appendix_b_covariance_matches_monte_carlo_of_per_sample_gradients():
    """2e5 per-sample gradients at a generic state, centred on the exact population gradient.

    Each of the 351 distinct entries of the sample covariance must lie within 5 of its own standard errors
    (estimated from the same samples via E[a^2 b^2]); for Gaussian-distributed estimates the chance that
    any of them exceeds 5 SE is ~2e-4.
    """
    weights, teacher, sigma_q = network(seed=1)
    explicit = noise_covariance.deep_linear_noise_covariance(weights, teacher, sigma_q)
    rng = np.random.default_rng(2)
    n = 200_000
    x = rng.standard_normal((n, WIDTHS[0]))
    grads = per_sample_gradients(weights, teacher, sigma_q, x, rng.standard_normal((n, WIDTHS[-1])))
    population = np.concatenate([-(q.T @ (teacher - product(weights)) @ a.T).ravel() for a, q in zip(*noise_covariance.partial_products(weights))])
    noise = grads - population
    assert_within_standard_errors(noise, explicit, n_se=5.0)
    # ... and the matrix-free sampler's exact covariance against the same Monte Carlo
    sampled = linear_map_covariance(deep_sampler(weights, teacher, sigma_q), n_deep_draws(sigma_q))
    assert_within_standard_errors(noise, sampled, n_se=5.0)


def test_main_text_jacobian_is_a_typo():
    """d vec(W) / d vec(W_l) = W_<l^T (x) W_>l (appendix B, notes); the main text's W_<l^T (x) W_>l^T is not it."""
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(3, 3)) for _ in range(3)]  # square, so that the printed form at least has the right shape
    prefix, suffix = noise_covariance.partial_products(weights)
    l, h = 1, 1e-6
    vec = lambda a: a.T.ravel()  # column stacking
    jac = np.empty((9, 9))
    for k in range(9):
        bumped = [w.copy() for w in weights]
        flat = vec(bumped[l])
        flat[k] += h
        bumped[l] = flat.reshape(3, 3).T
        jac[:, k] = (vec(product(bumped)) - vec(product(weights))) / h
    np.testing.assert_allclose(jac, np.kron(prefix[l].T, suffix[l]), rtol=1e-5, atol=1e-6)
    assert np.abs(jac - np.kron(prefix[l].T, suffix[l].T)).max() > 0.1


def test_modewise_noise_variance_is_the_contraction_of_sigma():
    """||Mk + Mk^T||^2/2 + sigma_q^2 ||K||^2 equals a_alpha^T Sigma a_alpha with a_alpha = vec W_>l^T u v^T W_<l^T (Prop. 3.3)."""
    weights, teacher, sigma_q = network(seed=3)
    explicit = noise_covariance.deep_linear_noise_covariance(weights, teacher, sigma_q)
    prefix, suffix = noise_covariance.partial_products(weights)
    left, _, right_t = np.linalg.svd(teacher)
    expected = []
    for alpha in range(min(teacher.shape)):
        a = np.concatenate([(q.T @ np.outer(left[:, alpha], right_t[alpha]) @ p.T).ravel() for p, q in zip(prefix, suffix)])
        expected.append(a @ explicit @ a)
    np.testing.assert_allclose(noise_covariance.modewise_noise_variance(weights, teacher, sigma_q), expected, rtol=1e-12)


# ------------------------------------------------------------------------------------------ two-layer
def two_layer_problem():
    rng = np.random.default_rng(5)
    P, n_in = 12, 4
    x = rng.normal(0, 0.5, (P, n_in))
    y = rng.normal(size=P)
    return x, y, rng.normal(size=n_in)


def test_exact_two_layer_noise_has_the_minibatch_covariance():
    x, y, w = two_layer_problem()
    for replacement in (True, False):
        sampled = linear_map_covariance(lambda z: noise_covariance.two_layer_noise(w, x, y, 3, z, "exact", replacement), len(x))
        np.testing.assert_allclose(sampled, noise_covariance.two_layer_noise_covariance(w, x, y, 3, replacement), rtol=1e-12, atol=1e-15)


def test_wick_two_layer_noise_has_the_gaussian_closure_covariance():
    """Eq. (3.12) for one output: (1/S)[<r^2> Sigma^xx + g g^T], with the dataset's own second moments."""
    x, y, w = two_layer_problem()
    r = y - x @ w
    g = r @ x / len(x)
    expected = (np.mean(r**2) * x.T @ x / len(x) + np.outer(g, g)) / 3
    sampled = linear_map_covariance(lambda z: noise_covariance.two_layer_noise(w, x, y, 3, z, "wick"), x.shape[1] + 1)
    np.testing.assert_allclose(sampled, expected, rtol=1e-12)


@pytest.mark.parametrize("replacement", [True, False])
def test_two_layer_covariance_matches_monte_carlo_of_minibatch_gradients(replacement):
    """2e5 minibatches of S = 3 out of P = 12: the noise of the minibatch gradient of the product about the
    full-batch gradient. 10 distinct entries, each within 5 standard errors estimated from the samples;
    without replacement the covariance is smaller by (P - S)/(P - 1) = 0.82, which is ~100 SE here."""
    x, y, w = two_layer_problem()
    P, S, n = len(x), 3, 200_000
    rng = np.random.default_rng(6)
    batches = rng.integers(0, P, (n, S)) if replacement else np.argsort(rng.random((n, P)), axis=1)[:, :S]
    r = y - x @ w
    noise = np.einsum("nk,nki->ni", r[batches], x[batches]) / S - r @ x / P
    assert_within_standard_errors(noise, noise_covariance.two_layer_noise_covariance(w, x, y, S, replacement), n_se=5.0)
