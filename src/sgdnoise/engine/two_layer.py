"""Two-layer linear network with one output (Gross et al. Sec. III, N_o = 1): minibatch SGD (Eq. 3.5) and
Euler-Maruyama of the stochastic gradient flow (Eqs. 3.15-3.16) for a block of seeds, compiled with numba.

y = W2 W1 x with W1 (N_h, N_i) and W2 (1, N_h), stored as (N_h,); loss L = mean over the P samples of
1/2 (y - W2 W1 x)^2 (Eq. 3.1); continuum time t = lambda * tau.

Both dynamics share one update. With e the (1, N_i) error signal of a step,
    W1 <- W1 + W2^T e,   W2 <- W2 + e W1^T   (both from the old weights),
SGD: e = lambda (Sigma^yx_B - w Sigma^xx_B) on the minibatch B (Eq. 3.5);
SGF: e = dt (Sigma^yx - w Sigma^xx) + sqrt(lambda dt) eps, with ONE noise eps driving both layers
(R1 = sqrt(lambda) W2^T eps, R2 = sqrt(lambda) eps W1^T, Eq. 3.16), eps ~ N(0, C(w)) and C the covariance of
the minibatch gradient of the product (Eq. 3.11, including the 1/S):
    C = (1/S) [ (1/P) sum_mu r_mu^2 x_mu x_mu^T - g g^T ],  r_mu = y_mu - w x_mu,  g = Sigma^yx - w Sigma^xx;
times (P - S) / (P - 1) for minibatches drawn without replacement. Two ways to draw eps:
  "exact": eps = sum_mu z_mu (r_mu x_mu - g) / sqrt(S P) with P standard normals z (covariance exactly C);
  "wick":  the large-P Gaussian closure of Eq. (3.12), C ~ (1/S) [ <r^2> Sigma^xx + g g^T ], drawn as
           eps = sqrt(<r^2> / S) chol(Sigma^xx) xi + g eta / sqrt(S) with N_i + 1 normals.

Records, every `record_every` steps: [W1 (row-major), W2, loss]. Window moments run over one block of the weights
(MOMENT_BLOCKS), window means over every entry (also per half window); the thinned trace keeps one block
(TRACE_BLOCKS), so a long trace of W2 or of the loss alone stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from .recording import BlockRecorder, RandomStreams, Schedule, run_chunks
from .seed_blocks import over_seeds
from .single_layer import draw_minibatch

NOISE_FORMS = ("exact", "wick")
MOMENT_BLOCKS = ("all", "first_layer", "second_layer")  # all: vec W1 then W2 (not the loss)
TRACE_BLOCKS = ("all", "second_layer", "loss")  # second_layer: W2 and the loss


def moment_entries(block: str, n_hidden: int, n_in: int) -> slice:
    """Record entries whose window covariance is kept: vec W1 and W2, or one of them."""
    if block not in MOMENT_BLOCKS:
        raise ValueError(f"moments must be one of {MOMENT_BLOCKS}, got {block!r}")
    weights = n_hidden * n_in
    return {"all": slice(0, weights + n_hidden), "first_layer": slice(0, weights), "second_layer": slice(weights, weights + n_hidden)}[block]


def trace_entries(block: str, n_hidden: int, n_in: int) -> slice:
    """Record entries the thinned trace keeps: the whole record, W2 and the loss, or the loss."""
    if block not in TRACE_BLOCKS:
        raise ValueError(f"trace_block must be one of {TRACE_BLOCKS}, got {block!r}")
    weights = n_hidden * n_in
    return {"all": slice(0, weights + n_hidden + 1), "second_layer": slice(weights, weights + n_hidden + 1), "loss": slice(weights + n_hidden, weights + n_hidden + 1)}[block]


@numba.njit(cache=True, fastmath=True)
def _update_layers(first, second, product, e):
    """W1 += W2^T e, W2 += e W1^T from the old weights, in one pass over the rows of W1; the product
    w = W2 W1 is rebuilt from the new rows (always summed in row order, whatever the chunking).

    Four rows per pass share the loads of e and of the product (1.6x over one row at a time at 40 x 50); W1 is
    indexed directly, since a view per row costs a reference count each."""
    n_hidden, n_in = first.shape
    for j in range(n_in):
        product[j] = 0.0
    i = 0
    while i + 3 < n_hidden:
        a0 = a1 = a2 = a3 = 0.0
        for j in range(n_in):
            ej = e[j]
            a0 += first[i, j] * ej
            a1 += first[i + 1, j] * ej
            a2 += first[i + 2, j] * ej
            a3 += first[i + 3, j] * ej
        o0, o1, o2, o3 = second[i], second[i + 1], second[i + 2], second[i + 3]
        n0, n1, n2, n3 = o0 + a0, o1 + a1, o2 + a2, o3 + a3
        second[i], second[i + 1], second[i + 2], second[i + 3] = n0, n1, n2, n3
        for j in range(n_in):
            ej = e[j]
            v0 = first[i, j] + o0 * ej
            v1 = first[i + 1, j] + o1 * ej
            v2 = first[i + 2, j] + o2 * ej
            v3 = first[i + 3, j] + o3 * ej
            first[i, j], first[i + 1, j], first[i + 2, j], first[i + 3, j] = v0, v1, v2, v3
            product[j] = product[j] + n0 * v0 + n1 * v1 + n2 * v2 + n3 * v3
        i += 4
    while i < n_hidden:
        a = 0.0
        for j in range(n_in):
            a += first[i, j] * e[j]
        old = second[i]
        new = old + a
        second[i] = new
        for j in range(n_in):
            v = first[i, j] + old * e[j]
            first[i, j] = v
            product[j] += new * v
        i += 1


@numba.njit(cache=True, fastmath=True)
def _record(first, second, product, target, sigma_xx, loss_floor, out):
    """[W1, W2, L(w)] with L(w) = L* + 1/2 (w - w*) Sigma^xx (w - w*)^T (exact for the least-squares w*)."""
    n_hidden, n_in = first.shape
    # copies by hand: a slice assignment would compile numba's shape-mismatch message formatting into every kernel
    for i in range(n_hidden):
        for j in range(n_in):
            out[i * n_in + j] = first[i, j]
        out[n_hidden * n_in + i] = second[i]
    quad = 0.0
    for i in range(n_in):
        acc = 0.0
        for j in range(n_in):
            acc += sigma_xx[i, j] * (product[j] - target[j])
        quad += (product[i] - target[i]) * acc
    out[n_hidden * n_in + n_hidden] = loss_floor + 0.5 * quad


@numba.njit(cache=True, nogil=True, fastmath=True)
def _sgd_chunk(first, second, products, inputs, labels, uniforms, step_size, replacement, permutations, target, sigma_xx, loss_floor,
               record_every, records):
    """Minibatch SGD (Eq. 3.5) for uniforms.shape[1] steps; step_size = lambda / S. Minibatch indices as
    in single_layer: S independent ones, or a partial Fisher-Yates shuffle without replacement."""
    n_seeds, n_steps, S = uniforms.shape
    P, n_in = inputs.shape[1], inputs.shape[2]
    for s in range(n_seeds):
        x = inputs[s]
        y = labels[s]
        w = products[s]
        perm = permutations[s]
        e = np.empty(n_in)
        batch = np.empty(S, np.int64)
        for t in range(n_steps):
            e[:] = 0.0
            draw_minibatch(uniforms[s, t], P, replacement, perm, batch)
            for k in range(S):
                mu = batch[k]
                residual = y[mu]
                for j in range(n_in):
                    residual -= w[j] * x[mu, j]
                c = step_size * residual
                for j in range(n_in):
                    e[j] += c * x[mu, j]
            _update_layers(first[s], second[s], w, e)
            if (t + 1) % record_every == 0:
                _record(first[s], second[s], w, target[s], sigma_xx[s], loss_floor[s], records[s, (t + 1) // record_every - 1])


@numba.njit(cache=True, nogil=True, fastmath=True)
def _sgf_chunk(first, second, products, inputs, labels, normals, dt, noise_scale, exact, target, sigma_xx, cholesky, loss_floor,
               batch_size, record_every, records):
    """Euler-Maruyama of Eqs. (3.15)-(3.16); noise_scale = sqrt(lambda dt) (times sqrt((P - S)/(P - 1))
    without replacement). Draws per step: P normals ("exact") or N_i + 1 ("wick"), see the module docstring."""
    n_seeds, n_steps = normals.shape[0], normals.shape[1]
    P, n_in = inputs.shape[1], inputs.shape[2]
    for s in range(n_seeds):
        x = inputs[s]
        y = labels[s]
        w = products[s]
        e = np.empty(n_in)
        g = np.empty(n_in)
        dw = np.empty(n_in)
        for t in range(n_steps):
            z = normals[s, t]
            for j in range(n_in):
                dw[j] = target[s, j] - w[j]
            for i in range(n_in):  # g = Sigma^yx - w Sigma^xx = (w* - w) Sigma^xx
                acc = 0.0
                for j in range(n_in):
                    acc += dw[j] * sigma_xx[s, j, i]
                g[i] = acc
            if exact:
                e[:] = 0.0
                z_sum = 0.0
                for mu in range(P):
                    residual = y[mu]
                    for j in range(n_in):
                        residual -= w[j] * x[mu, j]
                    c = z[mu] * residual
                    z_sum += z[mu]
                    for j in range(n_in):
                        e[j] += c * x[mu, j]
                c = noise_scale / np.sqrt(batch_size * P)
                for j in range(n_in):
                    e[j] = dt * g[j] + c * (e[j] - z_sum * g[j])
            else:
                quad = 0.0
                for j in range(n_in):
                    quad += dw[j] * g[j]
                mean_sq_residual = 2.0 * loss_floor[s] + quad  # <r^2> = 2 L(w)
                a = noise_scale * np.sqrt(max(mean_sq_residual, 0.0) / batch_size)
                b = noise_scale * z[n_in] / np.sqrt(batch_size)
                for i in range(n_in):
                    acc = 0.0
                    for j in range(i + 1):
                        acc += cholesky[s, i, j] * z[j]
                    e[i] = dt * g[i] + a * acc + b * g[i]
            _update_layers(first[s], second[s], w, e)
            if (t + 1) % record_every == 0:
                _record(first[s], second[s], w, target[s], sigma_xx[s], loss_floor[s], records[s, (t + 1) // record_every - 1])


@dataclass
class TwoLayerRun:
    """What one block of seeds produces. Records are [W1 (N_h x N_i, row-major), W2 (N_h), loss]; the window
    moments run over record entries `moment_block`, about `reference`; the trace keeps entries `trace_block`."""

    final_first: np.ndarray  # (n_seeds, N_h, N_i)
    final_second: np.ndarray  # (n_seeds, N_h)
    n_records: int
    reference: np.ndarray  # (n_seeds, moment_dim)
    sum_deviation: np.ndarray
    sum_outer_deviation: np.ndarray
    trace: np.ndarray  # (n_seeds, n_trace, trace_dim)
    trace_steps: np.ndarray
    time_per_step: float  # lambda for SGD, dt for the SGF
    window_mean: np.ndarray  # (n_seeds, record_dim): mean of every record entry over the window
    half_window_means: np.ndarray  # (2, n_seeds, record_dim): the same over its first and second half
    moment_block: slice
    trace_block: slice

    @property
    def trace_times(self) -> np.ndarray:
        return self.trace_steps * self.time_per_step

    @property
    def window_covariance(self) -> np.ndarray:
        """Covariance of the moment block about its window mean, (n_seeds, moment_dim, moment_dim)."""
        mean = self.sum_deviation / self.n_records
        return self.sum_outer_deviation / self.n_records - np.einsum("si,sj->sij", mean, mean)

    def _traced(self, entries: slice) -> np.ndarray:
        record_dim = self.window_mean.shape[1]
        kept, wanted = range(record_dim)[self.trace_block], range(record_dim)[entries]
        if wanted.start < kept.start or wanted.stop > kept.stop:
            raise ValueError(f"the trace keeps record entries {kept.start}-{kept.stop - 1} only, not {wanted.start}-{wanted.stop - 1}")
        return self.trace[..., wanted.start - kept.start : wanted.stop - kept.start]

    @property
    def first_layer(self) -> np.ndarray:
        n_hidden, n_in = self.final_first.shape[1:]
        return self._traced(slice(0, n_hidden * n_in)).reshape(*self.trace.shape[:2], n_hidden, n_in)

    @property
    def second_layer(self) -> np.ndarray:
        n_hidden, n_in = self.final_first.shape[1:]
        return self._traced(slice(n_hidden * n_in, n_hidden * (n_in + 1)))

    @property
    def loss(self) -> np.ndarray:
        return self._traced(slice(-1, None))[..., 0]


class _Setup:
    def __init__(self, inputs, labels, first_layer, second_layer, rngs, batch_size, schedule_args, reference, moments, trace_block):
        self.inputs = np.ascontiguousarray(inputs, dtype=np.float64)
        self.labels = np.ascontiguousarray(labels, dtype=np.float64)
        self.n_seeds, self.P, n_in = self.inputs.shape
        self.first = np.array(first_layer, dtype=np.float64, copy=True)
        self.second = np.array(second_layer, dtype=np.float64, copy=True).reshape(self.n_seeds, -1)
        n_hidden = self.first.shape[1]
        if self.first.shape != (self.n_seeds, n_hidden, n_in) or self.second.shape[1] != n_hidden:
            raise ValueError(f"layers {self.first.shape}, {self.second.shape} do not fit inputs {self.inputs.shape} (one output)")
        if len(rngs) != self.n_seeds:
            raise ValueError(f"need one random generator per seed: {len(rngs)} for {self.n_seeds} seeds")
        if batch_size > self.P:
            raise ValueError(f"batch_size {batch_size} exceeds the number of samples P = {self.P}")
        self.schedule = Schedule(*schedule_args)
        # Sigma^xx, the least-squares product w* and the minimal loss L*: the loss and (for the SGF) the drift.
        self.sigma_xx = np.ascontiguousarray(np.matmul(self.inputs.transpose(0, 2, 1), self.inputs) / self.P)
        sigma_yx = np.einsum("sp,spi->si", self.labels, self.inputs) / self.P
        self.target = np.ascontiguousarray(np.linalg.solve(self.sigma_xx, sigma_yx[..., None])[..., 0])
        residual = self.labels - np.einsum("spi,si->sp", self.inputs, self.target)
        self.loss_floor = 0.5 * np.mean(residual**2, axis=1)
        self.products = np.einsum("sh,shi->si", self.second, self.first)
        initial = np.empty((self.n_seeds, n_hidden * n_in + n_hidden + 1))
        for s in range(self.n_seeds):
            _record(self.first[s], self.second[s], self.products[s], self.target[s], self.sigma_xx[s], self.loss_floor[s], initial[s])
        self.moment_block, self.trace_block = moment_entries(moments, n_hidden, n_in), trace_entries(trace_block, n_hidden, n_in)
        self.recorder = BlockRecorder(self.schedule, initial, self.moment_block, self.trace_block, reference)

    def run(self, recording, time_per_step) -> TwoLayerRun:
        return TwoLayerRun(self.first, self.second, recording.n_records, recording.reference, recording.sum_deviation,
                           recording.sum_outer_deviation, recording.trace, recording.trace_steps, time_per_step, recording.window_mean,
                           recording.half_window_means, self.moment_block, self.trace_block)


def two_layer_sgd(
    inputs: np.ndarray, labels: np.ndarray, first_layer: np.ndarray, second_layer: np.ndarray, rngs: list[np.random.Generator], *,
    learning_rate: float, batch_size: int, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int,
    replacement: bool = True, moments: str = "all", trace_block: str = "all", reference: np.ndarray | None = None, chunk_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TwoLayerRun:
    """Minibatch SGD (Eq. 3.5) on a block of seeds: inputs (n_seeds, P, N_i), labels (n_seeds, P),
    first_layer (n_seeds, N_h, N_i), second_layer (n_seeds, N_h). Moments of the block `moments` (MOMENT_BLOCKS) are
    about `reference` (default: the first record of the measurement window); the trace keeps `trace_block` (TRACE_BLOCKS)."""
    setup = _Setup(inputs, labels, first_layer, second_layer, rngs, batch_size, (burn_in_steps, measure_steps, record_every, trace_every), reference,
                   moments, trace_block)
    permutations = np.tile(np.arange(setup.P, dtype=np.int64), (setup.n_seeds, 1))
    streams = RandomStreams(rngs, batch_size, normal=False)

    def advance(uniforms, records):
        def seeds(a, b):  # plain scalars: one compiled signature
            _sgd_chunk(setup.first[a:b], setup.second[a:b], setup.products[a:b], setup.inputs[a:b], setup.labels[a:b], uniforms[a:b],
                       float(learning_rate / batch_size), bool(replacement), permutations[a:b], setup.target[a:b], setup.sigma_xx[a:b],
                       setup.loss_floor[a:b], int(record_every), records[a:b])

        over_seeds(setup.n_seeds, seeds)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, batch_size, setup.recorder.record_dim)
    return setup.run(run_chunks(setup.schedule, setup.recorder, streams, advance, length, progress), learning_rate)


def two_layer_sgf(
    inputs: np.ndarray, labels: np.ndarray, first_layer: np.ndarray, second_layer: np.ndarray, rngs: list[np.random.Generator], *,
    learning_rate: float, batch_size: int, dt: float, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int,
    noise_form: str = "exact", replacement: bool = True, moments: str = "all", trace_block: str = "all", reference: np.ndarray | None = None,
    chunk_steps: int | None = None, progress: Callable[[int, int], None] | None = None,
) -> TwoLayerRun:
    """Euler-Maruyama of the stochastic gradient flow (Eqs. 3.15-3.16) in steps dt of t = lambda tau;
    dt = lambda gives SGD's first two moments per step. noise_form: "exact" (Eq. 3.11) or "wick" (Eq. 3.12); records as
    two_layer_sgd."""
    if noise_form not in NOISE_FORMS:
        raise ValueError(f"noise_form must be one of {NOISE_FORMS}, got {noise_form!r}")
    setup = _Setup(inputs, labels, first_layer, second_layer, rngs, batch_size, (burn_in_steps, measure_steps, record_every, trace_every), reference,
                   moments, trace_block)
    exact = noise_form == "exact"
    per_step = setup.P if exact else setup.inputs.shape[2] + 1
    finite_population = 1.0 if replacement else (setup.P - batch_size) / (setup.P - 1)
    noise_scale = np.sqrt(learning_rate * dt * finite_population)
    cholesky = np.ascontiguousarray(np.linalg.cholesky(setup.sigma_xx))
    streams = RandomStreams(rngs, per_step, normal=True)

    def advance(normals, records):
        def seeds(a, b):
            _sgf_chunk(setup.first[a:b], setup.second[a:b], setup.products[a:b], setup.inputs[a:b], setup.labels[a:b], normals[a:b], float(dt),
                       float(noise_scale), exact, setup.target[a:b], setup.sigma_xx[a:b], cholesky[a:b], setup.loss_floor[a:b], int(batch_size),
                       int(record_every), records[a:b])

        over_seeds(setup.n_seeds, seeds)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, per_step, setup.recorder.record_dim)
    return setup.run(run_chunks(setup.schedule, setup.recorder, streams, advance, length, progress), dt)
