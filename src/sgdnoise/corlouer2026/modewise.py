"""Mode statistics of deep linear online-SGD runs (Corlouer et al. 2026, Secs. 3-4, App. J), shared by Figs. 1, 9, 10, 11.

Per seed and teacher mode alpha (amplitude w_alpha = u_alpha^T W v_alpha, teacher value s_alpha):
- crossing times of w_alpha through fractions of s_alpha ("learned" = a configurable fraction: the paper defines none);
- the diffusion measured two ways, on the record grid (record intervals of n steps):
  (i)  recorded: D = (eta / b) a^T Sigma a at the current weights (Prop. 3.3), the interval's mean of its two ends;
  (ii) realised: Var(dw_alpha) / eta over the interval's n one-step increments, the interval's mean increment (the
       drift) removed: (sum dw^2 - (sum dw)^2 / n) / ((n - 1) eta). Prop. 3.3: E[dw^2] = D dt with dt = eta per step;
  and Eq. 7 at the interval's mean observed amplitude (the balanced aligned prediction);
- these pooled over intervals by the amplitude z = w / s (bins), over the peak band (a band of z around Eq. 9's
  w*/s) and over the late intervals (after the mode is learned): pooled (ii) sums the intervals' squared deviations
  and divides by their degrees of freedom, so it is unbiased whatever the number of intervals in a pool;
- the peak of (i) in time (parabola through the largest record and its neighbours) and the amplitude there;
- the gradient-flow (Eq. 5) predictions from the seed's own amplitude at a reference crossing: the time of Eq. 9's
  peak and the learning time.
A maximum over single intervals of (ii) is not used: with ~10-step intervals its noise makes the mean of per-seed
maxima several times the pooled value.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import io
from . import RATE_UNITS, TIME_UNITS, theory


def open_runs(paths: list[str]) -> xr.Dataset:
    """The seed blocks of one point of a deep linear run, concatenated along seed."""
    return xr.concat([io.open_dataset(p) for p in paths], dim="seed", data_vars="minimal", coords="minimal", compat="override",
                     combine_attrs="override")


def crossing_times(t: np.ndarray, w: np.ndarray, level: float) -> np.ndarray:
    """First time each series (last axis = time) reaches `level`, interpolated linearly between records; NaN if never."""
    above = w >= level
    first = np.argmax(above, axis=-1)
    reached = above.any(axis=-1)
    i = np.maximum(first, 1)
    lo, hi = np.take_along_axis(w, (i - 1)[..., None], -1)[..., 0], np.take_along_axis(w, i[..., None], -1)[..., 0]
    frac = np.where(hi > lo, (level - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
    out = t[i - 1] + np.clip(frac, 0, 1) * (t[i] - t[i - 1])
    out = np.where(first == 0, t[0], out)
    return np.where(reached, out, np.nan)


def parabola_peak(t: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per series (last axis = time on the uniform grid t; -inf outside the searched window): the vertex (time, value)
    of the parabola through the largest value and its two neighbours (the record itself at the window's ends)."""
    k = np.argmax(d, axis=-1)
    kc = np.clip(k, 1, d.shape[-1] - 2)
    left, mid, right = (np.take_along_axis(d, (kc + o)[..., None], -1)[..., 0] for o in (-1, 0, 1))
    inner = (k > 0) & (k < d.shape[-1] - 1) & np.isfinite(left) & np.isfinite(right)
    curvature = left - 2 * mid + right
    shift = np.where(inner & (curvature < 0), 0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0), 0.0)
    h = t[1] - t[0]
    time = np.where(inner, t[kc] + shift * h, t[k])
    value = np.where(inner & (curvature < 0), mid - 0.25 * (left - right) * shift, np.take_along_axis(d, k[..., None], -1)[..., 0])
    return time, value


def interpolate_at(t: np.ndarray, series: np.ndarray, times: np.ndarray) -> np.ndarray:
    """series (..., time) at times (...), linearly; NaN where times is NaN."""
    flat_s, flat_t = series.reshape(-1, series.shape[-1]), times.ravel()
    out = np.array([np.interp(x, t, y) if np.isfinite(x) else np.nan for x, y in zip(flat_t, flat_s)])
    return out.reshape(times.shape)


def pooled(mask: np.ndarray, squares: np.ndarray, recorded: np.ndarray, eq7: np.ndarray, dof: int, eta: float):
    """Over the intervals in `mask` (seed, time, mode), per (seed, mode): realised D = sum of squared deviations /
    (dof x count x eta), mean recorded D, mean Eq. 7, interval count. NaN where no interval is in the pool."""
    count = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        realised = np.where(mask, squares, 0.0).sum(axis=1) / (dof * count * eta)
        rec = np.where(mask, recorded, 0.0).sum(axis=1) / count
        e7 = np.where(mask, eq7, 0.0).sum(axis=1) / count
    none = count == 0
    return tuple(np.where(none, np.nan, x) for x in (realised, rec, e7)) + (count,)


# pooled()'s outputs, in its order, as the binned_*, band_* and late_* variables name them ({where}: the pool's intervals)
POOLED = {"realised": "(ii) realised D pooled over the record intervals {where}: their summed squared deviations of dw_alpha from each "
                      "interval's mean / (degrees of freedom x eta)",
          "recorded": "(i) recorded D = (eta/b) a^T Sigma a (Prop. 3.3), mean over the record intervals {where}",
          "eq7": "Eq. 7's D at each interval's mean w_alpha, mean over the record intervals {where}",
          "count": "number of record intervals {where}"}


def units(name: str) -> str:
    """Units of a variable of mode_statistics, from its name: times (crossing, learning, peak times, Eq. 5 durations) in
    continuum time; diffusions D (recorded, realised, Eq. 7, their pools and peaks) per unit of it; interval counts;
    amplitudes, ratios and flags dimensionless."""
    if name.endswith(("_time", "_duration")):
        return TIME_UNITS
    if name.endswith("_count"):
        return "count"
    if name.startswith("diffusion_") or name.endswith(("_realised", "_recorded", "_eq7")) or name in ("eq7_peak", "eq7_plateau"):
        return RATE_UNITS
    return "1"


def mode_statistics(run_paths: list[str], output: str, *, learning_rate: float, batch_size: int, label_noise_variance: float, depth: int,
                    singular_values: list[float], learned_fraction: float, reference_fraction: float, crossover_fractions: list[float],
                    peak_band: list[float], bin_width: float, late_delay: float, peak_search_from: float, provenance: dict) -> None:
    """Per seed and teacher mode of one run point: crossing times, the diffusion (i) recorded, (ii) realised and Eq. 7
    on the record grid, pooled by amplitude bins, over the peak band and late; peaks of (i); gradient-flow predictions."""
    runs = open_runs(run_paths)
    s = np.asarray(singular_values, dtype=float)
    A = s.size
    eta, beta, q = float(learning_rate), float(learning_rate) / batch_size, float(label_noise_variance)
    t = runs.time.values
    w = np.stack([runs.modes.isel(row=a, column=a).values for a in range(A)], axis=-1)  # (seed, time, mode)
    recorded = beta * runs.noise_variance.values[..., :A]
    n = int(runs.attrs["increment_steps"])
    sum1, sum2, sumw = (runs[v].values for v in ("increment_sum", "increment_sum_squares", "increment_mode_sum"))
    squares = sum2 - sum1**2 / n  # per interval: sum of squared deviations of dw from the interval's mean
    w_interval = sumw / n
    rec_interval = np.concatenate([np.full_like(recorded[:, :1], np.nan), 0.5 * (recorded[:, 1:] + recorded[:, :-1])], axis=1)
    eq7_interval = theory.modewise_diffusion_balanced(np.maximum(w_interval, 0.0), s, depth, beta, q)
    realised_interval = squares / ((n - 1) * eta)
    z = w_interval / s
    valid = np.isfinite(z)

    fractions = sorted(set(crossover_fractions) | {learned_fraction, reference_fraction, peak_search_from})
    crossings = np.stack([crossing_times(t, np.moveaxis(w / s, 1, -1), f) for f in fractions], -1)
    learned = crossings[..., fractions.index(learned_fraction)]
    reference = crossings[..., fractions.index(reference_fraction)]

    w_star, d_star = theory.diffusion_peak(s, depth, beta, q)
    exists = np.asarray(theory.diffusion_peak_exists(s, depth, q))
    flow_learning = np.array([theory.learning_time(sa, reference_fraction * sa, depth, learned_fraction) for sa in s])
    flow_peak = np.array([theory.gradient_flow_time(ws, sa, reference_fraction * sa, depth) if np.isfinite(ws) and ws > reference_fraction * sa
                          else np.nan for ws, sa in zip(w_star, s)])

    # the mode's own peak: from its crossing of peak_search_from x s to late_delay after it is learned (a slow mode's D
    # also rises while a faster one is learned, a cross-mode effect outside Eq. 7: the global maximum is kept too)
    search_start = crossings[..., fractions.index(peak_search_from)]
    searched = (t[None, None, :] >= search_start[..., None]) & (t[None, None, :] <= (learned + late_delay)[..., None])
    series = np.moveaxis(recorded, 1, -1)
    peak_time, peak_value = parabola_peak(t, np.where(searched, series, -np.inf))
    peak_amplitude = interpolate_at(t, np.moveaxis(w, 1, -1), peak_time) / s
    global_time, _ = parabola_peak(t, series)
    global_amplitude = interpolate_at(t, np.moveaxis(w, 1, -1), global_time) / s

    edges = np.arange(0.0, 1.0 + 1e-9, bin_width)
    binned = [pooled(valid & (z >= lo) & (z < hi), squares, rec_interval, eq7_interval, n - 1, eta) for lo, hi in zip(edges[:-1], edges[1:])]
    band = pooled(valid & (z >= peak_band[0]) & (z <= peak_band[1]), squares, rec_interval, eq7_interval, n - 1, eta)
    late_mask = valid & (t[None, :, None] >= (learned + late_delay)[:, None, :])
    late = pooled(late_mask, squares, rec_interval, eq7_interval, n - 1, eta)

    sm = ("seed", "mode")
    stm = ("seed", "time", "mode")
    smb = ("seed", "mode", "amplitude_bin")

    pools = {"binned": (smb, [np.stack([b[k] for b in binned], axis=-1) for k in range(len(POOLED))], "with z = w_alpha / s_alpha in the amplitude bin"),
             "band": (sm, band, f"in the peak band z = w_alpha / s_alpha in {list(peak_band)} (about Eq. 9's w*/s)"),
             "late": (sm, late, f"ending {late_delay} or more after the learning time")}
    variables = {
        "mode_amplitude": (stm, w, {"long_name": "w_alpha = u_alpha^T W v_alpha"}),
        "diffusion_recorded": (stm, recorded, {"long_name": "(i) D = (eta/b) a^T Sigma a at the current weights (Prop. 3.3)"}),
        "diffusion_realised": (stm, realised_interval, {"long_name": "(ii) Var(dw) / eta over the record interval ending here, drift removed"}),
        "diffusion_eq7": (stm, eq7_interval, {"long_name": "Eq. 7 at the interval's mean observed w_alpha"}),
        "interval_amplitude": (stm, w_interval, {"long_name": "mean w_alpha over the record interval ending here"}),
        "crossing_time": (("seed", "mode", "fraction"), crossings, {"long_name": "first time w_alpha reaches fraction x s_alpha"}),
        "learning_time": (sm, learned, {"long_name": f"crossing time of {learned_fraction} s_alpha (the reading of 'learned')"}),
        "reference_time": (sm, reference, {"long_name": f"crossing time of {reference_fraction} s_alpha (start of the predictions)"}),
        "predicted_learning_time": (sm, reference + flow_learning, {"long_name": "reference time + Eq. 5 gradient-flow time to the learned fraction"}),
        "predicted_peak_time": (sm, reference + flow_peak, {"long_name": "reference time + Eq. 5 gradient-flow time to Eq. 9's w*"}),
        "peak_time": (sm, peak_time, {"long_name": "time of the maximum of (i) while the mode is learned (parabola vertex)"}),
        "peak_recorded": (sm, peak_value, {"long_name": "maximum of (i) while the mode is learned (parabola vertex)"}),
        "peak_amplitude": (sm, peak_amplitude, {"long_name": "w_alpha / s_alpha at the maximum of (i) while the mode is learned"}),
        "global_peak_amplitude": (sm, global_amplitude, {"long_name": "w_alpha / s_alpha at the maximum of (i) over the whole run"}),
    }
    for pool, (dims, values, where) in pools.items():  # binned_*, band_*, late_*: pooled() of each set of intervals
        for k, quantity in enumerate(POOLED):
            variables[f"{pool}_{quantity}"] = (dims, values[k], {"long_name": POOLED[quantity].format(where=where)})
    variables.update({
        "eq9_peak_amplitude": ("mode", w_star / s, {"long_name": "Eq. 9: w*/s (NaN where Eq. 10 fails)"}),
        "eq7_peak": ("mode", d_star, {"long_name": "Eq. 7 at w*: D_max = beta L^2 (2 (s - w*)^2 + sigma_q^2) w*^{4(L-1)/L}"}),
        "eq7_plateau": ("mode", theory.modewise_diffusion_balanced(s, s, depth, beta, q), {"long_name": "Eq. 7 at w = s: beta L^2 sigma_q^2 s^{4(L-1)/L}"}),
        "eq10_peak_exists": ("mode", exists.astype(np.int8), {"long_name": "Eq. 10 holds: D of Eq. 7 has an interior maximum (1 true, 0 false)"}),
        "flow_learning_duration": ("mode", flow_learning, {"long_name": "Eq. 5 time from the reference to the learned fraction"}),
        "flow_peak_duration": ("mode", flow_peak, {"long_name": "Eq. 5 time from the reference to w*"}),
    })
    for name, (_, _, attrs) in variables.items():
        attrs["units"] = units(name)

    ds = xr.Dataset(
        variables,
        coords={"seed": runs.seed.values, "time": t, "mode": np.arange(A), "fraction": fractions,
                "amplitude_bin": 0.5 * (edges[:-1] + edges[1:]), "singular_value": ("mode", s),
                "learning_rate": eta, "batch_size": int(batch_size), "beta": beta, "label_noise_variance": q, "depth": int(depth)},
        attrs=io.provenance(provenance, increment_steps=n, peak_search_from=peak_search_from, learned_fraction=learned_fraction, reference_fraction=reference_fraction,
                            peak_band=list(peak_band), late_delay=late_delay, widths=json.loads(runs.attrs["widths"])),
    )
    io.write_netcdf(ds, output)


POINT_COORDS = ("learning_rate", "batch_size", "beta", "label_noise_variance", "depth")


def stack_statistics(statistics_paths: list[str], output: str, *, labels: list[str], provenance: dict) -> None:
    """Mode statistics of several run points along `point` (named by `labels`), their hyper-parameters as coordinates
    along it and their widths as `widths` (text)."""
    points = [io.open_dataset(p) for p in statistics_paths]
    widths = [p.attrs["widths"] for p in points]
    summary = io.stack_points(points, dim="point", labels=labels, lift=POINT_COORDS, combine_attrs="drop")
    summary = io.keep_variable_attrs(summary.assign_coords(widths=("point", widths)), points)  # combine_attrs="drop" dropped them
    summary.attrs = io.provenance(provenance, increment_steps=[int(p.attrs["increment_steps"]) for p in points],
                                  learned_fraction=json.loads(points[0].attrs["learned_fraction"]), peak_band=json.loads(points[0].attrs["peak_band"]),
                                  late_delay=json.loads(points[0].attrs["late_delay"]), reference_fraction=json.loads(points[0].attrs["reference_fraction"]))
    io.write_netcdf(summary, output)
