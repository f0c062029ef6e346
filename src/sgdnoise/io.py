"""NetCDF input/output: lossless compression, provenance attributes, atomic writes."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__

_PACKAGES = ("numpy", "scipy", "numba", "xarray", "netCDF4")


def config_hash(section) -> str:
    """Short hash of a (JSON-serialisable) config section: identifies the parameters behind a file."""
    return hashlib.sha256(json.dumps(section, sort_keys=True).encode()).hexdigest()[:16]


def git_commit() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def provenance(config_section, **extra) -> dict[str, str]:
    """Attributes every intermediate carries. No wall-clock time, so reruns are byte-identical."""
    attrs = {
        "sgdnoise_version": __version__,
        "git_commit": git_commit(),
        "config_hash": config_hash(config_section),
        "config": json.dumps(config_section, sort_keys=True),
        "package_versions": json.dumps({p: metadata.version(p) for p in _PACKAGES}, sort_keys=True),
    }
    attrs.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()})
    return attrs


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write `ds` with zlib compression to a temporary name beside `path`, then rename atomically.

    A job killed mid-write leaves only the temporary file (removed by the next attempt), never a
    truncated file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.tmp*"):  # left by a job killed mid-write (SIGKILL skips `finally`)
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    encoding = {name: {"zlib": True, "complevel": 4, "shuffle": True} for name, var in ds.variables.items() if var.dtype.kind in "fiu" and var.ndim > 0}
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Load a whole file into memory and close it (files are small; avoids lingering HDF5 handles)."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return ds.load()


def source_hash(function: str, relative_paths=()) -> str:
    """Hash of the code behind a rule: the called function's source ("sgdnoise.module:name") and whole
    library files (paths relative to the package). Snakemake tracks params, not imported modules, so a
    rule carrying this in its params reruns when that code changes, and only then.

    The function is found by parsing its module's file, not by importing it: the workflow evaluates this
    for every rule at start-up (on a cluster, in every job), and importing the stages would load numba and
    scipy each time."""
    module, name = function.split(":")
    package = Path(__file__).resolve().parent
    path = package.joinpath(*module.split(".")[1:]).with_suffix(".py")
    text = path.read_text()
    definition = next((node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name == name), None)
    if definition is None:
        raise LookupError(f"{function}: no function {name!r} in {path}")
    digest = hashlib.sha256(ast.get_source_segment(text, definition).encode())
    for rel in sorted(set(relative_paths)):
        digest.update(rel.encode() + b"\0" + (package / rel).read_bytes())
    return digest.hexdigest()[:16]


def stack_points(points: list[xr.Dataset], *, dim: str = "point", lift: tuple[str, ...] = (), labels=None, **concat_options) -> xr.Dataset:
    """Datasets of parameter points concatenated along `dim`, numbered 0, 1, ... (or named by `labels`); the scalar
    coordinates named in `lift` (N, P, ...) become coordinates along `dim`."""
    lifted = {name: (dim, [p[name].item() for p in points], dict(points[0][name].attrs)) for name in lift}
    stacked = xr.concat([p.drop_vars(list(lift)) for p in points], dim=dim, **concat_options)
    return stacked.assign_coords({dim: np.arange(len(points)) if labels is None else list(labels), **lifted})
