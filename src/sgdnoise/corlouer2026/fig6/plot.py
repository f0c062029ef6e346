"""Corlouer et al. 2026, Fig. 6, from the summary (no simulation here): cross modes along SGD at depths 2 and 4 (top),
the cross-mode diffusion correlation D_ab / sqrt(D_aa D_bb) of the teacher's modes (bottom)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from .stages import case_arrays, cross_mode_statistics, off_diagonal


def render(summary_path: str, outputs: list[str], *, learned_band: list[float], named: int, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    s = ds.singular_value.values
    fig, axes = plt.subplots(2, ds.sizes["case"], figsize=(6.5 * ds.sizes["case"], 8.5), constrained_layout=True, squeeze=False)
    mode_colors = sns.color_palette("deep", len(s))
    for column, case in enumerate(ds.case.values):
        depth = int(ds.depth.sel(case=case))
        time, modes, diffusion = case_arrays(ds, case)
        peak, _, windows = cross_mode_statistics(time, modes, s, learned_band)
        size = off_diagonal(np.abs(modes)).mean(axis=0)  # seed-mean |w_ab(t)|
        ax = axes[0, column]
        for a in range(size.shape[1]):
            for b in range(size.shape[2]):
                if a != b:
                    ax.plot(time, size[:, a, b], color="0.75", lw=0.5, zorder=1)
        mean_peak = np.nanmean(peak, axis=0)
        order = [np.unravel_index(k, mean_peak.shape) for k in np.argsort(-np.nan_to_num(mean_peak, nan=-1.0), axis=None)[:named]]
        for (a, b), color in zip(order, sns.color_palette("dark", named)):
            ax.plot(time, size[:, a, b], color=color, lw=1.6, label=f"$w_{{{a}{b}}}$", zorder=3)
        for m, color in enumerate(mode_colors):
            ax.axvspan(*windows[m], color=color, alpha=0.15, lw=0, label=f"mode {m} learned ({learned_band[0]:g}-{learned_band[1]:g} $s$)")
        ax.set(xlabel="$t$", ylabel=r"$|u_a^\top W v_b|$ (mean over seeds)",
               title=f"({'ab'[column]}) depth {depth}: cross modes, {modes.shape[0]} seeds (grey: all {size.shape[1] * (size.shape[1] - 1)})")
        ax.legend(fontsize="x-small", ncol=2, loc="upper right")
        if depth > 2:
            ax.set_xlim(0, min(float(time[-1]), 2 * float(np.nanmax(windows))))
        ax = axes[1, column]
        diag = np.einsum("stii->sti", diffusion)
        rho = off_diagonal(diffusion / np.sqrt(diag[..., :, None] * diag[..., None, :]))
        for a in range(len(s)):
            for b in range(a + 1, len(s)):
                ax.plot(time, np.abs(rho[:, :, a, b]).mean(axis=0), lw=1.4, label=rf"$|\rho_{{{a}{b}}}|$")
        for m, color in enumerate(mode_colors):
            ax.axvline(time[int(np.median(np.argmax(diag[:, :, m], axis=1)))], color=color, ls="--", lw=1,
                       label=f"peak of $D_{{{m}{m}}}$ (median seed)")
        ax.set(xlabel="$t$", ylabel=r"$|D_{ab}| / \sqrt{D_{aa} D_{bb}}$ (mean over seeds)", ylim=(0, 1),
               title=f"({'cd'[column]}) depth {depth}: cross-mode diffusion (Prop. 3.3); 0 when aligned")
        if depth > 2:
            ax.set_xlim(axes[0, column].get_xlim())
        ax.legend(fontsize="x-small", loc="upper right")
    save(fig, outputs, plot["dpi"])
