"""numba's on-disk cache of the engine's kernels, invalidated by any change to the engine's source files.

numba stamps a cached kernel with the hash of the one file that defines it, but the kernels here inline functions and
intrinsics of other engine modules (pcg64.py's normals, lanes.py's products): after an edit to pcg64.py, _euler_chunk
in deep_linear.py would load its old machine code, silently. The locators below stamp every kernel defined in this
package with the hash of all the package's .py files instead, so an edit to any of them recompiles all its kernels.
Imported by the package's __init__ before any kernel module, since numba picks a kernel's locator when it is decorated.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba.core import caching

_PACKAGE = Path(__file__).resolve().parent


def engine_source_stamp(package: Path = _PACKAGE) -> str:
    """sha256 of the engine package's .py files, in name order."""
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class _EngineStamp:
    """Mixin: the engine-wide stamp for kernels defined in this package; other functions are left to numba's locators."""

    def get_source_stamp(self):
        return engine_source_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != _PACKAGE:
            return None
        return super().from_function(py_func, py_file)


class _UserProvidedEngineLocator(_EngineStamp, caching.UserProvidedCacheLocator):
    """NUMBA_CACHE_DIR set: numba's folder for it, the engine's stamp."""


class _InTreeEngineLocator(_EngineStamp, caching.InTreeCacheLocator):
    """The package's __pycache__, the engine's stamp."""


def install() -> None:
    """Put the engine's locators ahead of numba's own (once)."""
    classes = caching.CacheImpl._locator_classes
    for locator in (_InTreeEngineLocator, _UserProvidedEngineLocator):  # the user's NUMBA_CACHE_DIR first, as numba's order
        if locator not in classes:
            classes.insert(0, locator)
