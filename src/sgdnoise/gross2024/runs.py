"""The single-layer runs of the catalogue (dynamics `single_layer_sgd`, Gross et al. 2024 Sec. II): teacher-student
datasets with i.i.d. or Wishart-correlated inputs and teacher or random labels, and minibatch SGD (Eq. 2.11) for a
block of seeds, recorded over a stationary window (train_window) or on a logarithmic time grid (train_log_time).

Random streams: data from (key, N_P point, seed, "data"), minibatches from (key, point, seed, stream), with `key`
the dataset's seed-stream key. The point never contains the label-noise level, so datasets that sweep
sigma_eps^2 (Table 1) see the same inputs, teacher and noise direction eps / sigma_eps at every level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import data as datamod
from .. import io, seeding
from ..progress import progress_reporter
from ..statistics import check_finite, stops_on_divergence
from . import theory_sec2 as theory

FEATURE_DIMS = ("feature", "feature_j")


# --------------------------------------------------------------------------------------------- data
def make_data(output: str, *, key: str, N: int, P: int, n_seeds: int, data_seed: int, label_noise_variance: float,
              teacher_variance: float, inputs: str, labels: str, provenance: dict) -> None:
    """Realizations of Eq. (2.1) (inputs "iid" or "wishart", labels "teacher" or "random") and their minimum-norm
    solutions w* (Eq. 2.7). For random labels `label_noise_variance` is the label variance (eps -> y)."""
    point = seeding.point_label(N=N, P=P)
    realizations, covariances, keys = [], [], []
    for seed in range(n_seeds):
        rng = seeding.generator(data_seed, key, point, seed, "data")
        covariance = datamod.wishart_covariance(rng, N) if inputs == "wishart" else None
        if labels == "random":
            realizations.append(datamod.random_labels(rng, N, P, label_noise_variance, covariance))
        else:
            realizations.append(datamod.teacher_student(rng, N, P, label_noise_variance, teacher_variance, covariance))
        covariances.append(np.eye(N) / N if covariance is None else covariance)
        keys.append(seeding.spawn_key(key, point, seed, "data"))
    stack = lambda attr: np.stack([getattr(d, attr) for d in realizations])  # noqa: E731
    solutions = np.stack([theory.teacher_solution(d.inputs, d.labels) for d in realizations])
    ds = xr.Dataset(
        {
            "inputs": (("seed", "sample", "feature"), stack("inputs"), {"long_name": "input vectors x^mu", "units": "1"}),
            "labels": (("seed", "sample"), stack("labels"), {"long_name": "labels y^mu (Eq. 2.1)", "units": "1"}),
            "label_noise": (("seed", "sample"), stack("label_noise"), {"long_name": "label noise eps^mu (the labels themselves for random labels)", "units": "1"}),
            "teacher": (("seed", "feature"), stack("teacher"), {"long_name": "teacher weights u (zero for random labels)", "units": "1"}),
            "teacher_solution": (("seed", "feature"), solutions, {"long_name": "minimum-norm solution w* (Eq. 2.7)", "units": "1"}),
            "input_covariance": (("seed", *FEATURE_DIMS), np.stack(covariances), {"long_name": "covariance Sigma of the inputs (1/N for i.i.d.)", "units": "1"}),
            "data_spawn_key": (("seed", "key_part"), np.array(keys, dtype=np.int64), {"long_name": "SeedSequence spawn key of the data stream"}),
        },
        coords={"seed": np.arange(n_seeds), "N": N, "P": P, "P_over_N": P / N},
        attrs=io.provenance(provenance, experiment=key, inputs_kind=inputs, labels_kind=labels, data_root_seed=data_seed),
    )
    io.write_netcdf(ds, output)


# ----------------------------------------------------------------------------------------- training
def smallest_relaxation_rate(inputs: np.ndarray) -> float:
    """Smallest non-zero Hessian eigenvalue omega_0 over a stack of realizations (P x N each): sets the slowest
    relaxation time 1/(lr omega_0) (Sec. II B 3). Measured, since Wishart inputs are far from Marchenko-Pastur."""
    P = inputs.shape[-2]
    return float(min(np.linalg.svd(x, compute_uv=False)[-1] ** 2 / P for x in inputs))


@dataclass(frozen=True)
class StepPlan:
    """SGD step counts of one parameter point, all multiples of record_every."""

    burn_in_steps: int
    measure_steps: int
    record_every: int
    trace_every: int
    relaxation_steps: float  # 1 / (lr omega_0)


def step_plan(omega_min: float, *, learning_rate: float, record_every: int, trace_points: int, burn_in_relaxation_times: float,
              measure_relaxation_times: float, min_measure_steps: int, max_measure_steps: int) -> StepPlan:
    """Burn-in and window in units of the slowest relaxation time, clipped to [min, max] measure steps
    (omega_min = 0, no relaxation: the budget's maximum)."""
    tau = math.inf if omega_min == 0 else 1.0 / (learning_rate * float(omega_min))  # plain floats: params stay numpy-free

    def steps(x: float) -> int:
        return int(math.ceil(min(x, max_measure_steps) / record_every)) * record_every

    burn = steps(burn_in_relaxation_times * tau)
    measure = steps(min(max(measure_relaxation_times * tau, min_measure_steps), max_measure_steps))
    trace_every = record_every * max(1, (burn + measure) // (record_every * (trace_points - 1)))
    return StepPlan(burn, measure, record_every, trace_every, tau)


def initial_state(kind: str, inputs: np.ndarray, labels: np.ndarray, w_star: np.ndarray, rngs: list[np.random.Generator], *,
                  learning_rate: float, batch_size: int, replacement: bool) -> np.ndarray:
    """w(0) per seed: 0, w*, or "stationary": w* + a Gaussian draw with the exact stationary covariance M of discrete
    SGD. SGD's second moments obey a closed linear map with fixed point M, so they are then stationary from the first
    step, and a window shorter than the slowest relaxation time still averages them without bias."""
    if kind == "zero":
        return np.zeros_like(w_star)
    if kind == "teacher_solution":
        return w_star.copy()
    start = np.empty_like(w_star)
    for s, rng in enumerate(rngs):
        values, vectors = np.linalg.eigh(theory.discrete_sgd_covariance(inputs[s], labels[s], learning_rate, batch_size, replacement))
        start[s] = w_star[s] + vectors @ (np.sqrt(np.clip(values, 0.0, None)) * rng.standard_normal(values.size))
    return start


def relaxation_rate_of(kind: str, inputs: np.ndarray) -> float:
    """omega_0 that sets a run's time scale: "measured" over the point's realizations, or "marchenko_pastur", the
    edge (sqrt P - sqrt N)^2 / (N P) of i.i.d. inputs (the same for every realization)."""
    if kind == "measured":
        return smallest_relaxation_rate(inputs)
    P, N = inputs.shape[-2:]
    return theory.marchenko_pastur_smallest_eigenvalue(N, P)


def stability_bound(inputs: np.ndarray, learning_rate: float) -> str:
    """The bound a diverged single-layer run violated: lambda omega_max against 2 (the discrete mean dynamics,
    Eq. 2.27, decay only for |1 - lambda omega_k| < 1; minibatch noise lowers the bound further)."""
    omega_max = float(np.linalg.eigvalsh(theory.hessian(inputs))[-1])
    return (f"lambda omega_max = {learning_rate * omega_max:.3g} (omega_max = {omega_max:.3g}, largest eigenvalue of its H); the mean "
            f"dynamics need lambda < 2/omega_max = {2 / omega_max:.3g}, the minibatch noise less")


def train_window(data_path: str, output: str, *, key: str, seeds: list[int], sgd_seed: int, stream: str, learning_rate: float,
                 batch_size: int, minibatch_replacement: bool, initial_weights: str, record_every: int, trace_points: int,
                 relaxation_rate: str, burn_in_relaxation_times: float, measure_relaxation_times: float, min_measure_steps: int,
                 max_measure_steps: int, chunk_steps: int, threads: int, provenance: dict) -> None:
    """Minibatch SGD (Eq. 2.11), seed s on realization s, from `initial_weights` (see initial_state): streaming moments
    of w - w* over the window (w* is the exact stationary mean), and a thinned trajectory of `trace_points` weights.
    Burn-in and window are counted in slowest relaxation times 1/(lr omega_0) (relaxation_rate_of)."""
    import numba

    from .. import engine  # compiled kernels: imported only by the jobs that train

    numba.set_num_threads(threads)
    data = io.open_dataset(data_path)
    # one plan for all realizations of the point, so that results do not depend on how seeds are split into jobs
    omega_min = relaxation_rate_of(relaxation_rate, data.inputs.values)
    data = data.sel(seed=seeds)
    X, y, w_star = data.inputs.values, data.labels.values, data.teacher_solution.values
    point = seeding.point_label(N=int(data.N), P=int(data.P))
    plan = step_plan(omega_min, learning_rate=learning_rate, record_every=record_every, trace_points=trace_points,
                     burn_in_relaxation_times=burn_in_relaxation_times, measure_relaxation_times=measure_relaxation_times,
                     min_measure_steps=min_measure_steps, max_measure_steps=max_measure_steps)
    start = initial_state(initial_weights, X, y, w_star, [seeding.generator(sgd_seed, key, point, s, f"{stream}/initial") for s in seeds],
                          learning_rate=learning_rate, batch_size=batch_size, replacement=minibatch_replacement)
    rngs = [seeding.generator(sgd_seed, key, point, s, stream) for s in seeds]
    label, stability = f"{key} {point} seeds {seeds[0]}-{seeds[-1]}", lambda i: stability_bound(X[i], learning_rate)
    with stops_on_divergence(label, learning_rate, seeds=seeds, stability=stability):
        run = engine.single_layer_sgd(
            X, y, start, w_star, rngs, learning_rate=learning_rate, batch_size=batch_size, burn_in_steps=plan.burn_in_steps,
            measure_steps=plan.measure_steps, record_every=plan.record_every, trace_every=plan.trace_every, replacement=minibatch_replacement,
            chunk_steps=chunk_steps, progress=progress_reporter(f"{key} {point} {stream} seeds {seeds[0]}-{seeds[-1]}"),
        )
    check_finite(run.final_weights, label, learning_rate, seeds=seeds, trace=run.trace, trace_steps=run.trace_steps, stability=stability)
    keys = [seeding.spawn_key(key, point, s, stream) for s in seeds]
    ds = xr.Dataset(
        {
            "initial_weights": (("seed", "feature"), start, {"long_name": f"w(0): {initial_weights}", "units": "1"}),
            "mean_deviation": (("seed", "feature"), run.sum_deviation / run.n_records, {"long_name": "window mean of w - w*", "units": "1"}),
            "second_moment": (("seed", *FEATURE_DIMS), run.sum_outer_deviation / run.n_records, {"long_name": "window mean of (w - w*)(w - w*)^T", "units": "1"}),
            "final_weights": (("seed", "feature"), run.final_weights, {"long_name": "weights after the last step", "units": "1"}),
            "weight_trace": (("seed", "step", "feature"), run.trace, {"long_name": "thinned weight trajectory", "units": "1"}),
            "sgd_spawn_key": (("seed", "key_part"), np.array(keys, dtype=np.int64), {"long_name": "SeedSequence spawn key of the minibatch stream"}),
        },
        coords={"seed": np.asarray(seeds), "step": ("step", run.trace_steps, {"units": "SGD steps"}), "N": int(data.N), "P": int(data.P)},
        attrs=io.provenance(provenance, sgd_root_seed=sgd_seed, n_records=run.n_records, minibatch_replacement=int(minibatch_replacement), **plan.__dict__),
    )
    io.write_netcdf(ds, output)


def train_log_time(data_path: str, output: str, *, key: str, seeds: list[int], sgd_seed: int, stream: str, learning_rate: float,
                   batch_size: int, minibatch_replacement: bool, initial_weights: str, realization: int, relaxation_times: float,
                   max_steps: int, points_per_octave: int, chunk_steps: int, threads: int, provenance: dict) -> None:
    """SGD runs `seeds`, all on data realization `realization`, from w(0) = 0 (or w*), the weights kept on the
    logarithmic grid of log_schedule: calls of doubling record spacing that continue each other exactly (each
    seed's random stream just carries on)."""
    import numba

    from .. import engine  # compiled kernels: imported only by the jobs that train

    numba.set_num_threads(threads)
    data = io.open_dataset(data_path).isel(seed=realization)
    N, P = int(data.N), int(data.P)
    n = len(seeds)
    X, y, w_star = (np.repeat(v.values[None], n, axis=0) for v in (data.inputs, data.labels, data.teacher_solution))
    phases = log_schedule(relaxation_run_steps(X[:1], learning_rate=learning_rate, relaxation_times=relaxation_times, max_steps=max_steps), points_per_octave)
    point = seeding.point_label(N=N, P=P)
    rngs = [seeding.generator(sgd_seed, key, point, s, stream) for s in seeds]
    weights = initial_state(initial_weights, X, y, w_star, [seeding.generator(sgd_seed, key, point, s, f"{stream}/initial") for s in seeds], learning_rate=learning_rate, batch_size=batch_size, replacement=minibatch_replacement)
    start, trace = weights, [weights[:, None]]
    progress = progress_reporter(f"{key} {point} runs {seeds[0]}-{seeds[-1]}")
    done, total = 0, sum(k for k, _ in phases)
    label, stability = f"{key} {point} seeds {seeds[0]}-{seeds[-1]}", lambda i: stability_bound(X[i], learning_rate)
    for steps, spacing in phases:
        with stops_on_divergence(label, learning_rate, seeds=seeds, stability=stability, step_offset=done):
            run = engine.single_layer_sgd(X, y, weights, w_star, rngs, learning_rate=learning_rate, batch_size=batch_size, burn_in_steps=0,
                                          measure_steps=steps, record_every=spacing, trace_every=spacing, replacement=minibatch_replacement,
                                          chunk_steps=chunk_steps)
        trace.append(run.trace[:, 1:])
        weights = run.final_weights
        done += steps
        progress(done, total)
    check_finite(weights, label, learning_rate, seeds=seeds, trace=np.concatenate(trace, axis=1), trace_steps=log_trace_steps(phases), stability=stability)
    keys = [seeding.spawn_key(key, point, s, stream) for s in seeds]
    ds = xr.Dataset(
        {
            "initial_weights": (("seed", "feature"), start, {"long_name": f"w(0): {initial_weights}", "units": "1"}),
            "weight_trace": (("seed", "step", "feature"), np.concatenate(trace, axis=1), {"long_name": "weights on a logarithmic time grid", "units": "1"}),
            "sgd_spawn_key": (("seed", "key_part"), np.array(keys, dtype=np.int64), {"long_name": "SeedSequence spawn key of the minibatch stream"}),
        },
        coords={"seed": np.asarray(seeds), "step": ("step", log_trace_steps(phases), {"units": "SGD steps"}), "N": N, "P": P},
        attrs=io.provenance(provenance, sgd_root_seed=sgd_seed, data_realization=realization),
    )
    io.write_netcdf(ds, output)


def relaxation_run_steps(inputs: np.ndarray, *, learning_rate: float, relaxation_times: float, max_steps: int) -> int:
    """`relaxation_times` slowest relaxation times 1/(lr omega_0) of the realizations `inputs`, at most max_steps."""
    return min(int(math.ceil(relaxation_times / (learning_rate * smallest_relaxation_rate(inputs)))), max_steps)


def log_schedule(total_steps: int, points_per_octave: int) -> list[tuple[int, int]]:
    """(steps, record spacing) of consecutive SGD calls that keep the weights on a logarithmic time grid: spacing 2^j
    for points_per_octave records each, until total_steps (each call continues the previous one exactly)."""
    phases, done, spacing = [], 0, 1
    while done < total_steps:
        n = min(points_per_octave * spacing, -(-(total_steps - done) // spacing) * spacing)
        phases.append((n, spacing))
        done += n
        spacing *= 2
    return phases


def log_trace_steps(phases: list[tuple[int, int]]) -> np.ndarray:
    """Steps at which log_schedule keeps the weights: 0 and every record of every phase."""
    ends = np.cumsum([0] + [n for n, _ in phases])
    return np.concatenate([[0]] + [start + spacing * np.arange(1, n // spacing + 1) for start, (n, spacing) in zip(ends, phases)])


def open_runs(train_paths: list[str]) -> xr.Dataset:
    """Training blocks of one point concatenated along seed."""
    return xr.concat([io.open_dataset(p) for p in train_paths], dim="seed", data_vars="minimal", coords="minimal", compat="override").sortby("seed")
