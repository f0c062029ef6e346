# Beyond Corlouer et al. 2026 (issue 18.3): the finite learning rate. Config section extensions_learning_rate
# (schema extensions/learning_rate.schema.yaml). Library: sgdnoise.extensions.learning_rate (checks, summary, claims), _plot.
import sgdnoise.extensions.learning_rate as ext_lr

EXT_LR = figure_section("extensions_learning_rate", "extensions/learning_rate.schema.yaml", ext_lr.check_config)
EXT_LR_POINTS = ext_lr.learning_rate_points(EXT_LR, RUNS)
EXT_LR_SGD = [run_files(*p["sgd"]) for p in EXT_LR_POINTS]
EXT_LR_SDE = [[run_files(p["sde"][0], label) for label, _ in p["sde"][1]] for p in EXT_LR_POINTS]
EXT_LR_RUN = RUNS[EXT_LR["sgd"][0]]


rule extensions_learning_rate_summary:
    """Stationary mean and variance of w_0 of SGD and the SDE at each eta, their differences, the fits and the theory beside them."""
    input:
        sgd_paths=sum(EXT_LR_SGD, []),
        sde_paths=[f for point in EXT_LR_SDE for files in point for f in files],
    output: output=results("extensions_learning_rate/summary.nc")
    log: logs("extensions_learning_rate_summary", "summary")
    benchmark: benchmarks("extensions_learning_rate_summary", "summary")
    params:
        step=step("extensions.learning_rate:summarize", learning_rates=[p["eta"] for p in EXT_LR_POINTS], sgd_counts=[len(f) for f in EXT_LR_SGD],
                  sde_counts=[[len(f) for f in point] for point in EXT_LR_SDE], sde_dt=[[dt for _, dt in p["sde"][1]] for p in EXT_LR_POINTS],
                  dt_over_eta=EXT_LR["dt_over_eta"], batch_size=EXT_LR_RUN["batch_size"], label_noise_variance=EXT_LR_RUN["label_noise_variance"],
                  singular_value=EXT_LR_RUN["teacher_singular_values"][0], widths=EXT_LR_RUN["widths"], grid=EXT_LR["grid"]),
    script: RUN_STEP


register(
    "extensions", "extensions_learning_rate", inputs={"summary_path": rules.extensions_learning_rate_summary.output.output},
    claims=step("extensions.learning_rate:claims"),
    render=step("extensions.learning_rate_plot:render", plot=config["plot"]),
    section="Corlouer 2026, Limitations: finite learning rate",
)
