"""Corlouer et al. 2026, Fig. 1 (Sec. 4): claims on the mode statistics of Fig. 1's run point (no label noise) and of
the same settings with label noise (summary from corlouer2026.modewise.stack_statistics, points no_label_noise and
label_noise).

C1 learning order; C2 the diffusion peak precedes learning, its time (Fig. 1a's lines) and amplitude (Eq. 9), Eq. 10 on
both sides (label noise); C3 decay to zero without label noise and a plateau at Eq. 7's w = s value with it; Fig. 1b's
match of Eq. 7; Prop. 3.3's E[dw^2] = D dt as a consistency check.
"""

from __future__ import annotations

import json

import numpy as np

from ... import claims as claimsmod
from ... import io
from .. import mode_claims as mc
from .. import theory

FIGURE = "1"


def claims(summary_path: str, output: str, *, decay_threshold: float, plateau_tolerance: float) -> None:
    """Claim rows of Fig. 1 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    learned = float(json.loads(ds.attrs["learned_fraction"]))
    late_delay = float(json.loads(ds.attrs["late_delay"]))
    record_interval = float(np.diff(ds.time.values[:2])[0])
    rows = claimsmod.ClaimTable("Corlouer2026", section="Sec. 4")
    c = mc.seeds_of(ds, "no_label_noise")
    mc.learning_order_row(rows, "corlouer_fig1_learning_order", FIGURE, c, learned_fraction=learned, quote=mc.CAPTION_ORDER, location="Fig. 1 caption (a)")
    mc.peak_precedes_rows(rows, "corlouer_fig1", FIGURE, c, learned_fraction=learned)
    mc.peak_time_rows(rows, "corlouer_fig1", FIGURE, c, record_interval=record_interval)
    mc.peak_position_rows(rows, "corlouer_fig1", FIGURE, c, quote=mc.FIG1_LINES, location="Fig. 1 caption; Sec. 4, Eq. 9")
    mc.decay_rows(rows, "corlouer_fig1", FIGURE, c, threshold=decay_threshold, late_delay=late_delay, quote=mc.SEC3_DECAY, location="Sec. 3, after Prop. 3.5")
    mc.eq7_match_rows(rows, "corlouer_fig1", FIGURE, c, quote=mc.FIG1_MATCH, location="Fig. 1 caption (b)")
    mc.realised_recorded_row(rows, "corlouer_fig1_realised_equals_recorded", FIGURE, ds, list(ds.point.values), "Fig. 1's points, without and with label noise")
    noisy = mc.seeds_of(ds, "label_noise")
    plateau_rows(rows, noisy, tolerance=plateau_tolerance, late_delay=late_delay)
    eq10_rows(rows, noisy)
    rows.write(output)


def plateau_rows(rows, c, *, tolerance: float, late_delay: float) -> None:
    """C3 with label noise: the late (i) against Eq. 7 at w = s, beta L^2 sigma_q^2 s^{4(L-1)/L}. The mode fluctuates
    about s with Eq. 18's variance, which adds 2 Var(w) to sigma_q^2 in Eq. 7: that is the stated bias."""
    L, beta, q = int(c.depth), float(c.beta), float(c.label_noise_variance)
    for a in range(c.sizes["mode"]):
        s = float(c.singular_value[a])
        plateau = float(c.eq7_plateau[a])
        ratio = c.late_recorded.values[:, a] / plateau
        m, e = mc.ms(ratio)
        k = mc.tk(mc.n_finite(ratio))
        bias = 2 * float(theory.stationary_variance_eq18(s, L, beta, q)) / q
        realised = mc.ms(c.late_realised.values[:, a] / plateau)
        rows.add(f"corlouer_fig1_label_noise_plateau_{a}", FIGURE,
                 f"{mc.setting(c)}, {mc.modes_label(c, a)}: with label noise the diffusion tends to a state-independent value once the mode is learned",
                 f"(i) averaged over the record intervals from {late_delay:g} after the learning time, over Eq. 7 at w = s (beta L^2 sigma_q^2 s^a = "
                 f"{plateau:.4g}), per seed (mean +- SE); realised (ii) over the same: {mc.fmt(*realised)}", mc.fmt(m, e), "1 (Eq. 7 at w = s)",
                 f"{k:.3g} SE + Eq. 18's fluctuation term 2 Var(w) / sigma_q^2 = {bias:.3g}", claimsmod.within(m - 1, e, k, bias),
                 power=claimsmod.power(claimsmod.tolerance(e, k, bias), 1.0, "decay to zero as without label noise"),
                 loose=(abs(m - 1) <= tolerance, f"within {100 * tolerance:g} % of Eq. 7 at w = s"), kind=claimsmod.PAPER_CLAIM,
                 location="Sec. 3, after Prop. 3.5", quote=mc.SEC3_PLATEAU)


def eq10_rows(rows, c) -> None:
    """Eq. 10 on both sides: R = (i) in the peak band over the late (i). Eq. 7 at the observed amplitudes gives R > 1
    where D peaks before the mode is learned above its plateau and R < 1 where it rises monotonically (Eq. 10
    violated); the row holds if R - 1 has Eq. 7's sign beyond 3 SE. Where Eq. 7's R is within the tolerance of 1 (an interior
    peak barely above the plateau) the row cannot tell and is not judged."""
    q, L = float(c.label_noise_variance), int(c.depth)
    for a in range(c.sizes["mode"]):
        s = float(c.singular_value[a])
        threshold = s**2 * L**2 / (4 * (L - 1) * (3 * L - 2))
        exists = bool(c.eq10_peak_exists[a])
        ratio = c.band_recorded.values[:, a] / c.late_recorded.values[:, a]
        m, e = mc.ms(ratio)
        k = mc.tk(mc.n_finite(ratio))
        expected = mc.ms(c.band_eq7.values[:, a] / c.late_eq7.values[:, a])[0]
        side = np.sign(expected - 1)
        holds = bool(np.sign(m - 1) == side and abs(m - 1) > k * e)
        rows.add(f"corlouer_fig1_eq10_{a}", FIGURE,
                 f"{mc.setting(c)}, {mc.modes_label(c, a)}: Eq. 10 ({q:g} {'<=' if exists else '>'} s^2 L^2 / (4 (L-1)(3L-2)) = {threshold:.3g}) "
                 + ("holds: the diffusion peaks before the mode is learned" if exists else "fails: the diffusion rises monotonically to its plateau"),
                 "R = (i) over the peak band / (i) late, per seed (mean +- SE); peak of (i) at w/s = "
                 f"{mc.fmt(*mc.ms(c.peak_amplitude.values[:, a]))} (Eq. 9: {float(c.eq9_peak_amplitude[a]):.3g})", mc.fmt(m, e),
                 f"R {'>' if side > 0 else '<'} 1 (Eq. 7 at the observed amplitudes: {expected:.3g})", f"|R - 1| > {k:.3g} SE = {k * e:.3g}, on Eq. 7's side",
                 holds, power=claimsmod.power(k * e, abs(expected - 1), "the other side of Eq. 10 (R - 1 of the opposite sign)"),
                 kind=claimsmod.PAPER_CLAIM, location="Sec. 4, Eq. 10", quote=mc.EQ10)
