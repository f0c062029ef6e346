"""Fig. 10 claims on synthetic summaries: D linear in 1/b passes, D quadratic in 1/b fails, two seeds are not judged."""

import numpy as np
import pandas as pd

import corlouer2026_synthetic as syn
from sgdnoise.corlouer2026.fig10 import stages as fig10

BATCHES = [1, 2, 4, 8]


def statuses(tmp_path, n_seeds=32, **options):
    rng = np.random.default_rng(7)
    points = [syn.point(rng, b=b, n_seeds=n_seeds, **options) for b in BATCHES]
    path = syn.write(tmp_path, points, [f"b{b}" for b in BATCHES])
    fig10.claims(path, str(tmp_path / "claims.csv"), slope_tolerance=0.25)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status


def test_linear_in_inverse_batch_is_reproduced(tmp_path):
    status = statuses(tmp_path)
    assert (status == "reproduced").all(), status[status != "reproduced"]


def test_quadratic_in_inverse_batch_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, power=2.0)
    assert all(status[f"fig10_linear_{a}"] == "not_reproduced" for a in range(3))
    assert all(status[f"fig10_ratio_constant_{a}"] == "not_reproduced" for a in range(3))


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, n_seeds=2, noise=1.0)
    assert all(status[f"fig10_linear_{a}"] == "not_judged" for a in range(3))
