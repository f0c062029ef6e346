"""Stagewise learning statistics of one deep linear run point (Corlouer et al. 2026, Figs. 2, 3), shared by both figures.

Per seed and teacher mode alpha (w_alpha = u_alpha^T W v_alpha, teacher value s_alpha):
- the "learned" band: the final rise of w_alpha through the lower and then the upper of `learned_fractions` x s_alpha,
  after which it stays above (the paper defines neither its shaded bands nor when a mode is learned; its "fully
  learned once w_alpha reaches s_alpha" (Sec. 2.4) is read as the upper fraction, the band as the rise between the
  two). From a random initialization a smaller mode can rise first and be displaced by a larger one (the rank stays,
  the direction turns); its first crossing of the upper fraction is kept too;
- the numerical rank of W (singular values of the recorded U^T W V above `rank_threshold`; U, V orthogonal, so they
  are W's) and the first time it reaches k = 1 ... A, with the largest rise between two trace points (1 if the rank
  grows one mode at a time);
- the plateau losses: the loss halfway between the end of one band and the start of the next (stage k: modes < k learned);
- if the run recorded a_alpha^T Sigma a_alpha: the empirical diffusion D = (eta / b) a^T Sigma a (Prop. 3.3) and
  Prop. 3.5's D_alpha (Eq. 7) at the observed w_alpha, with their peaks in time.

`output_width` > 1 turns a summed-loss run at learning rate eta / d_L into the loss averaged over the d_L outputs
at eta (formulas.md, Conventions): identical steps, so the time axis is t = d_L x (the run's eta' step) and every
diffusion (eta/b) a^T Sigma_mean a = (eta'/b) a^T Sigma a / d_L.
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


def first_crossing(t: np.ndarray, series: np.ndarray, level) -> np.ndarray:
    """First time each series (last axis = time) reaches `level` (broadcast over the leading axes), interpolated
    linearly between trace points; NaN if it never does (censored by the horizon)."""
    level = np.broadcast_to(level, series.shape[:-1])
    above = series >= level[..., None]
    first = np.argmax(above, axis=-1)
    previous = np.maximum(first - 1, 0)
    lo = np.take_along_axis(series, previous[..., None], -1)[..., 0]
    hi = np.take_along_axis(series, first[..., None], -1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(hi > lo, (level - lo) / (hi - lo), 1.0)
    crossing = t[previous] + np.clip(fraction, 0.0, 1.0) * (t[first] - t[previous])
    return np.where(above.any(axis=-1), crossing, np.nan)


def last_crossing(t: np.ndarray, series: np.ndarray, level, until: np.ndarray | None = None) -> np.ndarray:
    """The time from which each series (last axis = time) stays at or above `level` (up to the time index `until`,
    (...) integers, or the end), interpolated linearly; NaN if it is below at that end. A mode can rise, be displaced
    by a larger one and rise again (Fig. 2); this is its final rise."""
    level = np.broadcast_to(level, series.shape[:-1])
    end = np.full(series.shape[:-1], series.shape[-1] - 1) if until is None else until
    index = np.arange(series.shape[-1])
    below = (series < level[..., None]) & (index <= end[..., None])
    last_below = np.where(below.any(axis=-1), series.shape[-1] - 1 - np.argmax(below[..., ::-1], axis=-1), -1)
    first_above = np.minimum(last_below + 1, series.shape[-1] - 1)
    previous = np.maximum(last_below, 0)
    lo = np.take_along_axis(series, previous[..., None], -1)[..., 0]
    hi = np.take_along_axis(series, first_above[..., None], -1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(hi > lo, (level - lo) / (hi - lo), 1.0)
    crossing = np.where(last_below < 0, t[0], t[previous] + np.clip(fraction, 0.0, 1.0) * (t[first_above] - t[previous]))
    return np.where(last_below >= end, np.nan, crossing)


def numerical_rank(modes: np.ndarray, threshold: float) -> np.ndarray:
    """Singular values of U^T W V (..., d_L, d_0) above `threshold`."""
    return (np.linalg.svd(modes, compute_uv=False) > threshold).sum(axis=-1)


def plateau_times(band_start: np.ndarray, band_end: np.ndarray) -> np.ndarray:
    """(seed, stage) for stages k = 0 ... A: halfway between the end of mode k-1's band (0 for k = 0) and the start of
    mode k's; the last stage, after every mode, at the end of the last band plus the length of that band."""
    before = np.concatenate([np.zeros_like(band_end[:, :1]), band_end], axis=1)
    after = np.concatenate([band_start, (2 * band_end[:, -1] - band_start[:, -1])[:, None]], axis=1)
    return 0.5 * (before + after)


def interpolate_at(t: np.ndarray, series: np.ndarray, times: np.ndarray) -> np.ndarray:
    """series (seed, time) at times (seed, k), linearly; NaN where a time is NaN or beyond the trace."""
    out = np.full(times.shape, np.nan)
    for s in range(times.shape[0]):
        keep = np.isfinite(times[s]) & (times[s] <= t[-1])
        out[s, keep] = np.interp(times[s, keep], t, series[s])
    return out


def mode_statistics(run_paths: list[str], output: str, *, singular_values: list[float], depth: int, learning_rate: float, batch_size: int,
                    label_noise_variance: float, learned_fractions: list[float], rank_threshold: float, output_width: int,
                    provenance: dict) -> None:
    """The statistics above for one run point (module docstring), on the paper's time axis."""
    runs = open_runs(run_paths)
    s = np.asarray(singular_values, dtype=float)
    A = s.size
    t = np.round(runs.time.values * output_width, 9)  # grids of eta * k and dt * k agree to rounding: one time axis for every run
    modes = runs.modes.values
    w = np.stack([modes[:, :, a, a] for a in range(A)], axis=-1)  # (seed, time, mode)
    w_by_time = np.moveaxis(w, 1, -1)  # (seed, mode, time)
    low, high = learned_fractions
    band_end = last_crossing(t, w_by_time, high * s)
    end_index = np.where(np.isfinite(band_end), np.searchsorted(t, np.nan_to_num(band_end, nan=t[-1])), t.size - 1)
    band_start = last_crossing(t, w_by_time, low * s, until=end_index)
    first_learned = first_crossing(t, w_by_time, high * s)
    rank = numerical_rank(modes, rank_threshold)
    rank_time = np.stack([first_crossing(t, rank.astype(float), k) for k in range(1, A + 1)], axis=-1)
    stages = plateau_times(band_start, band_end)
    loss = runs.loss.values / output_width  # the averaged loss is the summed one / d_L
    sm, stm = ("seed", "mode"), ("seed", "time", "mode")
    variables = {
        "mode_amplitude": (stm, w, {"long_name": "w_alpha = u_alpha^T W v_alpha"}),
        "loss": (("seed", "time"), loss, {"long_name": runs.loss.attrs.get("long_name", "loss")}),
        "numerical_rank": (("seed", "time"), rank, {"long_name": f"singular values of W above {rank_threshold}"}),
        "band_start": (sm, band_start, {"long_name": f"start of the final rise through {low} s_alpha (start of the learned band)"}),
        "learning_time": (sm, band_end, {"long_name": f"time from which w_alpha stays >= {high} s_alpha (end of the band: learned)"}),
        "first_learning_time": (sm, first_learned, {"long_name": f"first time w_alpha >= {high} s_alpha (earlier if transiently learned, then displaced)"}),
        "rank_time": (("seed", "rank"), rank_time, {"long_name": "first time the numerical rank reaches k"}),
        "largest_rank_step": ("seed", np.max(np.diff(rank, axis=1), axis=1, initial=0), {"long_name": "largest rise of the rank between trace points"}),
        "plateau_time": (("seed", "stage"), stages, {"long_name": "midpoint between the end of mode k-1's band and the start of mode k's"}),
        "plateau_loss": (("seed", "stage"), interpolate_at(t, loss, stages), {"long_name": "loss at plateau_time"}),
    }
    if "noise_variance" in runs:
        beta = learning_rate / batch_size
        empirical = beta * runs.noise_variance.values[..., :A] / output_width
        predicted = theory.modewise_diffusion_balanced(np.maximum(w, 0.0), s, depth, beta, label_noise_variance) / output_width
        for name, d, text in (("empirical", empirical, "(eta/b) a^T Sigma a (Prop. 3.3) at the current weights"),
                              ("eq7", predicted, "Prop. 3.5, Eq. 7 at the observed w_alpha")):
            k = np.argmax(d, axis=1)  # (seed, mode)
            variables[f"diffusion_{name}"] = (stm, d, {"long_name": text})
            variables[f"peak_time_{name}"] = (sm, t[k], {"long_name": f"time of the largest {text}"})
            variables[f"peak_{name}"] = (sm, np.take_along_axis(d, k[:, None, :], 1)[:, 0], {"long_name": f"largest {text}"})
            variables[f"peak_amplitude_{name}"] = (sm, np.take_along_axis(w, k[:, None, :], 1)[:, 0] / s, {"long_name": "w_alpha / s_alpha at that peak"})
    for name, (_, _, attrs) in variables.items():  # times in continuum time, diffusions D per unit of it, the rest dimensionless
        diffusion = name.startswith("diffusion_") or name in ("peak_empirical", "peak_eq7")
        attrs["units"] = TIME_UNITS if "_time" in name or name == "band_start" else RATE_UNITS if diffusion else "1"
    coords = {"seed": runs.seed.values, "time": t, "mode": np.arange(A), "rank": np.arange(1, A + 1), "stage": np.arange(A + 1),
              "singular_value": ("mode", s)}
    ds = xr.Dataset(variables, coords=coords,
                    attrs=io.provenance(provenance, method=runs.attrs["method"], widths=json.loads(runs.attrs["widths"]), output_width=output_width,
                                        learning_rate=learning_rate * output_width, learned_fractions=list(learned_fractions), rank_threshold=rank_threshold))
    io.write_netcdf(ds, output)


def stack_cases(statistics_paths: list[str], output: str, *, cases: list[str], provenance: dict) -> None:
    """A figure's runs stacked along `case` (seeds and time padded with NaN where a run has fewer)."""
    parts = [io.open_dataset(p) for p in statistics_paths]
    summary = xr.concat(parts, dim="case", join="outer", data_vars="all", coords="minimal", compat="override", combine_attrs="override")
    summary = summary.assign_coords(case=list(cases), output_width=("case", [int(p.attrs["output_width"]) for p in parts]),
                                    method=("case", [p.attrs["method"] for p in parts]))
    summary.attrs = io.provenance(provenance, depth=len(json.loads(parts[0].attrs["widths"])) - 1,
                                  learned_fractions=json.loads(parts[0].attrs["learned_fractions"]), learning_rate=float(parts[0].attrs["learning_rate"]))
    io.write_netcdf(summary, output)
