"""seed_blocks: the seed ranges that run at once cover every seed once, in order, in whole blocks."""

import pytest

from sgdnoise.engine.seed_blocks import over_seeds, seed_ranges


@pytest.mark.parametrize("n_seeds, threads, block, expected", [
    (16, 1, 8, [(0, 16)]),
    (16, 2, 8, [(0, 8), (8, 16)]),
    (17, 2, 8, [(0, 16), (16, 17)]),  # three blocks of 8: two on the first thread
    (5, 2, 8, [(0, 5)]),  # one block: one thread
    (5, 2, 1, [(0, 3), (3, 5)]),
    (3, 8, 1, [(0, 1), (1, 2), (2, 3)]),
])
def test_seed_ranges(n_seeds, threads, block, expected):
    assert seed_ranges(n_seeds, threads, block) == expected


def test_over_seeds_raises_a_range_error_after_every_range_ended(monkeypatch):
    monkeypatch.setattr("numba.get_num_threads", lambda: 2)
    done = []

    def call(a, b):
        if a == 0:
            raise ValueError("seed 0 diverged")
        done.append((a, b))

    with pytest.raises(ValueError, match="seed 0 diverged"):
        over_seeds(4, call)
    assert done == [(2, 4)]
