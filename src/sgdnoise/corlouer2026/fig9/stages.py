"""Corlouer et al. 2026, Fig. 9 (App. J.1): claims on the peak diffusion against the learning rate (summary of the
sweep's mode statistics from corlouer2026.modewise.stack_statistics). Slopes are fitted to the realised increment
variance (ii); the recorded (eta/b) a^T Sigma a (i) is linear in eta by construction and is shown beside it."""

from __future__ import annotations

import numpy as np

from ... import io
from .. import mode_claims as mc

FIGURE = "9"
QUOTE = "We observe a linear relationship between learning rate and the diffusion along each mode."
SLOPE_QUOTE = ("Figure 9 shows that the maximum diffusion along modes scales approximately linearly with the learning rate, in agreement with the "
               "functional form derived in Proposition 3.5.")


def claims(summary_path: str, output: str, *, slope_tolerance: float) -> None:
    """Claim rows of Fig. 9 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    mc.sweep_claims(ds, output, figure=FIGURE, section="App. J.1", axis_name="eta", axis=np.asarray(ds.learning_rate.values, dtype=float),
                    slope_tolerance=slope_tolerance, quote=QUOTE, location="Fig. 9 caption", slope_quote=SLOPE_QUOTE, slope_location="App. J.1")
