# Gross et al. 2024, Fig. 5 (Sec. II C). Config section gross2024_fig5 (schema gross2024/fig5.schema.yaml).
# Library: sgdnoise.gross2024.fig5 (checks), .stages, .plot. Reads the runs it names; simulates nothing itself.
import sgdnoise.gross2024.fig5 as fig5

FIG5 = figure_section("gross2024_fig5", "gross2024/fig5.schema.yaml", fig5.check_config)


def fig5_dataset(sweep):
    return fig5.dataset_of(FIG5, config, sweep)


def fig5_files(sweep, name):
    return [results(f"gross2024_fig5/{sweep}/{point}/{name}.nc") for point in dataset_labels(fig5_dataset(sweep))]


rule gross2024_fig5_statistics:
    """Per-seed stationary statistics of one point of a run: temporal covariance M, variances, losses."""
    input:
        data_path=lambda w: dataset_file(fig5_dataset(w.sweep), w.point),
        train_paths=lambda w: run_files(FIG5[w.sweep], w.point),
    output: output=results("gross2024_fig5/{sweep}/{point}/statistics.nc")
    log: logs("gross2024_fig5_statistics", "{sweep}/{point}")
    benchmark: benchmarks("gross2024_fig5_statistics", "{sweep}/{point}")
    wildcard_constraints: sweep=one_of(fig5.SIMULATED)
    params: step=lambda w: step("gross2024.fig5.stages:extract_statistics", label_noise_variance=DATASETS[fig5_dataset(w.sweep)]["label_noise_variance"])
    script: RUN_STEP


rule gross2024_fig5_theory:
    """Per-realization theory of one point: Eqs. (2.17), (2.30)-(2.31), (2.33), (2.34), the exact discrete moment equation."""
    input: data_path=lambda w: dataset_file(fig5_dataset(w.sweep), w.point)
    output: output=results("gross2024_fig5/{sweep}/{point}/theory.nc")
    log: logs("gross2024_fig5_theory", "{sweep}/{point}")
    benchmark: benchmarks("gross2024_fig5_theory", "{sweep}/{point}")
    wildcard_constraints: sweep=one_of(fig5.SWEEPS)
    params:
        step=lambda w: step(
            "gross2024.fig5.stages:evaluate_theory", label_noise_variance=DATASETS[fig5_dataset(w.sweep)]["label_noise_variance"],
            with_matrices=w.sweep in fig5.SIMULATED, continuum_error_learning_rates=FIG5["continuum_error_learning_rates"] if w.sweep == "spectrum" else [],
            **{k: fig5.hyperparameters(FIG5, config, w.sweep)[k] for k in ("learning_rate", "batch_size", "minibatch_replacement")},
        ),
    script: RUN_STEP


rule gross2024_fig5_summary:
    """All points of one sweep stacked along `point`, SGD projected on the theory eigenvectors."""
    input:
        theory_paths=lambda w: fig5_files(w.sweep, "theory"),
        statistics_paths=lambda w: fig5_files(w.sweep, "statistics") if w.sweep in fig5.SIMULATED else [],
    output: output=results("gross2024_fig5/{sweep}/summary.nc")
    log: logs("gross2024_fig5_summary", "{sweep}")
    benchmark: benchmarks("gross2024_fig5_summary", "{sweep}")
    wildcard_constraints: sweep=one_of(fig5.SWEEPS)
    params: step=step("gross2024.fig5.stages:summarize")
    script: RUN_STEP


rule gross2024_fig5_crossovers:
    """Crossover table of the theory curve: P/N from which (2.33), (2.34) and Marchenko-Pastur hold, per N and threshold."""
    input: theory_curve_path=results("gross2024_fig5/theory_curve/summary.nc")
    output: output=results("gross2024_fig5/crossovers.csv")
    log: logs("gross2024_fig5_crossovers", "table")
    benchmark: benchmarks("gross2024_fig5_crossovers", "table")
    params: step=step("gross2024.fig5.stages:crossover_table", thresholds=FIG5["crossover_thresholds"])
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig5",
    inputs={f"{sweep}_path": results(f"gross2024_fig5/{sweep}/summary.nc") for sweep in fig5.SWEEPS} | {"crossovers_path": results("gross2024_fig5/crossovers.csv")},
    claims=step("gross2024.fig5.stages:claims", learning_rate=RUNS[FIG5["spectrum"]]["learning_rate"],
                applicable_threshold=FIG5["applicable_threshold"], isotropic_threshold=FIG5["isotropic_threshold"]),
    render=step("gross2024.fig5.plot:render", plot=config["plot"]),
    section="Sec. II C 1, Fig. 5",
)
