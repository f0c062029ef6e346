"""Gross et al. 2024, Fig. 6, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import no_minor_labels, save, theme

SHOWN_MODES = 8  # perturbation curves drawn in panel (a), spread over the spectrum


def _case(ds, case):
    return ds.sel(case=case).dropna("seed", how="all").dropna("mode", how="all")


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    axes = axes.ravel()

    # (a) dL(theta v_i) for eigenvectors spread over the spectrum of M_SGD (first run) against theta^2 sigma_x^2 / 2
    c = _case(ds, "iid")
    theta = c.theta.values
    run = c.isel(seed=0)
    chosen = np.unique(np.linspace(0, c.sizes["mode"] - 1, SHOWN_MODES).round().astype(int))
    for i, color in zip(chosen, sns.color_palette(plot["palette"], len(chosen))):
        axes[0].plot(theta, run.loss_perturbation.isel(mode=i), "-", color=color, lw=1, label=f"$i = {i + 1}$")
    axes[0].plot(theta, 0.5 * theta**2 * float(run.feature_variance), "--", color="k", lw=1.5, label=r"$\theta^2\sigma_x^2/2$")
    axes[0].set(xlabel=r"$\theta$", ylabel=r"$\delta L(\theta v_i)$", title=f"(a) Gaussian i.i.d., $N = {int(c.N)}$, $P = {int(c.P)}$ (single run)")
    axes[0].legend(fontsize="xx-small", ncol=2, loc="lower right")
    _spectrum_inset(axes[0], run.covariance_eigenvalues.values, [0.36, 0.6, 0.28, 0.33])

    # (b) and random labels: dL(theta v_i) / theta^2 against the mode index, mean over runs, and the i.i.d. prediction
    for ax, case, title in ((axes[1], "wishart", "(b) Wishart-correlated inputs"), (axes[2], "random_labels", "(c) random labels (text)")):
        c = _case(ds, case)
        theta_max = float(c.theta.max())
        scaled = c.loss_perturbation.sel(theta=theta_max) / theta_max**2
        index = c.mode.values + 1
        mean, sem = scaled.mean("seed"), scaled.std("seed", ddof=1) / np.sqrt(c.sizes["seed"])
        ax.errorbar(index, mean, yerr=sem, fmt="o-", ms=3, lw=0.8, capsize=2, label=rf"SGD, mean over {c.sizes['seed']} runs")
        ax.axhline(0.5 * float(c.feature_variance.mean()), color="k", ls="--", lw=1.2, label=r"i.i.d.: $\sigma_x^2/2$")
        ax.set(xlabel="mode index $i$ (covariance eigenvalues descending)", ylabel=r"$\delta L(\theta v_i)/\theta^2$",
               title=f"{title}, $N = {int(c.N)}$, $P = {int(c.P)}$", ylim=(0, 1.7 * float((mean + sem).max())))
        ax.legend(fontsize="x-small", loc="upper left")
        _spectrum_inset(ax, c.covariance_eigenvalues.isel(seed=0).values, [0.64, 0.66, 0.33, 0.3])
    _curvature_against_variance(axes[3], ds, plot)
    save(fig, outputs, plot["dpi"])


def _curvature_against_variance(ax, ds, plot):
    """(d) The IVFR test plotted: v_i^T H v_i / sigma_x^2 against gamma_i / mean gamma, SGD's eigenvectors (dots) and the
    exact stationary M's (crosses), all runs; an IVFR (psi = 2) would give slope +1, equipartition slope -1."""
    colors = sns.color_palette("deep", ds.sizes["case"])  # categorical: the cases must be told apart
    for case, color in zip(ds.case.values, colors):
        c = _case(ds, case)
        for gamma, curvature, marker, label in ((c.covariance_eigenvalues, c.curvature, ".", "SGD"),
                                                (c.exact_covariance_eigenvalues, c.exact_curvature, "x", "exact M")):
            g = (gamma / gamma.mean("mode")).values.ravel()
            k = (curvature / c.feature_variance).values.ravel()
            ax.plot(g, k, marker, ms=3 if marker == "." else 2.5, color=color, alpha=0.6, ls="none", label=f"{case}, {label}")
    x = np.geomspace(0.3, 3, 10)
    for slope, ls, name in ((1, ":", "IVFR ($\\psi = 2$): slope +1"), (-1, "-.", "equipartition: slope -1")):
        ax.plot(x, x**slope, ls, color="k", lw=1, label=name)
    ax.axhline(1, color="k", ls="--", lw=1, label=r"i.i.d.: $\sigma_x^2$")
    ax.set(xscale="log", yscale="log", xlabel=r"covariance eigenvalue $\gamma_i / \langle\gamma\rangle$",
           ylabel=r"curvature $v_i^T H v_i / \sigma_x^2$", title="(d) curvature against variance (all runs)")
    no_minor_labels(ax)
    ax.legend(fontsize="xx-small", ncol=2, loc="lower left")


def _spectrum_inset(ax, eigenvalues, bounds):
    inset = ax.inset_axes(bounds)
    inset.plot(np.arange(1, eigenvalues.size + 1), eigenvalues, ".", ms=2, color="0.3")
    inset.set(yscale="log")
    inset.set_title("cov. eigenv.", fontsize="xx-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)
