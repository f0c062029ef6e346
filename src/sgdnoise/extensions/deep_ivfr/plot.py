"""The rank deficiency and the IVFR per layer of deep linear networks (extension of Gross et al. 2024, Sec. IV), rendered
from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from ...statistics import mean_and_sem
from .stages import PAPER_PSI

ROLE_MARKERS = {"first": "x", "middle": "s", "last": "o"}


def _mean_sem(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    return mean_and_sem(values) if values.size >= 2 else (np.nan, np.nan)


def _spectra(ax, ds, depth: int, scale: float, level: float, colors, letter: str) -> None:
    """Seed-mean sorted spectra of every layer, SGD (solid) and the Lyapunov theory (dashed), the structural rank marked."""
    p = ds.sel(depth=depth, init_scale=scale)
    for l in p.layer.values:
        if str(p.role.sel(layer=l).values) == "none":
            continue
        sample, theory = p.sample_spectrum.sel(layer=l).values, p.theory_spectrum.sel(layer=l).values
        n = int(np.isfinite(sample[0]).sum())
        index = np.arange(1, n + 1)
        ax.plot(index, np.nanmean(sample[:, :n], axis=0) / level, "-", color=colors[l], label=f"$W_{l}$ SGD")
        ax.plot(index, np.clip(np.nanmean(theory[:, :n], axis=0), 1e-12 * level, None) / level, "--", color=colors[l], lw=1)
        rank = int(np.nanmax(p.structural_rank.sel(layer=l).values))
        ax.axvline(rank, color=colors[l], ls=":", lw=0.8)
    ax.plot([], [], "k--", lw=1, label="Lyapunov theory (3.29)")
    ax.plot([], [], "k:", lw=0.8, label=r"rank $J_l$")
    ax.set(xscale="log", yscale="log", ylim=(1e-6, 3), xlabel="eigenvalue index", ylabel=r"eigenvalue of cov(vec $W_l$) / $(\lambda\sigma_y^2/2S)$",
           title=f"({letter}) spectra per layer, $L = {depth}$, $c = {scale:g}$")
    ax.legend(fontsize="xx-small", ncol=2, loc="lower left")


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    level = float(ds.attrs["level"])
    depths, scales = ds.depth.values, ds.init_scale.values
    layer_colors = dict(zip(ds.layer.values, sns.color_palette("deep", ds.sizes["layer"])))
    scale_colors = dict(zip(scales, sns.color_palette(plot["palette"], len(scales))))
    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5), constrained_layout=True)
    axes = axes.ravel()
    deepest = ds.sel(depth=depths.max()).dropna("init_scale", how="all", subset=["range_share"]).init_scale.values
    _spectra(axes[0], ds, int(depths.max()), float(deepest.min()), level, layer_colors, "a")
    _spectra(axes[1], ds, int(depths.max()), float(deepest.max()), level, layer_colors, "b")

    # (c) share of each layer's covariance in the theory's range, and numerical / structural rank
    for i, c in enumerate(scales):
        for d in depths:
            for l in ds.layer.values:
                role = str(ds.role.sel(depth=d, layer=l).values)
                if role == "none":
                    continue
                m, e = _mean_sem(ds.range_share.sel(depth=d, init_scale=c, layer=l).values)
                axes[2].errorbar(d + 0.08 * (i - 1) + 0.02 * l, m, yerr=e, fmt=ROLE_MARKERS[role], color=scale_colors[c], mfc="none", capsize=2)
    for c in scales:
        axes[2].plot([], [], "o", color=scale_colors[c], label=f"$c = {c:g}$")
    for role, marker in ROLE_MARKERS.items():
        axes[2].plot([], [], marker, color="gray", mfc="none", label=f"{role} layer")
    axes[2].set(xticks=depths, xlabel="depth $L$", ylabel=r"share of tr cov(vec $W_l$) in the theory's range",
                title=r"(c) rank deficiency: covariance in the rank-$J_l$ range")
    axes[2].legend(fontsize="xx-small", ncol=2)

    # (d) psi against depth: all range modes of each layer above the first (whose curvature is flat); the theory's psi as lines
    for i, c in enumerate(scales):
        for role, marker in ROLE_MARKERS.items():
            if role == "first":
                continue
            xs, ms, es, ts = [], [], [], []
            for d in depths:
                for l in ds.layer.values:
                    if str(ds.role.sel(depth=d, layer=l).values) != role:
                        continue
                    psi = ds.psi.sel(depth=d, init_scale=c, layer=l, regime="range")
                    m, e = _mean_sem(psi.sel(basis="sgd").values)
                    xs.append(d + 0.08 * (i - 1) + 0.02 * l)
                    ms.append(m)
                    es.append(e)
                    ts.append(np.nanmean(psi.sel(basis="window").values))
            axes[3].errorbar(xs, ms, yerr=es, fmt=marker, color=scale_colors[c], mfc="none", capsize=2)
            axes[3].plot(xs, ts, "-", color=scale_colors[c], lw=0.6, alpha=0.6)
    axes[3].axhline(PAPER_PSI, color="k", ls="--", lw=1, label=r"$\psi = 2$ (Gross, depth 2, $D_1 \ll D_2$)")
    axes[3].axhline(0, color="k", ls=":", lw=1, label="no IVFR")
    for c in scales:
        axes[3].plot([], [], "o-", color=scale_colors[c], mfc="none", label=f"$c = {c:g}$ (lines: theory)")
    for role in ("middle", "last"):
        axes[3].plot([], [], ROLE_MARKERS[role], color="gray", mfc="none", label=f"{role} layer")
    axes[3].set(xticks=depths, xlabel="depth $L$", ylabel=r"$\psi$ over all range modes (mean $\pm$ SE)",
                title=r"(d) IVFR exponent against depth (first layer: flat curvature, no $\psi$)")
    axes[3].legend(fontsize="xx-small", ncol=2)

    # (e) psi against rho (D1/D2 at depth 2) in the small and comparable regimes, layers above the first
    for regime, fill in (("small", None), ("comparable", "none"), ("range", "none")):
        for d in depths:
            for c in scales:
                for l in ds.layer.values:
                    role = str(ds.role.sel(depth=d, layer=l).values)
                    if role in ("none", "first"):
                        continue
                    sel = dict(depth=d, init_scale=c, layer=l, regime=regime, basis="sgd")
                    m, e = _mean_sem(ds.psi.sel(**sel).values)
                    r = np.nanmedian(ds.fit_ratio.sel(**sel).values)
                    axes[4].errorbar(r, m, yerr=e, fmt=ROLE_MARKERS[role], color=scale_colors[c], mfc=fill, ms=3 + 2 * (d - 2), capsize=2, alpha=0.8)
    r = np.logspace(-4, 1, 100)
    axes[4].plot(r, PAPER_PSI / (1 + r), "k-", lw=1, label=r"(3.34) at depth 2: $2 D_2/(D_1 + D_2)$")
    axes[4].axhline(PAPER_PSI, color="k", ls="--", lw=1)
    axes[4].plot([], [], "o", color="gray", label=r"filled: $\rho$ small; open: comparable / all modes; size: depth")
    axes[4].set(xscale="log", ylim=(-0.5, 3.5), xlabel=r"median $\rho = \kappa / (\sigma_x^2 |W_{>1}|^2)$ of the fitted modes ($D_1/D_2$ at depth 2)",
                ylabel=r"$\psi$ (mean $\pm$ SE)", title=r"(e) $\psi$ against $\rho$, layers above the first")
    axes[4].legend(fontsize="xx-small")

    # (f) SGD's variance along the theory's eigenvectors against the theory's over the same window, every range mode of every layer and seed
    for d in depths:
        for c in scales:
            p = ds.sel(depth=d, init_scale=c)
            axes[5].plot((p.window_variance.values / level).ravel(), (p.theory_rayleigh.values / level).ravel(), ".", ms=2, alpha=0.4, color=scale_colors[c])
    lim = np.array([1e-6, 3])
    axes[5].plot(lim, lim, "k--", lw=1, label="SGD = theory")
    for c in scales:
        axes[5].plot([], [], ".", color=scale_colors[c], label=f"$c = {c:g}$")
    axes[5].set(xscale="log", yscale="log", xlim=lim, ylim=lim, xlabel="theory (3.29) over the finite window, along its eigenvector / level",
                ylabel="SGD's variance along it / level", title="(f) linearised theory against SGD, all layers and depths")
    axes[5].legend(fontsize="xx-small")
    fig.suptitle(f"Rank deficiency and IVFR per layer, depths {', '.join(str(int(d)) for d in depths)}, $N_i = {int(ds.attrs['n_in'])}$, "
                 f"$N_h = {int(ds.attrs['n_hidden'])}$, $N_o = 1$")
    save(fig, outputs, plot["dpi"])
