# Gross et al. 2024, Sec. III C 3 (the IVFR exponent psi over init_scale x n_hidden) and Sec. III A (conservation law
# (3.6)). Config section gross2024_ivfr (schema gross2024/ivfr.schema.yaml). Library: sgdnoise.gross2024.ivfr (checks),
# .stages, .plot. One run; its n_hidden and init_scale lists are the sweep.
import sgdnoise.gross2024.ivfr as ivfr

IVFR = figure_section("gross2024_ivfr", "gross2024/ivfr.schema.yaml", ivfr.check_config)
IVFR_RUN = IVFR["run"]
IVFR_POINTS = {p["label"]: p for p in sgdnoise.catalogue.run_points(RUNS[IVFR_RUN], DATASETS)}


rule gross2024_ivfr_statistics:
    """SGD's cov(dW2) spectrum, the loss curvature along its eigenvectors, (3.34), and (3.6) under SGD and gradient flow."""
    input:
        data_path=lambda w: dataset_file(RUNS[IVFR_RUN]["dataset"], IVFR_POINTS[w.point]["dataset_label"]),
        train_paths=lambda w: run_files(IVFR_RUN, w.point),
    output: output=results("gross2024_ivfr/{point}/statistics.nc")
    log: logs("gross2024_ivfr_statistics", "{point}")
    benchmark: benchmarks("gross2024_ivfr_statistics", "{point}")
    wildcard_constraints: point=sgdnoise.catalogue.POINT_PATTERN
    params:
        step=lambda w: step("gross2024.ivfr.stages:extract_statistics", learning_rate=RUNS[IVFR_RUN]["learning_rate"], batch_size=RUNS[IVFR_RUN]["batch_size"],
                            label_noise_variance=IVFR_POINTS[w.point]["label_noise_variance"], init_scale=IVFR_POINTS[w.point]["init_scale"],
                            gradient_flow_time=IVFR["gradient_flow"]["time"], gradient_flow_dt=IVFR["gradient_flow"]["dt"]),
    script: RUN_STEP


rule gross2024_ivfr_summary:
    """The sweep on init_scale x n_hidden, with psi fitted per seed, regime and D1/D2 bin."""
    input: statistics_paths=[results(f"gross2024_ivfr/{point}/statistics.nc") for point in IVFR_POINTS]
    output: output=results("gross2024_ivfr/summary.nc")
    log: logs("gross2024_ivfr_summary", "summary")
    benchmark: benchmarks("gross2024_ivfr_summary", "summary")
    params:
        step=step("gross2024.ivfr.stages:summarize", small_ratio=IVFR["small_ratio"], comparable_ratio=IVFR["comparable_ratio"],
                  ratio_bins=IVFR["ratio_bins"], min_modes=IVFR["min_modes"]),
    script: RUN_STEP


register(
    "gross2024", "gross2024_ivfr", inputs={"summary_path": rules.gross2024_ivfr_summary.output.output},
    claims=step("gross2024.ivfr.stages:claims"),
    render=step("gross2024.ivfr.plot:render", plot=config["plot"]),
    section="Sec. III C, IVFR",
)
