"""Panels on mode statistics (corlouer2026.modewise summaries), shared by the Corlouer figures 1, 9, 10, 11."""

from __future__ import annotations

import json

import numpy as np
import seaborn as sns

SMOOTH = 5  # record intervals in the running mean of the realised (ii) curves over time (single intervals are ~50 % noise)


def colors(n: int, plot: dict):
    return sns.color_palette(plot["palette"], n + 1)[:n]


def modes_panel(ax, c, plot, title):
    """w_alpha(t): seed mean and +- 1 sd band, Eq. 5's predicted peak times (solid) and learning times (dashed), seed means."""
    t = c.time.values
    for a, color in zip(range(c.sizes["mode"]), colors(c.sizes["mode"], plot)):
        w = c.mode_amplitude.isel(mode=a)
        mean, sd = w.mean("seed").values, w.std("seed").values
        ax.plot(t, mean, color=color, lw=1.5, label=f"$s = {float(c.singular_value[a]):g}$")
        ax.fill_between(t, mean - sd, mean + sd, color=color, alpha=0.25, lw=0)
        ax.axvline(float(np.nanmean(c.predicted_peak_time.values[:, a])), color=color, lw=1)
        ax.axvline(float(np.nanmean(c.predicted_learning_time.values[:, a])), color=color, lw=1, ls="--")
    ax.plot([], [], color="k", lw=1, label="Eq. 9 peak time (Eq. 5)")
    ax.plot([], [], color="k", lw=1, ls="--", label="learning time (Eq. 5)")
    ax.set(xlabel="$t = \\eta k$", ylabel="$w_\\alpha = u_\\alpha^T W v_\\alpha$", title=title, xlim=(0, t[-1]))
    ax.legend(fontsize="xx-small", loc="center right")


def running_mean(x, n=SMOOTH):
    kernel = np.ones(n) / n
    return np.convolve(np.nan_to_num(x), kernel, mode="same")


def diffusion_time_panel(ax, c, seed, plot, title):
    """One seed: (i) recorded, (ii) realised (running mean), Eq. 7 at the observed w; stars at Eq. 7's maxima."""
    t = c.time.values
    r = c.isel(seed=seed)
    for a, color in zip(range(c.sizes["mode"]), colors(c.sizes["mode"], plot)):
        ax.plot(t, r.diffusion_recorded.isel(mode=a), color=color, lw=1.5)
        ax.plot(t, running_mean(r.diffusion_realised.isel(mode=a).values), color=color, lw=0.7, alpha=0.7)
        eq7 = r.diffusion_eq7.isel(mode=a).values
        ax.plot(t, eq7, color=color, lw=1, ls="--")
        k = int(np.nanargmax(eq7))
        ax.plot(t[k], eq7[k], "*", color=color, ms=10, mec="k", mew=0.5)
    for ls, lw, name in (("-", 1.5, "(i) $(\\eta/b)\\,a^T\\Sigma a$"), ("-", 0.7, f"(ii) Var$(dw)/\\eta$ ({SMOOTH}-interval mean)"),
                         ("--", 1, "Eq. 7 at the observed $w_\\alpha$")):
        ax.plot([], [], color="0.3", ls=ls, lw=lw, label=name)
    ax.plot([], [], "*", color="0.5", mec="k", mew=0.5, label="peak of Eq. 7")
    ax.set(xlabel="$t$", ylabel="$D_\\alpha$", title=title, xlim=(0, min(t[-1], 1.3 * float(np.nanmax(r.learning_time)))))
    ax.legend(fontsize="xx-small", loc="upper right")


def collapsed_panel(ax, c, plot, title, marker="o", label_suffix="", show_theory=True):
    """D / (beta s^{2 + a}) against z = w/s, pooled per amplitude bin (seed mean +- SE): without label noise Eq. 7 is
    the one curve L^2 2 (1 - z)^2 z^a for every mode."""
    L = int(c.depth)
    a_exp = 4 * (L - 1) / L
    z = c.amplitude_bin.values
    for a, color in zip(range(c.sizes["mode"]), colors(c.sizes["mode"], plot)):
        scale = float(c.beta) * float(c.singular_value[a]) ** (2 + a_exp)
        for var, mk, filled in (("binned_recorded", marker, True), ("binned_realised", marker, False)):
            x = c[var].isel(mode=a).values / scale
            n = np.isfinite(x).sum(0)
            mean = np.nanmean(x, 0)
            se = np.nanstd(x, 0, ddof=1) / np.sqrt(np.maximum(n, 1))
            ax.errorbar(z + (0.01 if not filled else 0), mean, yerr=se, fmt=mk, ms=4, color=color, mfc=color if filled else "white", capsize=1.5, lw=0.8,
                        label=f"$s = {float(c.singular_value[a]):g}${label_suffix}" if filled else None)
    if show_theory:
        zz = np.linspace(0, 1, 200)
        ax.plot(zz, L**2 * (2 * (1 - zz) ** 2 + float(c.label_noise_variance)) * zz**a_exp, "k--", lw=1, label="Eq. 7 ($\\sigma_q = 0$)")
        w_star = a_exp / (a_exp + 2)
        ax.axvline(w_star, color="k", lw=0.8, ls=":", label=f"Eq. 9: $w^*/s = {w_star:.2g}$")
    ax.set(xlabel="$w_\\alpha / s_\\alpha$", ylabel="$D_\\alpha / (\\beta\\, s_\\alpha^{2 + 4(L-1)/L})$", title=title, xlim=(0, 1))
    ax.plot([], [], "o", color="0.4", label="(i) recorded")
    ax.plot([], [], "o", color="0.4", mfc="white", label="(ii) realised")
    ax.legend(fontsize="xx-small", loc="upper left", ncol=2)


def plateau_panel(ax, c, plot, title):
    """With label noise: the seed mean of (i) over time and Eq. 7's plateau beta L^2 sigma_q^2 s^a (dotted)."""
    t = c.time.values
    for a, color in zip(range(c.sizes["mode"]), colors(c.sizes["mode"], plot)):
        ax.plot(t, c.diffusion_recorded.isel(mode=a).mean("seed"), color=color, lw=1.5, label=f"$s = {float(c.singular_value[a]):g}$")
        ax.axhline(float(c.eq7_plateau[a]), color=color, ls=":", lw=1)
        if int(c.eq10_peak_exists[a]):
            ax.axhline(float(c.eq7_peak[a]), color=color, ls="--", lw=0.8)
    ax.plot([], [], "k:", lw=1, label="Eq. 7 at $w = s$")
    ax.plot([], [], "k--", lw=0.8, label="Eq. 7 at Eq. 9's $w^*$ (Eq. 10 holds)")
    ax.set(xlabel="$t$", ylabel="$D_\\alpha$ (i), seed mean", yscale="log", title=title, xlim=(0, t[-1]))
    ax.legend(fontsize="xx-small", loc="lower right")


def sweep_panels(axes, ds, x, xlabel, plot):
    """(a) peak-band D against x (eta or 1/b): (ii) realised with SE and its fit k beta, (i) recorded, Eq. 7 at the observed
    amplitudes; (b) D / beta against x, flat if D is linear in beta."""
    beta = ds.beta.values
    order = np.argsort(x)
    for a, color in zip(range(ds.sizes["mode"]), colors(ds.sizes["mode"], plot)):
        s = float(ds.singular_value[a])
        stats = {}
        for var in ("band_realised", "band_recorded", "band_eq7"):
            v = ds[var].isel(mode=a)
            stats[var] = (v.mean("seed").values, (v.std("seed", ddof=1) / np.sqrt(v.count("seed"))).values)
        m, e = stats["band_realised"]
        k = np.sum(m * beta / e**2) / np.sum(beta**2 / e**2)
        for ax, norm in ((axes[0], 1.0), (axes[1], beta)):
            ax.errorbar(x, m / norm, yerr=e / norm, fmt="o", color=color, ms=5, capsize=2, label=f"$s = {s:g}$: (ii) realised")
            ax.plot(x, stats["band_recorded"][0] / norm, "s", color=color, mfc="white", ms=5, label="(i) recorded" if a == 0 else None)
            ax.plot(x[order], (stats["band_eq7"][0] / norm)[order], "--", color=color, lw=1, label="Eq. 7 at the observed $w$" if a == 0 else None)
            ax.plot(x[order], (k * beta / norm)[order], "-", color=color, lw=1, label=f"fit $D = k\\beta$, $k = {k:.3g}$")
    axes[0].set(xscale="log", yscale="log", xlabel=xlabel, ylabel="peak-band $D_\\alpha$", title="(a) peak diffusion")
    axes[1].set(xscale="log", yscale="log", xlabel=xlabel, ylabel="peak-band $D_\\alpha / \\beta$", title="(b) over $\\beta = \\eta / b$: flat if linear")
    band = json.loads(ds.attrs["peak_band"])
    for ax in axes:
        ax.legend(fontsize="xx-small", ncol=2, loc="lower left" if ax is axes[1] else "upper left")
    return band
