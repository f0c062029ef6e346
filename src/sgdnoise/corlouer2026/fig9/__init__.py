"""Corlouer et al. 2026, Fig. 9 (App. J.1): the peak diffusion per mode against the learning rate, realised (fitted) and
recorded, against Eq. 7 (D_max linear in beta = eta / b). stages.py: claims; plot.py: the figure."""

from ...config import ConfigError
from ..checks import check_mode_run


def check_config(section: dict, config: dict) -> None:
    run = check_mode_run(config, "corlouer2026_fig9.run", section["run"])
    if not isinstance(run["learning_rate"], list) or len(run["learning_rate"]) < 3:
        raise ConfigError(f"config key runs.{section['run']}.learning_rate: Fig. 9 needs a sweep of at least 3 learning rates")
    if any(isinstance(run.get(k), list) for k in ("batch_size", "label_noise_variance")):
        raise ConfigError(f"config key runs.{section['run']}: Fig. 9 sweeps the learning rate only")
