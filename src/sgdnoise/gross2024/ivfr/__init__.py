"""Gross et al. 2024, Sec. III C 3: the inverse variance-flatness relation M22_ii ~ F_i^(-psi) swept over init_scale and
n_hidden, and the conservation law (3.6) of Sec. III A under gradient flow and SGD.

Config section gross2024_ivfr names one two_layer run whose init_scale and n_hidden lists are the sweep. stages.py:
the conservation-law functions, psi fits, statistics, summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    run = check_run(config, "gross2024_ivfr.run", section["run"], family="two_layer")
    if run.get("method", "sgd") != "sgd":
        raise ConfigError(f"config key runs.{section['run']}.method: the IVFR is measured on SGD (sgd), not {run['method']!r}")
    if run.get("moments", "all") not in ("all", "second_layer"):
        raise ConfigError(f"config key runs.{section['run']}.moments: cov(dW2) needs moments: second_layer (or all), not {run['moments']!r}")
    bins = section["ratio_bins"]
    if any(b >= a for b, a in zip(bins, bins[1:])):
        raise ConfigError(f"config key gross2024_ivfr.ratio_bins: {bins} must increase strictly")
    lower, upper = section["comparable_ratio"]
    if not lower < upper:
        raise ConfigError(f"config key gross2024_ivfr.comparable_ratio: lower {lower} must be below upper {upper}")
