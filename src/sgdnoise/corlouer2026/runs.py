"""The deep linear runs of the catalogue (dynamics `deep_linear`; Corlouer et al. 2026, Sec. 2 and App. H).

Network W = W_L ... W_1 with W_l of shape (d_l, d_{l-1}), teacher M = U diag(s) V^T, inputs x ~ N(0, I),
labels y = M x + xi, xi ~ N(0, sigma_q^2 I); loss 1/2 ||y - W x||^2 summed over outputs. Initialization
W_l ~ N(0, min(d_l, d_{l-1})^-gamma) entrywise, or its balanced version (balanced_start). One time axis for every method: continuum time t = eta * k for
online SGD, offline SGD and GD, t = dt * step for the SDE, Langevin and gradient flow (engine.deep_linear).

Random streams, keyed (key, point, seed, stream) with `key` the run's seed-stream key: "init" (initial weights),
"data" (the fixed dataset of GD and offline SGD), and the method's name for its dynamics.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import io, seeding
from ..progress import progress_reporter
from ..statistics import check_finite, stops_on_divergence

METHODS = ("online_sgd", "gd", "gradient_flow", "sde", "langevin", "langevin_matched", "offline_sgd")
STOCHASTIC = ("online_sgd", "sde", "langevin", "langevin_matched", "offline_sgd")
INITIALIZATIONS = ("gaussian", "balanced", "aligned")


def teacher_matrix(widths: list[int], singular_values: list[float]) -> np.ndarray:
    """M = U diag(s) V^T (d_L x d_0) with U, V the leading columns of the identity. App. H leaves U, V unstated; with
    whitened inputs and a rotation-invariant Gaussian initialization the mode statistics do not depend on them."""
    teacher = np.zeros((widths[-1], widths[0]))
    teacher[np.arange(len(singular_values)), np.arange(len(singular_values))] = singular_values
    return teacher


def initial_weights(rngs: list[np.random.Generator], widths: list[int], init_gamma: float) -> list[np.ndarray]:
    """Per layer (n_seeds, d_l, d_{l-1}), entries N(0, min(d_l, d_{l-1})^-gamma) (App. H)."""
    layers = [np.empty((len(rngs), d_out, d_in)) for d_in, d_out in zip(widths[:-1], widths[1:])]
    for s, rng in enumerate(rngs):
        for layer in layers:
            d_out, d_in = layer.shape[1:]
            layer[s] = rng.normal(0.0, min(d_in, d_out) ** (-init_gamma / 2), size=(d_out, d_in))
    return layers


def balanced_start(layers: list[np.ndarray], rngs: list[np.random.Generator], teacher: np.ndarray | None = None) -> list[np.ndarray]:
    """The balanced initialization of Figs. 7, 8 (the paper does not say how balance is enforced): per seed, the SVD
    W(0) = P diag(sigma) Q^T of the Gaussian start's end-to-end map, refactored as W_l = O_l diag(sigma^{1/L}) O_{l-1}^T
    (theory.balanced_weights) with O_0 = Q, O_L = P and the hidden O_l Haar-random from the seed's "init" stream (after
    its Gaussian draws). The network function, its modes and cross modes at t = 0 are the Gaussian start's; the layers
    satisfy W_{l+1}^T W_{l+1} = W_l W_l^T exactly (up to rounding). At most min(widths) singular values are kept.
    With `teacher` (the aligned start) O_0, O_L are the teacher's V, U instead: the same singular values, each on a teacher
    mode (largest on s_0), so U^T W(0) V is diagonal and positive (Prop. 3.5's assumptions (A1), (A2) at t = 0)."""
    from .theory import balanced_weights  # scipy: only in the jobs that need it

    out = [np.empty_like(layer) for layer in layers]
    for s, rng in enumerate(rngs):
        product = layers[0][s]
        for layer in layers[1:]:
            product = layer[s] @ product
        left, sigma, right_t = np.linalg.svd(product)
        if teacher is not None:
            left, _, right_t = np.linalg.svd(teacher)
        widths = [layers[0].shape[2]] + [layer.shape[1] for layer in layers]
        for layer, balanced in zip(out, balanced_weights(sigma[: min(widths)], widths, rng, left=left, right=right_t.T)):
            layer[s] = balanced
    return out


def fixed_dataset(data_rngs: list[np.random.Generator], teacher: np.ndarray, dataset_size: int, label_noise_std: float) -> tuple[np.ndarray, np.ndarray]:
    """Per seed a dataset of `dataset_size` samples x ~ N(0, I), y = M x + sigma_q xi (GD, offline SGD), drawn once:
    inputs (n_seeds, N, d_0), labels (n_seeds, N, d_L)."""
    d_in, d_out = teacher.shape[1], teacher.shape[0]
    inputs = np.empty((len(data_rngs), dataset_size, d_in))
    labels = np.empty((len(data_rngs), dataset_size, d_out))
    for i, rng in enumerate(data_rngs):
        inputs[i] = rng.standard_normal((dataset_size, d_in))
        labels[i] = inputs[i] @ teacher.T + label_noise_std * rng.standard_normal((dataset_size, d_out))
    return inputs, labels


def whole_steps(time: float, time_per_step: float, name: str) -> int:
    """A continuum time as a whole number of steps (it must be one: 1e-9 relative slack for decimal rounding)."""
    steps = time / time_per_step
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise ValueError(f"{name} = {time} is not a whole number of steps of {time_per_step}")
    return int(round(steps))


def train(output: str, *, key: str, point: str, seeds: list[int], sgd_seed: int, data_seed: int, method: str, widths: list[int],
          teacher_singular_values: list[float], init_gamma: float, learning_rate: float, batch_size: int, label_noise_variance: float,
          dt: float, noise_std: float, dataset_size: int, horizon: float, burn_in: float, record_interval: float, trace_interval: float,
          record_noise_variance: bool, record_weights: bool, chunk_steps: int, threads: int, provenance: dict,
          record_increments: bool = False, initialization: str = "gaussian", minibatch_replacement: bool = True) -> None:
    """One block of seeds of a deep linear run: mode amplitudes U^T W V, loss (and optionally the modewise noise
    variance a^T Sigma a of Prop. 3.3, the weights, and for online SGD the one-step increments of the teacher's
    modes summed per record interval) on the trace grid, and their window moments after `burn_in`.
    initialization: "gaussian" (App. H) or "balanced" (balanced_start); minibatch_replacement: offline_sgd's sampling."""
    import numba

    numba.set_num_threads(threads)
    teacher = teacher_matrix(widths, teacher_singular_values)
    init_rngs = [seeding.generator(sgd_seed, key, point, s, "init") for s in seeds]
    start = initial_weights(init_rngs, widths, init_gamma)
    if initialization in ("balanced", "aligned"):
        start = balanced_start(start, init_rngs, teacher if initialization == "aligned" else None)
    rngs = [seeding.generator(sgd_seed, key, point, s, method) for s in seeds]
    time_per_step = learning_rate if method in ("online_sgd", "gd", "offline_sgd") else dt
    steps = {name: whole_steps(value, time_per_step, name) for name, value in (("burn_in", burn_in), ("horizon", horizon - burn_in),
                                                                                 ("record_interval", record_interval), ("trace_interval", trace_interval))}
    if record_increments and (method != "online_sgd" or steps["trace_interval"] != steps["record_interval"]):
        raise ValueError(f"{key}: record_increments needs online_sgd and trace_interval = record_interval (every interval's sums kept), "
                         f"got {method}, {trace_interval} != {record_interval}")
    schedule = dict(burn_in_steps=steps["burn_in"], measure_steps=steps["horizon"], record_every=steps["record_interval"], trace_every=steps["trace_interval"],
                    record_weights=record_weights, chunk_steps=chunk_steps, progress=progress_reporter(f"{key} {point} {method} seeds {seeds[0]}-{seeds[-1]}"))
    sigma_q = float(np.sqrt(label_noise_variance))
    label = f"{key} {point} {method} seeds {seeds[0]}-{seeds[-1]}"
    n_modes = len(teacher_singular_values)  # a^T Sigma a and increments of the teacher's modes only (the others stay near 0)
    with stops_on_divergence(label, learning_rate, seeds=seeds):  # stops within a chunk of a divergence, naming the seed and step
        run = simulate(method, teacher, start, rngs, schedule, learning_rate=learning_rate, batch_size=batch_size, label_noise_std=sigma_q, dt=dt,
                       noise_std=noise_std, record_noise_variance=record_noise_variance, noise_variance_modes=n_modes,
                       increment_modes=n_modes if record_increments else 0, dataset_size=dataset_size,
                       data_rngs=[seeding.generator(data_seed, key, point, s, "data") for s in seeds], minibatch_replacement=minibatch_replacement)
    check_finite(flat_weights(run.final_weights), label, learning_rate, seeds=seeds,
                 trace=run.trace, trace_steps=run.trace_steps)  # the trace holds U^T W V and the loss: names the step of divergence
    io.write_netcdf(run_dataset(run, seeds, start, method, provenance, key=key, point=point), output)


def simulate(method: str, teacher: np.ndarray, start: list[np.ndarray], rngs: list[np.random.Generator], schedule: dict, *, learning_rate: float,
             batch_size: int, label_noise_std: float, dt: float, noise_std: float, record_noise_variance: bool, noise_variance_modes: int,
             increment_modes: int, dataset_size: int, data_rngs: list[np.random.Generator], minibatch_replacement: bool = True):
    """The engine call of one method on a block of seeds; GD and offline SGD draw their fixed dataset per seed from
    `data_rngs`. The leading `noise_variance_modes` modes get a^T Sigma a recorded, and (online SGD) `increment_modes`
    their increments."""
    from .. import engine  # compiled kernels: imported only by the jobs that train

    sigma_q = label_noise_std
    if method == "online_sgd":
        return engine.deep_linear_online_sgd(teacher, start, rngs, learning_rate=learning_rate, batch_size=batch_size, label_noise_std=sigma_q,
                                             noise_variance=record_noise_variance, noise_variance_modes=noise_variance_modes,
                                             increment_modes=increment_modes, **schedule)
    if method == "sde":
        return engine.deep_linear_sde(teacher, start, rngs, learning_rate=learning_rate, batch_size=batch_size, label_noise_std=sigma_q, dt=dt,
                                      noise_variance=record_noise_variance, noise_variance_modes=noise_variance_modes, **schedule)
    if method == "langevin":
        return engine.deep_linear_langevin(teacher, start, rngs, learning_rate=learning_rate, noise_std=noise_std, dt=dt, label_noise_std=sigma_q,
                                           noise_variance=record_noise_variance, noise_variance_modes=noise_variance_modes, **schedule)
    if method == "langevin_matched":  # isotropic, with the SDE's noise power tr(eta Sigma / b) at every step (Fig. 4's fair baseline)
        return engine.deep_linear_langevin_matched(teacher, start, rngs, learning_rate=learning_rate, batch_size=batch_size, label_noise_std=sigma_q,
                                                   dt=dt, noise_variance=record_noise_variance, **schedule)
    if method == "gradient_flow":
        return engine.deep_linear_gradient_flow(teacher, start, dt=dt, label_noise_std=sigma_q, **schedule)
    inputs, labels = fixed_dataset(data_rngs, teacher, dataset_size, sigma_q)  # gd, offline_sgd
    if method == "offline_sgd":
        return engine.deep_linear_offline_sgd(inputs, labels, teacher, start, rngs, learning_rate=learning_rate, batch_size=batch_size,
                                              replacement=minibatch_replacement, **schedule)
    return engine.deep_linear_gd(inputs, labels, teacher, start, learning_rate=learning_rate, **schedule)


def flat_weights(layers: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([w.reshape(w.shape[0], -1) for w in layers], axis=1)


def run_dataset(run, seeds: list[int], start: list[np.ndarray], method: str, provenance: dict, **attrs) -> xr.Dataset:
    """The engine's DeepLinearRun as labelled arrays: `time` is continuum time; `row`, `column` index U^T W V."""
    d0, dL = run.widths[0], run.widths[-1]
    n = run.n_records
    mean = run.reference + run.sum_deviation / n
    second = run.sum_outer_deviation / n - np.einsum("si,sj->sij", mean - run.reference, mean - run.reference)
    entries = [f"m{i}_{j}" for i in range(dL) for j in range(d0)] + ["loss"]
    variables = {
        "modes": (("seed", "time", "row", "column"), run.modes, {"long_name": "U^T W V: diagonal = mode amplitudes w_alpha, off-diagonal = cross modes", "units": "1"}),
        "loss": (("seed", "time"), run.loss, {"long_name": "training loss (gd) or population loss 1/2 E||y - W x||^2", "units": "1"}),
        "window_mean": (("seed", "entry"), mean, {"long_name": "mean of [U^T W V, loss] over the records after burn-in", "units": "1"}),
        "window_covariance": (("seed", "entry", "entry_j"), second, {"long_name": "covariance of [U^T W V, loss] over the records after burn-in", "units": "1"}),
    }
    if run.has_noise_variance:
        variables["noise_variance"] = (("seed", "time", "mode"), run.noise_variance,
                                       {"long_name": "a_alpha^T Sigma a_alpha (batch size one); D_alpha = (eta / b) times this (Prop. 3.3)", "units": "1"})
    if run.increment_modes:
        sums = run.increment_sums.copy()
        sums[:, 0] = np.nan  # no interval ends at t = 0
        names = (("increment_sum", "sum of dw_alpha = w_alpha(k+1) - w_alpha(k)"), ("increment_sum_squares", "sum of dw_alpha^2"),
                 ("increment_mode_sum", "sum of w_alpha(k+1)"))
        for c, (name, what) in enumerate(names):
            variables[name] = (("seed", "time", "teacher_mode"), sums[..., c],
                               {"long_name": f"{what} over the steps of the record interval ending at this time", "units": "1"})
        attrs["increment_steps"] = int(run.trace_steps[1] - run.trace_steps[0])
    for l, (initial, final) in enumerate(zip(start, run.final_weights), start=1):
        dims = (f"layer{l}_out", f"layer{l}_in")
        variables[f"initial_weights_{l}"] = (("seed", *dims), initial, {"long_name": f"W_{l} at t = 0", "units": "1"})
        variables[f"final_weights_{l}"] = (("seed", *dims), final, {"long_name": f"W_{l} at the end of the run", "units": "1"})
        if run.has_weights:
            variables[f"weights_{l}"] = (("seed", "time", *dims), run.weights[l - 1], {"long_name": f"W_{l} on the trace grid", "units": "1"})
    coords = {"seed": np.asarray(seeds), "time": ("time", run.trace_times, {"long_name": "continuum time t (eta * step or dt * step)"}),
              "step": ("time", run.trace_steps, {"units": "steps"}), "entry": entries, "entry_j": entries}
    return xr.Dataset(variables, coords=coords, attrs=io.provenance(provenance, method=method, n_records=n, widths=list(run.widths), **attrs))
