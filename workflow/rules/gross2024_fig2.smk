# Gross et al. 2024, Fig. 2 (Sec. II B 2). Config section: gross2024_fig2. Library: sgdnoise.experiments.gross2024_fig2.
# No SGD: the statistics stages draw the realizations (keyed streams) and reduce them at once.
FIG2 = config["gross2024_fig2"]
FIG2_DIR = "results/gross2024_fig2"
FIG2_SAMPLING = ("data.py", "seeding.py", *SEC2_THEORY)
FIG2_ALL = ("experiments/gross2024_fig2.py", *SEC2_THEORY, "claims.py")
FIG2_NOISE = f"{FIG2_DIR}/noise_matrix/N{FIG2['noise_matrix']['N']}.nc"


rule gross2024_fig2_projector:
    """Panel (a): element variances of the projector Pi = X^+ X at every P/N, for one N."""
    output:
        output=f"{FIG2_DIR}/projector/N{{N}}.nc",
    log:
        f"results/logs/gross2024_fig2/projector/N{{N}}.log",
    benchmark:
        f"results/benchmarks/gross2024_fig2_projector/N{{N}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig2:projector_statistics", source=FIG2_SAMPLING,
            N=int(w.N), P_over_N=FIG2["projector"]["P_over_N"], n_seeds=FIG2["projector"]["n_seeds"], data_seed=config["seeds"]["data"],
            label_noise_variance=FIG2["label_noise_variance"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig2_noise_matrix:
    """Panel (b): sorted diagonal entries of K (Eq. 2.18) and their squared-Gaussian approximation, every P."""
    output:
        output=FIG2_NOISE,
    log:
        "results/logs/gross2024_fig2/noise_matrix.log",
    benchmark:
        "results/benchmarks/gross2024_fig2_noise_matrix/noise_matrix.tsv"
    params:
        step=step(
            "experiments.gross2024_fig2:noise_matrix_statistics", source=FIG2_SAMPLING,
            N=FIG2["noise_matrix"]["N"], P=FIG2["noise_matrix"]["P"], n_seeds=FIG2["noise_matrix"]["n_seeds"], data_seed=config["seeds"]["data"],
            label_noise_variance=FIG2["label_noise_variance"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig2_theory:
    """Haar-projector variances, the squared-Gaussian error of K and the chi^2_1 curve."""
    output:
        output=f"{FIG2_DIR}/theory.nc",
    log:
        "results/logs/gross2024_fig2/theory.log",
    benchmark:
        "results/benchmarks/gross2024_fig2_theory/theory.tsv"
    params:
        step=step(
            "experiments.gross2024_fig2:evaluate_theory", source=SEC2_THEORY,
            projector_N=FIG2["projector"]["N"], P_over_N=FIG2["projector"]["P_over_N"], noise_N=FIG2["noise_matrix"]["N"],
            noise_P=FIG2["noise_matrix"]["P"], curve_points=FIG2["curve_points"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig2_summary:
    """Both panels' statistics and the theory in one file."""
    input:
        projector_paths=[f"{FIG2_DIR}/projector/N{n}.nc" for n in FIG2["projector"]["N"]],
        noise_matrix_path=FIG2_NOISE,
        theory_path=f"{FIG2_DIR}/theory.nc",
    output:
        output=f"{FIG2_DIR}/summary.nc",
    log:
        "results/logs/gross2024_fig2/summary.log",
    benchmark:
        "results/benchmarks/gross2024_fig2_summary/summary.tsv"
    params:
        step=step("experiments.gross2024_fig2:summarize", source=FIG2_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig2_claims:
    """Claim rows of Fig. 2 with measured values, tolerances from standard errors, and status."""
    input:
        summary_path=f"{FIG2_DIR}/summary.nc",
    output:
        output=f"{FIG2_DIR}/claims.csv",
    log:
        "results/logs/gross2024_fig2/claims.log",
    params:
        step=step("experiments.gross2024_fig2:claims", source=FIG2_ALL, paper_exponent=FIG2["projector"]["paper_exponent"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig2_figure:
    """Fig. 2 (a, b) from the summary; a plot change reruns only this rule."""
    input:
        summary_path=f"{FIG2_DIR}/summary.nc",
    output:
        outputs=[
            report("results/figures/gross2024_fig2.png", caption="../report/gross2024_fig2.rst", category="Gross et al. 2024"),
            "results/figures/gross2024_fig2.pdf",
        ],
    log:
        "results/logs/gross2024_fig2/figure.log",
    params:
        step=step("plotting.gross2024_fig2:render", source=("plotting/gross2024_fig2.py", "plotting/common.py", "statistics.py"), plot=config["plot"],
                  paper_exponent=FIG2["projector"]["paper_exponent"]),
    script:
        "../scripts/run_step.py"
