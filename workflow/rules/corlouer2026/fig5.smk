# Corlouer et al. 2026, Fig. 5 (Sec. 5.1) and the 1-D modewise SDE. Config section corlouer2026_fig5.
# Library: sgdnoise.corlouer2026.laws (checks), .fig5 (summary, claims), .plot.
import sgdnoise.corlouer2026.laws as laws

FIG5_LAWS = figure_section("corlouer2026_fig5", "corlouer2026/fig5.schema.yaml", laws.check_fig5)
FIG5_RUN = RUNS[FIG5_LAWS["sgd"]]


rule corlouer2026_fig5_summary:
    """SGD's stationary w_0 with label noise, the densities (16) of the four drift forms, the drifts and their coupling."""
    input: sgd_paths=run_files(FIG5_LAWS["sgd"], run_labels(FIG5_LAWS["sgd"])[0])
    output: output=results("corlouer2026_fig5/summary.nc")
    log: logs("corlouer2026_fig5_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig5_summary", "summary")
    params:
        step=step("corlouer2026.laws.fig5:summarize", learning_rate=FIG5_RUN["learning_rate"], batch_size=FIG5_RUN["batch_size"],
                  label_noise_variance=FIG5_RUN["label_noise_variance"], teacher_singular_values=FIG5_RUN["teacher_singular_values"],
                  burn_in=FIG5_RUN["burn_in"], grid=FIG5_LAWS["grid"], one_step_samples=FIG5_LAWS["one_step_samples"], key="corlouer2026_fig5",
                  sgd_seed=config["seeds"]["sgd"]),
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig5", inputs={"summary_path": rules.corlouer2026_fig5_summary.output.output},
    claims=step("corlouer2026.laws.fig5:claims"),
    render=step("corlouer2026.laws.plot:render_fig5", plot=config["plot"]),
    section="Sec. 5, Fig. 5",
)
