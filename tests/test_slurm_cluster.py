"""Snakemake through workflow/profiles/slurm on a real (private, loopback-only) SLURM cluster.

Skipped with the reason when the cluster cannot run here (not root, packages missing: .ci/install_slurm.sh).
A failure to start the daemons on a machine that can host them is an error, not a skip.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from slurm_cluster import SlurmUnavailable, local_slurm_cluster, run_snakemake_on_slurm

pytestmark = pytest.mark.slurm

# A toy run takes 30-40 s here (job status is polled every 2 s, +10 s per poll that finds nothing new).
RUN_TIMEOUT_S = 300


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
