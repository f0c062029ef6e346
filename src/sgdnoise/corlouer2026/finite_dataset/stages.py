"""Corlouer et al. 2026, App. G: the noise covariance of minibatch gradients on a finite dataset, measured.

At recorded weights theta of an offline_sgd run (seed s trains on its own dataset of N samples), the per-sample
gradients g_i are projected on the teacher's mode directions a_alpha (Eq. 24): c_i = a_alpha^T g_i. The minibatch
noise covariance along the modes, a^T Sigma_b a, is measured as the covariance of the means of c over minibatches
drawn by the engine's own sampler (engine.minibatch_means, about the exact full-batch mean); the empirical one-sample
covariance a^T Sigma_N a = (1/N) sum_i (c_i - c_bar)(c_i - c_bar)^T is exact; Prop. 3.2's population a^T Sigma a comes
from theory.modewise_diffusion_matrix. Traces over the modes are compared: App. G predicts
tr Sigma_b / tr Sigma_N = (N - b) / (b (N - 1)) without replacement (1 / b with)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import claims as claimsmod, io, seeding
from ..balance import open_run, run_weights
from ..fig6.stages import k_se, mean_sem

PAPER, SECTION = "Corlouer2026", "App. G"
QUOTE_FACTOR = ("The batch is sampled without replacement from a finite dataset D_N = (x_i, y_i)_{i=1}^N, so the covariance matrix for batch "
                "sizes 1 < b has a finite-population correction rather than a 1/b factor.")
QUOTE_POPULATION = ("The calculation of the covariance matrix takes expectations over the data distribution. In the finite dataset case, the "
                    "covariance matrix therefore differ. As the dataset size N tends to infinity, the statistics converge due to the law of large numbers.")


def finite_population_factor(n: int, b):
    """(N - b) / (b (N - 1)) (App. G.1)."""
    b = np.asarray(b, dtype=float)
    return (n - b) / (b * (n - 1))


def per_sample_mode_gradients(weights, inputs, labels, u, v) -> np.ndarray:
    """c (N, mode): a_alpha^T grad_theta of 1/2 ||y_i - W x_i||^2, per sample (engine parameter order)."""
    from ...noise_covariance import partial_products
    from ..theory import mode_gradient

    prefix, suffix = partial_products(weights)
    product = weights[-1] @ prefix[-1]
    residual = labels - inputs @ product.T  # (N, d_L)
    grads = np.concatenate([-np.einsum("ni,nj->nij", residual @ q, inputs @ a.T).reshape(len(inputs), -1) for a, q in zip(prefix, suffix)], axis=1)
    directions = np.stack([mode_gradient(weights, u[:, k], v[:, k]) for k in range(u.shape[1])])
    return grads @ directions.T


def noise_statistics(train_paths: list[str], output: str, *, key: str, sgd_seed: int, data_seed: int, teacher_singular_values: list[float],
                     dataset_size: int, label_noise_variance: float, replacement: bool, probe_times: list[float], batch_sizes: list[int],
                     n_batches: int, modes: int, provenance: dict) -> None:
    """tr a^T Sigma_b a (measured, with its SE over minibatches), tr a^T Sigma_N a and Prop. 3.2's tr a^T Sigma a per
    seed, probe time and batch size; minibatches drawn from stream "probe" keyed by time and b."""
    from ... import engine
    from ..runs import fixed_dataset, teacher_matrix
    from ..theory import modewise_diffusion_matrix, teacher_modes

    run = open_run(train_paths)
    weights = run_weights(run)
    widths = [weights[0].shape[-1]] + [w.shape[-2] for w in weights]
    teacher = teacher_matrix(widths, teacher_singular_values)
    u, _, v = teacher_modes(teacher)
    u, v = u[:, :modes], v[:, :modes]
    seeds = [int(s) for s in run.seed.values]
    inputs, labels = fixed_dataset([seeding.generator(data_seed, key, "default", s, "data") for s in seeds], teacher, dataset_size,
                                   float(np.sqrt(label_noise_variance)))
    index = [int(np.flatnonzero(np.isclose(run.time.values, t))[0]) for t in probe_times]
    shape = (len(seeds), len(index), len(batch_sizes))
    batch, batch_sem = np.empty(shape), np.empty(shape)
    dataset, population = np.empty(shape[:2]), np.empty(shape[:2])
    for i, s in enumerate(seeds):
        for j, k in enumerate(index):
            at = [w[i, k] for w in weights]
            c = per_sample_mode_gradients(at, inputs[i], labels[i], u, v)
            mean = c.mean(axis=0)
            dataset[i, j] = np.sum((c - mean) ** 2) / len(c)
            population[i, j] = np.trace(modewise_diffusion_matrix(at, teacher, beta=1.0, label_noise_variance=label_noise_variance, modes=np.arange(modes)))
            for m, b in enumerate(batch_sizes):
                rng = seeding.generator(sgd_seed, key, "default", s, f"probe_t{probe_times[j]:g}_b{b}")
                squares = np.sum((engine.minibatch_means(c, b, n_batches, replacement, rng) - mean) ** 2, axis=1)
                batch[i, j, m] = squares.mean()
                batch_sem[i, j, m] = squares.std(ddof=1) / np.sqrt(n_batches)
    ds = xr.Dataset(
        {"batch_noise": (("seed", "probe", "batch_size"), batch, {"long_name": "tr a^T Sigma_b a: variance of minibatch means of a^T g_i (measured)", "units": "1"}),
         "batch_noise_sem": (("seed", "probe", "batch_size"), batch_sem, {"long_name": "standard error of batch_noise over the minibatches", "units": "1"}),
         "dataset_noise": (("seed", "probe"), dataset, {"long_name": "tr a^T Sigma_N a: the dataset's one-sample covariance (1/N)", "units": "1"}),
         "population_noise": (("seed", "probe"), population, {"long_name": "tr a^T Sigma a of Prop. 3.2 (population)", "units": "1"})},
        coords={"seed": seeds, "probe": list(probe_times), "batch_size": list(batch_sizes)},
        attrs=io.provenance(provenance, dataset_size=dataset_size, replacement=int(replacement), n_batches=n_batches))
    io.write_netcdf(ds, output)


def summarize(statistics_paths: list[str], output: str, *, samplings: list[str], provenance: dict) -> None:
    parts = [io.open_dataset(p) for p in statistics_paths]
    ds = xr.concat(parts, dim="sampling", combine_attrs="drop").assign_coords(sampling=samplings)
    ds.attrs = io.provenance(provenance, dataset_size=int(parts[0].attrs["dataset_size"]))
    io.write_netcdf(io.keep_variable_attrs(ds, parts), output)  # combine_attrs="drop" dropped them


def measured_factor(ds, sampling: str) -> np.ndarray:
    """(seed, batch_size): tr Sigma_b / tr Sigma_N, averaged over the probe times of each seed."""
    c = ds.sel(sampling=sampling)
    return (c.batch_noise / c.dataset_noise).mean("probe").values


def claims(summary_path: str, output: str) -> None:
    ds = io.open_dataset(summary_path)
    table = claimsmod.ClaimTable(PAPER, SECTION)
    n = int(ds.attrs["dataset_size"])
    b = ds.batch_size.values
    n_seeds = ds.sizes["seed"]
    inner = b < n
    for sampling, expected, rival, rival_name in (("without", finite_population_factor(n, b), 1.0 / b, "the online 1/b"),
                                                  ("with", 1.0 / b, finite_population_factor(n, b), "the without-replacement (N-b)/(b(N-1))")):
        factor = measured_factor(ds, sampling)
        deviation, deviation_sem = mean_sem(factor[:, inner] / expected[inner] - 1)
        worst, limit = claimsmod.max_abs_t(deviation, deviation_sem, n_seeds)
        effect = np.abs(rival[inner] / expected[inner] - 1)
        k = int(np.argmax(effect / deviation_sem))
        text = ", ".join(f"b = {bb}: {claimsmod.format_mean_sem(m, e)}" for bb, m, e in zip(b, *mean_sem(factor)))
        holds = worst <= limit
        if sampling == "without" and not inner.all():
            full = float(np.max(np.abs(factor[:, ~inner])))
            text += f"; b = N: max {full:.2g}"
            holds = holds and full < 1e-12
        kind = dict(kind=claimsmod.PAPER_CLAIM, location="App. G.1", quote=QUOTE_FACTOR) if sampling == "without" else dict(kind=claimsmod.CONSISTENCY_CHECK)
        table.add(f"corlouer_finite_dataset_factor_{sampling}_replacement", "App. G figure",
                  f"Minibatches of b from N = {n} samples {sampling} replacement: tr Sigma_b = "
                  + ("(N - b) / (b (N - 1))" if sampling == "without" else "1 / b") + " tr Sigma_N (Sigma_N the dataset's one-sample covariance)",
                  "measured factor tr Sigma_b / tr Sigma_N along the teacher's modes, mean over seeds (datasets) and probe times",
                  text + f"; max |t| of the relative deviation {worst:.3g}",
                  ("(N - b) / (b (N - 1))" if sampling == "without" else "1 / b") + (" (0 at b = N)" if sampling == "without" else ""),
                  f"|t| <= {limit:.3g} (Bonferroni over {int(inner.sum())} b, 1 %)", holds,
                  power=claimsmod.power(limit * deviation_sem[k], effect[k], f"{rival_name} (at b = {b[inner][k]})"), **kind)

    c = ds.sel(sampling="without")
    ratio = (c.batch_noise / c.population_noise).values[:, :, inner] / finite_population_factor(n, b[inner])
    pooled, pooled_sem = mean_sem(ratio.mean(axis=(1, 2)))
    empirical, empirical_sem = mean_sem((c.dataset_noise / c.population_noise).mean("probe").values)
    k = k_se(n_seeds)
    tol = claimsmod.tolerance(pooled_sem, k)
    table.add("corlouer_finite_dataset_factor_times_prop32", "App. G figure",
              f"Without replacement, N = {n}: Prop. 3.2's population Sigma times (N - b) / (b (N - 1)) predicts the minibatch noise "
              "(App. G.2 warns that the dataset's covariance differs at finite N: this row measures by how much)",
              "tr Sigma_b / ((N - b) / (b (N - 1)) tr Sigma_Prop3.2) at the runs' weights, pooled over b < N and probe times, mean over seeds (datasets)",
              f"{claimsmod.format_mean_sem(pooled, pooled_sem)} (tr Sigma_N / tr Sigma_Prop3.2 = {claimsmod.format_mean_sem(empirical, empirical_sem)})",
              "1", f"{k:.3g} SE = {tol:.2g}", claimsmod.within(pooled - 1, pooled_sem, k), kind=claimsmod.PAPER_CLAIM,
              power=claimsmod.power(tol, 1 / np.sqrt(n), "a deviation of 1/sqrt(N), the law-of-large-numbers scale of App. G.2"),
              location="App. G.2", quote=QUOTE_POPULATION)
    table.write(output)
