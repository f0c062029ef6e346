"""Config validation: every bad value stops the run with one message naming the key."""

import copy
import importlib
import importlib.util
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sgdnoise import catalogue
from sgdnoise import config as cfg
from sgdnoise.gross2024 import two_layer_runs

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "workflow" / "schemas"
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())
FIGURES = sorted((p.parent.name, p.name.removesuffix(".schema.yaml")) for p in SCHEMAS.glob("*/*.schema.yaml"))  # (paper, fig2 ... table1)


def load(config):
    """What the workflow does at start-up: shared sections and catalogue (common.smk), then each figure's section
    as its rule file registers it, then the check for unknown sections (Snakefile)."""
    loaded = cfg.load(config, SCHEMAS, check=catalogue.check)
    sections = ["scale", "seeds", "engine", "datasets", "runs", "plot", "expected_claims", "quick", "paper"]
    for paper, figure in FIGURES:
        package = f"sgdnoise.{paper}.{figure}"  # a section shared by several figures (corlouer2026_modes) has no package or check
        check = importlib.import_module(package).check_config if importlib.util.find_spec(package) else None
        cfg.section(loaded, f"{paper}_{figure}", SCHEMAS, f"{paper}/{figure}.schema.yaml", check)
        sections.append(f"{paper}_{figure}")
    cfg.check_sections(loaded, sections)
    return loaded


def modified(path, value):
    c = copy.deepcopy(DEFAULT)
    *parents, last = path.split(".")
    node = c
    for key in parents:
        node = node.setdefault(key, {})  # a scale block (paper:) may not exist yet
    node[last] = value
    return c


def test_default_and_quick_configs_are_valid():
    full = load(DEFAULT)
    quick = load({**DEFAULT, "scale": "quick"})
    assert full["datasets"]["gross2024_fig5_spectrum"]["N"] == 100
    assert quick["datasets"]["gross2024_fig5_spectrum"]["N"] < full["datasets"]["gross2024_fig5_spectrum"]["N"]
    assert quick["runs"]["gross2024_fig5_spectrum"]["learning_rate"] == full["runs"]["gross2024_fig5_spectrum"]["learning_rate"]
    # a quick override of one record setting keeps the others
    assert quick["runs"]["gross2024_fig5_spectrum"]["record"]["trace_points"] == 200
    # scale=paper applies the paper: block and only it
    paper = load({**DEFAULT, "scale": "paper", "paper": {"datasets": {"gross2024_fig5_spectrum": {"n_seeds": 64}}}})
    assert paper["datasets"]["gross2024_fig5_spectrum"]["n_seeds"] == 64 and paper["datasets"]["gross2024_fig5_spectrum"]["N"] == 100


def test_defaults_are_filled_in():
    c = copy.deepcopy(DEFAULT)
    del c["runs"]["gross2024_fig3"]["record"]["trace_points"], c["engine"], c["gross2024_fig3"]["probe_batches"]
    loaded = load(c)
    assert loaded["runs"]["gross2024_fig3"]["record"]["trace_points"] == 200
    assert loaded["engine"] == {"chunk_steps": 16384, "threads": 1}
    assert loaded["gross2024_fig3"]["probe_batches"] == 1000
    assert loaded["datasets"]["gross2024_fig3"]["key"] == "gross2024_fig3"  # seed-stream key defaults to the name
    assert loaded["runs"]["gross2024_fig3"]["stream"] == "sgd"


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("runs.gross2024_fig5_spectrum.learning_rate", "fast", "config key runs.gross2024_fig5_spectrum.learning_rate: 'fast' is not of type 'number'"),
        ("runs.gross2024_fig5_spectrum.learning_rate", -0.1, "config key runs.gross2024_fig5_spectrum.learning_rate: -0.1 is less than or equal to the minimum of 0"),
        ("runs.gross2024_fig5_spectrum.batch_size", 500, "config key runs.gross2024_fig5_spectrum.batch_size: 500 is larger than the number of samples P = 105"),
        ("runs.gross2024_fig5_spectrum.bacth_size", 10, "config key runs.gross2024_fig5_spectrum.bacth_size: unknown key"),
        ("runs.gross2024_fig5_spectrum.record.min_measure_steps", 50000000, "config key runs.gross2024_fig5_spectrum.record.min_measure_steps: 50000000 exceeds"),
        ("runs.gross2024_fig3.dataset", "nope", "config key runs.gross2024_fig3.dataset: no dataset 'nope'"),
        ("runs.gross2024_fig3.points", {"P_over_N": [3.0]}, "config key runs.gross2024_fig3.points.P_over_N: [3.0] not in dataset gross2024_fig3"),
        ("runs.gross2024_fig4.record.realization", 200, "config key runs.gross2024_fig4.record.realization: 200 is not below the dataset's n_seeds = 200"),
        ("runs.gross2024_fig6_iid.initial_weights", "random", "config key runs.gross2024_fig6_iid.initial_weights: 'random' is not one of"),
        ("runs.gross2024_table1_with.batch_size", 30, "config key runs.gross2024_table1_with.batch_size: 30 is larger than the number of samples P = 22"),
        ("datasets.gross2024_fig5_spectrum.P_over_N", [1.055], "config key datasets.gross2024_fig5_spectrum.P_over_N: 1.055 x N"),
        ("datasets.gross2024_fig5_spectrum.P_over_N", [0.5], "config key datasets.gross2024_fig5_spectrum.P_over_N.0: 0.5 is less than or equal to the minimum of 1"),
        ("datasets.gross2024_fig5_input_dimension.n_seeds", 0, "config key datasets.gross2024_fig5_input_dimension.n_seeds: 0 is less than the minimum of 2"),
        ("datasets.gross2024_table1.N", [10, 20], "config key datasets.gross2024_table1.N: [10, 20] needs one N below and one above P = [22]"),
        ("scale", "huge", "config key scale: 'huge' is not one of ['full', 'quick', 'paper']"),
        ("gross2024_fig2.projector.P_over_N", [1.55], "config key gross2024_fig2.projector.P_over_N: 1.55 x N"),
        ("gross2024_fig3.hessian_P_over_N", [3.0], "config key gross2024_fig3.hessian_P_over_N: [3.0] not among the P/N of dataset gross2024_fig3"),
        ("gross2024_fig3.run", "nope", "config key gross2024_fig3.run: no run 'nope'"),
        ("gross2024_fig4.modes", [1, 50], "config key gross2024_fig4.modes: mode 50 does not exist for N = 50"),
        ("gross2024_fig4.run", "gross2024_fig3", "config key gross2024_fig4.run: run 'gross2024_fig3' must record on a logarithmic time grid"),
        ("gross2024_fig5.continuum_error_learning_rates", [0.2, 0.4], "config key gross2024_fig5.continuum_error_learning_rates: must contain the spectrum run's learning_rate = 0.1"),
        ("gross2024_table1.without_replacement", "gross2024_table1_with", "config key gross2024_table1.without_replacement: run 'gross2024_table1_with' must have minibatch_replacement: false"),
        ("gross2024_fig7", {}, "config key gross2024_fig7: unknown section"),
        # integers stay integers, non-finite numbers are refused, sweeps have no duplicates
        ("runs.gross2024_fig5_spectrum.batch_size", 8.0, "config key runs.gross2024_fig5_spectrum.batch_size: 8.0 is not of type 'integer'"),
        ("datasets.gross2024_fig4.n_seeds", True, "config key datasets.gross2024_fig4.n_seeds: True is not of type 'integer'"),
        ("runs.gross2024_fig5_spectrum.learning_rate", float("inf"), "config key runs.gross2024_fig5_spectrum.learning_rate: inf is not a finite number"),
        ("runs.gross2024_fig5_spectrum.learning_rate", float("nan"), "config key runs.gross2024_fig5_spectrum.learning_rate: nan is not a finite number"),
        ("datasets.gross2024_table1.label_noise_variance", [0.25, float("nan")], "config key datasets.gross2024_table1.label_noise_variance.1: nan is not a finite number"),
        ("datasets.gross2024_fig5_input_dimension.N", [20, 50, 20], "config key datasets.gross2024_fig5_input_dimension.N: [20, 50, 20] has non-unique elements"),
        ("datasets.gross2024_fig5_spectrum.P_over_N", [2.0, 2.0], "config key datasets.gross2024_fig5_spectrum.P_over_N: [2.0, 2.0] has non-unique elements"),
        ("runs.gross2024_fig4.n_seeds", 1, "config key runs.gross2024_fig4.n_seeds: 1 is less than the minimum of 2"),
        ("runs.gross2024_fig5_spectrum.record.max_measure_steps", 1000, "config key runs.gross2024_fig5_spectrum.record.min_measure_steps: 2000000 exceeds max_measure_steps 1000"),
        ("runs.gross2024_fig4.learning_rate", 100.0, "config key runs.gross2024_fig4.learning_rate: 100 diverges at N = 50, P = 52: lambda omega_max >= lambda / N > 2 (Eq. 2.27); it must be below 2N = 100"),
        # the quick: section is validated at full scale too, under its own key
        ("quick.runs.gross2024_fig5_spectrum.record.recrod_every", 10, "config key quick.runs.gross2024_fig5_spectrum.record.recrod_every: unknown key"),
        ("quick.runs.gross2024_fig5_spectrum.learning_rate", -1, "config key quick.runs.gross2024_fig5_spectrum.learning_rate: -1 is less than or equal to the minimum of 0"),
        ("quick.datasets.gross2024_fig4.n_seeds", 1.0, "config key quick.datasets.gross2024_fig4.n_seeds: 1.0 is not of type 'integer'"),
        ("quick.datasets.gross2024_fig5_spectrum.P_over_N", [1.5, 2.0, 10.0, 1.5], "config key quick.datasets.gross2024_fig5_spectrum.P_over_N: [1.5, 2.0, 10.0, 1.5] has non-unique elements"),
        ("quick.runs.gross2024_table1_with.record.min_measure_steps", 10**6, "config key quick.runs.gross2024_table1_with.record.min_measure_steps: 1000000 exceeds max_measure_steps 200000"),
        ("quick.gross2024_fig4.modes", [1, 50], "config key quick.gross2024_fig4.modes: mode 50 does not exist for N = 20"),
        # so is the paper: block (the literal settings for a cluster), under its key
        ("paper.runs.gross2024_fig5_spectrum.learning_rate", -1, "config key paper.runs.gross2024_fig5_spectrum.learning_rate: -1 is less than or equal to the minimum of 0"),
        ("paper.gross2024_fig4.modes", [1, 50], "config key paper.gross2024_fig4.modes: mode 50 does not exist for N = 50"),
        # set by full scale, made impossible by a quick: override of another key: named, with the scale
        ("runs.gross2024_table1_with.batch_size", 21, None),
    ],
)
def test_bad_values_name_the_key(path, value, message):
    c = modified(path, value)
    if message is None:  # full-scale P = 22 allows S = 21; quick P = 22 too, so shrink quick's P to make it impossible
        c["quick"]["datasets"]["gross2024_table1"] = {"P": 20, "n_seeds": 6}
        message = "config key runs.gross2024_table1_with.batch_size: 21 is larger than the number of samples P = 20 (at scale=quick, with the quick: overrides)"
    with pytest.raises(cfg.ConfigError) as error:
        load(c)
    assert str(error.value).startswith(message)


def test_yaml_syntax_errors_name_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("engine:\n  threads: [1\n  chunk_steps: 5\n")
    with pytest.raises(cfg.ConfigError, match=rf"^{bad}, line 3, column 14: YAML syntax error"):
        cfg.check_yaml(bad)
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(cfg.ConfigError, match="a config file must be a YAML mapping"):
        cfg.check_yaml(tmp_path / "list.yaml")


def test_command_line_overrides_are_parsed_by_the_schema_types():
    """Snakemake hands `--config engine={threads: 2}` over as {'engine': {'threads': '2'}}: parsed where it was set."""
    c = copy.deepcopy(DEFAULT)
    c["engine"]["threads"] = "2"
    overrides = {"engine": {"threads": "2"}}
    assert cfg.load(c, SCHEMAS, overrides=overrides)["engine"]["threads"] == 2
    c["engine"]["threads"] = "two"
    with pytest.raises(cfg.ConfigError, match="^config key engine.threads: 'two' is not of type 'integer'"):
        cfg.load(c, SCHEMAS, overrides={"engine": {"threads": "two"}})
    c["engine"]["threads"] = "2"  # a string in config.yaml itself is not an override: refused
    with pytest.raises(cfg.ConfigError, match="^config key engine.threads: '2' is not of type 'integer'"):
        cfg.load(c, SCHEMAS)


def test_snakemake_stops_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(modified("runs.gross2024_fig5_spectrum.learning_rate", -0.1)))
    snakemake = Path(sys.executable).with_name("snakemake")
    result = subprocess.run([str(snakemake), "--cores", "1", "--configfile", str(bad), "--directory", str(tmp_path), "-s", str(ROOT / "Snakefile")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "config key runs.gross2024_fig5_spectrum.learning_rate: -0.1 is less than or equal to the minimum of 0" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("value, message", [("{threads: 2}", None), ("{threads: two}", "config key engine.threads: 'two' is not of type 'integer'")])
def test_nested_command_line_config_through_snakemake(tmp_path, value, message):
    """The same through Snakemake's own --config parsing (common.smk passes its overrides to config.load)."""
    snakemake = Path(sys.executable).with_name("snakemake")
    for name in ("Snakefile", "config.yaml"):  # a workflow directory, as a checkout is
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "workflow", tmp_path / "workflow")
    result = subprocess.run([str(snakemake), "--cores", "1", "--dry-run", "--quiet", "--config", "scale=quick", f"engine={value}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    if message is None:
        assert result.returncode == 0, result.stderr[-3000:]
    else:
        assert result.returncode != 0 and message in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()


def test_figure_parameters_name_the_runs_and_datasets_a_section_reads():
    loaded = load(DEFAULT)
    fig6 = catalogue.figure_parameters(loaded, "gross2024_fig6")
    assert set(fig6["runs"]) == {"gross2024_fig6_iid", "gross2024_fig6_wishart", "gross2024_fig6_random_labels"}
    assert set(fig6["datasets"]) == set(fig6["runs"]) and fig6["gross2024_fig6"] == loaded["gross2024_fig6"]
    fig5 = catalogue.figure_parameters(loaded, "gross2024_fig5")  # two runs and two theory-only datasets named directly
    assert set(fig5["runs"]) == {"gross2024_fig5_spectrum", "gross2024_fig5_input_dimension"}
    assert set(fig5["datasets"]) == {"gross2024_fig5_spectrum", "gross2024_fig5_input_dimension", "gross2024_fig5_theory_curve", "gross2024_fig5_small_input"}


# ------------------------------------------------------------------------------------------- two-layer runs (Sec. III)
TWO_LAYER_DATASET = {"N": 30, "P": 3000, "labels": "random", "label_noise_variance": 0.1, "n_seeds": 8}
TWO_LAYER_RUN = {"dynamics": "two_layer", "dataset": "tl", "n_hidden": [20, 10], "init_scale": [1.0, 1e-4], "learning_rate": 0.1, "batch_size": 10,
                 "burn_in_steps": 1000, "measure_steps": 10000, "record_every": 100}


def two_layer_config(**changes):
    """The default config with a two-layer run `runs.tl` on dataset `datasets.tl`; `changes` set (None: delete) run keys."""
    c = copy.deepcopy(DEFAULT)
    c["datasets"]["tl"] = copy.deepcopy(TWO_LAYER_DATASET)
    run = c["runs"]["tl"] = copy.deepcopy(TWO_LAYER_RUN)
    for key, value in changes.items():
        if value is None:
            del run[key]
        else:
            run[key] = value
    return c


def test_two_layer_points_and_defaults():
    loaded = load(two_layer_config())
    run = loaded["runs"]["tl"]
    assert {k: run[k] for k in ("method", "key", "minibatch_replacement", "noise_form", "moments", "trace_block", "trace_every", "seeds_per_job")} == {
        "method": "sgd", "key": "tl", "minibatch_replacement": True, "noise_form": "wick", "moments": "all", "trace_block": "loss", "trace_every": 11000,
        "seeds_per_job": 4}
    points = catalogue.run_points(run, loaded["datasets"])
    assert [p["label"] for p in points] == ["N30_P3000_h20_c1e+00", "N30_P3000_h20_c1e-04", "N30_P3000_h10_c1e+00", "N30_P3000_h10_c1e-04"]
    assert {k: points[1][k] for k in ("N", "P", "n_hidden", "init_scale", "dataset_label")} == {"N": 30, "P": 3000, "n_hidden": 20, "init_scale": 1e-4, "dataset_label": "N30_P3000"}
    assert all(re.fullmatch(catalogue.POINT_PATTERN, p["label"]) for p in points)
    assert catalogue.scale_label(0.25) == "2.5e-01" and catalogue.scale_label(0.2) == "2e-01"  # distinct labels for distinct scales
    assert catalogue.run_seed_count(run, loaded["datasets"]) == 8
    function, kwargs = catalogue.train_step(run, loaded["datasets"], "N30_P3000_h10_c1e-04", 4, 7, loaded["seeds"], loaded["engine"])
    assert function == "gross2024.two_layer_runs:train"
    assert kwargs["seeds"] == [4, 5, 6, 7] and kwargs["n_hidden"] == 10 and kwargs["init_scale"] == 1e-4 and kwargs["dt"] is None
    assert set(kwargs) | {"data_path", "output", "provenance"} == set(inspect.signature(two_layer_runs.train).parameters)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"method": "gd"}, "config key runs.tl.method: 'gd' is not one of ['sgd', 'sgf']"),
        ({"method": "sgf"}, "config key runs.tl.dt: required for method sgf"),
        ({"dt": 0.1}, "config key runs.tl.dt: only for method sgf"),
        ({"moments": "loss"}, "config key runs.tl.moments: 'loss' is not one of ['all', 'first_layer', 'second_layer']"),
        ({"trace_block": "first_layer"}, "config key runs.tl.trace_block: 'first_layer' is not one of ['all', 'second_layer', 'loss']"),
        ({"batch_size": 3001}, "config key runs.tl.batch_size: 3001 is larger than the number of samples P = 3000"),
        ({"n_hidden": [20, 10, 20]}, "config key runs.tl.n_hidden: [20, 10, 20] has non-unique elements"),
        ({"init_scale": [1.0, 1.0]}, "config key runs.tl.init_scale: [1.0, 1.0] has non-unique elements"),
        ({"dataset": "gross2024_fig6_iid"}, "config key runs.tl.dataset: dataset 'gross2024_fig6_iid' has labels: teacher; Sec. III trains on pure-noise labels"),
        ({"dataset": "nope"}, "config key runs.tl.dataset: no dataset 'nope'"),
        ({"n_seeds": 9}, "config key runs.tl.n_seeds: 9 runs need as many data realizations (dataset n_seeds = 8)"),
        ({"burn_in_steps": 1050}, "config key runs.tl.burn_in_steps: 1050 is not a multiple of record_every = 100"),
        ({"trace_every": 150}, "config key runs.tl.trace_every: 150 is not a multiple of record_every = 100"),
        ({"measure_steps": 100}, "config key runs.tl.measure_steps: 100 steps hold fewer than two records"),
        ({"record_every": None}, "config key runs.tl: 'record_every' is a required property"),
        ({"noise_form": "gaussian"}, "config key runs.tl.noise_form: 'gaussian' is not one of ['wick', 'exact']"),
        # 2 x 8 bytes x (20 x 30 + 20)^2 = 6 MB per seed: 200 MB at ~32 seeds per job; 40 asked, 8 held
        ({"seeds_per_job": 40, "n_seeds": 8}, None),
        # 8 seeds x 2 x 8 bytes x (100 x 30 + 100)^2 = 1230 MB
        ({"n_hidden": 100, "seeds_per_job": 8}, "config key runs.tl.moments: at N30_P3000_h100_c1e+00 a job of 8 seeds would hold 1230 MB"),
        # 4 seeds x 8 bytes x 40011 trace points x 621 entries = 795 MB
        ({"trace_block": "all", "trace_every": 100, "measure_steps": 4000000}, "config key runs.tl.trace_every: at N30_P3000_h20_c1e+00 a job of 4 seeds would hold 795 MB"),
        # the mean initial curvature c (N_i + N_h) / N_i^2 = 0.056 at c = 1, N_h = 20: 4 / 0.056 = 72
        ({"learning_rate": 80.0}, "config key runs.tl.learning_rate: 80 diverges at N30_P3000_h20_c1e+00: above 4 / kappa_0 <= 4 N_i^2 / (c (N_i + N_h)) = 72"),
        ({"method": "sgf", "dt": 100.0}, "config key runs.tl.dt: 100 diverges at N30_P3000_h20_c1e+00"),
    ],
)
def test_bad_two_layer_runs_name_the_key(changes, message):
    if message is None:  # seeds_per_job above n_seeds: the jobs hold n_seeds seeds, well under the limit
        load(two_layer_config(**changes))
        return
    with pytest.raises(cfg.ConfigError) as error:
        load(two_layer_config(**changes))
    assert str(error.value).startswith(message)
