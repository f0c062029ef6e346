"""The claims table: one row per quantitative claim, columns fixed by CLAIM_COLUMNS, and the statistical tests that
decide a row's status (README, "How claims are judged")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

CLAIM_COLUMNS = ["claim_id", "paper", "section", "figure", "kind", "statement", "quantity", "measured", "expected", "tolerance", "status"]
STATUSES = {"reproduced", "not_reproduced", "erratum", "qualitative", "not_judged"}
# kind: a statement of the paper, or a check of the reproduction's own (its simulation against exact theory, a
# derivation of ours); the claims summary counts them apart, so own checks never inflate the paper's headline
PAPER_CLAIM, CONSISTENCY_CHECK = "paper_claim", "consistency_check"
KINDS = {PAPER_CLAIM, CONSISTENCY_CHECK}


def row(claim_id, paper, section, figure, kind, statement, quantity, measured, expected, tolerance, status) -> dict:
    if status not in STATUSES:
        raise ValueError(f"claim {claim_id}: status {status!r} not in {sorted(STATUSES)}")
    if kind not in KINDS:
        raise ValueError(f"claim {claim_id}: kind {kind!r} not in {sorted(KINDS)}")
    return dict(claim_id=claim_id, paper=paper, section=section, figure=figure, kind=kind, statement=statement, quantity=quantity,
                measured=measured, expected=expected, tolerance=tolerance, status=status)


class ClaimTable:
    """The rows of one figure's claims file, for one paper and section."""

    def __init__(self, paper: str, section: str):
        self.paper, self.section = paper, section
        self.rows: list[dict] = []

    def add(self, claim_id, figure, statement, quantity, measured, expected, tolerance, holds, *, kind) -> None:
        """A row whose status is reproduced if `holds`, else not_reproduced; kind PAPER_CLAIM or CONSISTENCY_CHECK."""
        self.rows.append(row(claim_id, self.paper, self.section, figure, kind, statement, quantity, measured, expected, tolerance,
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


def merge_tables(figure_claims: list[str], table: str, summary: str) -> None:
    """Concatenate the per-figure claim files into results/claims.csv (claim ids must be unique), and count the rows
    per paper, kind and status into `summary` (also printed to the log)."""
    merged = pd.concat([pd.read_csv(p) for p in figure_claims], ignore_index=True)[CLAIM_COLUMNS]
    duplicated = merged.claim_id[merged.claim_id.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"duplicate claim ids: {duplicated}")
    merged.to_csv(table, index=False)
    counts = merged.groupby(["paper", "kind", "status"]).size().unstack("status", fill_value=0)
    counts = counts.reindex(columns=[s for s in ("reproduced", "qualitative", "not_reproduced", "erratum", "not_judged") if s in counts.columns])
    counts["rows"] = counts.sum(axis=1)
    counts.to_csv(summary)
    print(counts.to_string())
