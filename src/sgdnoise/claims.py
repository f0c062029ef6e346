"""The claims table: one row per quantitative claim, columns fixed by CLAIM_COLUMNS, and the statistical tests that
decide a row's status (README, "How claims are judged")."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

CLAIM_COLUMNS = ["claim_id", "paper", "section", "figure", "kind", "location", "quote", "statement", "quantity", "measured", "expected",
                 "tolerance", "power", "status"]
STATUSES = {"reproduced", "not_reproduced", "erratum", "qualitative", "not_judged"}
# kind: a statement of the paper, a check of the reproduction's own (its simulation against exact theory, a
# derivation of ours), or an extension (a hypothesis on a question the paper leaves open, answered with the same
# machinery; its status says whether the measurement supports the hypothesis: reproduced = supported,
# not_reproduced = refuted). The claims summary counts them apart, so neither inflates the paper's headline.
PAPER_CLAIM, CONSISTENCY_CHECK, EXTENSION = "paper_claim", "consistency_check", "extension"
KINDS = {PAPER_CLAIM, CONSISTENCY_CHECK, EXTENSION}


def row(claim_id, paper, section, figure, kind, statement, quantity, measured, expected, tolerance, status, *,
        location="", quote="", power="") -> dict:
    if status not in STATUSES:
        raise ValueError(f"claim {claim_id}: status {status!r} not in {sorted(STATUSES)}")
    if kind not in KINDS:
        raise ValueError(f"claim {claim_id}: kind {kind!r} not in {sorted(KINDS)}")
    if kind == PAPER_CLAIM and not (quote and location):
        raise ValueError(f"claim {claim_id}: a paper_claim needs the quoted sentence and its location in the paper")
    if kind == EXTENSION and not (quote and location and statement.lower().startswith("hypothesis")):
        raise ValueError(f"claim {claim_id}: an extension row quotes the paper's open question with its location, and its "
                         "statement begins with the hypothesis it tests ('hypothesis: ...')")
    if not power:
        raise ValueError(f"claim {claim_id}: every row states its power (its tolerance against the effect it must detect)")
    return dict(claim_id=claim_id, paper=paper, section=section, figure=figure, kind=kind, location=location, quote=quote,
                statement=statement, quantity=quantity, measured=measured, expected=expected, tolerance=tolerance, power=power,
                status=status)


class Power(NamedTuple):
    """What a row can detect: `decisive` if its tolerance is narrower than the effect (or the rival hypothesis) it
    must reject; `text` says both numbers."""

    text: str
    decisive: bool


def power(tolerance: float, effect: float, rival: str) -> Power:
    """Power of a row whose tolerance is `tolerance`, against an `effect` of that size predicted by `rival` (e.g.
    "(2.33) instead of (2.30)", "a missing factor 1/S"). Not decisive, so the row is not judged, if the
    tolerance is at least as wide as the effect."""
    tolerance, effect = abs(float(tolerance)), abs(float(effect))
    decisive = bool(np.isfinite(tolerance) and effect > tolerance)
    ratio = f"{effect / tolerance:.3g}x the tolerance" if tolerance > 0 else "tolerance 0"
    return Power(f"rejects {rival}: effect {effect:.3g} vs tolerance {tolerance:.3g} ({ratio})"
                 + ("" if decisive else "; too weak at this scale, not judged"), decisive)


class ClaimTable:
    """The rows of one figure's claims file, for one paper and section."""

    def __init__(self, paper: str, section: str):
        self.paper, self.section = paper, section
        self.rows: list[dict] = []

    def add(self, claim_id, figure, statement, quantity, measured, expected, tolerance, holds, *, kind,
            power: Power | str, location: str = "", quote: str = "", loose: tuple[bool, str] | None = None,
            erratum: tuple[bool, str] | None = None) -> None:
        """One row. Its status:
        - not_judged if `power` is a Power that is not decisive (the tolerance cannot reject the rival at this scale);
        - reproduced if `holds`;
        - erratum if it fails but `erratum` = (the corrected formula holds within the same tolerance, the corrected
          expectation) holds: `expected` is the printed formula's value, and the corrected one is written beside it;
        - qualitative if it fails but `loose` = (holds at a looser tolerance, that tolerance) holds, the looser
          tolerance appended to `tolerance`;
        - else not_reproduced.
        A `power` given as text is for rows whose power is an argument rather than one number (say why); for an
        erratum row, the power is the printed formula's distance from the corrected one against the tolerance."""
        if isinstance(power, Power) and not power.decisive:
            status = "not_judged"
        elif holds:
            status = "reproduced"
        elif erratum is not None and erratum[0]:
            status, expected = "erratum", f"printed: {expected}; corrected: {erratum[1]}"
        elif loose is not None and loose[0]:
            status, tolerance = "qualitative", f"{tolerance}; holds at the looser {loose[1]}"
        else:
            status = "not_reproduced"
        self.rows.append(row(claim_id, self.paper, self.section, figure, kind, statement, quantity, measured, expected, tolerance,
                             status, location=location, quote=quote, power=power.text if isinstance(power, Power) else power))

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
    import scipy.stats  # here, not at module level: 1 s of import for every claims and stage job that never needs it

    return float(scipy.stats.t.ppf(1 - family_wise / (2 * n_tests), n_samples - 1))


def max_abs_t(deviation_mean, deviation_sem, n_samples: int, family_wise: float = 0.01) -> tuple[float, float]:
    """(max |mean / SE| over a family of tests, its Bonferroni t limit): every test agrees if the first is below the second."""
    z = np.abs(np.asarray(deviation_mean)) / np.asarray(deviation_sem)
    return float(np.max(z)), bonferroni_t_limit(n_samples, z.size, family_wise)


def crossover(x, deviation_mean, deviation_sem, threshold: float) -> tuple[float, float]:
    """Where a vague claim ("a good approximation for P >= 2N") starts to hold on a measured curve: the smallest x
    from which on the mean deviation stays below `threshold`, interpolated linearly in log x between grid points,
    with its standard error from the deviation's (delta method: SE of the deviation / slope of the curve).
    (x.min(), 0) if it holds on the whole grid, (inf, nan) if it never settles below the threshold."""
    x, d, s = (np.asarray(a, dtype=float) for a in (x, deviation_mean, deviation_sem))
    below = d < threshold
    if below.all():
        return float(x[0]), 0.0
    if not below[-1]:
        return np.inf, np.nan
    i = int(np.flatnonzero(~below)[-1])  # last grid point above the threshold; all after it are below
    lx = np.log(x[i : i + 2])
    slope = (d[i + 1] - d[i]) / (lx[1] - lx[0])
    log_xc = lx[0] + (threshold - d[i]) / slope
    frac = (log_xc - lx[0]) / (lx[1] - lx[0])
    sem_at = (1 - frac) * s[i] + frac * s[i + 1]
    return float(np.exp(log_xc)), float(np.exp(log_xc) * sem_at / abs(slope))


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


def check_expected(table: str, output: str, *, expected_path: str, on_change: str = "fail", expected: str | None = None) -> None:
    """Compare this run's statuses with the committed ones (workflow/expected_claims/<scale>.csv: claim_id, status).
    Writes every difference to `output` and prints them; with on_change = "fail", a claim that changed status,
    appeared or disappeared fails the job (results/claims.csv is kept: it is another rule's output). Refresh the
    committed file by copying the output's `status` column once a change is understood."""
    now = pd.read_csv(table)[["claim_id", "status"]]
    if not expected:  # none committed (Snakemake passes an absent input as [])
        print(f"no committed statuses at {expected_path} yet: every claim counts as new. To make the file: "
              f"python -c \"import pandas as p; p.read_csv('{table}')[['claim_id', 'status']].to_csv('{expected_path}', index=False)\"")
        before = pd.DataFrame({"claim_id": pd.Series(dtype=str), "status": pd.Series(dtype=str)})
    else:
        before = pd.read_csv(expected)[["claim_id", "status"]]
    expected = expected_path
    merged = now.merge(before, on="claim_id", how="outer", suffixes=("", "_expected"), indicator=True)
    changed = merged[(merged["_merge"] != "both") | (merged.status != merged.status_expected)].drop(columns="_merge")
    merged[["claim_id", "status", "status_expected"]].to_csv(output, index=False)
    counts = now.status.value_counts()
    print(f"claims: {len(now)} rows, " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if changed.empty:
        print(f"every status as expected ({expected})")
        return
    lines = [f"  {r.claim_id}: {r.status_expected if isinstance(r.status_expected, str) else '(new)'} -> {r.status if isinstance(r.status, str) else '(gone)'}"
             for r in changed.itertuples()]
    message = f"{len(changed)} claims differ from {expected}:\n" + "\n".join(lines)
    if on_change == "fail":
        Path(output).unlink()
        raise AssertionError(message + "\n(if intended, update the expected file, or set expected_claims.on_change: warn to explore)")
    print("warning: " + message)
