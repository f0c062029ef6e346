"""Corlouer et al. 2026, Fig. 8 (App. I.2): claims on the layer norms and on how much of the fall of r_l (Eq. 33) they
account for, from Fig. 7's summary. With den_l = ||W_l W_l^T||_F + ||W_{l+1}^T W_{l+1}||_F (the Frobenius norms of
the Gram matrices, = numerator / r_l), log r_l = log numerator - log den_l exactly, so the share of the fall of log r_l
due to the growing norms is d log den_l / (-d log r_l) and the numerator's is the rest."""

from __future__ import annotations

import numpy as np

from ... import claims as claimsmod, io
from ..fig6.stages import k_se, mean_sem
from ..fig7.stages import case_of, pairs_text, trajectory

PAPER, SECTION = "Corlouer2026", "App. I.2"
QUOTE_NORMS = ("Frobenius norms of layers increase over training, accounting for most of the decrease in normalized balance measure r_l "
               "from standard initializations.")
QUOTE_LITTLE = "The unnormalized lines are the numerator of the expression for r_l, and show little change."


def claims(summary_path: str, output: str, *, most: float, little: float) -> None:
    ds = io.open_dataset(summary_path)
    table = claimsmod.ClaimTable(PAPER, SECTION)
    for depth in sorted({int(d) for d in ds.depth.values}):
        fig = f"Fig. 8{'ac'[depth > 2]}{'bd'[depth > 2]}"
        for init in ("gaussian", "balanced"):
            norms = trajectory(ds, case_of(ds, depth, init), "layer_norm")
            k = k_se(norms.shape[0])
            growth, growth_sem = mean_sem(np.log(norms[:, -1] / norms[:, 0]))
            tol = claimsmod.tolerance(growth_sem, k)
            worst = int(np.argmin(growth - tol))
            table.add(f"corlouer_fig8_norms_increase_L{depth}_{init}", fig, f"Depth {depth}, {init} start: every ||W_l||_F grows over training",
                      "log(||W_l||_F(T) / ||W_l||_F(0)) per layer", pairs_text(growth, growth_sem), "> 0", f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})",
                      bool(np.all(growth - tol > 0)), kind=claimsmod.PAPER_CLAIM, power=claimsmod.power(tol[worst], growth[worst], "no growth"),
                      location="App. I.2, Fig. 8 caption", quote=QUOTE_NORMS)
        case = case_of(ds, depth, "gaussian")
        ratio, numerator = trajectory(ds, case, "imbalance"), trajectory(ds, case, "imbalance_numerator")
        fall = -np.log(ratio[:, -1] / ratio[:, 0])
        change_numerator = np.log(numerator[:, -1] / numerator[:, 0])
        growth_den = change_numerator + fall  # d log den = d log numerator - d log r
        share, share_sem = mean_sem(growth_den / fall)
        tol = claimsmod.tolerance(share_sem, k)
        worst = int(np.argmin(share - tol))
        table.add(f"corlouer_fig8_norms_account_for_most_L{depth}", fig,
                  f"Depth {depth}, Gaussian start: the growth of the norms accounts for most (> {most:g}) of the fall of log r_l, every l",
                  "d log den_l / (-d log r_l) from t = 0 to the end (1: all of it; > 1: the numerator grew)", pairs_text(share, share_sem)
                  + f"; fall of log r_l: {', '.join(f'{v:.3g}' for v in fall.mean(axis=0))}", f"> {most:g}",
                  f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})", bool(np.all(share - tol > most)), kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol[worst], share[worst] - most, f"the norms explaining only {most:g} of it"),
                  location="App. I.2, Fig. 8 caption", quote=QUOTE_NORMS)
        relative, relative_sem = mean_sem(np.abs(change_numerator) / growth_den)
        tol = claimsmod.tolerance(relative_sem, k)
        worst = int(np.argmax(relative + tol))
        table.add(f"corlouer_fig8_numerator_changes_little_L{depth}", fig,
                  f"Depth {depth}, Gaussian start: the numerator of r_l changes little: |d log numerator| < {little:g} d log den_l, every l "
                  "(our reading; gradient flow conserves it exactly)", "|log(numerator(T) / numerator(0))| / d log den_l",
                  pairs_text(relative, relative_sem) + "; numerator(T) / numerator(0): "
                  + ", ".join(f"{v:.3g}" for v in np.exp(change_numerator).mean(axis=0)), f"< {little:g}",
                  f"{k:.3g} SE ({tol[worst]:.2g} at l = {worst + 1})", bool(np.all(relative + tol < little)), kind=claimsmod.PAPER_CLAIM,
                  power=claimsmod.power(tol[worst], little - relative[worst], f"a numerator change of {little:g} of the norms'"),
                  location="App. I.2, Fig. 7 caption", quote=QUOTE_LITTLE)
    table.write(output)
