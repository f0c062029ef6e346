"""Gross et al. 2024, Fig. 5 (Sec. II C): stationary weight fluctuations of a single-layer network.

Config section gross2024_fig5 names two runs (spectrum, input_dimension) and two theory-only datasets (theory_curve,
small_input).
stages.py: statistics, theory, summaries, claims; plot.py: the figure.
"""

from ...catalogue import check_dataset, check_run
from ...config import ConfigError

SWEEPS = ("spectrum", "input_dimension", "theory_curve", "small_input")
THEORY_ONLY = {"theory_curve": "spectrum", "small_input": "input_dimension"}  # theory-only sweep -> run whose hyper-parameters it uses
SIMULATED = ("spectrum", "input_dimension")


def check_config(section: dict, config: dict) -> None:
    runs = {sweep: check_run(config, f"gross2024_fig5.{sweep}", section[sweep]) for sweep in SIMULATED}
    for sweep in THEORY_ONLY:
        check_dataset(config, f"gross2024_fig5.{sweep}", section[sweep])
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
    return section[sweep] if sweep in THEORY_ONLY else config["runs"][section[sweep]]["dataset"]


def hyperparameters(section: dict, config: dict, sweep: str) -> dict:
    """The run whose learning rate, batch size and sampling the theory of `sweep` uses (a theory-only sweep: THEORY_ONLY)."""
    return config["runs"][section[THEORY_ONLY.get(sweep, sweep)]]
