# Corlouer et al. 2026, Fig. 3 (Sec. 4.1). Config section corlouer2026_fig3 (schema corlouer2026/fig3.schema.yaml).
# Library: sgdnoise.corlouer2026.fig3 (checks), corlouer2026.learning (statistics), .stages, .plot.
import sgdnoise.corlouer2026.checks
import sgdnoise.corlouer2026.fig3 as corlouer_fig3

CFIG3 = figure_section("corlouer2026_fig3", "corlouer2026/fig3.schema.yaml", corlouer_fig3.check_config)
# case -> (run, output width: 1 for the summed loss, d_L for the loss averaged over outputs)
CFIG3_CASES = {**{m: (r, 1) for m, r in CFIG3["runs"].items()}, "sde_half_dt": (CFIG3["half_dt"], 1),
               **{f"{m}_output_mean": (r, corlouer_fig3.output_width(config, CFIG3)) for m, r in CFIG3["output_mean"].items()}}


rule corlouer2026_fig3_statistics:
    """Mode amplitudes, learned bands, the empirical diffusion and Eq. 7 with their peaks, of one case's run."""
    input: run_paths=lambda w: run_files(CFIG3_CASES[w.case][0], run_labels(CFIG3_CASES[w.case][0])[0])
    output: output=results("corlouer2026_fig3/{case}/statistics.nc")
    log: logs("corlouer2026_fig3_statistics", "{case}")
    benchmark: benchmarks("corlouer2026_fig3_statistics", "{case}")
    wildcard_constraints: case=one_of(CFIG3_CASES)
    params:
        step=lambda w: step("corlouer2026.learning:mode_statistics",
                            sgdnoise.corlouer2026.checks.statistics_kwargs(RUNS[CFIG3_CASES[w.case][0]], CFIG3, CFIG3_CASES[w.case][1])),
    script: RUN_STEP


rule corlouer2026_fig3_summary:
    """The five cases along `case`."""
    input: statistics_paths=[results(f"corlouer2026_fig3/{case}/statistics.nc") for case in CFIG3_CASES]
    output: output=results("corlouer2026_fig3/summary.nc")
    log: logs("corlouer2026_fig3_summary", "summary")
    benchmark: benchmarks("corlouer2026_fig3_summary", "summary")
    params: step=step("corlouer2026.learning:stack_cases", cases=list(CFIG3_CASES))
    script: RUN_STEP


register(
    "corlouer2026", "corlouer2026_fig3", inputs={"summary_path": rules.corlouer2026_fig3_summary.output.output},
    claims=step("corlouer2026.fig3.stages:claims", paper_times=CFIG3["paper_times"], dt_change_limit=CFIG3["dt_change_limit"]),
    render=step("corlouer2026.fig3.plot:render", plot=config["plot"]),
    section="Sec. 4.1, Fig. 3",
)
