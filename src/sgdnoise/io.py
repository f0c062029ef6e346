"""NetCDF input/output: lossless compression, provenance attributes, atomic writes."""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
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


class DamagedFileError(OSError):
    """An intermediate that exists but cannot be read, or whose content differs from its stored checksum."""


class DiskFullError(OSError):
    pass


DAMAGED_LIST = ".damaged"  # results/.damaged: intermediates verify removed; rule all asks for them again
CHECKSUM_SUFFIX = ".sha256"  # beside every intermediate: .<name>.sha256, the checksum of its bytes when written


def _checksum_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{CHECKSUM_SUFFIX}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


UNSPECIFIED = "unspecified"  # the units of a variable whose stage did not state them (README, "Outputs")


def described(ds: xr.Dataset) -> xr.Dataset:
    """`ds` with a long_name and units on every data variable: those its stage gave, else the variable's name and
    "unspecified", so that a reader sees what is undocumented instead of nothing (spawn keys need no units)."""
    ds = ds.copy()
    for name, var in ds.data_vars.items():
        var.attrs.setdefault("long_name", name.replace("_", " "))
        if not name.endswith("spawn_key"):
            var.attrs.setdefault("units", UNSPECIFIED)
    return ds


def describe(ds: xr.Dataset, descriptions: dict[str, tuple[str | None, str]]) -> xr.Dataset:
    """Set, in place, the long_name and units of the data variables of `ds` named in `descriptions` ({name: (long_name,
    units)}; a long_name of None keeps the variable's own). Names that `ds` does not hold are skipped. Returns `ds`."""
    for name, (long_name, units) in descriptions.items():
        if name in ds.data_vars:
            if long_name is not None:
                ds[name].attrs["long_name"] = long_name
            ds[name].attrs["units"] = units
    return ds


def keep_variable_attrs(target: xr.Dataset, sources) -> xr.Dataset:
    """In place: every data variable of `target` gets the attributes it lacks from the first of the datasets `sources`
    holding it (those that a concat or merge with combine_attrs="drop", or drop_attrs(), removed). Returns `target`."""
    sources = list(sources)
    for name in target.data_vars:
        for source in sources:
            if name in source.data_vars:
                for key, value in source[name].attrs.items():
                    target[name].attrs.setdefault(key, value)
                break
    return target


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write `ds` with zlib compression to a temporary name beside `path`, then rename atomically, and store the
    checksum of its bytes beside it (`./reproduce verify` compares them).

    A job killed mid-write leaves only the temporary file (removed by the next attempt), never a truncated file
    under the final name. A full disk is reported with the path, the free space and the size needed, not as
    netCDF's "HDF error"."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = described(ds)
    for stale in path.parent.glob(f".{path.name}.tmp*"):  # left by a job killed mid-write (SIGKILL skips `finally`)
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    encoding = {name: {"zlib": True, "complevel": 4, "shuffle": True} for name, var in ds.variables.items() if var.dtype.kind in "fiu" and var.ndim > 0}
    try:
        try:
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
            checksum = _sha256(tmp)
            _checksum_path(path).write_text(checksum + "\n")
        except (OSError, RuntimeError) as error:
            free = shutil.disk_usage(path.parent).free
            if getattr(error, "errno", None) == errno.ENOSPC or free < ds.nbytes + (1 << 20):
                raise DiskFullError(errno.ENOSPC, f"no space left on the device of {path.parent}: {free / 1e6:.3g} MB free, "
                                    f"this file needs up to {ds.nbytes / 1e6:.3g} MB uncompressed", str(path)) from error
            raise OSError(f"writing {path}: {error}") from error
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def made_by(path: str | os.PathLike) -> str:
    """The Snakemake rule that wrote `path` (from .snakemake/metadata in the working directory), or 'unknown'."""
    record = Path(".snakemake", "metadata", base64.b64encode(os.fspath(path).encode()).decode())
    try:
        return json.loads(record.read_text())["rule"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Load a whole file into memory and close it (files are small; avoids lingering HDF5 handles). A damaged file
    (truncated, overwritten, not NetCDF) raises DamagedFileError naming it, its rule and how to regenerate it."""
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except FileNotFoundError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise DamagedFileError(f"{path}: damaged, not a readable NetCDF file ({type(error).__name__}: {error}). It is made by rule "
                               f"{made_by(path)}: run `./reproduce verify` (removes every damaged intermediate) or delete it, "
                               "then rerun, and Snakemake makes it and what depends on it again") from error


def verify(root: str | os.PathLike = "results", remove: bool = True) -> tuple[list[Path], list[Path]]:
    """(damaged, unverified) intermediates under `root`. Damaged: bytes that differ from the checksum stored when
    the file was written, or no checksum and not readable as NetCDF; with `remove`, they are deleted (with their
    checksums) and listed in <root>/.damaged, which rule all reads: the next run makes them again (Snakemake alone
    would not, since what depends on them is up to date), then what depends on them (newer input). Unverified: readable
    files without a checksum (written before checksums existed), kept."""
    damaged, unverified = [], []
    for path in sorted(Path(root).rglob("*.nc")):
        stored = _checksum_path(path)
        if stored.exists():
            bad = stored.read_text().strip() != _sha256(path)
        else:
            try:
                open_dataset(path)
                bad = False
                unverified.append(path)
            except DamagedFileError:
                bad = True
        if bad:
            damaged.append(path)
            if remove:
                path.unlink()
                stored.unlink(missing_ok=True)
    if remove and damaged:  # the next run's targets (Snakefile, rule all): a removed intermediate is made again
        listed = Path(root, DAMAGED_LIST)
        known = set(listed.read_text().split()) if listed.exists() else set()
        listed.write_text("".join(f"{p}\n" for p in sorted(known | {str(p) for p in damaged})))
    return damaged, unverified


def main(argv: list[str]) -> int:
    """`python -m sgdnoise.io verify [root] [--dry-run]` (./reproduce verify)."""
    if not argv or argv[0] != "verify":
        print("usage: python -m sgdnoise.io verify [results-dir] [--dry-run]", file=sys.stderr)
        return 2
    root = next((a for a in argv[1:] if not a.startswith("-")), "results")
    dry = "--dry-run" in argv
    total = sum(1 for _ in Path(root).rglob("*.nc"))
    damaged, unverified = verify(root, remove=not dry)
    for path in damaged:
        print(f"damaged: {path} (made by rule {made_by(path)})" + ("" if dry else ": removed"))
    for path in unverified:
        print(f"unverified: {path} has no stored checksum (written by an older version); kept")
    print(f"verify: {total} intermediates checked, {len(damaged)} damaged, {len(unverified)} without checksum"
          + ("; the next run regenerates the damaged ones" if damaged and not dry else ""))
    return 0


def stack_points(points: list[xr.Dataset], *, dim: str = "point", lift: tuple[str, ...] = (), labels=None, **concat_options) -> xr.Dataset:
    """Datasets of parameter points concatenated along `dim`, numbered 0, 1, ... (or named by `labels`); the scalar
    coordinates named in `lift` (N, P, ...) become coordinates along `dim`."""
    lifted = {name: (dim, [p[name].item() for p in points], dict(points[0][name].attrs)) for name in lift}
    stacked = xr.concat([p.drop_vars(list(lift)) for p in points], dim=dim, **concat_options)
    return stacked.assign_coords({dim: np.arange(len(points)) if labels is None else list(labels), **lifted})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
