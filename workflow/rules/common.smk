# Helpers shared by all rule files: the validated config and run catalogue, step() with its derived code hash,
# path helpers (outputs, logs, benchmarks), and the registry that rule all and the claims table read.
import os
from pathlib import Path

import sgdnoise.catalogue
import sgdnoise.codehash
import sgdnoise.config

SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"  # config.schema.yaml, catalogue.schema.yaml, <paper>/<figure>.schema.yaml
RUN_STEP = os.path.join(workflow.basedir, "workflow", "scripts", "run_step.py")  # the one adapter into the library

# --config values override config.yaml; Snakemake passes nested ones as strings, which load() parses by type
_loaded = sgdnoise.config.load(config, SCHEMAS, overrides=workflow.config_settings.config, check=sgdnoise.catalogue.check)
config.clear()
config.update(_loaded)
DATASETS, RUNS = config["datasets"], config["runs"]

# One BLAS thread per job (inherited by every job process): parallelism comes from jobs and seed blocks.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"


def step(function, kwargs=None, **more):
    """Params of a rule: the library function to call ("module:function", relative to sgdnoise), its keyword
    arguments, and a hash of its code and of every definition it reaches in the package (sgdnoise.codehash), so
    that editing that code, and only that code, reruns the rule."""
    function = f"sgdnoise.{function}"
    return {"function": function, "kwargs": {**(kwargs or {}), **more}, "code": sgdnoise.codehash.code_hash(function)}


# ------------------------------------------------------------------------------------------------ paths
def results(path):
    return f"results/{path}"


def logs(rule, stem):
    """Every rule logs to results/logs/<rule>/<stem>.log."""
    return f"results/logs/{rule}/{stem}.log"


def benchmarks(rule, stem):
    """... and times itself in results/benchmarks/<rule>/<stem>.tsv (summarised per rule by workflow_cost)."""
    return f"results/benchmarks/{rule}/{stem}.tsv"


def dataset_file(dataset, point):
    return results(f"datasets/{dataset}/{point}.nc")


def dataset_labels(dataset):
    return [p["label"] for p in sgdnoise.catalogue.dataset_points(DATASETS[dataset])]


def run_labels(run):
    return [p["label"] for p in sgdnoise.catalogue.run_points(RUNS[run], DATASETS)]


def run_files(run, point):
    """The seed blocks of one point of a run (training jobs of seeds_per_job seeds each)."""
    blocks = sgdnoise.catalogue.seed_blocks(sgdnoise.catalogue.run_seed_count(RUNS[run], DATASETS), RUNS[run]["seeds_per_job"])
    return [results(f"runs/{run}/{point}/seeds{a}-{b}.nc") for a, b in blocks]


def one_of(names):
    """A wildcard constraint matching exactly these names."""
    return "|".join(sorted(names, key=len, reverse=True)) or "(?!)"


# ------------------------------------------------------------------------------------------------ registry
SHARED_SECTIONS = ("scale", "seeds", "engine", "datasets", "runs", "plot", "expected_claims", "quick", "paper")
REGISTRY = {"sections": list(SHARED_SECTIONS), "figures": {}}


def figure_section(name, schema, check=None):
    """The validated config section of a figure (its own schema file under workflow/schemas/, defaults filled in,
    then the figure's check(section, config)), registered as a known section."""
    REGISTRY["sections"].append(name)
    return sgdnoise.config.section(config, name, SCHEMAS, schema, check)


PAPER_TITLES = {"gross2024": "Gross, Raulf, Räth 2024", "corlouer2026": "Corlouer, Semler, Strang, Gietelink Oldenziel 2026",
                "extensions": "Beyond both papers: their open questions"}


def register(paper, figure, *, inputs, claims, render, kind="figure", section=None):
    """A figure's (or table's) last steps, from its summaries `inputs` ({argument: path}): the Snakefile makes
    the rules <figure>_claims (claims step -> results/<figure>/claims.csv), <figure>_<kind> (render step ->
    results/figures/<figure>.png, .pdf, or results/tables/<figure>.csv); rule report_captions writes its report caption,
    collected by rule all, rule <paper> and the claims table. Caption text: workflow/report/<paper>/<name>.rst,
    <name> the figure without its paper prefix; `section` (e.g. "Sec. II C 1") groups it in the report."""
    name = figure.removeprefix(paper + "_")
    REGISTRY["figures"][figure] = {"paper": paper, "inputs": dict(inputs), "claims": claims, "render": render, "kind": kind,
                                   "caption": f"workflow/report/{paper}/{name}.rst", "section": section or name}


def figure_parameters(figure):
    """What a figure was made with, for its report caption (sgdnoise.catalogue.figure_parameters)."""
    return sgdnoise.catalogue.figure_parameters(config, figure)


def figure_outputs(figure, kind):
    """The files a figure's render step writes: PNG and PDF, or one CSV for a table."""
    if kind == "table":
        return [results(f"tables/{figure}.csv")]
    return [results(f"figures/{figure}.png"), results(f"figures/{figure}.pdf")]


def render_output(figure, entry):
    """The render rule's named output (the render function's argument): `table`, or `outputs` for a figure; the
    first file goes into Snakemake's report with the figure's caption."""
    first, *rest = figure_outputs(figure, entry["kind"])
    shown = report(first, caption=results(f"report/{figure}.rst"), category=PAPER_TITLES.get(entry["paper"], entry["paper"]),
                   subcategory=entry["section"])
    return {"table": shown} if entry["kind"] == "table" else {"outputs": [shown, *rest]}
