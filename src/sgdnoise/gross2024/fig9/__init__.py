"""Gross et al. 2024, Fig. 9 (Sec. III C 3): the loss of a two-layer linear network perturbed along the eigenvectors of
the weight covariances, (a) of cov(dW2) against Eq. (3.37), (b) of cov(vec dW1) against the linear theory (3.31a).

Config section gross2024_fig9 names one two_layer run per case and panel. stages.py: statistics, summary, claims;
plot.py: the figure.
"""

from ...catalogue import check_run, run_points
from ...config import ConfigError

PANEL_BLOCKS = {"second_layer": "second_layer", "first_layer": "first_layer"}  # panel -> the run's moments block


def check_config(section: dict, config: dict) -> None:
    for panel, block in PANEL_BLOCKS.items():
        methods = {}
        for case, name in section[panel].items():
            key = f"gross2024_fig9.{panel}.{case}"
            run = check_run(config, key, name, family="two_layer")
            if run["moments"] != block:
                raise ConfigError(f"config key {key}: run {name!r} must keep the window covariance of {block} (moments: {block}), has {run['moments']!r}")
            if len(run_points(run, config["datasets"])) != 1:
                raise ConfigError(f"config key {key}: run {name!r} must have one parameter point (one N_h, one init_scale, one dataset point)")
            methods[case] = run["method"]
        for case, method in methods.items():
            if method != case.split("_")[0]:
                raise ConfigError(f"config key gross2024_fig9.{panel}.{case}: the case {case!r} needs a run with method {case.split('_')[0]}, got {method!r}")
