"""Snakemake through workflow/profiles/slurm on a real (private, loopback-only) SLURM cluster.

Skipped with the reason when the cluster cannot run here (not root, packages missing: .ci/install_system.sh).
A failure to start the daemons on a machine that can host them is an error, not a skip.
"""

from __future__ import annotations

import re
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
import xarray as xr

from slurm_cluster import SlurmUnavailable, local_slurm_cluster, run_snakemake_locally, run_snakemake_on_slurm
from test_workflow import copy_workflow

pytestmark = pytest.mark.slurm

# A toy run takes 30-40 s here (job status is polled every 2 s, +10 s per poll that finds nothing new).
RUN_TIMEOUT_S = 300
# A representative part of the quick workflow: every stage (data, training, statistics, theory, summary,
# claims, figure) of Fig. 4 with its settling and noiseless runs and its kernel compile, in 12 jobs / 12 SLURM jobs, ~3 min here. Each SLURM job
# costs ~10-15 s of Snakemake start-up on this 2-core machine, so all of Fig. 5 (44 jobs) takes ~8 min.
QUICK_TARGETS = ["results/gross2024_fig4/claims.csv", "results/figures/gross2024_fig4.png"]


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """One cluster for the module: starting it takes a few seconds, each test reuses it."""
    try:
        with local_slurm_cluster(tmp_path_factory.mktemp("slurm")) as env:
            yield env
    except SlurmUnavailable as unavailable:
        pytest.skip(unavailable.reason)


def _write_snakefile(directory, text):
    (directory / "Snakefile").write_text(textwrap.dedent(text))


def _run(directory, env, *args):
    started = time.monotonic()
    result = run_snakemake_on_slurm(directory, list(args), env, timeout_s=RUN_TIMEOUT_S)
    print(f"snakemake on slurm: exit {result.returncode} in {time.monotonic() - started:.1f} s\n{result.stdout[-4000:]}")
    assert result.returncode != 124, "snakemake timed out"
    return result


def test_toy_workflow_runs_on_slurm(slurm_env, tmp_path):
    # Three jobs: two independent ones (one with 2 threads) and one that needs both, so the dependency
    # order and concurrent jobs on the node are both exercised.
    _write_snakefile(tmp_path, """
        rule all:
            input: "sum.txt"

        rule number:
            output: "n{i}.txt"
            threads: lambda wildcards: int(wildcards.i)
            shell:
                "echo $(( {wildcards.i} * 10 )) > {output};"
                "echo $SLURM_JOB_ID ${{SLURM_CPUS_PER_TASK:-unset}} > {output}.jobid"

        rule add:
            input: "n1.txt", "n2.txt"
            output: "sum.txt"
            shell: "echo $(( $(cat {input[0]}) + $(cat {input[1]}) )) > {output}"
    """)
    result = _run(tmp_path, slurm_env)
    assert result.returncode == 0
    assert (tmp_path / "sum.txt").read_text().strip() == "30"
    # Each job really ran inside a SLURM job (a numeric job id), with the CPUs its threads asked for.
    for i in (1, 2):
        job_id, cpus = (tmp_path / f"n{i}.txt.jobid").read_text().split()
        assert job_id.isdigit()
        assert int(cpus) == i


def test_failing_job_fails_the_run(slurm_env, tmp_path):
    _write_snakefile(tmp_path, """
        rule fail:
            output: "never.txt"
            shell: "echo 'toy failure: deliberate' >&2; exit 3"
    """)
    result = _run(tmp_path, slurm_env)
    assert result.returncode != 0
    assert "SLURM status is: 'FAILED'" in result.stdout  # the plugin saw the job fail in squeue
    assert "toy failure: deliberate" in result.stdout  # and show-failed-logs printed the job's stderr
    assert not (tmp_path / "never.txt").exists()


def _executed_jobs(text):
    """(rule, wildcards) of every job a Snakemake log shows executing here ('localrule' blocks)."""
    jobs = []
    for block in re.finditer(r"^localrule (\w+):\n((?:    .*\n)*)", text, re.M):
        wildcards = re.search(r"^    wildcards: (.*)$", block[2], re.M)
        jobs.append((block[1], wildcards[1] if wildcards else ""))
    return Counter(jobs)


def test_quick_workflow_part_on_slurm_matches_local_run(slurm_env, tmp_path):
    on_slurm = copy_workflow(tmp_path / "slurm")
    result = _run(on_slurm, slurm_env, *QUICK_TARGETS, "--slurm-keep-successful-logs", "--config", "scale=quick")
    assert result.returncode == 0
    started = time.monotonic()
    local = run_snakemake_locally(copy_workflow(tmp_path / "local"), [*QUICK_TARGETS, "--cores", "2", "--config", "scale=quick"])
    print(f"snakemake locally: exit {local.returncode} in {time.monotonic() - started:.1f} s")
    assert local.returncode == 0, local.stdout[-4000:]

    # Every job ran inside a SLURM job: the SLURM log of each submission (named by SLURM's job id, written
    # by SLURM itself) shows the jobs its srun step executed; together they are exactly the local run's jobs.
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)", result.stdout)
    ran_on_slurm = Counter()
    for job_id, log in submitted:
        assert Path(log).name == f"{job_id}.log"
        ran_on_slurm += _executed_jobs(Path(log).read_text())
    expected = _executed_jobs(local.stdout)
    assert sum(expected.values()) == 12 and ran_on_slurm == expected
    assert len(submitted) == 12

    # Same results: intermediates carry no wall-clock time or host, so they are byte-identical.
    for target in QUICK_TARGETS:
        assert (on_slurm / target).stat().st_size > 0
    files = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local" / "results").rglob("*.nc"))
    assert len(files) == 9  # 2 datasets, 2 trainings, statistics, theory, settling, noiseless, summary
    for name in [*files, Path(QUICK_TARGETS[0])]:
        slurm_file, local_file = on_slurm / name, tmp_path / "local" / name
        if slurm_file.read_bytes() != local_file.read_bytes():
            if name.suffix == ".nc":  # show what differs
                xr.testing.assert_identical(xr.load_dataset(slurm_file), xr.load_dataset(local_file))
            pytest.fail(f"{name} differs between the SLURM and the local run")
