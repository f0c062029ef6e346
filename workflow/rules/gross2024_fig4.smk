# Gross et al. 2024, Fig. 4 (Sec. II B 3). Config section: gross2024_fig4. Library: sgdnoise.experiments.gross2024_fig4.
FIG4 = config["gross2024_fig4"]
FIG4_POINT = f"results/gross2024_fig4/N{FIG4['N']}_P{FIG4['P']}"
FIG4_SCHEDULE = {k: FIG4[k] for k in ("learning_rate", "relaxation_times", "max_steps", "points_per_octave")}  # the common time grid
FIG4_ALL = ("experiments/gross2024_fig4.py", *SEC2_THEORY, "claims.py")


rule gross2024_fig4_data:
    """Teacher-student realizations (Eq. 2.1); SGD runs on the first, the theory uses all."""
    output:
        output=f"{FIG4_POINT}/data.nc",
    log:
        "results/logs/gross2024_fig4/data.log",
    benchmark:
        "results/benchmarks/gross2024_fig4_data/data.tsv"
    params:
        step=step(
            "experiments.gross2024_single_layer:make_data", source=SEC2_DATA, experiment="gross2024_fig4", N=FIG4["N"], P=FIG4["P"],
            n_seeds=FIG4["n_realizations"], data_seed=config["seeds"]["data"], label_noise_variance=FIG4["label_noise_variance"],
            teacher_variance=FIG4["teacher_variance"], inputs="iid", labels="teacher",
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_train:
    """A block of SGD runs on the shown realization, weights kept on a logarithmic time grid."""
    input:
        data_path=f"{FIG4_POINT}/data.nc",
    output:
        output=f"{FIG4_POINT}/sgd_seeds{{first}}-{{last}}.nc",
    log:
        "results/logs/gross2024_fig4/sgd_seeds{first}-{last}.log",
    threads: config["engine"]["threads"]
    benchmark:
        "results/benchmarks/gross2024_fig4_train/sgd_seeds{first}-{last}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig4:train", source=SEC2_ENGINE, seeds=list(range(int(w.first), int(w.last) + 1)),
            sgd_seed=config["seeds"]["sgd"], batch_size=FIG4["batch_size"], initial_weights=FIG4["initial_weights"], **FIG4_SCHEDULE,
            chunk_steps=config["engine"]["chunk_steps"], threads=config["engine"]["threads"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_statistics:
    """Modes z_k = V_k^T w and the loss along every run."""
    input:
        data_path=f"{FIG4_POINT}/data.nc",
        train_paths=[f"{FIG4_POINT}/sgd_seeds{a}-{b}.nc" for a, b in seed_blocks(FIG4["n_seeds"], FIG4["seeds_per_job"])],
    output:
        output=f"{FIG4_POINT}/statistics.nc",
    log:
        "results/logs/gross2024_fig4/statistics.log",
    benchmark:
        "results/benchmarks/gross2024_fig4_statistics/statistics.tsv"
    params:
        step=step("experiments.gross2024_fig4:extract_statistics", source=("experiments/gross2024_single_layer.py", *SEC2_THEORY),
                  learning_rate=FIG4["learning_rate"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_theory:
    """Eq. (2.27) and the exact discrete mean on the training's time grid, L* (2.26), stationary loss."""
    input:
        data_path=f"{FIG4_POINT}/data.nc",
    output:
        output=f"{FIG4_POINT}/theory.nc",
    log:
        "results/logs/gross2024_fig4/theory.log",
    benchmark:
        "results/benchmarks/gross2024_fig4_theory/theory.tsv"
    params:
        step=step("experiments.gross2024_fig4:evaluate_theory", source=("experiments/gross2024_single_layer.py", *SEC2_THEORY),
                  batch_size=FIG4["batch_size"], initial_weights=FIG4["initial_weights"], **FIG4_SCHEDULE),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_summary:
    """SGD mean and error over runs, the shown run and the theory on one time grid."""
    input:
        statistics_path=f"{FIG4_POINT}/statistics.nc",
        theory_path=f"{FIG4_POINT}/theory.nc",
    output:
        output="results/gross2024_fig4/summary.nc",
    log:
        "results/logs/gross2024_fig4/summary.log",
    benchmark:
        "results/benchmarks/gross2024_fig4_summary/summary.tsv"
    params:
        step=step("experiments.gross2024_fig4:summarize", source=FIG4_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_claims:
    """Claim rows of Fig. 4 with measured values, tolerances from standard errors, and status."""
    input:
        summary_path="results/gross2024_fig4/summary.nc",
    output:
        output="results/gross2024_fig4/claims.csv",
    log:
        "results/logs/gross2024_fig4/claims.log",
    params:
        step=step("experiments.gross2024_fig4:claims", source=FIG4_ALL, modes=FIG4["modes"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig4_figure:
    """Fig. 4 with its log-log inset from the summary; a plot change reruns only this rule."""
    input:
        summary_path="results/gross2024_fig4/summary.nc",
    output:
        outputs=[
            report("results/figures/gross2024_fig4.png", caption="../report/gross2024_fig4.rst", category="Gross et al. 2024"),
            "results/figures/gross2024_fig4.pdf",
        ],
    log:
        "results/logs/gross2024_fig4/figure.log",
    params:
        step=step("plotting.gross2024_fig4:render", source=("plotting/gross2024_fig4.py", "plotting/common.py"), plot=config["plot"], modes=FIG4["modes"]),
    script:
        "../scripts/run_step.py"
