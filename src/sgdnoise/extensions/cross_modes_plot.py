"""Figure extensions_cross_modes, from the summary (no simulation here): (a) the cross-mode amplitude c_a / s_a along learning;
(b), (c) |full / modewise - 1| of the learning time and of the peak diffusion against c_a / s_a at the diffusion peak (log-log),
one point per (case, mode), with the power-law fit of the claims at the fit depth; (d) the signed errors, peak time included."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .. import io
from ..plotting import save, theme
from .cross_modes import MEASURES, case_errors, fit_points, power_law_fit

MARKERS = "osD^v"


def render(summary_path: str, outputs: list[str], *, fit_depth: int, plot: dict) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    cases = [str(c) for c in ds.case.values]
    colors = dict(zip(cases, sns.color_palette(plot["palette"], len(cases))))
    n_modes = ds.sizes["mode"]
    errors = {case: case_errors(ds, case) for case in cases}

    def name(case):
        c = ds.sel(case=case)
        return f"L = {int(c.depth)}, gamma {float(c.init_gamma):g}, {str(c.initialization.values)}"

    fig, axes = plt.subplots(1, 4, figsize=(23, 5.4), constrained_layout=True)
    ax = axes[0]
    for case in cases:
        c = ds.sel(case=case)
        valid = np.isfinite(c.trace_time.values)
        for a in range(n_modes):
            ax.plot(c.trace_amplitude.values[valid, a], c.trace_cross.values[valid, a], color=colors[case], ls=("-", "--", ":")[a % 3], lw=1.3,
                    label=name(case) if a == 0 else None)
    ax.set(xlabel=r"$w_a / s_a$ (seed mean)", ylabel=r"$c_a / s_a$ (seed mean)", xlim=(0, 1.05), yscale="log",
           title="(a) cross-mode amplitude while learning\n(mode 0 solid, 1 dashed, 2 dotted)")
    ax.legend(fontsize="x-small")

    _, points = fit_points(ds, fit_depth)
    c_all = points["cross"][:, 0]
    grid = np.geomspace(0.8 * np.nanmin(c_all), 1.25 * np.nanmax(c_all), 50)
    for ax, measure, letter in zip(axes[1:3], ("duration", "peak_height"), "bc"):
        for case in cases:
            for a in range(n_modes):
                (x, xs), (y, ys) = errors[case]["cross"][a], errors[case][measure][a]
                ax.errorbar(x, abs(y), xerr=xs, yerr=ys, fmt=MARKERS[a % len(MARKERS)], color=colors[case], mfc=colors[case] if y > 0 else "white",
                            mec="k" if int(ds.depth.sel(case=case)) != fit_depth else colors[case], ms=6, capsize=2,
                            label=f"mode {a}" if case == cases[0] else None)
        (log_a, p), (_, p_se), _ = power_law_fit(c_all, points["cross"][:, 1], *points[measure].T)
        ax.plot(grid, np.exp(log_a) * grid**p, color="0.3", lw=1, label=f"fit L = {fit_depth}: {np.exp(log_a):.3g} c^({p:.2f} +- {p_se:.2f})")
        ax.set(xscale="log", yscale="log", xlabel=r"$c_a / s_a$ at the full SDE's peak of $D_a$", ylabel=f"|full / modewise $-$ 1|",
               title=f"({letter}) modewise error in the {MEASURES[measure]}\n(filled: full above modewise, hollow: below; black edge: L != {fit_depth}; bars: SE)")
        ax.legend(fontsize="x-small")
    ax = axes[3]
    for case in cases:
        for k, measure in enumerate(MEASURES):
            ax.errorbar(errors[case]["cross"][:, 0], errors[case][measure][:, 0], yerr=errors[case][measure][:, 1], fmt=MARKERS[k], color=colors[case],
                        ms=5, capsize=2, ls="none", label=MEASURES[measure] if case == cases[0] else None)
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set(xscale="log", xlabel=r"$c_a / s_a$ at the full SDE's peak of $D_a$", ylabel="full / modewise $-$ 1",
           title="(d) signed errors (marker: quantity; colour: run; linear within +-0.01)")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.legend(fontsize="x-small")
    save(fig, outputs, plot["dpi"])
