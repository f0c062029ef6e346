"""Corlouer et al. 2026, Fig. 10, rendered from the summary (no simulation here)."""

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
    eta = float(np.unique(ds.learning_rate.values)[0])
    band = mp.sweep_panels(axes, ds, 1.0 / np.asarray(ds.batch_size.values, dtype=float), f"reciprocal batch size $1/b$ ($\\eta = {eta:g}$)", plot)
    fig.suptitle(f"Peak diffusion (pooled over $w/s \\in [{band[0]:g}, {band[1]:g}]$) against $1/b$, {ds.sizes['seed']} seeds per point",
                 fontsize="small")
    save(fig, outputs, plot["dpi"])
