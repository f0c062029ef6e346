"""Shared by the Corlouer Sec. 5 claim tests: a synthetic summary through a claims function, the rows' statuses back."""

import pandas as pd

from sgdnoise import io


def claim_statuses(claims, summary, tmp_path, **kwargs) -> pd.Series:
    """Write the synthetic `summary` (an xarray Dataset), run claims(summary_path, output, **kwargs), statuses by claim id."""
    path, out = tmp_path / "summary.nc", tmp_path / "claims.csv"
    io.write_netcdf(summary, path)
    claims(str(path), str(out), **kwargs)
    return pd.read_csv(out).set_index("claim_id").status
