# Corlouer et al. 2026, Fig. 1 (Sec. 4). Config section corlouer2026_fig1 (schema corlouer2026/fig1.schema.yaml).
# Library: sgdnoise.corlouer2026.fig1 (checks), .stages (claims), .plot; statistics: corlouer2026.modewise (dynamics.smk).
import sgdnoise.corlouer2026.fig1 as corlouer2026_fig1

C26_FIG1 = figure_section("corlouer2026_fig1", "corlouer2026/fig1.schema.yaml", corlouer2026_fig1.check_config)
C26_FIG1_CASES = {"no_label_noise": (C26_FIG1["run"], C26_FIG1["point"]), "label_noise": (C26_FIG1["label_noise_run"], "default")}


rule corlouer2026_fig1_summary:
    """The run point without and with label noise along `point`."""
    input: statistics_paths=[corlouer2026_mode_file(*C26_FIG1_CASES[case]) for case in C26_FIG1_CASES]
    output: output=results("corlouer2026_fig1/summary.nc")
    log: logs("corlouer2026_fig1_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig1_summary", "summary")
    params: step=step("corlouer2026.modewise:stack_statistics", labels=list(C26_FIG1_CASES))
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig1", inputs={"summary_path": rules.corlouer2026_fig1_summary.output.output},
    claims=step("corlouer2026.fig1.stages:claims", decay_threshold=C26_FIG1["decay_threshold"], plateau_tolerance=C26_FIG1["plateau_tolerance"]),
    render=step("corlouer2026.fig1.plot:render", shown_seed=C26_FIG1["shown_seed"], plot=config["plot"]),
    section="Sec. 4, Fig. 1",
)
