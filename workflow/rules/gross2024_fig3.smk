# Gross et al. 2024, Fig. 3 (Sec. II B 2). Config section: gross2024_fig3. Library: sgdnoise.experiments.gross2024_fig3.
from sgdnoise.config import sec2_points

FIG3 = config["gross2024_fig3"]
FIG3_DIR = "results/gross2024_fig3"
FIG3_POINTS = sec2_points("gross2024_fig3", FIG3)
FIG3_ALL = ("experiments/gross2024_fig3.py", *SEC2_THEORY, "claims.py")


def fig3_files(name, simulated_only=False):
    return [f"{FIG3_DIR}/N{p['N']}_P{p['P']}/{name}.nc" for p in FIG3_POINTS if p["simulated"] or not simulated_only]


def fig3_simulated(w):
    return next(p["simulated"] for p in FIG3_POINTS if p["P"] == int(w.P))


rule gross2024_fig3_data:
    """Teacher-student datasets (Eq. 2.1) and minimum-norm solutions w* (Eq. 2.7) of one P."""
    output:
        output=f"{FIG3_DIR}/N{{N}}_P{{P}}/data.nc",
    log:
        f"results/logs/gross2024_fig3/N{{N}}_P{{P}}/data.log",
    benchmark:
        f"results/benchmarks/gross2024_fig3_data/N{{N}}_P{{P}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:make_data", source=SEC2_DATA, experiment="gross2024_fig3", N=int(w.N), P=int(w.P),
            n_seeds=FIG3["n_seeds"], data_seed=config["seeds"]["data"], label_noise_variance=FIG3["label_noise_variance"],
            teacher_variance=FIG3["teacher_variance"], inputs="iid", labels="teacher",
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_train:
    """Minibatch SGD (Eq. 2.11, with replacement as Eq. 2.14 assumes) for one block of seeds, thinned trajectory."""
    input:
        data_path=f"{FIG3_DIR}/N{{N}}_P{{P}}/data.nc",
    output:
        output=f"{FIG3_DIR}/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.nc",
    log:
        f"results/logs/gross2024_fig3/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.log",
    threads: config["engine"]["threads"]
    benchmark:
        f"results/benchmarks/gross2024_fig3_train/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_single_layer:train", source=SEC2_ENGINE, experiment="gross2024_fig3",
            seeds=list(range(int(w.first), int(w.last) + 1)), sgd_seed=config["seeds"]["sgd"], stream="sgd",
            learning_rate=FIG3["learning_rate"], batch_size=FIG3["batch_size"], minibatch_replacement=True, initial_weights=FIG3["initial_weights"],
            record_every=FIG3["record_every"], trace_points=FIG3["trace_points"], burn_in_relaxation_times=FIG3["burn_in_relaxation_times"],
            measure_relaxation_times=FIG3["measure_relaxation_times"], min_measure_steps=FIG3["min_measure_steps"],
            max_measure_steps=FIG3["max_measure_steps"], chunk_steps=config["engine"]["chunk_steps"], threads=config["engine"]["threads"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_statistics:
    """C measured from minibatch gradients at SGD's stationary weights."""
    input:
        data_path=f"{FIG3_DIR}/N{{N}}_P{{P}}/data.nc",
        train_paths=lambda w: [f"{FIG3_DIR}/N{w.N}_P{w.P}/sgd_seeds{a}-{b}.nc" for a, b in seed_blocks(FIG3["n_seeds"], FIG3["seeds_per_job"])],
    output:
        output=f"{FIG3_DIR}/N{{N}}_P{{P}}/statistics.nc",
    log:
        f"results/logs/gross2024_fig3/N{{N}}_P{{P}}/statistics.log",
    benchmark:
        f"results/benchmarks/gross2024_fig3_statistics/N{{N}}_P{{P}}.tsv"
    params:
        step=step(
            "experiments.gross2024_fig3:measure_noise", source=("experiments/gross2024_single_layer.py", "seeding.py"),
            sgd_seed=config["seeds"]["sgd"], batch_size=FIG3["batch_size"], probe_batches=FIG3["probe_batches"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_theory:
    """Per realization: C (2.17), the Hessian approximation (2.20), C in the Hessian eigenbasis, stationary average."""
    input:
        data_path=f"{FIG3_DIR}/N{{N}}_P{{P}}/data.nc",
    output:
        output=f"{FIG3_DIR}/N{{N}}_P{{P}}/theory.nc",
    log:
        f"results/logs/gross2024_fig3/N{{N}}_P{{P}}/theory.log",
    benchmark:
        f"results/benchmarks/gross2024_fig3_theory/N{{N}}_P{{P}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig3:evaluate_theory", source=SEC2_THEORY, learning_rate=FIG3["learning_rate"],
            batch_size=FIG3["batch_size"], label_noise_variance=FIG3["label_noise_variance"], with_matrices=fig3_simulated(w),
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_summary:
    """All points along `point`; C_SGD projected on the eigenvectors of C (2.17) where simulated."""
    input:
        theory_paths=fig3_files("theory"),
        statistics_paths=fig3_files("statistics", simulated_only=True),
    output:
        output=f"{FIG3_DIR}/summary.nc",
    log:
        "results/logs/gross2024_fig3/summary.log",
    benchmark:
        "results/benchmarks/gross2024_fig3_summary/summary.tsv"
    params:
        step=step("experiments.gross2024_fig3:summarize", source=FIG3_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_claims:
    """Claim rows of Fig. 3 with measured values, tolerances from standard errors, and status."""
    input:
        summary_path=f"{FIG3_DIR}/summary.nc",
    output:
        output=f"{FIG3_DIR}/claims.csv",
    log:
        "results/logs/gross2024_fig3/claims.log",
    params:
        step=step("experiments.gross2024_fig3:claims", source=FIG3_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig3_figure:
    """Fig. 3 (a, b, c) from the summary; a plot change reruns only this rule."""
    input:
        summary_path=f"{FIG3_DIR}/summary.nc",
    output:
        outputs=[
            report("results/figures/gross2024_fig3.png", caption="../report/gross2024_fig3.rst", category="Gross et al. 2024"),
            "results/figures/gross2024_fig3.pdf",
        ],
    log:
        "results/logs/gross2024_fig3/figure.log",
    params:
        step=step("plotting.gross2024_fig3:render", source=("plotting/gross2024_fig3.py", "plotting/common.py", "statistics.py"), plot=config["plot"],
                  hessian_P_over_N=FIG3["hessian_P_over_N"], heatmap_P_over_N=FIG3["heatmap_P_over_N"]),
    script:
        "../scripts/run_step.py"
