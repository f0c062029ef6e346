"""Gross et al. 2024, Sec. III D: relaxation of the modes chi = R^T Z of the linearised SGF (3.38)-(3.42).

Config section gross2024_relaxation names one two_layer run per method (sgd, sgf) with dense traces of the full
record. stages.py: the autocorrelation estimators, statistics, summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    for method, name in section["runs"].items():
        run = check_run(config, f"gross2024_relaxation.runs.{method}", name, family="two_layer")
        if run.get("method", "sgd") != method:
            raise ConfigError(f"config key gross2024_relaxation.runs.{method}: run {name!r} has method {run.get('method')!r}")
        if run.get("trace_block", "all") != "all":
            raise ConfigError(f"config key runs.{name}.trace_block: the modes need the full record (all), not {run['trace_block']!r}")
        for key in ("n_hidden", "init_scale"):
            if isinstance(run.get(key), list):
                raise ConfigError(f"config key runs.{name}.{key}: one value (the relaxation figure is not a sweep)")
