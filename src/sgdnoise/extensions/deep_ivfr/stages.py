"""Extension of Gross et al. 2024 Sec. III C to deeper linear networks (their Sec. IV expects the rank deficiency and the
fluctuation anisotropy to hold there): per layer of depth-L networks with one output, the stationary weight covariance of
SGD (its spectrum, its rank, how much of it lies in the linearised theory's range) and the IVFR exponent psi, against the
linearised theory of `theory` (the Lyapunov equation (3.29) about the window-mean weights, and its closed form (3.30)).

psi as gross2024.ivfr: along directions a of one layer, kappa(a) is the loss curvature (exact: L is quadratic in one
layer's weights), F = kappa^(-1/2) the flatness, and psi the slope of -log variance against log F, fitted per seed
(psi_fit). Directions: (i) the eigenvectors of the Lyapunov covariance of the layer, variance = SGD's window covariance
along them (Rayleigh quotients: unbiased, unlike sample eigenvalues, which spread like Marchenko-Pastur when the window
holds few relaxation times per dimension); (ii) the eigenvectors of SGD's own window covariance (its eigenvalues).
Only the structural range of each layer counts (rank J_l modes). The x axis rho = kappa / (sigma_x^2 |W_>1|^2) is
D1_ii / D2 at depth 2.

Stages: deep_linear_dataset runs (depth x init_scale) -> extract_statistics (per point) -> summarize -> claims;
extensions.deep_ivfr.plot renders the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod
from ... import io
from ...gross2024.ivfr.stages import psi_fit
from ...statistics import mean_and_sem, rayleigh_quotients, sorted_eigh
from . import theory
from .runs import open_runs

BASES = ("theory", "sample")  # directions of the psi fits: eigenvectors of the Lyapunov covariance, of SGD's window covariance


def layer_role(layer: int, depth: int) -> str:
    """first (l = 1), last (l = L) or middle."""
    return "first" if layer == 1 else "last" if layer == depth else "middle"


def point_statistics(runs: xr.Dataset, data: xr.Dataset, *, learning_rate: float, batch_size: int, minibatch_replacement: bool,
                     label_noise_variance: float, rank_threshold: float) -> xr.Dataset:
    """Per seed and layer at one point (depth, init scale): the sorted spectra of SGD's window covariance, of the Lyapunov
    theory and of the projector (3.30) at the window-mean weights; the structural rank rank J_l; the numerical rank of SGD's
    covariance (eigenvalues above rank_threshold x the largest); the share of its trace in the theory's range; per range
    mode, variance and curvature along the theory's and along SGD's eigenvectors, and rho."""
    data = data.sel(seed=runs.seed)
    depth = int(runs.depth)
    record_every, n_records = int(runs.attrs["record_every"]), int(runs.n_records)
    n_in = runs.sizes["in1"]
    input_variance = 1.0 / n_in
    level = learning_rate * label_noise_variance / (2.0 * batch_size)  # lambda sigma_y^2 / 2S (3.30, 3.42)
    sizes = [runs.sizes[f"entry{l + 1}"] for l in range(depth)]
    n_modes, n_range = max(sizes), n_in
    keys = ("sample_spectrum", "theory_spectrum", "projector_spectrum", "theory_variance", "window_variance", "theory_curvature", "theory_rayleigh",
            "sample_curvature", "theory_ratio", "sample_ratio")
    out = {k: np.full((runs.sizes["seed"], depth, n_range if k not in ("sample_spectrum", "theory_spectrum", "projector_spectrum") else n_modes), np.nan)
           for k in keys}
    scalars = {k: np.full((runs.sizes["seed"], depth), np.nan) for k in ("structural_rank", "numerical_rank", "range_share", "range_trace_ratio",
                                                                          "trace_ratio", "balance", "step_curvature", "curvature_spread")}
    X, y = data.inputs.values, data.labels.values
    for s in range(runs.sizes["seed"]):
        layers = [runs[f"window_mean_weights_{l + 1}"].values[s] for l in range(depth)]
        sigma_xx = X[s].T @ X[s] / X.shape[1]
        basis, drift, M = theory.lyapunov_reduced(layers, X[s], y[s], learning_rate=learning_rate, batch_size=batch_size, replacement=minibatch_replacement)
        lyapunov = theory.layer_blocks(basis, M, layers)
        windowed = theory.layer_blocks(basis, theory.window_expectation(drift, M, learning_rate=learning_rate, record_every=record_every,
                                                                        n_records=n_records), layers)
        projector = theory.projector_layer_covariances(layers, level)
        ranks = theory.structural_ranks(layers)
        step_curvature = learning_rate * np.linalg.eigvalsh(drift).max()  # lambda x the largest eigenvalue of H
        _, suffix = theory.partial_products(layers)
        for l in range(depth):
            cov = runs[f"window_covariance_{l + 1}"].values[s]
            values, vectors = sorted_eigh(cov)
            t_values, t_vectors = sorted_eigh(lyapunov[l])
            r = ranks[l]
            out["sample_spectrum"][s, l, : sizes[l]] = values
            out["theory_spectrum"][s, l, : sizes[l]] = t_values
            out["projector_spectrum"][s, l, : sizes[l]] = np.linalg.eigvalsh(projector[l])[::-1]
            along = t_vectors[:, :r]
            out["theory_variance"][s, l, :r] = t_values[:r]
            out["theory_rayleigh"][s, l, :r] = rayleigh_quotients(cov, along)
            out["window_variance"][s, l, :r] = rayleigh_quotients(windowed[l], along)
            out["theory_curvature"][s, l, :r] = theory.layer_curvature(layers, l, along.T, sigma_xx)
            out["sample_curvature"][s, l, :r] = theory.layer_curvature(layers, l, vectors[:, :r].T, sigma_xx)
            out["theory_ratio"][s, l, :r] = theory.depth_two_ratio(out["theory_curvature"][s, l, :r], layers, input_variance)
            out["sample_ratio"][s, l, :r] = theory.depth_two_ratio(out["sample_curvature"][s, l, :r], layers, input_variance)
            scalars["structural_rank"][s, l] = r
            scalars["numerical_rank"][s, l] = np.count_nonzero(values > rank_threshold * values[0])
            scalars["range_share"][s, l] = out["theory_rayleigh"][s, l, :r].sum() / np.trace(cov)
            scalars["range_trace_ratio"][s, l] = out["theory_rayleigh"][s, l, :r].sum() / out["window_variance"][s, l, :r].sum()
            scalars["trace_ratio"][s, l] = np.trace(cov) / np.trace(lyapunov[l])
            scalars["balance"][s, l] = float(suffix[l] @ suffix[l])
            scalars["step_curvature"][s, l] = step_curvature
            with np.errstate(divide="ignore"):
                scalars["curvature_spread"][s, l] = np.std(np.log(out["theory_curvature"][s, l, :r])) / np.std(np.log(out["theory_rayleigh"][s, l, :r]))
    layer = np.arange(1, depth + 1)
    attrs = {
        "sample_spectrum": "eigenvalues of SGD's window covariance of vec W_l, descending",
        "theory_spectrum": "eigenvalues of the Lyapunov covariance (3.29) of vec W_l at the window mean, descending",
        "projector_spectrum": "eigenvalues of the layer block of (lambda sigma_y^2 / 2S) J^T G^-1 J (3.30), descending",
        "theory_variance": "Lyapunov eigenvalue of a range mode (the theory's variance along its eigenvector)",
        "window_variance": "the theory's expectation of the window covariance (about its trend, window_expectation) along the Lyapunov eigenvector",
        "theory_rayleigh": "SGD's window covariance along the Lyapunov eigenvector (Rayleigh quotient)",
        "theory_curvature": "loss curvature kappa along the Lyapunov eigenvector (exact, on the data)",
        "sample_curvature": "loss curvature kappa along the eigenvector of SGD's window covariance",
        "theory_ratio": "rho = kappa / (sigma_x^2 |W_>1|^2) along the Lyapunov eigenvector (D1_ii / D2 at depth 2)",
        "sample_ratio": "rho along the eigenvector of SGD's window covariance",
    }
    scalar_attrs = {
        "structural_rank": ("rank J_l = rank W_<l: the rank of the linearised covariance of layer l", "count"),
        "numerical_rank": (f"eigenvalues of SGD's window covariance above {rank_threshold:g} x the largest", "count"),
        "range_share": ("share of tr cov(vec W_l) in the span of the theory's rank J_l eigenvectors", "1"),
        "range_trace_ratio": ("SGD's covariance traced over the theory's range eigenvectors / the theory's finite-window expectation of it", "1"),
        "trace_ratio": ("tr cov(vec W_l) of SGD / tr of the Lyapunov covariance", "1"),
        "balance": ("|W_>l|^2 at the window mean", "1"),
        "step_curvature": ("lambda x the largest eigenvalue of H = J^T Sigma J (the discrete-time correction's order)", "1"),
        "curvature_spread": ("std of log kappa / std of log SGD variance over the range modes along the theory's eigenvectors (psi = 2: 1)", "1"),
    }
    variables = {k: (("seed", "layer", "mode" if "spectrum" in k else "range_mode"), v, {"long_name": attrs[k], "units": "1"})
                 for k, v in out.items()}
    variables |= {k: (("seed", "layer"), v, {"long_name": scalar_attrs[k][0], "units": scalar_attrs[k][1]}) for k, v in scalars.items()}
    drift = [np.linalg.norm(runs[f"half_window_mean_weights_{l + 1}"].diff("half").values[:, 0].reshape(runs.sizes["seed"], -1), axis=1)
             / np.sqrt(np.trace(runs[f"window_covariance_{l + 1}"].values, axis1=1, axis2=2)) for l in range(depth)]
    variables["half_window_drift"] = (("seed", "layer"), np.stack(drift, axis=1),
                                      {"long_name": "|mean(second half) - mean(first half)| of vec W_l / sqrt(tr cov): the quasi-stationary drift", "units": "1"})
    return xr.Dataset(variables, coords={"seed": runs.seed.values, "layer": layer, "mode": np.arange(n_modes), "range_mode": np.arange(n_range)},
                      attrs={"level": level, "n_in": n_in, "n_records": int(runs.n_records)})


# ------------------------------------------------------------------------------------------ psi fits and summary
REGIMES = ("range", "small", "comparable")  # every range mode; rho < small_ratio (D1 << D2); rho within comparable_ratio (D1 ~ D2)
FIT_BASES = {"sgd": ("theory_rayleigh", "theory_curvature", "theory_ratio"),  # SGD's variance along the theory's eigenvectors
             "sample": ("sample_spectrum", "sample_curvature", "sample_ratio"),  # SGD's eigenvalues along its own eigenvectors
             "theory": ("theory_variance", "theory_curvature", "theory_ratio"),  # the Lyapunov covariance itself
             "window": ("window_variance", "theory_curvature", "theory_ratio")}  # its expectation over the finite window


def regime_masks(ratio: np.ndarray, small_ratio: float, comparable_ratio: list[float]) -> dict[str, np.ndarray]:
    finite = np.isfinite(ratio)
    with np.errstate(invalid="ignore"):
        return {"range": finite, "small": finite & (ratio < small_ratio),
                "comparable": finite & (ratio >= comparable_ratio[0]) & (ratio <= comparable_ratio[1])}


def point_fits(stats: xr.Dataset, *, small_ratio: float, comparable_ratio: list[float], min_modes: int) -> xr.Dataset:
    """psi per seed, layer, regime and basis (FIT_BASES), the modes each fit used and their median rho."""
    n_seeds, n_layers = stats.sizes["seed"], stats.sizes["layer"]
    n_range = stats.sizes["range_mode"]
    shape = (n_seeds, n_layers, len(REGIMES), len(FIT_BASES))
    psi, count, median = np.full(shape, np.nan), np.zeros(shape, dtype=int), np.full(shape, np.nan)
    for b, (variance, curvature, ratio) in enumerate(FIT_BASES.values()):
        v, k, r = (stats[name].values[..., :n_range] for name in (variance, curvature, ratio))
        for s in range(n_seeds):
            for l in range(n_layers):
                for g, keep in enumerate(regime_masks(r[s, l], small_ratio, comparable_ratio).values()):
                    psi[s, l, g, b] = psi_fit(v[s, l], k[s, l], keep, min_modes)
                    count[s, l, g, b] = int(keep.sum())
                    median[s, l, g, b] = np.median(r[s, l][keep]) if keep.any() else np.nan
    dims = ("seed", "layer", "regime", "basis")
    return xr.Dataset({"psi": (dims, psi, {"long_name": "IVFR exponent psi: -slope of log variance against log F, F = kappa^(-1/2)", "units": "1"}),
                       "fit_modes": (dims, count, {"long_name": "modes in the fit's regime", "units": "count"}),
                       "fit_ratio": (dims, median, {"long_name": "median rho of the fit's modes", "units": "1"})},
                      coords={"seed": stats.seed.values, "layer": stats.layer.values, "regime": list(REGIMES), "basis": list(FIT_BASES)})


def engine_difference(two_layer: xr.Dataset, deep: xr.Dataset) -> tuple[float, float]:
    """Largest relative difference (initial, final) of W1, W2 between a two_layer run and the depth-2 deep run of the same
    streams, over their common seeds: rounding only if both engines compute the same trajectory."""
    seeds = np.intersect1d(two_layer.seed.values, deep.seed.values)
    a, b = two_layer.sel(seed=seeds), deep.sel(seed=seeds)
    out = []
    for when in ("initial", "final"):
        first, second = a[f"{when}_first_layer"].values, a[f"{when}_second_layer"].values
        other_first, other_second = b[f"{when}_weights_1"].values, b[f"{when}_weights_2"].values[:, 0]
        scale = max(np.abs(first).max(), np.abs(second).max())
        out.append(float(max(np.abs(first - other_first).max(), np.abs(second - other_second).max()) / scale))
    return out[0], out[1]


def summarize(train_paths: list[str], data_paths: list[str], output: str, *, two_layer_paths: list[str], two_layer_summary_paths: list[str], learning_rate: float,
              batch_size: int, minibatch_replacement: bool, label_noise_variance: float, rank_threshold: float, small_ratio: float,
              comparable_ratio: list[float], min_modes: int, provenance: dict) -> None:
    """Statistics and psi fits of every point (depth x init_scale) of the run, on the dimensions depth, init_scale, seed,
    layer (NaN above a point's depth); the depth-2 points against the two-layer engine's runs of the same streams
    (`two_layer_paths`) and its psi (gross2024_ivfr's summary, if given)."""
    data = {}
    for path in data_paths:
        d = io.open_dataset(path)
        data[(int(d.N), int(d.P))] = d
    groups: dict[tuple, list[str]] = {}
    for path in train_paths:
        with io.open_dataset(path) as d:
            groups.setdefault((int(d.depth), float(d.init_scale), int(d.N), int(d.P)), []).append(path)
    parts, n_hidden, level, n_in, n_records = [], None, None, None, {}
    for (depth, scale, N, P), paths in sorted(groups.items()):
        runs = open_runs(paths)
        stats = point_statistics(runs, data[(N, P)], learning_rate=learning_rate, batch_size=batch_size, minibatch_replacement=minibatch_replacement,
                                 label_noise_variance=label_noise_variance, rank_threshold=rank_threshold)
        fits = point_fits(stats, small_ratio=small_ratio, comparable_ratio=comparable_ratio, min_modes=min_modes)
        n_hidden, level, n_in, n_records[(depth, scale)] = int(runs.n_hidden), stats.attrs["level"], stats.attrs["n_in"], stats.attrs["n_records"]
        point = xr.merge([stats.drop_attrs(deep=False), fits]).expand_dims(depth=[depth], init_scale=[scale])
        if depth == 2:
            for path in two_layer_paths:
                with io.open_dataset(path) as other:
                    steps = [int(d.attrs["burn_in_steps"]) + int(d.attrs["measure_steps"]) for d in (other, runs)]
                    if float(other.init_scale) == scale and int(other.n_hidden) == n_hidden and steps[0] == steps[1]:  # the same trajectory
                        initial, final = engine_difference(other, runs)
                        point["engine_initial_difference"] = (("depth", "init_scale"), [[initial]], {"long_name": "max |W(two_layer) - W(deep)| / max |W| at t = 0", "units": "1"})
                        point["engine_final_difference"] = (("depth", "init_scale"), [[final]], {"long_name": "the same after the last step", "units": "1"})
        parts.append(point)
    layers = np.arange(1, max(p.sizes["layer"] for p in parts) + 1)
    summary = xr.merge([p.reindex(layer=layers) for p in parts], join="outer", compat="no_conflicts", combine_attrs="drop")
    for name in ("engine_initial_difference", "engine_final_difference"):
        if name in summary:
            summary[name] = summary[name].sel(depth=2, drop=True)
    for path in two_layer_summary_paths:  # none or gross2024_ivfr's
        other = io.open_dataset(path)
        if n_hidden not in other.n_hidden.values:
            continue
        other = other.sel(n_hidden=n_hidden)
        common = [c for c in summary.init_scale.values if c in other.init_scale.values]
        psi = other.psi.sel(init_scale=common, regime=["small", "comparable"]).rename(regime="two_layer_regime")
        summary["two_layer_psi"] = psi.reindex(init_scale=summary.init_scale.values, seed=summary.seed.values).assign_attrs(
            long_name="psi of the two-layer engine's run (gross2024_ivfr, same N_h), along the columns of A", units="1")
    summary = summary.assign_coords(role=(("depth", "layer"), [[layer_role(int(l), int(d)) if l <= d else "none" for l in layers] for d in summary.depth.values]))
    summary.attrs = io.provenance(provenance, level=level, n_in=n_in, n_hidden=n_hidden, small_ratio=small_ratio, comparable_lower=comparable_ratio[0],
                                  comparable_upper=comparable_ratio[1], rank_threshold=rank_threshold, min_records=min(n_records.values()))
    io.write_netcdf(io.keep_variable_attrs(summary, parts), output)


# ----------------------------------------------------------------------------------------------------- claims
QUOTE = "We expect this general consequence of the network structure to also hold for deeper linear networks."
LOCATION = "Sec. IV, conclusion (2)"
FIGURE = "extensions_deep_ivfr"
PAPER_PSI = 2.0
FLAT_SPREAD = 0.1  # the first-layer row's hypothesis: curvature spread below a tenth of the variance spread
ROUNDING = 1e-9  # two engines summing the same products in other orders: float64 rounding, far below any difference of trajectories


def _layer_points(ds: xr.Dataset, role: str, variable: str, **select):
    """(depth, init_scale, layer, values over seeds) for every layer of `role` at every point, NaN seeds dropped."""
    for d in ds.depth.values:
        for c in ds.init_scale.values:
            for l in ds.layer.values:
                if str(ds.role.sel(depth=d, layer=l).values) != role:
                    continue
                values = ds[variable].sel(depth=d, init_scale=c, layer=l, **select).values
                yield int(d), float(c), int(l), values[np.isfinite(values)]


def _label(d: int, c: float, l: int) -> str:
    return f"L = {d}, c = {c:g}, W{l}"


def _psi_rows(rows, ds, role: str, regime: str, claim_id: str, statement: str, rival: str, *, expect_below: bool = False) -> None:
    """psi of every layer of `role` in `regime`, per point mean +- SE over seeds, against psi = 2 (or, `expect_below`, below 2)."""
    points = [(d, c, l, v, ds.fit_ratio.sel(depth=d, init_scale=c, layer=l, regime=regime, basis="sgd").values)
              for d, c, l, v in _layer_points(ds, role, "psi", regime=regime, basis="sgd")]
    points = [(d, c, l, v, r) for d, c, l, v, r in points if v.size >= 2]
    common = dict(kind=claimsmod.EXTENSION, quote=QUOTE, location=LOCATION)
    if not points:
        rows.add(claim_id, FIGURE, statement, f"no point has at least two seeds' fits of the {role} layer in the regime {regime}", "none",
                 f"{PAPER_PSI:g}", "none", False, power=claimsmod.power(np.inf, PAPER_PSI, rival), **common)
        return
    stats = [(d, c, l, *mean_and_sem(v), v.size, float(np.nanmax(r))) for d, c, l, v, r in points]
    limit = claimsmod.bonferroni_t_limit(min(s[5] for s in stats), len(stats))
    text = "; ".join(f"{_label(d, c, l)}: {claimsmod.format_mean_sem(m, e)} ({n} seeds, median rho up to {r:.2g})" for d, c, l, m, e, n, r in stats)
    means, sems, ratios = (np.array([s[i] for s in stats]) for i in (3, 4, 6))
    theory_psi = [tuple(float(np.nanmean(ds.psi.sel(depth=d, init_scale=c, layer=l, regime=regime, basis=b).values)) for b in ("theory", "window"))
                  for d, c, l, *_ in stats]
    text += "; the linearised theory's psi on the same modes, stationary / over the window: " + ", ".join(f"{a:.3g} / {b:.3g}" for a, b in theory_psi)
    if expect_below:
        tol = float(np.max(limit * sems))
        holds = bool(np.all(means + limit * sems < PAPER_PSI))
        rows.add(claim_id, FIGURE, statement, f"psi per seed (SGD's variance along the Lyapunov eigenvectors against their curvature), mean +- SE: {text}",
                 f"max {means.max():.3g}", f"< {PAPER_PSI:g} at every point", f"mean + {limit:.2f} SE (Bonferroni over {len(stats)} points) < 2; largest {tol:.2g}",
                 holds, power=claimsmod.power(tol, float(np.min(PAPER_PSI - means)), rival), **common)
        return
    bias = 2 * ratios  # the depth-2 bend 2 D2 / (D1 + D2) >= 2 (1 - rho) of (3.34) at the regime's rho
    tol = float(np.max(limit * sems + bias))
    rows.add(claim_id, FIGURE, statement, f"psi per seed (SGD's variance along the Lyapunov eigenvectors against their curvature), mean +- SE: {text}",
             f"{means.min():.3g} .. {means.max():.3g}", f"{PAPER_PSI:g} at every point",
             f"|psi - 2| <= {limit:.2f} SE (Bonferroni over {len(stats)} points) + 2 x the fitted modes' median rho (the bend of (3.34) at depth 2); largest {tol:.2g}",
             bool(np.all(np.abs(means - PAPER_PSI) <= limit * sems + bias)), power=claimsmod.power(tol, PAPER_PSI, rival), **common)


def _share_row(rows, ds, role: str, claim_id: str, share: float, statement: str) -> None:
    points = [(d, c, l, v) for d, c, l, v in _layer_points(ds, role, "range_share") if v.size >= 2]
    common = dict(kind=claimsmod.EXTENSION, quote=QUOTE, location=LOCATION)
    if not points:
        rows.add(claim_id, FIGURE, statement, f"no {role} layer with two seeds", "none", f">= {share:g}", "none", False,
                 power=claimsmod.power(np.inf, 1.0, "an isotropic covariance"), **common)
        return
    stats = [(d, c, l, *mean_and_sem(v), v.size) for d, c, l, v in points]
    limit = claimsmod.bonferroni_t_limit(min(s[5] for s in stats), len(stats))
    parts = []
    for d, c, l, m, e, n in stats:
        rank = ds.structural_rank.sel(depth=d, init_scale=c, layer=l).values
        numerical = ds.numerical_rank.sel(depth=d, init_scale=c, layer=l).values
        size = int(np.isfinite(ds.sample_spectrum.sel(depth=d, init_scale=c, layer=l).values[0]).sum())
        parts.append(f"{_label(d, c, l)}: {claimsmod.format_mean_sem(m, e)} in the rank-{int(np.nanmax(rank))} range of {size} dims, numerical rank "
                     f"{np.nanmean(numerical):.1f} (threshold {float(ds.attrs['rank_threshold']):g})")
    means, sems = np.array([s[3] for s in stats]), np.array([s[4] for s in stats])
    isotropic = max(float(np.nanmax(ds.structural_rank.sel(depth=d, init_scale=c, layer=l).values))
                    / np.isfinite(ds.sample_spectrum.sel(depth=d, init_scale=c, layer=l).values[0]).sum() for d, c, l, *_ in stats)
    tol = float(np.max(limit * sems))
    rows.add(claim_id, FIGURE, statement, "share of tr cov(vec W_l) of SGD in the span of the Lyapunov covariance's rank J_l eigenvectors, mean +- SE over seeds: "
             + "; ".join(parts), f"min {means.min():.3g}", f">= {share:g} at every point",
             f"refuted where mean + {limit:.2f} SE (Bonferroni over {len(stats)} points) < {share:g}; largest {tol:.2g}",
             bool(np.all(means + limit * sems >= share)),
             power=claimsmod.power(tol, share - isotropic, f"an isotropic covariance (share = rank / dims <= {isotropic:.2g})"), **common)


def claims(summary_path: str, output: str, *, range_share: float) -> None:
    """Claim rows of the deep-network extension (kind extension) and the depth-2 engine cross-check (README, 'How claims are judged')."""
    ds = io.open_dataset(summary_path)
    rows = claimsmod.ClaimTable("Gross2024", section="Sec. IV (deeper networks)")
    small = f"rho < {float(ds.attrs['small_ratio']):g}"
    comparable = f"{float(ds.attrs['comparable_lower']):g} <= rho <= {float(ds.attrs['comparable_upper']):g}"
    no_ivfr = "psi = 0: no IVFR (the first layer's flat curvature)"
    _psi_rows(rows, ds, "last", "small", "ext_deep_ivfr_last_psi_small",
              f"hypothesis: the last layer's psi = 2 at every depth where {small} (rho = kappa / (sigma_x^2 |W_>1|^2), D1_ii / D2 at depth 2), as Gross derive for depth 2", no_ivfr)
    _psi_rows(rows, ds, "middle", "small", "ext_deep_ivfr_middle_psi_small",
              f"hypothesis: the middle layers (depth 3, 4) show the IVFR too: psi = 2 where {small}", no_ivfr)
    _psi_rows(rows, ds, "last", "comparable", "ext_deep_ivfr_last_psi_comparable",
              f"hypothesis: where {comparable} (D1 ~ D2) the last layer's psi is below 2 at every depth, as (3.34) bends it at depth 2",
              "psi = 2 (no bend)", expect_below=True)
    # the first layer: the curvature along its N_i range modes is |W_>1|^2 e^T Sigma e, flat up to Sigma's sampling anisotropy,
    # while its variance spreads; a fitted slope psi is ill-conditioned there, so the row compares the spreads (Gross Fig. 9b)
    points = [(d, c, l, v) for d, c, l, v in _layer_points(ds, "first", "curvature_spread") if v.size >= 2]
    common = dict(kind=claimsmod.EXTENSION, quote=QUOTE, location=LOCATION)
    if points:
        stats = [(d, c, l, *mean_and_sem(v), v.size) for d, c, l, v in points]
        limit = claimsmod.bonferroni_t_limit(min(s[5] for s in stats), len(stats))
        means, sems = np.array([s[3] for s in stats]), np.array([s[4] for s in stats])
        last = [float(np.nanmean(ds.curvature_spread.sel(depth=d, init_scale=c, layer=d).values)) for d, c, *_ in stats]
        tol = float(np.max(limit * sems))
        rows.add("ext_deep_ivfr_first_layer_flat", FIGURE,
                 f"hypothesis: the first layer shows no IVFR at any depth (Gross Fig. 9b at depth 2): along its N_i range modes the loss curvature "
                 f"|W_>1|^2 e^T Sigma e is flat, varying less than {FLAT_SPREAD:g} x as much as the variance (std log kappa / std log variance; "
                 "the IVFR psi = 2 makes it 1)",
                 "std log kappa / std log variance over the first layer's range modes per seed, mean +- SE: "
                 + "; ".join(f"{_label(d, c, l)}: {claimsmod.format_mean_sem(m, e)}" for d, c, l, m, e, _ in stats)
                 + "; the same for the last layer: " + ", ".join(f"{x:.2g}" for x in last),
                 f"max {means.max():.3g}", f"< {FLAT_SPREAD:g} at every point", f"refuted where mean - {limit:.2f} SE (Bonferroni over {len(stats)}) >= {FLAT_SPREAD:g}; "
                 f"largest {tol:.2g}", bool(np.all(means - limit * sems < FLAT_SPREAD)),
                 power=claimsmod.power(tol, 1.0 - FLAT_SPREAD, "psi = 2 in the first layer (ratio 1)"), **common)
    _share_row(rows, ds, "first", "ext_deep_ivfr_rank_first", range_share,
               f"hypothesis: the first layer's covariance is rank deficient at every depth, rank N_i of N_h N_i: at least {range_share:g} of its trace in the "
               "theory's rank-N_i range (the rank of J_1 = W_>1^T kron 1)")
    _share_row(rows, ds, "middle", "ext_deep_ivfr_rank_middle", range_share,
               f"hypothesis: the middle layers' covariance is rank deficient, rank N_h of N_h^2: at least {range_share:g} of its trace in the theory's "
               "rank-N_h range (J_l = W_>l^T kron W_<l)")
    # the linearised theory's variance in the range, and its psi, against SGD's
    ratios = [(d, c, l, v, float(np.nanmax(ds.step_curvature.sel(depth=d, init_scale=c, layer=l).values)))
              for role in ("first", "middle", "last") for d, c, l, v in _layer_points(ds, role, "range_trace_ratio") if v.size >= 2]
    if ratios:
        stats = [(d, c, l, *mean_and_sem(v), v.size, b) for d, c, l, v, b in ratios]
        limit = claimsmod.bonferroni_t_limit(min(s[5] for s in stats), len(stats))
        means, sems, bias = (np.array([s[i] for s in stats]) for i in (3, 4, 6))
        bias = bias / 2  # the discrete-time Lyapunov equation differs from (3.29) at first order in lambda H: relative lambda kappa / 2
        tol = float(np.max(limit * sems + bias))
        rows.add("ext_deep_ivfr_lyapunov_variance", FIGURE,
                 "hypothesis: the linearised theory (Lyapunov equation (3.29) about the window-mean weights, exact noise of the data, expected over the "
                 "same finite window about its trend) gives every layer's variance in its range at every depth: SGD's covariance traced over the theory's "
                 "range eigenvectors / the theory's = 1",
                 "per layer, mean +- SE over seeds: " + "; ".join(f"{_label(d, c, l)}: {claimsmod.format_mean_sem(m, e)}" for d, c, l, m, e, *_ in stats),
                 f"{means.min():.3g} .. {means.max():.3g}", "1 at every layer and point",
                 f"|ratio - 1| <= {limit:.2f} SE (Bonferroni over {len(stats)}) + lambda kappa_max / 2 (discrete-time correction); largest {tol:.2g}",
                 bool(np.all(np.abs(means - 1) <= limit * sems + bias)), power=claimsmod.power(tol, 0.5, "a missing factor 2 (the 1/2 of (3.30))"), **common)
    differences = []
    for role in ("middle", "last"):
        for d, c, l, _ in _layer_points(ds, role, "psi", regime="range", basis="sgd"):
            diff = (ds.psi.sel(basis="sgd") - ds.psi.sel(basis="window")).sel(depth=d, init_scale=c, layer=l, regime="range").values
            diff = diff[np.isfinite(diff)]
            if diff.size >= 2:
                differences.append((d, c, l, *mean_and_sem(diff), diff.size,
                                    float(np.nanmean(ds.psi.sel(depth=d, init_scale=c, layer=l, regime="range", basis="window").values))))
    if differences:
        limit = claimsmod.bonferroni_t_limit(min(s[5] for s in differences), len(differences))
        means, sems, theory_psi = (np.array([s[i] for s in differences]) for i in (3, 4, 6))
        tol = float(np.max(limit * sems))
        rows.add("ext_deep_ivfr_psi_theory", FIGURE,
                 "hypothesis: the linearised theory's psi (its variance along its eigenvectors over the same finite window, all range modes of the layer) "
                 "is SGD's, for every layer above the first, depth and init scale: psi against depth and against rho is that of the Lyapunov covariance",
                 "SGD - theory, paired per seed, mean +- SE: " + "; ".join(f"{_label(d, c, l)}: {claimsmod.format_mean_sem(m, e)} (theory {t:.3g})"
                                                                          for d, c, l, m, e, _, t in differences),
                 f"max |diff| {np.abs(means).max():.3g}", "0 at every point", f"|diff| <= {limit:.2f} SE (Bonferroni over {len(differences)}); largest {tol:.2g}",
                 bool(np.all(np.abs(means) <= limit * sems)), power=claimsmod.power(tol, float(np.max(np.abs(theory_psi - PAPER_PSI))),
                                                                                   "psi = 2 everywhere (the theory's bend ignored)"), **common)
    _engine_row(rows, ds)
    rows.write(output)


def _engine_row(rows, ds) -> None:
    """Depth 2 on the deep-linear engine against the two-layer engine's run of the same streams."""
    if "engine_final_difference" not in ds:
        rows.add("ext_deep_ivfr_engine_depth2", FIGURE, "the deep-linear engine at depth 2 reproduces the two-layer engine (same starts and minibatches)",
                 "no depth-2 point shares its streams and its step count with the two-layer run", "none", f"<= {ROUNDING:g}", "none", False,
                 power=claimsmod.power(np.inf, 1.0, "different trajectories"), kind=claimsmod.CONSISTENCY_CHECK, location=LOCATION)
        return
    final = ds.engine_final_difference.values
    initial = ds.engine_initial_difference.values
    keep = np.isfinite(final)
    text = ", ".join(f"c = {c:g}: {f:.2g}" for c, f in zip(ds.init_scale.values[keep], final[keep]))
    holds = bool(np.all(final[keep] <= ROUNDING) and np.all(initial[keep] == 0))
    if "two_layer_psi" in ds:  # psi of the second layer along the columns of A there, along the Lyapunov eigenvectors here: the same modes
        for regime in ("small", "comparable"):
            for c in ds.init_scale.values[keep]:
                other = ds.two_layer_psi.sel(init_scale=c, two_layer_regime=regime).values
                mine = ds.psi.sel(depth=2, init_scale=c, layer=2, regime=regime, basis="sgd").values
                diff = (mine - other)[np.isfinite(mine - other)]
                if diff.size >= 2:
                    m, e = mean_and_sem(diff)
                    text += f"; psi ({regime}, c = {c:g}) here - two-layer engine, paired: {claimsmod.format_mean_sem(m, e)}"
    rows.add("ext_deep_ivfr_engine_depth2", FIGURE,
             "the deep-linear engine at depth 2 reproduces the two-layer engine's run of the same starts and minibatches (gross2024_ivfr at the same N_h)",
             f"max |W(two-layer) - W(deep)| / max |W| after the last step: {text}", f"max {final[keep].max():.2g}", "0 up to rounding",
             f"identical starts, final weights within {ROUNDING:g} relative (float64 rounding of the two kernels' sums)", holds,
             power=claimsmod.power(ROUNDING, 1e-2, "independent trajectories (differing by the fluctuations, ~1e-2 relative)"),
             kind=claimsmod.CONSISTENCY_CHECK, location=LOCATION)
