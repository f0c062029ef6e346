"""The claims table: one row per quantitative claim, columns fixed by CLAIM_COLUMNS."""

from __future__ import annotations

import pandas as pd
import scipy.stats

CLAIM_COLUMNS = ["claim_id", "paper", "figure", "statement", "quantity", "measured", "expected", "tolerance", "status"]
STATUSES = {"reproduced", "not_reproduced", "erratum"}


def row(claim_id, paper, figure, statement, quantity, measured, expected, tolerance, status) -> dict:
    if status not in STATUSES:
        raise ValueError(f"claim {claim_id}: status {status!r} not in {sorted(STATUSES)}")
    return dict(claim_id=claim_id, paper=paper, figure=figure, statement=statement, quantity=quantity,
                measured=measured, expected=expected, tolerance=tolerance, status=status)


def format_mean_sem(mean, sem) -> str:
    return f"{mean:.4g} +- {sem:.2g}"


def bonferroni_t_limit(n_samples: int, n_tests: int, family_wise: float = 0.01) -> float:
    """|mean| / SE threshold for n_tests two-sided t tests over n_samples independent samples each, with a
    family-wise false-alarm rate `family_wise` under agreement (Bonferroni)."""
    return float(scipy.stats.t.ppf(1 - family_wise / (2 * n_tests), n_samples - 1))


def write(rows: list[dict], output: str) -> None:
    pd.DataFrame(rows, columns=CLAIM_COLUMNS).to_csv(output, index=False)


def merge_tables(figure_claims: list[str], table: str) -> None:
    """Concatenate the per-figure claim files into results/claims.csv; claim ids must be unique."""
    merged = pd.concat([pd.read_csv(p) for p in figure_claims], ignore_index=True)[CLAIM_COLUMNS]
    duplicated = merged.claim_id[merged.claim_id.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"duplicate claim ids: {duplicated}")
    merged.to_csv(table, index=False)
