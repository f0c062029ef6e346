# Corlouer et al. 2026, App. G (finite dataset). Config section corlouer2026_finite_dataset
# (schema corlouer2026/finite_dataset.schema.yaml). Library: sgdnoise.corlouer2026.finite_dataset (checks), .stages, .plot.
import sgdnoise.corlouer2026.finite_dataset as corlouer2026_finite_dataset

C26_FD = figure_section("corlouer2026_finite_dataset", "corlouer2026/finite_dataset.schema.yaml", corlouer2026_finite_dataset.check_config)


rule corlouer2026_finite_dataset_statistics:
    """Minibatch noise along the teacher's modes at the recorded weights of one offline_sgd run, against its dataset's and Prop. 3.2's."""
    input: train_paths=lambda w: run_files(C26_FD["runs"][w.sampling], "default")
    output: output=results("corlouer2026_finite_dataset/{sampling}/statistics.nc")
    log: logs("corlouer2026_finite_dataset_statistics", "{sampling}")
    benchmark: benchmarks("corlouer2026_finite_dataset_statistics", "{sampling}")
    wildcard_constraints: sampling="with|without"
    params:
        step=lambda w: step("corlouer2026.finite_dataset.stages:noise_statistics", key=RUNS[C26_FD["runs"][w.sampling]]["key"],
                            sgd_seed=config["seeds"]["sgd"], data_seed=config["seeds"]["data"],
                            teacher_singular_values=RUNS[C26_FD["runs"][w.sampling]]["teacher_singular_values"],
                            dataset_size=RUNS[C26_FD["runs"][w.sampling]]["dataset_size"],
                            label_noise_variance=RUNS[C26_FD["runs"][w.sampling]]["label_noise_variance"],
                            replacement=RUNS[C26_FD["runs"][w.sampling]]["minibatch_replacement"], probe_times=C26_FD["probe_times"],
                            batch_sizes=C26_FD["batch_sizes"], n_batches=C26_FD["n_batches"], modes=C26_FD["modes"]),
    script: RUN_STEP


rule corlouer2026_finite_dataset_summary:
    input: statistics_paths=[results(f"corlouer2026_finite_dataset/{s}/statistics.nc") for s in ("with", "without")]
    output: output=results("corlouer2026_finite_dataset/summary.nc")
    log: logs("corlouer2026_finite_dataset_summary", "summary")
    benchmark: benchmarks("corlouer2026_finite_dataset_summary", "summary")
    params: step=step("corlouer2026.finite_dataset.stages:summarize", samplings=["with", "without"])
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_finite_dataset", inputs={"summary_path": rules.corlouer2026_finite_dataset_summary.output.output},
    claims=step("corlouer2026.finite_dataset.stages:claims"),
    render=step("corlouer2026.finite_dataset.plot:render", plot=config["plot"]),
    section="App. G, finite dataset",
)
