"""Theory of Corlouer et al. 2026: modewise dynamics of SGD on deep linear networks (Props. 3.2-3.5, 5.2, Sec. 4,
App. B-F, Eq. 33).

Conventions (those of engine.deep_linear and corlouer2026.runs): widths d_0..d_L, W_l of shape (d_l, d_{l-1}),
teacher M = U diag(s) V^T with (U, s, V) from numpy's SVD of M (as the engine takes them), inputs x ~ N(0, I),
per-sample loss 1/2 ||y - W x||^2 summed over outputs, label noise Sigma_q = sigma_q^2 I (the functions take
`label_noise_variance` = sigma_q^2), beta = eta / b, continuum time t = eta * step. Sigma is the batch-size-one
covariance of Prop. 3.2; the SDE's noise is eta Sigma / b, so every diffusion and Ito drift here carries beta.
Dense matrices (Sigma, a_alpha, Hessians) use the engine's parameter order: the layers concatenated, each W_l
flattened row by row (the paper's vec stacks columns; `_column_to_engine_order` converts).

Modewise functions of a scalar amplitude w assume 0 <= w (the fractional powers w^{k/L} of the balanced reduction).
The paper's 'a' is 4(L-1)/L in Sec. 4 (D ~ w^a) but 2(L-1)/L in App. F (D ~ w^{2a}, mu_grad ~ w^a); both mean
D ~ w^{4(L-1)/L}, the exponent of Eq. 7 that the balanced aligned contraction gives (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Callable, Sequence

import numpy as np

from ..noise_covariance import commutation_matrix, deep_linear_noise_covariance, partial_products


# ------------------------------------------------------------------------------ balanced aligned reduction
def gradient_drift(w, s, depth: int):
    """mu_grad = L (s - w) w^{2(L-1)/L}  (Eq. 5; Eq. 2 for L = 2): gradient flow of a balanced aligned mode."""
    w = np.asarray(w, dtype=float)
    return depth * (s - w) * w ** (2 * (depth - 1) / depth)


def gradient_flow_time(w, s: float, w0: float, depth: int):
    """Time the flow of Eq. 5 takes from w0 to w (0 < w0, w < s), the separable integral
    t = int_{w0}^{w} dz / (L z^p (s - z)), p = 2(L-1)/L, in closed form: with z = w/s and b = 1 - p = (2-L)/L,
    t = s^-p / L [F(z)]_{w0/s}^{w/s}, F = ln(z/(1-z)) for L = 2 (Saxe et al.), z^b/b 2F1(1, b; b+1; z) otherwise."""
    if not 0 < w0 < s:
        raise ValueError(f"need 0 < w0 < s, got w0 = {w0}, s = {s}")
    p = 2 * (depth - 1) / depth
    b = 1 - p

    def antiderivative(z):
        from scipy import special  # scipy only where it is used: the stages importing this module stay light

        if depth == 2:
            return np.log(z / (1 - z))
        return z**b / b * special.hyp2f1(1.0, b, b + 1.0, z)

    w = np.asarray(w, dtype=float)
    return s ** (-p) / depth * (antiderivative(w / s) - antiderivative(w0 / s))


def learning_time(s: float, w0: float, depth: int, fraction: float):
    """Time for a balanced aligned mode under gradient flow (Eq. 5) to go from w0 to `fraction` * s.

    The paper defines no learning time (Fig. 3's "time the mode is learned" bands and Fig. 1's "times when modes are
    learned" are undefined); this is Saxe et al.'s definition with the fraction a parameter. For L = 2 it is
    (1/2s) ln[f (s - w0) / (w0 (1 - f))], the inverse of Eq. 3."""
    return gradient_flow_time(fraction * s, s, w0, depth)


def mode_trajectory(t, s: float, w0: float, depth: int) -> np.ndarray:
    """w(t) under Eq. 5 from w(0) = w0 (0 < w0 < s): Eq. 3 for L = 2, s / (1 + (s/w0 - 1) e^{-2 s t}); for other L
    the root of gradient_flow_time(w) = t (brentq, to rounding), capped at s (1 - 1e-10), where scipy's 2F1 is still
    accurate (it fails near 1 - 1e-14)."""
    t = np.asarray(t, dtype=float)
    if depth == 2:
        return s / (1 + (s / w0 - 1) * np.exp(-2 * s * t))

    def solve(time):
        from scipy import optimize

        if time <= 0:
            return w0
        upper = s * (1 - 1e-10)  # w reaches s only as t -> infinity
        if gradient_flow_time(upper, s, w0, depth) <= time:
            return upper
        return optimize.brentq(lambda w: gradient_flow_time(w, s, w0, depth) - time, w0, upper, xtol=1e-15, rtol=1e-15)

    return np.vectorize(solve, otypes=[float])(t)


# ------------------------------------------------------------------------------------- modewise diffusion
def modewise_diffusion_balanced(w, s, depth: int, beta: float, label_noise_variance: float):
    """D = beta L^2 (2 (s - w)^2 + sigma_q^2) w^{4(L-1)/L}  (Prop. 3.5, Eq. 7 = Eqs. 8, 15).

    Exact on the balanced aligned manifold (tested against a^T Sigma a). Note on 'a': Sec. 4 writes D ~ w^a with
    a = 4(L-1)/L, App. F writes D ~ w^{2a} with a = 2(L-1)/L; the exponent is the same."""
    w = np.asarray(w, dtype=float)
    return beta * depth**2 * (2 * (s - w) ** 2 + label_noise_variance) * w ** (4 * (depth - 1) / depth)


def diffusion_peak_exists(s, depth: int, label_noise_variance: float):
    """Eq. 10: D of Eq. 7 has an interior maximum iff sigma_q^2 <= 2 s^2 / (a (a+2)) = s^2 L^2 / (4 (L-1)(3L-2)),
    a = 4(L-1)/L; otherwise D increases monotonically in w."""
    return label_noise_variance <= np.asarray(s, dtype=float) ** 2 * depth**2 / (4 * (depth - 1) * (3 * depth - 2))


def diffusion_peak(s, depth: int, beta: float, label_noise_variance: float) -> tuple[np.ndarray, np.ndarray]:
    """(w*, D(w*)): the maximiser of Eq. 7, w* = ((a+1) s - sqrt(s^2 - a(a+2) sigma_q^2 / 2)) / (a+2), a = 4(L-1)/L
    (Eq. 9; the smaller root of the stationarity condition of Sec. 4), and the peak value. NaN where Eq. 10 fails.
    w* is a local maximum: the larger root is a local minimum below s, and close to the Eq. 10 bound D(s) exceeds D(w*)."""
    s = np.asarray(s, dtype=float)
    a = 4 * (depth - 1) / depth
    discriminant = s**2 - a * (a + 2) * label_noise_variance / 2
    peak = np.where(discriminant >= 0, ((a + 1) * s - np.sqrt(np.maximum(discriminant, 0))) / (a + 2), np.nan)
    return peak, modewise_diffusion_balanced(peak, s, depth, beta, label_noise_variance)


# ----------------------------------------------------------------------------- noise covariance (Prop. 3.2)
def noise_covariance(weights: Sequence[np.ndarray], teacher: np.ndarray, label_noise_variance: float) -> np.ndarray:
    """Dense batch-size-one Sigma(theta) of Prop. 3.2 in its appendix-B form (Eq. 21 evaluated),
    Sigma_lm = (A_l (x) B_l Delta)(I + C)(A_m (x) B_m Delta)^T + (A_l A_m^T) (x) (B_l Sigma_q B_m^T),
    A_l = W_<l, B_l = W_>l^T, in the engine's parameter order (the engine's reference implementation)."""
    return deep_linear_noise_covariance(weights, teacher, float(np.sqrt(label_noise_variance)))


def layer_jacobian(weights: Sequence[np.ndarray], layer: int) -> np.ndarray:
    """d vec(W) / d vec(W_l) = W_<l^T (x) W_>l (column-stacking vec; layer = 1..L): the J_l that makes the main
    text's Prop. 3.2 equal its appendix form."""
    prefix, suffix = partial_products(weights)
    return np.kron(prefix[layer - 1].T, suffix[layer - 1])


def layer_jacobian_printed(weights: Sequence[np.ndarray], layer: int) -> np.ndarray:
    """The main text's J_l = W_<l^T (x) W_>l^T (Prop. 3.1), a typo (also in g_l); its shape fits only square layers."""
    prefix, suffix = partial_products(weights)
    return np.kron(prefix[layer - 1].T, suffix[layer - 1].T)


def noise_covariance_main_text(weights: Sequence[np.ndarray], teacher: np.ndarray, label_noise_variance: float,
                               jacobian: Callable[[Sequence[np.ndarray], int], np.ndarray] = layer_jacobian) -> np.ndarray:
    """Sigma of Prop. 3.2 as the main text prints it, J_l^T (I (x) Delta)(I + C)(I (x) Delta)^T J_m
    + (W_<l W_<m^T) (x) (W_>l^T Sigma_q W_>m), with J_l from `jacobian` (layer_jacobian or layer_jacobian_printed),
    in the engine's parameter order."""
    prefix, suffix = partial_products(weights)
    d0 = weights[0].shape[1]
    delta = teacher - reduce(lambda acc, w: w @ acc, weights, np.eye(d0))
    spread = np.kron(np.eye(d0), delta)
    data = np.vstack([jacobian(weights, l + 1).T @ spread for l in range(len(weights))])
    label = np.vstack([np.kron(a, q.T) for a, q in zip(prefix, suffix)])
    sigma = data @ (np.eye(d0 * d0) + commutation_matrix(d0, d0)) @ data.T + label_noise_variance * label @ label.T
    order = _column_to_engine_order(weights)
    return sigma[np.ix_(order, order)]


def _column_to_engine_order(weights: Sequence[np.ndarray]) -> np.ndarray:
    """Index map from the paper's stacked column-vec of the layers to the engine's row-major flattening."""
    offsets = np.cumsum([0] + [w.size for w in weights[:-1]])
    return np.concatenate([offset + np.arange(w.size).reshape(w.shape[1], w.shape[0]).T.ravel() for offset, w in zip(offsets, weights)])


# ------------------------------------------------------------------------ mode sensitivities (Prop. 3.3)
def teacher_modes(teacher: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(U, s, V) with M = U diag(s) V^T from numpy's SVD, as the engine records U^T W V; columns are the modes."""
    left, singular, right_t = np.linalg.svd(teacher)
    return left, singular, right_t.T


def mode_gradient(weights: Sequence[np.ndarray], u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """a_alpha = grad_theta (u^T W v): blocks A_l = (W_>l^T u)(W_<l v)^T (Prop. 3.3, Eq. 24), engine order."""
    prefix, suffix = partial_products(weights)
    return np.concatenate([np.outer(q.T @ u, a @ v).ravel() for a, q in zip(prefix, suffix)])


def mode_hessian(weights: Sequence[np.ndarray], u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Dense Hessian of u^T W v in theta (Prop. 3.4, Eq. 25), engine order: for l > m the (l, m) block is
    (W_>l^T u)_i (W_{l-1} ... W_{m+1})_{jk} (W_<m v)_p at row (i, j) of W_l, column (k, p) of W_m; diagonal blocks 0."""
    prefix, suffix = partial_products(weights)
    sizes = [w.size for w in weights]
    offsets = np.cumsum([0] + sizes)
    hess = np.zeros((offsets[-1], offsets[-1]))
    for l in range(len(weights)):
        for m in range(l):
            middle = reduce(lambda acc, w: w @ acc, weights[m + 1 : l], np.eye(weights[m].shape[0]))
            block = np.einsum("i,jk,p->ijkp", suffix[l].T @ u, middle, prefix[m] @ v).reshape(sizes[l], sizes[m])
            hess[offsets[l] : offsets[l + 1], offsets[m] : offsets[m + 1]] = block
            hess[offsets[m] : offsets[m + 1], offsets[l] : offsets[l + 1]] = block.T
    return hess


def _sensitivities(weights: Sequence[np.ndarray], teacher: np.ndarray, modes) -> tuple[np.ndarray, np.ndarray]:
    """K_alpha = sum_l W_>l A_l,alpha W_<l = sum_l (W_>l W_>l^T u)(W_<l^T W_<l v)^T and M_alpha = Delta^T K_alpha,
    shapes (..., mode, d_L, d_0) and (..., mode, d_0, d_0), over the leading axes of the weights."""
    left, _, right = teacher_modes(teacher)
    index = np.arange(min(teacher.shape)) if modes is None else np.asarray(modes)
    u, v = left[:, index], right[:, index]
    prefix, suffix = partial_products(weights)
    k = sum(np.einsum("...ia,...ja->...aij", q @ (np.swapaxes(q, -1, -2) @ u), np.swapaxes(a, -1, -2) @ (a @ v)) for a, q in zip(prefix, suffix))
    delta = teacher - weights[-1] @ prefix[-1]
    return k, np.einsum("...ib,...aij->...abj", delta, k)


def modewise_diffusion(weights: Sequence[np.ndarray], teacher: np.ndarray, *, beta: float, label_noise_variance: float,
                       modes=None) -> np.ndarray:
    """Empirical D_alpha = beta a_alpha^T Sigma a_alpha (Prop. 3.3, Eq. 28, with the batch's 1/b), matrix-free:
    (..., mode) over the leading axes (seed, time) of the weights (each (..., d_l, d_{l-1})).

    Derivation: the per-sample noise of layer l is W_>l^T S W_<l^T with S = Delta (x x^T - I) + xi x^T (App. B), so
    a^T xi = sum_l <A_l, W_>l^T S W_<l^T> = <K, S> with K = sum_l W_>l A_l W_<l. With M = Delta^T K,
    <K, Delta (x x^T - I)> = x^T M x - tr M, whose variance for x ~ N(0, I) is 2 tr(M_sym^2) = ||M + M^T||_F^2 / 2;
    <K, xi x^T> = xi^T K x has variance tr(K^T Sigma_q K) = sigma_q^2 ||K||_F^2; the two are uncorrelated.
    modes: indices into the teacher's SVD columns (default all min(d_0, d_L))."""
    k, m = _sensitivities(weights, teacher, modes)
    sym = np.sum(m**2, axis=(-2, -1)) + np.einsum("...aij,...aji->...a", m, m)
    return beta * (sym + label_noise_variance * np.sum(k**2, axis=(-2, -1)))


def modewise_diffusion_matrix(weights: Sequence[np.ndarray], teacher: np.ndarray, *, beta: float, label_noise_variance: float,
                              modes=None) -> np.ndarray:
    """Cross-mode D_alpha_beta = beta a_alpha^T Sigma a_beta (Prop. 3.3, Eq. 29), (..., mode, mode):
    beta [<M_a + M_a^T, M_b + M_b^T> / 2 + sigma_q^2 <K_a, K_b>] (derivation in modewise_diffusion)."""
    k, m = _sensitivities(weights, teacher, modes)
    sym = m + np.swapaxes(m, -1, -2)
    return beta * (0.5 * np.einsum("...aij,...bij->...ab", sym, sym) + label_noise_variance * np.einsum("...aij,...bij->...ab", k, k))


# ---------------------------------------------------------------------------------------------- Ito drift
def ito_drift_dense(weights: Sequence[np.ndarray], teacher: np.ndarray, mode: int, *, beta: float, label_noise_variance: float) -> float:
    """General Ito drift of w_alpha, (beta / 2) tr(Sigma Hess w_alpha) (Prop. 3.4, Eq. 27 with Sigma_b = Sigma / b),
    from the dense Sigma and Hessian: tiny networks only."""
    left, _, right = teacher_modes(teacher)
    hess = mode_hessian(weights, left[:, mode], right[:, mode])
    return 0.5 * beta * float(np.sum(noise_covariance(weights, teacher, label_noise_variance) * hess))


def ito_drift(w, s, depth: int, beta: float, label_noise_variance: float):
    """Corrected Ito drift of a balanced aligned mode when no other mode moves (every other mode at 0 or learned):
    (beta/2) L (L-1) w^{(3L-4)/L} [2 (s-w)^2 + sigma_q^2] = ((L-1)/(2L)) D(w) / w  (formulas.md; replaces Eqs. 6, 14, App. E).
    It is 0 at w = 0, but a mode at w = 0 is pushed by beta s (s_g - w_g) w_g^{(3L-4)/L} by every mode g that is
    learning (ito_drift_aligned)."""
    w = np.asarray(w, dtype=float)
    return 0.5 * beta * depth * (depth - 1) * w ** ((3 * depth - 4) / depth) * (2 * (s - w) ** 2 + label_noise_variance)


def ito_drift_aligned(mode_amplitudes, singular_values, depth: int, beta: float, label_noise_variance: float) -> np.ndarray:
    """Ito drift of every mode on the balanced aligned manifold, (..., mode), with the coupling between modes:
    ito_drift(w_a) + beta (s_a - w_a) sum_{k=1}^{L-1} (L-k) w_a^{2(L-k-1)/L} sum_{g != a} (s_g - w_g) w_g^{(L+2k-2)/L}.

    Derivation (ours, tested against the dense (beta/2) tr(Sigma Hess)): in the modes' basis W_l = diag(w^{1/L}) and
    (1/2) E[xi^T Hess xi] = sum_{l>m} E[u_a^T W_>l xi_l W_{l-1:m+1} xi_m W_<m v_a]
    = sum_{l>m} w_a^{2(L-l+m-1)/L} sum_g w_g^{(L+2(l-m)-2)/L} E[S_ag S_ga], E[S_ag S_ga] = d_a d_g (1 + [a=g]) + sigma_q^2 [a=g],
    d = s - w. The cross terms vanish when every other mode has w_g = 0 or w_g = s_g (Prop. 3.5's decoupling holds
    for the gradient drift and the diffusion, not for this drift). singular_values: the teacher's s, padded to w's length."""
    w = np.asarray(mode_amplitudes, dtype=float)
    gap = np.asarray(singular_values, dtype=float) - w
    coupling = sum((depth - k) * w ** (2 * (depth - k - 1) / depth) * (np.sum(gap * w ** ((depth + 2 * k - 2) / depth), axis=-1, keepdims=True)
                                                                       - gap * w ** ((depth + 2 * k - 2) / depth))
                   for k in range(1, depth))
    return ito_drift(w, np.asarray(singular_values, dtype=float), depth, beta, label_noise_variance) + beta * gap * coupling


def ito_drift_eq6(w, s, depth: int, beta: float, label_noise_variance: float):
    """Eq. 6 as printed: beta (s-w) L(L-1) w^{2(L-2)/L} + beta L(L-1) w^{2(L-2)/L} sigma_q  (wrong; see ito_drift)."""
    w = np.asarray(w, dtype=float)
    return beta * depth * (depth - 1) * w ** (2 * (depth - 2) / depth) * ((s - w) + np.sqrt(label_noise_variance))


def ito_drift_eq14(w, s, depth: int, beta: float, label_noise_variance: float):
    """Eq. 14 as printed: beta L(L-1) w^{2(L-2)/L} [(s-w) + sigma_q / 2]  (wrong; differs from Eq. 6 too)."""
    w = np.asarray(w, dtype=float)
    return beta * depth * (depth - 1) * w ** (2 * (depth - 2) / depth) * ((s - w) + 0.5 * np.sqrt(label_noise_variance))


def ito_drift_appendix_e(w, s, depth: int, beta: float, label_noise_variance: float):
    """App. E's result: eta (s-w) L(L-1) w^{2(L-2)/L} + (eta/2) L(L-1) w^{2(L-2)/L} Gamma_alpha, read with eta -> beta
    (App. E drops the 1/b; equal at b = 1) and Gamma_alpha = sigma_q^2 (its isotropic value, as in App. E's D)."""
    w = np.asarray(w, dtype=float)
    return beta * depth * (depth - 1) * w ** (2 * (depth - 2) / depth) * ((s - w) + 0.5 * label_noise_variance)


# ------------------------------------------------------------------------------- balance (A1) and Eq. 33
def balanced_weights(singular_values, widths: Sequence[int], rng: np.random.Generator | None = None, *,
                     left: np.ndarray | None = None, right: np.ndarray | None = None) -> list[np.ndarray]:
    """Exactly balanced weights (A1: W_{l+1}^T W_{l+1} = W_l W_l^T) with end-to-end map O_L diag(sigma) O_0^T:
    W_l = O_l diag(sigma^{1/L}) O_{l-1}^T (rectangular diag, sigma padded with zeros), O_0 = right (d_0 x d_0),
    O_L = left (d_L x d_L), hidden O_l Haar-random from rng (identity without rng; also O_0, O_L when not given).
    With left = U, right = V of the teacher the start is aligned: U^T W V = diag(sigma)."""
    sigma = np.asarray(singular_values, dtype=float)
    depth = len(widths) - 1
    if sigma.size > min(widths) or np.any(sigma < 0):
        raise ValueError(f"need at most min(widths) = {min(widths)} non-negative singular values, got {sigma}")
    from scipy import stats

    bases = [np.eye(d) if rng is None else stats.ortho_group.rvs(d, random_state=rng) if d > 1 else np.eye(1) for d in widths]
    if right is not None:
        bases[0] = np.asarray(right, dtype=float)
    if left is not None:
        bases[-1] = np.asarray(left, dtype=float)
    layers = []
    for l in range(1, depth + 1):
        core = np.zeros((widths[l], widths[l - 1]))
        core[np.arange(sigma.size), np.arange(sigma.size)] = sigma ** (1 / depth)
        layers.append(bases[l] @ core @ bases[l - 1].T)
    return layers


def imbalance(weights: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(r_l, numerator) for l = 1..L-1 (Eq. 33), (..., L-1) over the weights' leading axes:
    r_l = ||W_l W_l^T - W_{l+1}^T W_{l+1}||_F / (||W_l W_l^T||_F + ||W_{l+1}^T W_{l+1}||_F); the numerator is
    Fig. 7's "unnormalised" curve."""
    ratios, numerators = [], []
    for lower, upper in zip(weights[:-1], weights[1:]):
        outer = lower @ np.swapaxes(lower, -1, -2)
        inner = np.swapaxes(upper, -1, -2) @ upper
        numerators.append(np.linalg.norm(outer - inner, axis=(-2, -1)))
        ratios.append(numerators[-1] / (np.linalg.norm(outer, axis=(-2, -1)) + np.linalg.norm(inner, axis=(-2, -1))))
    return np.stack(ratios, axis=-1), np.stack(numerators, axis=-1)


# ---------------------------------------------------------------------------- stationary law (Prop. 5.2)
@dataclass
class StationaryDensity:
    """Normalised stationary density of a 1-D Ito SDE on `grid` and its moments."""

    grid: np.ndarray
    density: np.ndarray
    log_normalisation: float  # log of int (1/D) exp(int_{grid[0]}^w 2 mu / D) dw
    mean: float
    variance: float
    mode: float


def stationary_density(drift: Callable[[np.ndarray], np.ndarray], diffusion: Callable[[np.ndarray], np.ndarray],
                       grid: np.ndarray) -> StationaryDensity:
    """p(w) ~ (1/D) exp(int 2 mu / D)  (Prop. 5.2, Eq. 16: zero probability current), by cumulative Simpson
    quadrature on a fine uniform grid (odd length) that covers the mass. Eq. 16's lower limit 0 diverges
    (2 mu / D ~ w^{-2(L-1)/L} at small w), so the reference point is grid[0]; only the normalisation depends on it.
    The mode is refined by a parabola through the three largest log-density points. With the corrected Ito drift the
    density has a power-law tail p ~ w^{-2 - 3(L-1)/L} (at large w the Ito drift outgrows the gradient drift), so
    unless beta is small the grid must reach far beyond s."""
    from scipy import integrate

    grid = np.asarray(grid, dtype=float)
    d = diffusion(grid)
    log_p = integrate.cumulative_simpson(2 * drift(grid) / d, x=grid, initial=0.0) - np.log(d)
    top = log_p.max()
    unnormalised = np.exp(log_p - top)
    norm = integrate.simpson(unnormalised, x=grid)
    density = unnormalised / norm
    mean = integrate.simpson(grid * density, x=grid)
    variance = integrate.simpson((grid - mean) ** 2 * density, x=grid)
    i = int(np.clip(np.argmax(log_p), 1, grid.size - 2))
    h = grid[1] - grid[0]
    curvature = log_p[i + 1] - 2 * log_p[i] + log_p[i - 1]
    mode = grid[i] - 0.5 * h * (log_p[i + 1] - log_p[i - 1]) / curvature
    return StationaryDensity(grid, density, float(top + np.log(norm)), float(mean), float(variance), float(mode))


def stationary_shift_eq17(s, depth: int, beta: float, label_noise_variance: float):
    """Eq. 17 as printed: w* - s = (eta / 2B)(L-1) s^{-2/L} sigma_q (sigma_q a standard deviation), the zero of
    the printed drift Eq. 13 + Eq. 14 to first order; the paper reads it as the stationary mean ("slightly above s")."""
    return 0.5 * beta * (depth - 1) * np.asarray(s, dtype=float) ** (-2 / depth) * np.sqrt(label_noise_variance)


def stationary_variance_eq18(s, depth: int, beta: float, label_noise_variance: float):
    """Eq. 18: Var = -D(s) / (2 mu'(s)) = (eta L / 2B) sigma_q^2 s^{2(L-1)/L} + O(eta^2)."""
    return 0.5 * beta * depth * label_noise_variance * np.asarray(s, dtype=float) ** (2 * (depth - 1) / depth)


@dataclass
class SmallNoiseLaw:
    """First order in beta of the stationary law of dw = (mu_grad + mu_Ito) dt + sqrt(D) dB with the corrected
    Ito drift: c = (beta/2)(L-1) s^{(L-2)/L} sigma_q^2; the drift vanishes at s + c, the mean is s - c (the
    curvature of mu_grad moves it by -(a/s) Var = -2c, a = 2(L-1)/L), the density peaks at s - 3c (where
    mu = D'/2), the variance is Eq. 18's."""

    drift_zero: np.ndarray
    mean: np.ndarray
    mode: np.ndarray
    variance: np.ndarray


def small_noise_law(s, depth: int, beta: float, label_noise_variance: float) -> SmallNoiseLaw:
    """SmallNoiseLaw (ours: corrects Eq. 17's sign and size) of a balanced aligned mode with label noise (Prop. 5.2(ii))."""
    s = np.asarray(s, dtype=float)
    c = 0.5 * beta * (depth - 1) * s ** ((depth - 2) / depth) * label_noise_variance
    return SmallNoiseLaw(s + c, s - c, s - 3 * c, stationary_variance_eq18(s, depth, beta, label_noise_variance))
