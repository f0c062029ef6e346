"""extensions_fig4_gap rendered from its summary (no simulation here): the laws' variance against t, log Var against dt at
each horizon with the dt -> 0 extrapolation, the decomposition of the gap, and the mean of w_0 - s."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme


def render(summary_path: str, outputs: list[str], *, plot: dict, visible_std: float) -> None:
    """`visible_std`: the std at which Fig. 4 calls a law visibly spread (its resolution), drawn as the scale of the paper's gap."""
    ds = io.open_dataset(summary_path)
    theme(plot)
    t, dt, eta = ds.horizon.values, ds.dt.values, float(ds.learning_rate)
    colors = sns.color_palette(plot["palette"], dt.size)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)

    ax = axes[0, 0]
    ax.errorbar(t, ds.sgd_variance, yerr=ds.sgd_variance_se, fmt="ks-", capsize=3,
                label=f"online SGD: r = {float(ds.sgd_rate):.3g} $\\pm$ {float(ds.sgd_rate_se):.2g}")
    for j, c in enumerate(colors):
        ax.errorbar(t * (1 + 0.01 * (j + 1)), ds.em_variance[j], yerr=ds.em_variance_se[j], fmt="o-" if np.isclose(dt[j], eta) else "o:", color=c, capsize=2,
                    ms=4, label=f"EM dt = {dt[j]:g}" + (" (= $\\eta$: Gaussianised SGD)" if np.isclose(dt[j], eta) else ""))
    v0 = np.exp(ds.sde0_log_variance.values)
    ax.errorbar(t, v0, yerr=v0 * ds.sde0_log_variance_se.values, fmt="r^--", capsize=3,
                label=f"SDE, dt $\\to$ 0: r = {float(ds.sde0_rate):.3g} $\\pm$ {float(ds.sde0_rate_se):.2g}")
    ax.axhline(visible_std**2, color="0.4", ls="--", lw=1, label=f"Fig. 4b's visible spread (std {visible_std:g})")
    fitted = ds.concentration_horizon.values
    ax.set(yscale="log", xlabel="horizon t", ylabel="Var $w_0$",
           title=f"(a) concentration: Var $w_0$ ~ exp(-r t), r fitted over t = {fitted[0]:g} .. {fitted[-1]:g}")
    ax.legend(fontsize="xx-small")

    ax = axes[0, 1]
    grid = np.linspace(0, dt.max(), 50)
    for k, (h, c) in enumerate(zip(t, sns.color_palette("rocket", t.size))):
        ax.errorbar(dt, ds.em_log_variance[:, k], yerr=ds.em_log_variance_se[:, k], fmt="o", color=c, capsize=2, label=f"EM, t = {h:g}")
        y0, slope = float(ds.sde0_log_variance[k]), float(ds.sde0_log_variance_slope[k])
        ax.plot(grid, y0 + slope * grid, "-", color=c, lw=1)
        ax.errorbar([0], [y0], yerr=[float(ds.sde0_log_variance_se[k])], fmt="^", color=c, capsize=2)
        ax.errorbar([eta], [float(ds.sgd_log_variance[k])], yerr=[float(ds.sgd_log_variance_se[k])], fmt="s", mfc="none", color=c, capsize=2,
                    label="online SGD (at dt = $\\eta$)" if k == 0 else None)
    ax.axvline(eta, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="EM step dt", ylabel="log Var $w_0$", title=f"(b) extrapolation to dt $\\to$ 0 (order {int(ds.extrapolation_order)} in dt)")
    ax.legend(fontsize="xx-small", ncol=2)

    ax = axes[1, 0]
    width = 0.35
    x = np.arange(t.size)
    ax.bar(x - width / 2, ds.log_gap_noise, width, yerr=ds.log_gap_noise_se, capsize=3, color="C0", label="noise's shape: log Var$_{SGD}$ - log Var$_{EM}(\\eta)$")
    ax.bar(x + width / 2, ds.log_gap_discretisation, width, yerr=ds.log_gap_discretisation_se, capsize=3, color="C3",
           label="discretisation: log Var$_{EM}(\\eta)$ - log Var$_{SDE}(0)$")
    for j in x:
        f, f_se = float(ds.fraction_discretisation[j]), float(ds.fraction_discretisation_se[j])
        ax.text(j, 0.02, f"{f:.2g} $\\pm$ {f_se:.2g}", transform=ax.get_xaxis_transform(), ha="center", fontsize="xx-small")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, [f"t = {h:g}" for h in t])
    ax.set(ylabel="part of log Var$_{SGD}$ - log Var$_{SDE}(0)$", title="(c) the gap split (numbers: discretisation's fraction of the variance gap)")
    ax.legend(fontsize="xx-small")

    ax = axes[1, 1]
    ax.errorbar(t, np.abs(ds.sgd_mean_shift), yerr=ds.sgd_mean_shift_se, fmt="ks-", capsize=3, label="online SGD")
    for j, c in enumerate(colors):
        ax.errorbar(t * (1 + 0.01 * (j + 1)), np.abs(ds.em_mean_shift[j]), yerr=ds.em_mean_shift_se[j], fmt="o:", color=c, capsize=2, ms=4, label=f"EM dt = {dt[j]:g}")
    ax.set(yscale="log", xlabel="horizon t", ylabel="|mean $w_0$ - s|", title="(d) the mean's approach to s (Prop. 5.2(i))")
    ax.legend(fontsize="xx-small")
    save(fig, outputs, plot["dpi"])
