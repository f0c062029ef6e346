"""Corlouer et al. 2026, Fig. 11 (App. J.4): diffusion along the modes of a network with wider hidden layers, recorded
and realised against Eq. 7, beside the square network. stages.py: claims; plot.py: the figure."""

from ...config import ConfigError
from ..checks import check_mode_run, check_same_settings


def check_config(section: dict, config: dict) -> None:
    run = check_mode_run(config, "corlouer2026_fig11.run", section["run"])
    rect = section["rectangular"]
    other = check_mode_run(config, "corlouer2026_fig11.rectangular", rect["run"], rect["point"])
    if any(isinstance(run.get(k), list) for k in ("learning_rate", "batch_size", "label_noise_variance")):
        raise ConfigError(f"config key runs.{section['run']}: Fig. 11 needs one point")
    widths, square = run["widths"], other["widths"]
    if (widths[0], widths[-1], len(widths)) != (square[0], square[-1], len(square)) or widths == square:
        raise ConfigError("config key corlouer2026_fig11: the runs must share depth, input and output widths and differ in the hidden widths")
    check_same_settings("corlouer2026_fig11.rectangular", run, other, rect["run"], ("teacher_singular_values", "init_gamma", "horizon"))
    if section["shown_seed"] >= run["n_seeds"]:
        raise ConfigError(f"config key corlouer2026_fig11.shown_seed: {section['shown_seed']} is not below n_seeds")
