"""Gross et al. 2024, Fig. 4 (Sec. II B 3): relaxation of the weight modes and of the loss.

Config section gross2024_fig4 names one run (record kind log_time): SGD repeatedly on one data realization, the
figure's; `settling` runs SGD on the first realizations of the same dataset, for the settling claim and the pooled
mode test. stages.py: statistics, theory, summary, claims; plot.py: the figure.
"""

from ...catalogue import check_run, dataset_points
from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    run = check_run(config, "gross2024_fig4.run", section["run"])
    if run["record"]["kind"] != "log_time":
        raise ConfigError(f"config key gross2024_fig4.run: run {section['run']!r} must record on a logarithmic time grid (record.kind: log_time)")
    points = dataset_points(config["datasets"][run["dataset"]])
    if len(points) != 1:
        raise ConfigError(f"config key gross2024_fig4.run: dataset {run['dataset']!r} must have one parameter point, has {len(points)}")
    N, P = points[0]["N"], points[0]["P"]
    if max(section["modes"]) >= N:
        raise ConfigError(f"config key gross2024_fig4.modes: mode {max(section['modes'])} does not exist for N = {N}")
    if N >= P:
        raise ConfigError(f"config key datasets.{run['dataset']}.N: {N} must be below P = {P} for Fig. 4 (no relaxation to a noisy state otherwise)")
    settling = section["settling"]
    n_data = config["datasets"][run["dataset"]]["n_seeds"]
    if settling["realizations"] > n_data:
        raise ConfigError(f"config key gross2024_fig4.settling.realizations: {settling['realizations']} exceeds the dataset's {n_data} realizations")
    if run["record"]["realization"] >= settling["realizations"]:
        raise ConfigError("config key gross2024_fig4.run: the shown realization must be one of the settling realizations (their median-L* one)")
    noiseless = check_run(config, "gross2024_fig4.noiseless_run", section["noiseless_run"])
    noiseless_data = config["datasets"][noiseless["dataset"]]
    if noiseless["record"]["kind"] != "log_time" or len(dataset_points(noiseless_data)) != 1 or noiseless_data["label_noise_variance"] != 0:
        raise ConfigError(f"config key gross2024_fig4.noiseless_run: run {section['noiseless_run']!r} must record on a log-time grid, on one point with label_noise_variance 0")
