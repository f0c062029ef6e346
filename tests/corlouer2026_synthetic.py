"""Synthetic mode-statistics summaries with known truth for the Corlouer claim tests (the variables the claims read,
as corlouer2026.modewise.stack_statistics writes them). The truth is the balanced aligned theory: Eq. 5 times from a
reference crossing, Eq. 9's peak, Eq. 7's values in the peak band and at w = s, with Gaussian scatter over seeds."""

import json

import numpy as np
import xarray as xr

from sgdnoise.corlouer2026 import theory

S = np.array([1.0, 0.7, 0.4])
L = 4
BAND = (0.45, 0.75)
FRACTIONS = [0.1, 0.5, 0.9]


def band_average(s, beta, q):
    z = np.linspace(*BAND, 61)
    return np.array([theory.modewise_diffusion_balanced(z * si, si, L, beta, q).mean() for si in s])


def point(rng, *, eta=0.005, b=1, q=0.0, n_seeds=32, widths="[12, 12, 12, 12, 12]", noise=0.1, reversed_order=False, peak_shift=0.0,
          power=1.0, decay=True, plateau=1.0, swap_eq10=False, eq7_ratio=1.0):
    """One run point. power: D proportional to beta^power (rival 2); peak_shift added to w/s at the peak; decay=False
    keeps the late D at the peak (no label noise); plateau scales the late D with label noise; swap_eq10 exchanges
    the band and late D (the other side of Eq. 10); eq7_ratio: recorded / Eq. 7."""
    beta = eta / b
    A, n = S.size, n_seeds
    w_star, d_star = theory.diffusion_peak(S, L, beta, q)
    exists = theory.diffusion_peak_exists(S, L, q)
    flow_learning = np.array([theory.learning_time(s, 0.1 * s, L, 0.9) for s in S])
    flow_peak = np.array([theory.gradient_flow_time(ws, s, 0.1 * s, L) if np.isfinite(ws) else np.nan for ws, s in zip(w_star, S)])
    reference = 6.0 / S[None, :] + rng.normal(0, 1.0, (n, A))
    learning = reference + flow_learning + rng.normal(0, 0.3, (n, A))
    if reversed_order:  # the smallest s learned first
        learning = learning[:, ::-1]
    peak_time = reference + np.nan_to_num(flow_peak) + rng.normal(0, 0.3, (n, A))
    crossing = np.stack([reference + f / 0.9 * flow_learning for f in FRACTIONS], axis=-1)
    scale = (beta / 0.005) ** (power - 1)  # a rival law matched at eta / b = 0.005
    band_eq7 = band_average(S, beta, q)
    plateau_eq7 = theory.modewise_diffusion_balanced(S, S, L, beta, q)

    def scatter(x, rel):
        return x * (1 + rel * rng.normal(size=(n, A)))

    band_rec = scatter(eq7_ratio * band_eq7 * scale, noise / 3)
    band_real = scatter(eq7_ratio * band_eq7 * scale, noise)
    peak_rec = scatter(eq7_ratio * np.nan_to_num(d_star, nan=0.0) * scale + (plateau_eq7 if q else 0), noise / 3)
    if q:
        late_rec = scatter(plateau * plateau_eq7, noise / 10)
        late_real = scatter(plateau * plateau_eq7, noise / 3)
        late_eq7 = np.broadcast_to(plateau_eq7, (n, A)).copy()
        if swap_eq10:
            band_rec, late_rec = late_rec, band_rec
    else:
        late_rec = peak_rec * (1.0 if not decay else 1e-4 * np.abs(rng.normal(1, 0.3, (n, A))))
        late_real = late_rec * (1 + noise * rng.normal(size=(n, A)))
        late_eq7 = late_rec / 10
    z = np.arange(0.05, 1.0, 0.1)
    binned_eq7 = np.stack([theory.modewise_diffusion_balanced(z * s, s, L, beta, q) for s in S])[None].repeat(n, 0)
    sm, smb = ("seed", "mode"), ("seed", "mode", "amplitude_bin")
    return xr.Dataset(
        {
            "learning_time": (sm, learning), "predicted_learning_time": (sm, reference + flow_learning), "reference_time": (sm, reference),
            "crossing_time": (("seed", "mode", "fraction"), crossing),
            "peak_time": (sm, peak_time), "predicted_peak_time": (sm, reference + flow_peak),
            "peak_amplitude": (sm, np.where(exists, w_star / S, 1.02) + peak_shift + rng.normal(0, 0.02, (n, A))),
            "global_peak_amplitude": (sm, np.where(exists, w_star / S, 1.02) + peak_shift + rng.normal(0, 0.02, (n, A))),
            "peak_recorded": (sm, peak_rec), "late_recorded": (sm, late_rec), "late_realised": (sm, late_real), "late_eq7": (sm, late_eq7),
            "band_realised": (sm, band_real), "band_recorded": (sm, band_rec), "band_eq7": (sm, np.broadcast_to(band_eq7, (n, A)).copy()),
            "binned_recorded": (smb, binned_eq7 * eq7_ratio), "binned_eq7": (smb, binned_eq7),
            "eq9_peak_amplitude": ("mode", w_star / S), "eq7_peak": ("mode", d_star), "eq7_plateau": ("mode", plateau_eq7),
            "eq10_peak_exists": ("mode", np.asarray(exists).astype(np.int8)), "flow_learning_duration": ("mode", flow_learning),
            "flow_peak_duration": ("mode", flow_peak),
        },
        coords={"seed": np.arange(n), "mode": np.arange(A), "fraction": FRACTIONS, "amplitude_bin": z, "singular_value": ("mode", S),
                "time": [0.0, 0.1], "learning_rate": eta, "batch_size": b, "beta": beta, "label_noise_variance": q, "depth": L, "widths": widths},
    )


def write(tmp_path, points, labels):
    summary = xr.concat(points, dim="point", coords="different", compat="equals", join="outer").assign_coords(point=labels)
    summary.attrs = {"learned_fraction": json.dumps(0.9), "late_delay": json.dumps(5.0), "peak_band": json.dumps(list(BAND)),
                     "reference_fraction": json.dumps(0.1)}
    path = tmp_path / "summary.nc"
    summary.to_netcdf(path)
    return str(path)


def sweep_statuses(tmp_path, claims, sweep, *, n_seeds=32, seed=5, **options):
    """Statuses of a beta-sweep claims function (Figs. 9, 10) on synthetic points, sweep = {label: point keywords}."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    path = write(tmp_path, [point(rng, n_seeds=n_seeds, **kw, **options) for kw in sweep.values()], list(sweep))
    claims(path, str(tmp_path / "claims.csv"), slope_tolerance=0.25)
    return pd.read_csv(tmp_path / "claims.csv").set_index("claim_id").status
