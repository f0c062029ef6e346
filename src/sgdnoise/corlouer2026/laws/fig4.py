"""Corlouer et al. 2026, Fig. 4 (Sec. 5.1): w_0 at the end of training without label noise, for online SGD, the anisotropic
SDE (Euler-Maruyama with the exact state-dependent noise), isotropic Langevin N(0, eta dt I) (App. H.3) and isotropic
Langevin matched to tr Sigma(theta); Prop. 5.2(i) (a Dirac at s) is the reference. Samples at two end-of-training
times (config `end_of_training`, selected by time: the runs may record beyond them) show whether the histograms still move."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from .common import jackknife, mode_amplitudes, open_runs, snapshots

METHODS = ("sgd", "sde", "langevin", "langevin_matched")
LABELS = {"sgd": "online SGD", "sde": "anisotropic SDE (EM)", "langevin": "isotropic Langevin N(0, eta dt I)", "langevin_matched": "isotropic Langevin matched to tr Sigma"}
QUOTE_CONCENTRATES = "In the absence of label noise, SGD (a) concentrates entirely on the value of the top singular value of the teacher matrix, but anisotropic noise (b) does not have this behavior."
QUOTE_VARIANCE = "However, the variance of the distribution for anisotropic noise is lower than for isotropic noise (c), and is thus more similar to SGD."


def summarize(sgd_paths: list[str], sde_paths: list[str], langevin_paths: list[str], langevin_matched_paths: list[str], output: str, *,
              singular_value: float, dt: float, end_of_training: list[float], provenance: dict) -> None:
    """w_0 of every seed at the end-of-training snapshots t = end_of_training, one variable per method."""
    variables = {}
    for method, paths in zip(METHODS, (sgd_paths, sde_paths, langevin_paths, langevin_matched_paths)):
        w0 = snapshots(mode_amplitudes(open_runs(paths)).sel(mode=0), end_of_training, paths[0])
        variables[method] = xr.DataArray(w0.values, dims=(f"seed_{method}", "snapshot"),
                                         attrs={"long_name": f"w_0 (top mode amplitude) at the snapshot, {LABELS[method]}", "units": "1"})
    ds = xr.Dataset(variables, coords={"snapshot": np.asarray(end_of_training, dtype=float), "singular_value": singular_value, "dt": dt})
    ds.snapshot.attrs["long_name"] = "continuum time of the end-of-training snapshot"
    io.write_netcdf(ds.assign_attrs(io.provenance(provenance)), output)


def law_statistics(samples: np.ndarray, s: float) -> dict:
    """mean - s, std and variance with jackknife SEs over seeds."""
    (shift, std, var), (shift_se, std_se, var_se) = jackknife(lambda x: np.array([x.mean() - s, x.std(ddof=1), x.var(ddof=1)]), samples[:, None])
    return dict(shift=shift, shift_se=shift_se, std=std, std_se=std_se, var=var, var_se=var_se)


def claims(summary_path: str, output: str, *, resolution: float) -> None:
    """Rows C9 (SGD concentrates), C10 (the SDE does not), C11 (anisotropic variance below isotropic, both Langevins) and
    the end-of-training check. `resolution`: the spread below which a law counts as a point (a tenth of the finest bin drawn)."""
    ds = io.open_dataset(summary_path)
    s = float(ds.singular_value)
    end = {m: law_statistics(ds[m].isel(snapshot=-1).values, s) for m in METHODS}
    rows = claimsmod.ClaimTable("Corlouer2026", "Sec. 5.1")
    fig = "corlouer2026_fig4"
    sgd, sde, lan, mat = (end[m] for m in METHODS)
    sgd_spread = max(abs(sgd["shift"]), sgd["std"])
    rows.add("corlouer_fig4_C9", fig, "without label noise online SGD's end-of-training w_0 concentrates on s (Prop. 5.2(i): delta(w - s))",
             f"max(|mean - s|, std) of SGD's w_0 at t = {float(ds.snapshot[-1]):g} ({ds.sizes['seed_sgd']} runs)", f"{sgd_spread:.3g}",
             "0 (a Dirac at s)", f"below the resolution {resolution:g} (a tenth of the finest bin drawn)", sgd_spread < resolution,
             kind=claimsmod.PAPER_CLAIM, location="Sec. 5.1, Fig. 4a", quote=QUOTE_CONCENTRATES,
             power=claimsmod.power(resolution, lan["std"], f"a spread law like isotropic Langevin's (std {lan['std']:.3g})"))
    sde_floor = resolution + 3 * sde["std_se"]
    rows.add("corlouer_fig4_C10_sde_spread", fig, f"the EM-simulated SDE (dt = {float(ds.dt):g}) does not concentrate on s like SGD: its end-of-training spread is visible",
             f"std of the SDE's w_0 at the horizon (SGD: {sgd['std']:.3g})", claimsmod.format_mean_sem(sde["std"], sde["std_se"]),
             f"> resolution {resolution:g} (visibly spread, as Fig. 4b)", f"std - 3 SE > {resolution:g}", sde["std"] - 3 * sde["std_se"] > resolution,
             kind=claimsmod.PAPER_CLAIM, location="Sec. 5.1, Fig. 4b", quote=QUOTE_CONCENTRATES,
             power=claimsmod.power(sde_floor, lan["std"], "a law as spread as isotropic Langevin's"))
    for cid, other, name in (("corlouer_fig4_C11", lan, "isotropic Langevin N(0, eta dt I)"), ("corlouer_fig4_C11_matched", mat, "isotropic Langevin matched to tr Sigma(theta)")):
        ratio = sde["var"] / other["var"]
        ratio_se = ratio * np.hypot(sde["var_se"] / sde["var"], other["var_se"] / other["var"])
        rows.add(cid, fig, f"the anisotropic SDE's end-of-training variance of w_0 is below that of {name}",
                 f"Var(SDE) / Var({name}) at the horizon (Var = {sde['var']:.3g} and {other['var']:.3g})", claimsmod.format_mean_sem(ratio, ratio_se),
                 "< 1", f"ratio + 3 SE < 1", ratio + 3 * ratio_se < 1,
                 kind=claimsmod.PAPER_CLAIM if cid == "corlouer_fig4_C11" else claimsmod.CONSISTENCY_CHECK, location="Sec. 5.1, Fig. 4c", quote=QUOTE_VARIANCE if cid == "corlouer_fig4_C11" else "",
                 power=claimsmod.power(3 * ratio_se, 1.0, "equal variances"))
    # end of training: the law of w_0 at half the horizon and at the horizon (same seeds: paired differences)
    shifts, allowed = {}, {}
    for m in METHODS:
        x = ds[m].values  # (seed, snapshot)
        (dmean, dstd), (dmean_se, dstd_se) = jackknife(lambda y: np.array([y[:, -1].mean() - y[:, 0].mean(), y[:, -1].std(ddof=1) - y[:, 0].std(ddof=1)]), x)
        shifts[m] = max(abs(dmean), abs(dstd))
        allowed[m] = resolution + 3 * max(dmean_se, dstd_se)
    worst = max(METHODS, key=lambda m: shifts[m] / allowed[m])
    rows.add("corlouer_fig4_end_of_training", fig, f"the histograms no longer move at the chosen end of training t = {float(ds.snapshot[-1]):g}",
             f"largest change of mean or std of w_0 from t = {float(ds.snapshot[0]):g} to {float(ds.snapshot[-1]):g} over the four methods (worst: {LABELS[worst]}; "
             + ", ".join(f"{m}: {shifts[m]:.2g}" for m in METHODS) + ")", f"{shifts[worst]:.3g}", "0",
             f"resolution {resolution:g} + 3 SE of the paired change ({allowed[worst]:.3g} for the worst)", all(shifts[m] <= allowed[m] for m in METHODS),
             kind=claimsmod.CONSISTENCY_CHECK,
             power=claimsmod.power(max(allowed.values()), lan["std"], "laws still relaxing on the scale of the widest law"))
    rows.write(output)
