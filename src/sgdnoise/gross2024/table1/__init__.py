"""Gross et al. 2024, Table 1 and App. C: under- and overparameterized properties, with and without replacement.

Config section gross2024_table1 names two runs on one dataset (one N below and one above P, two noise levels).
stages.py: statistics, theory, summary, claims; plot.py: the table.
"""

from ...catalogue import check_run, dataset_points
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    with_run = check_run(config, "gross2024_table1.with_replacement", section["with_replacement"])
    without_run = check_run(config, "gross2024_table1.without_replacement", section["without_replacement"])
    for key, run, replacement in (("with_replacement", with_run, True), ("without_replacement", without_run, False)):
        if run["minibatch_replacement"] is not replacement or run["record"]["kind"] != "window":
            raise ConfigError(f"config key gross2024_table1.{key}: run {section[key]!r} must have minibatch_replacement: {str(replacement).lower()} and record.kind: window")
    if with_run["dataset"] != without_run["dataset"]:
        raise ConfigError(f"config key gross2024_table1.without_replacement: run {section['without_replacement']!r} must use the dataset of the with-replacement run ({with_run['dataset']!r})")
    points = dataset_points(config["datasets"][with_run["dataset"]])
    Ns, Ps, variances = ({p[k] for p in points} for k in ("N", "P", "label_noise_variance"))
    (P,) = Ps if len(Ps) == 1 else (None,)
    if P is None or sorted(N < P for N in Ns) != [False, True]:
        raise ConfigError(f"config key datasets.{with_run['dataset']}.N: {sorted(Ns)} needs one N below and one above P = {sorted(Ps)}")
    if len(variances) != 2:
        raise ConfigError(f"config key datasets.{with_run['dataset']}.label_noise_variance: Table 1 compares two noise levels, got {sorted(variances)}")


def points(section: dict, config: dict) -> list[dict]:
    return dataset_points(config["datasets"][config["runs"][section["with_replacement"]]["dataset"]])
