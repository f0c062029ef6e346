"""The engine's kernels are cached under a stamp of every engine source file (engine/kernel_cache.py): numba's own stamp
hashes only the defining file, so an edit to pcg64.py would leave deep_linear.py's cached kernels, which inline it, stale."""

import shutil

from sgdnoise.engine import deep_linear, kernel_cache


def test_an_engine_kernel_is_stamped_with_the_whole_engine():
    locator = deep_linear._euler_chunk._cache._impl.locator
    assert isinstance(locator, kernel_cache._EngineStamp)
    assert locator.get_source_stamp() == kernel_cache.engine_source_stamp()


def test_the_stamp_changes_with_any_engine_file(tmp_path):
    package = tmp_path / "engine"
    shutil.copytree(kernel_cache._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = kernel_cache.engine_source_stamp(package)
    assert kernel_cache.engine_source_stamp(package) == before  # a stamp, not a clock
    (package / "pcg64.py").write_text((package / "pcg64.py").read_text() + "\n# an edit\n")
    assert kernel_cache.engine_source_stamp(package) != before


def test_functions_outside_the_engine_keep_numbas_locators():
    def outside():
        return 1

    assert kernel_cache._InTreeEngineLocator.from_function(outside, __file__) is None
