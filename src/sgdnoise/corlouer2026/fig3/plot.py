"""Corlouer et al. 2026, Fig. 3, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from ...statistics import mean_and_sem
from .stages import NORMALISATIONS, all_learned_time

SHOWN_SEED = 0  # the run whose diffusion is drawn (the paper shows one); bands: that run's learned bands
LOG_RANGE = 1e-4  # the diffusion panels show four decades below the largest value (mode s = 0.4 peaks ~100x below s = 1)
TITLES = {"online_sgd": "online SGD", "sde": "Euler-Maruyama of SDE (1)"}


def _case(ds, case):
    return ds.sel(case=case).dropna("seed", how="all").dropna("time", how="all")


def _diffusion_row(axes, ds, case, colors, letter):
    c = _case(ds, case)
    shown = c.isel(seed=SHOWN_SEED)
    t = c.time.values
    for ax, variable, what in ((axes[0], "diffusion_empirical", r"empirical $\eta a_\alpha^\top\Sigma a_\alpha / b$"),
                               (axes[1], "diffusion_eq7", r"Prop. 3.5, Eq. 7 at the observed $w_\alpha$")):
        for a, color in zip(c.mode.values, colors):
            ax.axvspan(float(shown.band_start[a]), float(shown.learning_time[a]), color=color, alpha=0.15, lw=0)
            ax.plot(t, shown[variable].sel(mode=a), color=color, lw=1.3, label=rf"$s = {float(c.singular_value[a]):g}$")
            ax.plot(float(shown[f"peak_time_{variable.split('_')[1]}"][a]), float(shown[f"peak_{variable.split('_')[1]}"][a]), "*", color=color, ms=9)
        top = float(np.nanmax(c[variable].values))
        ax.set(xlabel="$t$", ylabel=r"$D_\alpha$", yscale="log", ylim=(top * LOG_RANGE, top * 2), title=f"({letter}) {TITLES[case]}: {what}")
        ax.legend(fontsize="x-small")
    ax = axes[2]
    for a, color in zip(c.mode.values, colors):
        z = (c.mode_amplitude.sel(mode=a) / c.singular_value[a]).values
        for seed in range(c.sizes["seed"]):
            ax.plot(z[seed], c.diffusion_empirical.sel(mode=a).values[seed], color=color, lw=0.5, alpha=0.3)
        ax.plot(z[SHOWN_SEED], c.diffusion_eq7.sel(mode=a).values[SHOWN_SEED], "--", color=color, lw=1.3)
    top = float(np.nanmax(c.diffusion_eq7.values))
    ax.set(xlabel=r"$w_\alpha / s_\alpha$", ylabel=r"$D_\alpha$", xlim=(0, 1.05), yscale="log", ylim=(top * LOG_RANGE, top * 2),
           title=f"({letter}) against amplitude: empirical (every seed), Eq. 7 (dashed)")


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig = plt.figure(figsize=(15, 11), constrained_layout=True)
    grid = fig.add_gridspec(3, 3, height_ratios=[1, 1, 0.8])
    colors = sns.color_palette(plot["palette"], ds.sizes["mode"])
    for row, (case, letter) in enumerate((("online_sgd", "a"), ("sde", "b"))):
        _diffusion_row([fig.add_subplot(grid[row, k]) for k in range(3)], ds, case, colors, letter)
    ax = fig.add_subplot(grid[2, :2])
    labels, means, sems = [], [], []
    for case in ("online_sgd", "sde", "online_sgd_output_mean", "sde_output_mean", "sde_half_dt"):
        times = all_learned_time(_case(ds, case))
        m, e = mean_and_sem(times[np.isfinite(times)])
        labels.append(case.replace("online_sgd", "SGD").replace("sde", "SDE").replace("_output_mean", ", loss / d_L").replace("_half_dt", ", dt / 2"))
        means.append(m)
        sems.append(e)
    ax.bar(labels, means, yerr=sems, capsize=3, color=sns.color_palette("deep", len(labels)))
    for value, name in ((200, "paper: SGD 200"), (30, "paper: SDE 30")):
        ax.axhline(value, ls="--", color="k", lw=0.8)
        ax.text(len(labels) - 0.5, value, name, va="bottom", ha="right", fontsize="x-small")
    ax.set(yscale="log", ylabel="time to learn all modes", title="(c) time to learn all modes (mean +- SE over seeds): the 200-vs-30 test")
    ax = fig.add_subplot(grid[2, 2])
    ax.axis("off")
    ax.text(0, 0.5, "\n".join(f"{k}: {v[2]}" for k, v in NORMALISATIONS.items()), fontsize="x-small", wrap=True, va="center")
    fig.suptitle(f"depth {ds.attrs['depth']}; shaded: learned bands of seed {SHOWN_SEED}; stars: peaks", fontsize="small")
    save(fig, outputs, plot["dpi"])
