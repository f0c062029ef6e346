"""Gross et al. 2024, Table 1 with measured values, rendered from the summary (no simulation here)."""

from __future__ import annotations

import pandas as pd

from ... import io
from .stages import QUANTITIES, SAMPLINGS
from ...statistics import mean_and_sem

PAPER = {  # the paper's entries (Table 1)
    ("underparameterized", "teacher_distance"): "approach teacher weights as eps -> 0",
    ("underparameterized", "final_loss"): "nonzero in general; vanishes as sigma_eps^2 -> 0",
    ("underparameterized", "temporal_variance"): "nonzero in general; vanish ~ sigma_eps^2 [Eq. (2.34)]",
    ("overparameterized", "teacher_distance"): "differ from teacher weights",
    ("overparameterized", "final_loss"): "vanishes (also if sigma_eps^2 > 0)",
    ("overparameterized", "temporal_variance"): "vanish [Eqs. (2.16) and (2.20)]",
}


def render(summary_path: str, table: str) -> None:
    """One row per (regime, property); one column per (sigma_eps^2, sampling): SGD mean +- SE over runs [exact theory]."""
    ds = io.open_dataset(summary_path)
    rows = []
    for regime in ("underparameterized", "overparameterized"):
        points = ds.isel(point=[i for i, r in enumerate(ds.regime.values) if r == regime])
        for name, label in QUANTITIES.items():
            row = {"regime": f"{regime} (N = {int(points.N[0])}, P = {int(points.P[0])})", "property": label, "paper": PAPER[regime, name]}
            for i, variance in enumerate(points.label_noise_variance.values):
                for sampling in SAMPLINGS:
                    mean, sem = mean_and_sem(points[name].sel(sampling=sampling).isel(point=i).values)
                    exact = float(points[f"{name}_theory"].sel(sampling=sampling).isel(point=i).mean())
                    row[f"sigma^2 = {variance:g}, {sampling} replacement"] = f"{mean:.4g} +- {sem:.2g} [{exact:.4g}]"
            rows.append(row)
    pd.DataFrame(rows).to_csv(table, index=False)
