"""The inlined PCG64 and ziggurat (engine/pcg64.py) against numpy's own Generator: every number equal, the stream
consumed exactly (the Generators continue where numpy would), tail and wedge paths included."""

import numba
import numpy as np
import pytest

from sgdnoise.engine import pcg64
from sgdnoise.engine.lanes import LANES


@numba.njit(parallel=True)
def _draw_steps(states, n_live, n_steps, n, out):
    """What _euler_chunk does per step: lane_normals for one block, out[t, q, j]."""
    for _ in numba.prange(1):
        raw = np.empty((LANES, n), np.uint64)
        candidate = np.empty((LANES, n))
        accepted = np.empty((LANES, n), np.bool_)
        draws = np.zeros((n, LANES))
        for t in range(n_steps):
            pcg64.lane_normals(states, raw, candidate, accepted, n_live, n, draws)
            out[t] = draws


@pytest.mark.parametrize(("n_live", "n"), [(LANES, 71), (3, 71), (LANES, 72), (LANES, 1)])
def test_lane_normals_equal_numpy_standard_normal_and_leave_the_generators_where_numpy_would(n_live, n):
    # 8 lanes x 1500 steps x 71 draws = 852k normals: ~10k wedge and ~500 tail draws in all (|x| > 3.44) at 1.2 % and 6e-4.
    # n = 71, 72 and 1 end the raw outputs in each kind of block of pcg64.CHAINS (3 of 4, 4 of 4, 1 of 4)
    n_steps = 1500 if n > 1 else 120000  # ~70 tail draws a lane either way
    rngs = [np.random.default_rng([11, s]) for s in range(n_live)]
    reference = [np.random.default_rng([11, s]) for s in range(n_live)]
    states = np.zeros((LANES, pcg64.ROW), np.uint64)
    states[:n_live] = pcg64.read_states(rngs)
    out = np.empty((n_steps, n, LANES))
    _draw_steps(states, n_live, n_steps, n, out)
    pcg64.write_states(rngs, states[:n_live])
    for j in range(n_live):
        expected = reference[j].standard_normal((n_steps, n))
        np.testing.assert_array_equal(out[:, :, j], expected)
        assert (np.abs(expected) > 3.44).sum() > 30  # the tail path ran (~64 expected per lane)
        assert rngs[j].random() == reference[j].random()  # the stream consumed exactly
    assert (out[:, :, n_live:] == 0).all()  # absent lanes are left alone


def test_read_states_names_a_generator_that_is_not_pcg64():
    with pytest.raises(ValueError, match="seed 1: .*PCG64.*Philox"):
        pcg64.read_states([np.random.default_rng(0), np.random.Generator(np.random.Philox(1))])
