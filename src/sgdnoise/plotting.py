"""Helpers shared by the figure modules of both papers: theme, error bars over seeds, deterministic saving."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from .statistics import mean_and_sem  # noqa: E402


def theme(plot: dict) -> None:
    sns.set_theme(context=plot["context"], style=plot["style"])


def errorbar(ax, x, samples, **kw):
    """Mean and standard error over the last axis of `samples`."""
    mean, sem = mean_and_sem(samples, axis=-1)
    return ax.errorbar(x, mean, yerr=sem, capsize=2, **kw)


def no_minor_labels(*axes) -> None:
    """Log axes spanning less than a decade label their minor ticks, which then collide."""
    for ax in axes:
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())


def save(fig, outputs: list[str], dpi: int) -> None:
    """PNG and PDF; no creation date in the PDF, so reruns give identical files. The layout is computed by the first
    save and then frozen: constrained layout is half of a figure's drawing time, and the second file needs no new one."""
    for output in outputs:
        fig.savefig(output, dpi=dpi, metadata={"CreationDate": None} if output.endswith(".pdf") else None)
        fig.set_layout_engine("none")
    plt.close(fig)
