"""Gross et al. 2024, Table 1 and App. C: under- and overparameterized properties, with and without replacement.

Config section gross2024_table1 names two runs on one dataset (one N below and one above P, two noise levels), and
the runs whose common point measures the multiplicative-noise correction at several lambda/S.
stages.py: statistics, theory, summary, multiplicative correction, claims; plot.py: the table.
"""

from ...catalogue import check_run, dataset_points, run_points
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
    multiplicative_point(section, config)


def multiplicative_point(section: dict, config: dict) -> str:
    """The point of the Table 1 dataset at which the runs of multiplicative_runs are compared: of the N < P points that
    all of them simulate, the one with the largest label noise (the smallest relative error of tr M)."""
    key = "gross2024_table1.multiplicative_runs"
    runs = [check_run(config, key, name) for name in section["multiplicative_runs"]]
    if any(run["dataset"] != config["runs"][section["with_replacement"]]["dataset"] or run["record"]["kind"] != "window" for run in runs):
        raise ConfigError(f"config key {key}: every run must use the dataset of {section['with_replacement']!r} and record.kind: window")
    if len({(run["learning_rate"], run["batch_size"], run["minibatch_replacement"]) for run in runs}) < 2:
        raise ConfigError(f"config key {key}: needs at least two different (learning_rate, batch_size, minibatch_replacement)")
    common = [p for p in run_points(runs[0], config["datasets"]) if p["N"] < p["P"] and all(p in run_points(r, config["datasets"]) for r in runs[1:])]
    if not common:
        raise ConfigError(f"config key {key}: the runs share no point with N < P (restrict them with points:)")
    return max(common, key=lambda p: p["label_noise_variance"])["label"]


def points(section: dict, config: dict) -> list[dict]:
    return dataset_points(config["datasets"][config["runs"][section["with_replacement"]]["dataset"]])
