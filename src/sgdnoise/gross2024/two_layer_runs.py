"""The two-layer runs of the catalogue (dynamics `two_layer`; Gross et al. 2024 Sec. III, N_o = 1): minibatch SGD
(Eq. 3.5) or Euler-Maruyama of the stochastic gradient flow (Eqs. 3.15-3.16) of y = W2 W1 x on pure-noise labels,
seed s on data realization s of the run's dataset, recorded over a window after a burn-in.

Random streams, keyed (key, point, seed, stream) with `key` the run's seed-stream key and `point` the run's point
label: "init" (initial weights W1 ~ N(0, c/N_i), W2 ~ N(0, c/N_h)) and the method's name ("sgd" minibatches,
"sgf" noise). Time is continuum time t = lambda * step (SGD) or dt * step (SGF).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import io, seeding
from ..progress import progress_reporter
from ..statistics import check_finite, stops_on_divergence
from .runs import open_runs  # noqa: F401  (the reader of this family: seed blocks of one point concatenated along seed)

LAYER_DIMS = {"first_layer": ("hidden", "feature"), "second_layer": ("hidden",)}


def initial_weights(rngs: list[np.random.Generator], n_in: int, n_hidden: int, init_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """W1 (n_seeds, N_h, N_i) with entries N(0, c/N_i) and W2 (n_seeds, N_h) with entries N(0, c/N_h), c = init_scale
    (3.35 is c = 1), each seed from its own generator (W1 first)."""
    first = np.empty((len(rngs), n_hidden, n_in))
    second = np.empty((len(rngs), n_hidden))
    for s, rng in enumerate(rngs):
        first[s] = rng.normal(0.0, np.sqrt(init_scale / n_in), (n_hidden, n_in))
        second[s] = rng.normal(0.0, np.sqrt(init_scale / n_hidden), n_hidden)
    return first, second


def train(data_path: str, output: str, *, key: str, point: str, seeds: list[int], sgd_seed: int, method: str, n_hidden: int, init_scale: float,
          learning_rate: float, batch_size: int, minibatch_replacement: bool, dt: float | None, noise_form: str, burn_in_steps: int,
          measure_steps: int, record_every: int, moments: str, trace_every: int, trace_block: str, chunk_steps: int, threads: int,
          provenance: dict) -> None:
    """One block of seeds of a two-layer run: window mean of every weight and of the loss (and over each half of the
    window), window covariance of the `moments` block about its window mean, and the thinned trace of `trace_block`."""
    import numba

    from .. import engine  # compiled kernels: imported only by the jobs that train

    numba.set_num_threads(threads)
    data = io.open_dataset(data_path).sel(seed=seeds)
    inputs, labels = data.inputs.values, data.labels.values
    n_in = inputs.shape[-1]
    start = initial_weights([seeding.generator(sgd_seed, key, point, s, "init") for s in seeds], n_in, n_hidden, init_scale)
    rngs = [seeding.generator(sgd_seed, key, point, s, method) for s in seeds]
    name = f"{key} {point} {method} seeds {seeds[0]}-{seeds[-1]}"
    options = dict(learning_rate=learning_rate, batch_size=batch_size, burn_in_steps=burn_in_steps, measure_steps=measure_steps, record_every=record_every,
                   trace_every=trace_every, replacement=minibatch_replacement, moments=moments, trace_block=trace_block, chunk_steps=chunk_steps,
                   progress=progress_reporter(name))
    with stops_on_divergence(name, learning_rate, seeds=seeds):  # stops within a chunk of a divergence, naming the seed and step
        if method == "sgf":
            run = engine.two_layer_sgf(inputs, labels, *start, rngs, dt=dt, noise_form=noise_form, **options)
        else:
            run = engine.two_layer_sgd(inputs, labels, *start, rngs, **options)
    final = np.concatenate([run.final_first.reshape(len(seeds), -1), run.final_second], axis=1)
    check_finite(final, name, learning_rate, seeds=seeds, trace=run.trace, trace_steps=run.trace_steps)
    io.write_netcdf(run_dataset(run, seeds, start, provenance, key=key, point=point, method=method, moments=moments, learning_rate=learning_rate, batch_size=batch_size, minibatch_replacement=int(minibatch_replacement),
                                dt=dt if method == "sgf" else "none", noise_form=noise_form if method == "sgf" else "none", burn_in_steps=burn_in_steps,
                                measure_steps=measure_steps, record_every=record_every, trace_block=trace_block, sgd_root_seed=sgd_seed,
                                coords=dict(N=int(data.N), P=int(data.P), n_hidden=n_hidden, init_scale=init_scale)), output)


def run_dataset(run, seeds: list[int], start: tuple[np.ndarray, np.ndarray], provenance: dict, *, key: str, point: str, method: str,
                moments: str, coords: dict, **attrs) -> xr.Dataset:
    """The engine's TwoLayerRun as labelled arrays (the catalogue's two_layer file format); `coords`: the point's scalar
    coordinates (N, P, n_hidden, init_scale)."""
    n_seeds, n_hidden, n_in = run.final_first.shape
    weights = n_hidden * n_in

    def layers(record: np.ndarray) -> dict:  # (..., record_dim) -> W1 (..., N_h, N_i), W2 (..., N_h), loss (...)
        return {"first_layer": record[..., :weights].reshape(*record.shape[:-1], n_hidden, n_in),
                "second_layer": record[..., weights:-1], "loss": record[..., -1]}

    mean, halves = layers(run.window_mean), layers(np.moveaxis(run.half_window_means, 0, 1))
    final = {"first_layer": run.final_first, "second_layer": run.final_second}
    variables = {}
    for layer, dims in LAYER_DIMS.items():
        symbol = "W1" if layer == "first_layer" else "W2"
        variables[f"initial_{layer}"] = (("seed", *dims), start[0] if layer == "first_layer" else start[1], {"long_name": f"{symbol} at t = 0", "units": "1"})
        variables[f"final_{layer}"] = (("seed", *dims), final[layer], {"long_name": f"{symbol} after the last step", "units": "1"})
        variables[f"window_mean_{layer}"] = (("seed", *dims), mean[layer], {"long_name": f"mean of {symbol} over the window's records", "units": "1"})
        variables[f"half_window_mean_{layer}"] = (("seed", "half", *dims), halves[layer],
                                                  {"long_name": f"mean of {symbol} over the first and the second half of the window", "units": "1"})
    variables["window_mean_loss"] = ("seed", mean["loss"], {"long_name": "mean training loss (3.1) over the window", "units": "1"})
    variables["half_window_mean_loss"] = (("seed", "half"), halves["loss"], {"long_name": "mean training loss over each half of the window", "units": "1"})
    block = range(run.window_mean.shape[1])[run.moment_block]
    variables["window_covariance"] = (("seed", "moment", "moment_j"), run.window_covariance,
                                      {"long_name": "covariance of the record block about its window mean (record order: vec W1 row-major, then W2)",
                                       "units": "1", "block": moments})
    traced = range(run.window_mean.shape[1])[run.trace_block]
    if traced.start == 0:
        variables["trace_first_layer"] = (("seed", "time", *LAYER_DIMS["first_layer"]), run.first_layer, {"long_name": "W1 on the trace grid", "units": "1"})
    if traced.start <= weights:
        variables["trace_second_layer"] = (("seed", "time", "hidden"), run.second_layer, {"long_name": "W2 on the trace grid", "units": "1"})
    variables["trace_loss"] = (("seed", "time"), run.loss, {"long_name": "training loss (3.1) on the trace grid", "units": "1"})
    variables["n_records"] = ((), run.n_records, {"long_name": "records in the window (first half: n_records // 2)", "units": "count"})
    spawn = {stream: np.array([seeding.spawn_key(key, point, s, stream) for s in seeds], dtype=np.int64) for stream in ("init", method)}
    variables["init_spawn_key"] = (("seed", "key_part"), spawn["init"], {"long_name": "SeedSequence spawn key of the initial weights"})
    variables["spawn_key"] = (("seed", "key_part"), spawn[method], {"long_name": f"SeedSequence spawn key of the {method} stream"})
    coords = {**coords, "seed": np.asarray(seeds), "time": ("time", run.trace_times, {"long_name": "continuum time t (lambda * step for SGD, dt * step for the SGF)"}),
              "step": ("time", run.trace_steps, {"units": "steps"}), "moment": ("moment", np.asarray(block), {"long_name": "index in the record"}),
              "moment_j": ("moment_j", np.asarray(block), {"long_name": "index in the record"}), "half": [0, 1]}
    return xr.Dataset(variables, coords=coords, attrs=io.provenance(provenance, experiment=key, point=point, method=method, moments=moments,
                                                                     time_per_step=run.time_per_step, **attrs))
