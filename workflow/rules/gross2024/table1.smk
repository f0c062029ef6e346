# Gross et al. 2024, Table 1 and the with/without replacement factor (App. C). Config section gross2024_table1
# (schema gross2024/table1.schema.yaml). Library: sgdnoise.gross2024.table1 (checks), .stages, .plot.
# Two runs, with and without replacement, on one dataset; runs at several lambda/S at one of its points.
import sgdnoise.gross2024.table1 as table1

TABLE1 = figure_section("gross2024_table1", "gross2024/table1.schema.yaml", table1.check_config)
TABLE1_RUNS = {"with": TABLE1["with_replacement"], "without": TABLE1["without_replacement"]}
TABLE1_DATASET = RUNS[TABLE1_RUNS["with"]]["dataset"]
TABLE1_POINTS = [p["label"] for p in table1.points(TABLE1, config)]
TABLE1_MULTIPLICATIVE_POINT = table1.multiplicative_point(TABLE1, config)


rule gross2024_table1_statistics:
    """Per sampling method and run: distance to the teacher, loss and temporal variance, time-averaged."""
    input:
        data_path=lambda w: dataset_file(TABLE1_DATASET, w.point),
        with_paths=lambda w: run_files(TABLE1_RUNS["with"], w.point),
        without_paths=lambda w: run_files(TABLE1_RUNS["without"], w.point),
    output: output=results("gross2024_table1/{point}/statistics.nc")
    log: logs("gross2024_table1_statistics", "{point}")
    benchmark: benchmarks("gross2024_table1_statistics", "{point}")
    params: step=step("gross2024.table1.stages:extract_statistics")
    script: RUN_STEP


rule gross2024_table1_theory:
    """Stationary values from the exact discrete moment equation (both sampling methods) and the closed forms."""
    input: data_path=lambda w: dataset_file(TABLE1_DATASET, w.point)
    output: output=results("gross2024_table1/{point}/theory.nc")
    log: logs("gross2024_table1_theory", "{point}")
    benchmark: benchmarks("gross2024_table1_theory", "{point}")
    params:
        step=lambda w: step("gross2024.table1.stages:evaluate_theory", learning_rate=RUNS[TABLE1_RUNS["with"]]["learning_rate"],
                            batch_size=RUNS[TABLE1_RUNS["with"]]["batch_size"],
                            label_noise_variance=sgdnoise.catalogue.point(DATASETS[TABLE1_DATASET], w.point)["label_noise_variance"]),
    script: RUN_STEP


rule gross2024_table1_summary:
    """All points along `point` (coordinates N, P, label_noise_variance, regime)."""
    input:
        statistics_paths=[results(f"gross2024_table1/{p}/statistics.nc") for p in TABLE1_POINTS],
        theory_paths=[results(f"gross2024_table1/{p}/theory.nc") for p in TABLE1_POINTS],
    output: output=results("gross2024_table1/summary.nc")
    log: logs("gross2024_table1_summary", "summary")
    benchmark: benchmarks("gross2024_table1_summary", "summary")
    params: step=step("gross2024.table1.stages:summarize")
    script: RUN_STEP


rule gross2024_table1_multiplicative:
    """The multiplicative-noise correction tr M / tr M_additive - 1 per lambda/S setting, SGD and exact (App. D)."""
    input:
        data_path=dataset_file(TABLE1_DATASET, TABLE1_MULTIPLICATIVE_POINT),
        run_paths=[f for r in TABLE1["multiplicative_runs"] for f in run_files(r, TABLE1_MULTIPLICATIVE_POINT)],
    output: output=results("gross2024_table1/multiplicative.nc")
    log: logs("gross2024_table1_multiplicative", "multiplicative")
    benchmark: benchmarks("gross2024_table1_multiplicative", "multiplicative")
    params:
        step=step("gross2024.table1.stages:measure_multiplicative_correction",
                  settings=[{"learning_rate": RUNS[r]["learning_rate"], "batch_size": RUNS[r]["batch_size"], "replacement": RUNS[r]["minibatch_replacement"],
                             "n_files": len(run_files(r, TABLE1_MULTIPLICATIVE_POINT))} for r in TABLE1["multiplicative_runs"]]),
    script: RUN_STEP


register(
    "gross2024", "gross2024_table1", inputs={"summary_path": rules.gross2024_table1_summary.output.output,
                                             "multiplicative_path": rules.gross2024_table1_multiplicative.output.output},
    claims=step("gross2024.table1.stages:claims", batch_size=RUNS[TABLE1_RUNS["with"]]["batch_size"]),
    render=step("gross2024.table1.plot:render"), kind="table",
    section="Sec. II A, Table 1; App. C, D",
)
