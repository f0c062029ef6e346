# Corlouer et al. 2026, Fig. 4 (Sec. 5.1). Config section corlouer2026_fig4 (schema corlouer2026/fig4.schema.yaml).
# Library: sgdnoise.corlouer2026.laws (checks), .fig4 (summary, claims), .plot.
import sgdnoise.corlouer2026.laws as laws

FIG4_LAWS = figure_section("corlouer2026_fig4", "corlouer2026/fig4.schema.yaml", laws.check_fig4)


rule corlouer2026_fig4_summary:
    """w_0 at the end-of-training snapshots for SGD, the SDE, Langevin and matched Langevin."""
    input:
        sgd_paths=run_files(FIG4_LAWS["sgd"], run_labels(FIG4_LAWS["sgd"])[0]),
        sde_paths=run_files(FIG4_LAWS["sde"], laws.point_with_dt(RUNS[FIG4_LAWS["sde"]], FIG4_LAWS["sde_dt"])),
        langevin_paths=run_files(FIG4_LAWS["langevin"], run_labels(FIG4_LAWS["langevin"])[0]),
        langevin_matched_paths=run_files(FIG4_LAWS["langevin_matched"], run_labels(FIG4_LAWS["langevin_matched"])[0]),
    output: output=results("corlouer2026_fig4/summary.nc")
    log: logs("corlouer2026_fig4_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig4_summary", "summary")
    params:
        step=step("corlouer2026.laws.fig4:summarize", singular_value=RUNS[FIG4_LAWS["sgd"]]["teacher_singular_values"][0], dt=FIG4_LAWS["sde_dt"],
                  end_of_training=FIG4_LAWS["end_of_training"]),
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig4", inputs={"summary_path": rules.corlouer2026_fig4_summary.output.output},
    claims=step("corlouer2026.laws.fig4:claims", resolution=FIG4_LAWS["resolution"]),
    render=step("corlouer2026.laws.plot:render_fig4", plot=config["plot"]),
    section="Sec. 5, Fig. 4",
)
