"""Config validation: every bad value stops the run with one message naming the key."""

import copy
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sgdnoise import catalogue
from sgdnoise import config as cfg

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "workflow" / "schemas"
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())
FIGURES = sorted(p.name.removesuffix(".schema.yaml") for p in (SCHEMAS / "gross2024").glob("*.schema.yaml"))  # fig2 ... table1


def load(config):
    """What the workflow does at start-up: shared sections and catalogue (common.smk), then each figure's section
    as its rule file registers it, then the check for unknown sections (Snakefile)."""
    loaded = cfg.load(config, SCHEMAS)
    catalogue.check(loaded)
    sections = ["scale", "seeds", "engine", "datasets", "runs", "plot", "quick"]
    for figure in FIGURES:
        module = importlib.import_module(f"sgdnoise.gross2024.{figure}")
        cfg.section(loaded, f"gross2024_{figure}", SCHEMAS, f"gross2024/{figure}.schema.yaml", module.check_config)
        sections.append(f"gross2024_{figure}")
    cfg.check_sections(loaded, sections)
    return loaded


def modified(path, value):
    c = copy.deepcopy(DEFAULT)
    *parents, last = path.split(".")
    node = c
    for key in parents:
        node = node[key]
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
        ("scale", "huge", "config key scale: 'huge' is not one of ['full', 'quick']"),
        ("gross2024_fig2.projector.P_over_N", [1.55], "config key gross2024_fig2.projector.P_over_N: 1.55 x N"),
        ("gross2024_fig3.hessian_P_over_N", [3.0], "config key gross2024_fig3.hessian_P_over_N: [3.0] not among the P/N of dataset gross2024_fig3"),
        ("gross2024_fig3.run", "nope", "config key gross2024_fig3.run: no run 'nope'"),
        ("gross2024_fig4.modes", [1, 50], "config key gross2024_fig4.modes: mode 50 does not exist for N = 50"),
        ("gross2024_fig4.run", "gross2024_fig3", "config key gross2024_fig4.run: run 'gross2024_fig3' must record on a logarithmic time grid"),
        ("gross2024_fig5.continuum_error_learning_rates", [0.2, 0.4], "config key gross2024_fig5.continuum_error_learning_rates: must contain the spectrum run's learning_rate = 0.1"),
        ("gross2024_table1.without_replacement", "gross2024_table1_with", "config key gross2024_table1.without_replacement: run 'gross2024_table1_with' must have minibatch_replacement: false"),
        ("gross2024_fig7", {}, "config key gross2024_fig7: unknown section"),
    ],
)
def test_bad_values_name_the_key(path, value, message):
    with pytest.raises(cfg.ConfigError) as error:
        load(modified(path, value))
    assert str(error.value).startswith(message)


def test_snakemake_stops_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(modified("runs.gross2024_fig5_spectrum.learning_rate", -0.1)))
    snakemake = Path(sys.executable).with_name("snakemake")
    result = subprocess.run([str(snakemake), "--cores", "1", "--configfile", str(bad), "--directory", str(tmp_path), "-s", str(ROOT / "Snakefile")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "config key runs.gross2024_fig5_spectrum.learning_rate: -0.1 is less than or equal to the minimum of 0" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()
