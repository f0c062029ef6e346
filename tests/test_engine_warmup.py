"""engine.compile_kernels fills numba's on-disk cache so that the runs that follow compile nothing."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from sgdnoise import engine
from sgdnoise.catalogue import KERNEL_PREREQUISITES
from sgdnoise.engine import warmup

# A real call per family, in the options of the catalogue's runs (other sizes and options than the warm-up's tiny case):
# it must load every kernel from the cache.
REAL_CALLS = {
    "deep_linear_sgd": """
        from sgdnoise.corlouer2026 import runs
        widths = [6, 6, 6, 6]
        teacher = runs.teacher_matrix(widths, [1.0, 0.5])
        start = runs.initial_weights([np.random.default_rng(s) for s in range(3)], widths, 2.0)
        schedule = dict(burn_in_steps=4, measure_steps=8, record_every=4, trace_every=4, record_weights=True, chunk_steps=16384, progress=None)
        runs.simulate("online_sgd", teacher, start, [np.random.default_rng(s) for s in range(3)], schedule, learning_rate=0.005, batch_size=2,
                      label_noise_std=float(np.sqrt(0.04)), dt=0.0, noise_std=1.0, record_noise_variance=True, noise_variance_modes=2,
                      increment_modes=2, dataset_size=0, data_rngs=[])
    """,
    "two_layer": """
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((3, 12, 4)), rng.standard_normal((3, 12))
        w1, w2 = rng.normal(0, 0.3, (3, 5, 4)), rng.normal(0, 0.3, (3, 5))
        rngs = [np.random.default_rng(s) for s in range(3)]
        engine.two_layer_sgd(x, y, w1, w2, rngs, learning_rate=0.1, batch_size=3, replacement=False, burn_in_steps=10, measure_steps=20,
                             record_every=10, trace_every=10, moments="second_layer", trace_block="loss")
        engine.two_layer_sgf(x, y, w1, w2, rngs, learning_rate=0.1, batch_size=3, dt=0.1, noise_form="wick", burn_in_steps=10,
                             measure_steps=20, record_every=10, trace_every=10)
    """,
    "single_layer": """
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((3, 12, 4)), rng.standard_normal((3, 12))
        engine.single_layer_sgd(x, y, np.zeros((3, 4)), np.zeros((3, 4)), [np.random.default_rng(s) for s in range(3)], learning_rate=0.1,
                                batch_size=3, replacement=False, burn_in_steps=10, measure_steps=20, record_every=10, trace_every=10)
    """,
}

CHECK = """
import json
import numba
import numpy as np
from sgdnoise import engine
from sgdnoise.engine import warmup

with numba.core.event.install_recorder("numba:compile") as recorder:
{call}
compiled = sorted({{f"{{f.__module__}}.{{f.__qualname__}}" for f in (event.data["dispatcher"].py_func for _, event in recorder.buffer if event.is_start)
                    if f.__module__.startswith("sgdnoise")}})  # numba's own typed-list helpers are not cached and compile in every process
hits = {{kernel.__name__: sum(kernel.stats.cache_hits.values()) for kernel in warmup.FAMILIES[{family!r}][2]}}
print(json.dumps({{"compiled": compiled, "hits": hits}}))
"""


def _python(code, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("family", sorted(REAL_CALLS))
def test_compile_kernels_fills_the_cache(family, tmp_path):
    for prerequisite in KERNEL_PREREQUISITES.get(family, ()):  # compiled first, as the workflow orders it
        _python(f"from sgdnoise import engine; engine.compile_kernels({prerequisite!r}); print('compiled')", tmp_path)
    names = json.loads(_python(f"import json; from sgdnoise import engine; print(json.dumps(engine.compile_kernels({family!r})))", tmp_path))
    assert len(names) == len(warmup.FAMILIES[family][2])  # one signature per kernel
    result = json.loads(_python(CHECK.format(call=textwrap.indent(textwrap.dedent(REAL_CALLS[family]), "    "), family=family), tmp_path))
    assert result["compiled"] == []
    assert all(hits > 0 for hits in result["hits"].values()), result["hits"]


def test_families_cover_every_entry_point():
    covered = ", ".join(what for what, _, _ in warmup.FAMILIES.values() if what).split(", ")
    entry_points = [name for name in engine.__all__ if name[0].islower() and name != "compile_kernels"]
    assert sorted(covered) == sorted(entry_points)


def test_unknown_family():
    with pytest.raises(ValueError, match="unknown kernel family"):
        engine.compile_kernels("deep_linear")


def test_prerequisites_are_families():
    named = {family for families in KERNEL_PREREQUISITES.values() for family in families} | set(KERNEL_PREREQUISITES)
    assert named <= set(warmup.FAMILIES)
