# Gross et al. 2024, Fig. 2 (Sec. II B 2). Config section gross2024_fig2 (schema gross2024/fig2.schema.yaml).
# Library: sgdnoise.gross2024.fig2 (checks), .stages, .plot. No SGD and no catalogue entry: the statistics
# stages draw the realizations (keyed streams) and reduce them at once.
import sgdnoise.gross2024.fig2 as fig2

FIG2 = figure_section("gross2024_fig2", "gross2024/fig2.schema.yaml", fig2.check_config)
FIG2_SAMPLING = {"data_seed": config["seeds"]["data"], "label_noise_variance": FIG2["label_noise_variance"]}


rule gross2024_fig2_projector:
    """Panel (a): element variances of the projector Pi = X^+ X at every P/N, for one N."""
    output: output=results("gross2024_fig2/projector/N{N}.nc")
    log: logs("gross2024_fig2_projector", "N{N}")
    benchmark: benchmarks("gross2024_fig2_projector", "N{N}")
    wildcard_constraints: N=r"\d+"
    params:
        step=lambda w: step("gross2024.fig2.stages:projector_statistics", N=int(w.N), P_over_N=FIG2["projector"]["P_over_N"],
                            n_seeds=FIG2["projector"]["n_seeds"], **FIG2_SAMPLING),
    script: RUN_STEP


rule gross2024_fig2_noise_matrix:
    """Panel (b): sorted diagonal entries of K (Eq. 2.18) and their squared-Gaussian approximation, every P."""
    output: output=results("gross2024_fig2/noise_matrix.nc")
    log: logs("gross2024_fig2_noise_matrix", "noise_matrix")
    benchmark: benchmarks("gross2024_fig2_noise_matrix", "noise_matrix")
    params: step=step("gross2024.fig2.stages:noise_matrix_statistics", **{k: FIG2["noise_matrix"][k] for k in ("N", "P", "n_seeds")}, **FIG2_SAMPLING)
    script: RUN_STEP


rule gross2024_fig2_theory:
    """Haar-projector variances, the squared-Gaussian error of K and the chi^2_1 curve."""
    output: output=results("gross2024_fig2/theory.nc")
    log: logs("gross2024_fig2_theory", "theory")
    benchmark: benchmarks("gross2024_fig2_theory", "theory")
    params:
        step=step("gross2024.fig2.stages:evaluate_theory", projector_N=FIG2["projector"]["N"], P_over_N=FIG2["projector"]["P_over_N"],
                  noise_N=FIG2["noise_matrix"]["N"], noise_P=FIG2["noise_matrix"]["P"], curve_points=FIG2["curve_points"]),
    script: RUN_STEP


rule gross2024_fig2_summary:
    """Both panels' statistics and the theory in one file."""
    input:
        projector_paths=[results(f"gross2024_fig2/projector/N{n}.nc") for n in FIG2["projector"]["N"]],
        noise_matrix_path=rules.gross2024_fig2_noise_matrix.output.output,
        theory_path=rules.gross2024_fig2_theory.output.output,
    output: output=results("gross2024_fig2/summary.nc")
    log: logs("gross2024_fig2_summary", "summary")
    benchmark: benchmarks("gross2024_fig2_summary", "summary")
    params: step=step("gross2024.fig2.stages:summarize")
    script: RUN_STEP


register(
    "gross2024", "gross2024_fig2", inputs={"summary_path": rules.gross2024_fig2_summary.output.output},
    claims=step("gross2024.fig2.stages:claims", paper_exponent=FIG2["projector"]["paper_exponent"]),
    render=step("gross2024.fig2.plot:render", plot=config["plot"], paper_exponent=FIG2["projector"]["paper_exponent"]),
    section="Sec. II B 2, Fig. 2",
)
