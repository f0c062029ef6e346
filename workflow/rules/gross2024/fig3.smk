# Gross et al. 2024, Fig. 3 (Sec. II B 2). Config section gross2024_fig3 (schema gross2024/fig3.schema.yaml).
# Library: sgdnoise.gross2024.fig3 (checks), .stages, .plot. Theory at every point of the run's dataset, C from SGD
# at the run's points.
import sgdnoise.gross2024.fig3 as fig3

FIG3 = figure_section("gross2024_fig3", "gross2024/fig3.schema.yaml", fig3.check_config)
FIG3_RUN = RUNS[FIG3["run"]]
FIG3_DATASET = FIG3_RUN["dataset"]


rule gross2024_fig3_statistics:
    """C measured from minibatch gradients at SGD's stationary weights, one point of the run."""
    input:
        data_path=lambda w: dataset_file(FIG3_DATASET, w.point),
        train_paths=lambda w: run_files(FIG3["run"], w.point),
    output: output=results("gross2024_fig3/{point}/statistics.nc")
    log: logs("gross2024_fig3_statistics", "{point}")
    benchmark: benchmarks("gross2024_fig3_statistics", "{point}")
    params:
        step=step("gross2024.fig3.stages:measure_noise", key=DATASETS[FIG3_DATASET]["key"], sgd_seed=config["seeds"]["sgd"],
                  batch_size=FIG3_RUN["batch_size"], probe_batches=FIG3["probe_batches"]),
    script: RUN_STEP


rule gross2024_fig3_theory:
    """Per realization: C (2.17), the Hessian approximation (2.20), C in the Hessian eigenbasis, stationary average."""
    input: data_path=lambda w: dataset_file(FIG3_DATASET, w.point)
    output: output=results("gross2024_fig3/{point}/theory.nc")
    log: logs("gross2024_fig3_theory", "{point}")
    benchmark: benchmarks("gross2024_fig3_theory", "{point}")
    params:
        step=lambda w: step("gross2024.fig3.stages:evaluate_theory", learning_rate=FIG3_RUN["learning_rate"], batch_size=FIG3_RUN["batch_size"],
                            label_noise_variance=DATASETS[FIG3_DATASET]["label_noise_variance"], with_matrices=w.point in run_labels(FIG3["run"])),
    script: RUN_STEP


rule gross2024_fig3_summary:
    """All points along `point`; C_SGD projected on the eigenvectors of C (2.17) where simulated."""
    input:
        theory_paths=[results(f"gross2024_fig3/{p}/theory.nc") for p in dataset_labels(FIG3_DATASET)],
        statistics_paths=[results(f"gross2024_fig3/{p}/statistics.nc") for p in run_labels(FIG3["run"])],
    output: output=results("gross2024_fig3/summary.nc")
    log: logs("gross2024_fig3_summary", "summary")
    benchmark: benchmarks("gross2024_fig3_summary", "summary")
    params: step=step("gross2024.fig3.stages:summarize")
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig3", inputs={"summary_path": rules.gross2024_fig3_summary.output.output},
    claims=step("gross2024.fig3.stages:claims"),
    render=step("gross2024.fig3.plot:render", plot=config["plot"], hessian_P_over_N=FIG3["hessian_P_over_N"], heatmap_P_over_N=FIG3["heatmap_P_over_N"]),
    section="Sec. II B 2, Fig. 3",
)
