# Corlouer et al. 2026, App. I.2, Fig. 7. Config section corlouer2026_fig7 (schema corlouer2026/fig7.schema.yaml).
# Library: sgdnoise.corlouer2026.balance (statistics, rule corlouer2026_balance_statistics in fig6.smk), .fig7 (checks),
# .fig7.stages (claims), .fig7.plot. Fig. 8 reads this figure's summary.
import sgdnoise.corlouer2026.fig7 as corlouer2026_fig7

C26_FIG7 = figure_section("corlouer2026_fig7", "corlouer2026/fig7.schema.yaml", corlouer2026_fig7.check_config)


rule corlouer2026_fig7_summary:
    """r_l, its numerator and the layer norms of the four runs along `case` (Figs. 7 and 8)."""
    input: statistics_paths=[corlouer2026_balance_file(run) for run in C26_FIG7["runs"].values()]
    output: output=results("corlouer2026_fig7/summary.nc")
    log: logs("corlouer2026_fig7_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig7_summary", "summary")
    params: step=step("corlouer2026.balance:stack_cases", labels=list(C26_FIG7["runs"]), variables=["imbalance", "imbalance_numerator", "layer_norm"])
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig7", inputs={"summary_path": rules.corlouer2026_fig7_summary.output.output},
    claims=step("corlouer2026.fig7.stages:claims", nearly=C26_FIG7["nearly"]),
    render=step("corlouer2026.fig7.plot:render", plot=config["plot"]),
    section="App. I.2, Fig. 7",
)
