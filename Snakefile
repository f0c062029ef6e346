# Reproduction of Gross et al. 2024 and Corlouer et al. 2026. Entry point: `./reproduce --cores 2`.
# Stages per figure: data -> training (per seed block) -> statistics -> theory -> summary -> claims/figure.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/gross2024_fig5.smk"
include: "workflow/rules/gross2024_fig2.smk"
include: "workflow/rules/gross2024_fig3.smk"
include: "workflow/rules/gross2024_fig4.smk"
include: "workflow/rules/gross2024_fig6.smk"
include: "workflow/rules/gross2024_table1.smk"


FIGURES = [f"results/figures/gross2024_fig{n}.{ext}" for n in (2, 3, 4, 5, 6) for ext in ("png", "pdf")] + ["results/tables/gross2024_table1.csv"]


rule all:
    input:
        "results/claims.csv",
        FIGURES,
        "results/benchmarks/workflow_cost.csv",
    default_target: True


rule workflow_cost:
    """Wall time and peak memory per rule, from the benchmark file every expensive job writes."""
    input:
        claims="results/claims.csv",
        figures=FIGURES,
    output:
        table="results/benchmarks/workflow_cost.csv",
    log:
        "results/logs/workflow_cost.log",
    params:
        step=step("workflow_cost:summarize_benchmarks", benchmark_dir="results/benchmarks"),
    script:
        "workflow/scripts/run_step.py"


rule claims_table:
    """One row per quantitative claim, from every figure's claims file."""
    input:
        figure_claims=[f"results/gross2024_{name}/claims.csv" for name in ("fig2", "fig3", "fig4", "fig5", "fig6", "table1")],
    output:
        table="results/claims.csv",
    log:
        "results/logs/claims_table.log",
    params:
        step=step("claims:merge_tables", source=("claims.py",)),
    script:
        "workflow/scripts/run_step.py"
