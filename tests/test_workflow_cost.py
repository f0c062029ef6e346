"""workflow_cost: per-rule wall time from Snakemake's benchmark files, against the step timing in each job's log."""

import math

import pandas as pd

from sgdnoise import workflow_cost

BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_job(root, rule, stem, wall, log_text):
    benchmark = root / "benchmarks" / rule / f"{stem}.tsv"
    benchmark.parent.mkdir(parents=True, exist_ok=True)
    benchmark.write_text(BENCHMARK_HEADER + f"{wall}\t0:00:01\t100.0\t1\t1\t1\t0\t0\t50\t1\n")
    if log_text is not None:
        log = root / "logs" / rule / f"{stem}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(log_text)


def test_fixed_cost_is_wall_time_minus_the_step_function(tmp_path):
    write_job(tmp_path, "theory", "a", 2.0, "progress line\nstep timing: import 0.500 s, function 1.200 s\n")
    write_job(tmp_path, "theory", "b", 3.0, "step timing: import 0.400 s, function 1.800 s\n")
    write_job(tmp_path, "data", "x/y", 1.0, None)  # a job without a step line (or without a log): no timing, counted in wall time
    workflow_cost.summarize_benchmarks(str(tmp_path / "benchmarks"), str(tmp_path / "cost.csv"), str(tmp_path / "logs"))
    cost = pd.read_csv(tmp_path / "cost.csv", index_col="rule")
    theory = cost.loc["theory"]
    assert theory.jobs == 2 and theory.total_wall_s == 5.0 and theory.max_wall_s == 3.0
    assert math.isclose(theory.total_import_s, 0.9) and math.isclose(theory.total_function_s, 3.0)
    assert math.isclose(theory.fixed_cost_s_per_job, (5.0 - 3.0) / 2)
    assert cost.loc["all rules"].jobs == 3 and cost.loc["all rules"].total_wall_s == 6.0
    assert math.isnan(cost.loc["data"].total_function_s) and math.isnan(cost.loc["data"].fixed_cost_s_per_job)


def test_cost_per_figure_splits_a_shared_run_between_its_figures(tmp_path):
    write_job(tmp_path, "single_layer_sgd", "run_a/N10_P20/seeds0-3", 6.0, None)  # read by fig1 and fig2
    write_job(tmp_path, "single_layer_sgd", "run_b/N10_P20/seeds0-3", 4.0, None)  # by fig2 only
    write_job(tmp_path, "teacher_student_data", "data_a/N10_P20", 1.0, None)
    write_job(tmp_path, "fig1_statistics", "N10_P20", 2.0, None)
    write_job(tmp_path, "claims_table", "claims", 0.5, None)
    figures = {"fig1": {"runs": ["run_a"], "datasets": ["data_a"]}, "fig2": {"runs": ["run_a", "run_b"], "datasets": ["data_a"]}}
    workflow_cost.summarize_benchmarks(str(tmp_path / "benchmarks"), str(tmp_path / "cost.csv"), str(tmp_path / "logs"),
                                       figure_table=str(tmp_path / "figures.csv"), figure_inputs=figures)
    cost = pd.read_csv(tmp_path / "figures.csv", index_col="figure")
    assert cost.loc["fig1"].to_dict() == {"jobs": 2.0, "wall_s": 3.0 + 0.5 + 2.0, "simulation_s": 3.5}
    assert cost.loc["fig2"].to_dict() == {"jobs": 2.0, "wall_s": 3.0 + 4.0 + 0.5, "simulation_s": 7.5}
    assert cost.loc["shared"].wall_s == 0.5
    assert math.isclose(cost.wall_s.sum(), 13.5)  # nothing counted twice
