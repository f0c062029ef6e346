"""Config checks and stage arguments shared by the Corlouer figure sections (no numerical code: read at DAG build):
paired runs of several methods (Figs. 2, 3), and online-SGD runs that record both diffusion measures (Figs. 1, 9-11)."""

from __future__ import annotations

from ..catalogue import DEEP_LINEAR_FAMILY, check_run, sweep_points
from ..config import ConfigError

SHARED = ("key", "widths", "teacher_singular_values", "init_gamma", "batch_size", "label_noise_variance", "n_seeds")  # what paired runs share


def check_methods(config: dict, key: str, runs: dict, *, shared=SHARED) -> dict:
    """The deep linear runs {method: run name} of a figure: each of its method, unswept (one point), and all equal
    in `shared` (one network, teacher and seed-stream key, so seed s starts from the same W_l(0) in every run)."""
    found = {}
    for method, name in runs.items():
        run = check_run(config, f"{key}.{method}", name, family=DEEP_LINEAR_FAMILY)
        if run["method"] != method:
            raise ConfigError(f"config key {key}.{method}: run {name!r} has method {run['method']!r}, not {method!r}")
        for sweep in ("learning_rate", "batch_size", "label_noise_variance", "dt"):
            if isinstance(run.get(sweep), list):
                raise ConfigError(f"config key runs.{name}.{sweep}: this figure needs one value, not a sweep")
        found[method] = run
    first_method, first = next(iter(found.items()))
    for method, run in found.items():
        for field in shared:
            if run.get(field) != first.get(field):
                raise ConfigError(f"config key runs.{runs[method]}.{field}: {run.get(field)!r} differs from {first.get(field)!r} of "
                                  f"runs.{runs[first_method]} (the figure's runs must be paired)")
    if len(first["teacher_singular_values"]) < 2 or sorted(first["teacher_singular_values"], reverse=True) != list(first["teacher_singular_values"]):
        raise ConfigError(f"config key runs.{runs[first_method]}.teacher_singular_values: need at least two, in decreasing order")
    return found


def statistics_kwargs(run: dict, section: dict, output_width: int = 1) -> dict:
    """Keyword arguments of corlouer2026.learning:mode_statistics for a run of a figure section."""
    return dict(singular_values=run["teacher_singular_values"], depth=len(run["widths"]) - 1, learning_rate=run["learning_rate"],
                batch_size=run["batch_size"], label_noise_variance=run["label_noise_variance"], learned_fractions=section["learned_fractions"],
                rank_threshold=section["rank_threshold"], output_width=output_width)


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
