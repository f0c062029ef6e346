"""sgdnoise.codehash on a synthetic package written into tmp_path (independent of the real sgdnoise modules).

Each edit is made on a copy of the package, and the hashes of the original and the copy are compared.
"""

import importlib.util
import re
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

# Loaded from this checkout's file (not whichever sgdnoise is installed) and without importing the package.
_PATH = Path(__file__).resolve().parents[1] / "src" / "sgdnoise" / "codehash.py"
_spec = importlib.util.spec_from_file_location("_codehash_under_test", _PATH)
codehash = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(codehash)
code_hash, dependencies = codehash.code_hash, codehash.dependencies

FILES = {
    "__init__.py": '''
        """Top package."""
        import warnings

        VERSION = "1"
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        ''',
    "theory.py": '''
        """Closed forms."""
        import math
        from os.path import join

        import numpy as np

        SCALE = 2.0
        OFFSET = 1.0


        def helper(x):
            """Scales x."""
            return x * SCALE


        def shifted(x):
            return x + OFFSET


        def unused(x):
            return math.sqrt(np.abs(x)) + len(join("a", "b"))
        ''',
    "sub/__init__.py": '''
        from .kern import kernel
        ''',
    "sub/kern.py": '''
        import functools


        def deco(f):
            return functools.wraps(f)(f)


        def _inner(x):
            return x + 1


        def _middle(x):
            return _inner(x) * 2


        @deco
        def kernel(x):
            return _middle(x)
        ''',
    "stages.py": '''
        """Stages."""
        from dataclasses import dataclass

        import numpy as np

        from . import theory
        from .theory import helper as h

        SHOWN = 0
        DEFAULT_N = 3
        LABELS = ("a", "b")


        @dataclass
        class Config:
            n: int = DEFAULT_N

            def doubled(self):
                """Twice n."""
                return 2 * self.n


        def show(x):
            return x + SHOWN


        def other(x):
            return theory.shifted(x)


        def run(x, n=DEFAULT_N):
            from .sub import kernel  # imported where used

            return kernel(h(x)) + n


        def describe(module):
            return module.__name__


        def everything():
            return describe(theory)


        def unreached():
            return np.zeros(3)
        ''',
    "backend.py": '''
        import matplotlib

        matplotlib.use("Agg")
        ''',
    "plot.py": '''
        import os

        from . import backend  # noqa: F401  (selects the backend)
        from .stages import LABELS

        os.environ.setdefault("A", "1")


        def plot():
            return list(LABELS)
        ''',
    "absolute.py": '''
        import pkg.sub.kern
        import pkg.theory as th
        from pkg.theory import shifted


        def combined(x):
            return th.helper(x) + pkg.sub.kern._middle(x) + shifted(x)
        ''',
    "compat.py": '''
        import sys

        if sys.version_info >= (3, 0):
            LIMIT = 10
        else:
            LIMIT = 20

        try:
            from .theory import helper as scale
        except ImportError:
            def scale(x):
                return x


        def limited(x):
            return min(scale(x), LIMIT)
        ''',
    "ping.py": '''
        from .pong import pong


        def ping(n):
            return pong(n - 1) if n else 0
        ''',
    "pong.py": '''
        from .ping import ping


        def pong(n):
            return ping(n - 1) if n else 1
        ''',
    # a re-export cycle that never reaches a definition
    "loop_a.py": '''
        from .loop_b import x


        def f():
            return x
        ''',
    "loop_b.py": '''
        from .loop_a import x
        ''',
}


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "original" / "pkg"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip())
    return root


def edited(root, rel, *edits):
    """A copy of the package with `rel` edited: each edit is (old, new), old must occur."""
    copy = Path(tempfile.mkdtemp(dir=root.parent.parent)) / "pkg"
    shutil.copytree(root, copy)
    text = (copy / rel).read_text()
    for old, new in edits:
        assert old in text, (rel, old)
        text = text.replace(old, new)
    (copy / rel).write_text(text)
    return copy


def changed(root, target, rel, *edits):
    return code_hash(target, root) != code_hash(target, edited(root, rel, *edits))


def test_constant_changes_its_users_only(root):
    assert changed(root, "pkg.stages:show", "stages.py", ("SHOWN = 0", "SHOWN = 1"))
    assert not changed(root, "pkg.stages:other", "stages.py", ("SHOWN = 0", "SHOWN = 1"))
    # in a default argument and in a dataclass field default
    assert changed(root, "pkg.stages:run", "stages.py", ("DEFAULT_N = 3", "DEFAULT_N = 4"))
    assert changed(root, "pkg.stages:Config", "stages.py", ("DEFAULT_N = 3", "DEFAULT_N = 4"))
    # through `from .theory import helper as h` and through `theory.shifted`
    assert changed(root, "pkg.stages:run", "theory.py", ("SCALE = 2.0", "SCALE = 3.0"))
    assert changed(root, "pkg.stages:other", "theory.py", ("x + OFFSET", "x - OFFSET"))


def test_helper_two_calls_deep_through_reexport(root):
    # run -> (local import) pkg.sub -> (re-export) pkg.sub.kern.kernel -> _middle -> _inner
    assert changed(root, "pkg.stages:run", "sub/kern.py", ("return x + 1", "return x + 2"))
    assert changed(root, "pkg.stages:run", "sub/kern.py", ("return functools.wraps(f)(f)", "return f"))  # decorator


def test_imported_constant(root):
    assert changed(root, "pkg.plot:plot", "stages.py", ('LABELS = ("a", "b")', 'LABELS = ("a", "c")'))


def test_comments_blank_lines_and_docstrings_change_nothing(root):
    edits = {
        "theory.py": [('"""Closed forms."""', '"""Closed forms, reworded."""'), ('"""Scales x."""', '"""Scales."""'),
                      ("    return x * SCALE", "    # why\n\n    return x*SCALE  # times\n")],
        "stages.py": [('"""Twice n."""', '"""Two n."""'), ("SHOWN = 0", "SHOWN = 0  # shown\n\n\n")],
        "sub/kern.py": [("def _inner(x):", "def _inner(x):\n    '''Adds one.'''")],
    }
    targets = ["pkg.stages:run", "pkg.stages:show", "pkg.stages:Config", "pkg.stages:everything"]
    for rel, file_edits in edits.items():
        copy = edited(root, rel, *file_edits)
        assert [code_hash(t, copy) for t in targets] == [code_hash(t, root) for t in targets], rel


def test_unreached_code_changes_nothing(root):
    for target in ["pkg.stages:run", "pkg.stages:show", "pkg.stages:other", "pkg.plot:plot"]:
        assert not changed(root, target, "theory.py", ("np.abs(x)", "np.abs(-x)"))
        assert not changed(root, target, "stages.py", ("np.zeros(3)", "np.ones(3)"))


def test_bare_module_alias_pulls_in_the_whole_module(root):
    deps = dependencies("pkg.stages:everything", root)
    assert {f"pkg.theory:{n}" for n in ["SCALE", "OFFSET", "helper", "shifted", "unused"]} <= set(deps)
    assert changed(root, "pkg.stages:everything", "theory.py", ("np.abs(x)", "np.abs(-x)"))


def test_outside_names_are_ignored(root):
    assert dependencies("pkg.theory:unused", root) == ["pkg.theory:unused", "pkg:<module>"]


def test_module_level_statements_are_hashed(root):
    assert "pkg.plot:<module>" in dependencies("pkg.plot:plot", root)
    assert changed(root, "pkg.plot:plot", "plot.py", ('setdefault("A", "1")', 'setdefault("A", "2")'))
    # in a module imported only for its side effect, and in the parent package
    assert changed(root, "pkg.plot:plot", "backend.py", ('use("Agg")', 'use("pdf")'))
    assert changed(root, "pkg.theory:unused", "__init__.py", ('filterwarnings("ignore"', 'filterwarnings("error"'))
    assert not changed(root, "pkg.theory:unused", "__init__.py", ('VERSION = "1"', 'VERSION = "2"'))


def test_names_bound_in_module_level_blocks(root):
    assert dependencies("pkg.compat:limited", root) == [
        "pkg.compat:<module>", "pkg.compat:LIMIT", "pkg.compat:limited", "pkg.compat:scale",
        "pkg.theory:SCALE", "pkg.theory:helper", "pkg:<module>"]
    assert changed(root, "pkg.compat:limited", "theory.py", ("SCALE = 2.0", "SCALE = 3.0"))


def test_cycles_terminate(root):
    assert dependencies("pkg.ping:ping", root) == ["pkg.ping:ping", "pkg.pong:pong", "pkg:<module>"]
    assert changed(root, "pkg.ping:ping", "pong.py", ("else 1", "else 2"))
    assert dependencies("pkg.loop_a:f", root) == ["pkg.loop_a:f", "pkg:<module>"]


def test_dependencies_listed(root):
    assert dependencies("pkg.stages:run", root) == [
        "pkg.stages:DEFAULT_N", "pkg.stages:run",
        "pkg.sub.kern:_inner", "pkg.sub.kern:_middle", "pkg.sub.kern:deco", "pkg.sub.kern:kernel",
        "pkg.theory:SCALE", "pkg.theory:helper", "pkg:<module>"]
    # absolute imports: `import pkg.theory as th`, `from pkg.theory import shifted`, `pkg.sub.kern._middle`
    assert dependencies("pkg.absolute:combined", root) == [
        "pkg.absolute:combined", "pkg.sub.kern:_inner", "pkg.sub.kern:_middle",
        "pkg.theory:OFFSET", "pkg.theory:SCALE", "pkg.theory:helper", "pkg.theory:shifted", "pkg:<module>"]


def test_in_place_edit_is_seen(root):
    before = code_hash("pkg.stages:show", root)
    path = root / "stages.py"
    path.write_text(path.read_text().replace("SHOWN = 0", "SHOWN = 10"))
    assert code_hash("pkg.stages:show", root) != before


def test_lookup_errors(root):
    with pytest.raises(LookupError, match=re.escape(str(root / "nope.py"))):
        code_hash("pkg.nope:f", root)
    with pytest.raises(LookupError) as error:
        code_hash("pkg.stages:missing", root)
    assert str(error.value) == f"pkg.stages:missing: no function or class 'missing' in {root / 'stages.py'}"


def test_default_package_root_is_its_own_package():
    digest = code_hash("sgdnoise.codehash:code_hash")
    assert re.fullmatch("[0-9a-f]{16}", digest)
    assert digest == code_hash("sgdnoise.codehash:code_hash", _PATH.parent)
    assert {"sgdnoise.codehash:code_hash", "sgdnoise.codehash:_walk"} <= set(dependencies("sgdnoise.codehash:code_hash"))
