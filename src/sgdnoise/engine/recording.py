"""Driving a compiled kernel chunk by chunk: per-seed random streams, records -> streaming moments and thinned traces.

Every kernel advances a block of seeds by one chunk of steps, writing the recorded quantities every
`record_every` steps into a records buffer. The random numbers of a chunk are drawn per seed, in step
order, from that seed's own Generator, so the numbers a seed sees (and hence every bit of its result)
do not depend on the chunk size, the thread count or which other seeds share the block.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

import numba
import numpy as np

from ..statistics import DivergedError, StreamingMoments
from .seed_blocks import over_seeds

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
            over_seeds(len(self.rngs), lambda a, b: _fill(self._generators, buffer, self.normal, a, b))
        return buffer


# numba's Generator methods run numpy's own algorithms (ziggurat normals, 53-bit uniforms) on the same bit
# generator state, so every number equals numpy's (tests/test_benchmarks.py); compiled, a normal costs ~4 ns
# instead of numpy's ~16 ns here, and the seeds [first, last) fill on one thread each (seed_blocks.over_seeds). Each
# Generator is used by one thread, in step order, so the numbers do not depend on the thread count.
@numba.njit(cache=True, nogil=True)
def _fill(generators, out, normal, first, last):
    for s in range(first, last):
        rng = generators[s]
        for t in range(out.shape[1]):
            for k in range(out.shape[2]):
                out[s, t, k] = rng.standard_normal() if normal else rng.random()


@dataclass
class Recording:
    """Moments of the first `moment_dim` record entries about `reference`, over the measurement window,
    and the thinned trace of whole records."""

    n_records: int
    reference: np.ndarray  # (n_seeds, moment_dim)
    sum_deviation: np.ndarray  # (n_seeds, moment_dim): sum of (r - reference)
    sum_outer_deviation: np.ndarray  # (n_seeds, moment_dim, moment_dim)
    trace: np.ndarray  # (n_seeds, n_trace, record_dim)
    trace_steps: np.ndarray  # (n_trace,)


class Recorder:
    """Routes each chunk's records to float64 streaming moments (measurement window) and the thinned trace.

    Without a given `reference`, the first record of the measurement window is used: fluctuations are
    then summed about a nearby point, which keeps the second moments well conditioned.
    """

    def __init__(self, schedule: Schedule, initial_records: np.ndarray, moment_dim: int, reference: np.ndarray | None = None):
        n_seeds, record_dim = initial_records.shape
        self.schedule, self.moment_dim = schedule, moment_dim
        self.reference = None if reference is None else np.array(reference, dtype=np.float64).reshape(n_seeds, moment_dim)
        self.moments = StreamingMoments(n_seeds, moment_dim, threads=numba.get_num_threads())
        self.trace = np.empty((n_seeds, schedule.trace_steps.size, record_dim))
        self.trace[:, 0] = initial_records
        self._n_trace = 1
        self._buffers: dict[int, np.ndarray] = {}

    def buffer(self, n_steps: int) -> np.ndarray:
        """Records buffer of one chunk, (n_seeds, n_steps // record_every, record_dim), reused per length."""
        n = n_steps // self.schedule.record_every
        if n not in self._buffers:
            self._buffers[n] = np.empty((self.trace.shape[0], n, self.trace.shape[2]))
        return self._buffers[n]

    def add(self, done: int, records: np.ndarray) -> None:
        s = self.schedule
        record_steps = done + s.record_every * np.arange(1, records.shape[1] + 1)
        in_window = record_steps > s.burn_in_steps
        if in_window.any():
            window = records[:, in_window, : self.moment_dim]
            if self.reference is None:
                self.reference = window[:, 0].copy()
            self.moments.add(window - self.reference[:, None, :])
        kept = record_steps % s.trace_every == 0
        n_kept = int(kept.sum())
        self.trace[:, self._n_trace : self._n_trace + n_kept] = records[:, kept]
        self._n_trace += n_kept

    def result(self) -> Recording:
        count, sum_dev, sum_outer = self.moments.result()
        reference = self.reference if self.reference is not None else np.full(sum_dev.shape, np.nan)
        return Recording(count, reference, sum_dev, sum_outer, self.trace, self.schedule.trace_steps)


def _check_records(records: np.ndarray, done: int, n_steps: int, schedule: Schedule) -> None:
    """Stop at the end of the chunk in which a seed's records (weights, modes or loss) became non-finite."""
    finite = np.isfinite(records).all(axis=2)
    if finite.all():
        return
    bad = np.flatnonzero(~finite.all(axis=1))
    record_steps = done + schedule.record_every * np.arange(1, records.shape[1] + 1)
    raise DivergedError(bad, record_steps[np.argmin(finite[bad], axis=1)], records.shape[0], done + n_steps, schedule.total)


def sequential_sum(total: np.ndarray, records: np.ndarray) -> np.ndarray:
    """total + the records (n_seeds, n, dim) summed over n one after another (np.cumsum is sequential), so that the
    sum of a stream of records, bit for bit, does not depend on how it was chunked."""
    return np.concatenate([total[:, None], records], axis=1).cumsum(axis=1)[:, -1]


@dataclass
class BlockRecording(Recording):
    """A Recording whose moments are of a block of the record and whose trace keeps another, with the sums of every
    record entry over each half of the window (about `record_reference`)."""

    record_reference: np.ndarray = None  # (n_seeds, record_dim): the first record of the window
    half_counts: tuple[int, int] = (0, 0)  # records in the first and the second half of the window
    half_sums: np.ndarray = None  # (2, n_seeds, record_dim): sums of (r - record_reference) over each half

    @property
    def window_mean(self) -> np.ndarray:
        """Mean of every record entry over the window, (n_seeds, record_dim)."""
        return self.record_reference + self.half_sums.sum(axis=0) / self.n_records

    @property
    def half_window_means(self) -> np.ndarray:
        """Means of every record entry over the first and the second half of the window, (2, n_seeds, record_dim)."""
        with np.errstate(invalid="ignore"):  # a window of one record has an empty second half: its mean is NaN
            return self.record_reference + self.half_sums / np.array(self.half_counts, dtype=float)[:, None, None]


class BlockRecorder(Recorder):
    """A Recorder for records too large to keep whole: streaming moments of the entries `moment_block` only, a trace
    of the entries `trace_block` only, and sums of every entry over each half of the window (the first half holds
    the window's first n_records // 2 records), so the window mean of every entry is kept. A subclass, so that the
    code of the other families (and with it their code hash) stays as it was."""

    def __init__(self, schedule: Schedule, initial_records: np.ndarray, moment_block: slice, trace_block: slice, reference: np.ndarray | None = None):
        n_seeds, self.record_dim = initial_records.shape
        super().__init__(schedule, initial_records[:, trace_block], len(range(self.record_dim)[moment_block]), reference)
        self.moment_block, self.trace_block = moment_block, trace_block
        self.record_reference = None
        self.half_counts = [0, 0]
        self.half_sums = np.zeros((2, n_seeds, self.record_dim))
        self.half_steps = schedule.burn_in_steps + (schedule.measure_steps // schedule.record_every // 2) * schedule.record_every

    def buffer(self, n_steps: int) -> np.ndarray:
        """Records buffer of one chunk, (n_seeds, n_steps // record_every, record_dim): whole records."""
        n = n_steps // self.schedule.record_every
        if n not in self._buffers:
            self._buffers[n] = np.empty((self.trace.shape[0], n, self.record_dim))
        return self._buffers[n]

    def add(self, done: int, records: np.ndarray) -> None:
        record_steps = done + self.schedule.record_every * np.arange(1, records.shape[1] + 1)
        window_steps = record_steps[record_steps > self.schedule.burn_in_steps]
        if window_steps.size:
            window = records[:, -window_steps.size :]
            if self.record_reference is None:
                self.record_reference = window[:, 0].copy()
                self.reference = window[:, 0, self.moment_block].copy() if self.reference is None else self.reference
            self.moments.add(window[:, :, self.moment_block] - self.reference[:, None, :])
            deviation = window - self.record_reference[:, None, :]
            first = window_steps <= self.half_steps
            for half, part in enumerate((deviation[:, first], deviation[:, ~first])):
                self.half_sums[half] = sequential_sum(self.half_sums[half], part)
                self.half_counts[half] += part.shape[1]
        traced = records[:, record_steps % self.schedule.trace_every == 0, self.trace_block]
        self.trace[:, self._n_trace : self._n_trace + traced.shape[1]] = traced
        self._n_trace += traced.shape[1]

    def result(self) -> BlockRecording:
        recording = super().result()
        record_reference = self.record_reference if self.record_reference is not None else np.full(self.half_sums.shape[1:], np.nan)
        return BlockRecording(**recording.__dict__, record_reference=record_reference, half_counts=tuple(self.half_counts), half_sums=self.half_sums)


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
        _check_records(records, done, n, schedule)
        recorder.add(done, records)
        if progress is not None:
            progress(done + n, schedule.total)
    return recorder.result()
