"""Statistics of the alignment and balance assumptions (Corlouer et al. 2026, App. I; Figs. 6, 7, 8) from a deep
linear run's recorded weights: cross modes w_ab = u_a^T W v_b, the cross-mode diffusion D_ab of Prop. 3.3 (Eq. 29),
the balance r_l of Eq. 33 and its numerator, and the Frobenius norm of every layer, all on the run's trace grid.
Nothing is simulated here; Figs. 7 and 8 read the same statistics."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import io
from . import RATE_UNITS, TIME_UNITS


def open_run(paths: list[str]) -> xr.Dataset:
    """A deep linear run's seed blocks concatenated along seed."""
    return xr.concat([io.open_dataset(p) for p in paths], dim="seed")


def run_weights(run: xr.Dataset) -> list[np.ndarray]:
    """The recorded layers, each (seed, time, d_l, d_{l-1})."""
    depth = len([name for name in run.data_vars if name.startswith("weights_")])
    if depth == 0:
        raise ValueError("the run did not record its weights (record_weights: true is needed)")
    return [run[f"weights_{l}"].values for l in range(1, depth + 1)]


def balance_statistics(train_paths: list[str], output: str, *, teacher_singular_values: list[float], learning_rate: float, batch_size: int,
                       label_noise_variance: float, initialization: str, provenance: dict) -> None:
    """Per seed and trace point: U^T W V, r_l and its numerator (Eq. 33, l = 1..L-1), ||W_l||_F (l = 1..L), and
    D_ab = (eta / b) a_a^T Sigma a_b (Prop. 3.3) of the teacher's modes, computed matrix-free from the weights."""
    from .runs import teacher_matrix
    from .theory import imbalance, modewise_diffusion_matrix  # scipy: inside the job only

    run = open_run(train_paths)
    weights = run_weights(run)
    widths = [weights[0].shape[-1]] + [w.shape[-2] for w in weights]
    teacher = teacher_matrix(widths, teacher_singular_values)
    ratio, numerator = imbalance(weights)
    n_modes = len(teacher_singular_values)
    diffusion = modewise_diffusion_matrix(weights, teacher, beta=learning_rate / batch_size, label_noise_variance=label_noise_variance,
                                          modes=np.arange(n_modes))
    pairs = np.arange(1, len(weights))
    ds = xr.Dataset(
        {
            "modes": (("seed", "trace", "row", "column"), run.modes.values, {"long_name": "U^T W V (diagonal: w_alpha; off-diagonal: cross modes w_ab)", "units": "1"}),
            "imbalance": (("seed", "trace", "pair"), ratio, {"long_name": "r_l (Eq. 33)", "units": "1"}),
            "imbalance_numerator": (("seed", "trace", "pair"), numerator, {"long_name": "||W_l W_l^T - W_{l+1}^T W_{l+1}||_F (Eq. 33's numerator)", "units": "1"}),
            "layer_norm": (("seed", "trace", "layer"), np.stack([np.linalg.norm(w, axis=(-2, -1)) for w in weights], axis=-1),
                           {"long_name": "||W_l||_F", "units": "1"}),
            "cross_diffusion": (("seed", "trace", "mode", "mode_j"), diffusion,
                                {"long_name": "D_ab = (eta / b) a_a^T Sigma a_b (Prop. 3.3, Eq. 29)", "units": RATE_UNITS}),
            "time": (("trace",), run.time.values, {"long_name": "continuum time t = eta * step", "units": TIME_UNITS}),
        },
        coords={"seed": run.seed.values, "trace": np.arange(run.sizes["time"]), "pair": pairs, "layer": np.arange(1, len(weights) + 1), "mode": np.arange(n_modes),
                "mode_j": np.arange(n_modes), "singular_value": ("mode", np.asarray(teacher_singular_values, dtype=float))},
        attrs=io.provenance(provenance, depth=len(weights), initialization=initialization, learning_rate=learning_rate, batch_size=batch_size),
    )
    io.write_netcdf(ds, output)


def stack_cases(statistics_paths: list[str], output: str, *, labels: list[str], variables: list[str], provenance: dict) -> None:
    """The runs' `variables` (and `time`) along `case`; trace grids of different lengths padded with NaN."""
    cases = [io.open_dataset(p) for p in statistics_paths]
    stacked = xr.concat([c[[*variables, "time"]] for c in cases], dim="case", join="outer", combine_attrs="drop")
    stacked = stacked.assign_coords(case=labels, depth=("case", [int(c.attrs["depth"]) for c in cases]),
                                    initialization=("case", [c.attrs["initialization"] for c in cases]))
    stacked.attrs = io.provenance(provenance)
    io.write_netcdf(io.keep_variable_attrs(stacked, cases), output)  # combine_attrs="drop" dropped them
