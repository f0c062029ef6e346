"""Beyond Gross et al. 2024 (Sec. IV: "We expect this general consequence of the network structure to also hold for deeper
linear networks"): the rank deficiency of the stationary weight covariance and the IVFR exponent psi per layer of deep
linear networks with one output, depths 2-4, against the depth-L linearised theory (theory.py).

Config section extensions_deep_ivfr names deep_linear_dataset runs (runs.py: the catalogue family) whose points (depth x
init_scale) are the sweep. theory.py: the Lyapunov equation and its closed form; stages.py: statistics, psi fits,
summary, claims; plot.py: the figure.
"""

from ...catalogue import DEEP_DATASET_FAMILY, TWO_LAYER_FAMILY, check_run, run_points
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    runs = [check_run(config, "extensions_deep_ivfr.runs", name, family=DEEP_DATASET_FAMILY) for name in section["runs"]]
    run = runs[0]
    for name, other in zip(section["runs"], runs):
        if other["dataset"] != run["dataset"] or other["n_hidden"] != run["n_hidden"] or isinstance(other["n_hidden"], list):
            raise ConfigError(f"config key runs.{name}: the runs of extensions_deep_ivfr share one dataset and one n_hidden "
                              f"({run['dataset']}, {run['n_hidden']}); got {other['dataset']}, {other['n_hidden']}")
        for key in ("learning_rate", "batch_size", "minibatch_replacement"):
            if other[key] != run[key]:
                raise ConfigError(f"config key runs.{name}.{key}: {other[key]} differs from runs.{section['runs'][0]}.{key} = {run[key]} (one theory for the sweep)")
    points = [(p["depth"], p["init_scale"]) for other in runs for p in run_points(other, config["datasets"])]
    if len(points) != len(set(points)):
        raise ConfigError(f"config key extensions_deep_ivfr.runs: a point (depth, init_scale) appears in two runs: {sorted(points)}")
    if section["two_layer_run"] is not None:
        other = check_run(config, "extensions_deep_ivfr.two_layer_run", section["two_layer_run"], family=TWO_LAYER_FAMILY)
        if other["dataset"] != run["dataset"]:
            raise ConfigError(f"config key extensions_deep_ivfr.two_layer_run: {section['two_layer_run']!r} trains on {other['dataset']!r}, "
                              f"the run {section['run']!r} on {run['dataset']!r}; the cross-check needs the same data")
    lower, upper = section["comparable_ratio"]
    if not lower < upper:
        raise ConfigError(f"config key extensions_deep_ivfr.comparable_ratio: lower {lower} must be below upper {upper}")
