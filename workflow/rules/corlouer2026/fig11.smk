# Corlouer et al. 2026, Fig. 11 (App. J.4). Config section corlouer2026_fig11 (schema corlouer2026/fig11.schema.yaml).
# Library: sgdnoise.corlouer2026.fig11 (checks), .stages (claims), .plot; statistics: corlouer2026.modewise (dynamics.smk).
import sgdnoise.corlouer2026.fig11 as corlouer2026_fig11

C26_FIG11 = figure_section("corlouer2026_fig11", "corlouer2026/fig11.schema.yaml", corlouer2026_fig11.check_config)
C26_FIG11_CASES = {"wide": (C26_FIG11["run"], "default"), "rectangular": (C26_FIG11["rectangular"]["run"], C26_FIG11["rectangular"]["point"])}


rule corlouer2026_fig11_summary:
    """The wide network and the square one along `point`."""
    input: statistics_paths=[corlouer2026_mode_file(*C26_FIG11_CASES[case]) for case in C26_FIG11_CASES]
    output: output=results("corlouer2026_fig11/summary.nc")
    log: logs("corlouer2026_fig11_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig11_summary", "summary")
    params: step=step("corlouer2026.modewise:stack_statistics", labels=list(C26_FIG11_CASES))
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig11", inputs={"summary_path": rules.corlouer2026_fig11_summary.output.output},
    claims=step("corlouer2026.fig11.stages:claims", decay_threshold=C26_FIG11["decay_threshold"]),
    render=step("corlouer2026.fig11.plot:render", shown_seed=C26_FIG11["shown_seed"], plot=config["plot"]),
    section="App. J.4, Fig. 11",
)
