"""Corlouer et al. 2026, Fig. 10 (App. J.2): claims on the peak diffusion against the reciprocal batch size (summary of
the reference point and the batch sweep from corlouer2026.modewise.stack_statistics). Slopes are fitted to the
realised increment variance (ii); the recorded (eta/b) a^T Sigma a (i) is linear in 1/b by construction."""

from __future__ import annotations

import numpy as np

from ... import io
from .. import mode_claims as mc

FIGURE = "10"
QUOTE = "We observe a linear relationship between the reciprocal of batch size and the diffusion along each mode."
SLOPE_QUOTE = ("Figure 10 shows that the maximum diffusion along modes scales approximately linearly with the reciprocal of the batch size, in "
               "agreement with the functional form derived in Proposition 3.5.")


def claims(summary_path: str, output: str, *, slope_tolerance: float) -> None:
    """Claim rows of Fig. 10 (see README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    mc.sweep_claims(ds, output, figure=FIGURE, section="App. J.2", axis_name="1/b", axis=1.0 / np.asarray(ds.batch_size.values, dtype=float),
                    slope_tolerance=slope_tolerance, quote=QUOTE, location="Fig. 10 caption", slope_quote=SLOPE_QUOTE, slope_location="App. J.2")
