"""Claim rows on mode statistics (corlouer2026.modewise), shared by the Corlouer figures 1, 9, 10, 11.

Every quantity is a per-seed statistic; its mean and SE over seeds give the tolerance (k = 3 SE unless stated).
A row compares one point of a summary (`point`), or the points of a sweep (beta_sweep_rows).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import claims as claimsmod
from ..statistics import mean_and_sem

FAMILY_WISE = 0.0027  # false-alarm rate of one row's tolerance: 3 SE for many seeds, the t quantile for few (k SE below)
RIVAL_FACTOR = 0.5  # Eq. 7 without the factor 2 of 2 (s - w)^2: the peak diffusion halves (sigma_q = 0)
DEPTH_TWO_PEAK = 0.5  # Eq. 9 at a = 2(L-1)/L with L = 2 (Saxe et al.'s depth): w*/s = 1/2, the rival of the L = 4 value 0.6
EQ7_TOLERANCE = 0.25  # looser reading of "a good match" / "similar": within 25 % of Eq. 7 at the observed amplitudes
POSITION_TOLERANCE = 0.1  # looser reading of a peak "location": within 0.1 s_alpha of Eq. 9

CAPTION_ORDER = "(a) The modes are learned in order of magnitude, with the time of learning being predicted by the time of maximum diffusion."
SEC3_ORDER = "Similarly to gradient flow, modes are learned in a decreasing order of magnitude in the feature learning regime."
SEC4_PRECEDES = "meaning that the diffusion coefficient peaks before the mode is fully learned"
FIG1_LINES = "The vertical lines in (a) correspond to the peaks (marked with \\bigstar in (b)) of the theoretical prediction for the diffusion (see Equation 9)."
SEC3_DECAY = "In the absence of label noise, we see that the diffusion along a particular mode vanishes once the mode is fully learned"
SEC3_PLATEAU = "In the presence of label noise, we recover Langevin dynamics with anisotropic and state-independent noise once a mode has been learned."
EQ10 = "This maximum exists if and only if the discriminant is non-negative, that is"
FIG1_MATCH = "The diffusion along a mode peaks while a mode is being learned, and our theoretical prediction (see Equation 7) matches what is observed."


def seeds_of(ds: xr.Dataset, point) -> xr.Dataset:
    return ds.sel(point=point).dropna("seed", how="all", subset=["learning_time"])


def ms(x) -> tuple[float, float]:
    """Mean and SE over seeds of the finite entries (NaN: a seed that never crossed)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float(np.mean(x)) if x.size else np.nan, np.nan
    m, e = mean_and_sem(x)
    return float(m), float(e)


def tk(n: int) -> float:
    """Standard errors of a tolerance from n seeds: the two-sided t quantile at FAMILY_WISE (3.0 for n -> infinity,
    4.8 for 8 seeds, ~236 for 2: two seeds cannot fix an SE)."""
    return claimsmod.bonferroni_t_limit(max(int(n), 2), 1, FAMILY_WISE)


def n_finite(x) -> int:
    return int(np.isfinite(np.asarray(x, dtype=float)).sum())


def fmt(m, e) -> str:
    return claimsmod.format_mean_sem(m, e)


def modes_label(c: xr.Dataset, a: int) -> str:
    return f"mode {a} (s = {float(c.singular_value[a]):g})"


def setting(c: xr.Dataset) -> str:
    return (f"L = {int(c.depth)}, widths {c.widths.item()}, eta = {float(c.learning_rate):g}, b = {int(c.batch_size)}, "
            f"sigma_q^2 = {float(c.label_noise_variance):g}, {c.sizes['seed']} seeds")


def learning_order_row(rows, claim_id, figure, c, *, learned_fraction, quote, location):
    """C1: learning times (crossing of the learned fraction) decrease with s; each consecutive difference beyond the
    Bonferroni t limit; the crossing times at every fraction are reported."""
    times = c.learning_time.values  # (seed, mode)
    order = np.argsort(-c.singular_value.values)
    diffs = np.diff(times[:, order], axis=1)
    stats = [ms(d) for d in diffs.T]
    n = int(np.isfinite(diffs).all(axis=1).sum())
    limit = claimsmod.bonferroni_t_limit(max(n, 2), len(stats))
    holds = all(np.isfinite(e) and m > limit * e for m, e in stats)
    predicted = np.diff(c.predicted_learning_time.values[:, order], axis=1)
    effect = min(abs(ms(p)[0]) for p in predicted.T)
    tol = limit * max(e for _, e in stats)
    curves = "; ".join(f"{modes_label(c, a)}: " + ", ".join(f"{float(f):g} s: {fmt(*ms(c.crossing_time.sel(fraction=f).values[:, a]))}" for f in c.fraction.values)
                       for a in order)
    rows.add(claim_id, figure, f"{setting(c)}: the modes are learned in decreasing order of s (learned: w_alpha >= {learned_fraction:g} s_alpha)",
             f"per-seed differences of learning times between consecutive modes (mean +- SE); crossing times at each fraction of s: {curves}; "
             f"seeds in the predicted order: {int(np.all(diffs > 0, axis=1).sum())} of {len(diffs)}",
             ", ".join(fmt(m, e) for m, e in stats), "every difference > 0 (Eq. 5 from each seed's reference crossing: "
             + ", ".join(f"{ms(p)[0]:.3g}" for p in predicted.T) + ")",
             f"each difference > {limit:.2f} SE (Bonferroni t limit over {len(stats)} pairs, {n} seeds)", holds,
             power=claimsmod.power(tol, effect, "simultaneous or reversed learning (differences <= 0)"), kind=claimsmod.PAPER_CLAIM, location=location,
             quote=quote)


def peak_precedes_rows(rows, prefix, figure, c, *, learned_fraction):
    """C2: per mode with an interior peak (Eq. 10), the time of the maximum of (i) precedes the learning time."""
    for a in range(c.sizes["mode"]):
        if not int(c.eq10_peak_exists[a]):
            continue
        gap = c.learning_time.values[:, a] - c.peak_time.values[:, a]
        m, e = ms(gap)
        k = tk(n_finite(gap))
        predicted = float(c.flow_learning_duration[a] - c.flow_peak_duration[a])
        rows.add(f"{prefix}_peak_precedes_learning_{a}", figure,
                 f"{setting(c)}, {modes_label(c, a)}: the diffusion (i) peaks before the mode is learned (w_alpha = {learned_fraction:g} s_alpha)",
                 "learning time minus the time of the maximum of (i) = (eta/b) a^T Sigma a, per seed (mean +- SE)", fmt(m, e),
                 f"> 0 (Eq. 5 from Eq. 9's w* to {learned_fraction:g} s: {predicted:.3g})", f"mean > {k:.3g} SE = {k * e:.3g}",
                 bool(m > k * e), power=claimsmod.power(k * e, predicted, "the peak at the learning time (gap 0)"), kind=claimsmod.PAPER_CLAIM,
                 location="Sec. 4, after Eq. 10", quote=SEC4_PRECEDES)


def peak_time_rows(rows, prefix, figure, c, *, record_interval):
    """Fig. 1's vertical lines: the time of the maximum of (i) against Eq. 5's time of Eq. 9's w*, both from the
    seed's reference crossing; the record grid's half interval is allowed as discretisation."""
    for a in range(c.sizes["mode"]):
        if not int(c.eq10_peak_exists[a]):
            continue
        d = c.peak_time.values[:, a] - c.predicted_peak_time.values[:, a]
        m, e = ms(d)
        k = tk(n_finite(d))
        flow = float(c.flow_peak_duration[a])
        tol = claimsmod.tolerance(e, k, record_interval / 2)
        rival = float(c.flow_learning_duration[a] - c.flow_peak_duration[a])
        rows.add(f"{prefix}_peak_time_{a}", figure,
                 f"{setting(c)}, {modes_label(c, a)}: the diffusion peaks at the time Eq. 9 predicts (Fig. 1a's vertical lines)",
                 "time of the maximum of (i) minus (reference crossing + Eq. 5's gradient-flow time to Eq. 9's w*), per seed (mean +- SE); "
                 f"predicted peak time {fmt(*ms(c.predicted_peak_time.values[:, a]))}, measured {fmt(*ms(c.peak_time.values[:, a]))}",
                 fmt(m, e), f"0 (Eq. 5 from the reference to w*: {flow:.3g})", f"{k:.3g} SE + half a record interval = {tol:.3g}",
                 abs(m) <= tol, power=claimsmod.power(tol, rival, "the peak at the learning time"),
                 loose=(abs(m) <= 0.1 * float(np.nanmean(c.predicted_peak_time.values[:, a])), "10 % of the predicted peak time"),
                 kind=claimsmod.PAPER_CLAIM, location="Fig. 1 caption", quote=FIG1_LINES)


def peak_position_rows(rows, prefix, figure, c, *, quote, location):
    """Eq. 9: the amplitude w/s at the maximum of (i) against w*/s."""
    for a in range(c.sizes["mode"]):
        if not int(c.eq10_peak_exists[a]):
            continue
        m, e = ms(c.peak_amplitude.values[:, a])
        k = tk(n_finite(c.peak_amplitude.values[:, a]))
        glob = c.global_peak_amplitude.values[:, a]
        n_early = int(np.sum(glob < c.peak_amplitude.values[:, a] - 0.05))
        expected = float(c.eq9_peak_amplitude[a])
        tol = k * e
        rows.add(f"{prefix}_peak_position_{a}", figure, f"{setting(c)}, {modes_label(c, a)}: the diffusion peaks at Eq. 9's amplitude w*",
                 "w_alpha / s_alpha at the maximum of (i) = (eta/b) a^T Sigma a while the mode is learned, per seed (parabola vertex in time; "
                 f"mean +- SE); seeds whose maximum over the whole run lies below that window (another mode's learning): {n_early} of {len(glob)}",
                 fmt(m, e),
                 f"{expected:.4g} (Eq. 9)", f"{k:.3g} SE = {tol:.3g}", claimsmod.within(m - expected, e, k),
                 power=claimsmod.power(tol, abs(expected - DEPTH_TWO_PEAK) if int(c.depth) != 2 else 0.1,
                                       "Eq. 9 with the depth-2 exponent (w*/s = 0.5)"),
                 loose=(abs(m - expected) <= POSITION_TOLERANCE, f"|w/s - w*/s| <= {POSITION_TOLERANCE}"), kind=claimsmod.PAPER_CLAIM,
                 location=location, quote=quote)


def decay_rows(rows, prefix, figure, c, *, threshold, late_delay, quote, location):
    """C3 without label noise: the late (i) over the peak of (i), below `threshold`."""
    for a in range(c.sizes["mode"]):
        ratio = c.late_recorded.values[:, a] / c.peak_recorded.values[:, a]
        m, e = ms(ratio)
        k = tk(n_finite(ratio))
        r2 = ms(c.late_realised.values[:, a] / c.band_realised.values[:, a])
        tol = threshold + k * e
        rows.add(f"{prefix}_decay_{a}", figure, f"{setting(c)}, {modes_label(c, a)}: without label noise the diffusion tends to zero once the mode is learned",
                 f"(i) averaged over the record intervals from {late_delay:g} after the learning time, over the peak of (i), per seed "
                 f"(mean +- SE); realised (ii) late over (ii) in the peak band: {fmt(*r2)}", fmt(m, e), f"0 (reading: below {threshold:g})",
                 f"mean + {k:.3g} SE < {threshold:g}", bool(m + k * e < threshold),
                 power=claimsmod.power(tol, 1.0, "the diffusion staying at its peak"), kind=claimsmod.PAPER_CLAIM, location=location, quote=quote)


def eq7_match_rows(rows, prefix, figure, c, *, quote, location):
    """(i) against Eq. 7 at the observed amplitudes, over the peak band; strict 3 SE, loose EQ7_TOLERANCE."""
    for a in range(c.sizes["mode"]):
        ratio = c.band_recorded.values[:, a] / c.band_eq7.values[:, a]
        m, e = ms(ratio)
        k = tk(n_finite(ratio))
        curve = ", ".join(f"{float(z):.2g}: {ms(c.binned_recorded.values[:, a, i] / c.binned_eq7.values[:, a, i])[0]:.3g}"
                          for i, z in enumerate(c.amplitude_bin.values) if 0.2 < z < 0.9)
        rows.add(f"{prefix}_eq7_matches_{a}", figure, f"{setting(c)}, {modes_label(c, a)}: the recorded diffusion (Prop. 3.3) matches Eq. 7",
                 "(i) = (eta/b) a^T Sigma a over Eq. 7 at the observed w_alpha, record intervals in the peak band, per seed (mean +- SE); "
                 f"the same ratio by amplitude bin w/s: {curve}", fmt(m, e), "1 (Eq. 7)", f"{k:.3g} SE = {k * e:.3g}", claimsmod.within(m - 1, e, k),
                 power=claimsmod.power(k * e, 1 - RIVAL_FACTOR, "Eq. 7 without the factor 2 of 2 (s - w)^2 (ratio 2)"),
                 loose=(abs(m - 1) <= EQ7_TOLERANCE, f"within {100 * EQ7_TOLERANCE:g} % of Eq. 7"), kind=claimsmod.PAPER_CLAIM, location=location,
                 quote=quote)


def realised_recorded_row(rows, claim_id, figure, ds, points, label):
    """Consistency: Prop. 3.3's E[dw^2] = D dt, (ii) against (i) over the peak band, every point and mode (Bonferroni)."""
    means, sems, texts, ns = [], [], [], []
    for p in points:
        c = seeds_of(ds, p)
        for a in range(c.sizes["mode"]):
            m, e = ms(c.band_realised.values[:, a] / c.band_recorded.values[:, a])
            means.append(m - 1)
            sems.append(e)
            texts.append(f"{p}, mode {a}: {fmt(m, e)}")
            ns.append(c.sizes["seed"])
    t_max, limit = claimsmod.max_abs_t(means, sems, min(ns))
    rows.add(claim_id, figure, f"{label}: the realised increment variance Var(dw_alpha)/eta (ii) equals the recorded (eta/b) a^T Sigma a (i)",
             "(ii) / (i) over the peak band, per seed (mean +- SE): " + "; ".join(texts), f"max |t| = {t_max:.3g}", "1 (Prop. 3.3: E[dw dw] = D dt)",
             f"max |t| < {limit:.2f} (Bonferroni t limit over {len(means)} tests)", t_max < limit,
             power=claimsmod.power(limit * max(sems), 1.0, "a factor 2 in the noise normalisation (ratio 2)"), kind=claimsmod.CONSISTENCY_CHECK)


def weighted_fit(x: np.ndarray, y: np.ndarray, se: np.ndarray, through_origin: bool) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares y = k x (through_origin) or y = c + k x, weights 1/se^2: (coefficients, their SEs),
    the SEs from the per-point SEs (which are SEs over seeds)."""
    X = x[:, None] if through_origin else np.stack([np.ones_like(x), x], axis=1)
    W = 1 / se**2
    cov = np.linalg.inv(X.T @ (W[:, None] * X))
    coef = cov @ X.T @ (W * y)
    return coef, np.sqrt(np.diag(cov))


def sweep_claims(ds: xr.Dataset, output: str, *, figure: str, section: str, axis_name: str, axis, slope_tolerance: float, quote: str, location: str,
                 slope_quote: str, slope_location: str) -> None:
    """The claims file of a beta sweep (Figs. 9, 10): beta_sweep_rows and the (ii) = (i) consistency check over its points."""
    points = list(ds.point.values)
    rows = claimsmod.ClaimTable("Corlouer2026", section=section)
    prefix = f"corlouer_fig{figure}"
    beta_sweep_rows(rows, prefix, figure, ds, points, axis_name=axis_name, axis=axis, slope_tolerance=slope_tolerance, quote=quote, location=location,
                    slope_quote=slope_quote, slope_location=slope_location)
    realised_recorded_row(rows, f"{prefix}_realised_equals_recorded", figure, ds, points, f"Fig. {figure}'s points ({axis_name} swept)")
    rows.write(output)


def beta_sweep_rows(rows, prefix, figure, ds, points, *, axis_name, axis, slope_tolerance, quote, location, slope_quote, slope_location):
    """C16 per mode over the points of a beta sweep: (1) log-log slope of the peak-band (ii) against `axis` (eta or 1/b)
    = 1; (2) (ii)/beta constant over the points; (3) the fitted slope of (ii) = k beta against Eq. 7's."""
    cs = [seeds_of(ds, p) for p in points]
    beta = np.array([float(c.beta) for c in cs])
    axis = np.asarray(axis, dtype=float)
    n = min(c.sizes["seed"] for c in cs)
    k = tk(n)
    for a in range(cs[0].sizes["mode"]):
        label = f"{setting(cs[0]).split(', eta')[0]}, {axis_name} in {', '.join(f'{x:g}' for x in axis)}, {modes_label(cs[0], a)}"
        st = np.array([ms(c.band_realised.values[:, a]) for c in cs])
        rec = np.array([ms(c.band_recorded.values[:, a]) for c in cs])
        eq7 = np.array([ms(c.band_eq7.values[:, a]) for c in cs])
        # (1) log-log slope, SE of log D = SE / D
        (c0, slope), (_, slope_se) = weighted_fit(np.log(axis), np.log(st[:, 0]), st[:, 1] / st[:, 0], through_origin=False)
        (_, rec_slope), (_, rec_se) = weighted_fit(np.log(axis), np.log(rec[:, 0]), rec[:, 1] / rec[:, 0], through_origin=False)
        rows.add(f"{prefix}_linear_{a}", figure, f"{label}: the peak diffusion is linear in {axis_name}",
                 f"log-log slope of the realised (ii) peak-band diffusion against {axis_name} (weighted by the SEs over seeds); the recorded (i), linear by "
                 f"construction: {fmt(rec_slope, rec_se)}; (ii) per point: " + ", ".join(f"{x:g}: {fmt(*s)}" for x, s in zip(axis, st)),
                 fmt(slope, slope_se), "1 (Eq. 7: D proportional to beta = eta / b)", f"{k:.3g} SE = {k * slope_se:.3g}",
                 claimsmod.within(slope - 1, slope_se, k), power=claimsmod.power(k * slope_se, 1.0, f"D quadratic in {axis_name} (slope 2)"),
                 kind=claimsmod.PAPER_CLAIM, location=location, quote=quote)
        # (2) D / beta constant within SE
        ratio = st[:, 0] / beta
        ratio_se = st[:, 1] / beta
        (kfit,), (k_se,) = weighted_fit(beta, st[:, 0], st[:, 1], through_origin=True)
        t_max, limit = claimsmod.max_abs_t(ratio - kfit, ratio_se, n)
        spread = float(axis.max() / np.sqrt(axis.max() * axis.min()))  # a quadratic law's D/beta at the ends relative to the middle
        rows.add(f"{prefix}_ratio_constant_{a}", figure, f"{label}: the peak diffusion over beta is the same at every {axis_name}",
                 "(ii)/beta per point against the weighted-fit slope k of D = k beta: " + ", ".join(f"{x:g}: {fmt(r, e)}" for x, r, e in zip(axis, ratio, ratio_se)),
                 f"max |t| = {t_max:.3g}", f"D/beta = k = {fmt(kfit, k_se)} at every point", f"max |t| < {limit:.2f} (Bonferroni over {len(axis)} points, {n} seeds)",
                 t_max < limit, power=claimsmod.power(limit * float(ratio_se.max()), kfit * (spread - 1), f"D quadratic in {axis_name}"),
                 kind=claimsmod.PAPER_CLAIM, location=location, quote=quote)
        # (3) the slope against Eq. 7's (at the observed amplitudes in the band; the paper's D_max / beta beside it)
        (k7,), _ = weighted_fit(beta, eq7[:, 0], np.maximum(eq7[:, 1], 1e-3 * eq7[:, 0]), through_origin=True)
        (kr,), (kr_se,) = weighted_fit(beta, rec[:, 0], rec[:, 1], through_origin=True)
        paper = float(cs[0].eq7_peak[a] / cs[0].beta)
        rows.add(f"{prefix}_slope_eq7_{a}", figure, f"{label}: the slope of the peak diffusion in beta is Eq. 7's",
                 f"weighted-fit slope k of the realised (ii) D = k beta over the points; recorded (i): {fmt(kr, kr_se)}; Eq. 7's D_max / beta = "
                 f"L^2 2 (s - w*)^2 w*^a = {paper:.4g} (at w*, above the band average)", fmt(kfit, k_se),
                 f"{k7:.4g} (Eq. 7 at the observed amplitudes in the band)", f"{k:.3g} SE = {k * k_se:.3g}", claimsmod.within(kfit - k7, k_se, k),
                 power=claimsmod.power(k * k_se, (1 - RIVAL_FACTOR) * k7, "Eq. 7 without the factor 2 of 2 (s - w)^2"),
                 loose=(abs(kfit / k7 - 1) <= slope_tolerance, f"within {100 * slope_tolerance:g} % of Eq. 7"), kind=claimsmod.PAPER_CLAIM,
                 location=slope_location, quote=slope_quote)
