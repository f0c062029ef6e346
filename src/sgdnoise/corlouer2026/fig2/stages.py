"""Corlouer et al. 2026, Fig. 2 (Sec. 3): claims on the summary of corlouer2026.learning's statistics of the four runs
(GD on a fixed dataset, online SGD, gradient flow, the SDE (1)), one per `case`, with paired seeds (same W_l(0)).

Stages: the runs (corlouer2026.runs) -> learning.mode_statistics -> learning.stack_cases -> claims; plot.py renders.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from ...statistics import mean_and_sem
from .. import theory

PAPER, SECTION = "Corlouer2026", "Sec. 3"
ONE_SIDED = 0.02  # two-sided family-wise 2 % = one-sided 1 % for claims of a sign (a gap, a delay, a lead is positive)
LOOSE_FACTOR = 2.0  # looser reading of C8's "similar": twice the configured fraction
VISIBLE_DELAY = 0.1  # the smallest relative delay of SGD behind GD that Fig. 2c-d would show ("take longer")
QUOTE_ORDER = ("(c) Mode growth over training with gradient descent, showing that the 5 singular values of the teacher matrix are learned "
               "in descending order of magnitude")
QUOTE_SGD = ("(d) Mode growth over training for stochastic gradient descent, showing that the stagewise dynamics are retained, but modes "
             "take longer to be learned")
QUOTE_CONTINUOUS = ("Similarly to gradient flow, modes are learned in a decreasing order of magnitude in the feature learning regime.")
QUOTE_GOLDEN = ("gradient flow is able to learn the same features in the same order as anisotropic Langevin dynamics, and the loss curves "
                "have similar qualitative stagewise behavior")
NAMES = {"gd": "GD (fixed dataset)", "online_sgd": "online SGD", "gradient_flow": "gradient flow", "sde": "the SDE (1)"}


def complete(times: np.ndarray) -> np.ndarray:
    """Seeds (rows) with every entry finite: not censored by the horizon."""
    return np.all(np.isfinite(times), axis=1)


def eq5_relative_gaps(singular_values: np.ndarray, initial: np.ndarray, depth: int, fraction: float) -> np.ndarray:
    """(T_{alpha+1} - T_alpha) / T_alpha of the gradient-flow learning times of Eq. 5 from the modes' RMS initial
    amplitude: the stagewise gaps a balanced aligned network would show (the effect an order test must resolve)."""
    w0 = np.sqrt(np.mean(initial**2))
    times = np.array([theory.learning_time(s, w0, depth, fraction) for s in singular_values])
    return np.diff(times) / times[:-1]


def kendall_tau(times: np.ndarray) -> np.ndarray:
    """Per seed: Kendall's tau between the learning order and the order of s (1: every pair in order, 0: random)."""
    A = times.shape[1]
    pairs = [(a, b) for a in range(A) for b in range(a + 1, A)]
    return np.array([np.mean([np.sign(row[b] - row[a]) for a, b in pairs]) for row in times])


def ordered_gaps(times: np.ndarray) -> dict:
    """The one-sided test that successive times increase, on the gaps of log t (scale-free: seeds differ by a common
    factor of 2 in their times), Bonferroni over the gaps, on complete seeds. A claim of a sign: the row is decisive
    when the least significant gap is resolved either way (|mean| > the t limit x SE): a positive one reproduces, a
    negative one (reverse order) fails, one within the limit is not judged."""
    kept = times[complete(times)]
    n = kept.shape[0]
    gaps = np.diff(np.log(kept), axis=1)
    mean, sem = mean_and_sem(gaps)
    limit = claimsmod.bonferroni_t_limit(n, gaps.shape[1], ONE_SIDED) if n > 1 else np.inf
    weakest = int(np.argmin(np.abs(mean) / sem)) if n > 1 else 0
    return dict(n=n, censored=times.shape[0] - n, mean=mean, sem=sem, limit=limit, holds=bool(n > 1 and np.all(mean > limit * sem)),
                times=mean_and_sem(kept), tau=mean_and_sem(kendall_tau(kept)) if n else (np.nan, np.nan),
                ordered=float(np.mean(np.all(gaps > 0, axis=1))) if n else np.nan,
                smallest_t=float(np.min(mean / sem)) if n > 1 else np.nan,
                power=claimsmod.power(limit * sem[weakest] if n > 1 else np.inf, abs(mean[weakest]) if n else 0.0,
                                      "modes learned together or in reverse order: the least significant log gap"))


def format_times(times) -> str:
    mean, sem = times
    return ", ".join(claimsmod.format_mean_sem(m, e) for m, e in zip(mean, sem))


def paired_relative(case: xr.Dataset, reference: xr.Dataset, variable: str) -> np.ndarray:
    """(case - reference) / reference of a (seed, k) variable on the seeds where both are finite."""
    a, b = case[variable].values, reference[variable].values
    keep = complete(a) & complete(b)
    return (a[keep] - b[keep]) / b[keep]


def open_summary(summary_path: str):
    """(summary, {case: its seeds}, s, depth, the learned fraction, a label of the setting) of a Corlouer figure."""
    ds = io.open_dataset(summary_path)
    s = ds.singular_value.values
    depth = int(json.loads(ds.attrs["depth"]))
    by = {str(c): ds.sel(case=c).dropna("seed", how="all") for c in ds.case.values}
    return ds, by, s, depth, json.loads(ds.attrs["learned_fractions"])[1], f"L = {depth}, s = {', '.join(f'{x:g}' for x in s)}"


def claims(summary_path: str, output: str, *, similar_fraction: float) -> None:
    """Claim rows C1, C5, C6, C8 of Fig. 2 (see README, 'How claims are judged')."""
    ds, by, s, depth, high, setting = open_summary(summary_path)
    rows = claimsmod.ClaimTable(PAPER, SECTION)
    initial = by["gradient_flow"].mode_amplitude.isel(time=0).values
    gaps5 = eq5_relative_gaps(s, initial, depth, high)

    # C1: learned in decreasing order of s, for every method
    for case, c in by.items():
        test = ordered_gaps(c.learning_time.values)
        first = c.first_learning_time.values
        transient = int(np.sum(np.any(np.diff(first, axis=1) < 0, axis=1) & complete(first)))
        quote, location = (QUOTE_ORDER, "Fig. 2 caption, panel (c)") if case == "gd" else (QUOTE_CONTINUOUS, "Sec. 3, paragraph after Prop. 3.4")
        rows.add(f"corlouer_fig2_order_{case}", "2c" if case == "gd" else ("2d" if case == "online_sgd" else "2b"),
                 f"{NAMES[case]}, {setting}: modes are learned in decreasing order of s (learned = from when w_alpha stays above {high} s_alpha)",
                 f"learning times per mode (mean +- SE over {test['n']} seeds, {test['censored']} censored by the horizon): {format_times(test['times'])}; "
                 f"successive gaps of ln t {format_times((test['mean'], test['sem']))}; Kendall tau with the s order {claimsmod.format_mean_sem(*test['tau'])}; "
                 f"share of seeds in order {test['ordered']:.3g}; seeds where a smaller mode first reached {high} s before a larger one and was then "
                 f"displaced (the rank stays, the direction turns): {transient}",
                 f"smallest gap / SE = {test['smallest_t']:.3g}", "every gap > 0 (t_alpha+1 > t_alpha)",
                 f"gap > {test['limit']:.3g} SE (one-sided 1 %, Bonferroni over {len(s) - 1} gaps)",
                 test["holds"], kind=claimsmod.PAPER_CLAIM, power=test["power"], location=location, quote=quote)

    # C5: SGD keeps the plateaus: the numerical rank rises one mode at a time, at separated times
    sgd = by["online_sgd"]
    test = ordered_gaps(sgd.rank_time.values)
    step = int(np.nanmax(sgd.largest_rank_step.values))
    gd_rank = mean_and_sem(by["gd"].rank_time.values[complete(by["gd"].rank_time.values)])
    rows.add("corlouer_fig2_sgd_stagewise_rank", "2d",
             f"online SGD, {setting}: the stagewise dynamics are retained: the numerical rank of W rises one at a time, with plateaus between",
             f"times the rank reaches 1 ... {len(s)} (mean +- SE over {test['n']} seeds): SGD {format_times(test['times'])}; GD {format_times(gd_rank)}; "
             f"gaps of ln t {format_times((test['mean'], test['sem']))}; largest rise of the rank between trace points over all seeds: {step}",
             f"largest rank step {step}; smallest gap / SE = {test['smallest_t']:.3g}",
             "rank steps of 1, every gap > 0", f"gap > {test['limit']:.3g} SE (one-sided 1 %, Bonferroni); rank step <= 1",
             test["holds"] and step <= 1, kind=claimsmod.PAPER_CLAIM, power=test["power"], location="Fig. 2 caption, panel (d)", quote=QUOTE_SGD)

    # C6: SGD learns later than GD (paired seeds: the same W_l(0))
    delay = paired_relative(sgd, by["gd"], "learning_time")
    per_seed = delay.mean(axis=1)
    n = per_seed.size
    d_mean, d_sem = mean_and_sem(per_seed)
    limit = claimsmod.bonferroni_t_limit(n, 1, ONE_SIDED) if n > 1 else np.inf
    absolute = mean_and_sem(sgd.learning_time.values[complete(sgd.learning_time.values)]) if n else None
    rows.add("corlouer_fig2_sgd_later_than_gd", "2c, 2d",
             f"{setting}: online SGD (b = 1) learns the modes later than GD",
             f"relative delay (t_SGD - t_GD) / t_GD per mode, paired seeds (same W(0)), mean over modes per seed, mean +- SE over {n} seeds; "
             f"per mode {format_times(mean_and_sem(delay)) if n else 'nan'}; SGD times {format_times(absolute) if n else 'nan'}",
             claimsmod.format_mean_sem(d_mean, d_sem), "> 0 (SGD later)", f"delay > {limit:.3g} SE (one-sided 1 %)",
             bool(n > 1 and d_mean > limit * d_sem), kind=claimsmod.PAPER_CLAIM,
             power=claimsmod.power(limit * d_sem if n > 1 else np.inf, VISIBLE_DELAY, f"no delay, against a visible delay of {100 * VISIBLE_DELAY:g} %"),
             location="Fig. 2 caption, panel (d); Sec. 3 after Prop. 3.4", quote=QUOTE_SGD)

    # C8: gradient flow and the SDE learn in the same order, with similar learning times and plateau losses
    flow, sde = by["gradient_flow"], by["sde"]
    keep = complete(flow.learning_time.values) & complete(sde.learning_time.values)
    same = np.all(np.argsort(flow.learning_time.values[keep], axis=1) == np.argsort(sde.learning_time.values[keep], axis=1), axis=1)
    rel = paired_relative(sde, flow, "learning_time")
    n = rel.shape[0]
    r_mean, r_sem = mean_and_sem(rel)
    limit = claimsmod.bonferroni_t_limit(n, len(s)) if n > 1 else np.inf
    bound = float(np.max(np.abs(r_mean) + limit * r_sem)) if n > 1 else np.inf
    rows.add("corlouer_fig2_flow_sde_same_order", "2b",
             f"{setting}: gradient flow and the SDE learn the same modes in the same order, at similar times",
             f"share of paired seeds with the same learning order: {np.mean(same) if n else np.nan:.3g} of {n}; relative difference of the learning times "
             f"(t_SDE - t_GF) / t_GF per mode (mean +- SE): {format_times((r_mean, r_sem))}",
             f"same order {int(same.sum())}/{n}; largest |difference| + {limit:.3g} SE = {bound:.3g}",
             f"times within {100 * similar_fraction:g} % (reading of 'similar'; the order itself: rows fig2_order_gradient_flow, fig2_order_sde)",
             f"|mean| + {limit:.3g} SE (Bonferroni over modes, 1 %) < {similar_fraction}",
             bool(n > 1 and bound < similar_fraction), kind=claimsmod.PAPER_CLAIM,
             power=claimsmod.power(similar_fraction + float(np.max(limit * r_sem)) if n > 1 else np.inf, float(gaps5.min()),
                                   "a mode learned at its neighbour's time (Eq. 5's smallest relative gap)"),
             loose=(bool(n > 1 and bound < LOOSE_FACTOR * similar_fraction), f"reading: times within {100 * LOOSE_FACTOR * similar_fraction:g} %"),
             location="Sec. 6 (Discussion), golden path paragraph", quote=QUOTE_GOLDEN)
    stages = slice(1, len(s))  # inner plateaus: after mode 1 ... before the last (the first is the initial loss, the last ~ 0)
    rel = paired_relative(sde.isel(stage=stages), flow.isel(stage=stages), "plateau_loss")
    n = rel.shape[0]
    p_mean, p_sem = mean_and_sem(rel)
    limit = claimsmod.bonferroni_t_limit(n, rel.shape[1]) if n > 1 else np.inf
    bound = float(np.max(np.abs(p_mean) + limit * p_sem)) if n > 1 else np.inf
    tail = np.cumsum((s**2)[::-1])[::-1]  # sum_{alpha >= k} s_alpha^2: twice the loss of plateau k
    neighbour = float(np.min(s[1:-1] ** 2 / tail[1:-1]))
    flow_levels = mean_and_sem(flow.plateau_loss.values[:, stages][complete(flow.plateau_loss.values[:, stages])])
    rows.add("corlouer_fig2_flow_sde_stagewise_loss", "2b",
             f"{setting}: the loss curves of gradient flow and the SDE have similar stagewise plateaus",
             f"plateau losses (midway between two learned bands) of gradient flow {format_times(flow_levels)} (1/2 sum of the unlearned s^2: "
             f"{', '.join(f'{x / 2:.3g}' for x in tail[1:-1])}); relative difference (L_SDE - L_GF) / L_GF per plateau (mean +- SE over {n} seeds): "
             f"{format_times((p_mean, p_sem))}",
             f"largest |difference| + {limit:.3g} SE = {bound:.3g}", f"within {100 * similar_fraction:g} % (reading of 'similar')",
             f"|mean| + {limit:.3g} SE (Bonferroni over plateaus, 1 %) < {similar_fraction}", bool(n > 1 and bound < similar_fraction),
             kind=claimsmod.PAPER_CLAIM, power=claimsmod.power(similar_fraction + float(np.max(limit * p_sem)) if n > 1 else np.inf, neighbour,
                                                               "a plateau at its neighbour's level (one mode more or less learned)"),
             location="Sec. 6 (Discussion), golden path paragraph", quote=QUOTE_GOLDEN)
    rows.write(output)
