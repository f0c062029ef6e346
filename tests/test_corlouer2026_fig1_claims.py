"""Fig. 1 claims on synthetic summaries with known truth: the balanced aligned theory passes; reversed learning order,
a peak at the depth-2 amplitude, no decay, no plateau and the wrong side of Eq. 10 fail their rows; two seeds are not
judged."""

import numpy as np
import pandas as pd

import corlouer2026_synthetic as syn
from sgdnoise.corlouer2026.fig1 import stages as fig1


def statuses(tmp_path, n_seeds=32, clean=None, noisy=None):
    rng = np.random.default_rng(3)
    points = [syn.point(rng, n_seeds=n_seeds, **(clean or {})), syn.point(rng, q=0.04, n_seeds=n_seeds, **(noisy or {}))]
    path = syn.write(tmp_path, points, ["no_label_noise", "label_noise"])
    fig1.claims(path, str(tmp_path / "claims.csv"), decay_threshold=0.01, plateau_tolerance=0.15)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status


def test_theory_is_reproduced(tmp_path):
    status = statuses(tmp_path)
    # mode 1's R - 1 is ~0.01 under Eq. 7 at sigma_q^2 = 0.04 (a peak barely above the plateau): not judged by design
    assert status.pop("corlouer_fig1_eq10_1") == "not_judged"
    assert (status == "reproduced").all(), status[status != "reproduced"]
    assert {"corlouer_fig1_eq10_0", "corlouer_fig1_eq10_2", "corlouer_fig1_learning_order", "corlouer_fig1_label_noise_plateau_0"} <= set(status.index)


def test_rivals_are_not_reproduced(tmp_path):
    status = statuses(tmp_path, clean=dict(reversed_order=True, peak_shift=-0.1, decay=False, eq7_ratio=0.5), noisy=dict(plateau=0.0))
    assert status["corlouer_fig1_learning_order"] == "not_reproduced"
    for a in range(3):
        assert status[f"corlouer_fig1_peak_position_{a}"] in ("not_reproduced", "qualitative")  # 0.1 off: the loose reading's edge
        assert status[f"corlouer_fig1_decay_{a}"] == "not_reproduced"
        assert status[f"corlouer_fig1_eq7_matches_{a}"] == "not_reproduced"
        assert status[f"corlouer_fig1_label_noise_plateau_{a}"] == "not_reproduced"


def test_the_other_side_of_eq10_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, noisy=dict(swap_eq10=True))
    assert status["corlouer_fig1_eq10_0"] == "not_reproduced" and status["corlouer_fig1_eq10_2"] == "not_reproduced"


def test_peak_at_the_depth_two_amplitude_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, clean=dict(peak_shift=-0.2))
    assert all(status[f"corlouer_fig1_peak_position_{a}"] == "not_reproduced" for a in range(3))


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, n_seeds=2, clean=dict(noise=1.0), noisy=dict(noise=1.0))
    for row in ("corlouer_fig1_learning_order", "corlouer_fig1_eq7_matches_0", "corlouer_fig1_eq10_0", "corlouer_fig1_peak_time_0"):
        assert status[row] == "not_judged", (row, status[row])
