"""Corlouer et al. 2026, Fig. 11 (App. J.4): claims on the diffusion of the network with hidden width 24 (summary points
wide and rectangular from corlouer2026.modewise.stack_statistics): peak positions (Eq. 9), decay once learned, the
match of Eq. 7 and the learning order; the figure shows the square network beside it."""

from __future__ import annotations

import json

from ... import claims as claimsmod
from ... import io
from .. import mode_claims as mc

FIGURE = "11"
QUOTE = "The structure of the diffusion, including the location of the peaks and tending to zero once the mode is learned is maintained."
SIMILAR = ("Figure 11 shows that the formula in Proposition 3.5 for the modewise diffusion is also similar to what is observed in a DLN with hidden "
           "layers of size 24, double the size of the input and output (12).")


def claims(summary_path: str, output: str, *, decay_threshold: float) -> None:
    """Claim rows of Fig. 11 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    late_delay = float(json.loads(ds.attrs["late_delay"]))
    learned = float(json.loads(ds.attrs["learned_fraction"]))
    rows = claimsmod.ClaimTable("Corlouer2026", section="App. J.4")
    c = mc.seeds_of(ds, "wide")
    mc.peak_position_rows(rows, "corlouer_fig11", FIGURE, c, quote=QUOTE, location="Fig. 11 caption")
    mc.decay_rows(rows, "corlouer_fig11", FIGURE, c, threshold=decay_threshold, late_delay=late_delay, quote=QUOTE, location="Fig. 11 caption")
    mc.eq7_match_rows(rows, "corlouer_fig11", FIGURE, c, quote=SIMILAR, location="App. J.4")
    mc.learning_order_row(rows, "corlouer_fig11_learning_order", FIGURE, c, learned_fraction=learned, quote=QUOTE, location="Fig. 11 caption")
    mc.realised_recorded_row(rows, "corlouer_fig11_realised_equals_recorded", FIGURE, ds, ["wide"], "Fig. 11's wide network")
    rows.write(output)
