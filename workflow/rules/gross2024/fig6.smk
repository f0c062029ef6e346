# Gross et al. 2024, Fig. 6 (Sec. II C 2). Config section gross2024_fig6 (schema gross2024/fig6.schema.yaml).
# Library: sgdnoise.gross2024.fig6 (checks), .stages, .plot. One run per case.
import sgdnoise.gross2024.fig6 as fig6

FIG6 = figure_section("gross2024_fig6", "gross2024/fig6.schema.yaml", fig6.check_config)
FIG6_CASES = FIG6["cases"]  # case -> run


def fig6_data(w):
    dataset = RUNS[FIG6_CASES[w.case]]["dataset"]
    return dataset_file(dataset, dataset_labels(dataset)[0])


rule gross2024_fig6_statistics:
    """Eigenvectors of the empirical weight covariance and the loss perturbed along them (Eq. 2.35)."""
    input:
        data_path=fig6_data,
        train_paths=lambda w: run_files(FIG6_CASES[w.case], run_labels(FIG6_CASES[w.case])[0]),
    output: output=results("gross2024_fig6/{case}/statistics.nc")
    log: logs("gross2024_fig6_statistics", "{case}")
    benchmark: benchmarks("gross2024_fig6_statistics", "{case}")
    wildcard_constraints: case=one_of(FIG6_CASES)
    params: step=step("gross2024.fig6.stages:extract_statistics", theta_stop=FIG6["theta"]["stop"], theta_num=FIG6["theta"]["num"])
    script: RUN_STEP


rule gross2024_fig6_theory:
    """The i.i.d. prediction, random-direction statistics, the exact stationary M's eigenvectors, the feature axes."""
    input: data_path=fig6_data
    output: output=results("gross2024_fig6/{case}/theory.nc")
    log: logs("gross2024_fig6_theory", "{case}")
    benchmark: benchmarks("gross2024_fig6_theory", "{case}")
    wildcard_constraints: case=one_of(FIG6_CASES)
    params:
        step=lambda w: step("gross2024.fig6.stages:evaluate_theory", learning_rate=RUNS[FIG6_CASES[w.case]]["learning_rate"],
                            batch_size=RUNS[FIG6_CASES[w.case]]["batch_size"], theta_stop=FIG6["theta"]["stop"],
                            key=DATASETS[RUNS[FIG6_CASES[w.case]]["dataset"]]["key"], data_seed=config["seeds"]["data"]),
    script: RUN_STEP


rule gross2024_fig6_summary:
    """The three cases along `case`."""
    input:
        statistics_paths=[results(f"gross2024_fig6/{case}/statistics.nc") for case in FIG6_CASES],
        theory_paths=[results(f"gross2024_fig6/{case}/theory.nc") for case in FIG6_CASES],
    output: output=results("gross2024_fig6/summary.nc")
    log: logs("gross2024_fig6_summary", "summary")
    benchmark: benchmarks("gross2024_fig6_summary", "summary")
    params: step=step("gross2024.fig6.stages:summarize", cases=list(FIG6_CASES))
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig6", inputs={"summary_path": rules.gross2024_fig6_summary.output.output},
    claims=step("gross2024.fig6.stages:claims"),
    render=step("gross2024.fig6.plot:render", plot=config["plot"]),
    section="Sec. II C 2, Fig. 6",
)
