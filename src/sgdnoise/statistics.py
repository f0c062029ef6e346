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


class DivergedError(FloatingPointError):
    """Raised by the engine (recording.run_chunks) at the end of the chunk in which some seed's records became
    non-finite: which seeds of the block (indices), the first recorded step at which each was, and how far the run
    got. The training stage turns it into a message naming its run (stops_on_divergence)."""

    def __init__(self, seed_indices: np.ndarray, first_steps: np.ndarray, n_seeds: int, stopped_at: int, total_steps: int):
        self.seed_indices, self.first_steps, self.n_seeds = seed_indices, first_steps, n_seeds
        self.stopped_at, self.total_steps = stopped_at, total_steps
        super().__init__(f"non-finite records in {len(seed_indices)} of {n_seeds} seeds (seed index {seed_indices[0]} from recorded step "
                         f"{first_steps[0]} on); stopped at step {stopped_at} of {total_steps}")


def _diverged(run: str, learning_rate: float, n_bad: int, n_seeds: int, where: str, bound: str | None, stopped: str = "") -> str:
    return (f"{run}: the run diverged (non-finite weights in {n_bad} of {n_seeds} seeds{where}) at learning_rate {learning_rate}"
            + (f"; {bound}" if bound else "") + stopped + "; lower the run's learning_rate in config.yaml")


class stops_on_divergence:  # noqa: N801 (used as a context manager: `with stops_on_divergence(...)`)
    """Around an engine call: a DivergedError from inside the run becomes the job's FloatingPointError naming the run,
    the first diverged seed (of `seeds`), the recorded step (plus `step_offset`, for runs made of several calls) and,
    with `stability(seed_index)`, the stability bound that seed violated: the job stops within a chunk of the
    divergence instead of running on NaNs to its end."""

    def __init__(self, run: str, learning_rate: float, *, seeds, stability=None, step_offset: int = 0):
        self.run, self.learning_rate, self.seeds, self.stability, self.step_offset = run, learning_rate, seeds, stability, step_offset

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if not isinstance(error, DivergedError):
            return False
        first = int(error.seed_indices[0])
        where = f"; first seed {self.seeds[first]}, non-finite from recorded step {self.step_offset + int(error.first_steps[0])} on"
        stopped = f"; the job stopped at step {self.step_offset + error.stopped_at} (of {self.step_offset + error.total_steps} in this call)"
        raise FloatingPointError(_diverged(self.run, self.learning_rate, len(error.seed_indices), error.n_seeds, where,
                                           self.stability(first) if self.stability else None, stopped)) from None


def check_finite(weights: np.ndarray, run: str, learning_rate: float, *, seeds=None, trace=None, trace_steps=None, stability=None) -> None:
    """Stop the job, naming the run, if the dynamics diverged (weights of shape (n_seeds, ...)): no statistics
    from a run whose weights overflowed. With the run's `seeds`, its thinned `trace` (n_seeds, steps, ...) and
    `trace_steps`, the message names the first diverged seed and the recorded step from which it was non-finite;
    `stability(seed_index)` returns a sentence on the stability bound that seed violated. The last guard, after
    the run: the engine already stops within a chunk of a divergence in its records (stops_on_divergence)."""
    bad = ~np.all(np.isfinite(weights.reshape(len(weights), -1)), axis=1)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    where = f"; first seed {seeds[first] if seeds is not None else first}"
    if trace is not None and trace_steps is not None:
        finite = np.all(np.isfinite(trace[first].reshape(trace.shape[1], -1)), axis=1)
        where += f", non-finite from recorded step {int(trace_steps[np.argmin(finite)])} on" if not finite.all() else ", non-finite after the last recorded step"
    raise FloatingPointError(_diverged(run, learning_rate, int(bad.sum()), len(bad), where, stability(first) if stability is not None else None))


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
