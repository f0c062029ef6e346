"""Corlouer et al. 2026, Fig. 7 (App. I.2): claims on the balance r_l (Eq. 33) from the Gaussian and the balanced
start, from the summary of corlouer2026.balance statistics (cases L<depth>_<initialization>; seeds paired: the two
starts of a seed have the same end-to-end map and see the same minibatches)."""

from __future__ import annotations

import numpy as np

from ... import claims as claimsmod, io
from ..fig6.stages import k_se, mean_sem

PAPER, SECTION = "Corlouer2026", "App. I.2"
QUOTE_IMPROVES = ("(a) shows that from an unbalanced Gaussian initialization, there is not strong balance at the start of training, but as "
                  "training continues balance increases.")
QUOTE_NEVER = ("Figure 7 shows that from non-balanced initializations, balance increases over SGD training of both a 2-layer and 4-layer "
               "linear network, but never reaches a level comparable to when balance is enforced at the start of training.")
QUOTE_STAYS = ("(b) When we enforce balance at initialization, it is approximately maintained, and for all of training the weights are "
               "significantly more balanced than at any point in the unbalanced-initialization trajectory.")


def case_of(ds, depth: int, initialization: str) -> str:
    (case,) = [c for c, d, i in zip(ds.case.values, ds.depth.values, ds.initialization.values) if int(d) == depth and i == initialization]
    return str(case)


def trajectory(ds, case: str, name: str) -> np.ndarray:
    """(seed, trace, pair or layer) of one case, padding removed."""
    c = ds.sel(case=case)
    values = c[name].values[:, np.isfinite(c.time.values)]
    return values[..., np.all(np.isfinite(values), axis=(0, 1))]


def pairs_text(mean, sem) -> str:
    return ", ".join(f"l = {l + 1}: {claimsmod.format_mean_sem(m, e)}" for l, (m, e) in enumerate(zip(mean, sem)))


def claims(summary_path: str, output: str, *, nearly: float) -> None:
    ds = io.open_dataset(summary_path)
    table = claimsmod.ClaimTable(PAPER, SECTION)
    for depth in sorted({int(d) for d in ds.depth.values}):
        fig = f"Fig. 7{'ac'[depth > 2]}{'bd'[depth > 2]}"
        gaussian = trajectory(ds, case_of(ds, depth, "gaussian"), "imbalance")
        balanced = trajectory(ds, case_of(ds, depth, "balanced"), "imbalance")
        k = k_se(gaussian.shape[0])

        fall, fall_sem = mean_sem(np.log(gaussian[:, -1] / gaussian[:, 0]))
        tol = claimsmod.tolerance(fall_sem, k)
        worst = int(np.argmax(fall + tol))
        table.add(f"corlouer_fig7_gaussian_balance_improves_L{depth}", fig, f"Depth {depth}, Gaussian start: r_l falls during training, every l",
                  "log(r_l(T) / r_l(0)) per pair of layers, mean over seeds", pairs_text(fall, fall_sem), "< 0", f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})",
                  bool(np.all(fall + tol < 0)), kind=claimsmod.PAPER_CLAIM, power=claimsmod.power(tol[worst], fall[worst], "no change in balance"),
                  location="App. I.2, Fig. 7 caption (a), (c)", quote=QUOTE_IMPROVES)

        gap, gap_sem = mean_sem(np.log(gaussian.min(axis=1) / balanced.max(axis=1)))
        tol = claimsmod.tolerance(gap_sem, k)
        worst = int(np.argmin(gap - tol))
        table.add(f"corlouer_fig7_never_reaches_balanced_L{depth}", fig,
                  f"Depth {depth}: the Gaussian start's best balance stays worse than the balanced start's worst, every l",
                  "log(min_t r_l (Gaussian) / max_t r_l (balanced)), paired by seed", pairs_text(gap, gap_sem)
                  + f"; min_t r_l Gaussian: {', '.join(f'{v:.3g}' for v in gaussian.min(axis=1).mean(axis=0))}, max_t r_l balanced: "
                  + ", ".join(f"{v:.3g}" for v in balanced.max(axis=1).mean(axis=0)),
                  "> 0", f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})", bool(np.all(gap - tol > 0)), kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol[worst], gap[worst], "the two starts equally balanced"), location="App. I.2", quote=QUOTE_NEVER)

        level, level_sem = mean_sem(balanced.max(axis=1) / gaussian[:, 0])
        tol = claimsmod.tolerance(level_sem, k)
        worst = int(np.argmax(level + tol))
        table.add(f"corlouer_fig7_balanced_stays_balanced_L{depth}", fig,
                  f"Depth {depth}, balanced start: r_l stays below {nearly:g} of the Gaussian start's r_l(0) throughout, every l (our reading of "
                  "'approximately maintained')", "max_t r_l (balanced) / r_l(0) (Gaussian), per seed", pairs_text(level, level_sem),
                  f"< {nearly:g}", f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})", bool(np.all(level + tol < nearly)), kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol[worst], nearly - level[worst], f"balance lost down to {nearly:g} of the Gaussian start's"),
                  location="App. I.2, Fig. 7 caption (b), (d)", quote=QUOTE_STAYS)
    table.write(output)
