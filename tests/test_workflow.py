"""The quick workflow run through Snakemake end to end: outputs, NetCDF contract, reproducibility, reruns."""

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
POINT = "N20_P40"  # a point of the quick Fig. 5 spectrum
DATA = f"results/datasets/gross2024_fig5_spectrum/{POINT}.nc"
RUN = f"results/runs/gross2024_fig5_spectrum/{POINT}"
STAGES = f"results/gross2024_fig5/spectrum/{POINT}"

pytestmark = pytest.mark.workflow


def copy_workflow(target: Path) -> Path:
    """The workflow files in a fresh directory: each test that runs Snakemake gets its own, so tests do not depend
    on each other's outputs or order."""
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


def planned_jobs(workdir: Path, overrides: dict | None = None, env=None, targets=()) -> dict[str, int]:
    """Rule -> job count of a dry run (of `targets`, default rule all), with `overrides` merged into config.yaml (as a
    user would edit it)."""
    extra = []
    if overrides:  # written outside workdir, which stays as it was
        path = Path(tempfile.mkdtemp()) / "overrides.yaml"
        path.write_text(yaml.safe_dump(overrides))
        extra = ["--configfile", "config.yaml", str(path)]
    out = snakemake(workdir, "--dry-run", *targets, *extra, env=env).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("Reasons:")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] not in ("total", "all")}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """A complete quick run, read (never modified) by the tests below; tests that rerun jobs work on a copy."""
    workdir = copy_workflow(tmp_path_factory.mktemp("quick"))
    snakemake(workdir)
    return workdir


def copy_run(quick_run: Path, target: Path) -> Path:
    """A copy of the finished quick run (outputs and Snakemake's metadata), for a test that changes it."""
    shutil.copytree(quick_run, target, symlinks=True, ignore=shutil.ignore_patterns("locks", "incomplete"))
    return target


def test_figure_claims_and_cost_are_produced(quick_run):
    for name in (f"gross2024_fig{n}.{ext}" for n in (2, 3, 4, 5, 6) for ext in ("png", "pdf")):
        assert (quick_run / "results/figures" / name).stat().st_size > 10_000, name
    table = pd.read_csv(quick_run / "results/tables/gross2024_table1.csv")
    assert len(table) == 8 and table.columns[:3].tolist() == ["regime", "property", "paper"]  # 6 properties, 2 App. D rows
    claims = pd.read_csv(quick_run / "results/claims.csv")
    assert list(claims.columns) == ["claim_id", "paper", "section", "figure", "kind", "location", "quote", "statement", "quantity", "measured", "expected",
                                    "tolerance", "power", "status"]
    assert claims.quote[claims.kind == "paper_claim"].notna().all() and claims.power.notna().all()
    assert set(claims.status) <= {"reproduced", "not_reproduced", "erratum", "qualitative", "not_judged"}
    assert set(claims.kind) == {"paper_claim", "consistency_check", "extension"}
    assert claims.statement[claims.kind == "extension"].str.startswith("hypothesis").all()
    summary = pd.read_csv(quick_run / "results/claims_summary.csv", index_col=["paper", "kind"])
    assert summary.rows.sum() == len(claims)
    for paper in ("Gross2024", "Corlouer2026"):
        assert summary.loc[(paper, "paper_claim"), "rows"] == ((claims.kind == "paper_claim") & (claims.paper == paper)).sum()
    assert claims.claim_id.is_unique and len(claims) >= 10
    # every registered figure contributes its rows: the table is the union of the per-figure files
    figure_files = sorted((quick_run / "results").glob("*/claims.csv"))
    assert len(figure_files) == len(list((quick_run / "results/figures").glob("*.png"))) + len(list((quick_run / "results/tables").glob("*.csv")))
    assert all(len(pd.read_csv(f)) > 0 for f in figure_files) and sum(len(pd.read_csv(f)) for f in figure_files) == len(claims)
    assert claims.claim_id[claims.paper == "Corlouer2026"].str.startswith(("corlouer_", "ext_")).all()
    assert claims.claim_id[claims.kind == "extension"].str.startswith("ext_").all()  # the extensions' own checks too
    assert not list(quick_run.rglob(".*.tmp*")), "temporary files left behind"
    cost = pd.read_csv(quick_run / "results/benchmarks/workflow_cost.csv", index_col="rule")
    # one training job per seed block of every run: Fig. 5 9, Fig. 3 2, Fig. 4 2 (shown, noiseless), Fig. 6 3, Table 1 8
    assert cost.loc["single_layer_sgd", "jobs"] == 24 and cost.loc["all rules", "max_rss_mb"] > 0


def test_netcdf_contract(quick_run):
    data = xr.open_dataset(quick_run / DATA)
    assert data.inputs.dims == ("seed", "sample", "feature") and data.inputs.attrs["units"] == "1"
    assert data.data_spawn_key.dims == ("seed", "key_part")
    for attr in ("config_hash", "git_commit", "package_versions", "sgdnoise_version", "config"):
        assert attr in data.attrs
    assert data.inputs.encoding["zlib"]
    train = xr.open_dataset(quick_run / RUN / "seeds0-1.nc")
    assert train.second_moment.dims == ("seed", "feature", "feature_j")
    assert train.step.attrs["units"] == "SGD steps" and "long_name" in train.weight_trace.attrs
    assert list(train.seed.values) == [0, 1] and train.sgd_spawn_key.shape == (2, 4)
    stats = xr.open_dataset(quick_run / STAGES / "statistics.nc")
    assert stats.temporal_covariance.dims == ("seed", "feature", "feature_j") and stats.sizes["seed"] == 4
    summary = xr.open_dataset(quick_run / "results/gross2024_fig5/spectrum/summary.nc")
    assert summary.P_over_N.dims == ("point",) and list(summary.P_over_N.values) == [1.5, 2.0, 10.0]
    assert summary.sgd_along_lyapunov.dims == ("point", "seed", "mode")
    dims = xr.open_dataset(quick_run / "results/gross2024_fig5/input_dimension/summary.nc")
    assert list(dims.N.values) == [10, 30, 60] and dims.temporal_variance_sgd.dims == ("point", "seed")




def test_every_intermediate_has_provenance_and_units(quick_run):
    """Every NetCDF file of the run: provenance, and units and long_name on every variable, stated by its stage (io.described
    writes "unspecified" where a stage gave none)."""
    files = list((quick_run / "results").rglob("*.nc"))
    assert len(files) > 90
    for path in files:
        with xr.open_dataset(path) as ds:
            assert {"config_hash", "git_commit", "package_versions", "sgdnoise_version", "config"} <= set(ds.attrs), path
            for name, var in ds.data_vars.items():
                assert "long_name" in var.attrs and ("units" in var.attrs or name.endswith("spawn_key")), (path, name)
                assert var.attrs.get("units") != "unspecified", (path, name)
    summary = xr.open_dataset(quick_run / "results/gross2024_fig3/summary.nc")
    assert summary.sgd_noise_eigenvalues.dims == ("point", "seed", "mode") and int(summary.simulated.sum()) == 2
    train = xr.open_dataset(quick_run / "results/runs/gross2024_table1_without/N10_P22_var0.25/seeds0-5.nc")
    assert train.attrs["minibatch_replacement"] == "0" and train.sgd_spawn_key.shape == (6, 4)


def test_one_run_shared_by_two_figures_is_simulated_once(tmp_path):
    """Runs are shared by name: a second figure section naming the same run adds no training job."""
    workdir = copy_workflow(tmp_path / "shared")
    alone = planned_jobs(workdir)
    shared = planned_jobs(workdir, {"quick": {"gross2024_fig6": {"cases": {"random_labels": "gross2024_fig6_iid"}}}})
    assert alone["single_layer_sgd"] == 24 and shared["single_layer_sgd"] == 23  # random_labels' run is no longer read
    assert shared["teacher_student_data"] == alone["teacher_student_data"] - 1 and shared["gross2024_fig6_statistics"] == 3


def test_rerun_is_byte_identical(quick_run, tmp_path):
    workdir = copy_run(quick_run, tmp_path / "rerun")
    files = [workdir / DATA, workdir / RUN / "seeds2-3.nc", workdir / STAGES / "theory.nc",
             workdir / "results/datasets/gross2024_table1/N10_P22_var0.0025.nc", workdir / "results/runs/gross2024_table1_without/N10_P22_var0.0025/seeds0-5.nc",
             workdir / "results/gross2024_table1/N10_P22_var0.0025/theory.nc", workdir / "results/runs/gross2024_fig4/N20_P22/seeds0-3.nc"]
    before = [f.read_bytes() for f in files]
    for f in files:
        f.unlink()
    snakemake(workdir, *(str(f.relative_to(workdir)) for f in files))
    assert [f.read_bytes() for f in files] == before


@pytest.mark.parametrize("run, target", [("gross2024_fig5_spectrum", f"{STAGES}/statistics.nc"), ("gross2024_fig6_iid", "results/gross2024_fig6/iid/statistics.nc")])
def test_statistics_do_not_depend_on_seed_split(quick_run, tmp_path, run, target):
    workdir = copy_workflow(tmp_path / "split")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    per_job = config["quick"]["runs"][run]["seeds_per_job"]
    config["quick"]["runs"][run] = {**config["quick"]["runs"][run], "seeds_per_job": 3}  # blocks {0,1,2}, {3}
    assert per_job != 3
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(workdir, target)
    assert list((workdir / "results/runs" / run).rglob("seeds0-2.nc"))
    xr.testing.assert_identical(xr.open_dataset(workdir / target).drop_attrs(), xr.open_dataset(quick_run / target).drop_attrs())


def test_nothing_to_do_after_a_complete_run(quick_run):
    assert planned_jobs(quick_run) == {}


def test_plot_change_reruns_only_the_figure(quick_run):
    figures = {f"{png.stem}_figure": 1 for png in (quick_run / "results/figures").glob("*.png")}
    assert planned_jobs(quick_run, {"plot": {"dpi": 100}}) == {**figures, "workflow_cost": 1, "report_pages": 1}  # the cost page


def test_sweep_value_change_reruns_only_that_point_and_downstream(quick_run):
    jobs = planned_jobs(quick_run, {"quick": {"datasets": {"gross2024_fig5_spectrum": {"N": 20, "P_over_N": [1.5, 2.0, 4.0]}}}})
    assert jobs == {"teacher_student_data": 1, "single_layer_sgd": 2, "gross2024_fig5_statistics": 1, "gross2024_fig5_theory": 1,
                    "gross2024_fig5_summary": 1, "gross2024_fig5_claims": 1, "gross2024_fig5_figure": 1, **AFTER_CLAIMS}


# Tiny runs of every deep linear method, as the Corlouer figures will declare them (no figure reads them yet).
_DEEP = {"dynamics": "deep_linear", "widths": [4, 3, 4], "teacher_singular_values": [1.0, 0.5], "init_gamma": 1, "learning_rate": 0.01,
         "horizon": 0.4, "record_interval": 0.04, "n_seeds": 2}
DEEP_LINEAR = {"runs": {
    "dl_online": {**_DEEP, "method": "online_sgd", "learning_rate": [0.01, 0.02], "label_noise_variance": 0.1, "trace_interval": 0.08, "n_seeds": 3,
                  "seeds_per_job": 2, "record_noise_variance": True},
    "dl_gd": {**_DEEP, "method": "gd", "dataset_size": 64},
    "dl_flow": {**_DEEP, "method": "gradient_flow", "dt": 0.01, "record_weights": True},
    "dl_sde": {**_DEEP, "method": "sde", "dt": 0.002},
    "dl_langevin": {**_DEEP, "method": "langevin", "dt": [0.002, 0.004]},
}}
DEEP_LINEAR_FILES = ["results/runs/dl_online/eta0.01/seeds0-1.nc", "results/runs/dl_online/eta0.02/seeds2-2.nc", "results/runs/dl_gd/default/seeds0-1.nc",
                     "results/runs/dl_flow/default/seeds0-1.nc", "results/runs/dl_sde/default/seeds0-1.nc", "results/runs/dl_langevin/dt0.004/seeds0-1.nc"]


def test_deep_linear_runs_of_every_method(tmp_path):
    """The deep_linear family of the catalogue: one rule for all five methods, sweeps as points, one time axis."""
    workdir = copy_workflow(tmp_path / "deep")
    (workdir / "deep.yaml").write_text(yaml.safe_dump(DEEP_LINEAR))
    snakemake(workdir, *DEEP_LINEAR_FILES, "--configfile", "config.yaml", "deep.yaml")
    online, last_seed, gd, flow, sde, langevin = (xr.open_dataset(workdir / f) for f in DEEP_LINEAR_FILES)
    np.testing.assert_allclose(online.time.values, np.arange(0, 0.41, 0.08), atol=1e-12)  # t = eta * step, eta = 0.01
    np.testing.assert_allclose(flow.time.values, np.arange(0, 0.41, 0.04), atol=1e-12)  # t = dt * step
    assert online.modes.dims == ("seed", "time", "row", "column") and online.noise_variance.dims == ("seed", "time", "mode")
    assert list(last_seed.seed.values) == [2] and flow.weights_1.dims == ("seed", "time", "layer1_out", "layer1_in")
    # gradient flow and small-step GD decrease their loss monotonically; the noisy methods need not
    assert np.all(np.diff(flow.loss.values, axis=1) < 0) and np.all(np.diff(gd.loss.values, axis=1) < 0)
    for ds in (online, sde, langevin):
        assert np.all(np.isfinite(ds.modes.values)) and ds.attrs["method"] in ("online_sgd", "sde", "langevin")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# What follows any change of a figure's claims: the merged table, its check, the cost and the report pages.
AFTER_CLAIMS = {"claims_table": 1, "claims_check": 1, "workflow_cost": 1, "report_pages": 1, "report_captions": 1}


def figure_tail(*figures):
    """A figure's last rules: claims and figure (or table); its report caption is in AFTER_CLAIMS."""
    return {f"gross2024_{f}_{step}": 1 for f in figures for step in ("claims", "table" if f == "table1" else "figure")}


# What follows the training: every rule downstream of all single-layer SGD runs (quick scale), Fig. 4's settling
# and noiseless stages and Table 1's App. D stage included (they run or read SGD too).
AFTER_TRAINING = {"gross2024_fig3_statistics": 2, "gross2024_fig3_summary": 1,
                  "gross2024_fig4_statistics": 1, "gross2024_fig4_summary": 1, "gross2024_fig4_settling": 1, "gross2024_fig4_noiseless": 1,
                  "gross2024_fig5_statistics": 6, "gross2024_fig5_summary": 2,
                  "gross2024_fig6_statistics": 3, "gross2024_fig6_summary": 1,
                  "gross2024_table1_statistics": 4, "gross2024_table1_summary": 1, "gross2024_table1_multiplicative": 1,
                  **figure_tail("fig3", "fig4", "fig5", "fig6", "table1"), **AFTER_CLAIMS}


@pytest.mark.parametrize(
    "module, old, new, expected",
    [
        # a comment or docstring changes no number
        ("gross2024/fig5/plot.py", "from ... import io", "# a comment\nfrom ... import io", {}),
        ("gross2024/runs.py", "omega_0 that sets a run's time scale", "the slowest relaxation rate, which sets the time scale", {}),
        # a constant used by claims code only: no training, no theory
        ("gross2024/fig6/stages.py", "SLOPE_LIMIT = 0.25", "SLOPE_LIMIT = 0.3", {"gross2024_fig6_claims": 1, **AFTER_CLAIMS}),
        # a constant of a stage module that the table's plot module imports
        ("gross2024/table1/stages.py", '"final_loss": "training loss, time average"', '"final_loss": "training loss, time-averaged"',
         {"gross2024_table1_statistics": 4, "gross2024_table1_theory": 4, "gross2024_table1_summary": 1, **figure_tail("table1"), **AFTER_CLAIMS}),
        # a helper two calls deep (summarize -> compare_point -> rayleigh_quotients), one call deep (Fig. 6), and the
        # Sec. III stages that read covariances along the theory's eigenvectors (Fig. 8 theory and statistics, IVFR)
        ("statistics.py", 'return np.einsum("...ik,...ij,...jk->...k", basis, matrix, basis)', 'return np.einsum("...ij,...ik,...jk->...k", matrix, basis, basis)',
         {"gross2024_fig3_summary": 1, "gross2024_fig5_summary": 4, "gross2024_fig5_crossovers": 1, "gross2024_fig6_statistics": 3, "gross2024_fig6_theory": 3,
          "gross2024_fig6_summary": 1, "gross2024_fig8_theory": 2, "gross2024_fig8_statistics": 2, "gross2024_fig8_summary": 1,
          "gross2024_ivfr_statistics": 2, "gross2024_ivfr_summary": 1, **figure_tail("fig3", "fig5", "fig6", "fig8", "ivfr"),
          "extensions_deep_ivfr_summary": 1, "extensions_deep_ivfr_claims": 1, "extensions_deep_ivfr_figure": 1, **AFTER_CLAIMS}),
        # the log-time schedule: Fig. 4's two log-time runs, its settling runs and its theory (same time grid), not the window runs
        ("gross2024/runs.py", "spacing *= 2", "spacing = spacing * 2",
         {"single_layer_sgd": 2, "gross2024_fig4_theory": 1, "gross2024_fig4_statistics": 1, "gross2024_fig4_summary": 1, "gross2024_fig4_settling": 1,
          "gross2024_fig4_noiseless": 1, **figure_tail("fig4"), **AFTER_CLAIMS}),
        # the compiled kernel, reached through engine/__init__.py's re-export: its compile stamp (engine_kernels, family
        # single_layer only), every training job and what follows
        ("engine/single_layer.py", "def single_layer_sgd(", "def _unused():\n    pass\n\n\ndef single_layer_sgd(",
         {}),
        ("engine/single_layer.py", "if len(rngs) != n_seeds:", "if n_seeds != len(rngs):", {"engine_kernels": 1, "single_layer_sgd": 24, **AFTER_TRAINING}),
    ],
)
def test_code_edit_reruns_exactly_the_rules_that_use_it(quick_run, tmp_path, module, old, new, expected):
    """Each rule's params carry a hash of the code its function reaches (sgdnoise.codehash); run the dry run
    against an edited copy of the package, which shadows the installed one."""
    package = tmp_path / "src" / "sgdnoise"
    shutil.copytree(ROOT / "src" / "sgdnoise", package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(tmp_path / "src")}
    assert planned_jobs(quick_run, env=env) == {}
    edit(package / module, old, new)
    assert planned_jobs(quick_run, env=env) == expected


def test_every_step_matches_its_function(quick_run):
    """The adapter's contract, for every job of the quick DAG and of the deep linear runs: the rule's step names an
    existing library function,
    and its named inputs, outputs and keyword arguments bind to that function's signature (a renamed argument
    fails here, not in job 150 of a cluster run)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

    checked, rules = set(), set()
    with SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1), config_settings=ConfigSettings(config={"scale": "quick", **DEEP_LINEAR}),
                                    snakefile=quick_run / "Snakefile", workdir=quick_run)
        workflow_api.dag(DAGSettings(targets={"all", *DEEP_LINEAR_FILES}))
        workflow = workflow_api._workflow  # the parsed workflow; Snakemake's API has no public job listing
        workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True)
        workflow._build_dag()
        targets_only = {"all", "gross2024", "corlouer2026", "extensions"}  # rule all and the per-paper rules call nothing
        rules = {rule.name for rule in workflow.rules} - targets_only
        for job in workflow.dag.jobs:
            if "step" not in job.params.keys():
                assert job.rule.name in targets_only, f"rule {job.rule.name} calls no library function"
                continue
            step = job.params.step
            module, name = step["function"].split(":")
            function = getattr(importlib.import_module(module), name)
            signature = inspect.signature(function)
            files = {key: None for key in (*job.input._names, *job.output._names)}
            for key in files:  # one path where the function takes a str, a list where it takes list[str]
                value = getattr(job.input, key, None) if key in job.input._names else getattr(job.output, key)
                annotation = str(signature.parameters[key].annotation) if key in signature.parameters else ""
                if annotation in ("str", "list[str]"):
                    assert isinstance(value, str) == (annotation == "str"), f"rule {job.rule.name}: {key} is {type(value).__name__}, {step['function']} takes {annotation}"
            extra = {"provenance": {}} if "provenance" in signature.parameters else {}
            try:
                signature.bind(**files, **step["kwargs"], **extra)
            except TypeError as error:
                raise AssertionError(f"rule {job.rule.name}: {step['function']}{signature} does not take {sorted({**files, **step['kwargs']})}: {error}")
            checked.add(job.rule.name)
    assert checked == rules and len(rules) > 30


def test_a_diverging_run_stops_its_job_and_names_the_point(tmp_path):
    """A learning rate above 2 / omega_max (~ 11 here) but below the config's sure bound 2N = 40: the training job
    fails, its log holds the traceback naming the run and point, and no output file is left behind."""
    workdir = copy_workflow(tmp_path / "diverge")
    (workdir / "fast.yaml").write_text(yaml.safe_dump({"runs": {"gross2024_fig4": {"learning_rate": 25.0}}}))
    target = "results/runs/gross2024_fig4/N20_P22/seeds0-3.nc"
    result = snakemake(workdir, target, "--configfile", "config.yaml", "fast.yaml", check=False)
    assert result.returncode != 0
    log = (workdir / "results/logs/single_layer_sgd/gross2024_fig4/N20_P22/seeds0-3.log").read_text()
    assert "FloatingPointError: gross2024_fig4 N20_P22 seeds 0-3: the run diverged" in log and "Traceback" in log
    assert re.search(r"first seed 0, non-finite from recorded step \d+ on\) at learning_rate 25.0; lambda omega_max = [0-9.]+ \(omega_max", log)
    assert not (workdir / target).exists() and not list(workdir.rglob(".*.tmp*"))


def test_a_damaged_intermediate_is_named_and_only_it_is_redone(quick_run, tmp_path):
    """A truncated statistics file: the job reading it fails naming the file and its rule, leaving no output;
    `verify` removes it, and the rerun redoes it and what depends on it, not the training behind it."""
    workdir = copy_run(quick_run, tmp_path / "damaged")
    statistics = workdir / STAGES / "statistics.nc"
    with open(statistics, "r+b") as f:
        f.truncate(statistics.stat().st_size // 2)
    summary = "results/gross2024_fig5/spectrum/summary.nc"
    result = snakemake(workdir, summary, "--forcerun", "gross2024_fig5_summary", check=False)
    log = (workdir / "results/logs/gross2024_fig5_summary/spectrum.log").read_text()
    assert result.returncode != 0 and not (workdir / summary).exists()
    assert f"{STAGES}/statistics.nc: damaged" in log and "made by rule gross2024_fig5_statistics" in log and "Traceback" in log
    verify = subprocess.run([sys.executable, "-m", "sgdnoise.io", "verify"], cwd=workdir, capture_output=True, text=True, check=True)
    assert f"damaged: {STAGES}/statistics.nc (made by rule gross2024_fig5_statistics): removed" in verify.stdout
    jobs = planned_jobs(workdir)
    assert jobs["gross2024_fig5_statistics"] == 1 and jobs["gross2024_fig5_summary"] == 1
    assert not {"single_layer_sgd", "teacher_student_data", "gross2024_fig5_theory"} & set(jobs)


CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # this machine's closed network refuses Chromium's background connections


def embedded(report: str, filename: str, mime: str) -> bytes:
    """A file as Snakemake's report embeds it (a base64 data URI)."""
    import base64

    match = re.search(rf"data:{mime};charset=utf8;filename={re.escape(filename)};base64,([A-Za-z0-9+/=]+)", report)
    assert match, f"{filename} is not embedded in the report"
    return base64.b64decode(match[1])


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (bash .ci/install_system.sh installs it)")
def test_the_report_opens_in_chromium_with_every_figure_and_the_claims(quick_run, tmp_path):
    workdir = copy_run(quick_run, tmp_path / "report")
    snakemake(workdir, "--report", "results/report.html")
    report = (workdir / "results/report.html").read_text()
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=15000", "--dump-dom",
                          (workdir / "results/report.html").as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    rendered = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)  # what the page's scripts built, not their data
    for entry in ("Gross, Raulf, Räth 2024", "Claims", "Errata and ambiguities", "Cost"):
        assert entry in rendered, f"{entry!r} not in the rendered navigation"
    figures = sorted((workdir / "results/figures").glob("*.png"))
    assert len(figures) >= 5
    for png in figures:
        assert embedded(report, png.name, "image/png") == png.read_bytes()
        caption = (workdir / f"results/report/{png.stem}.rst").read_text()
        rows = pd.read_csv(workdir / f"results/{png.stem}/claims.csv")
        assert f"**Claims of this run**: {len(rows)} rows" in caption
    claims_page = embedded(report, "claims.html", "text/html").decode()
    table = pd.read_csv(workdir / "results/claims.csv")
    assert all(claim_id in claims_page for claim_id in table.claim_id) and f"Claims: {len(table)} rows" in claims_page
    errata_page = embedded(report, "errata.html", "text/html").decode()
    assert all(claim_id in errata_page for claim_id in table.claim_id[table.status == "qualitative"]) and "Ambiguities" in errata_page
    for row in table[table.status.isin(["erratum", "qualitative"])].itertuples():  # and a page of its own each
        page = embedded(report, f"{row.claim_id}.html", "text/html").decode()
        assert row.claim_id in page and ("Erratum" if row.status == "erratum" else "Ambiguity") in page
    cost_page = embedded(report, "cost.html", "text/html").decode()
    assert all(rule in cost_page for rule in pd.read_csv(workdir / "results/benchmarks/workflow_cost.csv").rule)
