"""A run killed with SIGKILL in the middle of training and restarted redoes only the unfinished jobs."""

import base64
import os
import signal
import subprocess
import time

import pytest
import xarray as xr

from test_workflow import SNAKEMAKE, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


def registered_outputs(workdir):
    """Outputs Snakemake has recorded as complete: one metadata file each, named by the base64 of the path."""
    metadata = workdir / ".snakemake" / "metadata"
    return {base64.b64decode(name).decode() for name in os.listdir(metadata)} if metadata.exists() else set()


TRAINING = ("single_layer_sgd", "two_layer", "deep_linear")  # the catalogue's families: every job writes results/runs/<run>/...


def training_jobs(jobs: dict) -> int:
    return sum(jobs.get(rule, 0) for rule in TRAINING)


# Fig. 5's spectrum at quick scale: 6 training blocks (3 points x 2) behind one summary, so that on 2 cores some
# blocks finish while others run; the whole quick workflow would only make the test longer.
TARGETS = ("results/gross2024_fig5/spectrum/summary.nc",)


def test_sigkill_during_training_then_resume(tmp_path):
    workdir = copy_workflow(tmp_path / "killed")
    total_blocks = training_jobs(planned_jobs(workdir, targets=TARGETS))
    process = subprocess.Popen([SNAKEMAKE, *TARGETS, "--workflow-profile", "workflow/profiles/default", "--config", "scale=quick"], cwd=workdir,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600  # a safety net against a hang only: the test's verdict never depends on timing
    results = workdir / "results" / "runs"
    logs = [workdir / "results" / "logs" / rule for rule in TRAINING]
    # wait until Snakemake has registered some training blocks as complete while others are still running
    while time.monotonic() < deadline:
        finished = [path for path in registered_outputs(workdir) if path.startswith("results/runs/")]
        running = [log for family in logs for log in family.rglob("seeds*.log") if not (results / log.relative_to(family)).with_suffix(".nc").exists()]
        if finished and running:
            break
        assert process.poll() is None, "workflow ended before it could be interrupted"
        time.sleep(0.2)
    else:
        pytest.fail("no moment with finished and running training jobs")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    written = {p: p.stat().st_mtime_ns for p in results.rglob("seeds*.nc")}
    registered = registered_outputs(workdir)
    settled = {p: m for p, m in written.items() if str(p.relative_to(workdir)) in registered}

    snakemake(workdir, "--unlock")
    to_redo = training_jobs(planned_jobs(workdir, targets=TARGETS))
    assert total_blocks - len(written) <= to_redo <= total_blocks - len(settled)
    snakemake(workdir, *TARGETS)
    assert {p: p.stat().st_mtime_ns for p in settled} == settled, "finished training blocks were redone"
    assert not list(workdir.rglob(".*.tmp*")), "temporary files left behind"
    for path in workdir.rglob("*.nc"):
        xr.open_dataset(path).close()  # every file is a complete NetCDF
    assert planned_jobs(workdir, targets=TARGETS) == {}
