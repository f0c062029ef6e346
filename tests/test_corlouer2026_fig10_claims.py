"""Fig. 10 claims on synthetic summaries: D linear in 1/b passes, D quadratic in 1/b fails, two seeds are not judged."""

import corlouer2026_synthetic as syn
from sgdnoise.corlouer2026.fig10 import stages as fig10

SWEEP = {f"b{b}": {"b": b} for b in (1, 2, 4, 8)}


def statuses(tmp_path, **options):
    return syn.sweep_statuses(tmp_path, fig10.claims, SWEEP, **options)


def test_linear_in_inverse_batch_is_reproduced(tmp_path):
    status = statuses(tmp_path)
    assert (status == "reproduced").all(), status[status != "reproduced"]


def test_quadratic_in_inverse_batch_is_not_reproduced(tmp_path):
    status = statuses(tmp_path, power=2.0)
    assert all(status[f"corlouer_fig10_linear_{a}"] == "not_reproduced" for a in range(3))
    assert all(status[f"corlouer_fig10_ratio_constant_{a}"] == "not_reproduced" for a in range(3))


def test_two_seeds_are_not_judged(tmp_path):
    status = statuses(tmp_path, n_seeds=2, noise=1.0)
    assert all(status[f"corlouer_fig10_linear_{a}"] == "not_judged" for a in range(3))
