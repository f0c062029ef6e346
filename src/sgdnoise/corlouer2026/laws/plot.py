"""Figs. 4, 5, 12 and the Prop. 5.2 figure, rendered from the summaries (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import save, theme
from .common import DRIFT_LABELS
from .fig12 import scalars
from .fig4 import LABELS, METHODS


def render_fig4(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    s = float(ds.singular_value)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    for ax, m, letter in zip(axes.ravel(), METHODS, "abcd"):
        x = ds[m].values - s
        scale = max(np.abs(x).max(), 1e-300)
        bins = np.linspace(-scale, scale, 41)
        for j, (style, alpha) in enumerate((("step", 1.0), ("stepfilled", 0.5))):
            ax.hist(x[:, j], bins=bins, histtype=style, alpha=alpha, label=f"t = {float(ds.snapshot[j]):g}")
        ax.axvline(0, color="k", ls="--", lw=1, label="Prop. 5.2(i): $\\delta(w - s)$")
        ax.set(xlabel=f"$w_0 - s$ (s = {s:g})", ylabel="runs", title=f"({letter}) {LABELS[m]}" + (f", dt = {float(ds.dt):g}" if m != "sgd" else ""))
        ax.text(0.02, 0.95, f"std = {x[:, -1].std(ddof=1):.2g}\n{x.shape[0]} runs", transform=ax.transAxes, va="top", fontsize="x-small")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
        ax.legend(fontsize="xx-small", loc="upper right")
    save(fig, outputs, plot["dpi"])


def render_fig5(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    colors = dict(zip(ds.form.values, sns.color_palette("colorblind", ds.sizes["form"])))
    s = float(ds.singular_value)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    ax = axes[0]
    ax.hist(ds.samples.values.ravel(), bins=60, density=True, color="0.75", label=f"online SGD ({ds.sizes['seed']} runs, pooled after burn-in)")
    for f in ds.form.values:
        ax.plot(ds.w, ds.density.sel(form=f), color=colors[f], lw=1.5 if f == "corrected" else 1, ls="-" if f == "corrected" else "--",
                label=f"(16), {DRIFT_LABELS[f]}")
    ax.axvline(s, color="k", lw=0.8, ls=":")
    inset = ax.inset_axes([0.62, 0.35, 0.35, 0.3])  # the means, where the drift forms differ: measured (grey band) against (16)'s
    mean, se = float(ds.measured.sel(statistic="mean")), float(ds.measured_se.sel(statistic="mean"))
    inset.axvspan(mean - s - 2 * se, mean - s + 2 * se, color="0.6", alpha=0.6, label="SGD mean $\pm$ 2 SE")
    for f in ds.form.values:
        inset.axvline(float(ds.law_mean.sel(form=f)) - s, color=colors[f], ls="-" if f == "corrected" else "--")
    inset.axvline(0, color="k", lw=0.8, ls=":")
    inset.set_yticks([])
    inset.set_title("mean $- s$", fontsize="xx-small")
    inset.tick_params(labelsize="xx-small")
    ax.set(xlabel="$w_0$", ylabel="density", title=f"(a) $\\sigma_q^2 = {float(ds.label_noise_variance):g}$, L = {int(ds.depth)}, $\\eta$ = {float(ds.learning_rate):g}")
    ax.legend(fontsize="xx-small")
    ax = axes[1]
    for f in ds.form.values:
        ax.plot(ds.drift_w, ds.ito_drift.sel(form=f), color=colors[f], ls="-" if f == "corrected" else "--", label=DRIFT_LABELS[f])
    ax.errorbar(ds.step_w, ds.one_step.sel(moment="ito_drift"), yerr=2 * ds.one_step_se.sel(moment="ito_drift"), fmt="ko", ms=4, capsize=3,
                label="one SGD step from the balanced aligned point (MC)")
    ax.axvline(s, color="k", lw=0.8, ls=":")
    ax.set(xlabel="$w$", ylabel="$\\mu^{Ito}(w)$", title="(b) Ito drift of the 1-D modewise SDE (s = 1)")
    ax.legend(fontsize="xx-small")
    ax = axes[2]
    for a, c in zip(ds.mode.values, sns.color_palette(plot["palette"], ds.sizes["mode"])):
        if a != 1:
            ax.plot(ds.progress, ds.coupling.sel(mode=a), color=c, label=f"mode {a} (w = {'s / 2' if a == 0 else '0'})")
    ax.set(xlabel="$w_1 / s_1$ (mode 1 being learned)", ylabel="coupling part of $\\mu^{Ito}$", title="(c) coupling between modes (aligned, balanced)")
    ax.legend(fontsize="xx-small")
    save(fig, outputs, plot["dpi"])


def render_fig12(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    a = scalars(ds)
    theme(plot)
    eta = float(ds.learning_rate)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    ax = axes[0]
    ax.errorbar(ds.dt_without, ds.variance_without, yerr=ds.variance_without_se, fmt="o-", capsize=3, label=f"SDE (EM), Var $w_0$ at t = {float(ds.end_of_training):g}")
    ax.errorbar([eta], [a["sgd_variance_without"]], yerr=[a["sgd_variance_without_se"]], fmt="s", color="k", label="online SGD (step $\\eta$)")
    ax.set(xscale="log", yscale="log", xlabel="EM step dt", ylabel="Var $w_0$",
           title=f"(a) no label noise: log-log slope {a['without_log_slope']:.2f} $\\pm$ {a['without_log_slope_se']:.2f}")
    ax.legend(fontsize="x-small")
    ax = axes[1]
    dt = ds.dt_with.values
    fine = np.linspace(dt.min() / 2, dt.max(), 200)
    ax.errorbar(dt, ds.variance_with, yerr=ds.variance_with_se, fmt="o", capsize=3, label="SDE (EM), stationary Var $w_0$")
    ax.errorbar([eta], [a["sgd_variance_with"]], yerr=[a["sgd_variance_with_se"]], fmt="s", color="k", label="online SGD (step $\\eta$)")
    if np.isfinite(a["fit_order"]):
        ax.plot(fine, a["fit_v0"] + a["fit_a"] * fine ** a["fit_order"], "-", color="C1", label=f"fit $V_0 + A\\,dt^p$, p = {a['fit_order']:.2f} $\\pm$ {a['fit_order_se']:.2f}")
    k = float(ds.relaxation_rate)
    ax.plot(fine, float(ds.law_variance) / (1 - k * fine / 2), "--", color="k", lw=1, label="(16) / (1 - k dt / 2) (EM of the linearised mode)")
    ax.set(xlabel="EM step dt", ylabel="Var $w_0$", title=f"(b) $\\sigma_q^2 = {float(ds.label_noise_variance):g}$")
    ax.legend(fontsize="xx-small")
    save(fig, outputs, plot["dpi"])


def render_prop52(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    t = io.open_dataset(summary_path).to_dataframe()
    theme(plot)
    depths = sorted(set(t.depth))
    fig, axes = plt.subplots(3, len(depths), figsize=(5.5 * len(depths), 11), constrained_layout=True, squeeze=False)
    markers = {"online_sgd": "o", "sde": "s"}
    for j, depth in enumerate(depths):
        d = t[t.depth == depth]
        for method, sub in d.groupby("method"):
            off = 0.01 if method == "sde" else -0.01
            axes[0, j].errorbar(sub.s + off, sub.mean_shift, yerr=sub.mean_shift_se, fmt=markers.get(method, "o"), capsize=3, label=method)
            axes[1, j].errorbar(sub.s + off, sub.variance / sub.eq18_variance, yerr=sub.variance_se / sub.eq18_variance, fmt=markers.get(method, "o"), capsize=3, label=method)
            axes[2, j].errorbar(sub.s + off, sub.peak_shift, yerr=sub.peak_shift_se, fmt=markers.get(method, "o"), capsize=3, label=method)
        th = d.drop_duplicates("s").sort_values("s")
        axes[0, j].plot(th.s, th.law_mean_shift, "k-", label="(16), corrected drift")
        axes[0, j].plot(th.s, th.eq17_shift, "r--", label="Eq. 17 (printed)")
        axes[0, j].plot(th.s, th.eq14_mean_shift, "m:", label="(16), Eq. 14 drift")
        axes[1, j].plot(th.s, th.law_variance / th.eq18_variance, "k-", label="(16) / Eq. 18")
        axes[2, j].plot(th.s, th.law_mode_shift, "k-", label="(16) mode")
        axes[2, j].plot(th.s, th.law_peak_shift, "k:", label="(16) Gram-Charlier peak")
        axes[0, j].set(title=f"L = {depth}", ylabel="stationary mean $- s$")
        axes[1, j].set(ylabel="Var / Eq. 18")
        axes[2, j].set(ylabel="peak $- s$", xlabel="teacher singular value s")
        for ax in axes[:, j]:
            ax.legend(fontsize="xx-small")
        for ax in axes[0::2, j]:
            ax.axhline(0, color="0.7", lw=0.6)
    save(fig, outputs, plot["dpi"])
