# Gross et al. 2024, Fig. 6 (Sec. II C 2). Config section: gross2024_fig6. Library: sgdnoise.experiments.gross2024_fig6.
FIG6 = config["gross2024_fig6"]
FIG6_DIR = "results/gross2024_fig6"
FIG6_CASES = {p["case"]: p for p in sec2_points("gross2024_fig6", FIG6)}
FIG6_ALL = ("experiments/gross2024_fig6.py", *SEC2_THEORY, "claims.py")


def fig6_files(name):
    return [f"{FIG6_DIR}/{case}/{name}.nc" for case in FIG6_CASES]


rule gross2024_fig6_data:
    """Realizations of one case: i.i.d. or Wishart-correlated inputs, teacher or random labels."""
    output:
        output=f"{FIG6_DIR}/{{case}}/data.nc",
    log:
        f"results/logs/gross2024_fig6/{{case}}/data.log",
    benchmark:
        f"results/benchmarks/gross2024_fig6_data/{{case}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:make_data", source=SEC2_DATA, experiment=f"gross2024_fig6/{w.case}",
            N=FIG6_CASES[w.case]["N"], P=FIG6_CASES[w.case]["P"], n_seeds=FIG6_CASES[w.case]["n_seeds"], data_seed=config["seeds"]["data"],
            label_noise_variance=FIG6["label_noise_variance"], teacher_variance=FIG6["teacher_variance"],
            inputs=FIG6_CASES[w.case]["inputs"], labels=FIG6_CASES[w.case]["labels"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_train:
    """Minibatch SGD (Eq. 2.11) for one block of seeds: stationary moments of the weights about w*."""
    input:
        data_path=f"{FIG6_DIR}/{{case}}/data.nc",
    output:
        output=f"{FIG6_DIR}/{{case}}/sgd_seeds{{first}}-{{last}}.nc",
    log:
        f"results/logs/gross2024_fig6/{{case}}/sgd_seeds{{first}}-{{last}}.log",
    threads: config["engine"]["threads"]
    benchmark:
        f"results/benchmarks/gross2024_fig6_train/{{case}}/sgd_seeds{{first}}-{{last}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:train", source=SEC2_ENGINE, experiment=f"gross2024_fig6/{w.case}",
            seeds=list(range(int(w.first), int(w.last) + 1)), sgd_seed=config["seeds"]["sgd"], stream="sgd",
            learning_rate=FIG6["learning_rate"], batch_size=FIG6["batch_size"], minibatch_replacement=True, initial_weights=FIG6["initial_weights"],
            record_every=FIG6["record_every"], trace_points=2,  # the trajectory is not used here
            burn_in_relaxation_times=FIG6["burn_in_relaxation_times"], measure_relaxation_times=FIG6["measure_relaxation_times"],
            min_measure_steps=FIG6["min_measure_steps"], max_measure_steps=FIG6["max_measure_steps"],
            chunk_steps=config["engine"]["chunk_steps"], threads=config["engine"]["threads"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_statistics:
    """Eigenvectors of the empirical weight covariance and the loss perturbed along them (Eq. 2.35)."""
    input:
        data_path=f"{FIG6_DIR}/{{case}}/data.nc",
        train_paths=lambda w: [f"{FIG6_DIR}/{w.case}/sgd_seeds{a}-{b}.nc" for a, b in seed_blocks(FIG6_CASES[w.case]["n_seeds"], FIG6_CASES[w.case]["seeds_per_job"])],
    output:
        output=f"{FIG6_DIR}/{{case}}/statistics.nc",
    log:
        f"results/logs/gross2024_fig6/{{case}}/statistics.log",
    benchmark:
        f"results/benchmarks/gross2024_fig6_statistics/{{case}}.tsv"
    params:
        step=step("experiments.gross2024_fig6:extract_statistics", source=("experiments/gross2024_single_layer.py", *SEC2_THEORY),
                  theta_stop=FIG6["theta"]["stop"], theta_num=FIG6["theta"]["num"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_theory:
    """The i.i.d. prediction, random-direction curvature spread, and the exact stationary M's eigenvectors."""
    input:
        data_path=f"{FIG6_DIR}/{{case}}/data.nc",
    output:
        output=f"{FIG6_DIR}/{{case}}/theory.nc",
    log:
        f"results/logs/gross2024_fig6/{{case}}/theory.log",
    benchmark:
        f"results/benchmarks/gross2024_fig6_theory/{{case}}.tsv"
    params:
        step=step("experiments.gross2024_fig6:evaluate_theory", source=SEC2_THEORY, learning_rate=FIG6["learning_rate"], batch_size=FIG6["batch_size"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_summary:
    """The three cases along `case`."""
    input:
        statistics_paths=fig6_files("statistics"),
        theory_paths=fig6_files("theory"),
    output:
        output=f"{FIG6_DIR}/summary.nc",
    log:
        "results/logs/gross2024_fig6/summary.log",
    benchmark:
        "results/benchmarks/gross2024_fig6_summary/summary.tsv"
    params:
        step=step("experiments.gross2024_fig6:summarize", source=FIG6_ALL, cases=list(FIG6_CASES)),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_claims:
    """Claim rows of Fig. 6 with measured values, tolerances, and status."""
    input:
        summary_path=f"{FIG6_DIR}/summary.nc",
    output:
        output=f"{FIG6_DIR}/claims.csv",
    log:
        "results/logs/gross2024_fig6/claims.log",
    params:
        step=step("experiments.gross2024_fig6:claims", source=FIG6_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig6_figure:
    """Fig. 6 (a, b, and the random-label case) from the summary; a plot change reruns only this rule."""
    input:
        summary_path=f"{FIG6_DIR}/summary.nc",
    output:
        outputs=[
            report("results/figures/gross2024_fig6.png", caption="../report/gross2024_fig6.rst", category="Gross et al. 2024"),
            "results/figures/gross2024_fig6.pdf",
        ],
    log:
        "results/logs/gross2024_fig6/figure.log",
    params:
        step=step("plotting.gross2024_fig6:render", source=("plotting/gross2024_fig6.py", "plotting/common.py", "statistics.py"), plot=config["plot"]),
    script:
        "../scripts/run_step.py"
