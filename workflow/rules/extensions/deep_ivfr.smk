# Beyond Gross et al. 2024 (Sec. IV): the rank deficiency of the stationary weight covariance and the IVFR exponent psi per
# layer of deep linear networks with one output. Config section extensions_deep_ivfr (schema extensions/deep_ivfr.schema.yaml).
# Library: sgdnoise.extensions.deep_ivfr (checks), .stages, .plot. deep_linear_dataset runs (depth x init_scale);
# their depth-2 points are checked against the two-layer engine's run of the same streams.
import sgdnoise.extensions.deep_ivfr as deep_ivfr

DEEP_IVFR = figure_section("extensions_deep_ivfr", "extensions/deep_ivfr.schema.yaml", deep_ivfr.check_config)
DEEP_IVFR_RUN = RUNS[DEEP_IVFR["runs"][0]]  # learning rate, batch and dataset: shared by the runs (checked)
DEEP_IVFR_POINTS = [p | {"run": name} for name in DEEP_IVFR["runs"] for p in sgdnoise.catalogue.run_points(RUNS[name], DATASETS)]


def deep_ivfr_two_layer_files():
    """The two-layer run's files at the streams of the depth-2 points (same key and stream point): the engine cross-check."""
    name = DEEP_IVFR["two_layer_run"]
    if name is None:
        return []
    labels = set(run_labels(name))
    return [f for p in DEEP_IVFR_POINTS if p["depth"] == 2 and p["stream_point"] in labels and RUNS[p["run"]]["key"] == RUNS[name]["key"]
            for f in run_files(name, p["stream_point"])]


rule extensions_deep_ivfr_summary:
    """Per point and seed: each layer's covariance spectrum and rank against the linearised theory, and psi per layer."""
    input:
        train_paths=[f for p in DEEP_IVFR_POINTS for f in run_files(p["run"], p["label"])],
        data_paths=sorted({dataset_file(DEEP_IVFR_RUN["dataset"], p["dataset_label"]) for p in DEEP_IVFR_POINTS}),
        two_layer_paths=deep_ivfr_two_layer_files(),
        two_layer_summary_paths=[results("gross2024_ivfr/summary.nc")] if DEEP_IVFR["two_layer_run"] == config["gross2024_ivfr"]["run"] else [],
    output: output=results("extensions_deep_ivfr/summary.nc")
    log: logs("extensions_deep_ivfr_summary", "summary")
    benchmark: benchmarks("extensions_deep_ivfr_summary", "summary")
    params:
        step=step("extensions.deep_ivfr.stages:summarize", learning_rate=DEEP_IVFR_RUN["learning_rate"], batch_size=DEEP_IVFR_RUN["batch_size"],
                  minibatch_replacement=DEEP_IVFR_RUN["minibatch_replacement"], label_noise_variance=DEEP_IVFR_POINTS[0]["label_noise_variance"],
                  rank_threshold=DEEP_IVFR["rank_threshold"], small_ratio=DEEP_IVFR["small_ratio"], comparable_ratio=DEEP_IVFR["comparable_ratio"],
                  min_modes=DEEP_IVFR["min_modes"]),
    script: RUN_STEP


register(
    "extensions", "extensions_deep_ivfr", inputs={"summary_path": rules.extensions_deep_ivfr_summary.output.output},
    claims=step("extensions.deep_ivfr.stages:claims", range_share=DEEP_IVFR["range_share"]),
    render=step("extensions.deep_ivfr.plot:render", plot=config["plot"]),
    section="Gross Sec. IV, deeper networks",
)
