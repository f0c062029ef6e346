"""Thin adapter between a Snakemake rule and the library: call params.step["function"] with the rule's named
inputs and outputs (as keyword arguments) and params.step["kwargs"], logging to the rule's log (a failure's
traceback included, so that it is in the log on a cluster too). Its last line times the import of the step's module
and the step function itself, which sgdnoise.workflow_cost sets against the job's wall time (in logs only, never in
results)."""

import contextlib
import importlib
import inspect
import time
import traceback

start = time.perf_counter()

smk = snakemake  # noqa: F821 (injected by Snakemake)


def files(named):
    return {name: (str(v) if isinstance(v, str) else [str(x) for x in v]) for name, v in named.items()}


with open(smk.log[0], "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
    try:
        step = smk.params.step
        module, function = step["function"].split(":")
        target = getattr(importlib.import_module(module), function)
        imported = time.perf_counter()
        kwargs = {**files(smk.input), **files(smk.output), **step["kwargs"]}
        if "provenance" in inspect.signature(target).parameters:  # what produced a NetCDF file, in its attributes
            kwargs["provenance"] = {"rule": smk.rule, "function": step["function"], "parameters": step["kwargs"], "code_hash": step["code"]}
        target(**kwargs)
        print(f"step timing: import {imported - start:.3f} s, function {time.perf_counter() - imported:.3f} s")
    except BaseException:
        traceback.print_exc()  # into the log, while stderr still points there
        raise
