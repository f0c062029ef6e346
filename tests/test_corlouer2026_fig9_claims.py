"""Fig. 9 claims on synthetic summaries: D linear in eta (Eq. 7) passes, D quadratic in eta fails the linearity rows,
half of Eq. 7 fails the slope row, and two seeds are not judged."""

import corlouer2026_synthetic as syn
from sgdnoise.corlouer2026.fig9 import stages as fig9

SWEEP = {f"eta{eta:g}": {"eta": eta} for eta in (0.00125, 0.0025, 0.005, 0.01)}


def statuses(tmp_path, **options):
    return syn.sweep_statuses(tmp_path, fig9.claims, SWEEP, **options)


def test_linear_diffusion_is_reproduced(tmp_path):
    status = statuses(tmp_path)
    assert (status == "reproduced").all(), status[status != "reproduced"]


def test_quadratic_diffusion_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, power=2.0)
    for a in range(3):
        assert status[f"corlouer_fig9_linear_{a}"] == "not_reproduced"
        assert status[f"corlouer_fig9_ratio_constant_{a}"] == "not_reproduced"


def test_half_of_eq7_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, eq7_ratio=0.5)
    assert all(status[f"corlouer_fig9_slope_eq7_{a}"] == "not_reproduced" for a in range(3))
    assert all(status[f"corlouer_fig9_linear_{a}"] == "reproduced" for a in range(3))  # still linear


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, n_seeds=2, noise=1.0)
    assert all(status[f"corlouer_fig9_linear_{a}"] == "not_judged" for a in range(3))
