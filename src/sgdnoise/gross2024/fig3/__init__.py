"""Gross et al. 2024, Fig. 3 (Sec. II B 2): the gradient-noise covariance C of SGD.

Config section gross2024_fig3 names one run: theory at every point of its dataset, C measured from SGD at the run's
points. stages.py: statistics, theory, summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run, dataset_points
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    run = check_run(config, "gross2024_fig3.run", section["run"])
    if run["record"]["kind"] != "window":
        raise ConfigError(f"config key gross2024_fig3.run: run {section['run']!r} must record a stationary window (record.kind: window)")
    ratios = {p["P_over_N"] for p in dataset_points(config["datasets"][run["dataset"]])}
    missing = sorted(set(section["hessian_P_over_N"]) - ratios)
    if missing:
        raise ConfigError(f"config key gross2024_fig3.hessian_P_over_N: {missing} not among the P/N of dataset {run['dataset']}")
    if section["heatmap_P_over_N"] not in ratios:
        raise ConfigError(f"config key gross2024_fig3.heatmap_P_over_N: {section['heatmap_P_over_N']} not among the P/N of dataset {run['dataset']}")
