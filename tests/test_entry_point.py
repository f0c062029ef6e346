"""./reproduce outside its own setup: through a symlink, from another directory, with another environment active."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def reproduce(caller: Path, command: Path, *args, env=None):
    """Run `command` (./reproduce or a link to it) from `caller`, in the environment that runs the tests."""
    venv = {"VIRTUAL_ENV": sys.prefix, "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(command), *args], cwd=caller, capture_output=True, text=True, timeout=300, env={**os.environ, **venv, **(env or {})})


@pytest.fixture
def elsewhere(tmp_path):
    """A directory outside the repository with a symlink to ./reproduce."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "reproduce").symlink_to(ROOT / "reproduce")
    return tmp_path


def test_through_a_symlink_with_a_configfile_relative_to_the_caller(elsewhere):
    (elsewhere / "mine.yaml").write_text("scale: quick\nengine: {threads: 0}\n")  # read only if found from the caller's directory
    result = reproduce(elsewhere, elsewhere / "bin" / "reproduce", "--dry-run", "--quiet", "--configfile", "mine.yaml")
    assert result.returncode != 0
    assert "config key engine.threads: 0 is less than the minimum of 1" in result.stdout + result.stderr, result.stderr[-2000:]
    (elsewhere / "mine.yaml").write_text("scale: quick\n")
    result = reproduce(elsewhere, elsewhere / "bin" / "reproduce", "--dry-run", "--quiet", "--configfile=mine.yaml")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (elsewhere / "results").exists()


def test_a_yaml_error_names_file_line_and_column(elsewhere):
    (elsewhere / "bad.yaml").write_text("scale: quick\nengine: {threads: 1\n")
    result = reproduce(elsewhere, elsewhere / "bin" / "reproduce", "--dry-run", "--configfile", "bad.yaml")
    assert result.returncode == 2
    assert f"{elsewhere / 'bad.yaml'}, line 3, column 1: YAML syntax error" in result.stderr


def test_another_active_environment_is_never_installed_into(tmp_path):
    other = tmp_path / "other-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    result = reproduce(tmp_path, ROOT / "reproduce", "--dry-run", env={"VIRTUAL_ENV": str(other), "PATH": f"{other / 'bin'}{os.pathsep}{os.environ['PATH']}",
                                                                       "PYTHONPATH": ""})
    assert result.returncode == 2
    assert f"the active virtual environment {other} does not have this checkout ({ROOT}) installed" in result.stderr
    assert "deactivate" in result.stderr and "SGDNOISE_INSTALL_INTO_ACTIVE=1" in result.stderr
    assert not (other / ".sgdnoise-installed").exists() and not list(other.rglob("sgdnoise*"))
