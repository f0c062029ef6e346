"""Cost of a workflow run: Snakemake's per-job benchmark files summarised per rule, set against the time each job
spent importing its step's module and in the step function itself (the last line of its log, written by
workflow/scripts/run_step.py), so that a job's fixed cost (interpreter, Snakemake's script preamble, imports) shows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

# run_step.py's last log line: "step timing: import 0.412 s, function 0.833 s"
TIMING = re.compile(r"^step timing: import ([0-9.]+) s, function ([0-9.]+) s$", re.MULTILINE)


def step_timing(log: Path) -> tuple[float, float]:
    """(import s, function s) from a job's log; nan where the job has no such line (rules without a step)."""
    found = TIMING.findall(log.read_text(errors="replace")) if log.exists() else []
    return (float(found[-1][0]), float(found[-1][1])) if found else (float("nan"), float("nan"))


def figure_of_jobs(jobs: pd.DataFrame, figures: dict[str, dict]) -> pd.Series:
    """The figure each job works for: a figure's own rules are named <figure>_<stage>; a simulation job (stem
    <run or dataset>/<point>/...) counts for every figure whose parameters name its run or dataset, its cost split
    between them; anything else (claims table, report, cost) is 'shared'. Returns the weight of each job per
    figure as a long Series indexed by (job, figure)."""
    owners = []
    for job, row in jobs.iterrows():
        own = [f for f in figures if row.rule.startswith(f + "_")]
        named = [f for f, names in figures.items() if row.entry in names.get("runs", []) or row.entry in names.get("datasets", [])]
        chosen = own or named or ["shared"]
        owners += [(job, f, 1.0 / len(chosen)) for f in chosen]
    index = pd.MultiIndex.from_tuples([(j, f) for j, f, _ in owners], names=["job", "figure"])
    return pd.Series([w for *_, w in owners], index=index)


def summarize_figures(jobs: pd.DataFrame, figures: dict[str, dict]) -> pd.DataFrame:
    """Per figure: jobs, wall time of its jobs (a shared run's time split between its figures), and the part spent in
    simulations (the catalogue's training and data jobs)."""
    weight = figure_of_jobs(jobs, figures)
    frame = jobs.loc[weight.index.get_level_values("job")].reset_index(drop=True)
    frame["figure"], frame["weight"] = weight.index.get_level_values("figure"), weight.values
    frame["wall_s"] *= frame.weight
    frame["simulation_s"] = frame.wall_s.where(~frame.rule.apply(lambda r: any(r.startswith(f + "_") for f in figures)), 0.0)
    summary = frame.groupby("figure").agg(jobs=("weight", "sum"), wall_s=("wall_s", "sum"), simulation_s=("simulation_s", "sum"))
    return summary.round(2)


def summarize_benchmarks(benchmark_dir: str, table: str, log_dir: str, figure_table: str | None = None, figure_inputs: dict | None = None,
                         **_inputs) -> None:
    """Per rule: jobs, total and largest wall time, largest peak memory (max_rss) of any job, and the total time in
    imports and in the step function (from the job's log), whose difference to the wall time is the fixed cost.
    With `figure_inputs` ({figure: {"runs": [...], "datasets": [...]}}), also the cost per figure into `figure_table`.

    `benchmark_dir` holds one folder per rule (results/benchmarks/<rule>/<stem>.tsv), as the rules declare, and the
    job's log is <log_dir>/<rule>/<stem>.log; the other inputs only order this step after the run it summarises.
    """
    rows = []
    for path in sorted(Path(benchmark_dir).glob("*/**/*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[-1]
        relative = path.relative_to(benchmark_dir)
        import_s, function_s = step_timing(Path(log_dir) / relative.with_suffix(".log"))
        rows.append({"rule": relative.parts[0], "entry": relative.parts[1] if len(relative.parts) > 2 else "", "wall_s": float(record["s"]),
                     "max_rss_mb": float(record["max_rss"]), "import_s": import_s, "function_s": function_s})
    if not rows:
        raise FileNotFoundError(f"no benchmark files under {benchmark_dir}")
    jobs = pd.DataFrame(rows)
    timed = lambda column: (column, lambda x: x.sum(min_count=1))  # noqa: E731  (nan, not 0, for a rule without step timing)
    aggregate = dict(jobs=("wall_s", "size"), total_wall_s=("wall_s", "sum"), max_wall_s=("wall_s", "max"), max_rss_mb=("max_rss_mb", "max"),
                     total_import_s=timed("import_s"), total_function_s=timed("function_s"))
    summary = jobs.groupby("rule").agg(**aggregate)
    summary.loc["all rules"] = jobs.assign(rule="all rules").groupby("rule").agg(**aggregate).iloc[0]
    summary["fixed_cost_s_per_job"] = (summary.total_wall_s - summary.total_function_s) / summary.jobs
    summary.round(2).to_csv(table)
    if figure_table is not None:
        summarize_figures(jobs, figure_inputs or {}).to_csv(figure_table)
