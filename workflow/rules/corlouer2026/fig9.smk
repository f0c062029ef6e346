# Corlouer et al. 2026, Fig. 9 (App. J.1). Config section corlouer2026_fig9 (schema corlouer2026/fig9.schema.yaml).
# Library: sgdnoise.corlouer2026.fig9 (checks), .stages (claims), .plot; statistics: corlouer2026.modewise (dynamics.smk).
import sgdnoise.corlouer2026.fig9 as corlouer2026_fig9

C26_FIG9 = figure_section("corlouer2026_fig9", "corlouer2026/fig9.schema.yaml", corlouer2026_fig9.check_config)


rule corlouer2026_fig9_summary:
    """The learning-rate sweep's points along `point`."""
    input: statistics_paths=corlouer2026_mode_files(C26_FIG9["run"])
    output: output=results("corlouer2026_fig9/summary.nc")
    log: logs("corlouer2026_fig9_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig9_summary", "summary")
    params: step=step("corlouer2026.modewise:stack_statistics", labels=run_labels(C26_FIG9["run"]))
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig9", inputs={"summary_path": rules.corlouer2026_fig9_summary.output.output},
    claims=step("corlouer2026.fig9.stages:claims", slope_tolerance=C26_FIG9["slope_tolerance"]),
    render=step("corlouer2026.fig9.plot:render", plot=config["plot"]),
    section="App. J.1, Fig. 9",
)
