# Gross et al. 2024, Fig. 8 (Sec. III C). Config section gross2024_fig8 (schema gross2024/fig8.schema.yaml).
# Library: sgdnoise.gross2024.fig8 (checks), .stages, .plot. One two_layer run per init, on one dataset.
import sgdnoise.gross2024.fig8 as fig8

FIG8 = figure_section("gross2024_fig8", "gross2024/fig8.schema.yaml", fig8.check_config)
FIG8_RUNS = FIG8["runs"]  # init -> run


def fig8_train_files(w):
    run = FIG8_RUNS[w.init]
    return run_files(run, run_labels(run)[0])


def fig8_point(init):
    run = RUNS[FIG8_RUNS[init]]
    return sgdnoise.catalogue.run_points(run, DATASETS)[0]


rule gross2024_fig8_theory:
    """The linear theory (3.27)-(3.36) at each seed's window-mean weights and half-window means; i.i.d.-weight curves."""
    input: train_paths=fig8_train_files
    output: output=results("gross2024_fig8/{init}/theory.nc")
    log: logs("gross2024_fig8_theory", "{init}")
    benchmark: benchmarks("gross2024_fig8_theory", "{init}")
    wildcard_constraints: init=one_of(FIG8_RUNS)
    params:
        step=lambda w: step("gross2024.fig8.stages:evaluate_theory", learning_rate=RUNS[FIG8_RUNS[w.init]]["learning_rate"],
                            batch_size=RUNS[FIG8_RUNS[w.init]]["batch_size"], label_noise_variance=fig8_point(w.init)["label_noise_variance"],
                            input_variance=1.0 / fig8_point(w.init)["N"], init_scale=fig8_point(w.init)["init_scale"], iid_draws=FIG8["iid_draws"],
                            key=RUNS[FIG8_RUNS[w.init]]["key"], sgd_seed=config["seeds"]["sgd"]),
    script: RUN_STEP


rule gross2024_fig8_statistics:
    """Sample spectra of the window covariance and its Rayleigh quotients along the theory's eigenvectors."""
    input:
        train_paths=fig8_train_files,
        theory_path=results("gross2024_fig8/{init}/theory.nc"),
    output: output=results("gross2024_fig8/{init}/statistics.nc")
    log: logs("gross2024_fig8_statistics", "{init}")
    benchmark: benchmarks("gross2024_fig8_statistics", "{init}")
    wildcard_constraints: init=one_of(FIG8_RUNS)
    params: step=step("gross2024.fig8.stages:extract_statistics")
    script: RUN_STEP


rule gross2024_fig8_summary:
    """Both inits along `init`."""
    input:
        statistics_paths=[results(f"gross2024_fig8/{init}/statistics.nc") for init in FIG8_RUNS],
        theory_paths=[results(f"gross2024_fig8/{init}/theory.nc") for init in FIG8_RUNS],
    output: output=results("gross2024_fig8/summary.nc")
    log: logs("gross2024_fig8_summary", "summary")
    benchmark: benchmarks("gross2024_fig8_summary", "summary")
    params:
        step=step("gross2024.fig8.stages:summarize", inits=list(FIG8_RUNS), n_in=fig8_point("small_init")["N"],
                  n_hidden=fig8_point("small_init")["n_hidden"], P=fig8_point("small_init")["P"]),
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig8", inputs={"summary_path": rules.gross2024_fig8_summary.output.output},
    claims=step("gross2024.fig8.stages:claims"),
    render=step("gross2024.fig8.plot:render", heatmap_init=FIG8["heatmap_init"], plot=config["plot"]),
    section="Sec. III C, Fig. 8",
)
