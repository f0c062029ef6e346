"""Gross et al. 2024, Fig. 4, rendered from the summary (no simulation here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

from ... import io
from ...plotting import no_minor_labels, save, theme


def render(summary_path: str, outputs: list[str], *, plot: dict, modes: list[int]) -> None:
    ds = io.open_dataset(summary_path)
    theme(plot)
    fig, ax = plt.subplots(figsize=(8, 5.2), constrained_layout=True)
    t = ds.time.values
    later = t > 0
    colors = sns.color_palette("deep", len(modes))
    for k, color in zip(modes, colors):
        ax.plot(t, ds.shown_modes.sel(mode=k), "-", color=color, lw=1.2, label=rf"$z_{{{k}}}(t)$")
        ax.plot(t, ds.continuum_modes.sel(mode=k), "--", color="k", lw=0.8)
    ax.plot(t, ds.shown_loss, "-.", color="C3", lw=1.2, label="$L$")
    slowest = 1.0 / float(ds.omega[0])
    ax.axvline(slowest, color="0.6", lw=0.8)
    ax.set(xscale="log", xlim=(t[later][0], t[-1]), xlabel=r"$t = \lambda\tau$", ylabel=r"$z_k(t) = V_k^T w(t)$,  $L$",
           title=f"$N = {int(ds.N)}$, $P = {int(ds.P)}$: SGD (single run) and Eq. (2.27) (dashed)")
    ax.text(slowest, ax.get_ylim()[1], r" $1/\omega_0$", va="top", fontsize="x-small", color="0.4")
    ax.legend(fontsize="x-small", loc="center right")

    inset = ax.inset_axes([0.07, 0.52, 0.4, 0.4])
    for k, color in zip(modes, colors):
        inset.plot(t[later], abs(ds.shown_modes.sel(mode=k)[later]), "-", color=color, lw=0.8)
    inset.plot(t[later], ds.shown_loss[later], "-.", color="C3", lw=0.8)
    inset.axhline(float(ds.minimum_loss), color="0.5", lw=1)
    inset.set(xscale="log", yscale="log")
    inset.set_title(r"$|z_k|$, $L$ and $L^*$ (gray)", fontsize="x-small")
    inset.tick_params(labelsize="xx-small")
    no_minor_labels(inset)
    save(fig, outputs, plot["dpi"])
