"""Gross et al. 2024, Sec. III C 3 (IVFR) and III A (conservation law), rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import no_minor_labels, save, theme
from ...statistics import mean_and_sem
from .stages import FENG_TU_PSI, PAPER_PSI

MARKERS = ("o", "s", "^", "D", "v", "P")


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    level = float(ds.attrs["level"])
    scales, hidden = ds.init_scale.values, ds.n_hidden.values
    colors = dict(zip(scales, sns.color_palette(plot["palette"], len(scales))))
    markers = dict(zip(hidden, MARKERS))
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()

    # (a) M22_ii against the flatness F_i = kappa_i^(-1/2), every mode of every seed; (3.34) as lines
    for c in scales:
        for h in hidden:
            p = ds.sel(init_scale=c, n_hidden=h)
            axes[0].plot(p.sample_curvature.values.ravel() ** -0.5, (p.sample_m22.values / level).ravel(), ".", ms=1.5, color="0.7", zorder=0)
            F = p.curvature.values ** -0.5
            axes[0].plot(F.ravel(), (p.m22.values / level).ravel(), markers[h], ms=3, mfc="none", alpha=0.5, color=colors[c])
            order = np.argsort(p.theory_curvature.values[0])
            axes[0].plot(p.theory_curvature.values[0][order] ** -0.5, p.theory_m22.values[0][order] / level, "-", lw=0.8, color=colors[c])
    F = np.logspace(0, 3, 10)
    axes[0].plot(F, 30 * F**-PAPER_PSI, "k--", lw=1.2, label=r"$F^{-2}$ (paper)")
    axes[0].plot(F, 30 * F**-FENG_TU_PSI, "k:", lw=1.2, label=r"$F^{-4}$ (Feng & Tu, cross-entropy)")
    for c in scales:
        axes[0].plot([], [], "-", color=colors[c], label=f"$c = {c:g}$ ((3.34), seed 0)")
    for h in hidden:
        axes[0].plot([], [], markers[h], color="gray", mfc="none", label=f"SGD along $a_i$ (columns of $A$), $N_h = {h}$")
    axes[0].plot([], [], ".", color="0.7", label="SGD window-covariance eigenvalues (spread by few samples)")
    axes[0].set(xscale="log", yscale="log", xlabel=r"flatness $F_i = \kappa_i^{-1/2}$ along $a_i$",
                ylabel=r"$M_{22,ii}\,/\,(\lambda\sigma_y^2/2S)$", title=r"(a) IVFR $M_{22,ii} \sim F_i^{-\psi}$")
    axes[0].legend(fontsize="xx-small", ncol=2)

    # (b) the local exponent per bin of D1_ii / D2, pooled over the sweep points; (3.34): 2 D2 / (D1 + D2)
    bins = [r for r in ds.regime.values if str(r).startswith("bin")]
    centers = np.sqrt(ds.ratio_bin_lower.sel(regime=bins).values * ds.ratio_bin_upper.sel(regime=bins).values)
    for c in scales:
        psi = ds.psi.sel(init_scale=c, regime=bins).stack(sample=("n_hidden", "seed")).values
        ok = np.isfinite(psi).sum(axis=-1) >= 2
        mean = np.array([np.nanmean(v) if k else np.nan for v, k in zip(psi, ok)])
        sem = np.array([np.nanstd(v, ddof=1) / np.sqrt(np.isfinite(v).sum()) if k else np.nan for v, k in zip(psi, ok)])
        axes[1].errorbar(centers, mean, yerr=sem, fmt="o", mfc="none", capsize=2, color=colors[c], label=f"SGD, $c = {c:g}$")
    r = np.logspace(-5, 1, 100)
    axes[1].plot(r, PAPER_PSI / (1 + r), "k-", lw=1, label=r"(3.34): $2 D_2/(D_1 + D_2)$")
    axes[1].axhline(PAPER_PSI, color="k", ls="--", lw=1, label=r"$\psi = 2$ (paper)")
    axes[1].text(2e-5, 3.6, r"Feng & Tu [16]: $\psi \approx 4$ empirically (cross-entropy)", fontsize="x-small")
    axes[1].set(xscale="log", ylim=(-0.5, 4.2), xlabel=r"$D_{1,ii} / D_2$ along $a_i$ (bin centre)", ylabel=r"local $\psi$ (fit per bin and seed)",
                title=r"(b) where $\psi = 2$ holds and where it bends")
    axes[1].legend(fontsize="x-small", loc="lower left")

    # (c) psi in the D1 << D2 and D1 ~ D2 regimes per sweep point
    for regime, fmt, label in (("small", "o", f"$D_1/D_2 < {float(ds.attrs['small_ratio']):g}$"),
                               ("comparable", "s", f"${float(ds.attrs['comparable_lower']):g} \\leq D_1/D_2 \\leq {float(ds.attrs['comparable_upper']):g}$")):
        for i, c in enumerate(scales):
            psi = ds.psi.sel(init_scale=c, regime=regime).values  # (n_hidden, seed)
            mean, sem = np.full(len(hidden), np.nan), np.full(len(hidden), np.nan)
            for j in range(len(hidden)):
                v = psi[j][np.isfinite(psi[j])]
                if v.size >= 2:
                    mean[j], sem[j] = mean_and_sem(v)
            axes[2].errorbar(hidden * (1 + 0.03 * (i - 1)), mean, yerr=sem, fmt=fmt, mfc="none" if regime == "comparable" else None, capsize=2,
                             color=colors[c], label=f"{label}, $c = {c:g}$")
    axes[2].axhline(PAPER_PSI, color="k", ls="--", lw=1)
    axes[2].axhline(FENG_TU_PSI, color="k", ls=":", lw=1)
    axes[2].set(xscale="log", xticks=hidden, xticklabels=[str(h) for h in hidden], xlabel="$N_h$", ylabel=r"$\psi$ (mean $\pm$ SE over seeds)",
                title=r"(c) fitted $\psi$ per sweep point")
    axes[2].legend(fontsize="xx-small", ncol=2)

    # (d) the conservation law (3.6): change of W1 W1^T - W2^T W2 under SGD and under RK4 gradient flow
    for i, c in enumerate(scales):
        for name, fmt, label in (("sgd_balance_drift", "o", "SGD"), ("flow_balance_drift", "x", "gradient flow (RK4)")):
            v = ds[name].sel(init_scale=c).values
            mean = np.nanmean(v, axis=-1)
            axes[3].plot(hidden * (1 + 0.03 * (i - 1)), np.maximum(mean, 1e-17), fmt, color=colors[c], mfc="none", label=f"{label}, $c = {c:g}$")
    axes[3].set(xscale="log", yscale="log", xticks=hidden, xticklabels=[str(h) for h in hidden], xlabel="$N_h$",
                ylabel=r"$\|\Delta(W_1W_1^T - W_2^TW_2)\|_F / (\|W_1W_1^T\|_F + \|W_2\|^2)$", title="(d) conservation law (3.6), mean over seeds")
    axes[3].legend(fontsize="xx-small", ncol=2)
    no_minor_labels(axes[2], axes[3])
    fig.suptitle(f"Inverse variance-flatness relation of the second layer, $N_i = {int(ds.attrs['n_in'])}$")
    save(fig, outputs, plot["dpi"])
