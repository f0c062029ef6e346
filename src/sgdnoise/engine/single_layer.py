"""Single-layer linear network (Gross et al. Sec. II): minibatch SGD for a block of seeds, compiled with numba.

The random numbers (minibatch choices) are drawn per seed, per chunk of steps, from that seed's own
numpy Generator, then handed to the compiled kernel. Each draw consumes exactly one 64-bit output of
the stream (uniform doubles), so results do not depend on the chunk size, on the number of threads,
or on which other seeds share the block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from ..statistics import StreamingMoments


# fastmath lets LLVM vectorise the dot products (2.4x); the rounding is still deterministic.
@numba.njit(cache=True, nogil=True, parallel=True, fastmath=True)
def _single_layer_sgd_chunk(weights, inputs, labels, uniforms, step_size, record_every, replacement, permutations, records):
    """Advance every seed by uniforms.shape[1] SGD steps (Eq. 2.11), recording w every `record_every` steps.

    weights (n_seeds, N) updated in place; inputs (n_seeds, P, N); labels (n_seeds, P);
    uniforms (n_seeds, n_steps, S) in [0, 1); permutations (n_seeds, P) int64 state for sampling without
    replacement (a partial Fisher-Yates shuffle per step); records (n_seeds, n_steps // record_every, N).
    """
    n_seeds, n_steps, S = uniforms.shape
    P, N = inputs.shape[1], inputs.shape[2]
    for s in numba.prange(n_seeds):
        w = weights[s]
        x = inputs[s]
        y = labels[s]
        perm = permutations[s]
        gradient = np.empty(N)
        for t in range(n_steps):
            gradient[:] = 0.0
            for k in range(S):
                if replacement:  # S independent indices, as in the paper
                    mu = int(uniforms[s, t, k] * P)
                else:
                    j = k + int(uniforms[s, t, k] * (P - k))
                    mu = perm[j]
                    perm[j] = perm[k]
                    perm[k] = mu
                sample = x[mu]
                residual = -y[mu]
                for i in range(N):
                    residual += w[i] * sample[i]
                for i in range(N):
                    gradient[i] += residual * sample[i]
            for i in range(N):
                w[i] -= step_size * gradient[i]
            if (t + 1) % record_every == 0:
                records[s, (t + 1) // record_every - 1, :] = w


@dataclass
class SingleLayerRun:
    """What one block of seeds produces; moments are about the fixed reference point `reference`."""

    final_weights: np.ndarray  # (n_seeds, N)
    n_records: int  # records in the measurement window
    sum_deviation: np.ndarray  # (n_seeds, N): sum of (w - reference) over records
    sum_outer_deviation: np.ndarray  # (n_seeds, N, N): sum of (w - reference)(w - reference)^T
    trace: np.ndarray  # (n_seeds, n_trace, N): thinned trajectory of w
    trace_steps: np.ndarray  # (n_trace,)


def single_layer_sgd(
    inputs: np.ndarray,
    labels: np.ndarray,
    initial_weights: np.ndarray,
    reference: np.ndarray,
    rngs: list[np.random.Generator],
    *,
    learning_rate: float,
    batch_size: int,
    burn_in_steps: int,
    measure_steps: int,
    record_every: int,
    trace_every: int,
    replacement: bool = True,
    chunk_steps: int = 1 << 14,
    progress: Callable[[int, int], None] | None = None,
) -> SingleLayerRun:
    """Minibatch SGD (Eq. 2.11) on a block of seeds, each with its own data and random stream.

    Weights are recorded every `record_every` steps; the records of the measurement window (after
    `burn_in_steps`) accumulate into float64 streaming moments about `reference` (w* keeps the sums
    well conditioned); every `trace_every`-th step (a multiple of record_every) is kept as a thinned trace.
    """
    n_seeds, P, N = inputs.shape
    if len(rngs) != n_seeds:
        raise ValueError(f"need one random generator per seed: {len(rngs)} for {n_seeds} seeds")
    if batch_size > P:
        raise ValueError(f"batch_size {batch_size} exceeds the number of samples P = {P}")
    for name, value in (("burn_in_steps", burn_in_steps), ("measure_steps", measure_steps), ("trace_every", trace_every)):
        if value % record_every:
            raise ValueError(f"{name} = {value} must be a multiple of record_every = {record_every}")
    chunk_steps = max(record_every, chunk_steps - chunk_steps % record_every)
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    labels = np.ascontiguousarray(labels, dtype=np.float64)
    weights = np.array(initial_weights, dtype=np.float64, copy=True)
    permutations = np.tile(np.arange(P, dtype=np.int64), (n_seeds, 1))
    moments = StreamingMoments(n_seeds, N)
    total = burn_in_steps + measure_steps
    trace_steps = np.arange(0, total + 1, trace_every)
    trace = np.empty((n_seeds, trace_steps.size, N))
    trace[:, 0] = weights
    n_trace = 1
    uniform_buffer = np.empty((n_seeds, chunk_steps, batch_size))  # reused: fresh pages cost more than the RNG
    record_buffer = np.empty((n_seeds, chunk_steps // record_every, N))
    done = 0
    while done < total:
        n = min(chunk_steps, total - done)
        if n < chunk_steps:  # last chunk: fresh C-contiguous buffers keep the kernel's compiled signature
            uniform_buffer = np.empty((n_seeds, n, batch_size))
            record_buffer = np.empty((n_seeds, n // record_every, N))
        uniforms, records = uniform_buffer, record_buffer
        for s, rng in enumerate(rngs):
            rng.random(out=uniforms[s])
        _single_layer_sgd_chunk(weights, inputs, labels, uniforms, learning_rate / batch_size, record_every, replacement, permutations, records)
        record_steps = done + record_every * np.arange(1, records.shape[1] + 1)
        in_window = record_steps > burn_in_steps
        if in_window.any():
            moments.add(records[:, in_window] - reference[:, None, :])
        kept = record_steps % trace_every == 0
        trace[:, n_trace : n_trace + kept.sum()] = records[:, kept]
        n_trace += int(kept.sum())
        done += n
        if progress is not None:
            progress(done, total)
    n_records, sum_dev, sum_outer = moments.result()
    return SingleLayerRun(weights, n_records, sum_dev, sum_outer, trace, trace_steps)
