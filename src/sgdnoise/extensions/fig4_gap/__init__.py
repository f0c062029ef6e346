"""extensions_fig4_gap (issue 18): Fig. 4's gap between online SGD and the SDE (1) split into the noise's shape (SGD against
Euler-Maruyama at dt = eta, SGD with Gaussianised noise) and discretisation (EM at dt = eta against the dt -> 0
extrapolation), at several horizons, and how fast each law concentrates. stages.py: statistics, summary, claims;
plot.py: the figure. This file holds the config checks only (read at DAG build: no numerical imports)."""

from ...catalogue import DEEP_LINEAR_FAMILY, check_run, sweep_points
from ...config import ConfigError
from ...corlouer2026.laws import check_recorded

# what must agree between online SGD and the EM runs for the laws to be comparable
SHARED = ("widths", "teacher_singular_values", "init_gamma", "learning_rate", "batch_size", "initialization")


def _no_label_noise(run: dict, run_name: str, key: str) -> None:
    if run.get("label_noise_variance", 0.0) > 0:
        raise ConfigError(f"config key {key}: run {run_name!r} has label noise; Fig. 4's laws have none")


def check_config(section: dict, config: dict) -> None:
    name = "extensions_fig4_gap"
    sgd = check_run(config, f"{name}.sgd", section["sgd"], DEEP_LINEAR_FAMILY)
    runs = {section["sgd"]: sgd}
    _no_label_noise(sgd, section["sgd"], f"{name}.sgd")
    if sgd["method"] != "online_sgd":
        raise ConfigError(f"config key {name}.sgd: run {section['sgd']!r} has method {sgd['method']!r}, this figure needs online_sgd")
    for i, run_name in enumerate(section["sde"]):
        run = runs[run_name] = check_run(config, f"{name}.sde[{i}]", run_name, DEEP_LINEAR_FAMILY)
        if run["method"] != "sde":
            raise ConfigError(f"config key {name}.sde[{i}]: run {run_name!r} has method {run['method']!r}, this figure needs sde")
        _no_label_noise(run, run_name, f"{name}.sde[{i}]")
        for key in SHARED:
            if run.get(key) != sgd.get(key):
                raise ConfigError(f"config key {name}.sde[{i}]: run {run_name!r} has {key} = {run.get(key)!r}, the SGD run {section['sgd']!r} {sgd.get(key)!r}")
    dt = dt_values(section, config)
    eta = sgd["learning_rate"]
    if not any(abs(d - eta) <= 1e-12 * eta for d in dt):
        raise ConfigError(f"config key {name}.sde: no point at dt = eta = {eta:g} (the Gaussianised SGD); dt values {dt}")
    if len(set(dt)) != len(dt) or len(dt) < section["extrapolation_order"] + 2:
        raise ConfigError(f"config key {name}.sde: needs at least {section['extrapolation_order'] + 2} distinct dt values (extrapolation of order "
                          f"{section['extrapolation_order']} and its check); got {dt}")
    horizons = section["horizons"]
    if sorted(horizons) != list(horizons):
        raise ConfigError(f"config key {name}.horizons: {horizons} must increase")
    if sorted(section["concentration_horizons"]) != list(section["concentration_horizons"]) or not set(section["concentration_horizons"]) <= set(horizons):
        raise ConfigError(f"config key {name}.concentration_horizons: {section['concentration_horizons']} must increase and be among the horizons {horizons}")
    if section["end_of_training"] not in horizons:
        raise ConfigError(f"config key {name}.end_of_training: {section['end_of_training']} is not one of the horizons {horizons}")
    for run_name, run in runs.items():
        check_recorded(run, run_name, horizons, f"{name}.horizons")


def dt_values(section: dict, config: dict) -> list[float]:
    """The EM step of every point of the section's SDE runs, in the order of sde_points."""
    return [p["dt"] for _, p in sde_points(section, config)]


def sde_points(section: dict, config: dict) -> list[tuple[str, dict]]:
    """(run name, sweep point) of every dt point of the section's SDE runs."""
    return [(name, p) for name in section["sde"] for p in sweep_points(config["runs"][name])]
