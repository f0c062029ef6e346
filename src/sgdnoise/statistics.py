"""Stationary statistics from streaming moments, and errors over independent seeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np


def rayleigh_quotients(matrix: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """diag(V^T A V) for the columns of V: the variance of A along each basis vector.

    Unlike the eigenvalues of a sample covariance, which spread by O(sqrt(N / n_eff)) around the true
    ones, these are unbiased estimates of v^T M v for fixed v.
    """
    return np.einsum("...ik,...ij,...jk->...k", basis, matrix, basis)


def sorted_eigh(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues in descending order with matching eigenvector columns."""
    values, vectors = np.linalg.eigh(matrix)
    return values[..., ::-1], vectors[..., ::-1]


def check_finite(weights: np.ndarray, run: str, learning_rate: float, *, seeds=None, trace=None, trace_steps=None, stability=None) -> None:
    """Stop the job, naming the run, if the dynamics diverged (weights of shape (n_seeds, ...)): no statistics
    from a run whose weights overflowed. With the run's `seeds`, its thinned `trace` (n_seeds, steps, ...) and
    `trace_steps`, the message names the first diverged seed and the recorded step from which it was non-finite;
    `stability(seed_index)` returns a sentence on the stability bound that seed violated."""
    bad = ~np.all(np.isfinite(weights.reshape(len(weights), -1)), axis=1)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    where = f"; first seed {seeds[first] if seeds is not None else first}"
    if trace is not None and trace_steps is not None:
        finite = np.all(np.isfinite(trace[first].reshape(trace.shape[1], -1)), axis=1)
        where += f", non-finite from recorded step {int(trace_steps[np.argmin(finite)])} on" if not finite.all() else ", non-finite after the last recorded step"
    bound = f"; {stability(first)}" if stability is not None else ""
    raise FloatingPointError(f"{run}: the run diverged (non-finite weights in {int(bad.sum())} of {len(bad)} seeds{where}) at learning_rate "
                             f"{learning_rate}{bound}; lower the run's learning_rate in config.yaml")


def mean_and_sem(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and its standard error over independent samples along `axis` (ddof = 1)."""
    samples = np.asarray(samples, dtype=float)
    n = samples.shape[axis]
    sem = samples.std(axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.full(np.mean(samples, axis=axis).shape, np.nan)
    return samples.mean(axis=axis), sem


class StreamingMoments:
    """Running float64 sums of x and x x^T per seed, fed with records of shape (n_seeds, n, dim).

    Records are summed in internal blocks of fixed size (GEMM speed), so the rounding, and hence every
    bit of the result, depends only on the sequence of records, not on how the caller chunks them.
    With `threads` > 1 the seeds' blocks are summed in parallel (numpy releases the GIL in BLAS); a seed's
    sum is the same single product whichever thread computes it.
    """

    def __init__(self, n_seeds: int, dim: int, block: int = 256, threads: int = 1):
        self.count = 0
        self.sum = np.zeros((n_seeds, dim))
        self.sum_outer = np.zeros((n_seeds, dim, dim))
        self._buffer = np.empty((n_seeds, block, dim))
        self._filled = 0
        self.threads = max(1, min(threads, n_seeds))

    def add(self, records: np.ndarray) -> None:
        start = 0
        while start < records.shape[1]:
            take = min(self._buffer.shape[1] - self._filled, records.shape[1] - start)
            self._buffer[:, self._filled : self._filled + take] = records[:, start : start + take]
            self._filled += take
            start += take
            if self._filled == self._buffer.shape[1]:
                self._flush()

    def _flush(self) -> None:
        block = self._buffer[:, : self._filled]
        self.sum += block.sum(axis=1)

        def accumulate(seeds: range) -> None:
            for s in seeds:  # one seed at a time: a dim x dim temporary instead of n_seeds of them
                self.sum_outer[s] += block[s].T @ block[s]

        n = self.sum.shape[0]
        if self.threads == 1:
            accumulate(range(n))
        else:
            bounds = np.linspace(0, n, self.threads + 1).astype(int)
            with ThreadPoolExecutor(self.threads) as pool:
                list(pool.map(accumulate, [range(bounds[i], bounds[i + 1]) for i in range(self.threads)]))
        self.count += self._filled
        self._filled = 0

    def result(self) -> tuple[int, np.ndarray, np.ndarray]:
        """(count, sum, sum_outer) including the records still buffered."""
        if self._filled:
            self._flush()
        return self.count, self.sum, self.sum_outer
