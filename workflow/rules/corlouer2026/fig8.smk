# Corlouer et al. 2026, App. I.2, Fig. 8. Config section corlouer2026_fig8 (schema corlouer2026/fig8.schema.yaml).
# Library: sgdnoise.corlouer2026.fig8 (checks), .fig8.stages (claims), .fig8.plot. Reads Fig. 7's summary: the same runs.
import sgdnoise.corlouer2026.fig8 as corlouer2026_fig8

C26_FIG8 = figure_section("corlouer2026_fig8", "corlouer2026/fig8.schema.yaml", corlouer2026_fig8.check_config)

register(
    "corlouer2026", "corlouer2026_fig8", inputs={"summary_path": rules.corlouer2026_fig7_summary.output.output},
    claims=step("corlouer2026.fig8.stages:claims", most=C26_FIG8["most"], little=C26_FIG8["little"]),
    render=step("corlouer2026.fig8.plot:render", plot=config["plot"]),
    section="App. I.2, Fig. 8",
)
