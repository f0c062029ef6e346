"""Simulation engine: compiled kernels that advance a block of seeds at once, one module per dynamics.

Random numbers are drawn per seed from that seed's own numpy Generator (see seeding.py) in chunks of
steps and handed to the kernels, so results do not depend on chunk size, thread count or block split
(recording.py drives the chunks and turns records into streaming moments and thinned traces). The kernels compile on
first use into numba's on-disk cache; compile_kernels (warmup.py) fills it for one family of kernels ahead of the runs.
Kernels are serial; numba's thread count (numba.set_num_threads) sets how many blocks of seeds run at once, each on a
Python thread (seed_blocks.py). An edit to any engine module recompiles every kernel (kernel_cache.py).
"""

from . import kernel_cache

kernel_cache.install()  # before the kernel modules below are imported: numba picks a kernel's cache locator at decoration

from .deep_linear import (  # noqa: E402
    DeepLinearRun,
    deep_linear_gd,
    deep_linear_gradient_flow,
    deep_linear_langevin,
    deep_linear_langevin_matched,
    deep_linear_online_sgd,
    deep_linear_sde,
)
from .deep_linear_offline import deep_linear_offline_sgd, minibatch_means  # noqa: E402
from .single_layer import SingleLayerRun, single_layer_sgd  # noqa: E402
from .two_layer import TwoLayerRun, two_layer_sgd, two_layer_sgf  # noqa: E402
from .warmup import compile_kernels  # noqa: E402

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
