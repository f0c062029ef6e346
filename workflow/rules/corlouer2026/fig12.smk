# Corlouer et al. 2026, Fig. 12 (App. K). Config section corlouer2026_fig12 (schema corlouer2026/fig12.schema.yaml).
# Library: sgdnoise.corlouer2026.laws (checks), .fig12 (summary, claims), .plot.
import sgdnoise.corlouer2026.laws as laws

FIG12_LAWS = figure_section("corlouer2026_fig12", "corlouer2026/fig12.schema.yaml", laws.check_fig12)
FIG12_WITHOUT, FIG12_WITH = RUNS[FIG12_LAWS["without_label_noise"]], RUNS[FIG12_LAWS["with_label_noise"]]


def fig12_files(name):
    """Every point's seed blocks of a dt sweep, in dt order, and how many files each point has."""
    files = [run_files(name, laws.point_with_dt(RUNS[name], dt)) for dt in RUNS[name]["dt"]]
    return sum(files, []), [len(f) for f in files]


rule corlouer2026_fig12_summary:
    """Var w_0 against dt without (at the horizon) and with label noise (stationary window), the fits, SGD beside them."""
    input:
        without_paths=fig12_files(FIG12_LAWS["without_label_noise"])[0],
        with_paths=fig12_files(FIG12_LAWS["with_label_noise"])[0],
        sgd_paths=run_files(FIG12_LAWS["sgd"], run_labels(FIG12_LAWS["sgd"])[0]),
        sgd_noise_paths=run_files(FIG12_LAWS["sgd_with_label_noise"], run_labels(FIG12_LAWS["sgd_with_label_noise"])[0]),
    output: output=results("corlouer2026_fig12/summary.nc")
    log: logs("corlouer2026_fig12_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig12_summary", "summary")
    params:
        step=step("corlouer2026.laws.fig12:summarize", without_dt=FIG12_WITHOUT["dt"], without_counts=fig12_files(FIG12_LAWS["without_label_noise"])[1],
                  with_dt=FIG12_WITH["dt"], with_counts=fig12_files(FIG12_LAWS["with_label_noise"])[1], learning_rate=FIG12_WITH["learning_rate"],
                  batch_size=FIG12_WITH["batch_size"], label_noise_variance=FIG12_WITH["label_noise_variance"],
                  singular_value=FIG12_WITH["teacher_singular_values"][0], depth=len(FIG12_WITH["widths"]) - 1, grid=FIG12_LAWS["grid"],
                  end_of_training=FIG12_LAWS["end_of_training"]),
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig12", inputs={"summary_path": rules.corlouer2026_fig12_summary.output.output},
    claims=step("corlouer2026.laws.fig12:claims"),
    render=step("corlouer2026.laws.plot:render_fig12", plot=config["plot"]),
    section="App. K, Fig. 12",
)
