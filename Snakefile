# Reproduction of Gross et al. 2024 and Corlouer et al. 2026. Entry point: `./reproduce --cores 2`.
# The run catalogue (config.yaml datasets, runs) is simulated by workflow/rules/runs.smk; each figure's rule file
# (workflow/rules/<paper>/<figure>.smk) reads runs by name: statistics -> theory -> summary -> claims, figure.
# Rule files register their outputs and claims (common.smk: register), which the rules below collect.
import os
from glob import glob

from snakemake.utils import min_version

import sgdnoise.config

min_version("9.0")


sgdnoise.config.check_yaml(os.path.join(workflow.basedir, "config.yaml"))  # a syntax error names its line and column


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/runs.smk"


for _figure_rules in sorted(glob(os.path.join(workflow.basedir, "workflow", "rules", "*", "*.smk"))):

    include: _figure_rules


sgdnoise.config.check_sections(config, REGISTRY["sections"])  # a misspelt section name stops the run here


# The last two steps of every registered figure: claims and figure (or table), from its summaries.
for _figure, _entry in REGISTRY["figures"].items():

    rule:
        """Claim rows of a figure with measured values, tolerances from standard errors, and status."""
        name:
            f"{_figure}_claims"
        input:
            **_entry["inputs"],
        output:
            output=results(f"{_figure}/claims.csv"),
        log:
            logs(f"{_figure}_claims", "claims"),
        params:
            step=_entry["claims"],
        script:
            RUN_STEP

    rule:
        """A figure or table from its summaries only: a plot change reruns only this rule."""
        name:
            f"{_figure}_{_entry['kind']}"
        input:
            **_entry["inputs"],
        output:
            **render_output(_figure, _entry),
        log:
            logs(f"{_figure}_{_entry['kind']}", _entry["kind"]),
        params:
            step=_entry["render"],
        script:
            RUN_STEP


TARGETS = [path for f, e in REGISTRY["figures"].items() for path in figure_outputs(f, e["kind"])]
CAPTIONS = [results(f"report/{figure}.rst") for figure in REGISTRY["figures"]]
# intermediates that ./reproduce verify removed as damaged (sgdnoise.io.verify): made again by the next run
DAMAGED = Path("results/.damaged").read_text().split() if Path("results/.damaged").exists() else []
CLAIMS = [results(f"{figure}/claims.csv") for figure in REGISTRY["figures"]]


rule all:
    input:
        "results/claims.csv",
        TARGETS,
        "results/benchmarks/workflow_cost.csv",
        CAPTIONS,
        "results/report/claims.html",
        "results/claims_check.csv",
        DAMAGED,
    default_target: True


for _paper in sorted({e["paper"] for e in REGISTRY["figures"].values()}):

    rule:
        """All figures, tables and claims of one paper: `./reproduce <paper>`, e.g. gross2024."""
        name:
            _paper
        input:
            [results(f"{f}/claims.csv") for f, e in REGISTRY["figures"].items() if e["paper"] == _paper],
            [p for f, e in REGISTRY["figures"].items() if e["paper"] == _paper for p in figure_outputs(f, e["kind"])],


rule report_captions:
    """Every figure's caption in the report: its text, parameters and this run's claim rows (one job: each takes
    milliseconds)."""
    input:
        claims=CLAIMS,
        captions=[e["caption"] for e in REGISTRY["figures"].values()],
    output:
        outputs=CAPTIONS,
    log:
        logs("report_captions", "captions"),
    params:
        step=step("report:figure_captions", parameters={f: figure_parameters(f) for f in REGISTRY["figures"]}),
    script:
        RUN_STEP


rule workflow_cost:
    """Wall time and peak memory per rule, from the benchmark file every expensive job writes, and the cost per figure."""
    input:
        claims="results/claims.csv",
        figures=TARGETS,
    output:
        table="results/benchmarks/workflow_cost.csv",
        figure_table="results/benchmarks/figure_cost.csv",
    log:
        logs("workflow_cost", "workflow_cost"),
    params:
        step=step("workflow_cost:summarize_benchmarks", benchmark_dir="results/benchmarks", log_dir="results/logs",
                  figure_inputs={f: {k: sorted(figure_parameters(f)[k]) for k in ("runs", "datasets")} for f in REGISTRY["figures"]}),
    script:
        RUN_STEP


rule claims_table:
    """One row per quantitative claim, from every figure's claims file, and their count per paper, kind and status."""
    input:
        figure_claims=CLAIMS,
    output:
        table="results/claims.csv",
        summary="results/claims_summary.csv",
    log:
        logs("claims_table", "claims"),
    params:
        step=step("claims:merge_tables"),
    script:
        RUN_STEP


rule report_pages:
    """Pages of the HTML report (./reproduce report): the claims grouped by figure and searchable, the errata, the
    cost per rule."""
    input:
        table="results/claims.csv",
        summary="results/claims_summary.csv",
        cost="results/benchmarks/workflow_cost.csv",
    output:
        claims_page=report("results/report/claims.html", category="Claims", caption="workflow/report/claims.rst"),
        errata_page=report("results/report/errata.html", category="Claims", caption="workflow/report/errata.rst"),
        errata_pages=report(directory("results/report/errata"), patterns=["{name}.html"], category="Errata and ambiguities",
                            caption="workflow/report/errata.rst"),
        cost_page=report("results/report/cost.html", category="Cost", caption="workflow/report/cost.rst"),
    log:
        logs("report_pages", "report_pages"),
    params:
        step=step("report:claims_pages"),
    script:
        RUN_STEP


EXPECTED_CLAIMS = f"workflow/expected_claims/{config['scale']}.csv"


rule claims_check:
    """This run's claim statuses against the committed ones (workflow/expected_claims/<scale>.csv): the ids that
    changed are printed, and by default fail the run (config expected_claims.on_change)."""
    input:
        table="results/claims.csv",
        expected=EXPECTED_CLAIMS if os.path.exists(EXPECTED_CLAIMS) else [],  # none yet: the check says how to make it
    output:
        output="results/claims_check.csv",
    log:
        logs("claims_check", "claims_check"),
    params:
        # scale=paper is a cluster run that no CI repeats: nothing committed to compare with, so its check only reports
        step=step("claims:check_expected", on_change="warn" if config["scale"] == "paper" else config["expected_claims"]["on_change"],
                  expected_path=EXPECTED_CLAIMS),
    script:
        RUN_STEP
