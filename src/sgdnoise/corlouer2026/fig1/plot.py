"""Corlouer et al. 2026, Fig. 1, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ... import io
from ...plotting import save, theme
from .. import mode_claims as mc
from .. import mode_plots as mp


def render(summary_path: str, outputs: list[str], *, shown_seed: int, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    c, noisy = mc.seeds_of(ds, "no_label_noise"), mc.seeds_of(ds, "label_noise")
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()
    mp.modes_panel(axes[0], c, plot, f"(a) modes, {mc.setting(c)}")
    mp.diffusion_time_panel(axes[1], c, shown_seed, plot, f"(b) diffusion along the modes, seed {int(c.seed[shown_seed])}")
    mp.collapsed_panel(axes[2], c, plot, "(c) diffusion against amplitude, all seeds (mean +- SE per bin)")
    mp.plateau_panel(axes[3], noisy, plot, f"(d) with label noise $\\sigma_q^2 = {float(noisy.label_noise_variance):g}$ (C3, Eq. 10)")
    save(fig, outputs, plot["dpi"])
