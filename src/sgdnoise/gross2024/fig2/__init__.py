"""Gross et al. 2024, Fig. 2 (Sec. II B 2): the random matrices behind the SGD noise covariance (Monte Carlo, no SGD).

Config section gross2024_fig2. stages.py: statistics, theory, summary, claims; plot.py: the figure.
"""

from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    for N in section["projector"]["N"]:
        for ratio in section["projector"]["P_over_N"]:
            if abs(ratio * N - round(ratio * N)) > 1e-9:
                raise ConfigError(f"config key gross2024_fig2.projector.P_over_N: {ratio} x N = {ratio * N} is not a whole number of samples (N = {N})")
    if min(section["noise_matrix"]["P"]) <= section["noise_matrix"]["N"]:
        raise ConfigError(f"config key gross2024_fig2.noise_matrix.P: K is zero unless P > N = {section['noise_matrix']['N']}")
