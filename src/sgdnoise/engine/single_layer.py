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

from .recording import Recorder, RandomStreams, Schedule, run_chunks
from .seed_blocks import over_seeds


@numba.njit(cache=True, nogil=True)
def draw_minibatch(uniforms, P, replacement, permutation, batch):
    """The S = batch.size sample indices of one step from its S uniforms in [0, 1): independent indices (with
    replacement, as in the paper), or S distinct ones by a partial Fisher-Yates shuffle of `permutation`, whose
    state carries over between steps."""
    for k in range(batch.size):
        if replacement:
            batch[k] = int(uniforms[k] * P)
        else:
            j = k + int(uniforms[k] * (P - k))
            mu = permutation[j]
            permutation[j] = permutation[k]
            permutation[k] = mu
            batch[k] = mu


# fastmath lets LLVM vectorise the dot products (2.4x); the rounding is still deterministic.
@numba.njit(cache=True, nogil=True, fastmath=True)
def _single_layer_sgd_chunk(weights, inputs, labels, uniforms, step_size, record_every, replacement, permutations, records):
    """Advance every seed by uniforms.shape[1] SGD steps (Eq. 2.11), recording w every `record_every` steps.

    weights (n_seeds, N) updated in place; inputs (n_seeds, P, N); labels (n_seeds, P);
    uniforms (n_seeds, n_steps, S) in [0, 1); permutations (n_seeds, P) int64 state for sampling without
    replacement (a partial Fisher-Yates shuffle per step); records (n_seeds, n_steps // record_every, N).
    """
    n_seeds, n_steps, S = uniforms.shape
    P, N = inputs.shape[1], inputs.shape[2]
    for s in range(n_seeds):
        w = weights[s]
        x = inputs[s]
        y = labels[s]
        perm = permutations[s]
        batch = np.empty(S, np.int64)
        scaled_residual = np.empty(S)
        for t in range(n_steps):
            draw_minibatch(uniforms[s, t], P, replacement, perm, batch)
            # All residuals at the old w first, then the S rank-one updates straight into w:
            # no gradient buffer to clear and sum (1.1x).
            for k in range(S):
                mu = batch[k]
                residual = -y[mu]
                for i in range(N):
                    residual += w[i] * x[mu, i]
                scaled_residual[k] = step_size * residual
            for k in range(S):
                mu = batch[k]
                c = scaled_residual[k]
                for i in range(N):
                    w[i] -= c * x[mu, i]
            if (t + 1) % record_every == 0:
                row = records[s, (t + 1) // record_every - 1]
                for i in range(N):  # by hand: a slice assignment compiles numba's shape-mismatch message formatting in
                    row[i] = w[i]


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
    schedule = Schedule(burn_in_steps, measure_steps, record_every, trace_every)
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    labels = np.ascontiguousarray(labels, dtype=np.float64)
    weights = np.array(initial_weights, dtype=np.float64, copy=True)
    permutations = np.tile(np.arange(P, dtype=np.int64), (n_seeds, 1))
    recorder = Recorder(schedule, weights, N, reference)
    streams = RandomStreams(rngs, batch_size, normal=False)

    def advance(uniforms, records):
        def seeds(a, b):  # plain scalars: one compiled signature for every run
            _single_layer_sgd_chunk(weights[a:b], inputs[a:b], labels[a:b], uniforms[a:b], float(learning_rate / batch_size), int(record_every),
                                    bool(replacement), permutations[a:b], records[a:b])

        over_seeds(n_seeds, seeds)

    rec = run_chunks(schedule, recorder, streams, advance, schedule.chunk_length(chunk_steps, n_seeds, batch_size, N), progress)
    return SingleLayerRun(weights, rec.n_records, rec.sum_deviation, rec.sum_outer_deviation, rec.trace, rec.trace_steps)
