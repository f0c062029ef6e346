# Gross et al. 2024, Sec. III D (relaxation of the modes chi = R^T Z). Config section gross2024_relaxation (schema
# gross2024/relaxation.schema.yaml). Library: sgdnoise.gross2024.relaxation (checks), .stages, .plot. One run per method.
import sgdnoise.gross2024.relaxation as relaxation

RELAX = figure_section("gross2024_relaxation", "gross2024/relaxation.schema.yaml", relaxation.check_config)
RELAX_RUNS = RELAX["runs"]  # method -> run


def relax_point(method):
    return sgdnoise.catalogue.run_points(RUNS[RELAX_RUNS[method]], DATASETS)[0]


rule gross2024_relaxation_statistics:
    """Modes (3.38) at the window-mean weights, the autocorrelation, fitted rate, level and displacement of each chi_k."""
    input: train_paths=lambda w: run_files(RELAX_RUNS[w.method], relax_point(w.method)["label"])
    output: output=results("gross2024_relaxation/{method}/statistics.nc")
    log: logs("gross2024_relaxation_statistics", "{method}")
    benchmark: benchmarks("gross2024_relaxation_statistics", "{method}")
    wildcard_constraints: method=one_of(RELAX_RUNS)
    params:
        step=lambda w: step("gross2024.relaxation.stages:extract_statistics", learning_rate=RUNS[RELAX_RUNS[w.method]]["learning_rate"],
                            batch_size=RUNS[RELAX_RUNS[w.method]]["batch_size"], label_noise_variance=relax_point(w.method)["label_noise_variance"],
                            max_lag=RELAX["max_lag"], fit_decay=RELAX["fit_decay"]),
    script: RUN_STEP


rule gross2024_relaxation_summary:
    """The methods along `method`."""
    input: statistics_paths=[results(f"gross2024_relaxation/{method}/statistics.nc") for method in RELAX_RUNS]
    output: output=results("gross2024_relaxation/summary.nc")
    log: logs("gross2024_relaxation_summary", "summary")
    benchmark: benchmarks("gross2024_relaxation_summary", "summary")
    params: step=step("gross2024.relaxation.stages:summarize", methods=list(RELAX_RUNS))
    script: RUN_STEP


register(
    "gross2024", "gross2024_relaxation", inputs={"summary_path": rules.gross2024_relaxation_summary.output.output},
    claims=step("gross2024.relaxation.stages:claims"),
    render=step("gross2024.relaxation.plot:render", plot=config["plot"]),
    section="Sec. III D, relaxation",
)
