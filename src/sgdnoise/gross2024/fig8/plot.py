"""Gross et al. 2024, Fig. 8, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme

BEYOND_SHOWN = 2  # panels (b), (c) show the sample eigenvalues of cov(vec dW1) up to index BEYOND_SHOWN x N_i
TITLES = {"small_init": "(b) small init, variance $10^{-4}/N$", "standard_init": "(c) standard init (3.35), variance $1/N$"}


def render(summary_path: str, outputs: list[str], *, heatmap_init: str, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), constrained_layout=True)
    _heatmap(fig, axes[0], ds.sel(init=heatmap_init).dropna("seed", how="all"), heatmap_init)
    for ax, init in zip(axes[1:], ("small_init", "standard_init")):
        _spectra(ax, ds.sel(init=init).dropna("seed", how="all"), init, plot)
    save(fig, outputs, plot["dpi"])


def _heatmap(fig, ax, c, init):
    """(a) M (3.30) of one run (seed 0) in the SVD basis Z = (z1, z2), in units of lambda sigma_y^2 / 2S."""
    N_i = int(c.N_i)
    M = c.theory_M.isel(seed=0).values / float(c.level)
    limit = float(np.max(np.abs(M)))
    image = ax.imshow(M, cmap="vlag", vmin=-limit, vmax=limit, interpolation="nearest")
    for x in (N_i - 0.5,):
        ax.axhline(x, color="k", lw=0.6)
        ax.axvline(x, color="k", lw=0.6)
    size = M.shape[0]
    ax.set_xticks([N_i / 2 - 0.5, N_i + (size - N_i) / 2 - 0.5], ["$z_1$", "$z_2$"])
    ax.set_yticks([N_i / 2 - 0.5, N_i + (size - N_i) / 2 - 0.5], ["$z_1$", "$z_2$"])
    ax.set_title(f"(a) $M$ (3.30) in the SVD basis, {init.replace('_', ' ')}, seed 0\n"
                 f"$N_i = {N_i}$, $N_h = {int(c.N_h)}$: $M_{{22}}$ diagonal, $M_{{11}}$ not", fontsize="small")
    fig.colorbar(image, ax=ax, shrink=0.8, label=r"$M / (\lambda\sigma_y^2/2S)$")


def _spectra(ax, c, init, plot):
    """(b), (c) sorted eigenvalues / (lambda sigma_y^2/2S): SGD (Rayleigh quotients along the theory's eigenvectors,
    mean +- SE over seeds; beyond index N_i the sample eigenvalues) against (3.30)-(3.31) at W^0 and i.i.d. weights."""
    level, N_i, N_h, n = float(c.level), int(c.N_i), int(c.N_h), c.sizes["seed"]
    first, second = sns.color_palette("deep", 2)
    i1, i2 = np.arange(1, N_i + 1), np.arange(1, N_h + 1)

    def mean_sem(values):
        values = np.asarray(values) / level
        return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(values.shape[1])

    m, e = mean_sem(c.rayleigh_first.values)
    ax.errorbar(i1, m, yerr=e, fmt="o", ms=4, color=first, capsize=2, label=r"SGD cov(vec $\delta W_1$), along theory's $v_k$")
    shown = np.arange(1, BEYOND_SHOWN * N_i + 1)
    mb, eb = mean_sem(c.sgd_first_eigenvalues.values[:, : BEYOND_SHOWN * N_i])
    ax.errorbar(shown, mb, yerr=eb, fmt="o", ms=3, mfc="none", color=first, alpha=0.6, capsize=1,
                label=r"SGD cov(vec $\delta W_1$), sample eigenvalues (top: the drift of the mean)")
    m, e = mean_sem(c.rayleigh_second.values)
    ax.errorbar(i2, m, yerr=e, fmt="s", ms=4, color=second, capsize=2, label=r"SGD cov($\delta W_2$), along $a_k$")
    ax.plot(i1, c.theory_first_eigenvalues.mean("seed") / level, "-", color=first, lw=1.5, label=r"(3.30): eig $M_{11}$ at $W^0$")
    ax.plot(i2, c.theory_second_eigenvalues.mean("seed") / level, "-", color=second, lw=1.5, label=r"(3.34): $M_{22}$ at $W^0$")
    ax.plot(i1, c.iid_first_eigenvalues.mean("draw") / level, "--", color="0.3", lw=1.2, label=r"i.i.d. $W_1^0, W_2^0$: eig $M_{11}$")
    ax.plot(i2, c.iid_second_eigenvalues.mean("draw") / level, "-.", color="0.3", lw=1.2, label=r"i.i.d. $W_1^0, W_2^0$: $M_{22}$")
    ax.axvline(N_i + 0.5, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_ylim(top=2 * float(np.max(mb)))
    ax.set(xlabel="mode index $k$ (descending)", ylabel=r"eigenvalue / $(\lambda\sigma_y^2/2S)$",
           title=f"{TITLES.get(init, init)}, {n} seeds, $P = {int(c.P)}$", xlim=(0, BEYOND_SHOWN * N_i + 1))
    ax.legend(fontsize="xx-small", loc="lower left" if init == "small_init" else "upper right")
