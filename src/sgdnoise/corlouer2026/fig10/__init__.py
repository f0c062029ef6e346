"""Corlouer et al. 2026, Fig. 10 (App. J.2): the peak diffusion per mode against the reciprocal batch size, realised
(fitted) and recorded, against Eq. 7. The batch sweep's run plus a reference point with another batch size (the shared
b = 1 point). stages.py: claims; plot.py: the figure."""

from ...catalogue import sweep_points
from ...config import ConfigError
from ..checks import check_mode_run, check_same_settings


def check_config(section: dict, config: dict) -> None:
    run = check_mode_run(config, "corlouer2026_fig10.run", section["run"])
    ref = section["reference"]
    other = check_mode_run(config, "corlouer2026_fig10.reference", ref["run"], ref["point"])
    if not isinstance(run["batch_size"], list) or isinstance(run["learning_rate"], list):
        raise ConfigError(f"config key runs.{section['run']}: Fig. 10 needs a batch_size sweep at one learning rate")
    check_same_settings("corlouer2026_fig10.reference", run, other, ref["run"], ("widths", "teacher_singular_values", "init_gamma", "horizon",
                                                                                  "record_interval", "label_noise_variance"))
    (p,) = [p for p in sweep_points(other) if p["label"] == ref["point"]]
    if p["learning_rate"] != run["learning_rate"] or p["batch_size"] in run["batch_size"]:
        raise ConfigError(f"config key corlouer2026_fig10.reference: point {ref['point']!r} must have the run's learning rate and another batch size")
    if len(run["batch_size"]) + 1 < 3:
        raise ConfigError("config key corlouer2026_fig10: needs at least 3 batch sizes with the reference")
