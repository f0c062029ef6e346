"""The conda environment file and pyproject.toml pin the same packages at the same versions."""

import tomllib
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pyproject_pins():
    return sorted(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def test_conda_environment_mirrors_pyproject():
    env = yaml.safe_load((ROOT / "envs" / "environment.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == pyproject_pins()


def test_installed_versions_are_the_pinned_ones():
    for pin in pyproject_pins():
        name, version = pin.split("==")
        assert metadata.version(name) == version, name
