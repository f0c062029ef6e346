# Issue 18: Fig. 4's gap between online SGD and the SDE split into the noise's shape and discretisation. Config section
# extensions_fig4_gap (schema extensions/fig4_gap.schema.yaml). Library: sgdnoise.extensions.fig4_gap (config checks),
# .stages (summary, claims), .plot (figure). "Visibly spread" is Fig. 4's resolution (corlouer2026_fig4, fig4.smk).
import sgdnoise.extensions.fig4_gap as fig4_gap

FIG4_GAP = figure_section("extensions_fig4_gap", "extensions/fig4_gap.schema.yaml", fig4_gap.check_config)
FIG4_GAP_SDE = [run_files(name, p["label"]) for name, p in fig4_gap.sde_points(FIG4_GAP, config)]


rule extensions_fig4_gap_summary:
    """w_0 at the horizons for SGD and every EM step, the dt -> 0 extrapolation, the gap's split, the concentration fits."""
    input:
        sgd_paths=run_files(FIG4_GAP["sgd"], run_labels(FIG4_GAP["sgd"])[0]),
        sde_paths=sum(FIG4_GAP_SDE, []),
    output: output=results("extensions_fig4_gap/summary.nc")
    log: logs("extensions_fig4_gap_summary", "summary")
    benchmark: benchmarks("extensions_fig4_gap_summary", "summary")
    params:
        step=step("extensions.fig4_gap.stages:summarize", sde_counts=[len(f) for f in FIG4_GAP_SDE], sde_dt=fig4_gap.dt_values(FIG4_GAP, config),
                  horizons=FIG4_GAP["horizons"], concentration_horizons=FIG4_GAP["concentration_horizons"],
                  learning_rate=RUNS[FIG4_GAP["sgd"]]["learning_rate"],
                  singular_value=RUNS[FIG4_GAP["sgd"]]["teacher_singular_values"][0], order=FIG4_GAP["extrapolation_order"]),
    script: RUN_STEP


register(
    "extensions", "extensions_fig4_gap", inputs={"summary_path": rules.extensions_fig4_gap_summary.output.output},
    claims=step("extensions.fig4_gap.stages:claims", end_of_training=FIG4_GAP["end_of_training"], most=FIG4_GAP["most"],
                visible_std=FIG4_LAWS["resolution"], resolution_ulps=FIG4_GAP["resolution_ulps"]),
    render=step("extensions.fig4_gap.plot:render", plot=config["plot"], visible_std=FIG4_LAWS["resolution"]),
    section="Fig. 4's gap",
)
