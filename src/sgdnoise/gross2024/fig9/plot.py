"""Gross et al. 2024, Fig. 9, rendered from the summaries (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import no_minor_labels, save, theme
from ...statistics import mean_and_sem

STYLE = {"sgd": dict(marker="o", ls="-", label="SGD"), "sgf": dict(marker="^", ls="-.", label="SGF (Wick)"),
         "sgf_half_dt": dict(marker="v", ls=":", label="SGF, dt/2"), "sgf_small_noise": dict(marker="s", ls="--", label=r"SGF, $\lambda/S = 10^{-5}$")}


def _case(ds, case):
    return ds.sel(case=case).dropna("seed", how="all")


def _band(ax, x, values, color, **style):
    mean, sem = mean_and_sem(values)
    ax.errorbar(x, mean, yerr=sem, color=color, ms=3.5, lw=0.8, capsize=1.5, mfc="none" if style["marker"] == "o" else color, **style)


def render(summary_a_path: str, summary_b_path: str, outputs: list[str], *, plot: dict) -> None:
    a, b = io.open_dataset(summary_a_path), io.open_dataset(summary_b_path)
    theme(plot)
    colors = dict(zip(STYLE, sns.color_palette("deep", len(STYLE))))
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), constrained_layout=True)

    # (a) dL(theta a_i)/theta^2 against the mode index, with (3.37) exact and as printed through M22
    ref = _case(a, "sgd")
    index = a.mode.values + 1
    for case in a.case.values:
        _band(axes[0], index, _case(a, case).loss_curvature.values, colors[str(case)], **STYLE[str(case)])
    axes[0].plot(index, ref.exact_curvature.mean("seed"), "-", color="k", lw=1.5, label=r"(3.37) exact: $\sigma_x^2 D_{1,ii}/2$ (SGD's $W^0$)")
    if "sgf_small_noise" in a.case.values:  # its weights drifted less: its own D1
        axes[0].plot(index, _case(a, "sgf_small_noise").exact_curvature.mean("seed"), "-", color=colors["sgf_small_noise"], lw=0.8,
                     label=r"(3.37) exact at the $\lambda/S = 10^{-5}$ SGF's $W^0$")
    axes[0].plot(index, ref.printed_curvature.mean("seed"), "--", color="k", lw=1.2, label=r"(3.37) through $M_{22}$ (printed)")
    axes[0].plot(index, ref.raw_loss_curvature.mean("seed"), "x", color="0.6", ms=4, label="SGD, covariance not detrended")
    axes[0].set(yscale="log", xlabel="mode index $i$ (eigenvalues of cov($\\delta W_2$) descending)", ylabel=r"$\delta L(\theta a_i)/\theta^2$",
                title=f"(a) $N_i = {int(ref.N)}$, $N_h = {ref.sizes['mode']}$, $P = {int(ref.P)}$ (mean over {ref.sizes['seed']} seeds)")
    axes[0].legend(fontsize="x-small", loc="lower left")
    no_minor_labels(axes[0])

    # (a') the same over the exact form, mode by mode: 1 if (3.37) holds, D2/(D1 + D2) for the printed form
    for case in a.case.values:
        c = _case(a, case)
        _band(axes[1], index, (c.loss_curvature / c.exact_curvature).values, colors[str(case)], **STYLE[str(case)])
    axes[1].axhline(1, color="k", lw=1.5, label="(3.37) exact")
    for case in a.case.values:
        if str(case) in ("sgd", "sgf_small_noise"):
            axes[1].plot(index, _case(a, case).finite_window_ratio.mean("seed"), "-", color=colors[str(case)], lw=2, alpha=0.5,
                         label=f"(3.37) along a finite window's modes (linear theory, MC), {STYLE[str(case)]['label']}")
    axes[1].plot(index, (ref.printed_curvature / ref.exact_curvature).mean("seed"), "--", color="k", lw=1.2, label=r"printed: $D_2/(D_{1,ii} + D_2)$")
    axes[1].set(xlabel="mode index $i$", ylabel=r"$\delta L(\theta a_i) \,/\, (\sigma_x^2 \theta^2 D_{1,ii}/2)$", ylim=(0, 2.5),
                title="(a) measured over the exact form (mean $\\pm$ SE over seeds)")
    axes[1].legend(fontsize="x-small", loc="upper left")

    # (b) dL(theta v_i)/theta^2 along the eigenvectors of cov(vec dW1), the linear theory's, and the spectrum (inset)
    ref = _case(b, "sgd")
    n_in, index = int(ref.N), b.mode.values + 1
    for case in b.case.values:  # in units of each run's own flat level 1/2 sigma_x^2 D2 (D2 differs between the runs)
        c = _case(b, case)
        axes[2].plot(index, (c.loss_curvature / c.flat_level).mean("seed"), STYLE[str(case)]["marker"], color=colors[str(case)], ms=2.5, mfc="none",
                     label=f"{STYLE[str(case)]['label']} (mean over {c.sizes['seed']} seeds)")
    axes[2].plot(index[:n_in], (ref.theory_loss_curvature / ref.flat_level).mean("seed")[:n_in], "-", color="k", lw=1.5,
                 label="linear theory (3.31a), its eigenvectors (0 for $i > N_i$)")
    axes[2].axvline(n_in + 0.5, color="0.5", lw=0.8)
    scaled = (b.loss_curvature / b.flat_level).values
    floor = float(np.nanmin(np.where(scaled > 0, scaled, np.nan))) / 3
    axes[2].set(yscale="log", xscale="log", ylim=(floor, 5), xlabel="mode index $i$ (eigenvalues of cov(vec $\\delta W_1$) descending)",
                ylabel=r"$\delta L(\theta v_i) \,/\, (\sigma_x^2 \theta^2 D_2/2)$", title=f"(b) $N_i = {n_in}$, $N_h = {int(ref.n_hidden)}$, $P = {int(ref.P)}$ (line: $i = N_i$)")
    axes[2].legend(fontsize="x-small", loc="upper right")
    no_minor_labels(axes[2])
    inset = axes[2].inset_axes([0.1, 0.07, 0.38, 0.42])
    for case in b.case.values:
        inset.plot(index, _case(b, case).covariance_eigenvalues.mean("seed"), ".", ms=1.5, color=colors[str(case)])
    inset.plot(index, ref.raw_covariance_eigenvalues.mean("seed"), "-", color="0.6", lw=0.8)  # SGD, not detrended
    theory = ref.theory_covariance_eigenvalues.mean("seed").values
    inset.plot(index[:n_in], theory[:n_in], "-", color="k", lw=1)
    inset.axvline(n_in + 0.5, color="0.5", lw=0.6)
    top = float(b.covariance_eigenvalues.max())
    inset.set(xscale="log", yscale="log", ylim=(1e-9 * top, 3 * top))
    inset.set_title("eig cov(vec $\\delta W_1$) (grey: SGD not detrended)", fontsize="xx-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)
    save(fig, outputs, plot["dpi"])
