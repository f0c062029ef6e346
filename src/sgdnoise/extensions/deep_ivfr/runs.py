"""The deep_linear_dataset runs of the catalogue: minibatch SGD (Gross Eq. 3.5) of y = W_L ... W_1 x with one output,
widths (N_i, N_h, ..., N_h, 1), on a dataset with pure-noise labels (Gross Sec. III at depth L), seed s on data
realization s, by engine.deep_linear_offline_sgd (per-sample loss 1/2 (y - W x)^2, minibatch mean, step lambda: Eq. 3.1).

Random streams keyed (key, stream_point, seed, stream), stream_point the two-layer label of the point (without the
depth): "init" (W_l ~ N(0, c / d_(l-1)) entrywise, l = 1..L in order; at depth 2 exactly the draws of
two_layer_runs.initial_weights) and "sgd" (the minibatch uniforms, S per step, as the two-layer kernel draws them). So
depth 2 under a two_layer run's key follows that run's trajectory (an engine cross-check), and the depths of one point
share their first layer's start and their minibatches (paired across depth).

Two engine calls on the same generators (the streams carry on, so with replacement the trajectory is that of one
call): the burn-in, recording the product and the training loss every record_every steps, then the window, recording
every layer's weights too. The window statistics (means, half-window means, per-layer covariances) are taken here from
the window's records; relaxation takes >= 1e3 steps, so records every ~50 steps lose nothing.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import io, seeding
from ...progress import progress_reporter
from ...gross2024.runs import open_runs  # noqa: F401  (the reader of this family: seed blocks of one point concatenated along seed)
from ...statistics import check_finite, stops_on_divergence


def network_widths(n_in: int, n_hidden: int, depth: int) -> list[int]:
    """(N_i, N_h, ..., N_h, 1): depth weight layers, one output."""
    return [n_in] + [n_hidden] * (depth - 1) + [1]


def initial_weights(rngs: list[np.random.Generator], widths: list[int], init_scale: float) -> list[np.ndarray]:
    """Per layer (n_seeds, d_l, d_(l-1)) with entries N(0, c / d_(l-1)), each seed from its own generator, layer 1 first."""
    layers = [np.empty((len(rngs), d_out, d_in)) for d_in, d_out in zip(widths[:-1], widths[1:])]
    for s, rng in enumerate(rngs):
        for w, d_in in zip(layers, widths[:-1]):
            w[s] = rng.normal(0.0, np.sqrt(init_scale / d_in), w.shape[1:])
    return layers


def window_statistics(weights: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    """From per-layer window records (n_seeds, n_records, d_l, d_(l-1)), equally spaced: the window mean, the means over
    each half (the first holds n_records // 2 records), the change of the least-squares linear trend over the window
    (slope x n_records) and the covariance of vec_row W_l about that trend, per layer. The weights drift along the
    minimum manifold while the loss is stationary (Gross Sec. III C 2); a trend u t over the window would add
    u u^T var(t) to the covariance about the mean."""
    out = {"mean": [], "halves": [], "trend": [], "covariance": []}
    for w in weights:
        n_seeds, n = w.shape[:2]
        flat = w.reshape(n_seeds, n, -1)
        mean = flat.mean(axis=1)
        time = np.arange(n) - (n - 1) / 2
        slope = np.einsum("t,sti->si", time, flat) / (time @ time)
        residual = flat - mean[:, None] - time[None, :, None] * slope[:, None]
        out["mean"].append(mean.reshape(n_seeds, *w.shape[2:]))
        half = n // 2
        out["halves"].append(np.stack([w[:, :half].mean(axis=1), w[:, half:].mean(axis=1)], axis=1))
        out["trend"].append((slope * n).reshape(n_seeds, *w.shape[2:]))
        out["covariance"].append(np.matmul(residual.transpose(0, 2, 1), residual) / n)  # BLAS: 500 x 500 per seed
    return out


def train(data_path: str, output: str, *, key: str, point: str, seeds: list[int], sgd_seed: int, depth: int, n_hidden: int, init_scale: float,
          learning_rate: float, batch_size: int, minibatch_replacement: bool, burn_in_steps: int, measure_steps: int, record_every: int,
          chunk_steps: int, threads: int, provenance: dict) -> None:
    """One block of seeds of a deep_linear_dataset run: initial and final weights, the window statistics of every layer
    and the training loss every record_every steps."""
    import numba

    from ... import engine  # compiled kernels: imported only by the jobs that train

    numba.set_num_threads(threads)
    data = io.open_dataset(data_path).sel(seed=seeds)
    inputs, labels = data.inputs.values, data.labels.values[..., None]
    widths = network_widths(inputs.shape[-1], n_hidden, depth)
    start = initial_weights([seeding.generator(sgd_seed, key, point, s, "init") for s in seeds], widths, init_scale)
    rngs = [seeding.generator(sgd_seed, key, point, s, "sgd") for s in seeds]
    teacher = np.zeros((1, widths[0]))  # pure-noise labels; the recorded U^T W V is then the product W itself
    name = f"{key} {point} L={depth} seeds {seeds[0]}-{seeds[-1]}"
    options = dict(learning_rate=learning_rate, batch_size=batch_size, replacement=minibatch_replacement, chunk_steps=chunk_steps)
    layers, loss, steps = start, [], []
    with stops_on_divergence(name, learning_rate, seeds=seeds):
        if burn_in_steps:
            burn = engine.deep_linear_offline_sgd(inputs, labels, teacher, layers, rngs, burn_in_steps=0, measure_steps=burn_in_steps, record_every=record_every,
                                                  trace_every=record_every, progress=progress_reporter(f"{name} burn-in"), **options)
            layers = burn.final_weights
            loss.append(burn.loss[:, :-1])
            steps.append(burn.trace_steps[:-1])
        run = engine.deep_linear_offline_sgd(inputs, labels, teacher, layers, rngs, burn_in_steps=0, measure_steps=measure_steps, record_every=record_every,
                                             trace_every=record_every, record_weights=True, progress=progress_reporter(f"{name} window"), **options)
    check_finite(np.concatenate([w.reshape(len(seeds), -1) for w in run.final_weights], axis=1), name, learning_rate, seeds=seeds,
                 trace=run.trace, trace_steps=run.trace_steps)
    loss.append(run.loss)
    steps.append(run.trace_steps + burn_in_steps)
    stats = window_statistics([w[:, 1:] for w in run.weights])  # the window's records, not its starting point
    variables = {}
    for l in range(depth):
        dims = (f"out{l + 1}", f"in{l + 1}")
        entries = (f"entry{l + 1}", f"entry{l + 1}_j")
        symbol = f"W{l + 1}"
        variables[f"initial_weights_{l + 1}"] = (("seed", *dims), start[l], {"long_name": f"{symbol} at t = 0", "units": "1"})
        variables[f"final_weights_{l + 1}"] = (("seed", *dims), run.final_weights[l], {"long_name": f"{symbol} after the last step", "units": "1"})
        variables[f"window_mean_weights_{l + 1}"] = (("seed", *dims), stats["mean"][l], {"long_name": f"mean of {symbol} over the window's records", "units": "1"})
        variables[f"half_window_mean_weights_{l + 1}"] = (("seed", "half", *dims), stats["halves"][l],
                                                         {"long_name": f"mean of {symbol} over the first and the second half of the window", "units": "1"})
        variables[f"window_trend_{l + 1}"] = (("seed", *dims), stats["trend"][l],
                                             {"long_name": f"change of {symbol}'s least-squares linear trend over the window", "units": "1"})
        variables[f"window_covariance_{l + 1}"] = (("seed", *entries), stats["covariance"][l],
                                                  {"long_name": f"covariance of vec {symbol} (row-major) about its linear trend over the window's records", "units": "1"})
    variables["loss"] = (("seed", "time"), np.concatenate(loss, axis=1), {"long_name": "training loss (3.1) every record_every steps", "units": "1"})
    variables["n_records"] = ((), run.weights[0].shape[1] - 1, {"long_name": "weight records in the window", "units": "count"})
    for stream in ("init", "sgd"):
        variables[f"{stream}_spawn_key"] = (("seed", "key_part"), np.array([seeding.spawn_key(key, point, s, stream) for s in seeds], dtype=np.int64),
                                            {"long_name": f"SeedSequence spawn key of the {stream} stream"})
    all_steps = np.concatenate(steps)
    coords = dict(seed=np.asarray(seeds), time=("time", all_steps * learning_rate, {"long_name": "continuum time t = lambda * step"}),
                  step=("time", all_steps, {"units": "steps"}), half=[0, 1], N=int(data.N), P=int(data.P), depth=depth, n_hidden=n_hidden, init_scale=init_scale)
    io.write_netcdf(xr.Dataset(variables, coords=coords, attrs=io.provenance(provenance, experiment=key, point=point, widths=widths, learning_rate=learning_rate,
                                                                              batch_size=batch_size, minibatch_replacement=int(minibatch_replacement),
                                                                              burn_in_steps=burn_in_steps, measure_steps=measure_steps, record_every=record_every,
                                                                              sgd_root_seed=sgd_seed)), output)

