# Corlouer et al. 2026, App. I, Fig. 6. Config section corlouer2026_fig6 (schema corlouer2026/fig6.schema.yaml).
# Library: sgdnoise.corlouer2026.balance (statistics from the recorded weights, shared with Figs. 7, 8), .fig6 (checks),
# .fig6.stages (claims), .fig6.plot. The statistics rule below serves every run that Figs. 6 and 7 name.
import sgdnoise.corlouer2026.fig6 as corlouer2026_fig6

C26_FIG6 = figure_section("corlouer2026_fig6", "corlouer2026/fig6.schema.yaml", corlouer2026_fig6.check_config)
C26_BALANCE_RUNS = sorted({*C26_FIG6["runs"].values(), *config["corlouer2026_fig7"]["runs"].values()})


def corlouer2026_balance_file(run):
    return results(f"corlouer2026_balance/{run}/statistics.nc")


rule corlouer2026_balance_statistics:
    """U^T W V, r_l and its numerator (Eq. 33), ||W_l||_F and D_ab (Prop. 3.3) of one run, from its recorded weights."""
    input: train_paths=lambda w: run_files(w.run, "default")
    output: output=corlouer2026_balance_file("{run}")
    log: logs("corlouer2026_balance_statistics", "{run}")
    benchmark: benchmarks("corlouer2026_balance_statistics", "{run}")
    wildcard_constraints: run=one_of(C26_BALANCE_RUNS)
    params:
        step=lambda w: step("corlouer2026.balance:balance_statistics", teacher_singular_values=RUNS[w.run]["teacher_singular_values"],
                            learning_rate=RUNS[w.run]["learning_rate"], batch_size=RUNS[w.run]["batch_size"],
                            label_noise_variance=RUNS[w.run]["label_noise_variance"], initialization=RUNS[w.run]["initialization"]),
    script: RUN_STEP


rule corlouer2026_fig6_summary:
    """The depths' cross modes and cross-mode diffusion along `case`."""
    input: statistics_paths=[corlouer2026_balance_file(run) for run in C26_FIG6["runs"].values()]
    output: output=results("corlouer2026_fig6/summary.nc")
    log: logs("corlouer2026_fig6_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig6_summary", "summary")
    params: step=step("corlouer2026.balance:stack_cases", labels=list(C26_FIG6["runs"]), variables=["modes", "cross_diffusion"])
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig6", inputs={"summary_path": rules.corlouer2026_fig6_summary.output.output},
    claims=step("corlouer2026.fig6.stages:claims", learned_band=C26_FIG6["learned_band"], small_threshold=C26_FIG6["small_threshold"],
                small_thresholds=C26_FIG6["small_thresholds"], named=C26_FIG6["named"]),
    render=step("corlouer2026.fig6.plot:render", learned_band=C26_FIG6["learned_band"], named=C26_FIG6["named"], plot=config["plot"]),
    section="App. I.1, Fig. 6",
)
