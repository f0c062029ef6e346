"""Corlouer et al. 2026, Fig. 2, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from .stages import NAMES

SHOWN_SEED = 0  # the run drawn boldly (the paper shows one); the other seeds faintly
LOSS_FLOOR = 0.05  # loss axis down to 5 % of the last plateau: the final fall to ~1e-8 would squeeze the plateaus


def _case(ds, case):
    return ds.sel(case=case).dropna("seed", how="all").dropna("time", how="all")


def _loss_panel(ax, ds, cases, colors, title):
    for case, color in zip(cases, colors):
        c = _case(ds, case)
        t = c.time.values
        for seed in c.seed.values:
            bold = seed == c.seed.values[SHOWN_SEED]
            ax.plot(t, c.loss.sel(seed=seed), color=color, lw=1.4 if bold else 0.5, alpha=1 if bold else 0.35,
                    label=NAMES[case] if bold else None)
        for k in c.rank_time.isel(seed=SHOWN_SEED).values:
            if np.isfinite(k):
                ax.axvline(k, color=color, ls=":", lw=0.8)
    last_plateau = 0.5 * float(ds.singular_value.min()) ** 2  # the loss with only the smallest mode left to learn
    ax.set(yscale="log", ylim=(LOSS_FLOOR * last_plateau, None), xlabel="$t$", ylabel="loss", title=title)
    ax.legend(fontsize="x-small")


def _mode_panel(ax, ds, case, colors, title, rank_threshold):
    c = _case(ds, case)
    t = c.time.values
    shown = c.isel(seed=SHOWN_SEED)
    for a, color in zip(c.mode.values, colors):
        s = float(c.singular_value[a])
        for seed in c.seed.values[1:]:
            ax.plot(t, c.mode_amplitude.sel(seed=seed, mode=a), color=color, lw=0.5, alpha=0.3)
        ax.plot(t, shown.mode_amplitude.sel(mode=a), color=color, lw=1.5, label=f"$s = {s:g}$")
        ax.axhline(s, color=color, ls="--", lw=0.6)
    twin = ax.twinx()
    twin.step(t, shown.numerical_rank, where="post", color="k", lw=1, label=f"numerical rank (> {rank_threshold:g})")
    twin.set(ylabel="numerical rank", ylim=(-0.2, c.sizes["mode"] + 0.5))
    twin.grid(False)
    ax.set(xlabel="$t$", ylabel=r"mode amplitude $w_\alpha$", title=title)
    ax.legend(fontsize="x-small", loc="center right")
    twin.legend(fontsize="x-small", loc="lower right")


def render(summary_path: str, outputs: list[str], *, plot: dict, rank_threshold: float) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), constrained_layout=True)
    pair = sns.color_palette("deep", 2)
    _loss_panel(axes[0, 0], ds, ["gd", "online_sgd"], pair, "(a) discrete optimizers")
    _loss_panel(axes[0, 1], ds, ["gradient_flow", "sde"], pair, "(b) continuous limits (gradient flow, Euler-Maruyama of SDE 1)")
    colors = sns.color_palette(plot["palette"], ds.sizes["mode"])
    _mode_panel(axes[1, 0], ds, "gd", colors, "(c) mode growth, GD", rank_threshold)
    _mode_panel(axes[1, 1], ds, "online_sgd", colors, "(d) mode growth, online SGD", rank_threshold)
    fig.suptitle(f"depth {ds.attrs['depth']}; bold: seed {SHOWN_SEED}, faint: the other seeds; dotted: times the numerical rank rises (bold seed)",
                 fontsize="small")
    save(fig, outputs, plot["dpi"])
