"""Gross et al. 2024, Fig. 2, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import errorbar, no_minor_labels, save, theme


def render(summary_path: str, outputs: list[str], *, plot: dict, paper_exponent: float) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)

    # (a) N var(Pi_ij) against P/N: the curves for different N collapse
    ax = axes[0]
    s = ds.P_over_N.values
    colors = sns.color_palette(plot["palette"], ds.sizes["projector_N"])
    inset = ax.inset_axes([0.08, 0.08, 0.36, 0.36])
    for i, color in enumerate(colors):
        p = ds.isel(projector_N=i)
        N = int(p.projector_N)
        errorbar(ax, s, N * p.offdiagonal_variance.values, fmt="o", ms=4, color=color, label=f"N = {N}")
        errorbar(ax, s, N * p.diagonal_variance.values, fmt="s", ms=3, mfc="none", color=color, lw=0.8)
        inset.plot(s, p.offdiagonal_variance.mean("seed"), "o-", ms=2, lw=0.8, color=color)
    ax.plot(ds.s, ds.collapsed_offdiagonal_variance, "-", color="k", lw=1, label=r"$(s-1)/s^3$ (exact, $N\to\infty$)")
    anchor = 6.0  # where the exact curve's local slope equals the paper's exponent
    guide = (anchor - 1) / anchor**3 * (ds.s / anchor) ** paper_exponent
    ax.plot(ds.s, guide, "--", color="0.5", lw=1, label=rf"$\propto (P/N)^{{{paper_exponent:g}}}$ (paper)")
    ax.set(xscale="log", yscale="log", xlabel="$s = P/N$", ylabel=r"$N\,\mathrm{var}(\mathcal{P}_{ij})$",
           title=r"(a) $\mathcal{P} = X^+X$: off-diagonal (filled), diagonal (open)")
    ax.legend(fontsize="x-small", loc="upper right")
    inset.set(xscale="log", yscale="log")
    inset.set_title(r"unscaled var$(\mathcal{P}_{ij})$", fontsize="x-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(ax, inset)

    # (b) sorted diagonal entries of K against the squared-Gaussian approximation
    ax = axes[1]
    Ps = ds.P.values
    colors = sns.color_palette(plot["palette"], len(Ps))
    for i, (P, color) in enumerate(zip(Ps, colors)):
        curve = ds.sorted_noise_matrix.isel(P=i).values[:P]
        ax.plot((np.arange(P) + 0.5) / P, curve, "-", color=color, label=f"P = {P}")
    ax.plot(ds.tail_probability, ds.squared_gaussian_quantile, ":", color="k", lw=1.5, label=r"$K^{\mu\mu} = (\epsilon^\mu)^2$")
    ax.set(xscale="log", yscale="log", ylim=(1e-3, None), xlabel=r"rank$/P$",
           ylabel=r"$P K^{\mu\mu} / \sigma_\epsilon^2$, descending",
           title=f"(b) $N = {int(ds.N)}$, mean over {ds.sizes['realization']} realizations")
    ax.legend(fontsize="x-small", loc="lower left")
    save(fig, outputs, plot["dpi"])
