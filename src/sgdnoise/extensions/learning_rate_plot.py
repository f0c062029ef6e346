"""The finite-learning-rate figure (issue 18.3), rendered from its summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import io
from ..plotting import no_minor_labels, save, theme
from .learning_rate import MOMENTS

LABELS = {"sgd": "online SGD (step $\\eta$)", "sde": "SDE (1), EM at dt = {ratio:g} $\\eta$"}
MARKERS = {"sgd": "o", "sde": "s"}


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    eta = ds.learning_rate.values
    fine = np.linspace(0, eta.max() * 1.05, 200)
    ratio = float(ds.dt_over_eta)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()
    # (a), (b): each moment divided by eta, so the O(eta) coefficient is the intercept and the O(eta^2) one the slope
    for ax, moment, letter in zip(axes[:2], MOMENTS, "ab"):
        for j, method in enumerate(ds.dynamics.values):
            y, se = ds[moment].sel(dynamics=method).values, ds[f"{moment}_se"].sel(dynamics=method).values
            q = f"{method}_{moment}"
            a1, a2, a3 = (float(ds[c].sel(quantity=q)) for c in ("leading", "second", "third"))
            line = ax.errorbar(eta * (1 + 0.02 * (2 * j - 1)), y / eta, yerr=se / eta, fmt=MARKERS[method], capsize=3,
                               label=LABELS[method].format(ratio=ratio))
            ax.plot(fine, a1 + a2 * fine + a3 * fine**2, "-", color=line[0].get_color(), lw=1,
                    label=f"fit $a_1 + a_2\\eta + a_3\\eta^2$: $a_1$ = {a1:.3g} $\\pm$ {float(ds.leading_se.sel(quantity=q)):.2g}")
        law = ds.law_mean_shift if moment == "mean_shift" else ds.law_variance
        ax.plot(eta, law / eta, "k:", label="(16), corrected drift (1-D, exact in $\\beta$)")
        leading = float(ds[f"exact_leading_{moment}"])
        ax.axhline(leading, color="k", lw=1, ls="--", label="$-c/\\eta$, corrected Eq. 17" if moment == "mean_shift" else "Eq. 18 / $\\eta$")
        if moment == "mean_shift" and np.isfinite(float(ds.network_leading_mean_shift)):
            ax.axhline(float(ds.network_leading_mean_shift), color="C3", lw=1, ls="-.",
                       label="$-(1 + \\sqrt{(d_0-1)(d_L-1)})\\,c/\\eta$ (network: first hidden unit's off-diagonal weights)")
        ax.set(xlabel="learning rate $\\eta$", xlim=(0, fine[-1]),
               ylabel="(stationary mean $- s$) / $\\eta$" if moment == "mean_shift" else "stationary Var $w_0$ / $\\eta$",
               title=f"({letter}) {'mean shift' if moment == 'mean_shift' else 'variance'} of $w_0$, "
                     f"$\\sigma_q^2$ = {float(ds.label_noise_variance):g}, L = {int(ds.depth)}")
        ax.legend(fontsize="xx-small")
    # (c), (d): SGD - SDE divided by eta^2: flat for an O(eta^2) difference, ~1/eta for an O(eta) one
    for ax, moment, letter in zip(axes[2:], ("variance", "mean_shift"), "cd"):
        y, se = ds.difference.sel(moment=moment).values, ds.difference_se.sel(moment=moment).values
        ax.errorbar(eta, y / eta**2, yerr=se / eta**2, fmt="o", capsize=3, color="C2", label="SGD $-$ SDE")
        ax.plot(eta, ds.em_difference.sel(moment=moment) / eta**2, "k:", label=f"linearised mode: EM at $\\eta$ against dt = {ratio:g} $\\eta$")
        a, p = float(ds.amplitude.sel(moment=moment)), float(ds.order.sel(moment=moment))
        if np.isfinite(p):
            ax.plot(eta, a * eta ** (p - 2), "-", color="C2", lw=1, label=f"fit $A\\eta^p$: p = {p:.2f} $\\pm$ {float(ds.order_se.sel(moment=moment)):.2f}")
        q = f"difference_{moment}"
        c1, c1_se = float(ds.leading.sel(quantity=q)), float(ds.leading_se.sel(quantity=q))
        ax.plot(eta, c1 / eta + float(ds.second.sel(quantity=q)), "--", color="C2", lw=1,
                label=f"fit $c_1\\eta + c_2\\eta^2$: $c_1$ = {c1:.2g} $\\pm$ {c1_se:.2g}")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set(xscale="log", xlabel="learning rate $\\eta$", ylabel=f"(SGD $-$ SDE) / $\\eta^2$, {'variance' if moment == 'variance' else 'mean'}",
               title=f"({letter}) {'variance' if moment == 'variance' else 'mean'} difference: order in $\\eta$")
        no_minor_labels(ax)
        ax.legend(fontsize="xx-small")
    save(fig, outputs, plot["dpi"])
