# The run catalogue (config.yaml datasets and runs): one rule per dynamics family produces every entry of that
# family, and figures read the files by name (dataset_file, run_files). Library: sgdnoise.gross2024.runs,
# sgdnoise.corlouer2026.runs, sgdnoise.gross2024.two_layer_runs, sgdnoise.extensions.deep_ivfr.runs.


rule teacher_student_data:
    """Realizations of one dataset point (Gross Eq. 2.1) and their minimum-norm solutions w* (Eq. 2.7)."""
    output:
        output=dataset_file("{dataset}", "{point}"),
    log:
        logs("teacher_student_data", "{dataset}/{point}"),
    benchmark:
        benchmarks("teacher_student_data", "{dataset}/{point}")
    wildcard_constraints:
        dataset=one_of(DATASETS),
        point=sgdnoise.catalogue.POINT_PATTERN,
    params:
        step=lambda w: step("gross2024.runs:make_data", sgdnoise.catalogue.data_kwargs(DATASETS[w.dataset], w.point, config["seeds"]["data"])),
    script:
        RUN_STEP


rule engine_kernels:
    """The numba kernels of one family compiled into numba's on-disk cache before the training jobs that call them
    (a fresh clone compiles each once, and two concurrent jobs never compile the same kernel)."""
    input:
        lambda w: [results(f"engine/{family}.txt") for family in sgdnoise.catalogue.KERNEL_PREREQUISITES.get(w.family, ())],
    output:
        output=results("engine/{family}.txt"),
    log:
        logs("engine_kernels", "{family}"),
    benchmark:
        benchmarks("engine_kernels", "{family}")
    wildcard_constraints:
        family="deep_linear_records|deep_linear_sgd|deep_linear_euler|deep_linear_flow|deep_linear_offline|two_layer|single_layer",
    params:
        step=lambda w: step(f"engine.warmup:compile_{w.family}"),  # a function per family: its code hash is that family's code
    script:
        RUN_STEP


def kernel_stamp(w):
    """Unnamed input of a training job: its kernel family's compile stamp. Its rule's code hash covers the same engine
    code as the training's, so an engine edit reruns the stamp exactly where it reruns the training. (Not ancient():
    Snakemake then ignored changed params of the training jobs.)"""
    return results(f"engine/{sgdnoise.catalogue.kernel_family(RUNS[w.run])}.txt")


def point_dataset_file(w):
    """Input of a training job on a Gross dataset whose run point names its dataset point (two-layer, deep-dataset runs)."""
    return dataset_file(RUNS[w.run]["dataset"], sgdnoise.catalogue.run_point(RUNS[w.run], DATASETS, w.point)["dataset_label"])


rule single_layer_sgd:
    """Minibatch SGD (Gross Eq. 2.11) for one block of seeds of one point of a run: a stationary window or a log-time trace."""
    input:
        kernel_stamp,
        data_path=lambda w: dataset_file(RUNS[w.run]["dataset"], w.point),
    output:
        output=results("runs/{run}/{point}/seeds{first}-{last}.nc"),
    log:
        logs("single_layer_sgd", "{run}/{point}/seeds{first}-{last}"),
    benchmark:
        benchmarks("single_layer_sgd", "{run}/{point}/seeds{first}-{last}")
    wildcard_constraints:
        run=one_of(sgdnoise.catalogue.runs_of("single_layer_sgd", RUNS)),
        point=sgdnoise.catalogue.POINT_PATTERN,
        first=r"\d+",
        last=r"\d+",
    threads: config["engine"]["threads"]
    params:
        step=lambda w: step(*sgdnoise.catalogue.train_step(RUNS[w.run], DATASETS, w.point, int(w.first), int(w.last), config["seeds"], config["engine"])),
    script:
        RUN_STEP


use rule single_layer_sgd as deep_linear with:
    input:
        kernel_stamp,  # and no data file: deep linear runs draw their data online (GD: its fixed dataset, inside the job)
    log:
        logs("deep_linear", "{run}/{point}/seeds{first}-{last}"),
    benchmark:
        benchmarks("deep_linear", "{run}/{point}/seeds{first}-{last}")
    wildcard_constraints:
        run=one_of(sgdnoise.catalogue.runs_of("deep_linear", RUNS)),
        point=sgdnoise.catalogue.POINT_PATTERN,
        first=r"\d+",
        last=r"\d+",


use rule single_layer_sgd as two_layer with:
    input:
        kernel_stamp,
        data_path=point_dataset_file,
    log:
        logs("two_layer", "{run}/{point}/seeds{first}-{last}"),
    benchmark:
        benchmarks("two_layer", "{run}/{point}/seeds{first}-{last}")
    wildcard_constraints:
        run=one_of(sgdnoise.catalogue.runs_of("two_layer", RUNS)),
        point=sgdnoise.catalogue.POINT_PATTERN,
        first=r"\d+",
        last=r"\d+",


use rule single_layer_sgd as deep_linear_dataset with:
    input:
        kernel_stamp,
        data_path=point_dataset_file,
    log:
        logs("deep_linear_dataset", "{run}/{point}/seeds{first}-{last}"),
    benchmark:
        benchmarks("deep_linear_dataset", "{run}/{point}/seeds{first}-{last}")
    wildcard_constraints:
        run=one_of(sgdnoise.catalogue.runs_of("deep_linear_dataset", RUNS)),
        point=sgdnoise.catalogue.POINT_PATTERN,
        first=r"\d+",
        last=r"\d+",
