"""A run killed with SIGKILL in the middle of training and restarted redoes only the unfinished jobs."""

import os
import signal
import subprocess
import time

import pytest
import xarray as xr

from test_workflow import SNAKEMAKE, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


def test_sigkill_during_training_then_resume(tmp_path):
    workdir = copy_workflow(tmp_path / "killed")
    total_blocks = planned_jobs(workdir)["gross2024_fig5_train"]
    process = subprocess.Popen([SNAKEMAKE, "--workflow-profile", "workflow/profiles/default", "--config", "scale=quick"], cwd=workdir, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    results = workdir / "results" / "gross2024_fig5"
    logs = workdir / "results" / "logs" / "gross2024_fig5"
    # wait until some training blocks are finished while others are still running
    while time.monotonic() < deadline:
        finished = list(results.rglob("sgd_seeds*.nc"))
        running = [log for log in logs.rglob("sgd_seeds*.log") if not (results / log.relative_to(logs)).with_suffix(".nc").exists()]
        if finished and running:
            break
        assert process.poll() is None, "workflow ended before it could be interrupted"
        time.sleep(0.2)
    else:
        pytest.fail("no moment with finished and running training jobs")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = time.time()
    written = {p: p.stat().st_mtime_ns for p in results.rglob("sgd_seeds*.nc")}
    # blocks finished seconds before the kill were surely registered by Snakemake as complete
    settled = {p: m for p, m in written.items() if m < (killed_at - 3) * 1e9}

    snakemake(workdir, "--unlock")
    to_redo = planned_jobs(workdir).get("gross2024_fig5_train", 0)
    assert total_blocks - len(written) <= to_redo <= total_blocks - len(settled)
    snakemake(workdir)
    assert {p: p.stat().st_mtime_ns for p in settled} == settled, "finished training blocks were redone"
    assert not list(workdir.rglob(".*.tmp*")), "temporary files left behind"
    for path in workdir.rglob("*.nc"):
        xr.open_dataset(path).close()  # every file is a complete NetCDF
    assert planned_jobs(workdir) == {}
