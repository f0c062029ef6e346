"""Gross et al. 2024, Fig. 4, rendered from the summary and the settling runs (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import no_minor_labels, save, theme
from .stages import settling_shares, settling_table


def render(summary_path: str, settling_path: str, noiseless_path: str, outputs: list[str], *, plot: dict, modes: list[int],
           thresholds: list[float]) -> None:
    ds, settling, noiseless = (io.open_dataset(p) for p in (summary_path, settling_path, noiseless_path))
    scan = ds  # the learning-rate scan is part of the shown realization's theory
    theme(plot)
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True)
    t = ds.time.values
    later = t > 0
    colors = sns.color_palette("deep", len(modes))
    slowest = 1.0 / float(ds.omega[0])
    shown = int(ds.attrs["data_realization"])

    # (a) as in the paper: the modes and the loss of one run, (2.27) dashed; inset log-log with L*
    ax = axes[0, 0]
    for k, color in zip(modes, colors):
        ax.plot(t, ds.shown_modes.sel(mode=k), "-", color=color, lw=1.2, label=rf"$z_{{{k}}}(t)$")
        ax.plot(t, ds.continuum_modes.sel(mode=k), "--", color="k", lw=0.8)
    ax.plot(t, ds.shown_loss, "-.", color="C3", lw=1.2, label="$L$")
    ax.axvline(slowest, color="0.6", lw=0.8)
    ax.set(xscale="log", xlim=(t[later][0], t[-1]), xlabel=r"$t = \lambda\tau$", ylabel=r"$z_k(t) = V_k^T w(t)$,  $L$",
           title=f"(a) $N = {int(ds.N)}$, $P = {int(ds.P)}$, realization {shown} (median $L^*$): one run, Eq. (2.27) dashed")
    ax.text(slowest, ax.get_ylim()[1], r" $1/\omega_0$", va="top", fontsize="x-small", color="0.4")
    ax.legend(fontsize="x-small", loc="center right")
    inset = ax.inset_axes([0.07, 0.5, 0.38, 0.38])
    for k, color in zip(modes, colors):
        inset.plot(t[later], abs(ds.shown_modes.sel(mode=k)[later]), "-", color=color, lw=0.8)
    inset.plot(t[later], ds.shown_loss[later], "-.", color="C3", lw=0.8)
    inset.axhline(float(ds.minimum_loss), color="0.5", lw=1)
    inset.axvline(slowest, color="0.6", lw=0.8, ls=":")
    inset.set(xscale="log", yscale="log")
    inset.set_title(r"$|z_k|$, $L$, $L^*$ (gray), $1/\omega_0$ (dotted)", fontsize="xx-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)

    # (b) relative offsets, so that small modes are visible: SGD mean +- SE over runs, (2.27) dashed, loss excess
    ax = axes[0, 1]
    amplitude = (ds.initial_modes - ds.solution_modes)
    for k, color in zip([0, *modes], ["0.3", *colors]):
        mean = (ds.sgd_modes_mean.sel(mode=k) - ds.solution_modes.sel(mode=k)) / amplitude.sel(mode=k)
        sem = ds.sgd_modes_sem.sel(mode=k) / abs(amplitude.sel(mode=k))
        ax.plot(t[later], mean[later], "-", color=color, lw=1.2, label=rf"$k = {k}$")
        ax.fill_between(t[later], (mean - sem)[later], (mean + sem)[later], color=color, alpha=0.3, lw=0)
        ax.plot(t[later], np.exp(-float(ds.omega.sel(mode=k)) * t[later]), "--", color="k", lw=0.7)
    excess = ds.sgd_loss_mean / ds.minimum_loss - 1
    ax.plot(t[later], excess[later], "-.", color="C3", lw=1.2, label=r"$(L - L^*)/L^*$")
    ax.fill_between(t[later], (excess - ds.sgd_loss_sem / ds.minimum_loss)[later], (excess + ds.sgd_loss_sem / ds.minimum_loss)[later], color="C3", alpha=0.3, lw=0)
    ax.axvline(slowest, color="0.6", lw=0.8)
    ax.text(slowest, 30, r" $1/\omega_0$", fontsize="x-small", color="0.4")
    for q in thresholds:
        ax.axhline(q, color="0.85", lw=0.6, zorder=0)
    ax.set(xscale="log", yscale="log", xlim=(t[later][0], t[-1]), ylim=(1e-3, 1e2), xlabel=r"$t = \lambda\tau$",
           ylabel=r"$(z_k - z_k^*)/(z_k(0) - z_k^*)$", title=f"(b) relative offsets, mean $\\pm$ SE of {ds.attrs['n_runs']} runs; $e^{{-\\omega_k t}}$ dashed")
    ax.legend(fontsize="x-small", loc="lower left")

    # (d), (e) settling over realizations
    table = settling_table(settling, thresholds)
    shares = settling_shares(table)
    q = np.asarray(thresholds)
    ax = axes[1, 0]
    ax.errorbar(q, shares["share"], yerr=shares["share_sem"], fmt="o-", capsize=3, label=r"$t_L(q) < t_0(q)$")
    ax.errorbar(q, shares["share_at"], yerr=shares["share_at_sem"], fmt="s--", capsize=3, label=r"$t_L(q) < 1/\omega_0$")
    ax.axhline(0.5, color="0.6", lw=0.8)
    ax.set(xscale="log", xticks=q, xticklabels=[f"{x:g}" for x in q], ylim=(0, 1), xlabel="threshold $q$", ylabel="share of realizations",
           title=f"(d) {shares['n']} realizations x {settling.sizes['run']} runs: loss settles first")
    ax.minorticks_off()
    ax.legend(fontsize="x-small")
    ax = axes[1, 1]
    omega_0 = table.omega_0.values[:, None]
    for name, key, marker in (("loss excess below $q$", "loss_time", "o-"), ("slowest mode offset below $q$", "mode_time", "s--")):
        scaled = table[key].values * omega_0
        lo, hi = np.percentile(scaled, [25, 75], axis=0)
        line, = ax.plot(q, np.median(scaled, axis=0), marker, label=name)
        ax.fill_between(q, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.plot(q, np.log(1 / q), ":", color="k", lw=0.8, label=r"$\ln(1/q)$ (Eq. 2.27)")
    ax.set(xscale="log", yscale="log", xticks=q, xticklabels=[f"{x:g}" for x in q], xlabel="threshold $q$", ylabel=r"$\omega_0 t$ from which it stays below $q$",
           title="(e) median and quartiles over realizations")
    no_minor_labels(ax)
    ax.legend(fontsize="x-small")

    # (c) sigma_eps = 0: exponential decay of the loss to zero
    ax = axes[0, 2]
    tn = noiseless.time.values
    on = tn > 0
    ax.plot(tn[on], noiseless.sgd_loss_mean[on], "-", lw=1.4, label=f"SGD, mean $\\pm$ SE of {noiseless.attrs['n_runs']} runs")
    ax.fill_between(tn[on], (noiseless.sgd_loss_mean - noiseless.sgd_loss_sem)[on], (noiseless.sgd_loss_mean + noiseless.sgd_loss_sem)[on], alpha=0.3, lw=0)
    ax.plot(tn[on], noiseless.exact_loss[on], "--", color="k", lw=0.8, label="exact discrete mean")
    ax.plot(tn[on], noiseless.continuum_loss[on], ":", color="C3", lw=1.0, label="continuum (2.26)-(2.27)")
    ax.axvline(1 / float(noiseless.omega_0), color="0.6", lw=0.8)
    ax.text(1 / float(noiseless.omega_0), float(noiseless.sgd_loss_mean[1]), r" $1/\omega_0$", fontsize="x-small", color="0.4")
    ax.set(xscale="log", yscale="log", xlabel=r"$t = \lambda\tau$", ylabel="$L$",
           title=f"(c) $\\sigma_\\epsilon = 0$, $N = {int(noiseless.N)}$, $P = {int(noiseless.P)}$: decay to zero")
    ax.legend(fontsize="x-small", loc="lower left")

    # (f) (2.13) against (2.11): worst mode's deviation against lr, up to the stability limit
    ax = axes[1, 2]
    lr = scan.learning_rate.values
    ax.plot(lr, scan.rate_deviation.max("mode"), "o-", ms=3, label="relaxation rate (2.27)")
    ax.plot(lr, scan.variance_deviation.max("mode"), "s--", ms=3, label="stationary variance (2.30)")
    for q in thresholds:
        ax.axhline(q, color="0.85", lw=0.6, zorder=0)
    ax.axvline(2.0 / float(scan.omega[-1]), color="C3", lw=0.8)
    ax.text(2.0 / float(scan.omega[-1]), 3.0, r"$2/\omega_{\max}$ ", ha="right", fontsize="x-small", color="C3")
    ax.axvline(0.1, color="0.6", lw=0.8, ls=":")
    ax.set(xscale="log", yscale="log", ylim=(1e-3, 10), xlabel=r"learning rate $\lambda$ (paper: 0.1, dotted)",
           ylabel="max over modes |continuum / discrete - 1|", title=f"(f) SDE (2.13) vs SGD (2.11), shown realization")
    ax.legend(fontsize="x-small", loc="upper left")
    save(fig, outputs, plot["dpi"])
