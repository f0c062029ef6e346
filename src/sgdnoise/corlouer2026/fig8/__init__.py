"""Corlouer et al. 2026, App. I.2, Fig. 8: Frobenius norms of every layer for the runs of Fig. 7, read from Fig. 7's
summary (nothing simulated again). stages.py: claims; plot.py: the figure."""

from ...config import ConfigError


def check_config(section: dict, config: dict) -> None:
    if "corlouer2026_fig7" not in config:
        raise ConfigError("config key corlouer2026_fig8: needs the section corlouer2026_fig7 (Fig. 8 reads its runs)")
