# Gross et al. 2024, Table 1 and the with/without replacement factor (App. C). Config section: gross2024_table1.
# Library: sgdnoise.experiments.gross2024_table1.
TABLE1 = config["gross2024_table1"]
TABLE1_DIR = "results/gross2024_table1"
TABLE1_POINTS = [f"{TABLE1_DIR}/N{p['N']}_P{p['P']}_var{p['label_noise_variance']:g}" for p in sec2_points("gross2024_table1", TABLE1)]
TABLE1_ALL = ("experiments/gross2024_table1.py", *SEC2_THEORY, "claims.py")
TABLE1_POINT = f"{TABLE1_DIR}/N{{N}}_P{{P}}_var{{variance}}"


def table1_blocks(sampling):
    return lambda w: [f"{TABLE1_DIR}/N{w.N}_P{w.P}_var{w.variance}/sgd_{sampling}_seeds{a}-{b}.nc" for a, b in seed_blocks(TABLE1["n_seeds"], TABLE1["seeds_per_job"])]


rule gross2024_table1_data:
    """Realizations of Eq. (2.1); every noise level of an (N, P) point draws the same X, u and eps / sigma_eps."""
    output:
        output=f"{TABLE1_POINT}/data.nc",
    log:
        f"results/logs/gross2024_table1/N{{N}}_P{{P}}_var{{variance}}/data.log",
    benchmark:
        f"results/benchmarks/gross2024_table1_data/N{{N}}_P{{P}}_var{{variance}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:make_data", source=SEC2_DATA, experiment="gross2024_table1", N=int(w.N), P=int(w.P),
            n_seeds=TABLE1["n_seeds"], data_seed=config["seeds"]["data"], label_noise_variance=float(w.variance),
            teacher_variance=TABLE1["teacher_variance"], inputs="iid", labels="teacher",
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_train:
    """Minibatch SGD from w = 0 for one block of seeds, minibatches drawn with or without replacement."""
    input:
        data_path=f"{TABLE1_POINT}/data.nc",
    output:
        output=f"{TABLE1_POINT}/sgd_{{sampling}}_seeds{{first}}-{{last}}.nc",
    log:
        f"results/logs/gross2024_table1/N{{N}}_P{{P}}_var{{variance}}/sgd_{{sampling}}_seeds{{first}}-{{last}}.log",
    threads: config["engine"]["threads"]
    benchmark:
        f"results/benchmarks/gross2024_table1_train/N{{N}}_P{{P}}_var{{variance}}/sgd_{{sampling}}_seeds{{first}}-{{last}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:train", source=SEC2_ENGINE, experiment="gross2024_table1",
            seeds=list(range(int(w.first), int(w.last) + 1)), sgd_seed=config["seeds"]["sgd"], stream=f"sgd/var{w.variance}/{w.sampling}",
            learning_rate=TABLE1["learning_rate"], batch_size=TABLE1["batch_size"], minibatch_replacement=w.sampling == "with",
            initial_weights=TABLE1["initial_weights"], record_every=TABLE1["record_every"], trace_points=2,  # the trajectory is not used here
            burn_in_relaxation_times=TABLE1["burn_in_relaxation_times"], measure_relaxation_times=TABLE1["measure_relaxation_times"],
            min_measure_steps=TABLE1["min_measure_steps"], max_measure_steps=TABLE1["max_measure_steps"],
            chunk_steps=config["engine"]["chunk_steps"], threads=config["engine"]["threads"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_statistics:
    """Per sampling method and run: distance to the teacher, loss and temporal variance, time-averaged."""
    input:
        data_path=f"{TABLE1_POINT}/data.nc",
        with_paths=table1_blocks("with"),
        without_paths=table1_blocks("without"),
    output:
        output=f"{TABLE1_POINT}/statistics.nc",
    log:
        f"results/logs/gross2024_table1/N{{N}}_P{{P}}_var{{variance}}/statistics.log",
    benchmark:
        f"results/benchmarks/gross2024_table1_statistics/N{{N}}_P{{P}}_var{{variance}}.tsv"
    params:
        step=step("experiments.gross2024_table1:extract_statistics", source=("experiments/gross2024_single_layer.py", *SEC2_THEORY)),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_theory:
    """Stationary values from the exact discrete moment equation (both sampling methods) and the closed forms."""
    input:
        data_path=f"{TABLE1_POINT}/data.nc",
    output:
        output=f"{TABLE1_POINT}/theory.nc",
    log:
        f"results/logs/gross2024_table1/N{{N}}_P{{P}}_var{{variance}}/theory.log",
    benchmark:
        f"results/benchmarks/gross2024_table1_theory/N{{N}}_P{{P}}_var{{variance}}.tsv"
    params:
        step=lambda w: step("experiments.gross2024_table1:evaluate_theory", source=SEC2_THEORY, learning_rate=TABLE1["learning_rate"],
                            batch_size=TABLE1["batch_size"], label_noise_variance=float(w.variance)),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_summary:
    """All points along `point` (coordinates N, P, label_noise_variance, regime)."""
    input:
        statistics_paths=[f"{p}/statistics.nc" for p in TABLE1_POINTS],
        theory_paths=[f"{p}/theory.nc" for p in TABLE1_POINTS],
    output:
        output=f"{TABLE1_DIR}/summary.nc",
    log:
        "results/logs/gross2024_table1/summary.log",
    benchmark:
        "results/benchmarks/gross2024_table1_summary/summary.tsv"
    params:
        step=step("experiments.gross2024_table1:summarize", source=TABLE1_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_claims:
    """Claim rows of Table 1 and of the replacement factor, tolerances from standard errors."""
    input:
        summary_path=f"{TABLE1_DIR}/summary.nc",
    output:
        output=f"{TABLE1_DIR}/claims.csv",
    log:
        "results/logs/gross2024_table1/claims.log",
    params:
        step=step("experiments.gross2024_table1:claims", source=TABLE1_ALL, batch_size=TABLE1["batch_size"]),
    script:
        "../scripts/run_step.py"


rule gross2024_table1_table:
    """Table 1 with measured values (SGD mean +- SE, exact theory in brackets), from the summary."""
    input:
        summary_path=f"{TABLE1_DIR}/summary.nc",
    output:
        table=report("results/tables/gross2024_table1.csv", caption="../report/gross2024_table1.rst", category="Gross et al. 2024"),
    log:
        "results/logs/gross2024_table1/table.log",
    params:
        step=step("plotting.gross2024_table1:render", source=("plotting/gross2024_table1.py", "statistics.py")),
    script:
        "../scripts/run_step.py"
