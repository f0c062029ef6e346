"""Cross modes against the modewise reduction (issue 18; Corlouer et al. 2026, Prop. 3.5, Eqs. 5, 7, 9, App. I.1, Fig. 6).

Prop. 3.5 reduces the SDE (1) of the whole network to one 1-D SDE per teacher mode,
dw = [mu_grad(w) + mu_Ito(w)] dt + sqrt(D(w)) dB  (Eq. 5, the corrected Ito drift of formulas.md, Eq. 7),
assuming aligned modes (no cross modes w_ab = u_a^T W v_b, a != b) and balanced layers. Fig. 6 shows cross modes
peaking while modes are learned. Here, per run point (a depth and an initial scale gamma) of the full network's SDE
(engine.deep_linear_sde, the exact state-dependent noise) and per teacher mode:
- the full network: crossing times of w_a through fractions of s_a, the diffusion D_a = beta a_a^T Sigma a_a (Prop. 3.3)
  and its peak (height, time) between the crossings of the reference and the learned fraction, and the cross-mode
  amplitude of the mode at that peak, c_a = sqrt(sum_{b != a} w_ab^2 + w_ba^2) / s_a (the mode's row and column of
  U^T W V off the diagonal: the norm of what mixes mode a with the others; zero on the aligned manifold);
- the 1-D modewise SDE (Euler-Maruyama at the run's dt, `replicas` paths per seed, streams keyed by the run's key,
  point and seed) from two starts: (i) `reference`: w = f_ref s_a, compared with the full network after its first
  crossing of f_ref s_a (durations from there), which isolates the learning phase in which the cross modes peak;
  (ii) `initial`: the seed's own w_a(0) (paired by seed), which adds the misaligned start (w_a(0) <= 0 never learns
  in the 1-D reduction: such seeds are counted, not compared);
- the deterministic Eq. 5 trajectory from the same starts with Eq. 7 along it (peak = Eq. 9).
The claims compare the modewise error (full / 1-D - 1) with c_a at the peak across modes and gamma.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from .. import claims as claimsmod
from .. import io, seeding
from ..corlouer2026 import RATE_UNITS, TIME_UNITS, theory
from ..corlouer2026.modewise import crossing_times, interpolate_at, open_runs, parabola_peak

PAPER, SECTION = "Corlouer2026", "Prop. 3.5, App. I.1"
QUOTE = ("We also assumed that the weights are balanced and aligned assumptions, which are common when studying DLNs but the assumption "
         "of modes alignment is not always accurate (see figure 6). These assumptions are important, and further work could relax them "
         "to extend our analyses to take into account cross-modes interactions.")
LOCATION = "Sec. 6 (limitations), Fig. 6"
STARTS = ("reference", "initial")
MEASURES = {"duration": "learning time", "peak_height": "peak diffusion", "peak_time": "peak time"}


# ------------------------------------------------------------------------------------------------------ config
def check_config(section: dict, config: dict) -> None:
    """Every run is a one-point deep linear SDE run recording a^T Sigma a; the fit depth has at least one case."""
    from ..catalogue import DEEP_LINEAR_FAMILY, check_run, sweep_points
    from ..config import ConfigError

    depths = []
    for i, name in enumerate(section["runs"]):
        key = f"extensions_cross_modes.runs[{i}]"
        run = check_run(config, key, name, DEEP_LINEAR_FAMILY)
        if run["method"] != "sde" or not run.get("record_noise_variance", False):
            raise ConfigError(f"config key {key}: run {name!r} must be method sde with record_noise_variance: true (the full network's D_a)")
        if len(sweep_points(run)) != 1 or run.get("burn_in", 0) != 0:
            raise ConfigError(f"config key {key}: run {name!r} must be one point (no swept keys) recorded from t = 0 (burn_in 0)")
        if not run["trace_interval"] == run["record_interval"]:
            raise ConfigError(f"config key {key}: run {name!r} needs trace_interval = record_interval (a^T Sigma a on the trace grid)")
        depths.append(len(run["widths"]) - 1)
    if section["fit_depth"] not in depths:
        raise ConfigError(f"config key extensions_cross_modes.fit_depth: no run has depth {section['fit_depth']} (depths {sorted(set(depths))})")


def case_parameters(name: str, run: dict, n_files: int) -> dict:
    """The summary's description of one case (a run of the catalogue, its only point "default")."""
    return dict(label=name, n_files=n_files, depth=len(run["widths"]) - 1, init_gamma=run["init_gamma"], initialization=run.get("initialization", "gaussian"),
                singular_values=run["teacher_singular_values"],
                learning_rate=run["learning_rate"], batch_size=run["batch_size"], label_noise_variance=run.get("label_noise_variance", 0.0), dt=run["dt"],
                key=run["key"], point="default")


# ------------------------------------------------------------------------------------------------ cross modes
def cross_mode_amplitude(modes: np.ndarray, n_modes: int) -> np.ndarray:
    """c_a = sqrt(sum_{b != a} (w_ab^2 + w_ba^2)) for a < n_modes, from U^T W V (..., d_L, d_0): (..., n_modes)."""
    modes = np.asarray(modes, dtype=float)
    diagonal = np.einsum("...ii->...i", modes)[..., :n_modes]
    row = np.sum(modes[..., :n_modes, :] ** 2, axis=-1)
    column = np.sum(modes[..., :, :n_modes] ** 2, axis=-2)
    return np.sqrt(np.maximum(row + column - 2 * diagonal**2, 0.0))


# -------------------------------------------------------------------------------------- the 1-D modewise SDE
def euler_maruyama(drift, diffusion, start: np.ndarray, *, dt: float, n_steps: int, record_every: int,
                   generators: list[np.random.Generator], chunk: int = 1000) -> np.ndarray:
    """Euler-Maruyama of the independent scalar SDEs dw = drift(w) dt + sqrt(diffusion(w)) dB, start (seed, ...), one
    generator per seed (its normals drawn in chunks of steps, so a seed's path does not depend on the other seeds);
    w at steps 0, record_every, ..., n_steps: (seed, record, ...)."""
    if n_steps % record_every:
        raise ValueError(f"n_steps = {n_steps} is not a multiple of record_every = {record_every}")
    w = np.array(start, dtype=float)
    records = np.empty((w.shape[0], n_steps // record_every + 1, *w.shape[1:]))
    records[:, 0] = w
    for first in range(0, n_steps, chunk):
        length = min(chunk, n_steps - first)
        noise = np.stack([g.standard_normal((length, *w.shape[1:])) for g in generators], axis=1)
        for k in range(length):
            w = w + drift(w) * dt + np.sqrt(diffusion(w) * dt) * noise[k]
            step = first + k + 1
            if step % record_every == 0:
                records[:, step // record_every] = w
    return records


def modewise_sde(start: np.ndarray, singular_values, depth: int, beta: float, label_noise_variance: float, **kwargs) -> np.ndarray:
    """Prop. 3.5's 1-D SDE per mode (last axis of start): Eq. 5 + the corrected Ito drift (theory.ito_drift), Eq. 7's D.
    The fractional powers take |w|: w stays >= 0 in the continuum (drift and D vanish at 0), and an Euler step that
    overshoots below 0 is pushed back (the balanced reduction's w is a product of layer singular values, never < 0)."""
    s = np.asarray(singular_values, dtype=float)

    def drift(w):
        a = np.abs(w)
        return theory.gradient_drift(a, s, depth) + theory.ito_drift(a, s, depth, beta, label_noise_variance)

    return euler_maruyama(drift, lambda w: theory.modewise_diffusion_balanced(np.abs(w), s, depth, beta, label_noise_variance), start, **kwargs)


# ---------------------------------------------------------------------------------------------- statistics
def learning_statistics(t: np.ndarray, w: np.ndarray, diffusion: np.ndarray, singular_values, start_fraction: float | None, learned_fraction: float):
    """From paths w, D (..., time, mode): the times of the first crossings of start_fraction s (None: the start t[0]) and of
    learned_fraction s, and the peak of D (parabola vertex) between them: (start, learned, peak time, peak height), (..., mode)."""
    s = np.asarray(singular_values, dtype=float)
    z = np.moveaxis(w / s, -2, -1)  # (..., mode, time)
    start = np.full(z.shape[:-1], t[0]) if start_fraction is None else crossing_times(t, z, start_fraction)
    learned = crossing_times(t, z, learned_fraction)
    series = np.moveaxis(diffusion, -2, -1)
    window = (t >= start[..., None]) & (t <= learned[..., None])  # NaN learned: an empty window
    peak_time, peak_height = parabola_peak(t, np.where(window, series, -np.inf))
    empty = ~window.any(axis=-1)
    return start, learned, np.where(empty, np.nan, peak_time), np.where(empty, np.nan, peak_height)


def case_statistics(run_paths: list[str], *, depth: int, singular_values, learning_rate: float, batch_size: int, label_noise_variance: float,
                    dt: float, reference_fraction: float, learned_fraction: float, replicas: int, key: str, point: str, sgd_seed: int) -> dict:
    """Per seed and mode of one run point: the full network's statistics, the 1-D SDE's (both starts) and Eq. 5's."""
    runs = open_runs(run_paths)
    s = np.asarray(singular_values, dtype=float)
    n_modes, beta, q = s.size, learning_rate / batch_size, label_noise_variance
    t = runs.time.values
    modes = runs.modes.values  # (seed, time, d_L, d_0)
    w = np.einsum("stii->sti", modes)[..., :n_modes]
    diffusion = beta * runs.noise_variance.values[..., :n_modes]
    cross = cross_mode_amplitude(modes, n_modes) / s
    t_ref, t_learned, peak_time, peak_height = learning_statistics(t, w, diffusion, s, reference_fraction, learned_fraction)
    learning = (t[None, :, None] >= t_ref[:, None]) & (t[None, :, None] <= t_learned[:, None])
    out = {"full_reference_time": t_ref, "full_duration": t_learned - t_ref, "full_learning_time": t_learned,
           "full_peak_time": peak_time - t_ref, "full_peak_height": peak_height,
           "cross_at_peak": interpolate_at(t, np.moveaxis(cross, 1, -1), peak_time),
           "cross_max": np.where(learning.any(axis=1), np.max(np.where(learning, cross, -np.inf), axis=1), np.nan),
           "initial_amplitude": w[:, 0] / s, "initial_cross": cross[:, 0]}

    record_every = int(round((t[1] - t[0]) / dt))
    n_steps = int(round((t[-1] - t[0]) / dt))
    seeds = runs.seed.values
    w0 = w[:, 0]
    # the full network's amplitude at its reference time: f_ref s_a, or w_a(0) where the start is already above it
    w_ref = np.where(t_ref > t[0], reference_fraction * s, w0)
    for start_name, start in (("reference", w_ref), ("initial", np.where(w0 > 0, w0, 0.0))):
        generators = [seeding.generator(sgd_seed, key, point, int(seed), f"modewise_sde_{start_name}") for seed in seeds]
        paths = modewise_sde(np.repeat(start[:, None, :], replicas, axis=1), s, depth, beta, q, dt=dt, n_steps=n_steps, record_every=record_every,
                             generators=generators)  # (seed, time, replica, mode)
        paths = np.moveaxis(paths, 2, 1)  # (seed, replica, time, mode)
        d1 = theory.modewise_diffusion_balanced(np.abs(paths), s, depth, beta, q)
        if start_name == "reference":  # the 1-D path starts at f_ref s: its times count from the full network's crossing
            _, learned, ptime, pheight = learning_statistics(t - t[0], paths, d1, s, None, learned_fraction)
            out |= {"modewise_duration": learned, "modewise_peak_time": ptime, "modewise_peak_height": pheight}
        else:
            learned = crossing_times(t, np.moveaxis(paths / s, -2, -1), learned_fraction)
            out |= {"modewise_initial_learning_time": np.where((w0 > 0)[:, None, :], learned, np.nan)}

    w_star, d_star = theory.diffusion_peak(s, depth, beta, q)

    def flow(starts, target):  # Eq. 5's time from each start (seed, mode) to target (mode,); NaN unless 0 < start < target
        return np.array([[theory.gradient_flow_time(y, sa, x, depth) if 0 < x < y else np.nan for x, y, sa in zip(row, target, s)] for row in starts])

    out |= {"flow_duration": flow(w_ref, learned_fraction * s), "flow_peak_time": flow(w_ref, w_star),
            "flow_peak_height": np.where(w_ref < w_star, d_star, theory.modewise_diffusion_balanced(w_ref, s, depth, beta, q)),
            "flow_initial_learning_time": flow(w0, learned_fraction * s)}
    # seed-mean traces for the figure
    out |= {"reference_start": w_ref / s, "trace_time": t, "trace_amplitude": np.mean(w / s, axis=0), "trace_cross": np.mean(cross, axis=0),
            "trace_diffusion": np.mean(diffusion, axis=0), "seeds": seeds}
    return out


DESCRIPTIONS = {  # name -> (dims without case, long_name, units)
    "full_reference_time": (("seed", "mode"), "full SDE: first crossing of the reference fraction of s_a (the 1-D reference start)", TIME_UNITS),
    "full_learning_time": (("seed", "mode"), "full SDE: first crossing of the learned fraction of s_a", TIME_UNITS),
    "full_duration": (("seed", "mode"), "full SDE: learning time minus reference time", TIME_UNITS),
    "full_peak_time": (("seed", "mode"), "full SDE: time of the peak of D_a = beta a^T Sigma a after the reference time", TIME_UNITS),
    "full_peak_height": (("seed", "mode"), "full SDE: peak of D_a = beta a^T Sigma a (Prop. 3.3) between reference and learning time", RATE_UNITS),
    "cross_at_peak": (("seed", "mode"), "cross-mode amplitude c_a / s_a = sqrt(sum_{b!=a} w_ab^2 + w_ba^2) / s_a at the full SDE's peak of D_a", "1"),
    "cross_max": (("seed", "mode"), "max of c_a / s_a between reference and learning time", "1"),
    "initial_amplitude": (("seed", "mode"), "w_a(0) / s_a", "1"),
    "initial_cross": (("seed", "mode"), "c_a(0) / s_a", "1"),
    "reference_start": (("seed", "mode"), "start of the 1-D reference paths / s_a: f_ref, or w_a(0) / s_a where the network starts above it", "1"),
    "modewise_duration": (("seed", "replica", "mode"), "1-D modewise SDE from the reference start: time to the learned fraction", TIME_UNITS),
    "modewise_peak_time": (("seed", "replica", "mode"), "1-D modewise SDE from the reference start: time of the peak of Eq. 7 along the path", TIME_UNITS),
    "modewise_peak_height": (("seed", "replica", "mode"), "1-D modewise SDE from the reference start: peak of Eq. 7 along the path", RATE_UNITS),
    "modewise_initial_learning_time": (("seed", "replica", "mode"), "1-D modewise SDE from the seed's w_a(0): learning time (NaN if w_a(0) <= 0)",
                                       TIME_UNITS),
    "flow_duration": (("seed", "mode"), "Eq. 5 from the 1-D reference start: time to the learned fraction", TIME_UNITS),
    "flow_peak_time": (("seed", "mode"), "Eq. 5 from the 1-D reference start: time to Eq. 9's w*", TIME_UNITS),
    "flow_peak_height": (("seed", "mode"), "Eq. 9: D(w*) of Eq. 7 (Eq. 7 at the start if it is beyond w*)", RATE_UNITS),
    "flow_initial_learning_time": (("seed", "mode"), "Eq. 5 from the seed's w_a(0): learning time (NaN if w_a(0) <= 0)", TIME_UNITS),
    "trace_time": (("trace",), "time of the trace (the run's record grid; NaN padding)", TIME_UNITS),
    "trace_amplitude": (("trace", "mode"), "seed mean of w_a / s_a", "1"),
    "trace_cross": (("trace", "mode"), "seed mean of c_a / s_a", "1"),
    "trace_diffusion": (("trace", "mode"), "seed mean of D_a = beta a^T Sigma a", RATE_UNITS),
}


def summarize(run_paths: list[str], output: str, *, cases: list[dict], reference_fraction: float, learned_fraction: float, replicas: int,
              sgd_seed: int, provenance: dict) -> None:
    """The statistics of every case (a run point: {label, n_files, depth, init_gamma, singular_values, learning_rate, batch_size,
    label_noise_variance, dt, key, point}) along `case`, the run files concatenated in the cases' order (n_files each)."""
    datasets, first = [], 0
    for case in cases:
        stats = case_statistics(run_paths[first : first + case["n_files"]], depth=case["depth"], singular_values=case["singular_values"],
                                learning_rate=case["learning_rate"], batch_size=case["batch_size"], label_noise_variance=case["label_noise_variance"],
                                dt=case["dt"], reference_fraction=reference_fraction, learned_fraction=learned_fraction, replicas=replicas,
                                key=case["key"], point=case["point"], sgd_seed=sgd_seed)
        first += case["n_files"]
        variables = {name: xr.Variable(dims, stats[name], {"long_name": text, "units": unit}) for name, (dims, text, unit) in DESCRIPTIONS.items()}
        datasets.append(xr.Dataset(variables, coords={"seed": np.arange(stats["seeds"].size), "trace": np.arange(stats["trace_time"].size),
                                                      "mode": np.arange(len(case["singular_values"]))}))
    if first != len(run_paths):
        raise ValueError(f"cases name {first} run files, got {len(run_paths)}")
    ds = xr.concat(datasets, dim="case", join="outer", data_vars="all", fill_value=np.nan, combine_attrs="drop")
    ds = ds.assign_coords(case=[c["label"] for c in cases], depth=("case", [c["depth"] for c in cases]),
                          init_gamma=("case", [float(c["init_gamma"]) for c in cases]),
                          initialization=("case", [c.get("initialization", "gaussian") for c in cases]),
                          singular_value=(("case", "mode"), np.array([c["singular_values"] for c in cases], dtype=float)),
                          beta=("case", [c["learning_rate"] / c["batch_size"] for c in cases]), dt=("case", [c["dt"] for c in cases]),
                          n_seeds=("case", [d.sizes["seed"] for d in datasets]))
    ds = io.keep_variable_attrs(ds, datasets)
    ds.attrs = io.provenance(provenance, reference_fraction=reference_fraction, learned_fraction=learned_fraction, replicas=replicas)
    io.write_netcdf(ds, output)


# -------------------------------------------------------------------------------------------------- claims
def ratio_error(full: np.ndarray, modewise: np.ndarray) -> tuple[float, float]:
    """mean(full) / mean(modewise) - 1 over the seeds where both are finite (modewise (seed, replica) or (seed,): its replicas
    averaged per seed first) and its delete-one-seed jackknife SE (the seeds are independent; a seed's 1-D paths share its start)."""
    full = np.asarray(full, dtype=float)
    per_seed = np.asarray(modewise, dtype=float)
    if per_seed.ndim == 2:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
            per_seed = np.nanmean(per_seed, axis=1)
    both = np.isfinite(full) & np.isfinite(per_seed)
    f, m = full[both], per_seed[both]
    n = f.size
    if n < 2:
        return np.nan, np.nan
    leave = (f.sum() - f) / (m.sum() - m) - 1
    return float(f.mean() / m.mean() - 1), float(np.sqrt((n - 1) / n * np.sum((leave - leave.mean()) ** 2)))


def mean_sem(values) -> tuple[float, float]:
    """Mean and SE over the finite entries (NaN with fewer than two)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return np.nan, np.nan
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def case_errors(ds: xr.Dataset, case: str) -> dict:
    """Per mode of one case: the relative errors full / modewise - 1 (MEASURES) with SEs, of the 1-D SDE (reference start) and
    of Eq. 5 (deterministic), c_a / s_a at the peak with its SE, and the initial-start learning times (paired per seed)."""
    c = ds.sel(case=case).dropna("seed", how="all", subset=["full_learning_time"])
    out = {m: [] for m in ("cross", "duration", "peak_height", "peak_time", "flow_duration", "flow_peak_height", "flow_peak_time", "initial", "initial_flow",
                           "excluded")}
    for a in c.mode.values:
        ca = c.sel(mode=a)
        out["cross"].append(mean_sem(ca.cross_at_peak.values))
        for measure in MEASURES:
            out[measure].append(ratio_error(ca[f"full_{measure}"].values, ca[f"modewise_{measure}"].values))
            out[f"flow_{measure}"].append(ratio_error(ca[f"full_{measure}"].values, ca[f"flow_{measure}"].values))
        full = ca.full_learning_time.values
        one_d = ca.modewise_initial_learning_time.values
        out["initial"].append(ratio_error(full, one_d))
        out["initial_flow"].append(ratio_error(full, ca.flow_initial_learning_time.values))
        usable = np.isfinite(one_d).any(axis=1)
        out["excluded"].append(int(np.sum(~usable)))
    return {k: np.array(v) for k, v in out.items()}


def linear_fit(x, x_se, y, y_se) -> tuple[np.ndarray, np.ndarray, float]:
    """y = intercept + slope x by weighted least squares with the effective variances y_se^2 + (slope x_se)^2 (iterated: both
    coordinates are seed means with SEs), the coefficients' SEs scaled by sqrt(chi2 / dof) when the points scatter more than
    their SEs: ((intercept, slope), SEs, chi2 / dof). Points with a non-finite coordinate are left out."""
    from ..corlouer2026.mode_claims import weighted_fit

    x, x_se, y, y_se = (np.asarray(v, dtype=float) for v in (x, x_se, y, y_se))
    finite = np.isfinite(x) & np.isfinite(x_se) & np.isfinite(y) & (y_se > 0)
    x, x_se, y, y_se = x[finite], x_se[finite], y[finite], y_se[finite]
    slope = 0.0
    for _ in range(5):
        se = np.sqrt(y_se**2 + (slope * x_se) ** 2)
        coef, coef_se = weighted_fit(x, y, se, through_origin=False)
        slope = coef[1]
    reduced = float(np.sum(((y - coef[0] - coef[1] * x) / se) ** 2) / (x.size - 2)) if x.size > 2 else np.nan
    return coef, coef_se * np.sqrt(max(1.0, reduced if np.isfinite(reduced) else 1.0)), reduced


def power_law_fit(c, c_se, error, error_se) -> tuple[np.ndarray, np.ndarray, float]:
    """|error| = A c^p: linear_fit of log|error| against log c, the SEs carried by the delta method (SE / value), so a point
    whose error is within its SE of 0 carries little weight: ((log A, p), SEs, chi2 / dof)."""
    c, c_se, error, error_se = (np.asarray(v, dtype=float) for v in (c, c_se, error, error_se))
    with np.errstate(divide="ignore", invalid="ignore"):
        return linear_fit(np.log(c), c_se / c, np.log(np.abs(error)), error_se / np.abs(error))


def fit_points(ds: xr.Dataset, depth: int) -> tuple[list[str], dict]:
    """The cases of one depth and their errors stacked over (case, mode) points."""
    cases = [str(c) for c in ds.case.values if int(ds.depth.sel(case=c)) == depth]
    errors = [case_errors(ds, c) for c in cases]
    return cases, {k: np.concatenate([e[k] for e in errors]) for k in errors[0]}


def initialization(ds: xr.Dataset, case: str) -> str:
    return str(ds.initialization.sel(case=case).values)


def case_name(ds: xr.Dataset, case: str) -> str:
    return f"L = {int(ds.depth.sel(case=case))}, gamma {float(ds.init_gamma.sel(case=case)):g}, {initialization(ds, case)} start"


def bound_row(table: claimsmod.ClaimTable, ds: xr.Dataset, claim_id: str, case: str, measure: str, bound: float, *, within: bool, what: str) -> None:
    """One case's errors in a measure against `bound`: every mode's |error| + k SE below it (within) or some mode's
    |error| - k SE above it (not within), k the Bonferroni t limit over the case's 2 x modes tests."""
    err = case_errors(ds, case)
    values, se = err[measure][:, 0], err[measure][:, 1]
    n_modes, n_seeds = values.size, int(ds.n_seeds.sel(case=case))
    k = claimsmod.bonferroni_t_limit(n_seeds, 2 * n_modes)
    listing = "; ".join(f"mode {a}: {claimsmod.format_mean_sem(values[a], se[a])}, c = {err['cross'][a, 0]:.3g}" for a in range(n_modes))
    if within:
        bounds = np.abs(values) + k * se
        worst = int(np.nanargmax(bounds))
        statement = f"every mode's {MEASURES[measure]} within {bound:.0%}"
        measured, expected, holds = f"{bounds[worst]:.3g} (mode {worst})", f"< {bound:g}", bool(bounds[worst] < bound)
        quantity = f"full / modewise - 1 per mode ({listing}), worst |error| + {k:.3g} SE"
    else:
        bounds = np.abs(values) - k * se
        worst = int(np.nanargmax(bounds))
        statement = f"the {MEASURES[measure]} of some mode only to worse than {bound:.0%}"
        measured, expected, holds = f"{bounds[worst]:.3g} (mode {worst})", f"> {bound:g}", bool(bounds[worst] > bound)
        quantity = f"full / modewise - 1 per mode ({listing}), largest |error| - {k:.3g} SE"
    table.add(claim_id, "extensions_cross_modes", f"hypothesis: {what} ({case_name(ds, case)}) the 1-D modewise SDE predicts {statement}", quantity,
              measured, expected, f"{k:.3g} SE (Bonferroni t over {2 * n_modes} tests, {n_seeds} seeds)", holds, kind=claimsmod.EXTENSION,
              power=claimsmod.power(k * se[worst], abs(abs(values[worst]) - bound), f"an error at the bound ({bound:.0%})"), location=LOCATION, quote=QUOTE)


def claims(summary_path: str, output: str, *, fit_depth: int, small_error: float) -> None:
    """Rows of kind extension: over the (case, mode) points of depth `fit_depth`, the growth exponent of the modewise SDE's
    error in the learning time and in the peak diffusion with the cross-mode amplitude at the peak (> 0); from the smallest
    Gaussian initial scale and from every aligned start, both within `small_error` for every mode; from every balanced but
    misaligned start, some mode beyond it; the misaligned start w_a(0)'s share of the learning-time error."""
    ds = io.open_dataset(summary_path)
    table = claimsmod.ClaimTable(PAPER, SECTION)
    figure = "extensions_cross_modes"
    cases, points = fit_points(ds, fit_depth)
    n_modes = ds.sizes["mode"]
    names = {c: case_name(ds, c) for c in cases}
    labels = [f"{names[c]} mode {a}" for c in cases for a in range(n_modes)]
    c, c_se = points["cross"].T
    setting = f"L = {fit_depth}, starts {', '.join(names[c] for c in cases)}"
    for measure in ("duration", "peak_height"):
        e, e_se = points[measure].T
        (log_a, p), (_, p_se), reduced = power_law_fit(c, c_se, e, e_se)
        n_fit = int(np.sum(np.isfinite(c) & np.isfinite(e) & (e_se > 0)))
        k = claimsmod.bonferroni_t_limit(n_fit - 1, 1)  # two-sided 1 % t quantile with the fit's n_fit - 2 degrees of freedom
        tol = claimsmod.tolerance(p_se, k)
        listing = "; ".join(f"{lab}: c = {ci:.3g}, error {ei:+.3g} +- {si:.2g}" for lab, ci, ei, si in zip(labels, c, e, e_se))
        table.add(f"ext_cross_{measure}_error_growth", figure,
                  f"hypothesis: the 1-D modewise SDE's error in the {MEASURES[measure]} grows with the cross-mode amplitude c_a / s_a at the "
                  f"full network's diffusion peak (exponent p > 0 of |error| = A c^p), {setting}",
                  "p of the weighted log-log fit of |full / modewise - 1| against c_a / s_a (SE from the points' SEs over seeds, scaled by "
                  f"sqrt(chi2/dof) = {np.sqrt(max(reduced, 1.0)):.3g}; A = {np.exp(log_a):.3g}); points: {listing}",
                  claimsmod.format_mean_sem(p, p_se), "> 0", f"{k:.3g} SE = {tol:.3g} (t quantile, {n_fit - 2} dof)", p - tol > 0,
                  kind=claimsmod.EXTENSION, power=claimsmod.power(tol, p, "an error independent of the cross modes (p = 0)"), location=LOCATION, quote=QUOTE)

    gaussian_fit = [x for x in cases if initialization(ds, x) == "gaussian"]
    if gaussian_fit:  # the smallest Gaussian initial scale at the fit depth
        largest = max(gaussian_fit, key=lambda x: float(ds.init_gamma.sel(case=x)))
        for measure in ("duration", "peak_height"):
            bound_row(table, ds, f"ext_cross_{measure}_small_init", largest, measure, small_error, within=True,
                      what="from the smallest Gaussian initial scale")
    for case in ds.case.values:  # the starts that keep one of Prop. 3.5's assumptions at t = 0, at every depth
        case, init = str(case), initialization(ds, str(case))
        tag = f"L{int(ds.depth.sel(case=case))}_g{round(10 * float(ds.init_gamma.sel(case=case)))}"
        for measure in ("duration", "peak_height"):
            if init == "aligned":
                bound_row(table, ds, f"ext_cross_{measure}_aligned_start_{tag}", case, measure, small_error, within=True,
                          what="from an aligned balanced start (Prop. 3.5's assumptions (A1), (A2) at t = 0; cross modes only from the noise)")
            elif init == "balanced":
                bound_row(table, ds, f"ext_cross_{measure}_balanced_start_{tag}", case, measure, small_error, within=False,
                          what="from a balanced but misaligned start (assumption (A1) only: the error is the cross modes', not imbalance's)")

    # the start: the 1-D SDE from the seed's own w_a(0), against the reference crossing, over the Gaussian (case, mode) points
    gaussian = [i for i, x in enumerate(np.repeat(cases, n_modes)) if initialization(ds, x) == "gaussian"]
    if gaussian:
        initial, reference, excluded = points["initial"][gaussian], points["duration"][gaussian], points["excluded"][gaussian]
        diff = np.abs(initial[:, 0]) - np.abs(reference[:, 0])
        diff_se = np.hypot(initial[:, 1], reference[:, 1])
        finite = np.isfinite(diff) & (diff_se > 0)
        weights = 1 / diff_se[finite] ** 2
        mean, mean_se = float(np.sum(weights * diff[finite]) / np.sum(weights)), float(1 / np.sqrt(np.sum(weights)))
        k = claimsmod.bonferroni_t_limit(min(int(ds.n_seeds.sel(case=x)) for x in cases), 1)
        tol = claimsmod.tolerance(mean_se, k)
        table.add("ext_cross_initial_start_dominates", figure,
                  "hypothesis: started from the seed's own w_a(0) = u_a^T W(0) v_a, the 1-D modewise SDE's learning-time error is larger than "
                  f"from the network's crossing of the reference fraction (the misaligned start dominates the error), Gaussian starts, {setting}",
                  "inverse-variance mean over the Gaussian (gamma, mode) points of |error from w_a(0)| - |error from the reference crossing| "
                  "(seeds with w_a(0) <= 0 never learn in the 1-D reduction and are left out: " + ", ".join(
                      f"{labels[i]}: {ie:+.3g} vs {re:+.3g} ({n} left out)" for i, ie, re, n in zip(gaussian, initial[:, 0], reference[:, 0], excluded)) + ")",
                  claimsmod.format_mean_sem(mean, mean_se), "> 0", f"{k:.3g} SE = {tol:.3g}", mean - tol > 0, kind=claimsmod.EXTENSION,
                  power=claimsmod.power(tol, mean, "equal errors from both starts"), location=LOCATION, quote=QUOTE)
    table.write(output)
