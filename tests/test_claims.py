"""The claims table and the tests that decide a row's status, on synthetic data with known truth."""

import numpy as np
import pandas as pd
import pytest

from sgdnoise import claims


def test_within_allows_k_standard_errors_plus_the_stated_bias():
    assert claims.within(0.29, 0.1) and not claims.within(0.31, 0.1)
    assert claims.within(-0.29, 0.1) and not claims.within(-0.31, 0.1)
    assert claims.within(0.49, 0.1, bias=-0.2) and not claims.within(0.51, 0.1, bias=0.2)
    assert claims.within(0.19, 0.1, k=2) and not claims.within(0.21, 0.1, k=2)


def test_max_abs_t_accepts_agreement_and_rejects_a_shift_of_many_standard_errors():
    """Synthetic truth: 50 tests over 10 unit-variance samples each. Agreement passes at the 1% family-wise level in
    nearly all of 200 repetitions; shifting one of the 50 by 2.5 (7.9 standard errors of its mean) is rejected in
    most: the t limit of 6.01 leaves power, not certainty, against such a shift."""
    rng = np.random.default_rng(0)
    passed, rejected = 0, 0
    for _ in range(200):
        samples = rng.normal(size=(10, 50))
        mean, sem = samples.mean(0), samples.std(0, ddof=1) / np.sqrt(10)
        z, limit = claims.max_abs_t(mean, sem, 10)
        passed += z < limit
        shifted = samples.copy()
        shifted[:, 0] += 2.5
        mean, sem = shifted.mean(0), shifted.std(0, ddof=1) / np.sqrt(10)
        z, limit = claims.max_abs_t(mean, sem, 10)
        rejected += z >= limit
    assert passed >= 195  # expected 198 (1% false alarms)
    assert rejected >= 150
    assert claims.bonferroni_t_limit(10, 50) == pytest.approx(6.010, abs=0.001)  # t_9 quantile at 1 - 0.01/100 (tables: 6.010)


QUOTE = dict(location="Sec. II C 1", quote="a sentence")


def test_claim_table_statuses_kinds_and_columns(tmp_path):
    table = claims.ClaimTable("Gross2024", section="Sec. II C 1")
    strong = claims.power(0.3, 1.0, "a shift of 1")
    table.add("a", "5b", "s", "q", "1 +- 0.1", "1", "3 SE", True, kind=claims.PAPER_CLAIM, power=strong, **QUOTE)
    table.add("b", "5b", "s", "q", "2 +- 0.1", "1", "3 SE", False, kind=claims.CONSISTENCY_CHECK, power=strong)
    table.add("c", "5b", "s", "q", "1.4 +- 0.1", "1", "3 SE", False, kind=claims.PAPER_CLAIM, power=strong, loose=(True, "50%"), **QUOTE)
    table.add("d", "5b", "s", "q", "1.4 +- 0.1", "1", "3 SE", False, kind=claims.PAPER_CLAIM, power=strong, loose=(False, "10%"), **QUOTE)
    # a tolerance as wide as the effect cannot fail: not judged, whatever the comparison gave
    table.add("e", "5b", "s", "q", "1 +- 1", "1", "3 SE", True, kind=claims.PAPER_CLAIM, power=claims.power(3.0, 1.0, "a shift of 1"), **QUOTE)
    table.add("f", "5b", "s", "q", "m", "e", "exact", True, kind=claims.CONSISTENCY_CHECK, power="an identity: argued in the statement")
    table.write(tmp_path / "c.csv")
    rows = pd.read_csv(tmp_path / "c.csv")
    assert list(rows.columns) == claims.CLAIM_COLUMNS
    assert rows.status.tolist() == ["reproduced", "not_reproduced", "qualitative", "not_reproduced", "not_judged", "reproduced"]
    assert rows.tolerance[2] == "3 SE; holds at the looser 50%"
    assert set(rows.paper) == {"Gross2024"} and set(rows.section) == {"Sec. II C 1"}
    assert rows.kind.tolist()[:2] == ["paper_claim", "consistency_check"]
    assert "not judged" in rows.power[4] and "not judged" not in rows.power[0]
    with pytest.raises(ValueError, match="status 'maybe'"):
        claims.row("c", "Gross2024", "Sec. II", "5", claims.PAPER_CLAIM, "s", "q", "m", "e", "t", "maybe", power="p", **QUOTE)
    with pytest.raises(ValueError, match="kind 'claim'"):
        claims.row("c", "Gross2024", "Sec. II", "5", "claim", "s", "q", "m", "e", "t", "reproduced", power="p", **QUOTE)
    with pytest.raises(ValueError, match="quoted sentence"):
        table.add("g", "5b", "s", "q", "m", "e", "t", True, kind=claims.PAPER_CLAIM, power=strong)
    with pytest.raises(ValueError, match="states its power"):
        table.add("h", "5b", "s", "q", "m", "e", "t", True, kind=claims.CONSISTENCY_CHECK, power="")
    # an extension row quotes the open question and states its hypothesis first
    table.add("i", "ext", "hypothesis: psi = 2 at depth 3", "q", "2 +- 0.1", "2", "3 SE", True, kind=claims.EXTENSION, power=strong, **QUOTE)
    with pytest.raises(ValueError, match="begins with the hypothesis"):
        table.add("j", "ext", "psi = 2 at depth 3", "q", "m", "e", "t", True, kind=claims.EXTENSION, power=strong, **QUOTE)
    with pytest.raises(ValueError, match="open question"):
        table.add("k", "ext", "hypothesis: psi = 2", "q", "m", "e", "t", True, kind=claims.EXTENSION, power=strong)


def test_erratum_rows_need_the_printed_formula_to_fail_and_the_corrected_one_to_hold(tmp_path):
    table = claims.ClaimTable("Corlouer2026", section="Sec. 5")
    strong = claims.power(0.01, 0.05, "the printed shift in place of the corrected one")
    common = dict(kind=claims.PAPER_CLAIM, power=strong, **QUOTE)
    table.add("printed_fails_corrected_holds", "4", "s", "q", "0.95 +- 0.003", "1.05", "3 SE", False, erratum=(True, "0.95"), **common)
    table.add("both_fail", "4", "s", "q", "0.8 +- 0.003", "1.05", "3 SE", False, erratum=(False, "0.95"), **common)
    table.add("printed_holds", "4", "s", "q", "1.05 +- 0.003", "1.05", "3 SE", True, erratum=(False, "0.95"), **common)
    table.add("too_weak", "4", "s", "q", "0.95 +- 0.3", "1.05", "3 SE", False, erratum=(True, "0.95"), kind=claims.PAPER_CLAIM,
              power=claims.power(0.9, 0.05, "r"), **QUOTE)
    table.write(tmp_path / "e.csv")
    rows = pd.read_csv(tmp_path / "e.csv")
    assert rows.status.tolist() == ["erratum", "not_reproduced", "reproduced", "not_judged"]
    assert rows.expected[0] == "printed: 1.05; corrected: 0.95" and rows.expected[1] == "1.05"


def test_power_is_decisive_only_when_the_effect_exceeds_the_tolerance():
    assert claims.power(0.1, 0.5, "r").decisive and claims.power(0.1, -0.5, "r").decisive
    assert not claims.power(0.5, 0.5, "r").decisive and not claims.power(np.inf, 1.0, "r").decisive
    assert "5x the tolerance" in claims.power(0.1, 0.5, "r").text


def test_crossover_interpolates_in_log_x_with_a_delta_method_error():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    d = np.array([0.5, 0.3, 0.1, 0.05])  # falls by 0.2 per octave between 2 and 4
    xc, se = claims.crossover(x, d, np.full(4, 0.02), 0.2)
    assert xc == pytest.approx(2 * np.sqrt(2)) and se == pytest.approx(xc * 0.02 / (0.2 / np.log(2)))
    assert claims.crossover(x, d, 0 * d, 0.6) == (1.0, 0.0)
    assert claims.crossover(x, d, 0 * d, 0.01)[0] == np.inf
    # a curve that dips below and rises again: the crossover is where it stays below
    assert claims.crossover(x, np.array([0.1, 0.3, 0.1, 0.05]), 0 * d, 0.2)[0] == pytest.approx(2 * np.sqrt(2))


def test_merge_rejects_duplicate_claim_ids(tmp_path):
    for name, ids in (("one", ["x", "y"]), ("two", ["z", "x"])):
        table = claims.ClaimTable("Gross2024", section="Sec. II B 2")
        for claim_id in ids:
            kind = claims.CONSISTENCY_CHECK if claim_id == "z" else claims.PAPER_CLAIM
            table.add(claim_id, "2a", "s", "q", "m", "e", "t", claim_id != "y", kind=kind, power="p", **QUOTE)
        table.write(tmp_path / f"{name}.csv")
    with pytest.raises(ValueError, match=r"duplicate claim ids: \['x'\]"):
        claims.merge_tables([tmp_path / "one.csv", tmp_path / "two.csv"], tmp_path / "all.csv", tmp_path / "summary.csv")
    claims.merge_tables([tmp_path / "one.csv"], tmp_path / "all.csv", tmp_path / "summary.csv")
    assert pd.read_csv(tmp_path / "all.csv").claim_id.tolist() == ["x", "y"]
    summary = pd.read_csv(tmp_path / "summary.csv", index_col=["paper", "kind"])
    assert summary.loc[("Gross2024", "paper_claim")].to_dict() == {"reproduced": 1, "not_reproduced": 1, "rows": 2}


def test_statuses_are_checked_against_the_committed_ones(tmp_path, capsys):
    pd.DataFrame({"claim_id": ["a", "b", "c"], "status": ["reproduced", "not_judged", "reproduced"]}).to_csv(tmp_path / "claims.csv", index=False)
    pd.DataFrame({"claim_id": ["a", "b", "c"], "status": ["reproduced", "not_judged", "reproduced"]}).to_csv(tmp_path / "same.csv", index=False)
    claims.check_expected(tmp_path / "claims.csv", tmp_path / "out.csv", expected=tmp_path / "same.csv", expected_path="same.csv")
    assert "every status as expected" in capsys.readouterr().out
    pd.DataFrame({"claim_id": ["a", "b", "d"], "status": ["not_reproduced", "not_judged", "reproduced"]}).to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(AssertionError) as error:
        claims.check_expected(tmp_path / "claims.csv", tmp_path / "out.csv", expected=tmp_path / "old.csv", expected_path="old.csv")
    assert str(error.value).startswith("3 claims differ from") and "a: not_reproduced -> reproduced" in str(error.value)
    assert "c: (new) -> reproduced" in str(error.value) and "d: reproduced -> (gone)" in str(error.value)
    assert not (tmp_path / "out.csv").exists()
    claims.check_expected(tmp_path / "claims.csv", tmp_path / "out.csv", expected=tmp_path / "old.csv", expected_path="old.csv", on_change="warn")
    assert "warning: 3 claims differ" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "out.csv").set_index("claim_id").status_expected.to_dict()["a"] == "not_reproduced"
    with pytest.raises(AssertionError, match="3 claims differ from none.csv"):  # nothing committed yet: all new
        claims.check_expected(tmp_path / "claims.csv", tmp_path / "out.csv", expected_path="none.csv")
    assert "no committed statuses at none.csv yet" in capsys.readouterr().out
