"""Corlouer et al. 2026, Fig. 9, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ... import io
from ...plotting import save, theme
from .. import mode_plots as mp


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    band = mp.sweep_panels(axes, ds, np.asarray(ds.learning_rate.values, dtype=float), "learning rate $\\eta$ ($b = 1$)", plot)
    fig.suptitle(f"Peak diffusion (pooled over $w/s \\in [{band[0]:g}, {band[1]:g}]$) against the learning rate, "
                 f"{ds.sizes['seed']} seeds per point", fontsize="small")
    save(fig, outputs, plot["dpi"])
