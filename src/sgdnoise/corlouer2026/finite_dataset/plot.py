"""Corlouer et al. 2026, App. G figure, from the summary: the measured finite-population factor against b."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ... import io
from ...plotting import save, theme
from ..fig6.stages import mean_sem
from .stages import finite_population_factor, measured_factor

STYLE = {"without": dict(marker="o", color="C0"), "with": dict(marker="s", color="C3")}


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    n = int(ds.attrs["dataset_size"])
    b = ds.batch_size.values
    grid = np.linspace(1, n, 200)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    for sampling in ("without", "with"):
        factor = measured_factor(ds, sampling)
        mean, sem = mean_sem(factor * b)
        axes[0].errorbar(b, mean, yerr=sem, ls="none", capsize=2, ms=5, label=f"measured, {sampling} replacement", **STYLE[sampling])
        positive = b < n if sampling == "without" else b > 0
        mean, sem = mean_sem(factor[:, positive])
        axes[1].errorbar(b[positive], mean, yerr=sem, ls="none", capsize=2, ms=5, label=f"measured, {sampling} replacement", **STYLE[sampling])
        c = ds.sel(sampling=sampling)
        expected = finite_population_factor(n, b) if sampling == "without" else 1.0 / b
        ratio = (c.batch_noise / c.population_noise).mean("probe").values[:, positive] / expected[positive]
        mean, sem = mean_sem(ratio)
        axes[2].errorbar(b[positive], mean, yerr=sem, ls="none", capsize=2, ms=5, label=f"{sampling} replacement", **STYLE[sampling])
    axes[0].plot(grid, (n - grid) / (n - 1), "-", color="C0", lw=1, label="$(N-b)/(N-1)$ (App. G)")
    axes[0].axhline(1.0, color="C3", lw=1, label="$1$ (with replacement, online)")
    axes[0].set(xlabel="batch size $b$", ylabel=r"$b\,\mathrm{tr}\,\Sigma_b / \mathrm{tr}\,\Sigma_N$",
                title=f"(a) finite-population factor times $b$, $N = {n}$")
    axes[1].plot(grid[:-1], finite_population_factor(n, grid[:-1]), "-", color="C0", lw=1, label="$(N-b)/(b(N-1))$")
    axes[1].plot(grid, 1 / grid, "--", color="C3", lw=1, label="$1/b$")
    axes[1].set(xscale="log", yscale="log", xlabel="batch size $b$", ylabel=r"$\mathrm{tr}\,\Sigma_b / \mathrm{tr}\,\Sigma_N$", title="(b) the factor")
    axes[2].axhline(1.0, color="k", lw=1)
    axes[2].set(xscale="log", xlabel="batch size $b$", ylabel=r"$\mathrm{tr}\,\Sigma_b$ / (factor $\times$ Prop. 3.2)",
                title="(c) against Prop. 3.2's population $\\Sigma$ (App. G.2)")
    for ax in axes:
        ax.legend(fontsize="x-small")
    save(fig, outputs, plot["dpi"])
