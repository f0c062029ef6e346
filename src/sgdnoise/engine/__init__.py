"""Simulation engine: compiled kernels that advance a block of seeds at once, one module per dynamics.

Random numbers are drawn per seed from that seed's own numpy Generator (see seeding.py) in chunks of
steps and handed to the kernels, so results do not depend on chunk size, thread count or block split
(recording.py drives the chunks and turns records into streaming moments and thinned traces).
"""

from .deep_linear import (
    DeepLinearRun,
    deep_linear_gd,
    deep_linear_gradient_flow,
    deep_linear_langevin,
    deep_linear_online_sgd,
    deep_linear_sde,
)
from .single_layer import SingleLayerRun, single_layer_sgd
from .two_layer import TwoLayerRun, two_layer_sgd, two_layer_sgf

__all__ = [
    "DeepLinearRun",
    "SingleLayerRun",
    "TwoLayerRun",
    "deep_linear_gd",
    "deep_linear_gradient_flow",
    "deep_linear_langevin",
    "deep_linear_online_sgd",
    "deep_linear_sde",
    "single_layer_sgd",
    "two_layer_sgd",
    "two_layer_sgf",
]
