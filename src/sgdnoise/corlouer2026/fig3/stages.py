"""Corlouer et al. 2026, Fig. 3 (Sec. 4.1): claims on the summary of corlouer2026.learning's statistics of five runs
from one key (paired seeds): online SGD and the SDE (1) with the loss summed over outputs, the SDE at half its dt, and
both with the loss averaged over the d_L outputs (eta / d_L, on the rescaled time axis).

Stages: the runs (corlouer2026.runs) -> learning.mode_statistics -> learning.stack_cases -> claims; plot.py renders.
"""

from __future__ import annotations

import numpy as np

from ... import claims as claimsmod
from ...statistics import mean_and_sem
from .. import theory
from ..fig2.stages import complete, format_times, open_summary

PAPER, SECTION = "Corlouer2026", "Sec. 4.1"
QUOTE_TIMES = ("Figure 3 again shows that the discrete online SGD has a slower timescale of learning than the simulation of anisotropic "
               "Langevin dynamics, taking 200 units of time to learn all modes as opposed to 30.")
QUOTE_PEAKS = "In agreement with the theoretical prediction, both have peaks in the diffusion before the mode is learned."
RATIO_FACTOR = 2.0  # looser reading of "200 vs 30": the ratio of the two times within a factor 2 of 200/30
NORMALISATIONS = {  # row -> (SGD case, SDE case, what it means)
    "summed": ("online_sgd", "sde", "both with the loss summed over outputs (Sec. 2.1)"),
    "output_mean": ("online_sgd_output_mean", "sde_output_mean", "both with the loss averaged over the d_L outputs (eta / d_L)"),
    "mixed": ("online_sgd_output_mean", "sde", "SGD with the loss averaged over outputs (the authors' nn.MSELoss), the SDE with the summed loss"),
}


def reading_halfwidth(value: float) -> float:
    """Half a unit of the leading digit: a round number quoted to one significant figure (200: +-50, 30: +-5)."""
    return 0.5 * 10.0 ** np.floor(np.log10(value))


def all_learned_time(case) -> np.ndarray:
    """Per seed: the time the last mode is learned (NaN if one is not by the horizon)."""
    return case.learning_time.max("mode", skipna=False).values


def claims(summary_path: str, output: str, *, paper_times: dict, dt_change_limit: float) -> None:
    """Claim rows of Fig. 3: the 200-vs-30 timescales (C7) under three normalisations, the diffusion peaks before
    learning, and the consistency check that halving the SDE's dt leaves the plotted statistics unchanged."""
    ds, by, s, depth, high, setting = open_summary(summary_path)
    rows = claimsmod.ClaimTable(PAPER, SECTION)
    t_sgd, t_sde = paper_times["online_sgd"], paper_times["sde"]
    paper_ratio = t_sgd / t_sde

    # C7: the time to learn all modes, SGD against the SDE, for each reading of the loss normalisation
    for row, (sgd_case, sde_case, meaning) in NORMALISATIONS.items():
        a, b = all_learned_time(by[sgd_case]), all_learned_time(by[sde_case])
        censored = int(np.sum(~np.isfinite(a)) + np.sum(~np.isfinite(b)))
        (ma, ea), (mb, eb) = mean_and_sem(a[np.isfinite(a)]), mean_and_sem(b[np.isfinite(b)])
        k = claimsmod.bonferroni_t_limit(min(np.isfinite(a).sum(), np.isfinite(b).sum()), 2) if min(np.isfinite(a).sum(), np.isfinite(b).sum()) > 1 else np.inf
        tol_sgd, tol_sde = reading_halfwidth(t_sgd) + k * ea, reading_halfwidth(t_sde) + k * eb
        ratio = ma / mb
        ratio_sem = ratio * np.hypot(ea / ma, eb / mb)
        rows.add(f"corlouer_fig3_time_to_learn_all_{row}", "3",
                 f"{setting}, {meaning}: online SGD takes about {t_sgd:g} time units to learn all modes, the SDE about {t_sde:g}",
                 f"time the last mode reaches {high} s (mean +- SE over seeds; {censored} censored by the horizon): SGD {claimsmod.format_mean_sem(ma, ea)}, "
                 f"SDE {claimsmod.format_mean_sem(mb, eb)}; ratio {claimsmod.format_mean_sem(ratio, ratio_sem)} (paper {paper_ratio:.3g})",
                 f"SGD {ma:.4g}, SDE {mb:.4g}, ratio {ratio:.3g}", f"SGD {t_sgd:g}, SDE {t_sde:g} (ratio {paper_ratio:.3g})",
                 f"one significant figure (+-{reading_halfwidth(t_sgd):g}, +-{reading_halfwidth(t_sde):g}) + {k:.3g} SE (t limit, 1 %, Bonferroni over the two): "
                 f"SGD +-{tol_sgd:.3g}, SDE +-{tol_sde:.3g}",
                 bool(abs(ma - t_sgd) <= tol_sgd and abs(mb - t_sde) <= tol_sde), kind=claimsmod.PAPER_CLAIM,
                 power=claimsmod.power(max(tol_sgd, tol_sde), abs(t_sgd - t_sde), "SGD and the SDE on one timescale (200 -> 30)"),
                 loose=(bool(abs(np.log(ratio / paper_ratio)) <= np.log(RATIO_FACTOR) + k * ratio_sem / ratio),
                        f"reading: the ratio SGD/SDE within a factor {RATIO_FACTOR:g} of {paper_ratio:.3g} (+ {k:.3g} SE)"),
                 location="Sec. 4.1, third paragraph", quote=QUOTE_TIMES)

    # the diffusion peaks before the mode is learned (the caption), for SGD and the SDE
    w_star = theory.diffusion_peak(s, depth, float(ds.attrs["learning_rate"]), 0.0)[0]
    flow_lead = np.array([theory.gradient_flow_time(high * sa, sa, ws, depth) for sa, ws in zip(s, w_star)])  # Eq. 5 time from w* to learned
    for case in ("online_sgd", "sde"):
        c = by[case]
        lead = (c.learning_time - c.peak_time_empirical).values
        keep = complete(lead)
        lead = lead[keep]
        n = lead.shape[0]
        l_mean, l_sem = mean_and_sem(lead)
        amplitude = mean_and_sem(c.peak_amplitude_empirical.values[keep])
        eq7_lead = mean_and_sem((c.learning_time - c.peak_time_eq7).values[keep])
        false_alarm = len(s) * 0.5**n  # sign test: every seed leads, for each mode, if a peak were as likely after learning as before
        rows.add(f"corlouer_fig3_peak_before_learned_{case}", "3a" if case == "online_sgd" else "3b",
                 f"{'online SGD' if case == 'online_sgd' else 'the SDE (1)'}, {setting}: the empirical diffusion (eta/b) a^T Sigma a peaks before the mode is learned",
                 f"lead of the learning time ({high} s) over the time of the largest empirical diffusion per mode (mean +- SE over {n} seeds): "
                 f"{format_times((l_mean, l_sem))} (smallest lead / SE = " + (f"{np.min(l_mean / l_sem):.3g}" if n > 1 else "nan") + "); "
                 f"Eq. 7's peak leads by {format_times(eq7_lead)}, Eq. 5 from Eq. 9's w* by {', '.join(f'{x:.3g}' for x in flow_lead)}; "
                 f"w/s at the empirical peak {format_times(amplitude)} (Eq. 9: {', '.join(f'{x:.3g}' for x in w_star / s)})",
                 f"seeds with every mode's peak before its learning: {int(np.all(lead > 0, axis=1).sum())} of {n}", "every seed, every mode: lead > 0",
                 f"sign test: all {n} seeds lead (P = {false_alarm:.2g} under a peak as likely after as before, Bonferroni over {len(s)} modes)",
                 bool(n > 1 and np.all(lead > 0)), kind=claimsmod.PAPER_CLAIM,
                 power=claimsmod.power(false_alarm, 0.01, "a peak as likely after learning as before: false-alarm probability of the sign test vs 1 %"),
                 location="Fig. 3 caption", quote=QUOTE_PEAKS)

    # consistency: halving the SDE's dt changes no plotted statistic. Paired seeds (same W(0)); a systematic
    # Euler-Maruyama bias moves every mode the same way, so each seed's change is averaged over modes, which averages
    # out most of the SDE's own per-seed scatter (its noise paths differ between the two dt)
    full, half = by["sde"], by["sde_half_dt"]
    seeds = np.intersect1d(full.seed.values, half.seed.values)
    per_mode, per_seed = [], []
    for variable in ("learning_time", "peak_empirical"):
        a, b = full[variable].sel(seed=seeds).values, half[variable].sel(seed=seeds).values
        keep = complete(a) & complete(b)
        change = (b[keep] - a[keep]) / a[keep]
        per_mode.append(mean_and_sem(change))
        per_seed.append(change.mean(axis=1))
    n = min(c.size for c in per_seed)
    stacked = np.stack([c[:n] for c in per_seed], axis=1)
    c_mean, c_sem = mean_and_sem(stacked)
    z, limit = claimsmod.max_abs_t(c_mean, c_sem, n) if n > 1 else (np.nan, np.inf)
    rows.add("corlouer_fig3_sde_dt_halving", "3b",
             f"the SDE (1), {setting}: the plotted statistics do not change when the Euler-Maruyama dt is halved",
             f"relative change (dt/2 - dt) / dt, paired seeds, averaged over modes per seed (mean +- SE over {n}): learning time "
             f"{claimsmod.format_mean_sem(c_mean[0], c_sem[0])}, peak empirical diffusion {claimsmod.format_mean_sem(c_mean[1], c_sem[1])}; "
             f"per mode: learning times {format_times(per_mode[0])}, peaks {format_times(per_mode[1])}",
             f"max |t| = {z:.3g}", "0 (no change)", f"max |t| < {limit:.3g} (Bonferroni over the 2 statistics, 1 %)",
             bool(n > 1 and z < limit), kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(float(np.max(limit * c_sem)) if n > 1 else np.inf, dt_change_limit,
                                   f"a {100 * dt_change_limit:g} % change (visible in the figure)"),
             loose=(bool(n > 1 and np.max(np.abs(c_mean) + limit * c_sem) < dt_change_limit), f"reading: every change within {100 * dt_change_limit:g} %"))
    rows.write(output)
