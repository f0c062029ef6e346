"""Corlouer et al. 2026, App. I, Fig. 6: cross modes along online SGD at depths 2 and 4, and the cross-mode diffusion
D_ab of Prop. 3.3. Config section corlouer2026_fig6 names one run per depth; the statistics (corlouer2026.balance) are
shared with Figs. 7 and 8. stages.py: claims; plot.py: the figure."""

from ...catalogue import DEEP_LINEAR_FAMILY, check_run
from ...config import ConfigError


def check_balance_run(config: dict, key: str, name: str, depth: int | None = None) -> dict:
    """A deep linear online-SGD run that records its weights (and has the stated depth)."""
    run = check_run(config, key, name, DEEP_LINEAR_FAMILY)
    if not run.get("record_weights", False):
        raise ConfigError(f"config key {key}: run {name!r} must record its weights (record_weights: true)")
    if depth is not None and len(run["widths"]) - 1 != depth:
        raise ConfigError(f"config key {key}: run {name!r} has depth {len(run['widths']) - 1}, not {depth}")
    return run


def check_config(section: dict, config: dict) -> None:
    for case, name in section["runs"].items():
        run = check_balance_run(config, f"corlouer2026_fig6.runs.{case}", name, int(case[1:]))
        if run["method"] != "online_sgd" or run.get("initialization", "gaussian") != "gaussian":
            raise ConfigError(f"config key corlouer2026_fig6.runs.{case}: run {name!r} must be online_sgd from the Gaussian start (App. H)")
    if section["small_threshold"] not in section["small_thresholds"]:
        raise ConfigError("config key corlouer2026_fig6.small_threshold: must be one of small_thresholds")
