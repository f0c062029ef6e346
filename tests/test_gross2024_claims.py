"""The verdict logic of the claims functions, on synthetic summaries with known truth: measurements drawn about the
exact values pass; the same measurements shifted by many standard errors fail the row that tests that quantity."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sgdnoise.gross2024 import theory_sec2 as th
from sgdnoise.gross2024.fig2 import stages as fig2


def fig2_summary(rng, offdiagonal_shift=0.0, mean_shift_offset=0.0):
    """A Fig. 2 summary whose per-seed measurements scatter by 5% about the exact Haar and squared-Gaussian values."""
    Ns, ratios, seeds = np.array([10, 20, 50]), np.array([1.5, 3.0, 10.0, 100.0]), 16
    exact = np.array([[th.haar_projector_element_variances(int(N), int(round(r * N))) for r in ratios] for N in Ns])
    noisy = lambda value, shape: value[..., None] * (1 + 0.05 * rng.standard_normal(shape))  # noqa: E731
    shape = (len(Ns), len(ratios), seeds)
    Ps, N, realizations = np.array([70, 200, 1000]), 50, 40
    shift = N / Ps
    error = np.array([th.squared_gaussian_error(N, int(P)) for P in Ps])
    return xr.Dataset(
        {
            "offdiagonal_variance": (("projector_N", "P_over_N", "seed"), noisy(exact[..., 1], shape) * (1 + offdiagonal_shift)),
            "diagonal_variance": (("projector_N", "P_over_N", "seed"), noisy(exact[..., 0], shape)),
            "haar_offdiagonal_variance": (("projector_N", "P_over_N"), exact[..., 1]),
            "haar_diagonal_variance": (("projector_N", "P_over_N"), exact[..., 0]),
            "mean_shift": (("P", "realization"), shift[:, None] + 0.01 * rng.standard_normal((3, realizations)) + mean_shift_offset),
            "expected_mean_shift": ("P", shift),
            "relative_squared_error": (("P", "realization"), noisy(error**2, (3, realizations))),
            "squared_gaussian_error": ("P", error),
        },
        coords={"projector_N": Ns, "P_over_N": ratios, "seed": np.arange(seeds), "P": Ps, "N": N},
    )


def statuses(summary, tmp_path):
    summary.to_netcdf(tmp_path / "summary.nc")
    fig2.claims(str(tmp_path / "summary.nc"), str(tmp_path / "claims.csv"), paper_exponent=-1.8)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status


def test_fig2_rows_pass_on_the_truth(tmp_path):
    status = statuses(fig2_summary(np.random.default_rng(0)), tmp_path)
    for claim in ("fig2a_projector_variance_exact", "fig2a_collapse_N_exponent", "fig2a_diagonal_variance_larger", "fig2b_mean_shift",
                  "fig2b_squared_gaussian_limit"):
        assert status[claim] == "reproduced", claim


@pytest.mark.parametrize("shift, failing", [
    (dict(offdiagonal_shift=0.2), "fig2a_projector_variance_exact"),  # 20% = ~16 SE of each grid point's mean
    (dict(mean_shift_offset=0.02), "fig2b_mean_shift"),  # 0.02 = 12.6 SE
])
def test_fig2_rows_fail_on_a_shift_of_many_standard_errors(tmp_path, shift, failing):
    status = statuses(fig2_summary(np.random.default_rng(0), **shift), tmp_path)
    assert status[failing] == "not_reproduced"
