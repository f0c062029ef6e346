"""Corlouer et al. 2026, Fig. 1 (Sec. 4): mode amplitudes w_alpha(t) under online SGD with Eq. 5's predicted peak and
learning times, and the diffusion along the modes, recorded (Prop. 3.3) and realised, against Eq. 7.

Config section corlouer2026_fig1 names a point of a run and a label-noise run; the statistics are shared
(corlouer2026.modewise, rule corlouer2026_mode_statistics). stages.py: claims; plot.py: the figure.
"""

from ...config import ConfigError
from ..checks import check_mode_run, check_same_settings


def check_config(section: dict, config: dict) -> None:
    run = check_mode_run(config, "corlouer2026_fig1.run", section["run"], section["point"])
    noisy = check_mode_run(config, "corlouer2026_fig1.label_noise_run", section["label_noise_run"])
    if not noisy["label_noise_variance"] or isinstance(noisy["label_noise_variance"], list) or isinstance(noisy["learning_rate"], list):
        raise ConfigError("config key corlouer2026_fig1.label_noise_run: needs one point with label_noise_variance > 0")
    check_same_settings("corlouer2026_fig1.label_noise_run", run, noisy, section["label_noise_run"], ("teacher_singular_values", "init_gamma", "widths"))
    for name in (section["run"], section["label_noise_run"]):
        if section["shown_seed"] >= config["runs"][name]["n_seeds"]:
            raise ConfigError(f"config key corlouer2026_fig1.shown_seed: {section['shown_seed']} is not below run {name!r}'s n_seeds")
