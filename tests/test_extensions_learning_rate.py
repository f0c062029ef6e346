"""The finite-learning-rate extension (issue 18.3): its theory against independent computations (the density (16) of the
L = 2 mode by scipy quadrature, Euler-Maruyama's AR(1) variance in closed form, finite differences of the drift), the fits
on synthetic data of known order, the stages on tiny synthetic runs, and the claims' logic (an O(eta^2) difference passes,
an O(eta) one fails, huge error bars are not judged)."""

import functools

import numpy as np
import pytest
import xarray as xr
from scipy import integrate

from corlouer2026_laws_helpers import claim_statuses
from sgdnoise import io
from sgdnoise.corlouer2026 import theory
from sgdnoise.corlouer2026.laws.common import grid_of, stationary_law
from sgdnoise.extensions import learning_rate as lr

S, Q = 1.0, 0.1  # Fig. 5's first mode and label noise, L = 2, b = 1
GRID = {"start": 0.25, "stop": 1.75, "num": 30001}  # s -+ 0.75, the domain of quad_law (the power-law tail of (16) beyond it is cut in both)
ETA = np.array([0.005, 0.01, 0.02, 0.04, 0.08])


@functools.lru_cache
def quad_law(beta: float, s: float = S, q: float = Q, half_width: float = 0.6) -> tuple[float, float]:
    """(mean, variance) of p(w) ~ (1/D) exp(int_s^w 2 mu / D) for L = 2, written out by hand: mu = 2 (s - w) w + beta w (2 (s - w)^2 + q)
    (gradient + corrected Ito drift), D = 4 beta (2 (s - w)^2 + q) w^2, by nested adaptive quadrature on s +- half_width."""
    def log_p(w):
        exponent = integrate.quad(lambda z: 2 * (2 * (s - z) * z + beta * z * (2 * (s - z) ** 2 + q)) / (4 * beta * (2 * (s - z) ** 2 + q) * z**2), s, w)[0]
        return exponent - np.log(4 * beta * (2 * (s - w) ** 2 + q) * w**2) + np.log(4 * beta * q * s**2)

    lo, hi = s - half_width, s + half_width
    moments = [integrate.quad(lambda w, n=n: w**n * np.exp(log_p(w)), lo, hi, points=[s], limit=200)[0] for n in range(3)]
    mean = moments[1] / moments[0]
    return mean, moments[2] / moments[0] - mean**2


# ------------------------------------------------------------------------------------------------------------- theory
def test_the_density_16_of_the_code_matches_quadrature_at_the_figures_rates():
    for beta in (0.01, 0.08):
        mean, var = quad_law(beta, half_width=0.75)
        law = stationary_law("corrected", S, 2, beta, Q, grid_of(GRID))
        assert law.mean == pytest.approx(mean, rel=1e-7) and law.variance == pytest.approx(var, rel=1e-5)


def test_at_small_beta_the_density_16_sits_at_s_minus_c_with_the_variance_of_eq18():
    beta = 2e-3
    mean, var = quad_law(beta, half_width=0.3)
    c = -(theory.small_noise_law(S, 2, beta, Q).mean - S)
    assert c == pytest.approx(beta * Q / 2)  # (beta/2)(L-1) s^0 sigma_q^2 at L = 2
    assert (S - mean) / c == pytest.approx(1.0, abs=0.02)  # O(beta) = 2 beta (s - mean = c (1 + 2 beta + ...), the 1-D law's next order)
    assert var / theory.stationary_variance_eq18(S, 2, beta, Q) == pytest.approx(1.0, abs=0.02)


def test_em_excess_variance_is_the_ar1_variance_of_euler_maruyama():
    k, d = 2.0, 3e-3
    for h in (0.005, 0.04, 0.3):
        exact = h * d / (1 - (1 - k * h) ** 2)  # x' = (1 - k h) x + sqrt(h D) xi
        assert lr.em_excess_variance(d / (2 * k), k, h) + d / (2 * k) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("s", [0.4, 1.0])
def test_relaxation_rate_and_mean_per_variance_are_the_drifts_derivatives(depth, s):
    def mu(w):
        return depth * (s - w) * w ** (2 * (depth - 1) / depth)  # Eq. 5 by hand

    h = 1e-4
    first = (mu(s + h) - mu(s - h)) / (2 * h)
    second = (mu(s + h) - 2 * mu(s) + mu(s - h)) / h**2
    assert lr.relaxation_rate(s, depth) == pytest.approx(-first, rel=1e-6)
    assert lr.mean_per_variance(s, depth) == pytest.approx(second / (2 * -first), rel=1e-4)


# --------------------------------------------------------------------------------------------------------------- fits
@pytest.mark.parametrize("order", [1.0, 2.0, 2.5])
def test_power_law_fit_recovers_a_known_order_with_calibrated_errors(order):
    rng = np.random.default_rng(int(order * 10))
    truth = 0.1 * ETA**order
    se = 0.05 * truth + 0.02 * truth.max() * (ETA / ETA.max())  # heteroscedastic, some points below 1 SE of zero
    fits = np.array([lr.power_law_fit(ETA, truth + se * rng.standard_normal(ETA.size), se) for _ in range(300)])
    p, p_se = fits[:, 2], fits[:, 3]
    assert np.mean(np.abs(p - order) < 3 * p_se) > 0.97
    assert np.std(p) == pytest.approx(np.median(p_se), rel=0.25)  # the Gauss-Newton SE is the spread over replicates
    assert np.median(p) == pytest.approx(order, abs=0.5 * np.median(p_se))


def test_power_law_fit_handles_a_negative_amplitude():
    a, a_se, p, p_se = lr.power_law_fit(ETA, -0.3 * ETA**2, 1e-3 * 0.3 * ETA**2)
    assert a == pytest.approx(-0.3, rel=1e-3) and p == pytest.approx(2.0, abs=1e-3)


def test_weighted_polynomial_and_line_at_match_numpy_polyfit():
    rng = np.random.default_rng(5)
    x = np.linspace(0.01, 0.1, 7)
    se = 0.01 + 0.02 * x
    y = 0.2 + 3 * x - 5 * x**2 + se * rng.standard_normal(x.size)
    coef, cov = lr.weighted_polynomial(x, y, se, (0, 1, 2))
    ref, ref_cov = np.polyfit(x, y, 2, w=1 / se, cov="unscaled")
    np.testing.assert_allclose(coef, ref[::-1], rtol=1e-10)
    np.testing.assert_allclose(cov, ref_cov[::-1, ::-1], rtol=1e-8)
    value, value_se = lr.line_at(x, y, se, 0.0)
    line, line_cov = np.polyfit(x, y, 1, w=1 / se, cov="unscaled")
    assert value == pytest.approx(line[1], rel=1e-10) and value_se == pytest.approx(np.sqrt(line_cov[1, 1]), rel=1e-8)


# ------------------------------------------------------------------------------------------------------------- stages
SPREAD = np.array([1.0, -1.0, 1.0, -1.0])  # four seeds, zero-mean deviations


def fake_run(path, means, variances):
    """A run file as window_law reads it: window mean and covariance of the entry m0_0 per seed."""
    n = len(means)
    ds = xr.Dataset({"window_mean": (("seed", "entry"), np.asarray(means, dtype=float)[:, None]),
                     "window_covariance": (("seed", "entry", "entry_j"), np.asarray(variances, dtype=float)[:, None, None])},
                    coords={"seed": np.arange(n), "entry": ["m0_0"], "entry_j": ["m0_0"]})
    io.write_netcdf(ds, path)
    return str(path)


def spread_run(path, mean, variance, d=1e-5):
    """Four seeds around (mean, variance); their pooled variance is variance + d^2 4/3 (the window means' spread)."""
    return fake_run(path, mean + d * SPREAD, variance * (1 + 0.01 * SPREAD))


def test_summarize_pairs_sgd_with_the_sde_and_reads_a_dt_sweep_on_its_line(tmp_path):
    rng = np.random.default_rng(7)
    etas = [0.005, 0.04, 0.08]
    sgd, truth = [], {}
    for eta in etas:  # two seed blocks per SGD point
        blocks = [(S + rng.normal(0, 1e-3, 4), 0.1 * eta * (1 + rng.normal(0, 0.01, 4))) for _ in range(2)]
        sgd += [fake_run(tmp_path / f"sgd{eta}_{i}.nc", m, v) for i, (m, v) in enumerate(blocks)]
        m, v = np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])
        truth[eta] = (m.mean(), (v + (m - m.mean()) ** 2 * 8 / 7).mean())
    sweep_dt = [0.0025, 0.01, 0.04]
    sde = [spread_run(tmp_path / f"sde_dt{dt}.nc", S - 2e-4 + 0.01 * dt, 5e-4 * (1 + dt)) for dt in sweep_dt]
    sde += [spread_run(tmp_path / f"sde{eta}.nc", S - 0.002 * eta, 0.1 * eta) for eta in etas[1:]]
    out = tmp_path / "summary.nc"
    lr.summarize(sgd, sde, str(out), learning_rates=etas, sgd_counts=[2, 2, 2], sde_counts=[[1, 1, 1], [1], [1]], sde_dt=[sweep_dt, [0.01], [0.02]],
                 dt_over_eta=0.25, batch_size=1, label_noise_variance=Q, singular_value=S, widths=[12, 12, 12], grid=GRID, provenance={})
    ds = io.open_dataset(out)
    for eta in etas:
        point = ds.sel(learning_rate=eta, dynamics="sgd")
        assert float(point.mean_shift) == pytest.approx(truth[eta][0] - S, abs=1e-12)
        assert float(point.variance) == pytest.approx(truth[eta][1], rel=1e-10)
    sde0 = ds.sel(learning_rate=0.005, dynamics="sde")
    spread = 1e-10 * 4 / 3
    assert float(sde0.variance) == pytest.approx(5e-4 * (1 + 0.00125) + spread, rel=1e-9)  # the sweep's straight line at dt = eta / 4
    assert float(sde0.mean_shift) == pytest.approx(-2e-4 + 0.01 * 0.00125, abs=1e-12)
    assert float(ds.sel(learning_rate=0.08, dynamics="sde").variance) == pytest.approx(0.008 + spread, rel=1e-9)
    np.testing.assert_allclose(ds.difference.sel(moment="variance"), ds.variance.sel(dynamics="sgd") - ds.variance.sel(dynamics="sde"))


def test_learning_rate_points_pair_each_sgd_rate_with_one_sde_run():
    runs = {"sgd": {"learning_rate": [0.01, 0.02]}, "old_sgd": {"learning_rate": 0.005},
            "sde_sweep": {"learning_rate": 0.005, "dt": [0.0025, 0.005, 0.01]}, "sde1": {"learning_rate": 0.01, "dt": 0.0025},
            "sde2": {"learning_rate": 0.02, "dt": 0.005}}
    section = {"sgd": ["old_sgd", "sgd"], "sde": ["sde_sweep", "sde1", "sde2"], "dt_over_eta": 0.25}
    points = lr.learning_rate_points(section, runs)
    assert [p["eta"] for p in points] == [0.005, 0.01, 0.02]
    assert points[0]["sgd"] == ("old_sgd", "default") and points[1]["sgd"] == ("sgd", "eta0.01")
    assert [dt for _, dt in points[0]["sde"][1]] == [0.0025, 0.005, 0.01] and points[2]["sde"] == ("sde2", [("default", 0.005)])
    runs["sde2"]["dt"] = 0.01
    with pytest.raises(ValueError, match="dt_over_eta"):
        lr.learning_rate_points(section, runs)
    with pytest.raises(ValueError, match="exactly one SDE run at learning rate 0.02"):
        lr.learning_rate_points({**section, "sde": ["sde_sweep", "sde1"]}, runs)


# ------------------------------------------------------------------------------------------------------------- claims
def synthetic_summary(*, relative_se=0.002, extra_linear=0.0, network=False, seed=0):
    """Window statistics drawn around a known truth: the SDE at dt = eta / 4 is the density (16) (by quadrature) plus the
    linearised mode's EM excess at dt, SGD adds the linearised EM excess of step eta over step dt (an O(eta^2) difference), and
    `extra_linear` eta on SGD's variance (and minus it on its mean) a rival O(eta) difference; `network` moves both means by
    -11 c, the pull of the 22 off-diagonal weights of the first hidden unit at d = 12 (c = beta sigma_q^2 / 2)."""
    rng = np.random.default_rng(seed)
    k, dt = 2.0, ETA / 4
    law = np.array([quad_law(eta, half_width=0.75) for eta in ETA])
    law_mean, law_var = law[:, 0] - S, law[:, 1]

    def excess(h):
        return law_var * (1 / (1 - k * h / 2) - 1)  # V / (1 - k h / 2) - V, the AR(1) of EM

    sde_mean, sde_var = law_mean - excess(dt), law_var + excess(dt)  # d mean / d Var = -p / s = -1 at L = 2, s = 1
    sgd_var = law_var + excess(ETA) + extra_linear * ETA
    sgd_mean = law_mean - excess(ETA) - extra_linear * ETA
    if network:
        sde_mean, sgd_mean = sde_mean - 11 * ETA * Q / 2, sgd_mean - 11 * ETA * Q / 2
    mean_se, var_se = relative_se * np.sqrt(law_var) * 0.1, relative_se * law_var

    def stats(mean, var):
        return np.stack([S + mean + mean_se * rng.standard_normal(ETA.size), mean_se, var + var_se * rng.standard_normal(ETA.size), var_se], axis=1)

    return lr.analyse(ETA, stats(sgd_mean, sgd_var), stats(sde_mean, sde_var), dt_over_eta=0.25, batch_size=1, label_noise_variance=Q,
                      singular_value=S, widths=[12, 12, 12], grid=GRID)


ORDER_ROWS = ["ext_lr_order_mean_shift", "ext_lr_order_variance", "ext_lr_leading_difference_mean_shift", "ext_lr_leading_difference_variance",
              "ext_lr_sde_variance_leading", "ext_lr_sgd_variance_leading", "ext_lr_em_excess_variance"]
ETA17_ROWS = ["ext_lr_sde_mean_shift_leading", "ext_lr_sgd_mean_shift_leading"]
NETWORK_ROWS = ["ext_lr_sde_mean_shift_network", "ext_lr_sgd_mean_shift_network"]


def test_an_order_two_difference_in_the_balanced_aligned_law_supports_eq17_and_refutes_the_network_shift(tmp_path):
    st = claim_statuses(lr.claims, synthetic_summary(), tmp_path)
    assert set(st.index) == set(ORDER_ROWS + ETA17_ROWS + NETWORK_ROWS)
    assert (st[ORDER_ROWS + ETA17_ROWS] == "reproduced").all(), st[st != "reproduced"]
    assert (st[NETWORK_ROWS] == "not_reproduced").all()


def test_the_network_shift_supports_its_rows_and_refutes_eq17s_alone(tmp_path):
    st = claim_statuses(lr.claims, synthetic_summary(network=True), tmp_path)
    assert (st[ORDER_ROWS + NETWORK_ROWS] == "reproduced").all(), st[st != "reproduced"]
    assert (st[ETA17_ROWS] == "not_reproduced").all()


def test_network_shift_is_twelve_c_at_width_twelve_and_undefined_beyond_depth_two():
    assert lr.network_shift([12, 12, 12], 0.01, Q) == pytest.approx(-12 * 0.01 * Q / 2)
    assert lr.network_shift([5, 12, 17], 0.01, Q) == pytest.approx(-(1 + 8) * 0.01 * Q / 2)
    assert np.isnan(lr.network_shift([12, 12, 12, 12], 0.01, Q))


def test_an_order_one_difference_is_refuted(tmp_path):
    st = claim_statuses(lr.claims, synthetic_summary(extra_linear=0.01), tmp_path)
    for row in ("ext_lr_order_variance", "ext_lr_leading_difference_variance", "ext_lr_sgd_variance_leading", "ext_lr_em_excess_variance",
                "ext_lr_leading_difference_mean_shift", "ext_lr_sgd_mean_shift_leading"):
        assert st[row] == "not_reproduced", row
    assert st["ext_lr_sde_variance_leading"] == st["ext_lr_sde_mean_shift_leading"] == "reproduced"


def test_huge_error_bars_are_not_judged(tmp_path):
    st = claim_statuses(lr.claims, synthetic_summary(relative_se=0.5), tmp_path)
    assert st["ext_lr_order_variance"] == st["ext_lr_order_mean_shift"] == st["ext_lr_em_excess_variance"] == "not_judged"


def test_check_config_names_the_offending_run():
    base = {"dynamics": "deep_linear", "widths": [12, 12, 12], "teacher_singular_values": [1.0], "init_gamma": 3.0, "batch_size": 1,
            "label_noise_variance": 0.1}
    runs = {"sgd": {**base, "method": "online_sgd", "learning_rate": [0.01, 0.02]},
            "sde1": {**base, "method": "sde", "learning_rate": 0.01, "dt": 0.0025}, "sde2": {**base, "method": "sde", "learning_rate": 0.02, "dt": 0.005}}
    section = {"sgd": ["sgd"], "sde": ["sde1", "sde2"], "dt_over_eta": 0.25}
    lr.check_config(section, {"runs": runs})
    with pytest.raises(ValueError, match="run 'sde2' has label_noise_variance = 0.2"):
        lr.check_config(section, {"runs": {**runs, "sde2": {**runs["sde2"], "label_noise_variance": 0.2}}})
    with pytest.raises(ValueError, match="extensions_learning_rate.sde: run 'sgd' has method 'online_sgd'"):
        lr.check_config({**section, "sde": ["sgd", "sde2"]}, {"runs": runs})
