# Corlouer et al. 2026, Prop. 5.2 (Sec. 5): stationary laws of every mode, several depths; table in the summary rule's CSV.
# Config section corlouer2026_prop52. Library: sgdnoise.corlouer2026.laws (checks), .prop52 (summary, claims), .plot.
import sgdnoise.corlouer2026.laws as laws

PROP52_LAWS = figure_section("corlouer2026_prop52", "corlouer2026/prop52.schema.yaml", laws.check_prop52)


def prop52_groups():
    """(files, groups): one group per run point, SGD runs at their only point, SDE runs at sde_dt."""
    files, groups = [], []
    for method in ("sgd", "sde"):
        for name in PROP52_LAWS[method]:
            run = RUNS[name]
            label = run_labels(name)[0] if method == "sgd" else laws.point_with_dt(run, PROP52_LAWS["sde_dt"])
            paths = run_files(name, label)
            files += paths
            groups.append(dict(method=run["method"], run=name, n_files=len(paths), depth=len(run["widths"]) - 1, learning_rate=run["learning_rate"],
                               batch_size=run["batch_size"], label_noise_variance=run["label_noise_variance"],
                               teacher_singular_values=run["teacher_singular_values"], burn_in=run["burn_in"],
                               step=run["learning_rate"] if method == "sgd" else PROP52_LAWS["sde_dt"]))
    return files, groups


rule corlouer2026_prop52_summary:
    """Mean, variance, peak of every mode of every run against (16), Eqs. 17, 18; the table as CSV beside the summary."""
    input: paths=prop52_groups()[0]
    output: output=results("corlouer2026_prop52/summary.nc"), table=results("corlouer2026_prop52/table.csv")
    log: logs("corlouer2026_prop52_summary", "summary")
    benchmark: benchmarks("corlouer2026_prop52_summary", "summary")
    params:
        step=step("corlouer2026.laws.prop52:summarize", groups=prop52_groups()[1], grid=PROP52_LAWS["grid"], one_d=PROP52_LAWS["one_d"],
                  key="corlouer2026_prop52", sgd_seed=config["seeds"]["sgd"]),
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_prop52", inputs={"summary_path": rules.corlouer2026_prop52_summary.output.output},
    claims=step("corlouer2026.laws.prop52:claims"),
    render=step("corlouer2026.laws.plot:render_prop52", plot=config["plot"]),
    section="Sec. 5, Prop. 5.2",
)
