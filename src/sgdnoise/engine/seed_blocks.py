"""Threads over blocks of seeds: every kernel is compiled serially and called on numba's thread count of seed blocks
at once, from Python threads (the kernels release the GIL).

Why not numba's parallel=True: a parallel kernel compiles in twice the time of the serial loop (numba outlines the
prange body into a gufunc and links every helper into it a second time; the Euler-Maruyama family: 29.5 s against
14.6 s on one thread), and workflow jobs run one thread. And the outlined body is optimised on its own, so its fastmath
reductions may be vectorised in another order than the serial loop's (seen: 1e-16 differences in two_layer_sgf): with
one compiled kernel for every thread count, results are identical at any thread count by construction.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable

import numba

_POOLS: dict[int, ThreadPoolExecutor] = {}


def seed_ranges(n_seeds: int, threads: int, block: int = 1) -> list[tuple[int, int]]:
    """[a, b) ranges covering range(n_seeds) in order, at most `threads` of them, each a multiple of `block` seeds but
    the last."""
    blocks = -(-n_seeds // block)
    per = -(-blocks // max(1, min(threads, blocks))) * block
    return [(a, min(a + per, n_seeds)) for a in range(0, n_seeds, per)]


def over_seeds(n_seeds: int, call: Callable[[int, int], None], block: int = 1) -> None:
    """call(a, b) for the seed ranges of seed_ranges(n_seeds, numba.get_num_threads(), block), concurrently; the
    first exception of a range is raised here."""
    ranges = seed_ranges(n_seeds, numba.get_num_threads(), block)
    if len(ranges) == 1:
        call(*ranges[0])
        return
    pool = _POOLS.get(len(ranges))
    if pool is None:
        pool = _POOLS[len(ranges)] = ThreadPoolExecutor(len(ranges), thread_name_prefix="sgdnoise-seeds")
    futures = [pool.submit(call, a, b) for a, b in ranges]
    wait(futures)  # all ranges end before an error is raised: none still writes into the arrays
    for future in futures:
        future.result()
