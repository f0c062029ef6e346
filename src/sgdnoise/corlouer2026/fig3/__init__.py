"""Corlouer et al. 2026, Fig. 3 (Sec. 4.1): diffusion along modes for online SGD (a) and the SDE (1) (b), the empirical
(eta/b) a^T Sigma a (Prop. 3.3) beside Prop. 3.5's D_alpha (Eq. 7) at the observed w_alpha, with the learned bands;
the "200 vs 30 time units" of Sec. 4.1 with the loss summed and averaged over outputs; the SDE's dt halved.

Config section corlouer2026_fig3: the summed-loss runs, the SDE at half dt, the output-averaged runs (eta / d_L), all
from one key. Statistics: corlouer2026.learning; stages.py: summary, claims; plot.py: the figure.
"""

from ...config import ConfigError
from ..checks import check_methods

PAIRED = ("key", "widths", "teacher_singular_values", "init_gamma", "batch_size", "label_noise_variance")  # seeds may differ in number
RELATIVE_SLACK = 1e-9  # decimal rounding of eta / 12 and dt / 2 in config.yaml


def output_width(config: dict, section: dict) -> int:
    """d_L: the averaged loss divides the summed one by it."""
    return config["runs"][section["runs"]["online_sgd"]]["widths"][-1]


def check_config(section: dict, config: dict) -> None:
    summed = check_methods(config, "corlouer2026_fig3.runs", section["runs"], shared=PAIRED + ("learning_rate",))
    averaged = check_methods(config, "corlouer2026_fig3.output_mean", section["output_mean"], shared=PAIRED + ("learning_rate",))
    (half,) = check_methods(config, "corlouer2026_fig3", {"sde": section["half_dt"]}, shared=()).values()
    eta, d_out = summed["online_sgd"]["learning_rate"], output_width(config, section)
    for name, run in ((section["output_mean"]["online_sgd"], averaged["online_sgd"]), (section["half_dt"], half)):
        if any(run[field] != summed["sde"][field] for field in PAIRED):
            raise ConfigError(f"config key runs.{name}: {', '.join(PAIRED)} must equal runs.{section['runs']['sde']}'s (paired seeds)")
    if abs(averaged["online_sgd"]["learning_rate"] * d_out / eta - 1) > RELATIVE_SLACK:
        raise ConfigError(f"config key runs.{section['output_mean']['online_sgd']}.learning_rate: must be eta / d_L = {eta} / {d_out}")
    if half["learning_rate"] != eta or abs(2 * half["dt"] / summed["sde"]["dt"] - 1) > RELATIVE_SLACK:
        raise ConfigError(f"config key runs.{section['half_dt']}: learning_rate {eta} and dt half the sde run's {summed['sde']['dt']} needed")
    if half["n_seeds"] > summed["sde"]["n_seeds"]:
        raise ConfigError(f"config key runs.{section['half_dt']}.n_seeds: {half['n_seeds']} exceeds the sde run's {summed['sde']['n_seeds']} (paired seeds)")
    for method, run in summed.items():
        if not run["record_noise_variance"]:
            raise ConfigError(f"config key runs.{section['runs'][method]}.record_noise_variance: must be true (the figure shows the diffusion)")
