"""Offline minibatch SGD of deep linear networks on a finite dataset of N samples (Corlouer et al. 2026, App. G), and
the sampler's minibatch means used to measure the finite-population factor of the noise covariance.

Same network, loss and records as engine.deep_linear (per-sample loss 1/2 ||y - W x||^2 summed over outputs;
records [U^T W V, training loss, weights]); the recorded loss is the training loss, as for full-batch GD. A step draws
b sample indices from b uniforms of the seed's own Generator (recording.RandomStreams, uniform): independent indices
(with replacement), or b distinct ones by a partial Fisher-Yates shuffle whose permutation carries over between steps
(without replacement; each batch is then a uniformly random b-subset, independent of the previous ones). The
sampler is single_layer.draw_minibatch, shared with the Gross et al. kernels.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numba
import numpy as np

from .deep_linear import DeepLinearRun, _products, _record, _Setup, _work_buffers, dataset_moments
from .recording import RandomStreams, run_chunks
from .seed_blocks import over_seeds
from .single_layer import draw_minibatch


@numba.njit(cache=True, nogil=True, fastmath=True)
def _offline_sgd_chunk(theta, widths, offsets, pre_off, suf_off, teacher, inputs, labels, uniforms, step_size, replacement, permutations,
                       left, right, target, sigma_xx, whitened, loss_floor, label_noise_std, noise_variance, record_weights, record_every, records):
    """theta <- theta + (eta / b) sum_{k in B} W_>l^T (y_k - W x_k) x_k^T W_<l^T for every layer, all at the old weights
    (forward pass per sample, then backpropagation from the top, each layer updated after its gradient to the layer
    below has been taken), on the samples B that draw_minibatch picks from the step's uniforms."""
    n_seeds, n_steps, b = uniforms.shape
    L = widths.size - 1
    d0 = widths[0]
    dmax = widths.max()
    n_data = inputs.shape[1]
    for s in range(n_seeds):
        th = theta[s]
        perm = permutations[s]
        batch = np.empty(b, np.int64)
        hidden = np.empty((b, L, dmax))  # inputs h_{l-1} of every layer, per sample
        grad = np.empty((b, dmax))
        grad_below = np.empty((b, dmax))
        prefix, suffix, product, work = _work_buffers(widths, pre_off, suf_off)
        for t in range(n_steps):
            draw_minibatch(uniforms[s, t], n_data, replacement, perm, batch)
            for k in range(b):
                mu = batch[k]
                for j in range(d0):
                    hidden[k, 0, j] = inputs[s, mu, j]
                for l in range(L):
                    rows, cols, off = widths[l + 1], widths[l], offsets[l]
                    for i in range(rows):
                        acc = 0.0
                        for j in range(cols):
                            acc += th[off + i * cols + j] * hidden[k, l, j]
                        if l < L - 1:
                            hidden[k, l + 1, i] = acc
                        else:
                            grad[k, i] = labels[s, mu, i] - acc  # y - W x
            for l in range(L - 1, -1, -1):
                rows, cols, off = widths[l + 1], widths[l], offsets[l]
                if l > 0:
                    grad_below[:, :cols] = 0.0
                for i in range(rows):
                    for j in range(cols):
                        p = off + i * cols + j
                        acc = 0.0
                        for k in range(b):
                            if l > 0:  # through the old weight first
                                grad_below[k, j] += th[p] * grad[k, i]
                            acc += grad[k, i] * hidden[k, l, j]
                        th[p] += step_size * acc
                if l > 0:
                    grad, grad_below = grad_below, grad
            if (t + 1) % record_every == 0:
                _products(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, work)
                _record(th, widths, offsets, prefix, pre_off, suffix, suf_off, product, teacher, left, right, target[s], sigma_xx[s],
                        whitened, loss_floor[s], label_noise_std, noise_variance, record_weights, records[s, (t + 1) // record_every - 1])


def deep_linear_offline_sgd(
    inputs: np.ndarray, labels: np.ndarray, teacher: np.ndarray, initial_weights: Sequence[np.ndarray], rngs: list[np.random.Generator], *,
    learning_rate: float, batch_size: int, replacement: bool, burn_in_steps: int, measure_steps: int, record_every: int, trace_every: int,
    record_weights: bool = False, chunk_steps: int | None = None, progress: Callable[[int, int], None] | None = None,
) -> DeepLinearRun:
    """Offline minibatch SGD (App. G) on a fixed dataset per seed: inputs (n_seeds, N, d_0), labels (n_seeds, N, d_L);
    minibatches of b samples with or without replacement (module docstring). Records as deep_linear_gd."""
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    labels = np.ascontiguousarray(labels, dtype=np.float64)
    setup = _Setup(teacher, initial_weights, (burn_in_steps, measure_steps, record_every, trace_every), False, record_weights, rngs)
    lay = setup.layout
    if inputs.shape[:1] + inputs.shape[2:] != (setup.n_seeds, lay.widths[0]) or labels.shape != inputs.shape[:2] + (lay.widths[-1],):
        raise ValueError(f"inputs {inputs.shape} and labels {labels.shape} must be (n_seeds, N, d_0) and (n_seeds, N, d_L) for "
                         f"{setup.n_seeds} seeds and widths {tuple(lay.widths)}")
    if not replacement and batch_size > inputs.shape[1]:
        raise ValueError(f"batch_size = {batch_size} distinct samples from N = {inputs.shape[1]}")
    target, sigma_xx, floor = dataset_moments(inputs, labels)
    recorder = setup.recorder(target, sigma_xx, False, floor, 0.0)
    permutations = np.tile(np.arange(inputs.shape[1], dtype=np.int64), (setup.n_seeds, 1))
    streams = RandomStreams(rngs, batch_size, normal=False)

    def advance(uniforms, records):
        def seeds(a, b):
            _offline_sgd_chunk(setup.theta[a:b], lay.widths, lay.weights, lay.prefix, lay.suffix, setup.teacher, inputs[a:b], labels[a:b],
                               uniforms[a:b], float(learning_rate / batch_size), bool(replacement), permutations[a:b], setup.left, setup.right,
                               target[a:b], sigma_xx[a:b], False, floor[a:b], 0.0, 0, setup.record_weights, setup.schedule.record_every, records[a:b])

        over_seeds(setup.n_seeds, seeds)

    length = setup.schedule.chunk_length(chunk_steps, setup.n_seeds, batch_size, setup.record_dim)
    return setup.run(run_chunks(setup.schedule, recorder, streams, advance, length, progress), learning_rate)


@numba.njit(cache=True, nogil=True)
def _minibatch_means(values, uniforms, replacement, out):
    n = values.shape[0]
    perm = np.arange(n)
    batch = np.empty(uniforms.shape[1], np.int64)
    for r in range(uniforms.shape[0]):
        draw_minibatch(uniforms[r], n, replacement, perm, batch)
        for c in range(values.shape[1]):
            acc = 0.0
            for k in range(batch.size):
                acc += values[batch[k], c]
            out[r, c] = acc / batch.size


def minibatch_means(values: np.ndarray, batch_size: int, n_batches: int, replacement: bool, rng: np.random.Generator) -> np.ndarray:
    """(n_batches, m): means of `values` (N, m) over successive minibatches drawn as offline SGD draws them (the same
    sampler and permutation carry-over, b uniforms of `rng` per batch)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if not replacement and batch_size > values.shape[0]:
        raise ValueError(f"batch_size = {batch_size} distinct samples from N = {values.shape[0]}")
    out = np.empty((n_batches, values.shape[1]))
    _minibatch_means(values, rng.random((n_batches, batch_size)), bool(replacement), out)
    return out
