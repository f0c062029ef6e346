"""The continuum-time noise of every SDE, SGF and Langevin kernel against the one-step moments of SGD.

An Euler-Maruyama step of length dt = lr must reproduce SGD's first two moments per step: mean -lr g and
covariance lr^2 C (deep linear SDE: (eta^2 / b) Sigma of Prop. 3.2; Langevin: noise_std^2 eta dt I). A shared
factor-2 error in the kernels' sqrt(lr dt / b) prefactors, which a reference that copies them cannot see, shifts the
covariance by ~50 standard errors here.
"""

import numpy as np
import pytest
import scipy.stats

from sgdnoise import engine
from sgdnoise import noise_covariance

N_STEPS = 20_000  # one step from the same state in every "seed"
ONE_STEP = dict(burn_in_steps=0, measure_steps=1, record_every=1, trace_every=1)


def flat(layers):
    return np.concatenate([w.reshape(w.shape[0], -1) for w in layers], axis=1)


def directions(n_params, extra=()):
    """Fixed random unit vectors plus the given ones (normalised): the projections the moments are compared on."""
    v = np.random.default_rng(99).normal(size=(6, n_params))
    v = np.vstack([v, *[np.atleast_2d(e) for e in extra]])
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def z_scores(increments, mean, covariance, v):
    """|z| of the sample mean and of the sample second moment about `mean` along each direction, against their
    exact values; standard errors from the samples' own spread (fourth moments for the second moments)."""
    proj = (increments - mean) @ v.T
    z_mean = proj.mean(0) / (proj.std(0, ddof=1) / np.sqrt(len(proj)))
    square = proj**2
    exact = np.einsum("ki,ij,kj->k", v, covariance, v)
    z_cov = (square.mean(0) - exact) / (square.std(0, ddof=1) / np.sqrt(len(square)))
    return np.abs(np.concatenate([z_mean, z_cov]))


def limit(n_tests):
    return scipy.stats.norm.isf(0.001 / (2 * n_tests))  # 0.1% family-wise over the tests of one case


# ----------------------------------------------------------------------------------------- deep linear
WIDTHS = (3, 4, 3)


def deep_state():
    rng = np.random.default_rng(1)
    teacher = np.diag([1.0, 0.6, 0.3])
    weights = [rng.normal(0, 0.6, (WIDTHS[l + 1], WIDTHS[l])) for l in range(len(WIDTHS) - 1)]
    return teacher, weights


def population_gradient(weights, teacher):
    prefix, suffix = noise_covariance.partial_products(weights)
    delta = teacher - weights[1] @ weights[0]
    return np.concatenate([-(q.T @ delta @ a.T).ravel() for a, q in zip(prefix, suffix)])


@pytest.mark.parametrize("method", ["online_sgd", "sde", "langevin"])
def test_deep_linear_one_step_moments(method):
    teacher, weights = deep_state()
    lr, b, sigma_q, noise_std = 0.05, 2, 0.3, 0.8
    start = [np.repeat(w[None], N_STEPS, axis=0) for w in weights]
    rngs = [np.random.default_rng(1000 + s) for s in range(N_STEPS)]
    if method == "online_sgd":
        run = engine.deep_linear_online_sgd(teacher, start, rngs, learning_rate=lr, batch_size=b, label_noise_std=sigma_q, **ONE_STEP)
    elif method == "sde":
        run = engine.deep_linear_sde(teacher, start, rngs, learning_rate=lr, batch_size=b, label_noise_std=sigma_q, dt=lr, **ONE_STEP)
    else:
        run = engine.deep_linear_langevin(teacher, start, rngs, learning_rate=lr, noise_std=noise_std, dt=lr, label_noise_std=sigma_q, **ONE_STEP)
    increments = flat(run.final_weights) - flat(start)
    g = population_gradient(weights, teacher)
    if method == "langevin":
        covariance = noise_std**2 * lr * lr * np.eye(g.size)  # N(0, noise_std^2 eta dt I) at dt = eta
    else:
        covariance = lr**2 / b * noise_covariance.deep_linear_noise_covariance(weights, teacher, sigma_q)  # (eta^2 / b) Sigma
    v = directions(g.size, extra=[g, np.linalg.eigh(covariance)[1][:, -1]])
    z = z_scores(increments, -lr * g, covariance, v)
    assert np.max(z) < limit(z.size), (method, np.round(z, 1))
    # power: the same samples reject a covariance off by a factor 2 (a doubled or missing dt, or a missing 1/b)
    assert np.max(z_scores(increments, -lr * g, 2 * covariance, v)) > limit(z.size)


# ------------------------------------------------------------------------------------------- two-layer
def test_two_layer_sgf_step_has_the_moments_of_an_sgd_step():
    """Gross Sec. III: Euler-Maruyama of the SGF (3.15-3.16) with dt = lambda against minibatch SGD (3.5), both from
    the same weights; the two samples are independent, so their moment differences have the summed variance."""
    rng = np.random.default_rng(4)
    P, n_in, n_hidden, S, lr = 12, 4, 3, 3, 0.1
    x = rng.normal(0, 0.5, (P, n_in))
    y = rng.normal(size=P)
    w1, w2 = rng.normal(0, 0.7, (n_hidden, n_in)), rng.normal(0, 0.7, n_hidden)
    data = (np.repeat(x[None], N_STEPS, 0), np.repeat(y[None], N_STEPS, 0), np.repeat(w1[None], N_STEPS, 0), np.repeat(w2[None], N_STEPS, 0))
    sgd = engine.two_layer_sgd(*data, [np.random.default_rng(s) for s in range(N_STEPS)], learning_rate=lr, batch_size=S, **ONE_STEP)
    sgf = engine.two_layer_sgf(*data, [np.random.default_rng(50_000 + s) for s in range(N_STEPS)], learning_rate=lr, batch_size=S, dt=lr,
                               noise_form="exact", **ONE_STEP)
    start = np.concatenate([w1.ravel(), w2])
    steps = [np.concatenate([run.final_first.reshape(N_STEPS, -1), run.final_second], axis=1) - start for run in (sgd, sgf)]
    v = directions(start.size, extra=[steps[0].mean(0)])
    proj = [s @ v.T for s in steps]
    mean_z = (proj[0].mean(0) - proj[1].mean(0)) / np.sqrt(sum(p.var(0, ddof=1) / N_STEPS for p in proj))
    squares = [(p - p.mean(0)) ** 2 for p in proj]
    var_z = (squares[0].mean(0) - squares[1].mean(0)) / np.sqrt(sum(q.var(0, ddof=1) / N_STEPS for q in squares))
    z = np.abs(np.concatenate([mean_z, var_z]))
    assert np.max(z) < limit(z.size), np.round(z, 1)
    # power: SGF noise twice as large (sqrt(2 lr dt)) would be rejected
    doubled = steps[0].mean(0) + np.sqrt(2) * (steps[1] - steps[1].mean(0))
    q2 = ((doubled @ v.T) - (doubled @ v.T).mean(0)) ** 2
    assert np.max(np.abs(squares[0].mean(0) - q2.mean(0)) / np.sqrt(squares[0].var(0, ddof=1) / N_STEPS + q2.var(0, ddof=1) / N_STEPS)) > limit(z.size)
