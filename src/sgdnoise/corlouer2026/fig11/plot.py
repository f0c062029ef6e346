"""Corlouer et al. 2026, Fig. 11, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ... import io
from ...plotting import save, theme
from .. import mode_claims as mc
from .. import mode_plots as mp


def render(summary_path: str, outputs: list[str], *, shown_seed: int, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    wide, square = mc.seeds_of(ds, "wide"), mc.seeds_of(ds, "rectangular")
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()
    mp.diffusion_time_panel(axes[0], wide, shown_seed, plot, f"(a) widths {wide.widths.item()}: diffusion, seed {int(wide.seed[shown_seed])}")
    mp.collapsed_panel(axes[1], wide, plot, "(b) widths " + wide.widths.item() + ": diffusion against amplitude")
    mp.modes_panel(axes[2], wide, plot, f"(c) modes, {mc.setting(wide)}")
    mp.collapsed_panel(axes[3], square, plot, "(d) the square network " + square.widths.item() + " (Fig. 1)", marker="s")
    save(fig, outputs, plot["dpi"])
