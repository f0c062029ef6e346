"""Corlouer et al. 2026, Fig. 2 (Sec. 3): saddle-to-saddle dynamics of a depth-6 linear network: training loss of GD and
online SGD (a), of gradient flow and the SDE (1) (b), mode growth and numerical rank under GD (c) and SGD (d).

Config section corlouer2026_fig2 names one deep linear run per method (paired seeds). Statistics:
corlouer2026.learning; stages.py: summary, claims; plot.py: the figure.
"""

from ..checks import check_methods


def check_config(section: dict, config: dict) -> None:
    check_methods(config, "corlouer2026_fig2.runs", section["runs"], shared=("key", "widths", "teacher_singular_values", "init_gamma", "n_seeds",
                                                                            "label_noise_variance", "batch_size", "learning_rate"))
