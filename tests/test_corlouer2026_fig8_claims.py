"""Fig. 8 claims on Fig. 7's synthetic summaries: growing norms with a constant numerator (reproduced); constant norms
with the numerator falling instead (not reproduced); two seeds (not judged)."""

import pandas as pd

from sgdnoise.corlouer2026.fig8 import stages
from test_corlouer2026_fig7_claims import summary

ROWS = ["corlouer_fig8_norms_increase_L2_gaussian", "corlouer_fig8_norms_account_for_most_L2", "corlouer_fig8_numerator_changes_little_L2"]


def statuses(tmp_path, **options):
    stages.claims(summary(tmp_path / "summary.nc", **options), str(tmp_path / "claims.csv"), most=0.5, little=0.1)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id")["status"]


def test_truth_is_reproduced(tmp_path):
    table = statuses(tmp_path)
    assert (table[ROWS + ["corlouer_fig8_norms_increase_L2_balanced"]] == "reproduced").all(), table


def test_rival_is_not_reproduced(tmp_path):
    table = statuses(tmp_path, rival_norms=True)
    assert (table[ROWS] == "not_reproduced").all(), table


def test_two_seeds_are_not_judged(tmp_path):
    table = statuses(tmp_path, n_seeds=2)
    assert (table[["corlouer_fig8_norms_account_for_most_L2"]] == "not_judged").all(), table
