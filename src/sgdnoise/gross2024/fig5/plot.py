"""Gross et al. 2024, Fig. 5, rendered from the sweep summaries (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ... import io
from ...plotting import errorbar, save, theme


def render(spectrum_path: str, input_dimension_path: str, theory_curve_path: str, outputs: list[str], *, plot: dict) -> None:
    spec, dim, curve = (io.open_dataset(p) for p in (spectrum_path, input_dimension_path, theory_curve_path))
    theme(plot)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), constrained_layout=True)

    # (a) variances and losses against N at fixed P
    ax = axes[0]
    N, P = dim.N.values, int(dim.P.values[0])
    order = np.argsort(N)
    seed_last = lambda v: v.transpose("point", "seed").values[order]  # noqa: E731
    colors = sns.color_palette("deep", 4)
    errorbar(ax, N[order], seed_last(dim.temporal_variance_sgd), fmt="s", color=colors[0], label=r"$\langle\delta w_i^2\rangle_t$ SGD")
    ax.plot(N[order], dim.temporal_variance_lyapunov.mean("seed").values[order], "-.", color=colors[0], label="Eq. (2.30)")
    iso = float(dim.isotropic_variance.max())
    ax.plot(N[order][N[order] < P], np.full((N < P).sum(), iso), ":", color="k", label="Eq. (2.34)")
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
    ax.set(xscale="log", yscale="log", xlabel="input dimension $N$", title=f"(a) $P = {P}$", ylim=(iso / 20, None))
    ax.set_xticks(N[order], [str(n) for n in N[order]], minor=False)
    ax.minorticks_off()
    ax.legend(fontsize="x-small", ncol=2)

    # (b) spectrum of M normalised by lr sigma^2 / 2S
    ax = axes[1]
    iso = float(spec.isotropic_variance.max())
    palette = sns.color_palette(plot["palette"], spec.sizes["point"])
    rank = spec.mode.values + 1
    for i, color in enumerate(palette):
        p = spec.isel(point=i)
        ax.plot(rank, p.sgd_along_lyapunov.mean("seed") / iso, "-", color=color, label=f"P/N = {float(p.P_over_N):g}")
        ax.plot(rank, p.lyapunov_sorted_eigenvalues.mean("seed") / iso, "--", color=color, lw=1)
        ax.plot(rank, p.detailed_balance_eigenvalues.mean("seed") / iso, ":", color=color, lw=1)
    ax.axhline(1.0, color="k", ls="-.", lw=1)
    ax.set(yscale="log", xlabel="rank $k$", ylabel=r"eigenvalue of $M$ / $(\lambda\sigma_\epsilon^2/2S)$",
           title=f"(b) $N = {int(spec.N.values[0])}$: SGD (solid), (2.30) (dashed), (2.33) (dotted)")
    ax.legend(fontsize="x-small")

    # (c) extreme eigenvalues of M and |eig Q| against P/N - 1
    ax = axes[2]
    x = curve.P_over_N.values - 1
    iso = float(curve.isotropic_variance.max())
    for mode, color, label in ((0, "C3", "max"), (-1, "C0", "min")):
        ax.plot(x, curve.lyapunov_eigenvalues.isel(mode=mode).mean("seed") / iso, "-", color=color, label=f"{label} eig M (2.30)")
        ax.plot(x, curve.detailed_balance_eigenvalues.isel(mode=mode).mean("seed") / iso, ":", color=color, label=f"{label} eig (2.33)")
        xs = spec.P_over_N.values - 1
        errorbar(ax, xs, (spec.sgd_along_lyapunov.isel(mode=mode) / iso).transpose("point", "seed").values, fmt="o", color=color, ms=4,
                  label=f"{label}: SGD along (2.30)")
    ax.plot(x, curve.q_abs_eigenvalue_max.mean("seed") / iso, "--", color="C2", label="max |eig Q|")
    ax.plot(x, curve.q_abs_eigenvalue_min.mean("seed") / iso, "--", color="C8", label="min |eig Q|")
    ax.set(xscale="log", yscale="log", xlabel="$P/N - 1$", ylabel=r"/ $(\lambda\sigma_\epsilon^2/2S)$",
           title=f"(c) $N = {int(curve.N.values[0])}$", ylim=(1e-4, None))
    ax.legend(fontsize="x-small", ncol=2)

    save(fig, outputs, plot["dpi"])
