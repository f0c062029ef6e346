# Corlouer et al. 2026, Fig. 10 (App. J.2). Config section corlouer2026_fig10 (schema corlouer2026/fig10.schema.yaml).
# Library: sgdnoise.corlouer2026.fig10 (checks), .stages (claims), .plot; statistics: corlouer2026.modewise (dynamics.smk).
import sgdnoise.corlouer2026.fig10 as corlouer2026_fig10

C26_FIG10 = figure_section("corlouer2026_fig10", "corlouer2026/fig10.schema.yaml", corlouer2026_fig10.check_config)
C26_FIG10_POINTS = [(C26_FIG10["reference"]["run"], C26_FIG10["reference"]["point"])] + [(C26_FIG10["run"], p) for p in run_labels(C26_FIG10["run"])]


rule corlouer2026_fig10_summary:
    """The reference point and the batch-size sweep's points along `point`."""
    input: statistics_paths=[corlouer2026_mode_file(run, point) for run, point in C26_FIG10_POINTS]
    output: output=results("corlouer2026_fig10/summary.nc")
    log: logs("corlouer2026_fig10_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig10_summary", "summary")
    params: step=step("corlouer2026.modewise:stack_statistics", labels=[f"{run}/{point}" for run, point in C26_FIG10_POINTS])
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig10", inputs={"summary_path": rules.corlouer2026_fig10_summary.output.output},
    claims=step("corlouer2026.fig10.stages:claims", slope_tolerance=C26_FIG10["slope_tolerance"]),
    render=step("corlouer2026.fig10.plot:render", plot=config["plot"]),
    section="App. J.2, Fig. 10",
)
