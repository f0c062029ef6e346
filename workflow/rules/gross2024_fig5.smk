# Gross et al. 2024, Fig. 5 (Sec. II C). Config section: gross2024_fig5. Library: sgdnoise.experiments.gross2024_fig5.
from sgdnoise.config import gross2024_fig5_points, sweep_settings
from sgdnoise.experiments.gross2024_fig5 import step_plan

FIG5 = config["gross2024_fig5"]
FIG5_DIR = "results/gross2024_fig5"
# Library files each stage's numbers depend on, beside the stage function itself (see step() in common.smk).
FIG5_THEORY = ("theory/gross2024_single_layer.py",)
FIG5_ENGINE = ("engine/__init__.py", "engine/single_layer.py", "engine/recording.py", "statistics.py", "seeding.py")
FIG5_ALL = ("experiments/gross2024_fig5.py", "statistics.py", *FIG5_THEORY)  # for the cheap downstream rules
FIG5_SIMULATED = ("spectrum", "input_dimension")


def fig5_points(sweep):
    return [p for s, p in gross2024_fig5_points(FIG5) if s == sweep]


def fig5_settings(sweep):
    return {**FIG5, **sweep_settings(FIG5, sweep)}


def fig5_point_dir(w):
    return f"{FIG5_DIR}/{w.sweep}/N{w.N}_P{w.P}"


def fig5_blocks(w):
    s = fig5_settings(w.sweep)
    return [f"{fig5_point_dir(w)}/sgd_seeds{a}-{b}.nc" for a, b in seed_blocks(s["n_seeds"], s["seeds_per_job"])]


def fig5_sweep_files(sweep, name):
    return [f"{FIG5_DIR}/{sweep}/N{p['N']}_P{p['P']}/{name}.nc" for p in fig5_points(sweep)]


rule gross2024_fig5_data:
    """Teacher-student datasets (Eq. 2.1) and minimum-norm solutions w* (Eq. 2.7) of one parameter point."""
    output:
        output=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/data.nc",
    log:
        f"results/logs/gross2024_fig5/{{sweep}}/N{{N}}_P{{P}}/data.log",
    benchmark:
        f"results/benchmarks/gross2024_fig5_data/{{sweep}}/N{{N}}_P{{P}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig5:make_data", source=("data.py", "seeding.py", *FIG5_THEORY),
            sweep=w.sweep, N=int(w.N), P=int(w.P), n_seeds=fig5_settings(w.sweep)["n_seeds"], data_seed=config["seeds"]["data"],
            label_noise_variance=FIG5["label_noise_variance"], teacher_variance=FIG5["teacher_variance"],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_train:
    """Minibatch SGD (Eq. 2.11) for one block of seeds: streaming moments and a thinned trajectory."""
    input:
        data_path=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/data.nc",
    output:
        output=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.nc",
    log:
        f"results/logs/gross2024_fig5/{{sweep}}/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.log",
    threads: config["engine"]["threads"]
    benchmark:
        f"results/benchmarks/gross2024_fig5_train/{{sweep}}/N{{N}}_P{{P}}/sgd_seeds{{first}}-{{last}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig5:train", source=FIG5_ENGINE,
            sweep=w.sweep, seeds=list(range(int(w.first), int(w.last) + 1)), sgd_seed=config["seeds"]["sgd"],
            learning_rate=FIG5["learning_rate"], batch_size=FIG5["batch_size"], minibatch_replacement=FIG5["minibatch_replacement"],
            initial_weights=fig5_settings(w.sweep)["initial_weights"], chunk_steps=config["engine"]["chunk_steps"],
            threads=config["engine"]["threads"],
            plan=step_plan(int(w.N), int(w.P), **fig5_settings(w.sweep)).__dict__,
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_statistics:
    """Per-seed stationary statistics: temporal covariance M, variances, losses."""
    input:
        data_path=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/data.nc",
        train_paths=fig5_blocks,
    output:
        output=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/statistics.nc",
    log:
        f"results/logs/gross2024_fig5/{{sweep}}/N{{N}}_P{{P}}/statistics.log",
    benchmark:
        f"results/benchmarks/gross2024_fig5_statistics/{{sweep}}/N{{N}}_P{{P}}.tsv"
    params:
        step=step("experiments.gross2024_fig5:extract_statistics", source=FIG5_THEORY, label_noise_variance=FIG5["label_noise_variance"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_theory:
    """Per-realization theory: Eqs. (2.17), (2.30)-(2.31), (2.33), (2.34) and the exact discrete moment equation."""
    input:
        data_path=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/data.nc",
    output:
        output=f"{FIG5_DIR}/{{sweep}}/N{{N}}_P{{P}}/theory.nc",
    log:
        f"results/logs/gross2024_fig5/{{sweep}}/N{{N}}_P{{P}}/theory.log",
    benchmark:
        f"results/benchmarks/gross2024_fig5_theory/{{sweep}}/N{{N}}_P{{P}}.tsv"
    params:
        step=lambda w: step(
            "experiments.gross2024_fig5:evaluate_theory", source=FIG5_THEORY,
            learning_rate=FIG5["learning_rate"], batch_size=FIG5["batch_size"], label_noise_variance=FIG5["label_noise_variance"],
            minibatch_replacement=FIG5["minibatch_replacement"], with_matrices=w.sweep in FIG5_SIMULATED,
            continuum_error_learning_rates=FIG5["continuum_error_learning_rates"] if w.sweep == "spectrum" else [],
        ),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_summary:
    """All points of one sweep stacked along `point`, SGD projected on the theory eigenvectors."""
    input:
        theory_paths=lambda w: fig5_sweep_files(w.sweep, "theory"),
        statistics_paths=lambda w: fig5_sweep_files(w.sweep, "statistics") if w.sweep in FIG5_SIMULATED else [],
    output:
        output=f"{FIG5_DIR}/{{sweep}}/summary.nc",
    log:
        f"results/logs/gross2024_fig5/{{sweep}}/summary.log",
    benchmark:
        f"results/benchmarks/gross2024_fig5_summary/{{sweep}}.tsv"
    params:
        step=step("experiments.gross2024_fig5:summarize", source=FIG5_ALL),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_claims:
    """Claim rows of Fig. 5 with measured values, tolerances from standard errors, and status."""
    input:
        spectrum_path=f"{FIG5_DIR}/spectrum/summary.nc",
        input_dimension_path=f"{FIG5_DIR}/input_dimension/summary.nc",
        theory_curve_path=f"{FIG5_DIR}/theory_curve/summary.nc",
    output:
        output=f"{FIG5_DIR}/claims.csv",
    log:
        "results/logs/gross2024_fig5/claims.log",
    params:
        step=step("experiments.gross2024_fig5:claims", source=(*FIG5_ALL, "claims.py"), learning_rate=FIG5["learning_rate"]),
    script:
        "../scripts/run_step.py"


rule gross2024_fig5_figure:
    """Fig. 5 (a, b, c) from the sweep summaries; a plot change reruns only this rule."""
    input:
        spectrum_path=f"{FIG5_DIR}/spectrum/summary.nc",
        input_dimension_path=f"{FIG5_DIR}/input_dimension/summary.nc",
        theory_curve_path=f"{FIG5_DIR}/theory_curve/summary.nc",
    output:
        outputs=[
            report("results/figures/gross2024_fig5.png", caption="../report/gross2024_fig5.rst", category="Gross et al. 2024"),
            "results/figures/gross2024_fig5.pdf",
        ],
    log:
        "results/logs/gross2024_fig5/figure.log",
    params:
        step=step("plotting.gross2024_fig5:render", source=("plotting/gross2024_fig5.py", "statistics.py"), plot=config["plot"]),
    script:
        "../scripts/run_step.py"
