"""Gross et al. 2024, Fig. 5 (Sec. II C): stationary weight fluctuations of a single-layer network.

Config section gross2024_fig5 names two runs (spectrum, input_dimension) and a theory-only dataset (theory_curve).
stages.py: statistics, theory, summaries, claims; plot.py: the figure.
"""

from ...catalogue import check_dataset, check_run
from ...config import ConfigError

SWEEPS = ("spectrum", "input_dimension", "theory_curve")
SIMULATED = ("spectrum", "input_dimension")


def check_config(section: dict, config: dict) -> None:
    runs = {sweep: check_run(config, f"gross2024_fig5.{sweep}", section[sweep]) for sweep in SIMULATED}
    check_dataset(config, "gross2024_fig5.theory_curve", section["theory_curve"])
    for sweep, run in runs.items():
        if run["record"]["kind"] != "window":
            raise ConfigError(f"config key gross2024_fig5.{sweep}: run {section[sweep]!r} must record a stationary window (record.kind: window)")
    for key in ("applicable_threshold", "isotropic_threshold"):
        if section[key] not in section["crossover_thresholds"]:
            raise ConfigError(f"config key gross2024_fig5.{key}: must be one of crossover_thresholds {section['crossover_thresholds']}")
    lr = runs["spectrum"]["learning_rate"]
    if lr not in section["continuum_error_learning_rates"]:
        raise ConfigError(f"config key gross2024_fig5.continuum_error_learning_rates: must contain the spectrum run's learning_rate = {lr}")


def dataset_of(section: dict, config: dict, sweep: str) -> str:
    return section[sweep] if sweep == "theory_curve" else config["runs"][section[sweep]]["dataset"]


def hyperparameters(section: dict, config: dict, sweep: str) -> dict:
    """The run whose learning rate, batch size and sampling the theory of `sweep` uses (the theory curve: spectrum's)."""
    return config["runs"][section["spectrum" if sweep == "theory_curve" else sweep]]
