"""Corlouer et al. 2026, Fig. 8, from Fig. 7's summary: ||W_l||_F of every layer along training, same panels as Fig. 7."""

from __future__ import annotations

import seaborn as sns

from ... import io
from ...plotting import save
from ..fig7.plot import band, panels
from ..fig7.stages import trajectory


def render(summary_path: str, outputs: list[str], *, plot: dict) -> None:
    ds = io.open_dataset(summary_path)

    def draw(ax, ds, case, time):
        norms = trajectory(ds, case, "layer_norm")
        for l, color in enumerate(sns.color_palette("deep", norms.shape[-1])):
            band(ax, time, norms[..., l], color, lw=1.5, label=f"$\\|W_{l + 1}\\|_F$")
        ax.set(ylabel=r"$\|W_l\|_F$ (mean $\pm$ SE over seeds)")
        ax.legend(fontsize="x-small", loc="lower right")

    save(panels(ds, plot, draw), outputs, plot["dpi"])
