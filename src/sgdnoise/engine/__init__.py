"""Simulation engine: compiled kernels that advance a block of seeds at once, one module per dynamics.

Random numbers are drawn per seed from that seed's own numpy Generator (see seeding.py) in chunks of
steps and handed to the kernels, so results do not depend on chunk size, thread count or block split.
"""

from .single_layer import SingleLayerRun, single_layer_sgd

__all__ = ["SingleLayerRun", "single_layer_sgd"]
