"""Gross et al. 2024, Fig. 3, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.colors import LogNorm

from ... import io
from ...plotting import no_minor_labels, save, theme


def render(summary_path: str, outputs: list[str], *, plot: dict, hessian_P_over_N: list[float], heatmap_P_over_N: float) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    rank = ds.mode.values + 1
    norm = ds.normalization.values  # sigma_x^2 sigma_eps^2 / S for every point
    N = int(ds.N)
    ylabel = r"eigenvalue of $C$ / $(\sigma_x^2\sigma_\epsilon^2/S)$"

    # (a) C measured from SGD (first realization) against Eq. (2.17) averaged over realizations
    ax = axes[0]
    simulated = np.flatnonzero(ds.simulated.values)
    for i, color in zip(simulated, sns.color_palette(plot["palette"], len(simulated))):
        p = ds.isel(point=i)
        ax.plot(rank, p.sgd_noise_eigenvalues.isel(seed=0) / norm[i], "-", color=color, label=f"P/N = {float(p.P_over_N):g}")
        ax.plot(rank, p.noise_eigenvalues.mean("seed") / norm[i], "--", color="k", lw=0.8)
    ax.set(yscale="log", xlabel="rank $k$", ylabel=ylabel, title=f"(a) $N = {N}$: SGD (solid), Eq. (2.17) (dashed)")
    ax.legend(fontsize="x-small")

    # (b) Eq. (2.17) against the Hessian approximation (2.20); inset: extreme eigenvalues against P
    ax = axes[1]
    chosen = [int(np.argmin(np.abs(ds.P_over_N.values - r))) for r in hessian_P_over_N]
    for i, color in zip(chosen, sns.color_palette(plot["palette"], len(chosen))):
        p = ds.isel(point=i)
        ax.plot(rank, p.noise_eigenvalues.mean("seed") / norm[i], "-", color=color, label=f"P/N = {float(p.P_over_N):g}")
        ax.plot(rank, p.hessian_noise_eigenvalues.mean("seed") / norm[i], "--", color=color)
    ax.set(yscale="log", xlabel="rank $k$", ylabel=ylabel, title="(b) Eq. (2.17) (solid), Hessian approx. (2.20) (dashed)")
    ax.legend(fontsize="x-small", loc="lower left")
    inset = ax.inset_axes([0.4, 0.06, 0.32, 0.3])  # below the spectra, which fall off to the right
    order = np.argsort(ds.P.values)
    for mode, color in ((0, "C3"), (-1, "C0")):
        for name, style in (("noise_eigenvalues", "o-"), ("hessian_noise_eigenvalues", "s--")):
            inset.plot(ds.P.values[order], (ds[name].isel(mode=mode).mean("seed") / ds.normalization).values[order], style, color=color, ms=2, lw=0.8)
    inset.set(xscale="log", yscale="log")
    inset.set_title("max (red), min (blue) vs $P$", fontsize="x-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)

    # (c) |V^T C V| in the Hessian eigenbasis, normalised to its largest entry
    ax = axes[2]
    i = int(np.argmin(np.abs(ds.P_over_N.values - heatmap_P_over_N)))
    matrix = ds.mean_noise_in_hessian_basis.isel(point=i).values
    image = ax.imshow(matrix / matrix.max(), norm=LogNorm(vmin=1e-4, vmax=1), cmap="magma", origin="upper", extent=(0.5, N + 0.5, N + 0.5, 0.5))
    fig.colorbar(image, ax=ax, shrink=0.85, label=r"$\langle|V^T C V|\rangle$ / max")
    ax.set(xlabel=r"Hessian mode $j$ ($\omega$ ascending)", ylabel="Hessian mode $i$",
           title=f"(c) $N/P = {N / int(ds.P[i]):.2f}$, mean over {ds.sizes['seed']} realizations")
    save(fig, outputs, plot["dpi"])
