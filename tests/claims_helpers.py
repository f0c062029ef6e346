"""Shared by the claims tests of the Gross Sec. III figures: run a claims function on a synthetic summary."""

import pandas as pd


def claim_statuses(claims, tmp_path, ds) -> dict:
    """{claim_id: status} of `claims(summary_path, output)` on the summary `ds`; every row states its power, every
    paper claim its quote."""
    path = tmp_path / "summary.nc"
    ds.to_netcdf(path)
    claims(str(path), str(tmp_path / "claims.csv"))
    table = pd.read_csv(tmp_path / "claims.csv")
    assert table.power.notna().all() and (table[table.kind == "paper_claim"].quote.str.len() > 0).all()
    return dict(zip(table.claim_id, table.status))
