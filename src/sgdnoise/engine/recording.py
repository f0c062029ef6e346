"""Driving a compiled kernel chunk by chunk: per-seed random streams, records -> streaming moments and thinned traces.

Every kernel advances a block of seeds by one chunk of steps, writing the recorded quantities every
`record_every` steps into a records buffer. The random numbers of a chunk are drawn per seed, in step
order, from that seed's own Generator, so the numbers a seed sees (and hence every bit of its result)
do not depend on the chunk size, the thread count or which other seeds share the block.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

import numba
import numpy as np

from ..statistics import StreamingMoments

# numba's port of numpy's ziggurat (Generator.standard_normal) casts uint64 to int64 by design; without this
# filter every compilation would print a type-safety warning into the job logs.
warnings.filterwarnings("ignore", message="unsafe cast from uint64 to int64", category=numba.core.errors.NumbaTypeSafetyWarning)

# Random numbers and records of one chunk, all seeds together; larger chunks only add page faults and cache misses.
CHUNK_BUDGET_BYTES = 8 << 20


@dataclass(frozen=True)
class Schedule:
    """Step counts of one run. Records every `record_every` steps; records after `burn_in_steps` feed the
    moments; every `trace_every`-th step (and step 0) is kept in the thinned trace."""

    burn_in_steps: int
    measure_steps: int
    record_every: int
    trace_every: int

    def __post_init__(self):
        if self.record_every < 1:
            raise ValueError(f"record_every must be positive, got {self.record_every}")
        for name in ("burn_in_steps", "measure_steps", "trace_every"):
            value = getattr(self, name)
            if value < 0 or value % self.record_every:
                raise ValueError(f"{name} = {value} must be a non-negative multiple of record_every = {self.record_every}")
        if self.trace_every == 0:
            raise ValueError("trace_every must be positive")

    @property
    def total(self) -> int:
        return self.burn_in_steps + self.measure_steps

    @property
    def trace_steps(self) -> np.ndarray:
        return np.arange(0, self.total + 1, self.trace_every)

    def chunk_length(self, chunk_steps: int | None, n_seeds: int, draws_per_step: int, record_dim: int) -> int:
        """Steps per chunk: a multiple of record_every; by default sized so a chunk's buffers fit the budget."""
        if chunk_steps is None:
            bytes_per_step = 8 * n_seeds * (draws_per_step + record_dim / self.record_every)
            chunk_steps = max(1, int(CHUNK_BUDGET_BYTES / bytes_per_step))
        chunk_steps = min(chunk_steps, max(self.total, self.record_every))
        return max(self.record_every, chunk_steps - chunk_steps % self.record_every)

    def chunks(self, chunk_length: int) -> Iterator[tuple[int, int]]:
        """(steps done before the chunk, steps in the chunk)."""
        done = 0
        while done < self.total:
            n = min(chunk_length, self.total - done)
            yield done, n
            done += n


class RandomStreams:
    """Per-seed random numbers of one chunk, (n_seeds, n_steps, per_step), from each seed's own Generator.

    Uniform draws (`normal=False`) consume one 64-bit output each; normal draws consume the stream in
    order, so filling a chunk of n steps equals filling its first m and then its last n - m steps.
    """

    def __init__(self, rngs: list[np.random.Generator], per_step: int, normal: bool):
        self.rngs, self.per_step, self.normal = rngs, per_step, normal
        self._generators = None  # numba's view of the same Generators (their state advances with every draw)
        self._buffers: dict[int, np.ndarray] = {}  # reused: fresh pages cost more than the RNG

    def draw(self, n_steps: int) -> np.ndarray:
        buffer = self._buffers.get(n_steps)
        if buffer is None:  # a fresh C-contiguous buffer per length keeps the kernel's compiled signature
            buffer = self._buffers[n_steps] = np.empty((len(self.rngs), n_steps, self.per_step))
        if self.per_step:
            if self._generators is None:
                self._generators = numba.typed.List(self.rngs)
            _fill(self._generators, buffer, self.normal)
        return buffer


# numba's Generator methods run numpy's own algorithms (ziggurat normals, 53-bit uniforms) on the same bit
# generator state, so every number equals numpy's (tests/test_benchmarks.py); compiled, a normal costs ~4 ns
# instead of numpy's ~16 ns here, and the seeds fill in parallel over the kernel's threads. Each Generator is
# used by one thread, in step order, so the numbers do not depend on the thread count.
@numba.njit(cache=True, nogil=True, parallel=True)
def _fill(generators, out, normal):
    for s in numba.prange(out.shape[0]):
        rng = generators[s]
        for t in range(out.shape[1]):
            for k in range(out.shape[2]):
                out[s, t, k] = rng.standard_normal() if normal else rng.random()


def sequential_sum(total: np.ndarray, records: np.ndarray) -> np.ndarray:
    """total + the records (n_seeds, n, dim) summed over n one after another (np.cumsum is sequential), so that the
    sum of a stream of records, bit for bit, does not depend on how it was chunked."""
    return np.concatenate([total[:, None], records], axis=1).cumsum(axis=1)[:, -1]


@dataclass
class Recording:
    """Moments of the `moment_block` record entries about `reference` over the measurement window, the sums of every
    record entry over each half of the window (about `record_reference`), and the thinned trace of the
    `trace_block` entries."""

    n_records: int
    reference: np.ndarray  # (n_seeds, moment_dim)
    sum_deviation: np.ndarray  # (n_seeds, moment_dim): sum of (r - reference)
    sum_outer_deviation: np.ndarray  # (n_seeds, moment_dim, moment_dim)
    trace: np.ndarray  # (n_seeds, n_trace, trace_dim)
    trace_steps: np.ndarray  # (n_trace,)
    record_reference: np.ndarray  # (n_seeds, record_dim): the first record of the window
    half_counts: tuple[int, int]  # records in the first and the second half of the window
    half_sums: np.ndarray  # (2, n_seeds, record_dim): sums of (r - record_reference) over each half

    @property
    def window_mean(self) -> np.ndarray:
        """Mean of every record entry over the window, (n_seeds, record_dim)."""
        return self.record_reference + self.half_sums.sum(axis=0) / self.n_records

    @property
    def half_window_means(self) -> np.ndarray:
        """Means of every record entry over the first and the second half of the window, (2, n_seeds, record_dim)."""
        return self.record_reference + self.half_sums / np.array(self.half_counts, dtype=float)[:, None, None]


class Recorder:
    """Routes each chunk's records to float64 streaming moments of `moment_block` (measurement window), to sums of
    every entry per half window, and to the thinned trace of `trace_block`.

    Without a given `reference`, the first record of the measurement window is used: fluctuations are
    then summed about a nearby point, which keeps the second moments well conditioned. The first half of the
    window holds its first n_records // 2 records.
    """

    def __init__(self, schedule: Schedule, initial_records: np.ndarray, moment_dim: int, reference: np.ndarray | None = None, *,
                 moment_block: slice | None = None, trace_block: slice = slice(None)):
        n_seeds, record_dim = initial_records.shape
        self.schedule = schedule
        self.moment_block = slice(0, moment_dim) if moment_block is None else moment_block
        self.trace_block = trace_block
        moment_dim = len(range(record_dim)[self.moment_block])
        self.reference = None if reference is None else np.array(reference, dtype=np.float64).reshape(n_seeds, moment_dim)
        self.record_reference = None
        self.moments = StreamingMoments(n_seeds, moment_dim, threads=numba.get_num_threads())
        self.half_counts = [0, 0]
        self.half_sums = np.zeros((2, n_seeds, record_dim))
        self.half_steps = schedule.burn_in_steps + (schedule.measure_steps // schedule.record_every // 2) * schedule.record_every
        self.record_dim = record_dim
        block = initial_records[:, trace_block]
        self.trace = np.empty((n_seeds, schedule.trace_steps.size, block.shape[1]))
        self.trace[:, 0] = block
        self._n_trace = 1
        self._buffers: dict[int, np.ndarray] = {}

    def buffer(self, n_steps: int) -> np.ndarray:
        """Records buffer of one chunk, (n_seeds, n_steps // record_every, record_dim), reused per length."""
        n = n_steps // self.schedule.record_every
        if n not in self._buffers:
            self._buffers[n] = np.empty((self.trace.shape[0], n, self.record_dim))
        return self._buffers[n]

    def add(self, done: int, records: np.ndarray) -> None:
        s = self.schedule
        record_steps = done + s.record_every * np.arange(1, records.shape[1] + 1)
        in_window = record_steps > s.burn_in_steps
        if in_window.any():
            window = records[:, in_window]
            if self.record_reference is None:
                self.record_reference = window[:, 0].copy()
            if self.reference is None:
                self.reference = window[:, 0, self.moment_block].copy()
            self.moments.add(window[:, :, self.moment_block] - self.reference[:, None, :])
            first = record_steps[in_window] <= self.half_steps
            deviation = window - self.record_reference[:, None, :]
            for half, part in enumerate((deviation[:, first], deviation[:, ~first])):
                self.half_sums[half] = sequential_sum(self.half_sums[half], part)
                self.half_counts[half] += part.shape[1]
        kept = record_steps % s.trace_every == 0
        n_kept = int(kept.sum())
        self.trace[:, self._n_trace : self._n_trace + n_kept] = records[:, kept][:, :, self.trace_block]
        self._n_trace += n_kept

    def result(self) -> Recording:
        count, sum_dev, sum_outer = self.moments.result()
        reference = self.reference if self.reference is not None else np.full(sum_dev.shape, np.nan)
        record_reference = self.record_reference if self.record_reference is not None else np.full(self.half_sums.shape[1:], np.nan)
        return Recording(count, reference, sum_dev, sum_outer, self.trace, self.schedule.trace_steps, record_reference,
                         tuple(self.half_counts), self.half_sums)


def progress_reporter(label: str, every_seconds: float = 30.0, clock=time.monotonic):
    """Progress lines on stderr (the job log) at every 10 % of the steps and at least every `every_seconds`:
    steps done, rate and the estimated time left (wall-clock appears in logs only, never in results)."""
    start = clock()
    state = {"percent": 0, "last": start}

    def report(done: int, total: int) -> None:
        now = clock()
        percent = 100 * done // total
        if percent // 10 > state["percent"] // 10 or now - state["last"] >= every_seconds:
            rate = done / (now - start) if now > start else float("inf")
            left = (total - done) / rate if rate > 0 else float("inf")
            print(f"{label}: {percent}% ({done} of {total} steps), {rate:.3g} steps/s, about {left:.0f} s left", file=sys.stderr, flush=True)
            state.update(percent=percent, last=now)

    return report


def run_chunks(
    schedule: Schedule,
    recorder: Recorder,
    streams: RandomStreams | None,
    advance: Callable[[np.ndarray | None, np.ndarray], None],
    chunk_length: int,
    progress: Callable[[int, int], None] | None = None,
) -> Recording:
    """Call advance(random_numbers, records) chunk by chunk; the kernel fills `records` in place."""
    for done, n in schedule.chunks(chunk_length):
        draws = streams.draw(n) if streams is not None else None
        records = recorder.buffer(n)
        advance(draws, records)
        recorder.add(done, records)
        if progress is not None:
            progress(done + n, schedule.total)
    return recorder.result()
