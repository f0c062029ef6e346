"""The run catalogue: simulations declared once, by name, in config.yaml, and read by any number of figures.

- `datasets.<name>`: teacher-student realizations (Gross Eq. 2.1). Lists under N, P, P_over_N or
  label_noise_variance are sweeps: every combination is a parameter point, one file each.
- `runs.<name>`: a dynamics family (`dynamics:`) with its hyper-parameters and seeds, on a dataset where the
  family needs one (single_layer_sgd; two_layer, whose lists under n_hidden and init_scale are sweeps times the
  dataset's points; deep_linear_dataset, the same with a list under depth) or with its own teacher (deep_linear, whose lists under learning_rate, batch_size,
  label_noise_variance or dt are sweeps). One Snakemake rule per family produces every run of that family
  (workflow/rules/runs.smk).

This module expands entries into points, checks what the schema cannot (references, whole sample numbers,
batch size against P), and builds the keyword arguments of the families' stage functions. Only the standard
library and numpy, so the workflow builds its DAG without loading the numerical stack.
"""

from __future__ import annotations

import itertools

import numpy as np

from .config import ConfigError

SINGLE_LAYER_FAMILY = "single_layer_sgd"
DEEP_LINEAR_FAMILY = "deep_linear"
TWO_LAYER_FAMILY = "two_layer"
DEEP_DATASET_FAMILY = "deep_linear_dataset"  # deep linear nets with one output on a dataset (Gross Sec. III at depth L)
DEEP_LINEAR_SWEEPS = {"learning_rate": "eta", "batch_size": "b", "label_noise_variance": "sigmaq2", "dt": "dt"}  # key -> file-name prefix
# swept keys beside N and P that name a point's file (N and P always do); its seed streams never include them,
# so the points of such a sweep share inputs, teacher and eps / sigma_eps (Gross Table 1)
LABEL_PREFIX = {"label_noise_variance": "var"}
# file names of points: N100_P105, N10_P22_var0.25 (datasets); N30_P3000_h20_c1e-04 (two-layer runs: the dataset's
# point, N_h, init scale); N50_P10000_h10_c1e-02_L3 (deep_linear_dataset runs: the same and the depth); default, eta0.005_b1
# (deep linear sweeps)
POINT_PATTERN = r"N\d+_P\d+(?:_var[0-9.e+-]+)?(?:_h\d+_c[0-9.e+-]+(?:_L\d+)?)?|default|(?:(?:eta|b|sigmaq2|dt)[0-9.e+-]+_?)+"
# a training job's window covariance or trace beyond this is refused (two-layer runs): two jobs share 24 GiB with others
JOB_MEMORY_BYTES = 200e6


def _as_list(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def dataset_points(dataset: dict) -> list[dict]:
    """Parameter points of a dataset, N outermost, then P, then label noise: [{N, P, P_over_N, label_noise_variance, label}].

    P is given as P, as P_over_N (times N), or as P_over_N_minus_1 {start, stop, num} (a geometric grid of
    P/N - 1, rounded to whole P > N and deduplicated). `P_over_N` keeps the listed ratio where one was listed."""
    points = []
    swept = [key for key in LABEL_PREFIX if isinstance(dataset.get(key), list)]
    for N in _as_list(dataset["N"]):
        if "P" in dataset:
            sizes = [(P, P / N) for P in _as_list(dataset["P"])]
        elif "P_over_N" in dataset:
            sizes = [(int(round(r * N)), float(r)) for r in dataset["P_over_N"]]
        else:
            grid = dataset["P_over_N_minus_1"]
            Ps = sorted({int(round(N * (1 + x))) for x in np.geomspace(grid["start"], grid["stop"], grid["num"])})
            sizes = [(P, P / N) for P in Ps if P > N]
        for (P, ratio), variance in itertools.product(sizes, _as_list(dataset["label_noise_variance"])):
            label = f"N{N}_P{P}" + "".join(f"_{LABEL_PREFIX[key]}{variance:g}" for key in swept)
            points.append({"N": int(N), "P": int(P), "P_over_N": ratio, "label_noise_variance": float(variance), "label": label})
    return points


def point(dataset: dict, label: str) -> dict:
    """The point of `dataset` whose file name is `label`."""
    for p in dataset_points(dataset):
        if p["label"] == label:
            return p
    raise KeyError(f"no parameter point {label!r} in this dataset")


def sweep_points(run: dict) -> list[dict]:
    """Points of a run without a dataset: every combination of its list-valued sweep keys (DEEP_LINEAR_SWEEPS), in
    the order listed; {key: value, ..., "label"}, label "default" when nothing is swept."""
    swept = [key for key in DEEP_LINEAR_SWEEPS if isinstance(run.get(key), list)]
    points = []
    for values in itertools.product(*(run[key] for key in swept)):
        p = {key: run.get(key) for key in DEEP_LINEAR_SWEEPS} | dict(zip(swept, values))
        p["label"] = "_".join(f"{DEEP_LINEAR_SWEEPS[key]}{value:g}" for key, value in zip(swept, values)) or "default"
        points.append(p)
    return points


def scale_label(value: float) -> str:
    """Shortest exact scientific notation, two exponent digits: 1e-04, 2.5e-01, 1e+00."""
    return np.format_float_scientific(value, unique=True, exp_digits=2).replace(".e", "e")


def two_layer_points(run: dict, datasets: dict) -> list[dict]:
    """Points of a two-layer run: its dataset's points (outermost), then n_hidden, then init_scale. Each is the dataset
    point with n_hidden, init_scale, dataset_label (its data file) and label, e.g. N30_P3000_h20_c1e-04."""
    points = []
    for p in dataset_points(datasets[run["dataset"]]):
        for n_hidden, scale in itertools.product(_as_list(run["n_hidden"]), _as_list(run["init_scale"])):
            points.append(p | {"n_hidden": int(n_hidden), "init_scale": float(scale), "dataset_label": p["label"],
                               "label": f"{p['label']}_h{n_hidden}_c{scale_label(scale)}"})
    return points


def deep_dataset_points(run: dict, datasets: dict) -> list[dict]:
    """Points of a deep_linear_dataset run: the two-layer points of its dataset, n_hidden and init_scale (outermost), then
    depth; `label` adds _L<depth>, `stream_point` is the two-layer label, which keys the seed streams (so depth 2 of a run
    whose key is a two-layer run's sees that run's starts and minibatches, and the depths of one point share them)."""
    return [p | {"depth": int(depth), "stream_point": p["label"], "label": f"{p['label']}_L{depth}"}
            for p in two_layer_points(run, datasets) for depth in _as_list(run["depth"])]


def run_point(run: dict, datasets: dict, label: str) -> dict:
    """The point of `run` whose file name is `label`."""
    for p in run_points(run, datasets):
        if p["label"] == label:
            return p
    raise KeyError(f"no parameter point {label!r} in this run")


def run_points(run: dict, datasets: dict) -> list[dict]:
    """Points a run simulates: its own sweep (deep linear), its dataset's times its own (two layer), or its dataset's,
    restricted by `points: {coordinate: [values]}` if given."""
    if run["dynamics"] == DEEP_LINEAR_FAMILY:
        return sweep_points(run)
    if run["dynamics"] == TWO_LAYER_FAMILY:
        return two_layer_points(run, datasets)
    if run["dynamics"] == DEEP_DATASET_FAMILY:
        return deep_dataset_points(run, datasets)
    subset = run.get("points", {})
    return [p for p in dataset_points(datasets[run["dataset"]]) if all(p[key] in values for key, values in subset.items())]


def run_seed_count(run: dict, datasets: dict) -> int:
    """Runs per point: one per data realization, unless all seeds train on one `realization` or there is no dataset."""
    return run["n_seeds"] if "n_seeds" in run else datasets[run["dataset"]]["n_seeds"]


def seed_blocks(n_seeds: int, seeds_per_job: int) -> list[tuple[int, int]]:
    """[(first, last), ...]: consecutive seeds simulated together in one training job."""
    return [(s, min(s + seeds_per_job, n_seeds) - 1) for s in range(0, n_seeds, seeds_per_job)]


def runs_of(family: str, runs: dict) -> list[str]:
    return [name for name, run in runs.items() if run["dynamics"] == family]


# ------------------------------------------------------------------------------------- checks
def check(config: dict) -> None:
    """Consistency of datasets and runs beyond the schema; every error names the key. Fills in the seed-stream
    `key` of each dataset and deep linear run (default: its name) and a deep linear run's trace_interval."""
    datasets, runs = config["datasets"], config["runs"]
    for name, dataset in datasets.items():
        key = f"datasets.{name}"
        dataset.setdefault("key", name)
        for N in _as_list(dataset["N"]):
            for ratio in dataset.get("P_over_N", []):
                if abs(ratio * N - round(ratio * N)) > 1e-9:
                    raise ConfigError(f"config key {key}.P_over_N: {ratio} x N = {ratio * N} is not a whole number of samples (N = {N})")
        if not dataset_points(dataset):
            raise ConfigError(f"config key {key}: no parameter point with P > N")
    for name, run in runs.items():
        key = f"runs.{name}"
        if run["dynamics"] == DEEP_LINEAR_FAMILY:
            _check_deep_linear(key, name, run)
            continue
        if run["dataset"] not in datasets:
            raise ConfigError(f"config key {key}.dataset: no dataset {run['dataset']!r} (datasets: {', '.join(sorted(datasets))})")
        if run["dynamics"] == TWO_LAYER_FAMILY:
            _check_two_layer(key, name, run, datasets)
            continue
        if run["dynamics"] == DEEP_DATASET_FAMILY:
            _check_deep_dataset(key, name, run, datasets)
            continue
        dataset = datasets[run["dataset"]]
        points = run_points(run, datasets)
        for coordinate, values in run.get("points", {}).items():
            missing = sorted(set(values) - {p[coordinate] for p in dataset_points(dataset)})
            if missing:
                raise ConfigError(f"config key {key}.points.{coordinate}: {missing} not in dataset {run['dataset']}")
        _check_stability(key, run, points)
        smallest = min(p["P"] for p in points)
        if run["batch_size"] > smallest:
            raise ConfigError(f"config key {key}.batch_size: {run['batch_size']} is larger than the number of samples P = {smallest}")
        record = run["record"]
        if record.get("min_measure_steps", 0) > record.get("max_measure_steps", np.inf):
            raise ConfigError(f"config key {key}.record.min_measure_steps: {record['min_measure_steps']} exceeds max_measure_steps {record['max_measure_steps']}")
        if "realization" in record:
            if record["realization"] >= dataset["n_seeds"]:
                raise ConfigError(f"config key {key}.record.realization: {record['realization']} is not below the dataset's n_seeds = {dataset['n_seeds']}")
            if "n_seeds" not in run:
                raise ConfigError(f"config key {key}.n_seeds: required when every seed trains on one realization")
        elif run_seed_count(run, datasets) > dataset["n_seeds"]:
            raise ConfigError(f"config key {key}.n_seeds: {run['n_seeds']} runs need as many data realizations (dataset n_seeds = {dataset['n_seeds']})")


def _check_deep_linear(key: str, name: str, run: dict) -> None:
    widths, s = run["widths"], run["teacher_singular_values"]
    if len(s) > min(widths[0], widths[-1]):
        raise ConfigError(f"config key {key}.teacher_singular_values: {len(s)} values, but the teacher is {widths[-1]} x {widths[0]}")
    for needed, methods in (("dt", ("sde", "langevin", "langevin_matched", "gradient_flow")), ("dataset_size", ("gd", "offline_sgd"))):
        if run["method"] in methods and needed not in run:
            raise ConfigError(f"config key {key}.{needed}: required for method {run['method']}")
    if not run["burn_in"] < run["horizon"]:
        raise ConfigError(f"config key {key}.burn_in: {run['burn_in']} must be below the horizon {run['horizon']}")
    run.setdefault("key", name)  # seed-stream key: keep it when renaming the run, and its numbers stay
    run.setdefault("trace_interval", run["record_interval"])


def _check_pure_noise_data(key: str, run: dict, datasets: dict) -> list[dict]:
    """The run's dataset has pure-noise labels (Sec. III), a realization per seed and at least batch_size samples at every
    point; returns the run's points."""
    dataset = datasets[run["dataset"]]
    if dataset["labels"] != "random":
        raise ConfigError(f"config key {key}.dataset: dataset {run['dataset']!r} has labels: {dataset['labels']}; Sec. III trains on pure-noise labels (labels: random)")
    if run.get("n_seeds", 0) > dataset["n_seeds"]:
        raise ConfigError(f"config key {key}.n_seeds: {run['n_seeds']} runs need as many data realizations (dataset n_seeds = {dataset['n_seeds']})")
    points = run_points(run, datasets)
    smallest = min(p["P"] for p in points)
    if run["batch_size"] > smallest:
        raise ConfigError(f"config key {key}.batch_size: {run['batch_size']} is larger than the number of samples P = {smallest}")
    return points


def _check_two_layer(key: str, name: str, run: dict, datasets: dict) -> None:
    """Data, method, step counts, memory and stability of a two-layer run; fills in its seed-stream key and trace_every."""
    points = _check_pure_noise_data(key, run, datasets)
    if run["method"] == "sgf" and "dt" not in run:
        raise ConfigError(f"config key {key}.dt: required for method sgf")
    if run["method"] == "sgd" and "dt" in run:
        raise ConfigError(f"config key {key}.dt: only for method sgf (SGD steps are lambda in continuum time)")
    every = run["record_every"]
    total = run["burn_in_steps"] + run["measure_steps"]
    run.setdefault("key", name)  # seed-stream key: keep it when renaming the run, and its numbers stay
    run.setdefault("trace_every", total)
    for step_key in ("burn_in_steps", "measure_steps", "trace_every"):
        if run[step_key] % every:
            raise ConfigError(f"config key {key}.{step_key}: {run[step_key]} is not a multiple of record_every = {every}")
    if run["measure_steps"] < 2 * every:
        raise ConfigError(f"config key {key}.measure_steps: {run['measure_steps']} steps hold fewer than two records (record_every = {every}); "
                          "the window statistics need both halves")
    per_job = min(run["seeds_per_job"], run.get("n_seeds", datasets[run["dataset"]]["n_seeds"]))
    n_trace = total // run["trace_every"] + 1
    for p in points:
        weights = p["n_hidden"] * p["N"]
        moment_dim = {"all": weights + p["n_hidden"], "first_layer": weights, "second_layer": p["n_hidden"]}[run["moments"]]
        trace_dim = {"all": weights + p["n_hidden"] + 1, "second_layer": p["n_hidden"] + 1, "loss": 1}[run["trace_block"]]
        for what, size in (("moments", 2 * moment_dim**2), ("trace_every", n_trace * trace_dim)):  # sums of x x^T and the covariance
            if 8 * per_job * size > JOB_MEMORY_BYTES:
                raise ConfigError(f"config key {key}.{what}: at {p['label']} a job of {per_job} seeds would hold {8 * per_job * size / 1e6:.0f} MB "
                                  f"({what}: {run[what]}, trace_block: {run['trace_block']}), over {JOB_MEMORY_BYTES / 1e6:.0f} MB; choose a smaller block, "
                                  "a longer trace_every or fewer seeds_per_job")
        # Mean curvature of the loss at the initial weights (Gauss-Newton, E over the init): the nonzero spectrum is that of
        # Sigma^1/2 (D2 I + W1^T W1) Sigma^1/2, mean eigenvalue c (N_i + N_h) / N_i^2 for Sigma = I / N_i. Its largest
        # eigenvalue kappa_0 is at least that; a drift step above 4 / kappa_0 diverges even through the catapult phase of
        # two-layer networks (Lewkowycz et al. 2020, arXiv:2003.02218). Lower steps that diverge stop the training job.
        step_key = "dt" if run["method"] == "sgf" else "learning_rate"
        bound = 4 * p["N"] ** 2 / (p["init_scale"] * (p["N"] + p["n_hidden"]))
        if run[step_key] >= bound:
            raise ConfigError(f"config key {key}.{step_key}: {run[step_key]:g} diverges at {p['label']}: above 4 / kappa_0 <= 4 N_i^2 / (c (N_i + N_h)) = {bound:.3g}, "
                              "kappa_0 the initial curvature (catapult bound)")


def _check_deep_dataset(key: str, name: str, run: dict, datasets: dict) -> None:
    """Data, step counts and the memory of the weight trace of a deep_linear_dataset run; fills in its seed-stream key."""
    points = _check_pure_noise_data(key, run, datasets)
    every = run["record_every"]
    for step_key in ("burn_in_steps", "measure_steps"):
        if run[step_key] % every:
            raise ConfigError(f"config key {key}.{step_key}: {run[step_key]} is not a multiple of record_every = {every}")
    if run["measure_steps"] < 4 * every:
        raise ConfigError(f"config key {key}.measure_steps: {run['measure_steps']} steps hold fewer than four weight records (record_every = {every})")
    run.setdefault("key", name)  # seed-stream key: keep it when renaming the run, and its numbers stay
    per_job = min(run["seeds_per_job"], run.get("n_seeds", datasets[run["dataset"]]["n_seeds"]))
    for p in points:
        widths = [p["N"]] + [p["n_hidden"]] * (p["depth"] - 1) + [1]
        n_params = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
        size = (run["measure_steps"] // every + 1) * (n_params + p["N"] + 1)  # the window's records: product, loss, weights
        if 8 * per_job * size > JOB_MEMORY_BYTES:
            raise ConfigError(f"config key {key}.record_every: at {p['label']} a job of {per_job} seeds would hold {8 * per_job * size / 1e6:.0f} MB of "
                              f"weight records, over {JOB_MEMORY_BYTES / 1e6:.0f} MB; choose a longer record_every or fewer seeds_per_job")


def _check_stability(key: str, run: dict, points: list[dict]) -> None:
    """Refuse a learning rate bound to diverge. The inputs have tr Sigma = 1 (i.i.d. variance 1/N, or Wishart scaled
    to trace 1), so the mean eigenvalue of H is 1/N and omega_max >= 1/N: for lambda > 2N the slowest-decaying
    factor |1 - lambda omega_max| of the mean dynamics (Eq. 2.27, discrete) exceeds 1. Rates between the typical
    2/omega_max ~ 2N/(1 + sqrt(N/P))^2 and 2N diverge too; the training job stops those and names the point."""
    for p in points:
        if run["learning_rate"] >= 2 * p["N"]:
            typical = 2 * p["N"] / (1 + np.sqrt(p["N"] / p["P"])) ** 2
            raise ConfigError(f"config key {key}.learning_rate: {run['learning_rate']:g} diverges at N = {p['N']}, P = {p['P']}: "
                              f"lambda omega_max >= lambda / N > 2 (Eq. 2.27); it must be below 2N = {2 * p['N']} "
                              f"(typically below 2/omega_max ~ {typical:.3g}, Marchenko-Pastur)")


def check_run(config: dict, key: str, name: str, family: str = SINGLE_LAYER_FAMILY) -> dict:
    """The run `name` that config key `key` refers to, which must exist and be of `family`."""
    runs = config["runs"]
    if name not in runs:
        raise ConfigError(f"config key {key}: no run {name!r} (runs: {', '.join(sorted(runs))})")
    if runs[name]["dynamics"] != family:
        raise ConfigError(f"config key {key}: run {name!r} has dynamics {runs[name]['dynamics']!r}, this figure needs {family!r}")
    return runs[name]


def check_dataset(config: dict, key: str, name: str) -> dict:
    if name not in config["datasets"]:
        raise ConfigError(f"config key {key}: no dataset {name!r} (datasets: {', '.join(sorted(config['datasets']))})")
    return config["datasets"][name]


def figure_parameters(config: dict, figure: str) -> dict:
    """What a figure was made with, for its report caption: its config section, the runs its section names anywhere
    (values equal to a run's name), and their datasets and the datasets it names itself."""
    section = config.get(figure, {})
    names = set()

    def collect(value):
        if isinstance(value, str):
            names.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(section)
    runs = {n: config["runs"][n] for n in sorted(names & set(config["runs"]))}
    datasets = names & set(config["datasets"]) | {r["dataset"] for r in runs.values() if "dataset" in r}
    return {figure: section, "runs": runs, "datasets": {n: config["datasets"][n] for n in sorted(datasets)}}


# ------------------------------------------------------------------------- stage arguments
def data_kwargs(dataset: dict, label: str, data_seed: int) -> dict:
    """Keyword arguments of gross2024.runs:make_data for one point."""
    p = point(dataset, label)
    return dict(key=dataset["key"], N=p["N"], P=p["P"], n_seeds=dataset["n_seeds"], data_seed=data_seed, label_noise_variance=p["label_noise_variance"],
                teacher_variance=dataset["teacher_variance"], inputs=dataset["inputs"], labels=dataset["labels"])


def kernel_family(run: dict) -> str:
    """The numba kernel family (sgdnoise.engine.warmup.FAMILIES) a run's training jobs call, compiled once before them."""
    if run["dynamics"] == DEEP_LINEAR_FAMILY:
        return {"online_sgd": "deep_linear_sgd", "gradient_flow": "deep_linear_flow", "offline_sgd": "deep_linear_offline"}.get(run["method"],
                                                                                                                               "deep_linear_euler")
    return {SINGLE_LAYER_FAMILY: "single_layer", TWO_LAYER_FAMILY: "two_layer", DEEP_DATASET_FAMILY: "deep_linear_offline"}[run["dynamics"]]


# Kernel families whose compile job waits for another family's stamp, because they call its kernels (engine.warmup).
KERNEL_PREREQUISITES = {family: ("deep_linear_records",) for family in ("deep_linear_sgd", "deep_linear_euler", "deep_linear_flow", "deep_linear_offline")}


def train_step(run: dict, datasets: dict, label: str, first: int, last: int, seeds: dict, engine: dict) -> tuple[str, dict]:
    """(stage function, keyword arguments) of one seed block of a run; `seeds` is the config's root entropies."""
    if run["dynamics"] == DEEP_LINEAR_FAMILY:
        return "corlouer2026.runs:train", deep_linear_kwargs(run, label, first, last, seeds, engine)
    if run["dynamics"] == TWO_LAYER_FAMILY:
        return "gross2024.two_layer_runs:train", two_layer_kwargs(run, datasets, label, first, last, seeds, engine)
    if run["dynamics"] == DEEP_DATASET_FAMILY:
        return "extensions.deep_ivfr.runs:train", deep_dataset_kwargs(run, datasets, label, first, last, seeds, engine)
    sgd_seed = seeds["sgd"]
    dataset = datasets[run["dataset"]]
    p = point(dataset, label)
    common = dict(key=dataset["key"], seeds=list(range(first, last + 1)), sgd_seed=sgd_seed, stream=run["stream"].format(**p),
                  learning_rate=run["learning_rate"], batch_size=run["batch_size"], minibatch_replacement=run["minibatch_replacement"],
                  initial_weights=run["initial_weights"], chunk_steps=engine["chunk_steps"], threads=engine["threads"])
    record = {k: v for k, v in run["record"].items() if k != "kind"}
    function = {"window": "gross2024.runs:train_window", "log_time": "gross2024.runs:train_log_time"}[run["record"]["kind"]]
    return function, {**common, **record}


def deep_linear_kwargs(run: dict, label: str, first: int, last: int, seeds: dict, engine: dict) -> dict:
    """Keyword arguments of corlouer2026.runs:train for one seed block of one point of a deep linear run."""
    (p,) = [p for p in sweep_points(run) if p["label"] == label]
    fixed = ("method", "widths", "teacher_singular_values", "init_gamma", "noise_std", "dataset_size", "horizon", "burn_in", "record_interval",
             "trace_interval", "record_noise_variance", "record_weights", "record_increments")
    fixed += ("initialization", "minibatch_replacement")  # corlouer2026 Figs. 7, 8 (balanced start) and App. G (offline_sgd)
    return dict(key=run["key"], point=label, seeds=list(range(first, last + 1)), sgd_seed=seeds["sgd"], data_seed=seeds["data"],
                **{k: run.get(k) for k in fixed}, **{k: p[k] for k in DEEP_LINEAR_SWEEPS}, chunk_steps=engine["chunk_steps"], threads=engine["threads"])


def two_layer_kwargs(run: dict, datasets: dict, label: str, first: int, last: int, seeds: dict, engine: dict) -> dict:
    """Keyword arguments of gross2024.two_layer_runs:train for one seed block of one point of a two-layer run."""
    p = run_point(run, datasets, label)
    fixed = ("method", "learning_rate", "batch_size", "minibatch_replacement", "noise_form", "burn_in_steps", "measure_steps", "record_every",
             "moments", "trace_every", "trace_block")
    return dict(key=run["key"], point=label, seeds=list(range(first, last + 1)), sgd_seed=seeds["sgd"], n_hidden=p["n_hidden"],
                init_scale=p["init_scale"], dt=run.get("dt"), **{k: run[k] for k in fixed}, chunk_steps=engine["chunk_steps"], threads=engine["threads"])


def deep_dataset_kwargs(run: dict, datasets: dict, label: str, first: int, last: int, seeds: dict, engine: dict) -> dict:
    """Keyword arguments of extensions.deep_ivfr.runs:train for one seed block of one point of a deep_linear_dataset run."""
    p = run_point(run, datasets, label)
    fixed = ("learning_rate", "batch_size", "minibatch_replacement", "burn_in_steps", "measure_steps", "record_every")
    return dict(key=run["key"], point=p["stream_point"], seeds=list(range(first, last + 1)), sgd_seed=seeds["sgd"], depth=p["depth"], n_hidden=p["n_hidden"],
                init_scale=p["init_scale"], **{k: run[k] for k in fixed}, chunk_steps=engine["chunk_steps"], threads=engine["threads"])
