"""Compiling the kernels ahead of the runs: every kernel of one family called once on a tiny case, so that numba's
on-disk cache (cache=True) holds them before the training jobs start and no job compiles, or two jobs the same kernel.

The tiny cases go through the public entry points, which hand the kernels the argument types of every real run (plain
float, int and bool scalars, C-contiguous float64 arrays; see deep_linear._Setup): a kernel compiles for one type
signature, whatever the run's options (record_weights, noise_variance, increment_modes, label noise, replacement,
noise form), so one call per kernel fills the cache. Helpers are cached on their own too (cache=True), so a family
compiled after another loads the helpers they share. With an empty cache, one after another on this machine: the
deep-linear first records 5 s, then Euler-Maruyama 13 s, online SGD 4 s, the flow 4 s, offline SGD 4 s, two-layer 2 s,
single layer 1 s.
"""

from __future__ import annotations

import os

import numpy as np

from . import deep_linear, deep_linear_offline, recording, single_layer, two_layer

_SCHEDULE = dict(burn_in_steps=2, measure_steps=4, record_every=2, trace_every=2)  # two records: both half windows hold one


def _deep_linear_case(n_seeds=2):
    widths = (3, 4, 2)
    rng = np.random.default_rng(0)
    teacher = np.zeros((widths[-1], widths[0]))
    teacher[0, 0] = 1.0
    start = [rng.normal(0.0, 0.5, (n_seeds, widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    return teacher, start, [np.random.default_rng(s) for s in range(n_seeds)]


def _dataset(teacher, n_seeds=2, size=6):
    inputs = np.random.default_rng(1).standard_normal((n_seeds, size, teacher.shape[1]))
    return inputs, inputs @ teacher.T


def _deep_linear_records():
    teacher, start, _ = _deep_linear_case()
    setup = deep_linear._Setup(teacher, start, tuple(_SCHEDULE.values()), noise_variance=True, record_weights=False)
    target, sigma_xx, floor = setup.population(0.1)
    setup.recorder(target, sigma_xx, True, floor, 0.1)


def _deep_linear_sgd():
    teacher, start, rngs = _deep_linear_case()
    deep_linear.deep_linear_online_sgd(teacher, start, rngs, learning_rate=0.01, batch_size=1, label_noise_std=0.1, noise_variance=True,
                                       increment_modes=1, **_SCHEDULE)


def _deep_linear_euler():
    teacher, start, rngs = _deep_linear_case()
    deep_linear.deep_linear_sde(teacher, start, rngs, learning_rate=0.01, batch_size=1, label_noise_std=0.1, dt=0.01, **_SCHEDULE)
    deep_linear.deep_linear_langevin_matched(teacher, start, rngs, learning_rate=0.01, batch_size=1, label_noise_std=0.1, dt=0.01, **_SCHEDULE)


def _deep_linear_flow():
    teacher, start, _ = _deep_linear_case()
    deep_linear.deep_linear_gradient_flow(teacher, start, dt=0.1, **_SCHEDULE)


def _deep_linear_offline():
    teacher, start, rngs = _deep_linear_case()
    inputs, labels = _dataset(teacher)
    deep_linear_offline.deep_linear_offline_sgd(inputs, labels, teacher, start, rngs, learning_rate=0.01, batch_size=2, replacement=True,
                                                **_SCHEDULE)
    deep_linear_offline.minibatch_means(inputs[0], 2, 2, True, rngs[0])


def _two_layer_case(n_seeds=2):
    rng = np.random.default_rng(2)
    return (rng.standard_normal((n_seeds, 5, 3)), rng.standard_normal((n_seeds, 5)), rng.normal(0.0, 0.5, (n_seeds, 4, 3)),
            rng.normal(0.0, 0.5, (n_seeds, 4)), [np.random.default_rng(s) for s in range(n_seeds)])


def _two_layer():
    inputs, labels, first, second, rngs = _two_layer_case()
    two_layer.two_layer_sgd(inputs, labels, first, second, rngs, learning_rate=0.05, batch_size=2, **_SCHEDULE)
    two_layer.two_layer_sgf(inputs, labels, first, second, rngs, learning_rate=0.05, batch_size=2, dt=0.05, **_SCHEDULE)


def _single_layer():
    inputs, labels, _, _, rngs = _two_layer_case()
    weights = np.zeros(inputs.shape[::2])
    single_layer.single_layer_sgd(inputs, labels, weights, weights, rngs, learning_rate=0.05, batch_size=2, **_SCHEDULE)


# Per family: (what it covers, the call that compiles it, the kernels the entry points call from Python). Separate
# names, so that the code hash of each family's stage (compile_<family>) reaches only that family's engine code.
# The first records of every deep-linear entry point: a family of their own, compiled once before the four families that
# call them (sgdnoise.catalogue.KERNEL_PREREQUISITES), instead of once in each of their concurrent jobs (5 s each).
_DEEP_LINEAR_RECORDS = ("", _deep_linear_records, (deep_linear._initial_records,))
_DEEP_LINEAR_SGD = ("deep_linear_online_sgd", _deep_linear_sgd, (recording._fill, deep_linear._online_sgd_chunk))
_DEEP_LINEAR_EULER = ("deep_linear_sde, deep_linear_langevin, deep_linear_gd, deep_linear_langevin_matched", _deep_linear_euler,
                      (recording._fill, deep_linear._euler_chunk, deep_linear._matched_langevin_chunk))
_DEEP_LINEAR_FLOW = ("deep_linear_gradient_flow", _deep_linear_flow, (deep_linear._flow_chunk,))
_DEEP_LINEAR_OFFLINE = ("deep_linear_offline_sgd, minibatch_means", _deep_linear_offline,
                        (recording._fill, deep_linear_offline._offline_sgd_chunk, deep_linear_offline._minibatch_means))
_TWO_LAYER = ("two_layer_sgd, two_layer_sgf", _two_layer, (recording._fill, two_layer._record, two_layer._sgd_chunk, two_layer._sgf_chunk))
_SINGLE_LAYER = ("single_layer_sgd", _single_layer, (recording._fill, single_layer._single_layer_sgd_chunk))

FAMILIES = {"deep_linear_records": _DEEP_LINEAR_RECORDS, "deep_linear_sgd": _DEEP_LINEAR_SGD, "deep_linear_euler": _DEEP_LINEAR_EULER, "deep_linear_flow": _DEEP_LINEAR_FLOW,
            "deep_linear_offline": _DEEP_LINEAR_OFFLINE, "two_layer": _TWO_LAYER, "single_layer": _SINGLE_LAYER}


def _signature(kernel, sig) -> str:
    return f"{kernel.py_func.__module__}.{kernel.__name__}({', '.join(str(t) for t in sig)})"


def _compile(family) -> list[str]:
    _, warm, kernels = family
    warm()
    return [_signature(kernel, sig) for kernel in kernels for sig in kernel.signatures]


def compile_kernels(family: str) -> list[str]:
    """Compile (or load from numba's cache) every kernel of `family` (FAMILIES) for the argument types of the real runs;
    returns the kernels' signatures, as module.kernel(argument types)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown kernel family {family!r}; one of {sorted(FAMILIES)}")
    return _compile(FAMILIES[family])


def _stamp(output: str, name: str, family) -> None:
    """The stamp the family's training jobs (and the families of KERNEL_PREREQUISITES) wait for: numba's version and the
    kernels' compiled signatures."""
    import numba

    signatures = _compile(family)
    tmp = f"{output}.tmp"
    with open(tmp, "w") as f:
        f.write(f"numba {numba.__version__}: kernels of {name} ({family[0]})\n" + "\n".join(signatures) + "\n")
    os.replace(tmp, output)


# Stages of the rule engine_kernels, one per family (its wildcard picks the function).
def compile_deep_linear_records(output: str) -> None:
    _stamp(output, "deep_linear_records", _DEEP_LINEAR_RECORDS)


def compile_deep_linear_sgd(output: str) -> None:
    _stamp(output, "deep_linear_sgd", _DEEP_LINEAR_SGD)


def compile_deep_linear_euler(output: str) -> None:
    _stamp(output, "deep_linear_euler", _DEEP_LINEAR_EULER)


def compile_deep_linear_flow(output: str) -> None:
    _stamp(output, "deep_linear_flow", _DEEP_LINEAR_FLOW)


def compile_deep_linear_offline(output: str) -> None:
    _stamp(output, "deep_linear_offline", _DEEP_LINEAR_OFFLINE)


def compile_two_layer(output: str) -> None:
    _stamp(output, "two_layer", _TWO_LAYER)


def compile_single_layer(output: str) -> None:
    _stamp(output, "single_layer", _SINGLE_LAYER)
