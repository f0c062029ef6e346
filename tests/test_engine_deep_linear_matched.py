"""Isotropic Langevin matched to tr Sigma(theta) (engine.deep_linear_langevin_matched): the matrix-free trace against
the dense Sigma of Prop. 3.2, the kernel against a numpy reference fed the same normals."""

import numpy as np
import pytest

from sgdnoise import engine
from sgdnoise.corlouer2026 import theory
from sgdnoise.engine.deep_linear import noise_covariance_trace

from test_engine_deep_linear import KW, N_SEEDS, TOTAL, WIDTHS, check_run, initial_weights, population_loss, product, records_of, rngs, \
    sandwich, seed_weights, teacher


@pytest.mark.parametrize("widths", [(3, 4, 2), (2, 3, 3, 2), (4, 5, 3, 3)])
@pytest.mark.parametrize("sigma_q", [0.0, 0.3])
def test_noise_trace_equals_the_trace_of_the_dense_covariance(widths, sigma_q):
    rng = np.random.default_rng(3)
    m = rng.normal(size=(widths[-1], widths[0]))
    weights = [rng.normal(0, 0.7, (4, widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    dense = [np.trace(theory.noise_covariance([w[s] for w in weights], m, sigma_q**2)) for s in range(4)]
    np.testing.assert_allclose(noise_covariance_trace(m, weights, sigma_q), dense, rtol=1e-11)


def reference_matched(weights, m, draws, lr, b, dt, sigma_q):
    """W_l += dt W_>l^T Delta W_<l^T + sqrt(eta dt tr Sigma / (b P)) xi, tr Sigma from the dense Prop. 3.2 covariance."""
    out = [records_of(weights, m, population_loss(weights, m, sigma_q), None)]
    sizes = np.cumsum([0] + [w.size for w in weights])
    for z in draws:
        scale = np.sqrt(lr * dt * np.trace(theory.noise_covariance(weights, m, sigma_q**2)) / (b * sizes[-1]))
        drift = sandwich(weights, m - product(weights))
        weights = [w + dt * g + scale * z[a:e].reshape(w.shape) for w, g, a, e in zip(weights, drift, sizes[:-1], sizes[1:])]
        out.append(records_of(weights, m, population_loss(weights, m, sigma_q), None))
    return np.array(out)


@pytest.mark.parametrize("sigma_q", [0.0, 0.2])
def test_matched_langevin_equals_reference(sigma_q):
    m, w0 = teacher(), initial_weights()
    lr, b, dt = 0.05, 2, 0.02
    run = engine.deep_linear_langevin_matched(m, w0, rngs(range(N_SEEDS)), learning_rate=lr, batch_size=b, dt=dt, label_noise_std=sigma_q,
                                              record_weights=True, chunk_steps=12, **KW)
    n_params = sum(WIDTHS[l] * WIDTHS[l + 1] for l in range(len(WIDTHS) - 1))
    trajectories = [reference_matched(seed_weights(w0, s), m, rng.standard_normal((TOTAL, n_params)), lr, b, dt, sigma_q)
                    for s, rng in enumerate(rngs(range(N_SEEDS)))]
    check_run(run, trajectories)
