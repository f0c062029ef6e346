"""The README's library example runs and finds what it says: SGD agrees with the discrete-time theory."""

from sgdnoise.examples import library_use


def test_library_example_runs_and_agrees_with_theory(capsys):
    result = library_use.main()
    # 8 seeds x 2M steps: SE ~ 0.15 %, while the continuum error of lambda = 0.1 is ~1.3 %: SGD agrees with the discrete
    # theory and, by the same tolerance, rejects the continuum (2.30)
    assert abs(result["ratio"] - 1) < 4 * result["ratio_sem"]
    assert abs(result["ratio"] * (1 + result["continuum_error"]) - 1) > 4 * result["ratio_sem"]
    assert "SGD / discrete theory" in capsys.readouterr().out
