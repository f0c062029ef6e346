# Gross et al. 2024, Fig. 9 (Sec. III C 3). Config section gross2024_fig9 (schema gross2024/fig9.schema.yaml).
# Library: sgdnoise.gross2024.fig9 (checks), .stages, .plot. One two_layer run per panel and case.
import sgdnoise.gross2024.fig9 as fig9

FIG9 = figure_section("gross2024_fig9", "gross2024/fig9.schema.yaml", fig9.check_config)
FIG9_STATISTICS = {"second_layer": "second_layer_statistics", "first_layer": "first_layer_statistics"}  # panel (a), (b)


def fig9_run(w):
    return FIG9[w.panel][w.case]


def fig9_data(w):
    run = RUNS[fig9_run(w)]
    return dataset_file(run["dataset"], sgdnoise.catalogue.run_points(run, DATASETS)[0]["dataset_label"])


rule gross2024_fig9_statistics:
    """Eigenvectors of the weight covariance of one layer and the loss perturbed along them, with the theory (3.37, 3.31a)."""
    input:
        data_path=fig9_data,
        train_paths=lambda w: run_files(fig9_run(w), run_labels(fig9_run(w))[0]),
    output: output=results("gross2024_fig9/{panel}/{case}/statistics.nc")
    log: logs("gross2024_fig9_statistics", "{panel}/{case}")
    benchmark: benchmarks("gross2024_fig9_statistics", "{panel}/{case}")
    wildcard_constraints: panel=one_of(FIG9_STATISTICS), case=one_of({c for p in FIG9_STATISTICS for c in FIG9[p]})
    params:
        step=lambda w: step(f"gross2024.fig9.stages:{FIG9_STATISTICS[w.panel]}",
                            label_noise_variance=DATASETS[RUNS[fig9_run(w)]["dataset"]]["label_noise_variance"],
                            theta_stop=FIG9["theta"]["stop"], theta_num=FIG9["theta"]["num"]),
    script: RUN_STEP


rule gross2024_fig9_summary:
    """The cases of one panel along `case`."""
    input: statistics_paths=lambda w: [results(f"gross2024_fig9/{w.panel}/{case}/statistics.nc") for case in FIG9[w.panel]]
    output: output=results("gross2024_fig9/{panel}/summary.nc")
    log: logs("gross2024_fig9_summary", "{panel}")
    benchmark: benchmarks("gross2024_fig9_summary", "{panel}")
    wildcard_constraints: panel=one_of(FIG9_STATISTICS)
    params: step=lambda w: step("gross2024.fig9.stages:summarize", cases=list(FIG9[w.panel]))
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig9",
    inputs={"summary_a_path": results("gross2024_fig9/second_layer/summary.nc"), "summary_b_path": results("gross2024_fig9/first_layer/summary.nc")},
    claims=step("gross2024.fig9.stages:claims"),
    render=step("gross2024.fig9.plot:render", plot=config["plot"]),
    section="Sec. III C, Fig. 9",
)
