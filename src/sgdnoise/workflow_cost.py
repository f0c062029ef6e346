"""Cost of a workflow run: Snakemake's per-job benchmark files summarised per rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def summarize_benchmarks(benchmark_dir: str, table: str, **_inputs) -> None:
    """Per rule: jobs, total and largest wall time, largest peak memory (max_rss) of any job.

    `benchmark_dir` holds one folder per rule (results/benchmarks/<rule>/...tsv), as the rules declare;
    the other inputs only order this step after the run it summarises.
    """
    rows = []
    for path in sorted(Path(benchmark_dir).glob("*/**/*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append({"rule": path.relative_to(benchmark_dir).parts[0], "wall_s": float(record["s"]), "max_rss_mb": float(record["max_rss"])})
    if not rows:
        raise FileNotFoundError(f"no benchmark files under {benchmark_dir}")
    jobs = pd.DataFrame(rows)
    summary = jobs.groupby("rule").agg(jobs=("wall_s", "size"), total_wall_s=("wall_s", "sum"), max_wall_s=("wall_s", "max"), max_rss_mb=("max_rss_mb", "max"))
    summary.loc["all rules"] = [len(jobs), jobs.wall_s.sum(), jobs.wall_s.max(), jobs.max_rss_mb.max()]
    summary.round(2).to_csv(table)
