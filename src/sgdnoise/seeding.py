"""Random streams keyed by (experiment, parameter point, seed, stream name).

Every random number in the project comes from a numpy SeedSequence whose spawn key is derived from
names, never from job order, so results do not depend on --cores or on how seeds are split into jobs.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(name: str) -> int:
    """A 32-bit integer from a string, identical on every machine and Python version (unlike hash())."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def spawn_key(experiment: str, point: str, seed: int, stream: str) -> tuple[int, int, int, int]:
    if seed < 0:
        raise ValueError(f"seed index must be non-negative, got {seed}")
    return (stable_int(experiment), stable_int(point), int(seed), stable_int(stream))


def seed_sequence(root: int, experiment: str, point: str, seed: int, stream: str) -> np.random.SeedSequence:
    """SeedSequence for one stream; `root` is the config's data or sgd root seed."""
    return np.random.SeedSequence(entropy=root, spawn_key=spawn_key(experiment, point, seed, stream))


def generator(root: int, experiment: str, point: str, seed: int, stream: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed_sequence(root, experiment, point, seed, stream)))


def point_label(**coords) -> str:
    """Canonical name of a parameter point, e.g. point_label(N=100, P=105) -> 'N100_P105'."""
    return "_".join(f"{k}{v}" for k, v in coords.items())
