import os

import pytest

# One BLAS thread, as inside jobs (the machine has 2 cores); OPENBLAS_CORETYPE is left as the machine sets it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _restore_numba_threads():
    """Stage functions set numba's process-wide thread count (engine.threads); restore it after every test, so that
    no test sees another's setting (the thread-invariance tests need the machine's full count)."""
    import numba

    previous = numba.get_num_threads()
    yield
    numba.set_num_threads(previous)
