"""extensions_fig4_gap: (i) one Euler-Maruyama step at dt = eta is SGD's mean step plus a Gaussian with SGD's one-step
covariance (both engines against the exact Isserlis moments of x x^T); (ii) the dt -> 0 extrapolation against closed
forms of EM (Ornstein-Uhlenbeck variance, geometric Brownian motion second moment), exact in dt; (iii) the decomposition's
delta-method SE against Monte Carlo, the concentration fits on laws of known form; (iv) the stage and claims on synthetic
runs of known truth: discretisation world, noise-shape world, a power law, too few seeds."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sgdnoise import engine, io
from sgdnoise.extensions.fig4_gap import stages as fig4_gap

ETA = 0.005


# ------------------------------------------------------------------------------------------------ (i) one step
def one_step_moments(widths, teacher, weights, eta):
    """Exact mean and covariance of one online-SGD step (b = 1, no label noise) of the flat parameters, from
    dW_l = eta W_>l^T Delta x x^T W_<l^T and Cov(X_ij, X_kl) = d_ik d_jl + d_il d_jk for X = x x^T, x ~ N(0, I)."""
    d0 = widths[0]
    delta = teacher - weights[1] @ weights[0]

    def step(x_matrix):  # the increments of (W_1, W_2) for a given x x^T
        return np.concatenate([(eta * weights[1].T @ delta @ x_matrix).ravel(), (eta * delta @ x_matrix @ weights[0].T).ravel()])

    basis = np.eye(d0 * d0).reshape(d0 * d0, d0, d0)
    linear = np.stack([step(e) for e in basis], axis=1)  # parameters x entries of X
    isserlis = np.eye(d0 * d0) + np.eye(d0 * d0).reshape(d0, d0, d0, d0).transpose(0, 1, 3, 2).reshape(d0 * d0, d0 * d0)
    return step(np.eye(d0)), linear @ isserlis @ linear.T, linear


@pytest.fixture(scope="module")
def one_step_increments():
    widths = (3, 3, 3)
    rng = np.random.default_rng(3)
    teacher = np.diag([1.0, 0.7, 0.4])
    weights = [rng.normal(0, 0.5, (3, 3)), rng.normal(0, 0.5, (3, 3))]
    n = 40000
    start = [np.repeat(w[None], n, axis=0) for w in weights]
    kw = dict(burn_in_steps=0, measure_steps=1, record_every=1, trace_every=1)
    gens = lambda offset: [np.random.default_rng(offset + s) for s in range(n)]  # noqa: E731
    sgd = engine.deep_linear_online_sgd(teacher, start, gens(0), learning_rate=ETA, batch_size=1, label_noise_std=0.0, **kw)
    em = engine.deep_linear_sde(teacher, start, gens(10**6), learning_rate=ETA, batch_size=1, label_noise_std=0.0, dt=ETA, **kw)
    flat = lambda run: np.concatenate([(f - s).reshape(n, -1) for f, s in zip(run.final_weights, start)], axis=1)  # noqa: E731
    return widths, teacher, weights, flat(sgd), flat(em)


def test_em_at_dt_eta_is_sgd_mean_step_plus_gaussian_noise_of_sgd_covariance(one_step_increments):
    widths, teacher, weights, sgd, em = one_step_increments
    mean, cov, linear = one_step_moments(widths, teacher, weights, ETA)
    rng = np.random.default_rng(0)
    n = sgd.shape[0]
    for u in rng.standard_normal((6, mean.size)):
        q = (u @ linear).reshape(3, 3)
        q = (q + q.T) / 2  # u . step = x^T q x: mean tr q, var 2 tr q^2, third cumulant 8 tr q^3 (Isserlis)
        var = u @ cov @ u
        assert np.isclose(np.trace(q), u @ mean) and np.isclose(2 * np.trace(q @ q), var)
        skew_sgd = 8 * np.trace(q @ q @ q) / var**1.5
        for increments, skew in ((sgd, skew_sgd), (em, 0.0)):
            p = increments @ u
            assert abs(p.mean() - u @ mean) < 4 * np.sqrt(var / n)
            m4 = np.mean((p - p.mean()) ** 4)
            assert abs(p.var() - var) < 4 * np.sqrt((m4 - var**2) / n)
            z = (p - p.mean()) / p.std()
            assert abs(np.mean(z**3) - skew) < 4 * np.sqrt(np.var(z**3) / n)  # SGD's x x^T is skewed, EM's Gaussian is not


@pytest.mark.parametrize("method", ["online_sgd", "sde"])
def test_a_longer_horizon_repeats_the_shorter_runs_records(method):
    """Figs. 4 and 12 read t <= 20 of runs this figure extends to t = 80: the first records must not change (each seed's
    stream is drawn in step order, whatever the chunk length)."""
    rng = np.random.default_rng(5)
    start = [rng.normal(0, 0.3, (4, 3, 3)) for _ in range(2)]
    teacher = np.diag([1.0, 0.7, 0.4])
    runs = []
    for steps, chunk in ((40, None), (160, 20)):
        kw = dict(burn_in_steps=0, measure_steps=steps, record_every=20, trace_every=20, chunk_steps=chunk, learning_rate=ETA, batch_size=1, label_noise_std=0.0)
        gens = [np.random.default_rng(s) for s in range(4)]
        run = (engine.deep_linear_online_sgd(teacher, start, gens, **kw) if method == "online_sgd"
               else engine.deep_linear_sde(teacher, start, gens, dt=ETA, **kw))
        runs.append(run.modes)
    assert runs[1].shape[1] > runs[0].shape[1] and np.array_equal(runs[1][:, : runs[0].shape[1]], runs[0])


# ------------------------------------------------------------------------------------------------ (ii) dt -> 0
def ou_em_variance(dt, k, sigma, t):
    """EM of dx = -k x dt + sigma dB from x = 0, exact at step dt: Var after t / dt steps."""
    a = 1 - k * dt
    return sigma**2 * dt * (1 - a ** (2 * t / dt)) / (1 - a**2)


def gbm_em_log_moment(dt, k, b, t):
    """EM of dx = -k x dt + b x dB from x = 1, exact at step dt: log E x^2 after t / dt steps."""
    return t / dt * np.log((1 - k * dt) ** 2 + b**2 * dt)


@pytest.mark.parametrize("closed_form, exact", [
    (lambda dt: ou_em_variance(dt, 2.0, 0.3, 1.0), 0.3**2 * (1 - np.exp(-4.0)) / 4.0),
    (lambda dt: gbm_em_log_moment(dt, 2.0, 0.5, 20.0), (-4.0 + 0.25) * 20.0),
])
def test_first_order_extrapolation_recovers_the_continuum_with_a_second_order_remainder(closed_form, exact):
    errors = []
    for h in (0.01, 0.005):
        dt = h / 2.0 ** np.arange(4)
        y = closed_form(dt)
        fit = fig4_gap.extrapolate(dt, y, np.full(dt.size, 1e-3 * abs(exact)), order=1)
        errors.append(fit["value"] - exact)
        assert abs(errors[-1]) < abs(y[-1] - exact) / 5  # far better than the finest step alone
        assert abs(fit["next_coefficient"]) > 0  # EM's remainder is really quadratic, so the check can see it
    assert 3.0 < errors[0] / errors[1] < 5.0  # halving the steps quarters the remainder: it is O(dt^2)


def test_extrapolation_needs_a_point_to_check_the_order():
    with pytest.raises(ValueError, match="at least 3 dt values"):
        fig4_gap.extrapolate(np.array([0.01, 0.005]), np.array([1.0, 2.0]), np.ones(2))


# ------------------------------------------------------------------------------------------------ (iii) decomposition, fits
def test_decomposition_of_known_variances_and_its_se_against_monte_carlo():
    dt = np.array([0.01, 0.005, 0.0025, 0.00125])
    y0, c = -30.0, -60.0  # log Var_EM(dt) = y0 + c dt exactly: Var_SDE(0) = e^y0
    y_em, y_sgd = y0 + c * dt, y0 + c * ETA - 0.1  # SGD 10 % below its Gaussianised twin
    se_em, se_sgd = np.full(dt.size, 0.05), 0.04
    out = fig4_gap.decompose(y_sgd, se_sgd, dt, y_em, se_em, ETA)
    v_sgd, v_eta, v0 = np.exp(y_sgd), np.exp(y0 + c * ETA), np.exp(y0)
    assert np.isclose(out["gap_total"][0], v_sgd - v0, rtol=1e-6) and np.isclose(out["gap_noise"][0], v_sgd - v_eta, rtol=1e-6)
    assert np.isclose(out["fraction_discretisation"][0], (v_eta - v0) / (v_sgd - v0), rtol=1e-6)
    assert np.isclose(out["log_fraction_discretisation"][0], c * ETA / (c * ETA - 0.1), rtol=1e-6)
    rng = np.random.default_rng(1)  # Monte Carlo of the inputs through the same weighted fit, done by np.polyfit
    draws = []
    for _ in range(4000):
        ys = y_sgd + se_sgd * rng.standard_normal()
        ye = y_em + se_em * rng.standard_normal(dt.size)
        y0_hat = np.polyfit(dt, ye, 1, w=1 / se_em)[1]
        draws.append((np.exp(ye[1]) - np.exp(y0_hat)) / (np.exp(ys) - np.exp(y0_hat)))
    assert np.isclose(out["fraction_discretisation"][1], np.std(draws), rtol=0.1)


def test_decomposition_needs_the_dt_eta_point():
    with pytest.raises(ValueError, match="dt = eta"):
        fig4_gap.decompose(0.0, 0.1, np.array([0.01, 0.0025, 0.00125]), np.zeros(3), np.ones(3), ETA)


def gaussian_law(rng, n, variances):
    return np.sqrt(variances)[None, :] * rng.standard_normal((n, variances.size))


def test_concentration_fits_tell_an_exponential_from_a_power_law():
    rng = np.random.default_rng(2)
    t = np.array([10.0, 20.0, 40.0, 80.0])
    (rate, exponent, rate_change, exponent_change), se = fig4_gap.concentration(t, gaussian_law(rng, 2000, 1e-3 * np.exp(-0.3 * t)))
    assert abs(rate - 0.3) < 3 * se[0] and abs(rate_change) < 3 * se[2] and abs(exponent_change) > 3 * se[3]
    (rate, exponent, rate_change, exponent_change), se = fig4_gap.concentration(t, gaussian_law(rng, 2000, 1e-3 * t**-2.5))
    assert abs(exponent - 2.5) < 3 * se[1] and abs(exponent_change) < 3 * se[3] and abs(rate_change) > 3 * se[2]


# ------------------------------------------------------------------------------------------------ (iv) stage and claims
HORIZONS = [10.0, 20.0, 40.0, 80.0]
DT = [0.01, 0.005, 0.0025, 0.00125]


def write_run(path, w0, key, point):
    """A run file as corlouer2026.runs writes it, reduced to what the stage reads: U^T W V on the trace grid."""
    n, n_t = w0.shape
    modes = np.zeros((n, n_t + 1, 2, 2))
    modes[:, 1:, 0, 0] = w0
    ds = xr.Dataset({"modes": (("seed", "time", "row", "column"), modes)}, coords={"seed": np.arange(n), "time": [0.0] + HORIZONS},
                    attrs={"key": key, "point": point})
    io.write_netcdf(ds, path)
    return str(path)


def synthetic_statuses(tmp_path, *, log_var_sgd, log_var_em, n=400, seed=0, dts=DT):
    """Runs with Gaussian w_0 - 1 of log variances log_var_sgd(t) and log_var_em(dt, t), through summarize and claims
    (visibly spread: std 1e-3, as Fig. 4's resolution)."""
    rng = np.random.default_rng(seed)
    t = np.array(HORIZONS)
    sgd = [write_run(tmp_path / "sgd.nc", 1 + gaussian_law(rng, n, np.exp(log_var_sgd(t))), "sgd", "default")]
    sde = [write_run(tmp_path / f"em{dt}.nc", 1 + gaussian_law(rng, n, np.exp(log_var_em(dt, t))), "sde", f"dt{dt:g}") for dt in dts]
    summary, out = tmp_path / "summary.nc", tmp_path / "claims.csv"
    fig4_gap.summarize(sgd, sde, str(summary), sde_counts=[1] * len(dts), sde_dt=list(dts), horizons=HORIZONS, concentration_horizons=HORIZONS,
                       learning_rate=ETA, singular_value=1.0, order=1, provenance={})
    fig4_gap.claims(str(summary), str(out), end_of_training=20.0, most=0.5, visible_std=1e-3, resolution_ulps=1000)
    return pd.read_csv(out).set_index("claim_id").status, io.open_dataset(summary)


# log Var of w_0 ~ -30 (std ~3e-7) and slowly falling, as measured; rates per unit t
def test_this_reproductions_world_no_gap_at_all(tmp_path):
    st, _ = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -29 - 0.04 * t, log_var_em=lambda dt, t: -29 - 0.04 * t + 0 * dt)
    assert st["ext_fig4_gap_continuum_t20"] == st["ext_fig4_gap_gaussian_t20"] == st["ext_fig4_gap_gaussian_t80"] == st["ext_fig4_gap_rate"] == "reproduced"
    assert st["ext_fig4_gap_conjecture_t20"] == "not_reproduced"  # nothing like a visible spread
    assert st["ext_fig4_gap_discretisation_t20"] == "not_judged"  # no gap to share out
    assert st["ext_fig4_gap_concentrates_sgd"] == st["ext_fig4_gap_exponential_sde0"] == st["ext_fig4_gap_resolution"] == "reproduced"


def test_a_discretisation_world_supports_the_discretisation_rows(tmp_path):
    # the SDE decays at rate 0.1; EM (and SGD, its twin at dt = eta) faster by 10 dt: Var_SGD = Var_EM(eta) < Var_SDE(0)
    st, ds = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -28 - (0.1 + 10 * ETA) * t, log_var_em=lambda dt, t: -28 - (0.1 + 10 * dt) * t)
    assert st["ext_fig4_gap_discretisation_t20"] == st["ext_fig4_gap_discretisation_t80"] == st["ext_fig4_gap_gaussian_t80"] == "reproduced"
    assert st["ext_fig4_gap_continuum_t20"] == st["ext_fig4_gap_rate"] == "not_reproduced"  # a gap, opening with t
    assert st["ext_fig4_gap_conjecture_t20"] == "not_reproduced"  # e^-1 is no visible spread
    assert st["ext_fig4_gap_concentrates_sde0"] == st["ext_fig4_gap_exponential_sgd"] == st["ext_fig4_gap_extrapolation_order"] == "reproduced"
    assert abs(float(ds.sde0_rate) - 0.1) < 3 * float(ds.sde0_rate_se)


def test_the_papers_world_supports_its_conjecture(tmp_path):
    # EM at dt = eta visibly spread (std 3e-3) above an SDE (dt -> 0) as peaked as SGD (std 3e-7): log Var linear in dt up to eta
    st, _ = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -30 + 0 * t, log_var_em=lambda dt, t: -30 + 18.4 * dt / ETA + 0 * t,
                               dts=[0.005, 0.0025, 0.00125, 0.000625])
    assert st["ext_fig4_gap_conjecture_t20"] == st["ext_fig4_gap_continuum_t20"] == "reproduced"
    assert st["ext_fig4_gap_gaussian_t20"] == "not_reproduced"
    assert st["ext_fig4_gap_discretisation_t20"] == "not_judged"  # SGD and the SDE (dt -> 0) agree: the split of their gap is moot


def test_a_noise_shape_world_refutes_the_discretisation_rows(tmp_path):
    # EM does not depend on dt; SGD is e^-1.5 less spread than its Gaussianised twin at every horizon
    st, _ = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -31.5 - 0.04 * t, log_var_em=lambda dt, t: -30 - 0.04 * t + 0 * dt)
    assert st["ext_fig4_gap_discretisation_t20"] == st["ext_fig4_gap_gaussian_t20"] == st["ext_fig4_gap_gaussian_t80"] == "not_reproduced"
    assert st["ext_fig4_gap_continuum_t20"] == "not_reproduced" and st["ext_fig4_gap_rate"] == "reproduced"


def test_a_power_law_fails_the_exponential_rows(tmp_path):
    st, _ = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -20 - 3 * np.log(t), log_var_em=lambda dt, t: -20 - 3 * np.log(t) + 0 * dt)
    assert st["ext_fig4_gap_exponential_sgd"] == st["ext_fig4_gap_exponential_sde0"] == "not_reproduced"
    assert st["ext_fig4_gap_concentrates_sgd"] == st["ext_fig4_gap_concentrates_sde0"] == "reproduced"


def test_a_frozen_law_below_the_resolution_fails_the_resolution_row(tmp_path):
    # std e^-33 ~ 21 ulps of s at every horizon: rounding could set it; a law that stopped concentrating is not judged
    st, _ = synthetic_statuses(tmp_path, log_var_sgd=lambda t: -66 + 0 * t, log_var_em=lambda dt, t: -66 + 0 * t + 0 * dt)
    assert st["ext_fig4_gap_resolution"] == "not_reproduced" and st["ext_fig4_gap_concentrates_sgd"] == "not_judged"


def test_few_seeds_are_not_judged(tmp_path):
    st, _ = synthetic_statuses(tmp_path, n=4, log_var_sgd=lambda t: -28 - (0.1 + 10 * ETA) * t, log_var_em=lambda dt, t: -28 - (0.1 + 10 * dt) * t)
    assert st["ext_fig4_gap_discretisation_t20"] == st["ext_fig4_gap_exponential_sgd"] == "not_judged"


def test_points_sharing_a_seed_stream_are_refused(tmp_path):
    rng = np.random.default_rng(4)
    w0 = 1 + gaussian_law(rng, 8, np.full(4, 1e-10))
    paths = [write_run(tmp_path / f"r{i}.nc", w0, "same", "dt0.005") for i in range(2)]
    with pytest.raises(ValueError, match="share a seed stream"):
        fig4_gap.summarize(paths[:1], paths[1:] * 3, str(tmp_path / "s.nc"), sde_counts=[1, 1, 1], sde_dt=[0.005, 0.0025, 0.01], horizons=HORIZONS,
                           concentration_horizons=HORIZONS, learning_rate=ETA, singular_value=1.0, order=1, provenance={})


# ------------------------------------------------------------------------------------------------ config
@pytest.mark.parametrize("change, message", [
    ({"sde": ["corlouer2026_laws_sde_noise"]}, "config key extensions_fig4_gap.sde[0]: run 'corlouer2026_laws_sde_noise' has label noise"),
    ({"sde": ["corlouer2026_laws_langevin"]}, "config key extensions_fig4_gap.sde[0]: run 'corlouer2026_laws_langevin' has method 'langevin'"),
    ({"horizons": [10.0, 20.0, 25.0, 40.0, 80.0]}, "config key extensions_fig4_gap.horizons: [25.0] are not record times of run 'corlouer2026_laws_sgd'"),
    ({"concentration_horizons": [20.0, 40.0, 60.0]}, "config key extensions_fig4_gap.concentration_horizons: [20.0, 40.0, 60.0] must increase and be among"),
    ({"end_of_training": 30.0}, "config key extensions_fig4_gap.end_of_training: 30.0 is not one of the horizons"),
])
def test_bad_sections_name_the_key(change, message):
    from pathlib import Path

    import yaml

    from sgdnoise import catalogue
    from sgdnoise import config as cfg
    from sgdnoise.config import ConfigError
    from sgdnoise.extensions.fig4_gap import check_config

    root = Path(__file__).resolve().parents[1]
    raw = yaml.safe_load((root / "config.yaml").read_text())
    raw["extensions_fig4_gap"].update(change)
    loaded = cfg.load(raw, root / "workflow" / "schemas", check=catalogue.check)
    with pytest.raises(ConfigError) as error:
        cfg.section(loaded, "extensions_fig4_gap", root / "workflow" / "schemas", "extensions/fig4_gap.schema.yaml", check_config)
    assert message in str(error.value)
