# Gross et al. 2024, Fig. 4 (Sec. II B 3). Config section gross2024_fig4 (schema gross2024/fig4.schema.yaml).
# Library: sgdnoise.gross2024.fig4 (checks), .stages, .plot. One log-time run on the shown realization, and SGD on
# the first realizations of the same dataset (settling).
import sgdnoise.gross2024.fig4 as fig4

FIG4 = figure_section("gross2024_fig4", "gross2024/fig4.schema.yaml", fig4.check_config)
FIG4_RUN = RUNS[FIG4["run"]]
FIG4_DATA = dataset_file(FIG4_RUN["dataset"], dataset_labels(FIG4_RUN["dataset"])[0])
FIG4_SCHEDULE = {k: FIG4_RUN["record"][k] for k in ("realization", "relaxation_times", "max_steps", "points_per_octave")}  # the time grid


rule gross2024_fig4_statistics:
    """Modes z_k = V_k^T w and the loss along every run."""
    input:
        data_path=FIG4_DATA,
        train_paths=run_files(FIG4["run"], dataset_labels(FIG4_RUN["dataset"])[0]),
    output: output=results("gross2024_fig4/statistics.nc")
    log: logs("gross2024_fig4_statistics", "statistics")
    benchmark: benchmarks("gross2024_fig4_statistics", "statistics")
    params: step=step("gross2024.fig4.stages:extract_statistics", learning_rate=FIG4_RUN["learning_rate"], realization=FIG4_SCHEDULE["realization"])
    script: RUN_STEP


rule gross2024_fig4_theory:
    """Eq. (2.27) and the exact discrete mean on the training's time grid, L* (2.26), stationary loss; (2.13) vs (2.11) against lr."""
    input: data_path=FIG4_DATA
    output: output=results("gross2024_fig4/theory.nc")
    log: logs("gross2024_fig4_theory", "theory")
    benchmark: benchmarks("gross2024_fig4_theory", "theory")
    params:
        step=step("gross2024.fig4.stages:evaluate_theory", learning_rate=FIG4_RUN["learning_rate"], batch_size=FIG4_RUN["batch_size"],
                  minibatch_replacement=FIG4_RUN["minibatch_replacement"], initial_weights=FIG4_RUN["initial_weights"],
                  stability_fractions=FIG4["stability_fractions"], **FIG4_SCHEDULE),
    script: RUN_STEP


rule gross2024_fig4_summary:
    """SGD mean and error over runs, the shown run and the theory on one time grid."""
    input:
        statistics_path=rules.gross2024_fig4_statistics.output.output,
        theory_path=rules.gross2024_fig4_theory.output.output,
    output: output=results("gross2024_fig4/summary.nc")
    log: logs("gross2024_fig4_summary", "summary")
    benchmark: benchmarks("gross2024_fig4_summary", "summary")
    params: step=step("gross2024.fig4.stages:summarize")
    script: RUN_STEP


rule gross2024_fig4_settling:
    """SGD on many realizations: loss excess and relative mode offsets on a log-time grid (settling claim, pooled mode test)."""
    input: data_path=FIG4_DATA
    output: output=results("gross2024_fig4/settling.nc")
    log: logs("gross2024_fig4_settling", "settling")
    benchmark: benchmarks("gross2024_fig4_settling", "settling")
    threads: config["engine"]["threads"]
    params:
        step=step("gross2024.fig4.stages:simulate_settling", key=DATASETS[FIG4_RUN["dataset"]]["key"] + "/settling", sgd_seed=config["seeds"]["sgd"],
                  learning_rate=FIG4_RUN["learning_rate"], batch_size=FIG4_RUN["batch_size"], minibatch_replacement=FIG4_RUN["minibatch_replacement"],
                  modes=FIG4["modes"], chunk_steps=config["engine"]["chunk_steps"], threads=config["engine"]["threads"],
                  **{k: v for k, v in FIG4["settling"].items() if k != "thresholds"}),
    script: RUN_STEP


FIG4_NOISELESS = RUNS[FIG4["noiseless_run"]]
FIG4_NOISELESS_POINT = dataset_labels(FIG4_NOISELESS["dataset"])[0]


rule gross2024_fig4_noiseless:
    """sigma_eps = 0: SGD's mean loss and its decay rates, against the exact discrete mean loss, GD and the continuum."""
    input:
        data_path=dataset_file(FIG4_NOISELESS["dataset"], FIG4_NOISELESS_POINT),
        train_paths=run_files(FIG4["noiseless_run"], FIG4_NOISELESS_POINT),
    output: output=results("gross2024_fig4/noiseless.nc")
    log: logs("gross2024_fig4_noiseless", "noiseless")
    benchmark: benchmarks("gross2024_fig4_noiseless", "noiseless")
    params:
        step=step("gross2024.fig4.stages:noiseless_decay", learning_rate=FIG4_NOISELESS["learning_rate"], batch_size=FIG4_NOISELESS["batch_size"],
                  realization=FIG4_NOISELESS["record"]["realization"]),
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig4",
    inputs={"summary_path": rules.gross2024_fig4_summary.output.output, "settling_path": rules.gross2024_fig4_settling.output.output,
            "noiseless_path": rules.gross2024_fig4_noiseless.output.output},
    claims=step("gross2024.fig4.stages:claims", modes=FIG4["modes"], thresholds=FIG4["settling"]["thresholds"], paper_learning_rate=FIG4_RUN["learning_rate"]),
    render=step("gross2024.fig4.plot:render", plot=config["plot"], modes=FIG4["modes"], thresholds=FIG4["settling"]["thresholds"]),
    section="Sec. II B 3, Fig. 4",
)
