"""The verdict logic of the Fig. 3 claims, on synthetic summaries with known truth: measurements scattered about
the true values give reproduced, the same measurements shifted by many standard errors (or following a rival
hypothesis) give not_reproduced, and measurements too noisy to resolve the effect a row tests give not_judged."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sgdnoise.gross2024 import theory_sec2 as th
from sgdnoise.gross2024.fig3 import stages as fig3

N, RATIOS, SIMULATED, SEEDS = 10, np.array([1.5, 2.0, 5.0, 10.0, 20.0, 50.0]), (1.5, 10.0), 16
CORRECTION = 0.01  # the multiplicative correction of every eigenvalue (SGD / (2.17) - 1)
SPECTRAL = 1.0  # lambda_k(2.17) / lambda_k(2.20) - 1 = SPECTRAL / sqrt(P/N) on every rank


def fig3_summary(rng, *, probe_noise=0.001, sgd_correction=CORRECTION, deviation_factor=1.0, spectral_decay=0.5, offdiagonal_decay=True, scatter=0.02):
    """A Fig. 3 summary with N = 10, P/N = 1.5 ... 50, SGD at P/N = 1.5 and 10. Per realization: the (2.17) eigenvalues
    1 ... 0.1; the exact stationary average (1 + CORRECTION) times them; SGD's Rayleigh quotients (1 + sgd_correction)
    times them with relative scatter probe_noise; the Frobenius deviation deviation_factor x our estimate, the
    spectral deviation SPECTRAL (P/N)^-spectral_decay and the off-diagonal share d^2/(1+d^2), each with relative scatter `scatter`."""
    n_points = RATIOS.size
    shape = (n_points, SEEDS, N)
    noisy = lambda value, shape, relative: value * (1 + relative * rng.standard_normal(shape))  # noqa: E731
    eig = np.broadcast_to(np.geomspace(1.0, 0.1, N), shape)
    simulated = np.isin(RATIOS, SIMULATED)
    nan = np.where(simulated[:, None, None], 1.0, np.nan)
    predicted = np.array([th.hessian_approximation_deviation(N, int(round(r * N))) for r in RATIOS])
    hessian_eig = eig / (1 + SPECTRAL * RATIOS[:, None, None] ** -spectral_decay * (1 + scatter * rng.standard_normal((n_points, SEEDS, 1))))
    share = predicted**2 / (1 + predicted**2) if offdiagonal_decay else np.full(n_points, 0.3)
    return xr.Dataset(
        {
            "noise_eigenvalues": (("point", "seed", "mode"), eig),
            "hessian_noise_eigenvalues": (("point", "seed", "mode"), hessian_eig),
            "stationary_along_additive": (("point", "seed", "mode"), eig * (1 + CORRECTION) * nan),
            "sgd_along_additive": (("point", "seed", "mode"), noisy(eig * (1 + sgd_correction), shape, probe_noise) * nan),
            "hessian_deviation": (("point", "seed"), noisy(deviation_factor * predicted[:, None], (n_points, SEEDS), scatter)),
            "predicted_hessian_deviation": ("point", predicted),
            "offdiagonal_fraction": (("point", "seed"), noisy(share[:, None], (n_points, SEEDS), scatter)),
        },
        coords={"P_over_N": ("point", RATIOS), "P": ("point", (RATIOS * N).round().astype(int)), "simulated": ("point", simulated),
                "seed": np.arange(SEEDS), "mode": np.arange(N), "N": N},
    )


def statuses(summary, tmp_path):
    summary.to_netcdf(tmp_path / "summary.nc")
    fig3.claims(str(tmp_path / "summary.nc"), str(tmp_path / "claims.csv"))
    table = pd.read_csv(tmp_path / "claims.csv").set_index("claim_id")
    assert table.power.notna().all() and (table[table.kind == "paper_claim"].quote.str.len() > 0).all()
    return table.status


ALL_ROWS = [f"fig3a_{row}_PN{r:g}" for r in SIMULATED for row in ("additive_noise", "sgd_noise_exact")] + [
    "fig3b_hessian_limit", "fig3b_hessian_deviation_estimate", "fig3b_hessian_good_approximation", "fig3c_offdiagonal_decrease"]


def test_every_row_is_reproduced_on_the_truth(tmp_path):
    status = statuses(fig3_summary(np.random.default_rng(1)), tmp_path)
    assert sorted(status.index) == sorted(ALL_ROWS)
    for claim in ALL_ROWS:
        assert status[claim] == "reproduced", claim


@pytest.mark.parametrize("change, failing", [
    # SGD without the multiplicative correction: 1 % = ~60 SE of the trace ratio (0.1 % scatter per mode, 10 modes, 16 realizations)
    (dict(sgd_correction=0.0), [f"fig3a_{row}_PN{r:g}" for r in SIMULATED for row in ("additive_noise", "sgd_noise_exact")]),
    # SGD 2 % off the exact stationary average: the additive rows see 1 % left over (~60 SE), the mode rows 1 % per mode (~100 SE)
    (dict(sgd_correction=0.02), [f"fig3a_{row}_PN{r:g}" for r in SIMULATED for row in ("additive_noise", "sgd_noise_exact")]),
    # the Frobenius deviation low by sqrt(2) (a factor 2 in var eps^2): 29 % against at most 3 SE + N/P = 22 %
    (dict(deviation_factor=1 / np.sqrt(2)), ["fig3b_hessian_deviation_estimate"]),
    # a spectral deviation that does not decay: it stays at 100 %, no 50 % crossover
    (dict(spectral_decay=0.0), ["fig3b_hessian_good_approximation"]),
    # a flat off-diagonal share: slope 0 against the estimate's -0.1 (3 SE ~ 0.005)
    (dict(offdiagonal_decay=False), ["fig3c_offdiagonal_decrease"]),
])
def test_rows_fail_on_a_shift_of_many_standard_errors(tmp_path, change, failing):
    status = statuses(fig3_summary(np.random.default_rng(1), **change), tmp_path)
    for claim in failing:
        assert status[claim] == "not_reproduced", claim
    for claim in set(ALL_ROWS) - set(failing):
        assert status[claim] == "reproduced", claim


def test_too_noisy_probes_are_not_judged(tmp_path):
    """20 % scatter per mode: the SE of the trace ratio (~1.6 %) x 3 exceeds the 1 % correction the rows must resolve."""
    status = statuses(fig3_summary(np.random.default_rng(1), probe_noise=0.2, sgd_correction=0.0), tmp_path)
    for r in SIMULATED:
        assert status[f"fig3a_additive_noise_PN{r:g}"] == "not_judged"
        assert status[f"fig3a_sgd_noise_exact_PN{r:g}"] == "not_judged"


def test_crossover_of_the_spectral_deviation(tmp_path):
    """The synthetic spectra differ by 1/sqrt(P/N): the 50 % and 20 % crossovers are P/N = 4 and 25 up to the linear
    interpolation in log P/N between the grid points (2, 5) and (20, 50)."""
    statuses(fig3_summary(np.random.default_rng(1), scatter=1e-9), tmp_path)
    row = pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").loc["fig3b_hessian_good_approximation"]
    fifty, twenty = (float(part.split(":")[1]) for part in row.measured.split(";"))
    # exact interpolation: x = x_i exp((t - d_i) / slope), slope per unit log x
    expected = []
    for t, (a, b) in ((0.5, (2.0, 5.0)), (0.2, (20.0, 50.0))):
        slope = (b**-0.5 - a**-0.5) / np.log(b / a)
        expected.append(a * np.exp((t - a**-0.5) / slope))
    assert fifty == pytest.approx(expected[0], rel=2e-3) and twenty == pytest.approx(expected[1], rel=2e-3)
