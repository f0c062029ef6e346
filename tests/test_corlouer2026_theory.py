"""The Corlouer et al. theory module against independent computations: scipy's solve_ivp of the full matrix gradient
flow, Monte Carlo of per-sample gradients (by backpropagation), finite-difference Hessians, quadrature, and a long
Euler-Maruyama simulation of the 1-D modewise SDE."""

from functools import reduce

import numpy as np
import pytest
from scipy import integrate, optimize

from sgdnoise.corlouer2026 import theory

SINGULAR = np.array([1.0, 0.6, 0.3])


def end_to_end(weights):
    return reduce(lambda acc, w: w @ acc, weights, np.eye(weights[0].shape[-1]))


def random_teacher(rng, d=3, singular=SINGULAR):
    """M = U diag(s) V^T with Haar U, V; returns M and its modes as the module reads them."""
    u0, _ = np.linalg.qr(rng.normal(size=(d, d)))
    v0, _ = np.linalg.qr(rng.normal(size=(d, d)))
    teacher = u0 @ np.diag(singular) @ v0.T
    return teacher, *theory.teacher_modes(teacher)


def aligned_start(rng, widths, amplitudes):
    """A balanced aligned network for a random teacher with mode amplitudes `amplitudes`."""
    teacher, left, singular, right = random_teacher(rng, widths[0])
    return teacher, left, singular, right, theory.balanced_weights(amplitudes, widths, rng, left=left, right=right)


def flat(weights):
    return np.concatenate([w.ravel() for w in weights])


def unflat(theta, widths):
    sizes = np.cumsum([0] + [a * b for a, b in zip(widths[1:], widths[:-1])])
    return [theta[sizes[l] : sizes[l + 1]].reshape(widths[l + 1], widths[l]) for l in range(len(widths) - 1)]


def population_gradient(weights, teacher):
    """grad_{W_l} of 1/2 E||M x - W x||^2 = -(W_L..W_{l+1})^T (M - W) (W_{l-1}..W_1)^T, by explicit loops."""
    delta = teacher - end_to_end(weights)
    grads = []
    for l in range(len(weights)):
        above = reduce(lambda acc, w: acc @ w, weights[l + 1 :][::-1], np.eye(teacher.shape[0]))
        below = end_to_end(weights[:l]) if l else np.eye(teacher.shape[1])
        grads.append(-above.T @ delta @ below.T)
    return grads


def per_sample_gradients(weights, teacher, sigma_q, x, xi):
    """Backpropagation of 1/2 ||y - W x||^2, y = M x + sigma_q xi, per sample, engine order (layers, rows)."""
    hidden = [x]
    for w in weights:
        hidden.append(hidden[-1] @ w.T)
    back = x @ teacher.T + sigma_q * xi - hidden[-1]
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = -np.einsum("ni,nj->nij", back, hidden[l]).reshape(len(x), -1)
        back = back @ weights[l]
    return np.concatenate(grads, axis=1)


# ------------------------------------------------------------------------------------------ gradient flow
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_modewise_solution_and_learning_times_match_the_full_matrix_gradient_flow(depth):
    """Balanced aligned start, hidden width 4 (non-square layers): solve_ivp (rtol 1e-11) of the whole network's flow.
    The manifold is invariant under the flow, so Eq. 5's w(t) and its learning times must agree to the solver's
    accuracy; the cross modes stay at rounding."""
    rng = np.random.default_rng(depth)
    widths = (3,) + (4,) * (depth - 1) + (3,)
    w0 = np.array([0.05, 0.03, 0.02])
    teacher, left, s, right, weights = aligned_start(rng, widths, w0)
    fraction = 0.5
    events = []
    for alpha in range(3):
        event = lambda t, th, a=alpha: left[:, a] @ end_to_end(unflat(th, widths)) @ right[:, a] - fraction * s[a]
        events.append(event)
    flow = lambda t, th: -flat(population_gradient(unflat(th, widths), teacher))
    times = np.linspace(0, 40, 81)
    sol = integrate.solve_ivp(flow, (0, times[-1]), flat(weights), t_eval=times, events=events, rtol=1e-11, atol=1e-13, method="DOP853")
    modes = np.array([left.T @ end_to_end(unflat(th, widths)) @ right for th in sol.y.T])
    for alpha in range(3):
        np.testing.assert_allclose(modes[:, alpha, alpha], theory.mode_trajectory(times, s[alpha], w0[alpha], depth), atol=1e-8)
        assert sol.t_events[alpha].size == 1
        np.testing.assert_allclose(theory.learning_time(s[alpha], w0[alpha], depth, fraction), sol.t_events[alpha][0], rtol=1e-7)
    off_diagonal = modes - np.einsum("tii->ti", modes)[:, :, None] * np.eye(3)
    assert np.abs(off_diagonal).max() < 1e-9
    # Eq. 5: the drift of each mode amplitude, grad w_alpha . (-grad L), at points along the path
    for k in (0, 3, 10):
        point = unflat(sol.y[:, k], widths)
        for alpha in range(3):
            drift = theory.mode_gradient(point, left[:, alpha], right[:, alpha]) @ -flat(population_gradient(point, teacher))
            np.testing.assert_allclose(drift, theory.gradient_drift(modes[k, alpha, alpha], s[alpha], depth), rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 6])
def test_learning_time_closed_form_matches_quadrature(depth):
    """The hypergeometric antiderivative against scipy quad of 1 / Eq. 5 (in log w, where the integrand is smooth)."""
    for s, w0, fraction in [(1.0, 1e-3, 0.9), (0.4, 1e-4, 0.5), (0.7, 0.3, 0.99)]:
        expected = integrate.quad(lambda u: np.exp(u) / theory.gradient_drift(np.exp(u), s, depth), np.log(w0), np.log(fraction * s),
                                  epsabs=0, epsrel=1e-12, limit=200)[0]
        np.testing.assert_allclose(theory.learning_time(s, w0, depth, fraction), expected, rtol=1e-9)
    if depth == 2:  # Saxe et al.'s closed form, the inverse of Eq. 3
        np.testing.assert_allclose(theory.learning_time(1.0, 1e-3, 2, 0.9), np.log(0.9 * 0.999 / (1e-3 * 0.1)) / 2, rtol=1e-12)


# -------------------------------------------------------------------------------- noise covariance Prop. 3.2
def test_appendix_sigma_matches_monte_carlo_and_the_printed_jacobian_does_not():
    """4e5 per-sample gradients (backprop) at a generic state of a square 3-3-3 network, centred on the exact
    population gradient. Each of the 171 distinct entries of the sample covariance lies within 5 of its own standard
    errors of the appendix-form Sigma (chance of any exceeding 5 SE for Gaussian estimates ~1e-4); the main text's
    J_l = W_<l^T (x) W_>l^T misses entries by far more. The main-text form with the corrected J_l equals the
    appendix form to rounding."""
    rng = np.random.default_rng(11)
    widths = (3, 3, 3)
    weights = [rng.normal(0, 0.8, (3, 3)) for _ in range(2)]
    teacher, variance = rng.normal(size=(3, 3)), 0.16
    n = 400_000
    x = rng.standard_normal((n, 3))
    noise = per_sample_gradients(weights, teacher, np.sqrt(variance), x, rng.standard_normal((n, 3))) - flat(population_gradient(weights, teacher))
    second = noise.T @ noise / n
    se = np.sqrt(np.maximum((noise**2).T @ noise**2 / n - second**2, 0) / n)
    upper = np.triu_indices(sum(a * b for a, b in zip(widths[1:], widths[:-1])))
    z = lambda sigma: np.abs(second - sigma)[upper] / se[upper]
    appendix = theory.noise_covariance(weights, teacher, variance)
    assert z(appendix).max() < 5.0
    assert z(theory.noise_covariance_main_text(weights, teacher, variance, theory.layer_jacobian_printed)).max() > 50.0
    np.testing.assert_allclose(theory.noise_covariance_main_text(weights, teacher, variance), appendix, atol=1e-12 * np.abs(appendix).max())


def test_layer_jacobian_is_the_derivative_of_the_product():
    """Central differences of vec(W) in vec(W_l) (column stacking) against layer_jacobian; the printed one differs."""
    rng = np.random.default_rng(5)
    weights = [rng.normal(size=(3, 3)) for _ in range(3)]
    h = 1e-6
    for layer in (1, 2, 3):
        jac = np.empty((9, 9))
        for k in range(9):
            bump = np.zeros(9)
            bump[k] = h
            moved = lambda sign: [w + sign * bump.reshape(3, 3).T if i == layer - 1 else w for i, w in enumerate(weights)]
            jac[:, k] = (end_to_end(moved(1)).T.ravel() - end_to_end(moved(-1)).T.ravel()) / (2 * h)
        np.testing.assert_allclose(jac, theory.layer_jacobian(weights, layer), atol=1e-8)
        if layer != 3:  # J_L = I (x) I whatever the transpose
            assert np.abs(jac - theory.layer_jacobian_printed(weights, layer)).max() > 0.1


# ------------------------------------------------------------------------------------ modewise diffusion
def dense_diffusion_matrix(weights, teacher, beta, variance):
    left, _, right = theory.teacher_modes(teacher)
    sigma = theory.noise_covariance(weights, teacher, variance)
    grads = np.array([theory.mode_gradient(weights, left[:, a], right[:, a]) for a in range(min(teacher.shape))])
    return beta * grads @ sigma @ grads.T


def test_matrix_free_diffusion_matches_the_dense_contraction_over_seeds_and_times():
    """Generic non-square 3-4-2-3 networks on a (2 seeds, 3 times) grid: modewise_diffusion(_matrix) against
    beta a_alpha^T Sigma a_beta from the dense Sigma, slice by slice, and the mode subset."""
    rng = np.random.default_rng(7)
    widths = (3, 4, 2, 3)
    weights = [rng.normal(0, 0.8, (2, 3, widths[l + 1], widths[l])) for l in range(3)]
    teacher = rng.normal(size=(3, 3))
    beta, variance = 0.005, 0.3
    matrix = theory.modewise_diffusion_matrix(weights, teacher, beta=beta, label_noise_variance=variance)
    diagonal = theory.modewise_diffusion(weights, teacher, beta=beta, label_noise_variance=variance)
    subset = theory.modewise_diffusion(weights, teacher, beta=beta, label_noise_variance=variance, modes=[2, 0])
    for i in range(2):
        for t in range(3):
            expected = dense_diffusion_matrix([w[i, t] for w in weights], teacher, beta, variance)
            np.testing.assert_allclose(matrix[i, t], expected, rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(diagonal[i, t], np.diag(expected), rtol=1e-10)
            np.testing.assert_allclose(subset[i, t], np.diag(expected)[[2, 0]], rtol=1e-10)
    assert np.abs(matrix[..., 0, 1]).min() > 1e-6  # generic states do couple modes


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_eq7_is_the_diffusion_on_a_balanced_aligned_point_and_cross_modes_vanish(depth):
    """Eq. 7 against beta a^T Sigma a from the dense Sigma; the exponent 2(L-1)/L (App. F's 'a') would fail for
    w != 1; D_alpha_beta = 0 for alpha != beta (Prop. 3.3 / App. E), matrix-free and dense."""
    rng = np.random.default_rng(20 + depth)
    widths = (3,) + (5,) * (depth - 1) + (3,)
    amplitudes = np.array([0.8, 0.25, 0.1])
    teacher, _, s, _, weights = aligned_start(rng, widths, amplitudes)
    beta, variance = 0.01, 0.2
    dense = dense_diffusion_matrix(weights, teacher, beta, variance)
    eq7 = theory.modewise_diffusion_balanced(amplitudes, s, depth, beta, variance)
    np.testing.assert_allclose(np.diag(dense), eq7, rtol=1e-10)
    wrong_exponent = beta * depth**2 * (2 * (s - amplitudes) ** 2 + variance) * amplitudes ** (2 * (depth - 1) / depth)
    assert np.all(np.abs(wrong_exponent / eq7 - 1) > 0.1)
    matrix_free = theory.modewise_diffusion_matrix(weights, teacher, beta=beta, label_noise_variance=variance)
    scale = eq7.max()
    assert np.abs(matrix_free - np.diag(np.diag(matrix_free))).max() < 1e-12 * scale
    assert np.abs(dense - np.diag(np.diag(dense))).max() < 1e-12 * scale


@pytest.mark.parametrize("depth", [2, 3, 4, 6])
def test_diffusion_peak_and_its_existence_condition(depth):
    """Eq. 9 against a bounded numerical maximisation of Eq. 7 (up to the local minimum, the other root) below the
    Eq. 10 bound; above it D increases on (0, 2s)."""
    s, beta = 0.7, 0.005
    bound = s**2 * depth**2 / (4 * (depth - 1) * (3 * depth - 2))
    for variance in (0.0, 0.5 * bound, 0.99 * bound):
        assert theory.diffusion_peak_exists(s, depth, variance)
        peak, value = theory.diffusion_peak(s, depth, beta, variance)
        a = 4 * (depth - 1) / depth
        local_minimum = ((a + 1) * s + np.sqrt(s**2 - a * (a + 2) * variance / 2)) / (a + 2)
        found = optimize.minimize_scalar(lambda w: -theory.modewise_diffusion_balanced(w, s, depth, beta, variance), bounds=(1e-9, local_minimum),
                                         method="bounded", options={"xatol": 1e-12})
        np.testing.assert_allclose(peak, found.x, rtol=1e-6)
        np.testing.assert_allclose(value, -found.fun, rtol=1e-10)
        assert peak < s
    variance = 1.01 * bound
    assert not theory.diffusion_peak_exists(s, depth, variance)
    assert np.isnan(theory.diffusion_peak(s, depth, beta, variance)[0])
    grid = np.linspace(1e-6, 2 * s, 20001)
    assert np.all(np.diff(theory.modewise_diffusion_balanced(grid, s, depth, beta, variance)) > 0)


# -------------------------------------------------------------------------------------------------- Ito drift
def finite_difference_hessian(weights, u, v, h=1e-4):
    """Central second differences of u^T W v in theta (exact for the degree-2 part, O(h^2) otherwise)."""
    widths = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    theta = flat(weights)
    f = lambda th: u @ end_to_end(unflat(th, widths)) @ v
    n = theta.size
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            hess[i, j] = hess[j, i] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (4 * h * h)
    return hess


def test_mode_hessian_and_dense_ito_drift_match_finite_differences():
    rng = np.random.default_rng(3)
    widths = (3, 4, 2, 3)
    weights = [rng.normal(0, 0.8, (widths[l + 1], widths[l])) for l in range(3)]
    teacher = rng.normal(size=(3, 3))
    left, _, right = theory.teacher_modes(teacher)
    beta, variance = 0.01, 0.3
    sigma = theory.noise_covariance(weights, teacher, variance)
    for alpha in range(3):
        fd = finite_difference_hessian(weights, left[:, alpha], right[:, alpha])
        np.testing.assert_allclose(theory.mode_hessian(weights, left[:, alpha], right[:, alpha]), fd, atol=1e-7)
        np.testing.assert_allclose(theory.ito_drift_dense(weights, teacher, alpha, beta=beta, label_noise_variance=variance),
                                   0.5 * beta * np.sum(sigma * fd), rtol=1e-6)


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_ito_drift_on_balanced_aligned_points(depth):
    """Dense (beta/2) tr(Sigma Hess) against: the coupled aligned formula at a point where all modes are partly
    learned; the single-mode corrected drift ((L-1)/2L) D / w when the other modes are at 0 or learned. The printed
    Eq. 6, Eq. 14 and App. E forms miss it (by more than 10 % at every point tried)."""
    rng = np.random.default_rng(40 + depth)
    widths = (3,) + (4,) * (depth - 1) + (3,)
    beta, variance = 0.01, 0.2
    for amplitudes, decoupled in [((0.7, 0.2, 0.05), False), ((0.5, 0.0, 0.0), True), ((1.0, 0.3, 0.0), True), ((1.0, 0.6, 0.1), True)]:
        amplitudes = np.array(amplitudes)
        teacher, _, s, _, weights = aligned_start(rng, widths, amplitudes)
        dense = np.array([theory.ito_drift_dense(weights, teacher, a, beta=beta, label_noise_variance=variance) for a in range(3)])
        scale = np.abs(dense).max()
        np.testing.assert_allclose(theory.ito_drift_aligned(amplitudes, s, depth, beta, variance), dense, atol=1e-11 * scale)
        single = theory.ito_drift(amplitudes, s, depth, beta, variance)
        moving = amplitudes > 0
        learning = moving & (amplitudes < s - 1e-9)
        if decoupled:  # the coupling carries (s_a - w_a)(s_g - w_g) w_g^(...): zero for the modes with w > 0 here ...
            np.testing.assert_allclose(single[moving], dense[moving], rtol=1e-10, atol=1e-14 * scale)
            # ... but a mode at w = 0 is pushed by the learning ones (through Sigma_L1): the single-mode form says 0
            assert np.all(dense[~moving] > 1e-3 * scale) and np.all(single[~moving] == 0)
        else:
            assert np.all(np.abs(single - dense) > 1e-3 * scale)  # the coupling is real
        for printed in (theory.ito_drift_eq6, theory.ito_drift_eq14, theory.ito_drift_appendix_e):
            values = printed(amplitudes, s, depth, beta, variance)
            assert np.all(np.abs(values[learning] / dense[learning] - 1) > 0.1)


# -------------------------------------------------------------------------------------------- balance
def test_balanced_weights_are_exactly_balanced_and_aligned():
    rng = np.random.default_rng(9)
    widths = (3, 5, 4, 6, 3)
    teacher, left, s, right = random_teacher(rng)
    weights = theory.balanced_weights([0.9, 0.4, 0.01], widths, rng, left=left, right=right)
    for lower, upper in zip(weights[:-1], weights[1:]):
        assert np.abs(upper.T @ upper - lower @ lower.T).max() < 1e-12
    np.testing.assert_allclose(left.T @ end_to_end(weights) @ right, np.diag([0.9, 0.4, 0.01]), atol=1e-12)
    ratio, numerator = theory.imbalance(weights)
    assert ratio.shape == (3,) and ratio.max() < 1e-12 and numerator.max() < 1e-12


def test_imbalance_eq33_by_hand_and_over_leading_axes():
    """W_1 = diag(2, 1), W_2 = I: numerator ||diag(3, 0)|| = 3, denominator sqrt(17) + sqrt(2)."""
    ratio, numerator = theory.imbalance([np.diag([2.0, 1.0]), np.eye(2)])
    np.testing.assert_allclose(numerator, [3.0])
    np.testing.assert_allclose(ratio, [3.0 / (np.sqrt(17) + np.sqrt(2))])
    rng = np.random.default_rng(1)
    stacked = [rng.normal(size=(2, 5, 4, 3)), rng.normal(size=(2, 5, 2, 4))]
    ratios, _ = theory.imbalance(stacked)
    np.testing.assert_allclose(ratios[1, 3], theory.imbalance([w[1, 3] for w in stacked])[0])


# ---------------------------------------------------------------------------------------- stationary law
def test_stationary_density_quadrature_on_an_ornstein_uhlenbeck_process():
    """mu = -k (w - m), D constant: Gaussian with mean m, variance D / 2k, and a closed-form normalisation."""
    k, m, d = 3.0, 0.4, 0.02
    grid = np.linspace(0.0, 0.8, 4001)
    law = theory.stationary_density(lambda w: -k * (w - m), lambda w: np.full_like(w, d), grid)
    np.testing.assert_allclose([law.mean, law.variance, law.mode], [m, d / (2 * k), m], rtol=1e-9)
    np.testing.assert_allclose(law.log_normalisation, -np.log(d) + k * m**2 / d + 0.5 * np.log(np.pi * d / k), rtol=1e-9)


def euler_maruyama_moments(drift, diffusion, w0, dt, burn_in, horizon, n_chains, rng):
    """Per-chain time averages of w and w^2 after burn-in; the chains are independent, so their spread gives the SE."""
    w = np.full(n_chains, w0)
    first, second, n = np.zeros(n_chains), np.zeros(n_chains), 0
    for step in range(int(round(horizon / dt))):
        w = w + drift(w) * dt + np.sqrt(diffusion(w) * dt) * rng.standard_normal(n_chains)
        if step * dt >= burn_in:
            first += w
            second += w * w
            n += 1
    return first / n, second / n


@pytest.mark.parametrize("depth, beta", [(2, 0.05), (4, 0.02)])
def test_stationary_density_matches_a_long_euler_maruyama_simulation(depth, beta):
    """Eq. 16 by quadrature, with the corrected drift Eq. 5 + ito_drift and Eq. 7, against 2000 EM chains
    (dt = 1e-3, 35 time units after a burn-in of 5; relaxation time 1/(L s^a) <= 0.5). Mean and variance within
    4 SE over chains plus an EM bias allowance (first order in dt: rate * dt times the quantity)."""
    s, variance = 1.0, 0.5
    drift = lambda w: theory.gradient_drift(np.abs(w), s, depth) + theory.ito_drift(np.abs(w), s, depth, beta, variance)
    diffusion = lambda w: theory.modewise_diffusion_balanced(np.abs(w), s, depth, beta, variance)
    law = theory.stationary_density(drift, diffusion, np.linspace(0.2, 1.8, 8001))
    rng = np.random.default_rng(100 + depth)
    first, second = euler_maruyama_moments(drift, diffusion, s, 1e-3, 5.0, 40.0, 2000, rng)
    rate_dt = depth * 1e-3
    mean, mean_se = first.mean(), first.std(ddof=1) / np.sqrt(first.size)
    var_samples = second - first.mean() ** 2
    var, var_se = var_samples.mean(), var_samples.std(ddof=1) / np.sqrt(first.size)
    assert abs(mean - law.mean) < 4 * mean_se + rate_dt * law.variance, (mean, law.mean, mean_se)
    assert abs(var - law.variance) < 4 * var_se + rate_dt * law.variance, (var, law.variance, var_se)
    # the shift below s is resolved by the simulation: the printed Eq. 17 puts the mean above s
    assert mean < s - 10 * mean_se and law.mean < s


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_small_noise_law_is_the_first_order_of_the_quadrature(depth):
    """At beta = 1e-4 the quadrature's mean, mode and the drift's zero sit at s - c, s - 3c, s + c within 2 % of c
    (the next order is O(beta^2)); the variance is Eq. 18's within 2 %. Eq. 17 has the wrong sign and size."""
    s, beta, variance = 0.7, 1e-4, 0.1
    drift = lambda w: theory.gradient_drift(w, s, depth) + theory.ito_drift(w, s, depth, beta, variance)
    diffusion = lambda w: theory.modewise_diffusion_balanced(w, s, depth, beta, variance)
    law = theory.stationary_density(drift, diffusion, np.linspace(0.6, 0.8, 20001))
    expected = theory.small_noise_law(s, depth, beta, variance)
    c = expected.drift_zero - s
    zero = optimize.brentq(drift, 0.6, 0.8, xtol=1e-15)
    for measured, target in [(zero, expected.drift_zero), (law.mean, expected.mean), (law.mode, expected.mode)]:
        assert abs(measured - target) < 0.02 * c, (measured, target, c)
    np.testing.assert_allclose(law.variance, theory.stationary_variance_eq18(s, depth, beta, variance), rtol=0.02)
    printed = theory.stationary_shift_eq17(s, depth, beta, variance)
    assert printed > 0 > law.mean - s and abs(printed / (law.mean - s)) > 2
