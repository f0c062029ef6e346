"""Damaged intermediates and a full disk: named, never left half-written, regenerated on the next run."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sgdnoise import io


def example(n=10):
    return xr.Dataset({"a": ("x", np.arange(float(n)))})


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def record_rule(path: str, rule: str) -> None:
    """Snakemake's metadata record of `path`, as a run leaves it (.snakemake/metadata/<base64 of the path>)."""
    metadata = Path(".snakemake/metadata")
    metadata.mkdir(parents=True, exist_ok=True)
    (metadata / base64.b64encode(path.encode()).decode()).write_text(json.dumps({"rule": rule}))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_intermediate_is_named_with_its_rule(workdir, damage):
    path = "results/gross2024_fig5/spectrum/N20_P40/statistics.nc"
    io.write_netcdf(example(), path)
    record_rule(path, "gross2024_fig5_statistics")
    size = Path(path).stat().st_size
    with open(path, "r+b") as f:
        if damage == "truncate":
            f.truncate(size // 2)
        elif damage == "garbage":
            f.write(b"\0garbage" * 16)
        else:
            f.truncate(0)
    with pytest.raises(io.DamagedFileError) as error:
        io.open_dataset(path)
    message = str(error.value)
    assert message.startswith(f"{path}: damaged") and "made by rule gross2024_fig5_statistics" in message and "./reproduce verify" in message
    with pytest.raises(FileNotFoundError):  # a missing file is not "damaged"
        io.open_dataset("results/missing.nc")


def test_verify_removes_exactly_the_damaged_intermediates(workdir):
    paths = [f"results/x/{name}.nc" for name in ("good", "flipped", "unchecked", "unchecked_truncated")]
    for path in paths:
        io.write_netcdf(example(), path)
    with open(paths[1], "r+b") as f:  # one byte changed: perhaps still readable, but not the file written
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 1]))
    for path in paths[2:]:  # as written before checksums existed: judged by whether they read
        Path(path).with_name(f".{Path(path).name}.sha256").unlink()
    with open(paths[3], "r+b") as f:
        f.truncate(100)
    assert io.verify("results", remove=False) == ([Path(paths[1]), Path(paths[3])], [Path(paths[2])])
    assert all(Path(p).exists() for p in paths)
    result = subprocess.run([sys.executable, "-m", "sgdnoise.io", "verify", "results"], capture_output=True, text=True, check=True)
    assert "verify: 4 intermediates checked, 2 damaged, 1 without checksum; the next run regenerates the damaged ones" in result.stdout
    assert f"damaged: {paths[1]} (made by rule unknown): removed" in result.stdout
    assert [Path(p).exists() for p in paths] == [True, False, True, False]
    assert Path("results/.damaged").read_text().split() == [paths[1], paths[3]]  # the next run's targets
    assert io.verify("results") == ([], [Path(paths[2])])


def test_rewriting_a_file_updates_its_checksum(workdir):
    io.write_netcdf(example(10), "results/a.nc")
    io.write_netcdf(example(20), "results/a.nc")
    assert io.verify("results", remove=False) == ([], [])
    assert sorted(p.name for p in Path("results").iterdir()) == [".a.nc.sha256", "a.nc"]  # no temporary file left


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_is_named_with_path_and_cause(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("tmpfs mount not permitted here")
    try:
        big = xr.Dataset({"a": ("x", np.random.default_rng(0).normal(size=100_000))})  # 0.8 MB, incompressible
        with pytest.raises(io.DiskFullError) as error:
            io.write_netcdf(big, mount / "results" / "big.nc")
        assert f"no space left on the device of {mount / 'results'}" in str(error.value) and "0.8 MB" in str(error.value)
        assert list((mount / "results").iterdir()) == []  # neither the file, nor its temporary, nor a checksum
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_undescribed_variables_are_written_as_unspecified(tmp_path):
    """A stage that gives no long_name or units gets its variable's name and "unspecified", never nothing."""
    import xarray as xr

    from sgdnoise import io as sio

    ds = xr.Dataset({"mode_amplitude": ("t", [1.0, 2.0]), "loss": ("t", [0.5, 0.4], {"long_name": "training loss", "units": "1"}),
                     "sgd_spawn_key": ("k", [1, 2])})
    sio.write_netcdf(ds, tmp_path / "x.nc")
    written = xr.open_dataset(tmp_path / "x.nc")
    assert written.mode_amplitude.attrs == {"long_name": "mode amplitude", "units": "unspecified"}
    assert written.loss.attrs == {"long_name": "training loss", "units": "1"} and "units" not in written.sgd_spawn_key.attrs
    assert "units" not in ds.mode_amplitude.attrs  # the caller's dataset is not changed


def test_describe_and_keep_variable_attrs():
    """io.describe sets long_name and units of the named variables (None keeps the long_name); io.keep_variable_attrs
    gives back the attributes a concat with combine_attrs="drop" removed, without overriding those the result has."""
    import xarray as xr

    from sgdnoise import io as sio

    part = xr.Dataset({"rate": ("t", [1.0], {"long_name": "decay rate"}), "count": ("t", [3])})
    sio.describe(part, {"rate": (None, "1/time"), "count": ("record intervals", "count"), "absent": ("skipped", "1")})
    assert part.rate.attrs == {"long_name": "decay rate", "units": "1/time"} and part["count"].attrs == {"long_name": "record intervals", "units": "count"}
    stacked = xr.concat([part, part], dim="point", combine_attrs="drop")
    assert stacked.rate.attrs == {}
    stacked["count"].attrs["units"] = "intervals"
    sio.keep_variable_attrs(stacked, [part])
    assert stacked.rate.attrs == part.rate.attrs and stacked["count"].attrs == {"long_name": "record intervals", "units": "intervals"}
