"""Gross et al. 2024, Fig. 5, rendered from the sweep summaries (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ... import io
from ...plotting import errorbar, save, theme
from ...statistics import mean_and_sem


def _band(ax, x, samples, color, **kw):
    """Mean over the seed axis (first) as a line, its SE as a band."""
    mean, sem = mean_and_sem(samples)
    ax.fill_between(x, mean - sem, mean + sem, color=color, alpha=0.25, lw=0)
    return ax.plot(x, mean, color=color, **kw)


def render(spectrum_path: str, input_dimension_path: str, theory_curve_path: str, small_input_path: str, crossovers_path: str, outputs: list[str], *,
           plot: dict) -> None:
    spec, dim, curve, small = (io.open_dataset(p) for p in (spectrum_path, input_dimension_path, theory_curve_path, small_input_path))
    table = pd.read_csv(crossovers_path)
    theme(plot)
    fig, axes = plt.subplot_mosaic([["a", "b", "c"], ["a", "r", "c"]], figsize=(16, 6.2), height_ratios=[2.4, 1], constrained_layout=True)

    # (a) variances and losses against N at fixed P
    ax = axes["a"]
    N, P = dim.N.values, int(dim.P.values[0])
    order = np.argsort(N)
    seed_last = lambda v: v.transpose("point", "seed").values[order]  # noqa: E731
    colors = sns.color_palette("deep", 4)
    errorbar(ax, N[order], seed_last(dim.temporal_variance_sgd), fmt="s", color=colors[0], label=r"$\langle\delta w_i^2\rangle_t$ SGD")
    ax.plot(N[order], dim.temporal_variance_lyapunov.mean("seed").values[order], "-.", color=colors[0], label="Eq. (2.30)")
    iso = float(dim.isotropic_variance.max())
    ax.plot(N[order][N[order] < P], np.full((N < P).sum(), iso), ":", color="k", label="Eq. (2.34)")
    n_small = small.sizes["seed"]  # the N/P -> 0 limit of (2.30), many realizations (fig5a_variance_to_isotropic)
    errorbar(ax, small.N.values, small.temporal_variance_lyapunov.transpose("point", "seed").values, fmt="D", color=colors[0], mfc="none",
             label=f"Eq. (2.30), {n_small} realiz.")
    errorbar(ax, N[order], seed_last(dim.spatial_variance_sgd), fmt="o", color=colors[1], label=r"$\langle\delta w_i^2\rangle_i$ SGD")
    ax.plot(N[order], dim.spatial_variance_solution.mean("seed").values[order], "--", color=colors[1], label=r"var$_i(w^*_i)$")
    errorbar(ax, N[order], seed_last(dim.train_loss_sgd), fmt="^", color=colors[2], label="train loss SGD")
    errorbar(ax, N[order], seed_last(dim.test_loss_sgd), fmt="v", color=colors[3], label="test loss SGD")
    ax.plot(N[order], dim.train_loss_discrete.mean("seed").values[order], "-", color=colors[2], lw=0.8)
    ax.plot(N[order], dim.test_loss_discrete.mean("seed").values[order], "-", color=colors[3], lw=0.8)
    ax.axvline(P, color="0.6", lw=0.8)
    over = N > P
    if over.any():  # vanishing fluctuations fall below the axis: say how small they are
        largest = float(dim.temporal_variance_sgd.isel(point=np.flatnonzero(over)).max())
        ax.text(0.98, 0.04, f"N > P: SGD variance $\\leq$ {largest:.1e}", transform=ax.transAxes, ha="right", fontsize="x-small")
    ax.set(xscale="log", yscale="log", xlabel="input dimension $N$", ylabel="variance, loss", title=f"(a) $P = {P}$", ylim=(iso / 20, None))
    ticks = np.union1d(N, small.N.values)
    ax.set_xticks(ticks, [str(n) for n in ticks], minor=False)
    ax.tick_params(axis="x", labelrotation=60, labelsize="x-small")
    ax.minorticks_off()
    ax.legend(fontsize="x-small", ncol=2)

    # (b) spectrum of M normalised by lr sigma^2 / 2S; theory drawn first and thin, SGD on top
    ax, res = axes["b"], axes["r"]
    iso = float(spec.isotropic_variance.max())
    palette = sns.color_palette(plot["palette"], spec.sizes["point"])
    rank = spec.mode.values + 1
    for i, color in enumerate(palette):
        p = spec.isel(point=i)
        ax.plot(rank, p.lyapunov_sorted_eigenvalues.mean("seed") / iso, "--", color="k", lw=0.7, zorder=1)
        ax.plot(rank, p.detailed_balance_eigenvalues.mean("seed") / iso, ":", color=color, lw=1, zorder=1)
        ax.plot(rank, p.sgd_eigenvalues.mean("seed") / iso, "-", color=color, lw=0.8, alpha=0.5, zorder=2)
        _band(ax, rank, (p.sgd_along_lyapunov / iso).transpose("seed", "mode").values, color, lw=1.6, zorder=3, label=f"P/N = {float(p.P_over_N):g}")
        ratio = (p.sgd_along_lyapunov / p.lyapunov_sorted_eigenvalues - 1).transpose("seed", "mode").values
        _band(res, rank, 100 * ratio, color, lw=1)
        res.plot(rank, 100 * (p.discrete_along_lyapunov / p.lyapunov_sorted_eigenvalues - 1).mean("seed"), "--", color=color, lw=0.7)
    ax.axhline(1.0, color="k", ls="-.", lw=1)
    ax.set(yscale="log", ylabel=r"eig. of $M$ / $(\lambda\sigma_\epsilon^2/2S)$",
           title=f"(b) $N = {int(spec.N.values[0])}$: SGD along (2.30) (bold, SE band), SGD sample eig. (faint),\n(2.30) (black dashed), (2.33) (dotted)")
    ax.legend(fontsize="x-small", ncol=2)
    res.axhline(0, color="k", lw=0.7)
    res.set(xlabel="rank $k$", ylabel="SGD/(2.30) - 1 [%]", title="residual (band: SE); dashed: continuum error (discrete M)")

    # (c) extreme eigenvalues of M and |eig Q| against P/N - 1, at the spectrum run's N
    ax = axes["c"]
    N_c = int(spec.N.values[0]) if int(spec.N.values[0]) in curve.N.values else int(curve.N.values.max())
    at = np.flatnonzero(curve.N.values == N_c)
    at = at[np.argsort(curve.P_over_N.values[at])]
    c = curve.isel(point=at)
    x = c.P_over_N.values - 1
    iso = float(curve.isotropic_variance.max())
    seeds_first = lambda v: (v / iso).transpose("seed", "point").values  # noqa: E731
    for end, color in (("max", "C3"), ("min", "C0")):
        _band(ax, x, seeds_first(c[f"lyapunov_eigenvalue_{end}"]), color, ls="-", label=f"{end} eig M (2.30)")
        _band(ax, x, seeds_first(c[f"detailed_balance_eigenvalue_{end}"]), color, ls=":", label=f"{end} eig (2.33)")
        errorbar(ax, spec.P_over_N.values - 1, seeds_first(spec[f"sgd_along_lyapunov"].isel(mode=0 if end == "max" else -1)).T, fmt="o", color=color, ms=4,
                 label=f"{end}: SGD along (2.30)")
    _band(ax, x, seeds_first(c.q_abs_eigenvalue_max), "C2", ls="--", label="max |eig Q|")
    _band(ax, x, seeds_first(c.q_abs_eigenvalue_min), "C8", ls="--", label="min |eig Q|")
    db10 = table[(table.N == N_c) & np.isclose(table.threshold, 0.1) & table.deviation.str.startswith("detailed_balance")].P_over_N_crossover.max()
    if np.isfinite(db10):
        ax.axvline(db10 - 1, color="0.5", lw=0.8, ls="-.", label=f"(2.33) within 10 % from P/N = {db10:.2g}")
    ax.set(xscale="log", yscale="log", xlabel="$P/N - 1$", ylabel=r"eigenvalue / $(\lambda\sigma_\epsilon^2/2S)$",
           title=f"(c) $N = {N_c}$, theory over {curve.sizes['seed']} realizations (SE bands)", ylim=(1e-5, None))
    ax.legend(fontsize="x-small", ncol=2)

    save(fig, outputs, plot["dpi"])
