"""The quick workflow run through Snakemake end to end: outputs, NetCDF contract, reproducibility, reruns."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
POINT = "results/gross2024_fig5/spectrum/N20_P40"

pytestmark = pytest.mark.workflow


def copy_workflow(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "workflow", target / "workflow", dirs_exist_ok=True)
    return target


def snakemake(workdir: Path, *args, config=(), env=None, check=True):
    """Run the quick workflow in `workdir`; `config` items are appended to --config scale=quick."""
    command = [SNAKEMAKE, *args, "--workflow-profile", "workflow/profiles/default", "--config", "scale=quick", *config]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900, env=None if env is None else {**os.environ, **env})
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result


def planned_jobs(workdir: Path, overrides: dict | None = None, env=None) -> dict[str, int]:
    """Rule -> job count of a dry run, with `overrides` merged into config.yaml (as a user would edit it)."""
    extra = []
    if overrides:
        (workdir / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        extra = ["--configfile", "config.yaml", "overrides.yaml"]
    out = snakemake(workdir, "--dry-run", *extra, env=env).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("Reasons:")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] not in ("total", "all")}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("quick"))
    snakemake(workdir)
    return workdir


def test_figure_claims_and_cost_are_produced(quick_run):
    for name in (f"gross2024_fig{n}.{ext}" for n in (2, 3, 4, 5, 6) for ext in ("png", "pdf")):
        assert (quick_run / "results/figures" / name).stat().st_size > 10_000, name
    table = pd.read_csv(quick_run / "results/tables/gross2024_table1.csv")
    assert len(table) == 6 and table.columns[:3].tolist() == ["regime", "property", "paper"]
    claims = pd.read_csv(quick_run / "results/claims.csv")
    assert list(claims.columns) == ["claim_id", "paper", "figure", "statement", "quantity", "measured", "expected", "tolerance", "status"]
    assert set(claims.status) <= {"reproduced", "not_reproduced", "erratum"}
    assert claims.claim_id.is_unique and len(claims) >= 10
    assert not list(quick_run.rglob(".*.tmp*")), "temporary files left behind"
    cost = pd.read_csv(quick_run / "results/benchmarks/workflow_cost.csv", index_col="rule")
    assert cost.loc["gross2024_fig5_train", "jobs"] == 9 and cost.loc["all rules", "max_rss_mb"] > 0


def test_netcdf_contract(quick_run):
    data = xr.open_dataset(quick_run / POINT / "data.nc")
    assert data.inputs.dims == ("seed", "sample", "feature") and data.inputs.attrs["units"] == "1"
    assert data.data_spawn_key.dims == ("seed", "key_part")
    for attr in ("config_hash", "git_commit", "package_versions", "sgdnoise_version", "config"):
        assert attr in data.attrs
    assert data.inputs.encoding["zlib"]
    train = xr.open_dataset(quick_run / POINT / "sgd_seeds0-1.nc")
    assert train.second_moment.dims == ("seed", "feature", "feature_j")
    assert train.step.attrs["units"] == "SGD steps" and "long_name" in train.weight_trace.attrs
    assert list(train.seed.values) == [0, 1] and train.sgd_spawn_key.shape == (2, 4)
    stats = xr.open_dataset(quick_run / POINT / "statistics.nc")
    assert stats.temporal_covariance.dims == ("seed", "feature", "feature_j") and stats.sizes["seed"] == 4
    summary = xr.open_dataset(quick_run / "results/gross2024_fig5/spectrum/summary.nc")
    assert summary.P_over_N.dims == ("point",) and list(summary.P_over_N.values) == [1.5, 2.0, 10.0]
    assert summary.sgd_along_lyapunov.dims == ("point", "seed", "mode")
    dims = xr.open_dataset(quick_run / "results/gross2024_fig5/input_dimension/summary.nc")
    assert list(dims.N.values) == [10, 30, 60] and dims.temporal_variance_sgd.dims == ("point", "seed")


SEC2 = ("gross2024_fig2", "gross2024_fig3", "gross2024_fig4", "gross2024_fig6", "gross2024_table1")


def test_sec2_netcdf_contract(quick_run):
    """Every intermediate of Figs. 2, 3, 4, 6 and Table 1: provenance, and units and long_name on every variable."""
    files = [path for name in SEC2 for path in (quick_run / "results" / name).rglob("*.nc")]
    assert len(files) > 40
    for path in files:
        with xr.open_dataset(path) as ds:
            assert {"config_hash", "git_commit", "package_versions", "sgdnoise_version", "config"} <= set(ds.attrs), path
            for name, var in ds.data_vars.items():
                assert "long_name" in var.attrs and ("units" in var.attrs or name.endswith("spawn_key")), (path, name)
    summary = xr.open_dataset(quick_run / "results/gross2024_fig3/summary.nc")
    assert summary.sgd_noise_eigenvalues.dims == ("point", "seed", "mode") and int(summary.simulated.sum()) == 2
    train = xr.open_dataset(quick_run / "results/gross2024_table1/N10_P22_var0.25/sgd_without_seeds0-5.nc")
    assert train.attrs["minibatch_replacement"] == "0" and train.sgd_spawn_key.shape == (6, 4)


def test_rerun_is_byte_identical(quick_run):
    files = [quick_run / POINT / name for name in ("data.nc", "sgd_seeds2-3.nc", "theory.nc")]
    before = [f.read_bytes() for f in files]
    for f in files:
        f.unlink()
    snakemake(quick_run, *(str(f.relative_to(quick_run)) for f in files))
    assert [f.read_bytes() for f in files] == before


def test_statistics_do_not_depend_on_seed_split(quick_run, tmp_path):
    workdir = copy_workflow(tmp_path / "split")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["quick"]["gross2024_fig5"]["seeds_per_job"] = 3  # blocks {0,1,2}, {3} instead of {0,1}, {2,3}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(workdir, f"{POINT}/statistics.nc")
    assert (workdir / POINT / "sgd_seeds0-2.nc").exists()
    split = xr.open_dataset(workdir / POINT / "statistics.nc")
    reference = xr.open_dataset(quick_run / POINT / "statistics.nc")
    xr.testing.assert_identical(split.drop_attrs(), reference.drop_attrs())


def test_sec2_rerun_is_byte_identical(quick_run):
    point = quick_run / "results/gross2024_table1/N10_P22_var0.0025"
    files = [point / name for name in ("data.nc", "sgd_without_seeds0-5.nc", "theory.nc")] + [quick_run / "results/gross2024_fig4/N20_P22/sgd_seeds0-3.nc"]
    before = [f.read_bytes() for f in files]
    for f in files:
        f.unlink()
    snakemake(quick_run, *(str(f.relative_to(quick_run)) for f in files))
    assert [f.read_bytes() for f in files] == before


def test_sec2_statistics_do_not_depend_on_seed_split(quick_run, tmp_path):
    workdir = copy_workflow(tmp_path / "split_sec2")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["quick"]["gross2024_fig6"]["seeds_per_job"] = 3  # blocks {0,1,2}, {3} instead of {0,1,2,3}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    target = "results/gross2024_fig6/iid/statistics.nc"
    snakemake(workdir, target)
    assert (workdir / "results/gross2024_fig6/iid/sgd_seeds0-2.nc").exists()
    xr.testing.assert_identical(xr.open_dataset(workdir / target).drop_attrs(), xr.open_dataset(quick_run / target).drop_attrs())


def test_nothing_to_do_after_a_complete_run(quick_run):
    assert planned_jobs(quick_run) == {}


def test_plot_change_reruns_only_the_figure(quick_run):
    figures = {f"gross2024_fig{n}_figure": 1 for n in (2, 3, 4, 5, 6)}
    assert planned_jobs(quick_run, {"plot": {"dpi": 100}}) == {**figures, "workflow_cost": 1}


def test_sweep_value_change_reruns_only_that_point_and_downstream(quick_run):
    jobs = planned_jobs(quick_run, {"quick": {"gross2024_fig5": {"spectrum": {"N": 20, "P_over_N": [1.5, 2.0, 4.0]}}}})
    assert jobs == {"gross2024_fig5_data": 1, "gross2024_fig5_train": 2, "gross2024_fig5_statistics": 1, "gross2024_fig5_theory": 1,
                    "gross2024_fig5_summary": 1, "gross2024_fig5_claims": 1, "gross2024_fig5_figure": 1, "claims_table": 1, "workflow_cost": 1}


def test_library_edit_reruns_exactly_the_rules_that_use_it(quick_run, tmp_path):
    """Rules carry a hash of the library code behind them; run against an edited copy of the package."""
    package = tmp_path / "src" / "sgdnoise"
    shutil.copytree(ROOT / "src" / "sgdnoise", package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(tmp_path / "src")}  # the copy shadows the installed package
    assert planned_jobs(quick_run, env=env) == {}
    with open(package / "plotting" / "gross2024_fig5.py", "a") as f:
        f.write("# an edit\n")
    assert planned_jobs(quick_run, env=env) == {"gross2024_fig5_figure": 1, "workflow_cost": 1}
    with open(package / "engine" / "single_layer.py", "a") as f:
        f.write("# an edit\n")
    sec2 = {"gross2024_fig3_train": 2, "gross2024_fig3_statistics": 2, "gross2024_fig3_summary": 1, "gross2024_fig3_claims": 1, "gross2024_fig3_figure": 1,
            "gross2024_fig4_train": 1, "gross2024_fig4_statistics": 1, "gross2024_fig4_summary": 1, "gross2024_fig4_claims": 1, "gross2024_fig4_figure": 1,
            "gross2024_fig6_train": 3, "gross2024_fig6_statistics": 3, "gross2024_fig6_summary": 1, "gross2024_fig6_claims": 1, "gross2024_fig6_figure": 1,
            "gross2024_table1_train": 8, "gross2024_table1_statistics": 4, "gross2024_table1_summary": 1, "gross2024_table1_claims": 1, "gross2024_table1_table": 1}
    assert planned_jobs(quick_run, env=env) == {"gross2024_fig5_train": 9, "gross2024_fig5_statistics": 6, "gross2024_fig5_summary": 2,
                                                "gross2024_fig5_claims": 1, "gross2024_fig5_figure": 1, "claims_table": 1, "workflow_cost": 1, **sec2}
