"""Beyond Gross et al. 2024 (Sec. IV: "We expect this general consequence of the network structure to also hold for deeper
linear networks"): the rank deficiency of the stationary weight covariance and the IVFR exponent psi per layer of deep
linear networks with one output, depths 2-4, against the depth-L linearised theory (theory.py).

Config section extensions_deep_ivfr names one deep_linear_dataset run (runs.py: the catalogue family) whose depth and
init_scale lists are the sweep. theory.py: the Lyapunov equation and its closed form; stages.py: statistics, psi fits,
summary, claims; plot.py: the figure.
"""

from ...catalogue import DEEP_DATASET_FAMILY, TWO_LAYER_FAMILY, check_run
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    run = check_run(config, "extensions_deep_ivfr.run", section["run"], family=DEEP_DATASET_FAMILY)
    if isinstance(run["n_hidden"], list) and len(run["n_hidden"]) > 1:
        raise ConfigError(f"config key runs.{section['run']}.n_hidden: one width (the sweep is depth x init_scale), got {run['n_hidden']}")
    if section["two_layer_run"] is not None:
        other = check_run(config, "extensions_deep_ivfr.two_layer_run", section["two_layer_run"], family=TWO_LAYER_FAMILY)
        if other["dataset"] != run["dataset"]:
            raise ConfigError(f"config key extensions_deep_ivfr.two_layer_run: {section['two_layer_run']!r} trains on {other['dataset']!r}, "
                              f"the run {section['run']!r} on {run['dataset']!r}; the cross-check needs the same data")
    lower, upper = section["comparable_ratio"]
    if not lower < upper:
        raise ConfigError(f"config key extensions_deep_ivfr.comparable_ratio: lower {lower} must be below upper {upper}")
