"""Config validation: every bad value stops the run with one message naming the key."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sgdnoise import config as cfg

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())


def modified(path, value):
    c = copy.deepcopy(DEFAULT)
    *parents, last = path.split(".")
    node = c
    for key in parents:
        node = node[key]
    node[last] = value
    return c


def test_default_and_quick_configs_are_valid():
    full = cfg.load(DEFAULT, SCHEMA)
    quick = cfg.load({**DEFAULT, "scale": "quick"}, SCHEMA)
    assert full["gross2024_fig5"]["spectrum"]["N"] == 100
    assert quick["gross2024_fig5"]["spectrum"]["N"] < full["gross2024_fig5"]["spectrum"]["N"]
    assert quick["gross2024_fig5"]["learning_rate"] == full["gross2024_fig5"]["learning_rate"]


def test_defaults_are_filled_in():
    c = copy.deepcopy(DEFAULT)
    del c["gross2024_fig5"]["record_every"], c["engine"]
    loaded = cfg.load(c, SCHEMA)
    assert loaded["gross2024_fig5"]["record_every"] == 20
    assert loaded["engine"] == {"chunk_steps": 16384, "threads": 1}


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("gross2024_fig5.learning_rate", "fast", "config key gross2024_fig5.learning_rate: 'fast' is not of type 'number'"),
        ("gross2024_fig5.learning_rate", -0.1, "config key gross2024_fig5.learning_rate: -0.1 is less than or equal to the minimum of 0"),
        ("gross2024_fig5.batch_size", 500, "config key gross2024_fig5.batch_size: 500 is larger than the number of samples P = 105"),
        ("gross2024_fig5.bacth_size", 10, "config key gross2024_fig5.bacth_size: unknown key"),
        ("gross2024_fig5.spectrum.P_over_N", [1.055], "config key gross2024_fig5.spectrum.P_over_N: 1.055 x N"),
        ("gross2024_fig5.spectrum.P_over_N", [0.5], "config key gross2024_fig5.spectrum.P_over_N.0: 0.5 is less than or equal to the minimum of 1"),
        ("scale", "huge", "config key scale: 'huge' is not one of ['full', 'quick']"),
        ("gross2024_fig5.input_dimension.n_seeds", 0, "config key gross2024_fig5.input_dimension.n_seeds: 0 is less than the minimum of 1"),
        ("gross2024_fig2.projector.P_over_N", [1.55], "config key gross2024_fig2.projector.P_over_N: 1.55 x N"),
        ("gross2024_fig3.sgd_P_over_N", [3.0], "config key gross2024_fig3.sgd_P_over_N: [3.0] not in gross2024_fig3.P_over_N"),
        ("gross2024_fig4.modes", [1, 50], "config key gross2024_fig4.modes: mode 50 does not exist for N = 50"),
        ("gross2024_fig6.initial_weights", "random", "config key gross2024_fig6.initial_weights: 'random' is not one of"),
        ("gross2024_table1.N", [10, 20], "config key gross2024_table1.N: [10, 20] needs one N below and one above P = 22"),
        ("gross2024_table1.batch_size", 30, "config key gross2024_table1.batch_size: 30 is larger than the number of samples P = 22"),
    ],
)
def test_bad_values_name_the_key(path, value, message):
    with pytest.raises(cfg.ConfigError) as error:
        cfg.load(modified(path, value), SCHEMA)
    assert str(error.value).startswith(message)


def test_snakemake_stops_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(modified("gross2024_fig5.learning_rate", -0.1)))
    snakemake = Path(sys.executable).with_name("snakemake")
    result = subprocess.run([str(snakemake), "--cores", "1", "--configfile", str(bad), "--directory", str(tmp_path), "-s", str(ROOT / "Snakefile")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "config key gross2024_fig5.learning_rate: -0.1 is less than or equal to the minimum of 0" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()
