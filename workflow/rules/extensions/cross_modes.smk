# Issue 18, item 4: cross modes against the modewise reduction (Corlouer et al. 2026, Prop. 3.5, Fig. 6). Config section
# extensions_cross_modes (schema extensions/cross_modes.schema.yaml). Library: sgdnoise.extensions.cross_modes (checks,
# summary with the 1-D modewise SDE, claims), .cross_modes_plot.
import sgdnoise.extensions.cross_modes as cross_modes

XCROSS = figure_section("extensions_cross_modes", "extensions/cross_modes.schema.yaml", cross_modes.check_config)


rule extensions_cross_modes_summary:
    """Per case (a full-network SDE run) and mode: learning time and diffusion peak of the network, of the 1-D modewise SDE
    (integrated here) and of Eq. 5, and the cross-mode amplitude at the peak."""
    input: run_paths=[path for run in XCROSS["runs"] for path in run_files(run, run_labels(run)[0])]
    output: output=results("extensions_cross_modes/summary.nc")
    log: logs("extensions_cross_modes_summary", "summary")
    benchmark: benchmarks("extensions_cross_modes_summary", "summary")
    params:
        step=step("extensions.cross_modes:summarize",
                  cases=[cross_modes.case_parameters(run, RUNS[run], len(run_files(run, run_labels(run)[0]))) for run in XCROSS["runs"]],
                  reference_fraction=XCROSS["reference_fraction"], learned_fraction=XCROSS["learned_fraction"], replicas=XCROSS["replicas"],
                  sgd_seed=config["seeds"]["sgd"]),
    script: RUN_STEP


register(
    "extensions", "extensions_cross_modes", inputs={"summary_path": rules.extensions_cross_modes_summary.output.output},
    claims=step("extensions.cross_modes:claims", fit_depth=XCROSS["fit_depth"], small_error=XCROSS["small_error"]),
    render=step("extensions.cross_modes_plot:render", fit_depth=XCROSS["fit_depth"], plot=config["plot"]),
    section="Cross modes against the modewise reduction",
)
