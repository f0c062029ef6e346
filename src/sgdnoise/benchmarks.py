"""Engine benchmark suite: the compiled engine against the implementations people would otherwise write.

    python -m sgdnoise.benchmarks --out results/benchmarks      (or ./reproduce benchmark)

Four workloads, timed side by side in one run (one process, plus two workers for engine_2processes), all float64:

    single_layer  N = 100, P = 1000, S = 10 with replacement, lambda = 0.1       (Gross Sec. II, Eq. 2.11)
    two_layer     50-40-1 network, P = 5000, S = 10                              (Gross Sec. III, Eq. 3.5)
    deep_linear   L = 4, widths 12, online SGD, b = 1, sigma_q = 0.1            (Corlouer Sec. 2.1)
    sde           L = 4, widths 12, Euler-Maruyama of the SGD SDE with the exact state-dependent noise
                  of Prop. 3.2 (Corlouer Eq. 1), b = 1, sigma_q = 0.1

Implementations:

    engine_1thread / engine_2threads   sgdnoise.engine: serial numba kernels on 1 / 2 blocks of seeds at once (numba.set_num_threads);
                                       the public entry points are timed (random draws, recording and streaming
                                       moments included; records every 100 steps, the two-layer every 1000, with
                                       the moments of its second layer, as the catalogue's 50-40 runs)
    engine_2processes  two single-thread processes, each running half the seeds, started together: how the
                       workflow uses two cores (two training jobs of engine.threads = 1), and the ceiling the
                       machine offers two independent jobs at that moment (the 2-thread row is compared to it)
    numpy_batched  vectorised peer: every seed of the measurement at once (the engine's seed counts), one step formula
                   per workload on arrays with a leading seed axis (batched @, minibatches gathered by np.take); one
                   numpy Generator draws each block of PEER_BLOCK steps for all seeds at once
    torch_bmm      the same formulas in PyTorch: batched @ (bmm), index_select, torch.inference_mode, gradients by
                   hand; a seeded torch.Generator draws the blocks (torch.rand / torch.randn)
    jax_scan       jax.jit of jax.vmap over seeds of a lax.scan over a block of PEER_BLOCK steps (compiled once), the
                   same formulas on one seed's arrays; each seed's key draws its block inside the jitted function
                   (jax.random.randint / normal). All three peers: float64, one thread, drawing time included
    naive_numpy    one seed, one step at a time, plain numpy (the straightforward implementation)
    torch_loop     per-seed PyTorch loop: nn.Linear(bias=False) layers + torch.optim.SGD, CPU, float64,
                   torch.set_num_threads(1); for the SDE the drift comes from autograd of the population loss
                   and the matrix-free noise is added to .grad before optimizer.step()
    explicit_sigma (SDE only) per step form Sigma(theta) of Prop. 3.2 (576 x 576), its symmetric square root by
                   eigh (Sigma has rank <= 222 < 576, so a plain Cholesky fails), then sample N(0, Sigma)

The loops consume the same per-seed random streams as the engine (numpy Generators; minibatch indices int(u * P)
from uniforms u, Gaussian inputs / noises in the engine's order), and numpy_batched and torch_bmm do too when asked
(streams="engine"), so on a tiny case each of them reproduces the engine's trajectory to rounding
(tests/test_benchmarks.py). With their own draws the peers, and the explicit-Sigma route (one normal per parameter),
agree with the engine in distribution only; the tests compare the peers' means and variances across seeds.

Rates are seed-steps per second (seeds x steps / wall time), best of a few repeats after a warm-up (JIT
compilation) and a calibration that makes each timed run last >= `min_seconds`; the repeats of a workload's
implementations are interleaved so that load from other processes hits them alike, and cpu_share (process CPU
time / (wall time x threads)) shows how much of its cores a measurement actually got. The loops run one seed and
fewer steps than the engine; the rate is what is compared. Effective GFLOP/s = rate x the FLOPs of one
step of the minimal algorithm (the *_flops functions), the same count for every implementation, so GFLOP/s
ratios equal rate ratios; fraction_of_peak divides it by the float64 FMA peak of the cores used (machine_peak_gflops:
one core's, measured at the start of the run, x threads).

numpy's BLAS is held to one thread (OPENBLAS_NUM_THREADS=1, set by `python -m sgdnoise.benchmarks` and by
`reproduce benchmark`), PyTorch to one thread (torch.set_num_threads(1)) and XLA to one (_jax), so every baseline
and peer runs on one core, like engine_1thread.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # python -m sgdnoise.benchmarks: numpy is not imported yet, so this still holds its BLAS to one thread
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import math
import multiprocessing
import queue
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import numba
import numpy as np

from .engine import pcg64
from .engine.lanes import LANES, lane_empty, lanes_gemm
from . import engine
from .gross2024 import data
from . import noise_covariance
from .gross2024 import theory_sec2 as gross_single

COLUMNS = ["workload", "implementation", "seed_steps_per_s", "gflops", "ratio_to_naive", "ratio_to_torch", "fraction_of_peak", "threads",
           "seeds", "steps", "seconds", "flops_per_step", "cpu_share", "seed_steps_per_cpu_s", "loadavg_1min"]


# ------------------------------------------------------------------------------------------- FLOP counts
def single_layer_flops(N: int, S: int) -> int:
    """One SGD step w <- w - (lambda/S) X_B^T (X_B w - y_B): S residuals of 2N flops and S rank-one updates
    of 2N flops, i.e. 4 N S (4000 at N = 100, S = 10)."""
    return 4 * N * S


def two_layer_flops(n_in: int, n_hidden: int, S: int) -> int:
    """One SGD step of y = W2 W1 x: the error signal e = (lambda/S) sum_mu r_mu x_mu with r_mu = y_mu - w x_mu
    (4 S N_i), W1 += W2^T e and W2 += e W1^T (2 N_h N_i each) and the product w = W2 W1 for the next
    residuals (2 N_h N_i): 4 S N_i + 6 N_h N_i (14000 for 50-40-1, S = 10)."""
    return 4 * S * n_in + 6 * n_hidden * n_in


def deep_linear_online_flops(widths: Sequence[int], b: int) -> int:
    """One online-SGD step by backpropagation, per sample: forward through every layer (2 sum_l d_l d_{l-1}),
    teacher output M x (2 d_L d_0), backpropagation below the top layer (2 sum_{l>=2} d_l d_{l-1}) and the
    rank-one weight updates (2 sum_l d_l d_{l-1}); times b. For L = 4, widths 12, b = 1: 6 L d^2 = 3456."""
    sizes = [widths[l + 1] * widths[l] for l in range(len(widths) - 1)]
    return b * (2 * sum(sizes) + 2 * widths[-1] * widths[0] + 2 * sum(sizes[1:]) + 2 * sum(sizes))


def sde_flops(widths: Sequence[int]) -> int:
    """One Euler-Maruyama step with the matrix-free noise (matrix products only, O(d^2) terms ignored):
    prefix products W_<l, l = 3..L (2 d_{l-1} d_{l-2} d_0 each), W = W_L W_<L (2 d_L d_{L-1} d_0), suffix
    products W_>l, l = L-2..1 (2 d_L d_{l+1} d_l each), Delta Z (2 d_L d_0^2), and the sandwich
    W_l += W_>l^T R W_<l^T: R W_<l^T for l >= 2 (2 d_L d_0 d_{l-1}) and W_>l^T (.) for l <= L-1
    (2 d_l d_L d_{l-1}). For L layers of width d: (4L - 4) 2 d^3 = 41472 at L = 4, d = 12."""
    d = list(widths)
    L = len(d) - 1
    flops = sum(2 * d[l - 1] * d[l - 2] * d[0] for l in range(3, L + 1)) + 2 * d[L] * d[L - 1] * d[0]
    flops += sum(2 * d[L] * d[l + 1] * d[l] for l in range(1, L - 1))
    flops += 2 * d[L] * d[0] * d[0]
    flops += sum(2 * d[L] * d[0] * d[l - 1] for l in range(2, L + 1)) + sum(2 * d[l] * d[L] * d[l - 1] for l in range(1, L))
    return flops


# ----------------------------------------------------------------------------------------------- problems
def _rngs(root: int, n_seeds: int) -> list[np.random.Generator]:
    return [np.random.default_rng([root, s]) for s in range(n_seeds)]


@dataclass
class SingleLayer:
    """Teacher-student data of Gross Sec. II A per seed: inputs (n, P, N), labels (n, P); w starts at 0."""

    N: int = 100
    P: int = 1000
    S: int = 10
    learning_rate: float = 0.1
    n_seeds: int = 32
    root: int = 1
    inputs: np.ndarray = field(init=False)
    labels: np.ndarray = field(init=False)
    w_star: np.ndarray = field(init=False)
    w0: np.ndarray = field(init=False)

    def __post_init__(self):
        ds = [data.teacher_student(np.random.default_rng([0, s]), self.N, self.P, 0.25) for s in range(self.n_seeds)]
        self.inputs = np.stack([d.inputs for d in ds])
        self.labels = np.stack([d.labels for d in ds])
        self.w_star = np.stack([gross_single.teacher_solution(d.inputs, d.labels) for d in ds])
        self.w0 = np.zeros((self.n_seeds, self.N))

    def rngs(self, n):
        return _rngs(self.root, n)

    @property
    def flops(self):
        return single_layer_flops(self.N, self.S)


@dataclass
class TwoLayer:
    """Gross Sec. III A: x ~ N(0, I/N_i), teacher labels plus noise, weights of order one."""

    n_in: int = 50
    n_hidden: int = 40
    P: int = 5000
    S: int = 10
    learning_rate: float = 0.05
    n_seeds: int = 16
    root: int = 2
    inputs: np.ndarray = field(init=False)
    labels: np.ndarray = field(init=False)
    first: np.ndarray = field(init=False)
    second: np.ndarray = field(init=False)

    def __post_init__(self):
        rng = np.random.default_rng(3)
        self.inputs = rng.normal(0, np.sqrt(1 / self.n_in), (self.n_seeds, self.P, self.n_in))
        teacher = rng.normal(size=(self.n_seeds, self.n_in))
        self.labels = np.einsum("spi,si->sp", self.inputs, teacher) + rng.normal(0, 0.5, (self.n_seeds, self.P))
        self.first = rng.normal(0, np.sqrt(1 / self.n_in), (self.n_seeds, self.n_hidden, self.n_in))
        self.second = rng.normal(0, np.sqrt(1 / self.n_hidden), (self.n_seeds, self.n_hidden))

    def rngs(self, n):
        return _rngs(self.root, n)

    @property
    def flops(self):
        return two_layer_flops(self.n_in, self.n_hidden, self.S)


@dataclass
class DeepLinear:
    """Corlouer's setting: teacher M = U diag(s) V^T (d_L x d_0), small random initial weights per seed."""

    widths: tuple[int, ...] = (12, 12, 12, 12, 12)
    batch_size: int = 1
    learning_rate: float = 0.01
    label_noise_std: float = 0.1
    dt: float = 0.01  # SDE only: Euler-Maruyama step in continuum time t = eta k
    n_seeds: int = 64
    root: int = 3
    teacher: np.ndarray = field(init=False)
    w0: list[np.ndarray] = field(init=False)

    def __post_init__(self):
        rng = np.random.default_rng(4)
        d0, dL = self.widths[0], self.widths[-1]
        u, _ = np.linalg.qr(rng.normal(size=(dL, dL)))
        v, _ = np.linalg.qr(rng.normal(size=(d0, d0)))
        s = np.zeros((dL, d0))
        k = min(d0, dL)
        s[np.arange(k), np.arange(k)] = np.geomspace(3.0, 0.3, k)
        self.teacher = u @ s @ v.T
        self.w0 = [rng.normal(0, 0.3 / np.sqrt(self.widths[l]), (self.n_seeds, self.widths[l + 1], self.widths[l]))
                   for l in range(len(self.widths) - 1)]

    def rngs(self, n):
        return _rngs(self.root, n)

    @property
    def online_flops(self):
        return deep_linear_online_flops(self.widths, self.batch_size)

    @property
    def sde_flops(self):
        return sde_flops(self.widths)


# Engine record interval: every 100 steps (the workflow's choice: relaxation takes >= 1e3 steps). The two-layer
# records hold all 2041 weights and their streaming covariance costs 2 x 2041^2 FLOPs per record, 6x the SGD step
# at every 100 steps; every 1000 steps keeps that below the step's own cost.
RECORD_INTERVAL = {"single_layer": 100, "two_layer": 1000, "deep_linear": 100, "sde": 100}
# Fewest steps per seed of a timed engine run. The two-layer engine returns the 2041 x 2041 moment sums of every
# seed (533 MB for 16 seeds), a fixed ~0.5-1 s per call; runs of 1e5 steps, as in an experiment, amortise it.
ENGINE_MIN_STEPS = {"two_layer": 100_000}


def _record_every(steps: int, workload: str) -> int:
    """The workload's record interval, or a divisor of `steps` for step counts that are not multiples of it."""
    return math.gcd(steps, RECORD_INTERVAL[workload])


# ------------------------------------------------------------------------------------------------- engine
def engine_single_layer(pr: SingleLayer, n: int, steps: int) -> np.ndarray:
    """Final weights (n, N) after `steps` engine steps of the first n seeds."""
    run = engine.single_layer_sgd(pr.inputs[:n], pr.labels[:n], pr.w0[:n], pr.w_star[:n], pr.rngs(n), learning_rate=pr.learning_rate,
                                  batch_size=pr.S, burn_in_steps=0, measure_steps=steps, record_every=_record_every(steps, "single_layer"), trace_every=steps)
    return run.final_weights


def engine_two_layer(pr: TwoLayer, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    # Moments of the second layer, as the catalogue's 50-40 runs (gross2024_fig9a) record: those of the whole record would
    # add 16 x 33 MB of outer sums, whose allocation and page faults (0.3-1.0 s a call, varying with the huge pages the
    # kernel has free) made the 1-thread row bimodal.
    run = engine.two_layer_sgd(pr.inputs[:n], pr.labels[:n], pr.first[:n], pr.second[:n], pr.rngs(n), learning_rate=pr.learning_rate,
                               batch_size=pr.S, burn_in_steps=0, measure_steps=steps, record_every=_record_every(steps, "two_layer"), trace_every=steps,
                               moments="second_layer")
    return run.final_first, run.final_second


def engine_deep_linear(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    run = engine.deep_linear_online_sgd(pr.teacher, [w[:n] for w in pr.w0], pr.rngs(n), learning_rate=pr.learning_rate,
                                        batch_size=pr.batch_size, label_noise_std=pr.label_noise_std, burn_in_steps=0, measure_steps=steps,
                                        record_every=_record_every(steps, "deep_linear"), trace_every=steps)
    return run.final_weights


def engine_sde(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    run = engine.deep_linear_sde(pr.teacher, [w[:n] for w in pr.w0], pr.rngs(n), learning_rate=pr.learning_rate, batch_size=pr.batch_size,
                                 label_noise_std=pr.label_noise_std, dt=pr.dt, burn_in_steps=0, measure_steps=steps,
                                 record_every=_record_every(steps, "sde"), trace_every=steps)
    return run.final_weights


# -------------------------------------------------------------------------------------------- naive numpy
def naive_single_layer(pr: SingleLayer, n: int, steps: int) -> np.ndarray:
    """Eq. (2.11) for one seed at a time, one step at a time: draw S indices, gather, residual, update."""
    out = []
    for s, rng in enumerate(pr.rngs(n)):
        x, y, w = pr.inputs[s], pr.labels[s], pr.w0[s].copy()
        for _ in range(steps):
            batch = (rng.random(pr.S) * pr.P).astype(np.int64)
            xb = x[batch]
            w -= pr.learning_rate / pr.S * (xb.T @ (xb @ w - y[batch]))
        out.append(w)
    return np.array(out)


def naive_two_layer(pr: TwoLayer, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (3.5) per seed and step: e = (lambda/S) (y_B - w X_B) X_B, W1 += W2^T e, W2 += e W1^T (old weights)."""
    firsts, seconds = [], []
    for s, rng in enumerate(pr.rngs(n)):
        x, y = pr.inputs[s], pr.labels[s]
        first, second = pr.first[s].copy(), pr.second[s].copy()
        for _ in range(steps):
            batch = (rng.random(pr.S) * pr.P).astype(np.int64)
            xb = x[batch]
            e = pr.learning_rate / pr.S * ((y[batch] - xb @ (second @ first)) @ xb)
            first, second = first + np.outer(second, e), second + first @ e
        firsts.append(first)
        seconds.append(second)
    return np.array(firsts), np.array(seconds)


def naive_deep_linear(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """Online SGD by backpropagation per seed and step: a batch X (b x d_0) ~ N(0, I), Y = X M^T + sigma_q Xi,
    forward through the layers, backpropagate the error through the old weights, update every layer."""
    d0, dL, b = pr.widths[0], pr.widths[-1], pr.batch_size
    finals = [[] for _ in pr.w0]
    for s, rng in enumerate(pr.rngs(n)):
        weights = [w[s].copy() for w in pr.w0]
        for _ in range(steps):
            z = rng.standard_normal(b * (d0 + dL) if pr.label_noise_std > 0 else b * d0)
            x = z[: b * d0].reshape(b, d0)
            y = x @ pr.teacher.T
            if pr.label_noise_std > 0:
                y = y + pr.label_noise_std * z[b * d0 :].reshape(b, dL)
            hidden = [x]
            for w in weights:
                hidden.append(hidden[-1] @ w.T)
            g = y - hidden[-1]  # minus d loss / d output, per sample
            for l in range(len(weights) - 1, -1, -1):
                grad = g.T @ hidden[l]
                if l > 0:
                    g = g @ weights[l]
                weights[l] = weights[l] + pr.learning_rate / b * grad
        for l, w in enumerate(weights):
            finals[l].append(w)
    return [np.array(f) for f in finals]


def _partial_products(weights):
    """W_<l and W_>l for l = 1..L (list index l - 1), and W = W_L ... W_1, with L + (L - 1) products."""
    d0, dL = weights[0].shape[1], weights[-1].shape[0]
    prefix = [np.eye(d0)]
    for w in weights[:-1]:
        prefix.append(w @ prefix[-1])
    suffix = [np.eye(dL)]
    for w in weights[:0:-1]:
        suffix.insert(0, suffix[0] @ w)
    return prefix, suffix, weights[-1] @ prefix[-1]


def _symmetric_gaussian(draws, d0):
    """Z = (Xi + Xi^T)/sqrt(2) from the d_0 (d_0 + 1)/2 normals of its upper triangle (row-major, Z_ii = sqrt(2) xi)."""
    z = np.zeros((d0, d0))
    z[np.triu_indices(d0)] = draws
    z = z + np.triu(z, 1).T
    z[np.diag_indices(d0)] *= np.sqrt(2.0)
    return z


def naive_sde(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """Euler-Maruyama per seed and step with the matrix-free noise (noise_covariance.deep_linear_noise):
    W_l += W_>l^T (dt Delta + sqrt(eta dt / b) (Delta Z + sigma_q N)) W_<l^T."""
    d0, dL = pr.widths[0], pr.widths[-1]
    n_z = d0 * (d0 + 1) // 2
    scale = np.sqrt(pr.learning_rate * pr.dt / pr.batch_size)
    finals = [[] for _ in pr.w0]
    for s, rng in enumerate(pr.rngs(n)):
        weights = [w[s].copy() for w in pr.w0]
        for _ in range(steps):
            prefix, suffix, product = _partial_products(weights)
            delta = pr.teacher - product
            draws = rng.standard_normal(n_z + (dL * d0 if pr.label_noise_std > 0 else 0))
            noise = delta @ _symmetric_gaussian(draws[:n_z], d0)
            if pr.label_noise_std > 0:
                noise = noise + pr.label_noise_std * draws[n_z:].reshape(dL, d0)
            r = pr.dt * delta + scale * noise
            weights = [w + q.T @ r @ a.T for w, a, q in zip(weights, prefix, suffix)]
        for l, w in enumerate(weights):
            finals[l].append(w)
    return [np.array(f) for f in finals]


def explicit_sigma_step(weights, teacher, label_noise_std, dt, scale, xi):
    """One Euler-Maruyama step through the explicit covariance: Sigma(theta) of Prop. 3.2 in the engine's
    parameter order, its symmetric square root R = V sqrt(Lambda) (R R^T = Sigma; eigh because Sigma is
    singular), noise = R xi with xi ~ N(0, I_params). Returns the new weights and R."""
    sigma = noise_covariance.deep_linear_noise_covariance(weights, teacher, label_noise_std)
    values, vectors = np.linalg.eigh(sigma)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    noise = root @ xi
    prefix, suffix, product = _partial_products(weights)
    delta = teacher - product
    out, start = [], 0
    for w, a, q in zip(weights, prefix, suffix):
        out.append(w + dt * (q.T @ delta @ a.T) + scale * noise[start : start + w.size].reshape(w.shape))
        start += w.size
    return out, root


def explicit_sigma_sde(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """Euler-Maruyama per seed and step through the explicit Sigma (explicit_sigma_step)."""
    scale = np.sqrt(pr.learning_rate * pr.dt / pr.batch_size)
    n_params = sum(w.shape[1] * w.shape[2] for w in pr.w0)
    finals = [[] for _ in pr.w0]
    for s, rng in enumerate(pr.rngs(n)):
        weights = [w[s].copy() for w in pr.w0]
        for _ in range(steps):
            weights, _ = explicit_sigma_step(weights, pr.teacher, pr.label_noise_std, pr.dt, scale, rng.standard_normal(n_params))
        for l, w in enumerate(weights):
            finals[l].append(w)
    return [np.array(f) for f in finals]


# -------------------------------------------------------------------------------------------- PyTorch loop
def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def _linear_stack(torch, widths, initial):
    layers = [torch.nn.Linear(widths[l], widths[l + 1], bias=False, dtype=torch.float64) for l in range(len(widths) - 1)]
    with torch.no_grad():
        for layer, w in zip(layers, initial):
            layer.weight.copy_(torch.from_numpy(np.asarray(w, dtype=np.float64)).reshape(layer.weight.shape))
    return torch.nn.Sequential(*layers)


def torch_single_layer(pr: SingleLayer, n: int, steps: int) -> np.ndarray:
    """nn.Linear(N, 1, bias=False) + optim.SGD(lr = lambda) on the loss (1/2S) sum_B (y - w x)^2, per seed."""
    torch = _torch()
    out = []
    for s, rng in enumerate(pr.rngs(n)):
        x, y = torch.from_numpy(pr.inputs[s]), torch.from_numpy(pr.labels[s])
        model = _linear_stack(torch, (pr.N, 1), [pr.w0[s]])
        optimizer = torch.optim.SGD(model.parameters(), lr=pr.learning_rate)
        for _ in range(steps):
            batch = torch.from_numpy((rng.random(pr.S) * pr.P).astype(np.int64))
            optimizer.zero_grad()
            loss = 0.5 * ((model(x[batch]).squeeze(1) - y[batch]) ** 2).mean()
            loss.backward()
            optimizer.step()
        out.append(model[0].weight.detach().numpy().ravel().copy())
    return np.array(out)


def torch_two_layer(pr: TwoLayer, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Two nn.Linear(bias=False) layers N_i -> N_h -> 1 + optim.SGD on the loss (1/2S) sum_B (y - W2 W1 x)^2, per seed."""
    torch = _torch()
    firsts, seconds = [], []
    for s, rng in enumerate(pr.rngs(n)):
        x, y = torch.from_numpy(pr.inputs[s]), torch.from_numpy(pr.labels[s])
        model = _linear_stack(torch, (pr.n_in, pr.n_hidden, 1), [pr.first[s], pr.second[s]])
        optimizer = torch.optim.SGD(model.parameters(), lr=pr.learning_rate)
        for _ in range(steps):
            batch = torch.from_numpy((rng.random(pr.S) * pr.P).astype(np.int64))
            optimizer.zero_grad()
            loss = 0.5 * ((model(x[batch]).squeeze(1) - y[batch]) ** 2).mean()
            loss.backward()
            optimizer.step()
        firsts.append(model[0].weight.detach().numpy().copy())
        seconds.append(model[1].weight.detach().numpy().ravel().copy())
    return np.array(firsts), np.array(seconds)


def torch_deep_linear(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """L nn.Linear(bias=False) layers + optim.SGD(lr = eta) on (1/b) sum_k 1/2 ||y_k - W x_k||^2, fresh batch per step."""
    torch = _torch()
    d0, dL, b = pr.widths[0], pr.widths[-1], pr.batch_size
    teacher_t = torch.from_numpy(pr.teacher.T.copy())
    finals = [[] for _ in pr.w0]
    for s, rng in enumerate(pr.rngs(n)):
        model = _linear_stack(torch, pr.widths, [w[s] for w in pr.w0])
        optimizer = torch.optim.SGD(model.parameters(), lr=pr.learning_rate)
        for _ in range(steps):
            z = torch.from_numpy(rng.standard_normal(b * (d0 + dL) if pr.label_noise_std > 0 else b * d0))
            x = z[: b * d0].reshape(b, d0)
            y = x @ teacher_t
            if pr.label_noise_std > 0:
                y = y + pr.label_noise_std * z[b * d0 :].reshape(b, dL)
            optimizer.zero_grad()
            loss = 0.5 * ((y - model(x)) ** 2).sum() / b
            loss.backward()
            optimizer.step()
        for l, layer in enumerate(model):
            finals[l].append(layer.weight.detach().numpy().copy())
    return [np.array(f) for f in finals]


def torch_sde(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """L nn.Linear(bias=False) layers + optim.SGD(lr = dt): autograd of the population loss 1/2 ||M - W||_F^2
    gives the drift; the matrix-free noise W_>l^T (Delta Z + sigma_q N) W_<l^T, scaled by sqrt(eta dt / b) / dt,
    is subtracted from each .grad before optimizer.step()."""
    torch = _torch()
    d0, dL = pr.widths[0], pr.widths[-1]
    n_z = d0 * (d0 + 1) // 2
    scale = np.sqrt(pr.learning_rate * pr.dt / pr.batch_size)
    teacher_t = torch.from_numpy(pr.teacher.T.copy())
    eye = torch.eye(d0, dtype=torch.float64)
    upper = torch.triu_indices(d0, d0)
    finals = [[] for _ in pr.w0]
    for s, rng in enumerate(pr.rngs(n)):
        model = _linear_stack(torch, pr.widths, [w[s] for w in pr.w0])
        optimizer = torch.optim.SGD(model.parameters(), lr=pr.dt)
        for _ in range(steps):
            optimizer.zero_grad()
            product_t = model(eye)  # rows are W e_i: W^T
            loss = 0.5 * ((teacher_t - product_t) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                draws = torch.from_numpy(rng.standard_normal(n_z + (dL * d0 if pr.label_noise_std > 0 else 0)))
                z = torch.zeros(d0, d0, dtype=torch.float64)
                z[upper[0], upper[1]] = draws[:n_z]
                z = z + torch.triu(z, 1).T
                z.diagonal().mul_(np.sqrt(2.0))
                noise = (teacher_t - product_t).T @ z
                if pr.label_noise_std > 0:
                    noise = noise + pr.label_noise_std * draws[n_z:].reshape(dL, d0)
                weights = [layer.weight for layer in model]
                prefix = [eye]
                for w in weights[:-1]:
                    prefix.append(w @ prefix[-1])
                suffix = [torch.eye(dL, dtype=torch.float64)]
                for w in weights[:0:-1]:
                    suffix.insert(0, suffix[0] @ w)
                for w, a, q in zip(weights, prefix, suffix):
                    w.grad -= (scale / pr.dt) * (q.T @ noise @ a.T)
            optimizer.step()
        for l, layer in enumerate(model):
            finals[l].append(layer.weight.detach().numpy().copy())
    return [np.array(f) for f in finals]


# ---------------------------------------------------------------------------- vectorised peers: the step formulas
# One formula per workload on arrays with any leading axes: numpy_batched and torch_bmm call it on (seeds, ...)
# arrays, jax_scan on one seed's arrays under vmap. Matrix-vector products are taken as row vector @ matrix (_vecmat):
# PyTorch runs the batched (.., 1, n) @ (.., n, m) 2.7x faster than (.., m, n) @ (.., n, 1), numpy both alike.
PEER_BLOCK = 100  # steps per block of random draws and per compiled JAX scan; the timed step counts are multiples of it


def _vecmat(v, m):
    """v^T M over leading axes: (..., n) and (..., n, k) -> (..., k)."""
    return (v[..., None, :] @ m)[..., 0, :]


def _single_layer_step(w, xb, yb, rate):
    """Eq. (2.11): w <- w - (lambda/S) X_B^T (X_B w - y_B), with rate = lambda/S."""
    return w - rate * _vecmat(_vecmat(w, xb.mT) - yb, xb)


def _two_layer_step(first, second, xb, yb, rate):
    """Eq. (3.5) with the old weights on the right: e = (lambda/S) (y_B - w X_B) X_B for w = W2 W1, then
    W1 += W2^T e and W2 += e W1^T."""
    e = rate * _vecmat(yb - _vecmat(_vecmat(second, first), xb.mT), xb)
    return first + second[..., :, None] * e[..., None, :], second + _vecmat(e, first.mT)


def _teacher_samples(z, teacher_t, b, label_noise_std):
    """Online samples from per-step normals z (..., b (d_0 + d_L)): X (..., b, d_0) ~ N(0, I) and Y = X M^T + sigma_q Xi,
    in the engine's order (the b inputs first, then the label noises). Y does not depend on the weights, so a whole
    block of steps is formed at once."""
    d0, dL = teacher_t.shape
    x = z[..., : b * d0].reshape(*z.shape[:-1], b, d0)
    y = x @ teacher_t
    if label_noise_std > 0:
        y = y + label_noise_std * z[..., b * d0 :].reshape(*z.shape[:-1], b, dL)
    return x, y


def _deep_linear_step(weights, x, y, rate):
    """Online SGD by backpropagation on (1/b) sum_k 1/2 ||y_k - W x_k||^2: forward, the error g = Y - X W^T taken
    back through the old weights, W_l += (eta/b) g_l^T h_(l-1); rate = eta/b."""
    hidden = [x]
    for w in weights:
        hidden.append(hidden[-1] @ w.mT)
    g = y - hidden[-1]
    new = list(weights)
    for l in range(len(weights) - 1, -1, -1):
        new[l] = weights[l] + rate * (g.mT @ hidden[l])
        if l > 0:
            g = g @ weights[l]
    return new


def _symmetric_index(d0):
    """Index into the d_0 (d_0 + 1)/2 upper-triangle normals (row-major) and scale that give Z = (Xi + Xi^T)/sqrt(2)
    by one gather (Z_ij = Z_ji = xi_ij, Z_ii = sqrt(2) xi_ii), as _symmetric_gaussian."""
    index = np.zeros((d0, d0), dtype=np.int64)
    index[np.triu_indices(d0)] = np.arange(d0 * (d0 + 1) // 2)
    return np.triu(index) + np.triu(index, 1).T, np.where(np.eye(d0, dtype=bool), np.sqrt(2.0), 1.0)


def _sde_increments(z, d0, dL, label_noise_std, dt, scale, asarray):
    """From per-step normals z (..., d_0 (d_0 + 1)/2 + d_L d_0) the two weight-independent factors of the step's
    r = dt Delta + sqrt(eta dt / b) (Delta Z + sigma_q N) = Delta (dt I + sqrt(eta dt / b) Z) + sqrt(eta dt / b) sigma_q N,
    formed for a whole block of steps at once (the second is None without label noise); asarray converts the
    constant index and matrices to z's framework."""
    index, diagonal = _symmetric_index(d0)
    n_z = d0 * (d0 + 1) // 2
    right = z[..., asarray(index)] * asarray(scale * diagonal) + asarray(dt * np.eye(d0))
    label = scale * label_noise_std * z[..., n_z:].reshape(*z.shape[:-1], dL, d0) if label_noise_std > 0 else None
    return right, label


def _sde_step(weights, teacher, right, label):
    """Euler-Maruyama step of the SGD SDE with the matrix-free noise of Prop. 3.2: W_l += W_>l^T r W_<l^T with
    r = (M - W) right + label (_sde_increments); the partial products W_<l, W_>l are shared by all layers."""
    below = [None, weights[0]]  # W_<l, l = 1..L (None: the identity)
    for w in weights[1:-1]:
        below.append(w @ below[-1])
    above = [None]  # W_>l, built from the top
    for w in weights[:0:-1]:
        above.insert(0, w if above[0] is None else above[0] @ w)
    r = (teacher - weights[-1] @ below[-1]) @ right
    if label is not None:
        r = r + label
    new = []
    for w, a, q in zip(weights, below, above):
        u = r if a is None else r @ a.mT
        new.append(w + (u if q is None else q.mT @ u))
    return new


# -------------------------------------------------------------------------- numpy_batched and torch_bmm: all seeds
@dataclass
class _Batched:
    """numpy or PyTorch as the batched peers use them: array conversion, the peer's own generator, row gathers."""

    asarray: Callable  # numpy array -> the framework's, sharing memory
    to_numpy: Callable  # the framework's array -> a numpy copy
    uniform: Callable  # shape -> U(0, 1) draws
    normal: Callable  # shape -> N(0, 1) draws
    index: Callable  # (u, P) -> minibatch indices int(u P)
    rows: Callable  # (x, index) -> x[index] along the first axis
    context: Callable  # what a peer runs inside (torch.inference_mode: no autograd bookkeeping)


def _batched(framework: str, root: int) -> _Batched:
    """The framework's _Batched, its generator seeded by `root` (the workload's)."""
    if framework == "numpy":
        rng = np.random.default_rng(np.random.SeedSequence(root))
        return _Batched(np.asarray, np.array, rng.random, rng.standard_normal, lambda u, P: (u * P).astype(np.int64),
                        partial(np.take, axis=0), contextlib.nullcontext)
    if framework == "torch":
        torch = _torch()
        generator = torch.Generator().manual_seed(root)
        # index_select is 2x faster than advanced indexing x[index] for these gathers
        return _Batched(torch.from_numpy, lambda a: a.numpy().copy(), partial(torch.rand, generator=generator, dtype=torch.float64),
                        partial(torch.randn, generator=generator, dtype=torch.float64), lambda u, P: (u * P).long(),
                        lambda x, i: x.index_select(0, i.reshape(-1)).reshape(*i.shape, *x.shape[1:]), torch.inference_mode)
    raise ValueError(f"framework must be 'numpy' or 'torch', not {framework!r}")


def _draw_blocks(fw: _Batched, pr, n: int, steps: int, per_step: int, normal: bool, streams: str):
    """The random numbers of `steps` steps as blocks (k, n, per_step), k <= PEER_BLOCK. streams="own": the peer's
    generator draws a whole block at once; "engine": each seed's numbers from pr.rngs(n) in the engine's order (one
    (k, per_step) draw per seed is the naive loop's k draws of per_step numbers)."""
    if streams not in ("own", "engine"):
        raise ValueError(f"streams must be 'own' or 'engine', not {streams!r}")
    rngs = pr.rngs(n) if streams == "engine" else None
    for start in range(0, steps, PEER_BLOCK):
        k = min(PEER_BLOCK, steps - start)
        if rngs is None:
            yield (fw.normal if normal else fw.uniform)((k, n, per_step))
        else:
            yield fw.asarray(np.stack([rng.standard_normal((k, per_step)) if normal else rng.random((k, per_step)) for rng in rngs], axis=1))


def _minibatches(fw: _Batched, pr, n: int, steps: int, streams: str):
    """Each step's n minibatches X_B (n, S, N), y_B (n, S), with replacement: indices int(u P) from S uniforms per seed,
    gathered from the seeds' stacked data by one index of rows (the labels a block at a time)."""
    x = fw.asarray(pr.inputs[:n].reshape(n * pr.P, pr.inputs.shape[-1]))
    y = fw.asarray(pr.labels[:n].reshape(n * pr.P))
    first_row = fw.asarray(np.arange(n)[:, None] * pr.P)
    for u in _draw_blocks(fw, pr, n, steps, pr.S, False, streams):
        batch = fw.index(u, pr.P) + first_row
        labels = fw.rows(y, batch)
        for t in range(len(batch)):
            yield fw.rows(x, batch[t]), labels[t]


def batched_single_layer(pr: SingleLayer, n: int, steps: int, framework: str = "numpy", streams: str = "own") -> np.ndarray:
    """Eq. (2.11) for all n seeds at once (numpy_batched, torch_bmm): w (n, N)."""
    fw = _batched(framework, pr.root)
    with fw.context():
        w = fw.asarray(pr.w0[:n])
        for xb, yb in _minibatches(fw, pr, n, steps, streams):
            w = _single_layer_step(w, xb, yb, pr.learning_rate / pr.S)
        return fw.to_numpy(w)


def batched_two_layer(pr: TwoLayer, n: int, steps: int, framework: str = "numpy", streams: str = "own") -> tuple[np.ndarray, np.ndarray]:
    """Eq. (3.5) for all n seeds at once (numpy_batched, torch_bmm): W1 (n, N_h, N_i), W2 (n, N_h)."""
    fw = _batched(framework, pr.root)
    with fw.context():
        first, second = fw.asarray(pr.first[:n]), fw.asarray(pr.second[:n])
        for xb, yb in _minibatches(fw, pr, n, steps, streams):
            first, second = _two_layer_step(first, second, xb, yb, pr.learning_rate / pr.S)
        return fw.to_numpy(first), fw.to_numpy(second)


def _draws_per_step(pr: DeepLinear, sde: bool) -> int:
    """Normals per seed and step in the engine's streams: online SGD b (d_0 + d_L) (inputs, label noises), the SDE
    d_0 (d_0 + 1)/2 + d_L d_0 (Z, N); without label noise only the first part."""
    d0, dL = pr.widths[0], pr.widths[-1]
    first, label = (d0 * (d0 + 1) // 2, dL * d0) if sde else (pr.batch_size * d0, pr.batch_size * dL)
    return first + (label if pr.label_noise_std > 0 else 0)


def batched_deep_linear(pr: DeepLinear, n: int, steps: int, framework: str = "numpy", streams: str = "own") -> list[np.ndarray]:
    """Online SGD of the deep linear network for all n seeds at once (numpy_batched, torch_bmm): W_l (n, d_l, d_(l-1)),
    each block's samples X, Y (k, n, b, d) formed at once (_teacher_samples)."""
    fw = _batched(framework, pr.root)
    with fw.context():
        teacher_t = fw.asarray(pr.teacher.T.copy())
        weights = [fw.asarray(w[:n]) for w in pr.w0]
        for z in _draw_blocks(fw, pr, n, steps, _draws_per_step(pr, False), True, streams):
            xs, ys = _teacher_samples(z, teacher_t, pr.batch_size, pr.label_noise_std)
            for x, y in zip(xs, ys):
                weights = _deep_linear_step(weights, x, y, pr.learning_rate / pr.batch_size)
        return [fw.to_numpy(w) for w in weights]


def batched_sde(pr: DeepLinear, n: int, steps: int, framework: str = "numpy", streams: str = "own") -> list[np.ndarray]:
    """Euler-Maruyama of the SGD SDE with the matrix-free noise for all n seeds at once (numpy_batched, torch_bmm)."""
    fw = _batched(framework, pr.root)
    d0, dL = pr.widths[0], pr.widths[-1]
    scale = np.sqrt(pr.learning_rate * pr.dt / pr.batch_size)
    with fw.context():
        teacher = fw.asarray(pr.teacher)
        weights = [fw.asarray(w[:n]) for w in pr.w0]
        for z in _draw_blocks(fw, pr, n, steps, _draws_per_step(pr, True), True, streams):
            rights, labels = _sde_increments(z, d0, dL, pr.label_noise_std, pr.dt, scale, fw.asarray)
            for t in range(len(rights)):
                weights = _sde_step(weights, teacher, rights[t], None if labels is None else labels[t])
        return [fw.to_numpy(w) for w in weights]


# ------------------------------------------------------------------------------------ jax_scan: jit, vmap, lax.scan
def _jax():
    """jax in float64 on the CPU with one thread. jax reads JAX_PLATFORMS when imported and XLA its flags when the CPU
    client is created, so both are set before jax's first import only (a jax imported earlier keeps its setup)."""
    if "jax" in sys.modules:
        import jax
    else:
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".strip()
        os.environ["JAX_PLATFORMS"] = "cpu"
        import jax

        # The flags leave the CPU client's XLAEigen pool at one thread per core (cpu share 1.5 on the SDE scan):
        # the pool is sized by the CPU affinity when the client is created, so create it on one CPU, then give
        # every thread, the pool's included, back the whole mask.
        allowed = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
        if allowed:
            os.sched_setaffinity(0, {min(allowed)})
            try:
                jax.devices()
            finally:
                for thread in os.listdir("/proc/self/task"):
                    with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                        os.sched_setaffinity(int(thread), allowed)
    jax.config.update("jax_enable_x64", True)
    return jax


# Jitted block functions by (workload, the constants they close over, block length). jit adds the seed count to
# its own cache, so a calibration's warm-up run compiles the block the timed runs use.
_JAX_BLOCKS: dict[tuple, Callable] = {}


def _jax_scan(workload: str, constants: tuple, one_seed_block: Callable, state, root: int, n: int, per_seed: tuple, shared: tuple, steps: int):
    """Advance n seeds `steps` steps in jitted blocks of <= PEER_BLOCK steps, vmapped over seeds. one_seed_block(k)
    returns block(state, key, *per_seed, *shared) -> state: one seed's k steps, drawing its numbers from `key` and
    running a lax.scan over them. The seeds' keys split key(root) and are split again per block."""
    jax = _jax()
    keys = jax.random.split(jax.random.key(root), n)
    for start in range(0, steps, PEER_BLOCK):
        k = min(PEER_BLOCK, steps - start)
        run = _JAX_BLOCKS.get((workload, constants, k))
        if run is None:
            block = one_seed_block(k)

            def advance(state, key, *args, block=block):
                key, sub = jax.random.split(key)
                return block(state, sub, *args), key

            run = _JAX_BLOCKS[workload, constants, k] = jax.jit(jax.vmap(advance, in_axes=(0, 0) + (0,) * len(per_seed) + (None,) * len(shared)))
        state, keys = run(state, keys, *per_seed, *shared)
    return jax.block_until_ready(state)


def jax_scan_single_layer(pr: SingleLayer, n: int, steps: int) -> np.ndarray:
    """Eq. (2.11) in JAX: per seed, a block's minibatch indices by jax.random.randint, then lax.scan over the steps."""
    jax = _jax()
    rate = pr.learning_rate / pr.S

    def one_seed_block(k):
        def block(w, key, x, y):
            def step(w, batch):
                return _single_layer_step(w, x[batch], y[batch], rate), None

            return jax.lax.scan(step, w, jax.random.randint(key, (k, pr.S), 0, pr.P))[0]

        return block

    jnp = jax.numpy
    w = _jax_scan("single_layer", (pr.S, pr.P, rate), one_seed_block, jnp.asarray(pr.w0[:n]), pr.root, n,
                  (jnp.asarray(pr.inputs[:n]), jnp.asarray(pr.labels[:n])), (), steps)
    return np.array(w)


def jax_scan_two_layer(pr: TwoLayer, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (3.5) in JAX: per seed, a block's minibatch indices by jax.random.randint, then lax.scan over the steps."""
    jax = _jax()
    rate = pr.learning_rate / pr.S

    def one_seed_block(k):
        def block(weights, key, x, y):
            def step(weights, batch):
                return _two_layer_step(*weights, x[batch], y[batch], rate), None

            return jax.lax.scan(step, weights, jax.random.randint(key, (k, pr.S), 0, pr.P))[0]

        return block

    jnp = jax.numpy
    first, second = _jax_scan("two_layer", (pr.S, pr.P, rate), one_seed_block, (jnp.asarray(pr.first[:n]), jnp.asarray(pr.second[:n])),
                              pr.root, n, (jnp.asarray(pr.inputs[:n]), jnp.asarray(pr.labels[:n])), (), steps)
    return np.array(first), np.array(second)


def jax_scan_deep_linear(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """Online SGD of the deep linear network in JAX: per seed, a block's normals by jax.random.normal, the block's
    samples X, Y at once (_teacher_samples), then lax.scan over the steps."""
    jax = _jax()
    per_step, rate = _draws_per_step(pr, False), pr.learning_rate / pr.batch_size

    def one_seed_block(k):
        def block(weights, key, teacher_t):
            def step(weights, sample):
                return _deep_linear_step(weights, *sample, rate), None

            z = jax.random.normal(key, (k, per_step), dtype=np.float64)
            return jax.lax.scan(step, weights, _teacher_samples(z, teacher_t, pr.batch_size, pr.label_noise_std))[0]

        return block

    jnp = jax.numpy
    weights = _jax_scan("deep_linear", (pr.widths, pr.batch_size, pr.label_noise_std, rate), one_seed_block,
                        [jnp.asarray(w[:n]) for w in pr.w0], pr.root, n, (), (jnp.asarray(pr.teacher.T),), steps)
    return [np.array(w) for w in weights]


def jax_scan_sde(pr: DeepLinear, n: int, steps: int) -> list[np.ndarray]:
    """Euler-Maruyama of the SGD SDE with the matrix-free noise in JAX: per seed, a block's normals by
    jax.random.normal, its weight-independent factors at once (_sde_increments), then lax.scan over the steps."""
    jax = _jax()
    jnp = jax.numpy
    d0, dL = pr.widths[0], pr.widths[-1]
    per_step, scale = _draws_per_step(pr, True), np.sqrt(pr.learning_rate * pr.dt / pr.batch_size)

    def one_seed_block(k):
        def block(weights, key, teacher):
            def step(weights, increments):
                return _sde_step(weights, teacher, *increments), None

            z = jax.random.normal(key, (k, per_step), dtype=np.float64)
            right, label = _sde_increments(z, d0, dL, pr.label_noise_std, pr.dt, scale, jnp.asarray)
            return jax.lax.scan(step, weights, (right, label))[0]

        return block

    weights = _jax_scan("sde", (pr.widths, pr.label_noise_std, pr.dt, scale), one_seed_block,
                        [jnp.asarray(w[:n]) for w in pr.w0], pr.root, n, (), (jnp.asarray(pr.teacher),), steps)
    return [np.array(w) for w in weights]


# ------------------------------------------------------------------------------------------------ machine peak
# Independent multiply-add chains: 16 AVX-512 registers of 8, twice the 2 FMA pipes x 4 cycles of latency x 8 lanes a
# core needs to issue an FMA every cycle (64 chains gave the same rate here, 32 a small fraction of it).
FMA_CHAINS = 128


@numba.njit(fastmath=True)
def _fma_chains(start, a, c, rounds):
    """`rounds` x FMA_CHAINS multiply-adds acc_i <- acc_i a + c. The accumulators stay in registers and the chains are
    independent, so fastmath lets LLVM contract each update to an FMA and vectorise at the CPU's widest SIMD width."""
    acc = start.copy()
    for _ in range(rounds):
        for i in range(FMA_CHAINS):
            acc[i] = acc[i] * a + c
    return acc.sum()


def machine_peak_gflops(repeats: int = 5) -> dict[str, float]:
    """One core's float64 reference rates, best of `repeats` runs of ~20-50 ms: the FMA peak (_fma_chains, 2 flops per
    multiply-add) and numpy's dgemm on 1024 x 1024 matrices (2 n^3 flops; one BLAS thread under OPENBLAS_NUM_THREADS=1)."""
    start, rounds = np.linspace(0.0, 1.0, FMA_CHAINS), 10_000_000  # a = 0.999, c = 1e-3: every chain tends to 1, no overflow or subnormals
    _fma_chains(start, 0.999, 1e-3, 1)  # compile
    a, b = np.random.default_rng(0).random((2, 1024, 1024))
    a @ b  # BLAS warm-up
    return {"fma_peak_1core": 2 * FMA_CHAINS * rounds / _best_time(lambda: _fma_chains(start, 0.999, 1e-3, rounds), repeats) / 1e9,
            "numpy_dgemm_1024": 2 * 1024**3 / _best_time(lambda: a @ b, repeats) / 1e9}


def _best_time(run, repeats: int) -> float:
    """The shortest of `repeats` timed calls of run() (the least disturbed)."""
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return min(times)


@numba.njit
def _bound_normals(states, n_steps, n):
    """One block of LANES seeds drawing n normals per step, as _euler_chunk does (pcg64.lane_normals)."""
    raw, candidate = np.empty((LANES, n), np.uint64), np.empty((LANES, n))
    accepted, draws = np.empty((LANES, n), np.bool_), np.zeros((n, LANES))
    for _t in range(n_steps):
        pcg64.lane_normals(states, raw, candidate, accepted, LANES, n, draws)


@numba.njit
def _bound_products(a, b, out, n_steps, n_products, d):
    """n_products d x d x d lane products per step (lanes_gemm), the SDE step's matrix work and nothing else."""
    for _t in range(n_steps):
        for g in range(n_products):
            lanes_gemm(out, 0, d, 1, a, 0, d, 1, b, 0, d, 1, d, d, d, 1.0, g > 0)


def sde_step_bound(pr: "DeepLinear", repeats: int = 5, n_steps: int = 4000) -> dict[str, float]:
    """A computed floor under the engine's SDE step (square widths d): its normals drawn in lanes plus its
    sde_flops / (2 d^3) matrix products at the lanes_gemm rate, timed alone, per seed-step. Everything else the step
    does (noise assembly, differences, records) is left out, so 1 / floor bounds the engine's rate from above."""
    d = pr.widths[0]
    n_products = sde_flops(pr.widths) // (2 * d**3)
    n_draws = _draws_per_step(pr, sde=True)
    states = pcg64.read_states([np.random.default_rng([5, s]) for s in range(LANES)])
    a, b, out = (lane_empty(d * d) for _ in range(3))  # rows on cache lines, as the engine's lane arrays
    for x in (a, b, out):
        x[:] = np.random.default_rng(6).random(x.shape)
    _bound_normals(states, 2, n_draws)
    _bound_products(a, b, out, 2, n_products, d)
    normals = _best_time(lambda: _bound_normals(states, n_steps, n_draws), repeats) / (n_steps * LANES)
    products = _best_time(lambda: _bound_products(a, b, out, n_steps, n_products, d), repeats) / (n_steps * LANES)
    return {"normals_ns": normals * 1e9, "products_ns": products * 1e9, "floor_ns": (normals + products) * 1e9,
            "bound_seed_steps_per_s": 1.0 / (normals + products), "n_draws": n_draws, "n_products": n_products}


# ------------------------------------------------------------------------------------------------- timing
@dataclass
class Timing:
    seeds: int
    steps: int
    seconds: float  # wall time of the fastest repeat
    cpu_seconds: float  # process CPU time (all threads) of that repeat

    @property
    def rate(self) -> float:
        return self.seeds * self.steps / self.seconds


@dataclass
class Measurement:
    """One implementation of one workload: run(n_seeds, steps) with `threads` numba threads."""

    workload: str
    implementation: str
    run: Callable[[int, int], object]
    seeds: int
    threads: int
    quantum: int  # step counts are multiples of this
    flops_per_step: int
    min_steps: int = 4  # first step count tried by the calibration
    steps: int = 0
    best: Timing | None = None

    def once(self) -> Timing:
        numba.set_num_threads(self.threads)
        wall, cpu = time.perf_counter(), time.process_time()
        result = self.run(self.seeds, self.steps)
        wall = time.perf_counter() - wall
        cpu = result.cpu_seconds if isinstance(result, ChildCPU) else time.process_time() - cpu
        timing = Timing(self.seeds, self.steps, wall, cpu)
        if self.best is None or timing.seconds < self.best.seconds:
            self.best = timing
        return timing

    def calibrate(self, min_seconds: float) -> None:
        """Warm up (JIT compilation, caches), then grow the step count until one run takes >= min_seconds."""
        self.steps = self.quantum
        self.once()  # warm-up, not kept
        self.best = None
        self.steps = max(self.quantum, self.min_steps)
        while True:
            elapsed = self.once().seconds
            if elapsed >= min_seconds:
                return
            grow = min(20.0, max(1.5, 1.15 * min_seconds / max(elapsed, 1e-6)))
            self.steps = int(math.ceil(self.steps * grow / self.quantum)) * self.quantum
            self.best = None


@dataclass
class ChildCPU:
    """What a run in worker processes returns: their CPU time (the parent's own would miss it)."""

    cpu_seconds: float


_ENGINES = {"single_layer": (SingleLayer, engine_single_layer), "two_layer": (TwoLayer, engine_two_layer),
            "deep_linear": (DeepLinear, engine_deep_linear), "sde": (DeepLinear, engine_sde)}


def _engine_worker(workload, tasks, results, barrier):
    """One single-thread engine process: build the workload once, then run (seeds, steps) tasks; runs start at a
    barrier shared with the other worker, so the two overlap as two jobs of the workflow would."""
    numba.set_num_threads(1)
    problem_class, engine_fn = _ENGINES[workload]
    problem = problem_class()
    while (task := tasks.get()) is not None:
        seeds, steps = task
        barrier.wait(timeout=600)  # the other worker died: fail instead of waiting forever
        cpu = time.process_time()
        engine_fn(problem, seeds, steps)
        results.put(time.process_time() - cpu)


class TwoProcesses:
    """run(seeds, steps): the engine in two single-thread worker processes, seeds // 2 each (persistent workers,
    started on first use; `close` ends them). Each worker gets its own task queue, so each runs exactly one half."""

    def __init__(self, workload: str):
        self.workload = workload
        self._workers: list = []

    def __call__(self, seeds: int, steps: int) -> ChildCPU:
        if not self._workers:
            ctx = multiprocessing.get_context("spawn")  # a fork would inherit numba's OpenMP pool in an unusable state
            barrier, self._results = ctx.Barrier(2), ctx.Queue()
            for _ in range(2):
                tasks = ctx.Queue()
                process = ctx.Process(target=_engine_worker, args=(self.workload, tasks, self._results, barrier), daemon=True)
                process.start()
                self._workers.append((process, tasks))
        for _, tasks in self._workers:
            tasks.put((seeds // 2, steps))
        cpu = []
        while len(cpu) < len(self._workers):
            try:
                cpu.append(self._results.get(timeout=1.0))
            except queue.Empty:
                dead = [p.exitcode for p, _ in self._workers if not p.is_alive()]
                if dead:
                    self.close()
                    raise RuntimeError(f"{self.workload}: an engine worker process died (exit code {dead[0]}); see its traceback above")
        return ChildCPU(sum(cpu))

    def close(self) -> None:
        for process, tasks in self._workers:
            if process.is_alive():
                tasks.put(None)
        for process, _ in self._workers:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
        self._workers = []


# Seeds per measurement: the engine and its vectorised peers run the seed counts; the loops one seed (a rate
# is compared).
ENGINE_SEEDS = {"single_layer": 32, "two_layer": 16, "deep_linear": 64, "sde": 64}
PEERS = ("numpy_batched", "torch_bmm", "jax_scan")
BATCHED = {"single_layer": batched_single_layer, "two_layer": batched_two_layer, "deep_linear": batched_deep_linear, "sde": batched_sde}
JAX_SCAN = {"single_layer": jax_scan_single_layer, "two_layer": jax_scan_two_layer, "deep_linear": jax_scan_deep_linear, "sde": jax_scan_sde}


def measurements(scale: float = 1.0, torch: bool = True, jax: bool = True) -> list[list[Measurement]]:
    """Per workload, the measurements to interleave; `scale` < 1 shrinks the engine's (and peers') seed counts (smoke tests)."""
    single, two, deep = SingleLayer(), TwoLayer(), DeepLinear()
    spec = {
        "single_layer": (single, single.flops, engine_single_layer, naive_single_layer, torch_single_layer, None),
        "two_layer": (two, two.flops, engine_two_layer, naive_two_layer, torch_two_layer, None),
        "deep_linear": (deep, deep.online_flops, engine_deep_linear, naive_deep_linear, torch_deep_linear, None),
        "sde": (deep, deep.sde_flops, engine_sde, naive_sde, torch_sde, explicit_sigma_sde),
    }
    threads = [t for t in (1, 2) if t <= numba.config.NUMBA_NUM_THREADS]
    out = []
    for name, (problem, flops, eng, naive, torch_fn, explicit) in spec.items():
        seeds = max(1, int(round(ENGINE_SEEDS[name] * scale)))
        group = [Measurement(name, f"engine_{t}thread{'s' if t > 1 else ''}", partial(eng, problem), seeds, t, RECORD_INTERVAL[name], flops,
                             int(ENGINE_MIN_STEPS.get(name, 0) * min(1.0, scale)))
                 for t in threads]
        if numba.config.NUMBA_NUM_THREADS >= 2:
            group.append(Measurement(name, "engine_2processes", TwoProcesses(name), 2 * max(1, seeds // 2), 2, RECORD_INTERVAL[name], flops,
                                     group[0].min_steps))
        group.append(Measurement(name, "numpy_batched", partial(BATCHED[name], problem, framework="numpy"), seeds, 1, PEER_BLOCK, flops))
        if torch:
            group.append(Measurement(name, "torch_bmm", partial(BATCHED[name], problem, framework="torch"), seeds, 1, PEER_BLOCK, flops))
        if jax:
            group.append(Measurement(name, "jax_scan", partial(JAX_SCAN[name], problem), seeds, 1, PEER_BLOCK, flops))
        group.append(Measurement(name, "naive_numpy", partial(naive, problem), 1, 1, 1, flops))
        if torch:
            group.append(Measurement(name, "torch_loop", partial(torch_fn, problem), 1, 1, 1, flops))
        if explicit is not None:
            group.append(Measurement(name, "explicit_sigma", partial(explicit, problem), 1, 1, 1, flops))
        out.append(group)
    return out


def _importable(load: Callable) -> bool:
    try:
        load()
    except ImportError:
        return False
    return True


def run_benchmarks(min_seconds: float = 1.0, repeats: int = 5, scale: float = 1.0, log: Callable[[str], None] = print,
                   peak_gflops_per_core: float = math.nan):
    """Time every implementation of every workload; returns the rows of engine.csv as a pandas DataFrame
    (fraction_of_peak = GFLOP/s / (peak_gflops_per_core x threads)).

    Per workload: calibrate each implementation, then `repeats` rounds that run every implementation once,
    interleaved, so that a burst of load from other processes hits all of them alike; the fastest round counts.
    """
    import pandas as pd

    has_torch, has_jax = _importable(_torch), _importable(_jax)
    if not has_torch:
        log("PyTorch is not importable: torch_bmm and torch_loop rows are skipped (./reproduce benchmark installs it)")
    if not has_jax:
        log("JAX is not importable: jax_scan rows are skipped (./reproduce benchmark installs it)")
    previous_threads = numba.get_num_threads()
    rows = []
    groups = measurements(scale, has_torch, has_jax)
    try:
        for group in groups:
            log(f"{group[0].workload}: calibrating (warm-up and step counts for >= {min_seconds:g} s per run)")
            for m in group:
                m.calibrate(min_seconds)
            for r in range(repeats - 1):
                log(f"{group[0].workload}: round {r + 2} of {repeats}")
                for m in group:
                    m.once()
            for m in group:
                t = m.best
                rows.append({"workload": m.workload, "implementation": m.implementation, "seed_steps_per_s": t.rate,
                             "gflops": t.rate * m.flops_per_step / 1e9, "fraction_of_peak": t.rate * m.flops_per_step / 1e9 / (peak_gflops_per_core * m.threads),
                             "threads": m.threads, "seeds": t.seeds, "steps": t.steps,
                             "seconds": t.seconds, "flops_per_step": m.flops_per_step, "cpu_share": t.cpu_seconds / (t.seconds * m.threads),
                             "seed_steps_per_cpu_s": t.seeds * t.steps / t.cpu_seconds,
                             "loadavg_1min": os.getloadavg()[0]})
                log(f"  {m.workload:13s} {m.implementation:16s} {t.rate:14,.0f} seed-steps/s  {rows[-1]['gflops']:8.3f} GFLOP/s"
                    f" ({rows[-1]['fraction_of_peak']:6.1%} of peak)  ({t.seeds} seeds x {t.steps} steps in {t.seconds:.2f} s, cpu share {rows[-1]['cpu_share']:.2f})")
    finally:
        numba.set_num_threads(previous_threads)
        for group in groups:
            for m in group:
                if isinstance(m.run, TwoProcesses):
                    m.run.close()
    table = pd.DataFrame(rows)
    for reference, column in (("naive_numpy", "ratio_to_naive"), ("torch_loop", "ratio_to_torch")):
        base = table[table.implementation == reference].set_index("workload").seed_steps_per_s
        table[column] = table.seed_steps_per_s / table.workload.map(base)
    for column in ("ratio_to_naive", "ratio_to_torch"):
        if column not in table:
            table[column] = np.nan
    return table[COLUMNS]


def targets(table) -> "pd.DataFrame":
    """The issue's targets as measured ratios: engine on one thread against the one-core baselines and against the
    fastest of its vectorised peers (numpy_batched, torch_bmm, jax_scan) in the same run, and the engine's two-core
    speed-up, as 2 threads in one process and as 2 single-thread processes. Rows against the naive numpy and per-seed
    PyTorch loops are reference points (`met` = "reference", no requirement). `note` flags a ratio whose measurements did not get their
    cores to themselves."""
    import pandas as pd

    rows_by = table.set_index(["workload", "implementation"])
    rows = []

    def add(target, numerator, denominator, required):
        if numerator not in rows_by.index or denominator not in rows_by.index:
            return
        a, b = rows_by.loc[numerator], rows_by.loc[denominator]
        measured = a.seed_steps_per_s / b.seed_steps_per_s
        short = [f"{key[1]} got {row.cpu_share:.2f} of its {int(row.threads)} core(s)" for key, row in ((numerator, a), (denominator, b))
                 if row.cpu_share < 0.85]
        note = "; ".join(short) + f" (load average {a.loadavg_1min:.1f}: other jobs shared the CPU)" if short else ""
        if short and a.threads != b.threads:  # what the CPU time says about parallel efficiency
            efficiency = a.seed_steps_per_cpu_s / b.seed_steps_per_cpu_s
            note += f"; per CPU-second the 2-thread run did {efficiency:.2f} of the 1-thread rate"
        met = "reference" if required is None else bool(measured >= required)
        rows.append({"target": target, "measured": measured, "required": required, "met": met, "note": note})

    # reference points without a target: nobody simulating hundreds of seeds writes a per-seed loop; the peers decide
    for wl in ("single_layer", "deep_linear"):
        add(f"{wl}: engine (1 thread) / naive numpy", (wl, "engine_1thread"), (wl, "naive_numpy"), None)
    for wl in ("single_layer", "two_layer", "deep_linear", "sde"):
        add(f"{wl}: engine (1 thread) / PyTorch per-seed loop", (wl, "engine_1thread"), (wl, "torch_loop"), None)
    for wl, required in (("single_layer", 2.0), ("two_layer", 2.0), ("deep_linear", 3.0), ("sde", 3.0)):
        peers = [p for p in PEERS if (wl, p) in rows_by.index]
        if peers:
            best = max(peers, key=lambda p: rows_by.loc[(wl, p)].seed_steps_per_s)
            add(f"{wl}: engine (1 thread) / best peer ({best})", (wl, "engine_1thread"), (wl, best), required)
    for wl in ("single_layer", "two_layer", "deep_linear", "sde"):
        add(f"{wl}: engine 2 threads / 1 thread", (wl, "engine_2threads"), (wl, "engine_1thread"), 1.7)
    for wl in ("single_layer", "two_layer", "deep_linear", "sde"):
        add(f"{wl}: engine 2 processes (2 workflow jobs) / 1 thread", (wl, "engine_2processes"), (wl, "engine_1thread"), 1.7)
    add("sde: matrix-free engine (1 thread) / explicit Sigma", ("sde", "engine_1thread"), ("sde", "explicit_sigma"), 1000.0)
    return pd.DataFrame(rows, columns=["target", "measured", "required", "met", "note"])


def sde_bound_table(table, bound: dict) -> "pd.DataFrame":
    """The SDE floor (sde_step_bound) beside the measured engine and best peer: the ratio the floor allows."""
    import pandas as pd

    rows = table[table.workload == "sde"].set_index("implementation").seed_steps_per_s
    peers = rows.reindex(list(PEERS)).dropna()
    best = peers.idxmax() if len(peers) else ""
    return pd.DataFrame([{**bound, "engine_seed_steps_per_s": rows.get("engine_1thread", np.nan), "best_peer": best,
                          "bound_over_best_peer": bound["bound_seed_steps_per_s"] / peers.max() if len(peers) else np.nan,
                          "engine_fraction_of_bound": rows.get("engine_1thread", np.nan) / bound["bound_seed_steps_per_s"]}])


def plot(table, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(10, 5))
    order = [i for i in ("engine_1thread", "engine_2threads", "engine_2processes", *PEERS, "naive_numpy", "torch_loop", "explicit_sigma") if i in set(table.implementation)]
    sns.barplot(data=table, x="workload", y="seed_steps_per_s", hue="implementation", hue_order=order, ax=ax)
    ax.set_yscale("log")
    ax.set_ylim(top=table.seed_steps_per_s.max() * 40)  # room for the legend
    ax.set_ylabel("seed-steps per second")
    ax.set_xlabel("")
    ax.set_title("Engine vs peers and baselines (float64; peers, baselines and engine_1thread on one core)")
    for container in ax.containers:
        ax.bar_label(container, fmt="%.2g", fontsize=6.5, padding=1, rotation=90)
    ax.legend(fontsize=8, ncols=3)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"), help="output directory (default results/benchmarks)")
    parser.add_argument("--min-seconds", type=float, default=1.0, help="minimum duration of one timed run (default 1.0)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per measurement, best kept (default 5)")
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)  # engine seed counts x scale (smoke tests)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    def log(message):
        print(message, flush=True)

    log(f"benchmark: numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads available), numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, load average {os.getloadavg()[0]:.2f}")
    log("benchmark: the vectorised peers run the engine's seeds, the loops 1 seed and fewer steps; rates (seed-steps/s) are compared")
    start = time.perf_counter()
    peak = machine_peak_gflops()
    pd.DataFrame([{"measure": k, "gflops": v} for k, v in peak.items()]).to_csv(args.out / "machine_peak.csv", index=False, float_format="%.4g")
    log(f"benchmark: float64 peak of one core {peak['fma_peak_1core']:.1f} GFLOP/s ({FMA_CHAINS} FMA chains, numba fastmath), "
        f"numpy dgemm 1024 x 1024 {peak['numpy_dgemm_1024']:.1f} GFLOP/s")
    # the higher of the two: LLVM may keep the FMA chains at 256 bits (prefer-vector-width on AVX-512 parts) where OpenBLAS uses 512
    table = run_benchmarks(args.min_seconds, args.repeats, args.scale, log=log, peak_gflops_per_core=max(peak.values()))
    table.to_csv(args.out / "engine.csv", index=False, float_format="%.6g")
    goals = targets(table)
    goals.to_csv(args.out / "engine_targets.csv", index=False, float_format="%.4g")
    bound = sde_bound_table(table, sde_step_bound(DeepLinear(), args.repeats))
    bound.to_csv(args.out / "engine_bounds.csv", index=False, float_format="%.4g")
    plot(table, args.out / "engine.png")
    log(f"benchmark: {time.perf_counter() - start:.0f} s, load average {os.getloadavg()[0]:.2f} (other jobs on the machine slow every row)")
    log(goals.drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    for note in goals.note[goals.note != ""].unique():
        log(f"note: {note}")
    b = bound.iloc[0]
    log(f"sde floor (what a step cannot do without): {b.n_draws:.0f} normals {b.normals_ns:.0f} ns + {b.n_products:.0f} products "
        f"{b.products_ns:.0f} ns = {b.floor_ns:.0f} ns per seed-step, at most {b.bound_seed_steps_per_s:,.0f} seed-steps/s = "
        f"{b.bound_over_best_peer:.2f}x the best peer ({b.best_peer}); the engine runs at {b.engine_fraction_of_bound:.0%} of it")
    log(f"benchmark: wrote {args.out / 'engine.csv'}, {args.out / 'engine_targets.csv'}, {args.out / 'engine_bounds.csv'}, "
        f"{args.out / 'machine_peak.csv'}, {args.out / 'engine.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
