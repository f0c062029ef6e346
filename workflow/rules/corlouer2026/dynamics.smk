# Corlouer et al. 2026: mode statistics of the deep linear online-SGD runs, shared by Figs. 1, 9, 10, 11 (one file per
# run point, whichever figures read it). Config section corlouer2026_modes (schema corlouer2026/modes.schema.yaml).
# Library: sgdnoise.corlouer2026.modewise. Sorted before fig*.smk, which call corlouer2026_mode_file.
CORLOUER2026_MODES = figure_section("corlouer2026_modes", "corlouer2026/modes.schema.yaml")


def corlouer2026_mode_file(run, point):
    return results(f"corlouer2026_modes/{run}/{point}/statistics.nc")


def corlouer2026_mode_files(run):
    return [corlouer2026_mode_file(run, point) for point in run_labels(run)]


def corlouer2026_mode_kwargs(run, point):
    spec = RUNS[run]
    (p,) = [p for p in sgdnoise.catalogue.sweep_points(spec) if p["label"] == point]
    return dict(learning_rate=p["learning_rate"], batch_size=p["batch_size"], label_noise_variance=p["label_noise_variance"],
                depth=len(spec["widths"]) - 1, singular_values=spec["teacher_singular_values"], **CORLOUER2026_MODES)


rule corlouer2026_mode_statistics:
    """Crossing times, the diffusion recorded (Prop. 3.3) and realised (increment variance) against Eq. 7, pooled by amplitude."""
    input: run_paths=lambda w: run_files(w.run, w.point)
    output: output=corlouer2026_mode_file("{run}", "{point}")
    log: logs("corlouer2026_mode_statistics", "{run}/{point}")
    benchmark: benchmarks("corlouer2026_mode_statistics", "{run}/{point}")
    wildcard_constraints: run=one_of(sgdnoise.catalogue.runs_of("deep_linear", RUNS)), point=sgdnoise.catalogue.POINT_PATTERN
    params: step=lambda w: step("corlouer2026.modewise:mode_statistics", corlouer2026_mode_kwargs(w.run, w.point))
    script: RUN_STEP
