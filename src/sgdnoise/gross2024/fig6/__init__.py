"""Gross et al. 2024, Fig. 6 (Sec. II C 2): the loss perturbed along eigenvectors of the weight covariance.

Config section gross2024_fig6 names one run per case (iid, wishart, random_labels). stages.py: statistics, theory,
summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run, dataset_points
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    for case, name in section["cases"].items():
        run = check_run(config, f"gross2024_fig6.cases.{case}", name)
        if run["record"]["kind"] != "window":
            raise ConfigError(f"config key gross2024_fig6.cases.{case}: run {name!r} must record a stationary window (record.kind: window)")
        points = dataset_points(config["datasets"][run["dataset"]])
        if len(points) != 1:
            raise ConfigError(f"config key gross2024_fig6.cases.{case}: dataset {run['dataset']!r} must have one parameter point, has {len(points)}")
        if points[0]["N"] >= points[0]["P"]:
            raise ConfigError(f"config key datasets.{run['dataset']}.N: {points[0]['N']} must be below P = {points[0]['P']} (no fluctuations otherwise)")
