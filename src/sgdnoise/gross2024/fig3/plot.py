"""Gross et al. 2024, Fig. 3, rendered from the summary (no simulation here). Top row: the paper's panels; bottom row:
what the claim rows test (residuals of SGD against (2.17), the approach to (2.20) on a curve, the off-diagonal share)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

from ... import io
from ...plotting import no_minor_labels, save, theme
from ...statistics import mean_and_sem
from .stages import THRESHOLDS, additive_residuals, spectral_deviation


def band(ax, x, samples, color, **kw):
    """Mean over realizations (first axis) as a line, its standard error as a shaded band."""
    mean, sem = mean_and_sem(samples)
    ax.fill_between(x, mean - sem, mean + sem, color=color, alpha=0.3, lw=0)
    return ax.plot(x, mean, color=color, **kw)


def ratio_ticks(ax, ratios) -> None:
    """Plain-number ticks on a log P/N axis (it may span less than a decade)."""
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if ratios.min() <= t * 1.05 and t <= ratios.max() * 1.05]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    no_minor_labels(ax)


def render(summary_path: str, outputs: list[str], *, plot: dict, hessian_P_over_N: list[float], heatmap_P_over_N: float) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(2, 3, figsize=(16, 9.6), constrained_layout=True)
    rank = ds.mode.values + 1
    norm = ds.normalization.values  # sigma_x^2 sigma_eps^2 / S for every point
    N, n_seeds = int(ds.N), ds.sizes["seed"]
    ylabel = r"eigenvalue of $C$ / $(\sigma_x^2\sigma_\epsilon^2/S)$"
    styles = lambda first, second: [Line2D([], [], color="0.3", ls="-", label=first), Line2D([], [], color="0.3", ls="--", label=second)]  # noqa: E731

    # (a) C measured from SGD (first realization) against Eq. (2.17), mean +- SE over realizations, one colour per P/N
    ax = axes[0, 0]
    simulated = np.flatnonzero(ds.simulated.values)
    sim_colors = sns.color_palette(plot["palette"], len(simulated))
    for i, color in zip(simulated, sim_colors):
        p = ds.isel(point=i)
        ax.plot(rank, p.sgd_noise_eigenvalues.isel(seed=0) / norm[i], "-", color=color, lw=1.2, label=f"P/N = {float(p.P_over_N):g}")
        band(ax, rank, p.noise_eigenvalues.values / norm[i], color, ls="--", lw=1)
    ax.set(yscale="log", xlabel="rank $k$", ylabel=ylabel, title=f"(a) $N = {N}$: SGD vs Eq. (2.17)")
    ax.legend(handles=ax.get_legend_handles_labels()[0] + styles("SGD, realization 0", f"(2.17), mean $\\pm$ SE of {n_seeds}"),
              fontsize="x-small", loc="lower left", ncol=2)

    # (b) Eq. (2.17) against the Hessian approximation (2.20); inset: extreme eigenvalues against P
    ax = axes[0, 1]
    chosen = [int(np.argmin(np.abs(ds.P_over_N.values - r))) for r in hessian_P_over_N]
    for i, color in zip(chosen, sns.color_palette(plot["palette"], len(chosen))):
        p = ds.isel(point=i)
        band(ax, rank, p.noise_eigenvalues.values / norm[i], color, ls="-", label=f"P/N = {float(p.P_over_N):g}")
        band(ax, rank, p.hessian_noise_eigenvalues.values / norm[i], color, ls="--")
    ax.set(yscale="log", xlabel="rank $k$", ylabel=ylabel, title="(b) Eq. (2.17) vs Hessian form (2.20)")
    ax.legend(handles=ax.get_legend_handles_labels()[0] + styles("(2.17)", "(2.20)"), fontsize="x-small", loc="lower left")
    inset = ax.inset_axes([0.45, 0.08, 0.3, 0.28])  # below the spectra, which fall off to the right
    order = np.argsort(ds.P.values)
    for mode, color in ((0, "C3"), (-1, "C0")):
        for name, style in (("noise_eigenvalues", "o-"), ("hessian_noise_eigenvalues", "s--")):
            inset.plot(ds.P.values[order], (ds[name].isel(mode=mode).mean("seed") / ds.normalization).values[order], style, color=color, ms=2, lw=0.8)
    inset.set(xscale="log", yscale="log")
    inset.set_title("max (red), min (blue) vs $P$", fontsize="x-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)

    # (c) |V^T C V| in the Hessian eigenbasis, normalised to its largest entry
    ax = axes[0, 2]
    i = int(np.argmin(np.abs(ds.P_over_N.values - heatmap_P_over_N)))
    matrix = ds.mean_noise_in_hessian_basis.isel(point=i).values
    image = ax.imshow(matrix / matrix.max(), norm=LogNorm(vmin=1e-4, vmax=1), cmap="magma", origin="upper", extent=(0.5, N + 0.5, N + 0.5, 0.5))
    fig.colorbar(image, ax=ax, shrink=0.85, label=r"$\langle|V^T C V|\rangle$ / max")
    ax.set(xlabel=r"Hessian mode $j$ ($\omega$ ascending)", ylabel="Hessian mode $i$",
           title=f"(c) $N/P = {N / int(ds.P[i]):.2f}$, mean of {n_seeds} realizations")

    # (a') residuals: SGD along the eigenvectors of (2.17) against its eigenvalues, and the exact multiplicative correction
    ax = axes[1, 0]
    for i, color in zip(simulated, sim_colors):
        measured, correction = additive_residuals(ds.isel(point=i))
        band(ax, rank, 100 * measured, color, lw=0.8, label=f"P/N = {float(ds.P_over_N[i]):g}")
        ax.plot(rank, 100 * correction.mean(axis=0), "--", color=color, lw=1.2)
    ax.axhline(0, color="0.5", lw=0.6)
    # linear within +-1 % (the trace-level correction), logarithmic beyond (the smallest modes near P ~ N); below -1 % only noise
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=-3)
    ax.set(xlabel="rank $k$ (eigenvectors $v_k$ of (2.17))", ylabel=r"$v_k^T C_\mathrm{SGD} v_k / \lambda_k^{(2.17)} - 1$ (%)",
           title="(a') SGD / (2.17) - 1 (band: mean $\\pm$ SE), exact correction (dashed)")
    ax.legend(fontsize="x-small", ncol=2)

    # (b') approach to (2.20) on a curve: Frobenius and spectral deviation, our estimate, the thresholds of the claims
    ax = axes[1, 1]
    order = np.argsort(ds.P_over_N.values)
    ratios = ds.P_over_N.values[order]
    for values, fmt, label in ((ds.hessian_deviation, "o", r"$\|C - C_H\|_F / \|C_H\|_F$"), (spectral_deviation(ds), "s", r"rms$_k$ $\lambda_k/\lambda_k^H - 1$")):
        mean, sem = mean_and_sem(values.transpose("seed", "point").values[:, order])
        ax.errorbar(ratios, mean, yerr=sem, fmt=fmt + "-", ms=4, capsize=2, lw=0.8, label=label)
    ax.plot(ratios, ds.predicted_hessian_deviation.values[order], "k--", lw=1, label=r"our estimate $\sqrt{2N/P\ldots}$")
    for t in THRESHOLDS:
        ax.axhline(t, color="0.6", lw=0.6, ls=":")
        ax.annotate(f"{t:.0%}", (ratios[0], t), fontsize="xx-small", color="0.4", va="bottom")
    ax.set(xscale="log", yscale="log", xlabel="$P/N$", ylabel="deviation of (2.17) from (2.20)",
           title=f"(b') approach to (2.20), mean $\\pm$ SE of {n_seeds}")
    ax.legend(fontsize="x-small", loc="upper right")
    ratio_ticks(ax, ratios)

    # (c') off-diagonal share of ||V^T C V||_F^2 against P/N
    ax = axes[1, 2]
    mean, sem = mean_and_sem(ds.offdiagonal_fraction.transpose("seed", "point").values[:, order])
    ax.errorbar(ratios, mean, yerr=sem, fmt="o-", ms=4, capsize=2, lw=0.8, label="(2.17), mean $\\pm$ SE")
    d = ds.predicted_hessian_deviation.values[order]
    ax.plot(ratios, d**2 / (1 + d**2), "k--", lw=1, label="large-$P$ estimate $d^2/(1+d^2)$")
    ax.set(xscale="log", xlabel="$P/N$", ylabel=r"off-diagonal share of $\|V^T C V\|_F^2$", title="(c') off-diagonal entries vs $P/N$")
    ax.legend(fontsize="x-small")
    ratio_ticks(ax, ratios)
    save(fig, outputs, plot["dpi"])
