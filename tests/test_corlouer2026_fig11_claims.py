"""Fig. 11 claims on synthetic summaries: the theory passes; a shifted peak, no decay and a factor 2 off Eq. 7 fail;
two seeds are not judged."""

import numpy as np
import pandas as pd

import corlouer2026_synthetic as syn
from sgdnoise.corlouer2026.fig11 import stages as fig11


def statuses(tmp_path, n_seeds=32, **options):
    rng = np.random.default_rng(9)
    points = [syn.point(rng, n_seeds=n_seeds, widths="[12, 24, 24, 24, 12]", **options), syn.point(rng, n_seeds=n_seeds)]
    path = syn.write(tmp_path, points, ["wide", "rectangular"])
    fig11.claims(path, str(tmp_path / "claims.csv"), decay_threshold=0.01)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status


def test_theory_is_reproduced(tmp_path):
    status = statuses(tmp_path)
    assert (status == "reproduced").all(), status[status != "reproduced"]


def test_rivals_are_not_reproduced(tmp_path):
    status = statuses(tmp_path, peak_shift=0.3, decay=False, eq7_ratio=0.5, reversed_order=True)
    assert status["corlouer_fig11_learning_order"] == "not_reproduced"
    for a in range(3):
        for row in ("peak_position", "decay", "eq7_matches"):
            assert status[f"corlouer_fig11_{row}_{a}"] == "not_reproduced", (row, a)


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, n_seeds=2, noise=1.0)
    assert status["corlouer_fig11_learning_order"] == "not_judged" and status["corlouer_fig11_eq7_matches_0"] == "not_judged"
