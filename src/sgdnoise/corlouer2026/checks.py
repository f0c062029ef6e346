"""Config checks shared by the Corlouer figures that read mode statistics (no numerical imports: read at DAG build)."""

from __future__ import annotations

from ..catalogue import DEEP_LINEAR_FAMILY, check_run, sweep_points
from ..config import ConfigError

SHARED_SETTINGS = ("method", "teacher_singular_values", "init_gamma", "horizon", "record_interval", "label_noise_variance")


def check_mode_run(config: dict, key: str, name: str, point: str | None = None) -> dict:
    """The online-SGD deep linear run `name` (and its `point`, if given), recording both diffusion measures."""
    run = check_run(config, key, name, DEEP_LINEAR_FAMILY)
    if run["method"] != "online_sgd" or not run.get("record_noise_variance") or not run.get("record_increments"):
        raise ConfigError(f"config key {key}: run {name!r} must be online_sgd with record_noise_variance and record_increments")
    if run.get("trace_interval", run["record_interval"]) != run["record_interval"]:
        raise ConfigError(f"config key runs.{name}.trace_interval: must equal record_interval (every interval's increments are kept)")
    labels = [p["label"] for p in sweep_points(run)]
    if point is not None and point not in labels:
        raise ConfigError(f"config key {key}: run {name!r} has no point {point!r} (points: {', '.join(labels)})")
    return run


def check_same_settings(key: str, run: dict, other: dict, name: str, settings=SHARED_SETTINGS) -> None:
    """Two runs a figure puts on one axis must differ only in the swept quantity."""
    for setting in settings:
        if run.get(setting) != other.get(setting):
            raise ConfigError(f"config key {key}: run {name!r} has {setting} = {other.get(setting)!r}, the figure's run {run.get(setting)!r}")
