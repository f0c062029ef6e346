"""Corlouer et al. 2026, Fig. 7, from the summary: r_l (Eq. 33, solid) and its numerator (dashed) per pair of layers,
Gaussian and balanced start, depths 2 and 4 (Fig. 8 draws the layer norms of the same summary with `panels`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from .stages import case_of, trajectory

TITLES = {"gaussian": "standard initialization", "balanced": "balanced initialization"}


def panels(ds, plot: dict, draw) -> plt.Figure:
    """A (depth x initialization) grid; draw(ax, ds, case, time) fills a panel."""
    theme(plot)
    depths = sorted({int(d) for d in ds.depth.values})
    fig, axes = plt.subplots(len(depths), 2, figsize=(12, 4.3 * len(depths)), constrained_layout=True, squeeze=False)
    letters = iter("abcdefgh")
    for row, depth in enumerate(depths):
        for column, init in enumerate(("gaussian", "balanced")):
            case = case_of(ds, depth, init)
            time = ds.time.sel(case=case).values
            ax = axes[row, column]
            draw(ax, ds, case, time[np.isfinite(time)])
            ax.set_title(f"({next(letters)}) {TITLES[init]}, depth {depth}")
            ax.set_xlabel("$t$")
    return fig


def band(ax, time, values, color, **kw):
    mean, sem = values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])
    ax.plot(time, mean, color=color, **kw)
    ax.fill_between(time, mean - sem, mean + sem, color=color, alpha=0.25, lw=0)


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)

    def draw(ax, ds, case, time):
        ratio, numerator = trajectory(ds, case, "imbalance"), trajectory(ds, case, "imbalance_numerator")
        for l, color in enumerate(sns.color_palette("deep", ratio.shape[-1])):
            band(ax, time, ratio[..., l], color, lw=1.5, label=f"$r_{l + 1}$")
            band(ax, time, numerator[..., l], color, lw=1.2, ls="--", label=f"unnormalised, $l = {l + 1}$")
        later = np.concatenate([ratio[:, 1:].ravel(), numerator[:, 1:].ravel()])
        ax.set_ylim(bottom=0.5 * later.min())  # the balanced start's r_l(0) ~ 1e-16 (rounding) would flatten the rest
        ax.set(yscale="log", ylabel=r"$r_l$ (Eq. 33), numerator $\|W_lW_l^\top - W_{l+1}^\top W_{l+1}\|_F$")
        ax.legend(fontsize="x-small", ncol=2, loc="lower right")

    save(panels(ds, plot, draw), outputs, plot["dpi"])
