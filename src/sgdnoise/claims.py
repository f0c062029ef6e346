"""The claims table: one row per quantitative claim, columns fixed by CLAIM_COLUMNS, and the statistical tests that
decide a row's status (README, "How claims are judged")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

CLAIM_COLUMNS = ["claim_id", "paper", "figure", "statement", "quantity", "measured", "expected", "tolerance", "status"]
STATUSES = {"reproduced", "not_reproduced", "erratum"}


def row(claim_id, paper, figure, statement, quantity, measured, expected, tolerance, status) -> dict:
    if status not in STATUSES:
        raise ValueError(f"claim {claim_id}: status {status!r} not in {sorted(STATUSES)}")
    return dict(claim_id=claim_id, paper=paper, figure=figure, statement=statement, quantity=quantity,
                measured=measured, expected=expected, tolerance=tolerance, status=status)


class ClaimTable:
    """The rows of one figure's claims file, for one paper."""

    def __init__(self, paper: str):
        self.paper = paper
        self.rows: list[dict] = []

    def add(self, claim_id, figure, statement, quantity, measured, expected, tolerance, holds) -> None:
        """A row whose status is reproduced if `holds`, else not_reproduced."""
        self.rows.append(row(claim_id, self.paper, figure, statement, quantity, measured, expected, tolerance,
                             "reproduced" if holds else "not_reproduced"))

    def write(self, output: str) -> None:
        write(self.rows, output)


def within(deviation, sem, k: float = 3.0, bias: float = 0.0) -> bool:
    """|deviation| <= k SE + |bias|: a measured deviation from the expectation, allowed k standard errors plus a
    stated systematic bias (e.g. a continuum approximation's known error)."""
    return bool(abs(deviation) <= tolerance(sem, k, bias))


def tolerance(sem, k: float = 3.0, bias: float = 0.0) -> float:
    return k * sem + abs(bias)


def format_mean_sem(mean, sem) -> str:
    return f"{mean:.4g} +- {sem:.2g}"


def bonferroni_t_limit(n_samples: int, n_tests: int, family_wise: float = 0.01) -> float:
    """|mean| / SE threshold for n_tests two-sided t tests over n_samples independent samples each, with a
    family-wise false-alarm rate `family_wise` under agreement (Bonferroni)."""
    return float(scipy.stats.t.ppf(1 - family_wise / (2 * n_tests), n_samples - 1))


def max_abs_t(deviation_mean, deviation_sem, n_samples: int, family_wise: float = 0.01) -> tuple[float, float]:
    """(max |mean / SE| over a family of tests, its Bonferroni t limit): every test agrees if the first is below the second."""
    z = np.abs(np.asarray(deviation_mean)) / np.asarray(deviation_sem)
    return float(np.max(z)), bonferroni_t_limit(n_samples, z.size, family_wise)


def write(rows: list[dict], output: str) -> None:
    pd.DataFrame(rows, columns=CLAIM_COLUMNS).to_csv(output, index=False)


def merge_tables(figure_claims: list[str], table: str) -> None:
    """Concatenate the per-figure claim files into results/claims.csv; claim ids must be unique."""
    merged = pd.concat([pd.read_csv(p) for p in figure_claims], ignore_index=True)[CLAIM_COLUMNS]
    duplicated = merged.claim_id[merged.claim_id.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"duplicate claim ids: {duplicated}")
    merged.to_csv(table, index=False)
