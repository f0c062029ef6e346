"""Corlouer et al. 2026, App. G: the finite-population factor of the minibatch gradient noise of offline SGD on N
samples, with and without replacement, measured at the weights of two offline_sgd runs. Config section
corlouer2026_finite_dataset. stages.py: statistics, summary, claims; plot.py: the figure of the factor against b."""

from ...catalogue import DEEP_LINEAR_FAMILY, check_run
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    for sampling, replacement in (("with", True), ("without", False)):
        key = f"corlouer2026_finite_dataset.runs.{sampling}"
        run = check_run(config, key, section["runs"][sampling], DEEP_LINEAR_FAMILY)
        if run["method"] != "offline_sgd" or run.get("minibatch_replacement", True) != replacement or not run.get("record_weights", False):
            raise ConfigError(f"config key {key}: needs an offline_sgd run with minibatch_replacement: {str(replacement).lower()} and record_weights: true")
        if max(section["batch_sizes"]) > run["dataset_size"]:
            raise ConfigError(f"config key corlouer2026_finite_dataset.batch_sizes: {max(section['batch_sizes'])} > dataset_size {run['dataset_size']}")
        if max(section["probe_times"]) > run["horizon"]:
            raise ConfigError(f"config key corlouer2026_finite_dataset.probe_times: beyond the run's horizon {run['horizon']}")
        if section["modes"] > len(run["teacher_singular_values"]):
            raise ConfigError("config key corlouer2026_finite_dataset.modes: more than the teacher's modes")
    first, second = (config["runs"][section["runs"][s]] for s in ("with", "without"))
    if first["dataset_size"] != second["dataset_size"]:
        raise ConfigError("config key corlouer2026_finite_dataset.runs: the two runs need the same dataset_size")
