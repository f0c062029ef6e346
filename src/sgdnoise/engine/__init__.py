"""Simulation engine: compiled kernels that advance a block of seeds at once, one module per dynamics.

Random numbers are drawn per seed from that seed's own numpy Generator (see seeding.py) in chunks of
steps and handed to the kernels, so results do not depend on chunk size, thread count or block split
(recording.py drives the chunks and turns records into streaming moments and thinned traces). The kernels compile on
first use into numba's on-disk cache; compile_kernels (warmup.py) fills it for one family of kernels ahead of the runs.
"""

import os

# numba's OpenMP worker threads spin after each parallel region by default, holding the second core while the
# Python between kernel calls runs (folding records into the moments, by BLAS in Python threads) and slowing
# any other work in the process, such as a baseline timed next to the engine (./reproduce benchmark); passive
# waiting frees the core. Read when numba first starts its OpenMP pool; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .deep_linear import (  # noqa: E402  (after the environment setting above)
    DeepLinearRun,
    deep_linear_gd,
    deep_linear_gradient_flow,
    deep_linear_langevin,
    deep_linear_langevin_matched,
    deep_linear_online_sgd,
    deep_linear_sde,
)
from .deep_linear_offline import deep_linear_offline_sgd, minibatch_means  # noqa: E402
from .single_layer import SingleLayerRun, single_layer_sgd
from .two_layer import TwoLayerRun, two_layer_sgd, two_layer_sgf
from .warmup import compile_kernels

__all__ = [
    "DeepLinearRun",
    "SingleLayerRun",
    "TwoLayerRun",
    "compile_kernels",
    "deep_linear_gd",
    "deep_linear_gradient_flow",
    "deep_linear_langevin",
    "deep_linear_langevin_matched",
    "deep_linear_offline_sgd",
    "deep_linear_online_sgd",
    "deep_linear_sde",
    "minibatch_means",
    "single_layer_sgd",
    "two_layer_sgd",
    "two_layer_sgf",
]
