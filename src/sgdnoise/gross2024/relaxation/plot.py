"""Gross et al. 2024, Sec. III D: relaxation of the modes chi = R^T Z, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from ...statistics import mean_and_sem

GROUP_LABELS = {"coupled": r"$\omega_k = D_{1k} + D_2$", "second_layer_only": r"$\omega_k = D_2$", "zero": r"$\omega_k = 0$"}
MARKERS = {"sgd": "o", "sgf": "s"}


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    level = float(ds.attrs["level"])
    colors = dict(zip(GROUP_LABELS, sns.color_palette(plot["palette"], 3)))
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()

    # (a) normalised autocorrelation against lag x sigma_x^2 omega_k: every nonzero mode on exp(-x) (3.40)
    c = ds.isel(method=list(ds.method.values).index("sgd")).dropna("seed", how="all")
    nonzero = c.group.values != "zero"
    scaled = c.lag.values[None, :] * c.theory_rate.values[0][:, None]
    rho = (c.autocovariance / c.autocovariance.isel(lag=0)).isel(seed=0).values
    for k in np.flatnonzero(nonzero):
        axes[0].plot(scaled[k], rho[k], "-", color=colors[str(c.group.values[k])], lw=0.6, alpha=0.6)
    x = np.linspace(0, 4, 100)
    axes[0].plot(x, np.exp(-x), "k--", lw=1.5, label=r"$e^{-\sigma_x^2\omega_k t}$ (3.40)")
    axes[0].plot(x, np.exp(-x / 2), "k:", lw=1.2, label=r"rival $e^{-\sigma_x^2\omega_k t/2}$")
    for g in ("coupled", "second_layer_only"):
        axes[0].plot([], [], "-", color=colors[g], label=GROUP_LABELS[g])
    axes[0].set(xlim=(0, 4), ylim=(-0.1, 1.02), xlabel=r"$\sigma_x^2 \omega_k\, t$", ylabel=r"$\langle\chi_k(t)\chi_k(0)\rangle / \langle\chi_k^2\rangle$",
                title="(a) stationary autocorrelation per mode, SGD, one seed")
    axes[0].legend(fontsize="x-small")

    # (b) fitted rate against sigma_x^2 omega_k, every nonzero mode of every seed, SGD and SGF
    for i, method in enumerate(ds.method.values):
        m = ds.isel(method=i).dropna("seed", how="all")
        keep = m.group.values != "zero"
        axes[1].plot(m.theory_rate.values[:, keep].ravel(), m.fitted_rate.values[:, keep].ravel(), MARKERS[str(method)], ms=3, alpha=0.4,
                     mfc="none", label=str(method).upper())
    lim = np.array([ds.theory_rate.where(ds.group != "zero").min().item() * 0.8, ds.theory_rate.max().item() * 1.2])
    axes[1].plot(lim, lim, "k--", label=r"$\sigma_x^2\omega_k$ (3.39)")
    axes[1].plot(lim, lim / 2, "k:", label=r"rival $\sigma_x^2\omega_k/2$")
    axes[1].set(xscale="log", yscale="log", xlabel=r"$\sigma_x^2\omega_k$ at the window mean", ylabel="fitted decay rate",
                title="(b) relaxation rates per mode (all seeds)")
    axes[1].legend(fontsize="x-small")

    # (c) level <chi_k^2> / (lambda sigma_y^2 / 2S) per mode: isotropic for omega_k > 0 (3.42), zero modes ~ 0
    for i, method in enumerate(ds.method.values):
        m = ds.isel(method=i).dropna("seed", how="all")
        mean, sem = mean_and_sem(m.mode_variance.values / level)
        for g in GROUP_LABELS:
            k = np.flatnonzero(m.group.values == g)
            axes[2].errorbar(k + 1, mean[k], yerr=sem[k], fmt=MARKERS[str(method)], ms=4, mfc="none", capsize=2, color=colors[g],
                             label=f"{str(method).upper()}, {GROUP_LABELS[g]}")
    axes[2].axhline(1, color="k", ls="--", lw=1, label=r"$\lambda\sigma_y^2/(2S)$ (3.42)")
    axes[2].set(yscale="log", xlabel="mode index k (rates descending)", ylabel=r"$\langle\chi_k^2\rangle\,/\,(\lambda\sigma_y^2/2S)$",
                title="(c) late-time level per mode (mean $\\pm$ SE over seeds)")
    axes[2].legend(fontsize="xx-small", ncol=2)

    # (d) mean-square displacement: the zero modes do not move, the others saturate at twice the level
    for i, (method, ls) in enumerate(zip(ds.method.values, ("-", "--"))):
        m = ds.isel(method=i).dropna("seed", how="all")
        for g in GROUP_LABELS:
            msd = (m.mean_square_displacement.where(m.group == g).mean("mode") / (2 * level)).values
            mean, sem = mean_and_sem(msd)
            axes[3].plot(m.lag.values, mean, ls, color=colors[g], label=f"{str(method).upper()}, {GROUP_LABELS[g]}")
            axes[3].fill_between(m.lag.values, mean - sem, mean + sem, color=colors[g], alpha=0.2)
    axes[3].axhline(1, color="k", ls=":", lw=1)
    axes[3].set(xlabel=r"lag $t$ (continuum time $\lambda\tau$)", ylabel=r"$\langle(\chi_k(t+s)-\chi_k(s))^2\rangle\,/\,(2\lambda\sigma_y^2/2S)$",
                title="(d) displacement per mode group: the zero modes drift slowly")
    axes[3].legend(fontsize="xx-small")
    fig.suptitle(f"Relaxation of the modes $\\chi = R^T Z$, {int(ds.attrs['n_in'])}-{int(ds.attrs['n_hidden'])}-1, "
                 f"$\\lambda = {float(ds.attrs['learning_rate']):g}$, $S = {int(ds.attrs['batch_size'])}$")
    save(fig, outputs, plot["dpi"])
