"""Corlouer et al. 2026, App. I.2, Fig. 7: the balance r_l of Eq. 33 and its numerator along online SGD, from the
Gaussian and from the balanced start, depths 2 and 4. Config section corlouer2026_fig7 names one run per case
L<depth>_<initialization>; Fig. 8 reads this figure's summary. stages.py: claims; plot.py: the figure."""

import re

from ...config import ConfigError
from ..fig6 import check_balance_run

CASE = re.compile(r"^L(\d+)_(gaussian|balanced)$")


def check_config(section: dict, config: dict) -> None:
    depths: dict[int, set] = {}
    for case, name in section["runs"].items():
        match = CASE.match(case)
        run = check_balance_run(config, f"corlouer2026_fig7.runs.{case}", name, int(match[1]))
        if run.get("initialization", "gaussian") != match[2]:
            raise ConfigError(f"config key corlouer2026_fig7.runs.{case}: run {name!r} has initialization {run.get('initialization', 'gaussian')!r}")
        depths.setdefault(int(match[1]), set()).add(match[2])
    for depth, inits in depths.items():
        if inits != {"gaussian", "balanced"}:
            raise ConfigError(f"config key corlouer2026_fig7.runs: depth {depth} needs both a gaussian and a balanced case")
