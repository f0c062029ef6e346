"""Gross et al. 2024, Fig. 8 (Sec. III C): weight covariances of the two-layer linear net under SGD against the linear
theory (3.30)-(3.34), for a small and the standard initialization.

Config section gross2024_fig8 names one two_layer run per init (small_init, standard_init) on one dataset. stages.py:
theory, statistics, summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run, dataset_points
from ...config import ConfigError

FAMILY = "two_layer"


def check_config(section: dict, config: dict) -> None:
    datasets = set()
    for init, name in section["runs"].items():
        key = f"gross2024_fig8.runs.{init}"
        run = check_run(config, key, name, FAMILY)
        if run.get("method", "sgd") != "sgd":
            raise ConfigError(f"config key {key}: run {name!r} must be SGD (method: sgd), Fig. 8 compares SGD with the theory")
        if run.get("moments", "all") != "all":
            raise ConfigError(f"config key {key}: run {name!r} must record the moments of both layers (moments: all)")
        for sweep in ("n_hidden", "init_scale"):
            if isinstance(run[sweep], list):
                raise ConfigError(f"config key runs.{name}.{sweep}: Fig. 8 needs one value, not a sweep")
        points = dataset_points(config["datasets"][run["dataset"]])
        if len(points) != 1:
            raise ConfigError(f"config key datasets.{run['dataset']}: Fig. 8 needs one parameter point, has {len(points)}")
        if not points[0]["N"] < points[0]["P"]:
            raise ConfigError(f"config key datasets.{run['dataset']}.N: {points[0]['N']} must be below P = {points[0]['P']} (no fluctuations otherwise)")
        if run["n_hidden"] > points[0]["N"]:
            raise ConfigError(f"config key runs.{name}.n_hidden: Sec. III assumes N_h <= N_i = {points[0]['N']}")
        datasets.add(run["dataset"])
    if len(datasets) != 1:
        raise ConfigError(f"config key gross2024_fig8.runs: both inits must train on the same dataset (same realizations per seed), got {sorted(datasets)}")
    if section["heatmap_init"] not in section["runs"]:
        raise ConfigError(f"config key gross2024_fig8.heatmap_init: {section['heatmap_init']!r} is not one of {sorted(section['runs'])}")
