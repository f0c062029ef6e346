# Reproduction of Gross et al. 2024 and Corlouer et al. 2026. Entry point: `./reproduce --cores 2`.
# Stages per figure: data -> training (per seed block) -> statistics -> theory -> summary -> claims/figure.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/gross2024_fig5.smk"


rule all:
    input:
        "results/claims.csv",
        "results/figures/gross2024_fig5.png",
        "results/figures/gross2024_fig5.pdf",
    default_target: True


rule claims_table:
    """One row per quantitative claim, from every figure's claims file."""
    input:
        figure_claims=["results/gross2024_fig5/claims.csv"],
    output:
        table="results/claims.csv",
    log:
        "results/logs/claims_table.log",
    params:
        step=step("claims:merge_tables", source=("claims.py",)),
    script:
        "workflow/scripts/run_step.py"
