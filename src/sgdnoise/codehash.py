"""Hash of the library code that decides a rule's numbers, found by static analysis.

Each Snakemake rule puts ``code_hash("sgdnoise.<module>:<name>")`` in its params, so editing that code (and
only that code) reruns the rule. Source files are parsed with ``ast`` and never imported: importing would load
numba and scipy at workflow start-up.

From the target definition, every name it uses is resolved in its module: module-level functions, classes and
assignments are included and followed; imports from the same package (relative or absolute, at module level or
inside a function, re-exports through ``__init__.py`` too) are followed to the real definition; a module alias
used bare pulls in the whole module. Module-level statements that run on import (``matplotlib.use(...)``, an
``if``/``try`` block) are included once per module reached, as ``"<module>:<module>"``. Names from outside the
package and names that resolve to nothing (locals, parameters, builtins) are ignored.

What is hashed is ``ast.dump`` of each statement with docstrings removed, so comments, formatting and docstrings
do not change the hash while any code change does.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _Code(NamedTuple):
    dump: str  # ast.dump of the statement, docstrings removed
    uses: frozenset[tuple[str, ...]]  # names and attribute chains used: ("np",), ("theory", "helper")
    local: dict[str, list[tuple[str, str | None]]]  # imports inside the body: name -> [(module, attr)]


class _Module(NamedTuple):
    name: str
    path: str
    is_package: bool
    code: dict[str, list[_Code]]  # name -> every module-level def/class/assignment binding it
    imports: dict[str, list[tuple[str, str | None]]]  # name -> [(module, attr or None for the module itself)]
    stars: list[str]  # modules of `from .x import *`
    executable: list[_Code]  # statements other than definitions, imports and docstrings


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


class _Uses(ast.NodeVisitor):
    """Collects the names and attribute chains a statement uses, and the imports inside it."""

    def __init__(self) -> None:
        self.chains: set[tuple[str, ...]] = set()
        self.imports: list[ast.Import | ast.ImportFrom] = []

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.chains.add((node.id,))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain, base = [], node
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name):  # keep `alias.sub.attr` whole: it resolves through module aliases
            self.chains.add((base.id, *reversed(chain)))
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.imports.append(node)

    visit_ImportFrom = visit_Import


@functools.lru_cache(maxsize=None)
def _load(path: str, stamp: tuple[int, int], name: str) -> _Module:
    """Parses one module (cached per file version: `stamp` is its mtime and size)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    is_package = path.endswith("__init__.py")
    package = name if is_package else name.rpartition(".")[0]
    top = name.split(".")[0]

    def bound(node: ast.Import | ast.ImportFrom) -> list[tuple[str, tuple[str, str | None]]]:
        """(name bound, (module, attr)) for the imports from this package; others are outside it and ignored."""
        if isinstance(node, ast.Import):
            found = [a for a in node.names if a.name.split(".")[0] == top]
            # `import pkg.x` binds `pkg` and loads pkg.x: the dotted key, never looked up as a name, records that
            return [(a.asname, (a.name, None)) for a in found if a.asname] + [
                (n, (n, None)) for a in found if not a.asname for n in {top, a.name}]
        parts = package.split(".")
        if node.level > len(parts):
            return []
        base = ".".join(parts[:len(parts) - node.level + 1]) if node.level else node.module
        if node.level and node.module:
            base += "." + node.module
        return [(a.asname or a.name, (base, a.name)) for a in node.names if base.split(".")[0] == top]

    def code(stmt: ast.stmt) -> _Code:
        uses = _Uses()
        uses.visit(stmt)
        local: dict[str, list] = {}
        for node in uses.imports:
            for alias, target in bound(node):
                local.setdefault(alias, []).append(target)
        for node in ast.walk(stmt):  # docstrings removed (after collecting uses: they hold no names)
            if isinstance(node, _DEFS) and node.body and _is_docstring(node.body[0]):
                node.body = node.body[1:]
        return _Code(ast.dump(stmt), frozenset(uses.chains), local)

    module = _Module(name, path, is_package, {}, {}, [], [])

    def scan(block: list[ast.stmt], top_level: bool) -> None:
        for stmt in block:
            targets = (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                       if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else None)
            names = _assigned(targets) if targets is not None else None
            if isinstance(stmt, _DEFS):
                module.code.setdefault(stmt.name, []).append(code(stmt))
            elif names is not None:
                entry = code(stmt)
                for n in names:
                    module.code.setdefault(n, []).append(entry)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias, target in bound(stmt):
                    if alias == "*":
                        module.stars.append(target[0])
                    else:
                        module.imports.setdefault(alias, []).append(target)
            elif not _is_docstring(stmt):
                if top_level:  # a whole `if`/`try` block runs on import: one executable statement
                    module.executable.append(code(stmt))
                # names bound inside module-level blocks are still module-level names
                blocks = [getattr(stmt, f, []) for f in ("body", "orelse", "finalbody")]
                blocks += [h.body for h in getattr(stmt, "handlers", [])] + [c.body for c in getattr(stmt, "cases", [])]
                for sub in blocks:
                    scan(sub, False)

    scan(tree.body, True)
    return module


def _assigned(targets: list[ast.expr]) -> list[str] | None:
    """Names bound by assignment targets, or None when one is not a plain name (`x[0] = `, `obj.a = `)."""
    names = []
    for t in targets:
        if isinstance(t, ast.Name):
            names.append(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)) and (inner := _assigned(t.elts)) is not None:
            names += inner
        elif isinstance(t, ast.Starred) and (inner := _assigned([t.value])) is not None:
            names += inner
        else:
            return None
    return names


class _Walk:
    """One traversal from a target: `entries` maps "module:name" to the dumps hashed for it."""

    def __init__(self, root: Path, top: str) -> None:
        self.root, self.top = root, top
        self.entries: dict[str, str] = {}
        self.seen: set = set()  # (module, chain) resolved so far: makes import and call cycles terminate

    def files(self, name: str) -> list[Path]:
        sub = self.root.joinpath(*name.split(".")[1:])
        return ([] if name == self.top else [sub.with_name(sub.name + ".py")]) + [sub / "__init__.py"]

    def module(self, name: str) -> _Module | None:
        if name.split(".")[0] != self.top:
            return None
        for path in self.files(name):
            if path.is_file():
                st = path.stat()
                return _load(str(path), (st.st_mtime_ns, st.st_size), name)
        return None

    def include(self, mod: _Module, key: str, codes: list[_Code]) -> None:
        key = f"{mod.name}:{key}"
        if codes and key not in self.entries:
            self.entries[key] = "\n".join(c.dump for c in codes)
            for c in codes:
                for target in (t for ts in c.local.values() for t in ts):  # run when the function runs
                    self.touch(target)
                for chain in c.uses:
                    self.resolve(mod, chain)
                    for target in c.local.get(chain[0], []):  # an import inside the body binds it there
                        self.imported(target, chain[1:])

    def reached(self, mod: _Module) -> None:
        """A module reached is imported: its executable statements run, and so do those of its parent packages
        and of the package modules it imports at module level (whether or not their names are used)."""
        if ("<module>", mod.name) not in self.seen:
            self.seen.add(("<module>", mod.name))
            self.include(mod, "<module>", mod.executable)
            if parent := self.module(mod.name.rpartition(".")[0]):
                self.reached(parent)
            for target in [t for ts in mod.imports.values() for t in ts] + [(s, None) for s in mod.stars]:
                self.touch(target)

    def touch(self, target: tuple[str, str | None]) -> None:
        """Marks the modules that `from name import attr` (or `import name`) loads as reached."""
        name, attr = target
        for mod in (self.module(name), attr and self.module(f"{name}.{attr}")):
            if mod:
                self.reached(mod)

    def resolve(self, mod: _Module, chain: tuple[str, ...]) -> None:
        """Resolves `chain` (a name and the attributes taken on it) in the namespace of `mod`."""
        if (mod.name, chain) in self.seen:
            return
        self.seen.add((mod.name, chain))
        self.reached(mod)
        stars = [m for m in map(self.module, mod.stars) if m]
        if not chain:  # a module used bare (passed on, getattr-ed): everything it defines or re-exports
            for n in [*mod.code, *mod.imports]:
                self.resolve(mod, (n,))
            for star in stars:
                self.resolve(star, ())
            return
        name, rest = chain[0], chain[1:]
        self.include(mod, name, mod.code.get(name, []))  # attributes of a definition: the definition
        for target in mod.imports.get(name, []):
            self.imported(target, rest)
        if name not in mod.code and name not in mod.imports:
            sub = self.module(f"{mod.name}.{name}") if mod.is_package else None
            if sub:  # `pkg.sub.f` after `import pkg.sub`: submodules are attributes of their package
                self.resolve(sub, rest)
            for star in stars:
                self.resolve(star, chain)

    def imported(self, target: tuple[str, str | None], rest: tuple[str, ...]) -> None:
        # `from name import attr` is `attr` looked up in module `name`: a definition, a re-export or (when
        # `name` does not bind it) its submodule; `import name` (attr None) is a module alias
        name, attr = target
        if mod := self.module(name):
            self.resolve(mod, (attr, *rest) if attr else rest)


def _walk(target: str, package_root: str | os.PathLike | None) -> dict[str, str]:
    root = Path(package_root) if package_root is not None else Path(__file__).resolve().parent
    name, _, attr = target.partition(":")
    walk = _Walk(root, name.split(".")[0])
    mod = walk.module(name)
    if mod is None:
        raise LookupError(f"{target}: no module {name!r}: looked for {' and '.join(map(str, walk.files(name)))}")
    if attr not in mod.code and attr not in mod.imports:
        raise LookupError(f"{target}: no function or class {attr!r} in {mod.path}")
    walk.resolve(mod, (attr,))
    return walk.entries


def dependencies(target: str, package_root: str | os.PathLike | None = None) -> list[str]:
    """Sorted "module:name" of every definition reached from `target` ("module:<module>" for module-level
    statements); code_hash hashes exactly these."""
    return sorted(_walk(target, package_root))


def code_hash(target: str, package_root: str | os.PathLike | None = None) -> str:
    """16 hex chars. target = "sgdnoise.gross2024.fig4:train" (dotted module path starting with the top package
    name, colon, a module-level function or class name); package_root = the top package's directory (default:
    the one holding this file)."""
    entries = _walk(target, package_root)
    digest = hashlib.sha256()
    for key in sorted(entries):
        digest.update(f"{key}\n{entries[key]}\n".encode())
    return digest.hexdigest()[:16]
