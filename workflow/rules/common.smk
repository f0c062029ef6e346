# Helpers shared by all rule files: validated config, parameter points, seed blocks, step parameters.
import os

import sgdnoise.config
from sgdnoise import io as sgd_io

_validated = sgdnoise.config.load(config, workflow.source_path("../schemas/config.schema.yaml"))
config.clear()
config.update(_validated)

# One BLAS thread per job (inherited by every job process): parallelism comes from jobs and seed blocks.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

wildcard_constraints:
    sweep=r"spectrum|input_dimension|theory_curve",
    N=r"\d+",
    P=r"\d+",
    first=r"\d+",
    last=r"\d+",
    case=r"iid|wishart|random_labels",
    sampling=r"with|without",
    variance=r"[0-9.e+-]+",

# Library files behind the single-layer stages of Gross Sec. II (Figs. 2, 3, 4, 6, Table 1), beside the stage function.
SEC2_DATA = ("experiments/gross2024_single_layer.py", "data.py", "seeding.py", "theory/gross2024_single_layer.py")
SEC2_ENGINE = ("experiments/gross2024_single_layer.py", "engine/__init__.py", "engine/single_layer.py", "engine/recording.py", "statistics.py", "seeding.py",
               "theory/gross2024_single_layer.py")
SEC2_THEORY = ("theory/gross2024_single_layer.py", "statistics.py")


def step(function, *, source=(), **kwargs):
    """Params of a rule: the library function to call ("module:function", relative to sgdnoise), its keyword
    arguments, and a hash of its source and of the library files in `source` (the code that determines the
    rule's numbers), so that editing that code, and only that code, reruns the rule."""
    function = f"sgdnoise.{function}"
    return {"function": function, "kwargs": kwargs, "code": sgd_io.source_hash(function, source)}


def seed_blocks(n_seeds, seeds_per_job):
    """[(first, last), ...]: consecutive seeds simulated together in one training job."""
    return [(s, min(s + seeds_per_job, n_seeds) - 1) for s in range(0, n_seeds, seeds_per_job)]
