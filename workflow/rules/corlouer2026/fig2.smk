# Corlouer et al. 2026, Fig. 2 (Sec. 3). Config section corlouer2026_fig2 (schema corlouer2026/fig2.schema.yaml).
# Library: sgdnoise.corlouer2026.fig2 (checks), corlouer2026.learning (statistics), .stages, .plot. One run per method.
import sgdnoise.corlouer2026.checks
import sgdnoise.corlouer2026.fig2 as corlouer_fig2

CFIG2 = figure_section("corlouer2026_fig2", "corlouer2026/fig2.schema.yaml", corlouer_fig2.check_config)
CFIG2_RUNS = CFIG2["runs"]  # method -> run


rule corlouer2026_fig2_statistics:
    """Mode amplitudes, learned bands, numerical rank and plateau losses of one method's run."""
    input: run_paths=lambda w: run_files(CFIG2_RUNS[w.method], run_labels(CFIG2_RUNS[w.method])[0])
    output: output=results("corlouer2026_fig2/{method}/statistics.nc")
    log: logs("corlouer2026_fig2_statistics", "{method}")
    benchmark: benchmarks("corlouer2026_fig2_statistics", "{method}")
    wildcard_constraints: method=one_of(CFIG2_RUNS)
    params: step=lambda w: step("corlouer2026.learning:mode_statistics", sgdnoise.corlouer2026.checks.statistics_kwargs(RUNS[CFIG2_RUNS[w.method]], CFIG2))
    script: RUN_STEP


rule corlouer2026_fig2_summary:
    """The four methods along `case`."""
    input: statistics_paths=[results(f"corlouer2026_fig2/{method}/statistics.nc") for method in CFIG2_RUNS]
    output: output=results("corlouer2026_fig2/summary.nc")
    log: logs("corlouer2026_fig2_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig2_summary", "summary")
    params: step=step("corlouer2026.learning:stack_cases", cases=list(CFIG2_RUNS))
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig2", inputs={"summary_path": rules.corlouer2026_fig2_summary.output.output},
    claims=step("corlouer2026.fig2.stages:claims", similar_fraction=CFIG2["similar_fraction"]),
    render=step("corlouer2026.fig2.plot:render", plot=config["plot"], rank_threshold=CFIG2["rank_threshold"]),
    section="Sec. 3, Fig. 2",
)
