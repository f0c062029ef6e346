"""Workflow configuration: scale overrides, JSON-schema validation with defaults, one schema file per section.

Every error names the offending key, e.g. "config key runs.gross2024_fig3.learning_rate: -0.1 is less than or
equal to the minimum of 0", and is raised before Snakemake builds the DAG.
"""

from __future__ import annotations

import copy
import functools
import math
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

SCHEMA_BASE = "file:///sgdnoise/schemas/"  # a base for relative $refs between the files; nothing is fetched


class ConfigError(ValueError):
    pass


def deep_merge(base: dict, overrides: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_yaml(path: str | Path) -> dict:
    """The YAML file `path` as a dict; a syntax error names the file, line and column (Snakemake's own message
    names none)."""
    try:
        loaded = yaml.safe_load(Path(path).read_text())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigError(f"{path}, line {mark.line + 1}, column {mark.column + 1}: YAML syntax error: {error.problem or error.context}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: a config file must be a YAML mapping of sections, not {type(loaded).__name__}")
    return loaded


# jsonschema and referencing are imported by the functions that validate: every stage job imports this module (for
# ConfigError, through its figure package's checks) and would otherwise pay 0.1 s for a validator it never runs.
def _strict_integers(validator_class):
    """Integers are ints: 8.0 where an integer belongs is refused (JSON Schema counts it as an integer), so a
    seed count or step number never reaches numpy as a float; booleans are not numbers."""
    import jsonschema
    checker = validator_class.TYPE_CHECKER.redefine_many({
        "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool),
        "number": lambda _, value: isinstance(value, (int, float)) and not isinstance(value, bool),
    })
    return jsonschema.validators.extend(validator_class, type_checker=checker)


def _with_defaults(validator_class):
    """A validator that fills in `default` values from the schema while validating (as Snakemake does)."""
    import jsonschema
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _schemas(schema_dir: Path) -> referencing.Registry:
    """Every schema file below `schema_dir`, addressable by its relative path, so that files join by $ref
    (e.g. "../definitions.schema.yaml#/$defs/positive_int" from gross2024/fig3.schema.yaml). Read once per
    directory and file state: every section is validated at every scale, each time against the whole registry."""
    files = sorted(Path(schema_dir).rglob("*.schema.yaml"))
    return _registry(tuple((str(path), path.stat().st_mtime_ns) for path in files), str(schema_dir))


@functools.lru_cache(maxsize=16)
def _registry(files: tuple, schema_dir: str) -> referencing.Registry:
    import referencing
    import referencing.jsonschema
    schema_dir = Path(schema_dir)
    resources = []
    for path in (Path(name) for name, _ in files):
        uri = SCHEMA_BASE + path.relative_to(schema_dir).as_posix()
        contents = {"$id": uri, **yaml.safe_load(path.read_text())}
        resources.append((uri, referencing.Resource.from_contents(contents, default_specification=referencing.jsonschema.DRAFT202012)))
    return referencing.Registry().with_resources(resources)


def _non_finite(instance, path=()):
    """Key path of the first inf or nan in `instance` (no schema bound refuses nan: every comparison is false)."""
    if isinstance(instance, float) and not math.isfinite(instance):
        return path
    items = instance.items() if isinstance(instance, dict) else enumerate(instance) if isinstance(instance, list) else ()
    for key, value in items:
        found = _non_finite(value, (*path, key))
        if found is not None:
            return found
    return None


def _coerce_overrides(instance, overrides, validator) -> None:
    """Snakemake hands nested `--config` values over as strings (engine={threads: 2} gives '2'): parse those strings
    as YAML where the schema expects another type, only at the paths the command line set."""
    for _ in range(100):
        changed = False
        for error in validator.iter_errors(instance):
            path = list(error.absolute_path)
            if error.validator != "type" or not isinstance(error.instance, str) or not _has_path(overrides, path):
                continue
            parsed = yaml.safe_load(error.instance)
            if not isinstance(parsed, str):
                node = instance
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = parsed
                changed = True
                break
        if not changed:
            return


def _has_path(tree, path) -> bool:
    for key in path:
        if not isinstance(tree, Mapping) or key not in tree:
            return False
        tree = tree[key]
    return True


def validate(instance, schema_dir: str | Path, schema_file: str, key: tuple = (), overrides: dict | None = None) -> None:
    """Validate `instance` (config key `key`) against `schema_file`, filling in its defaults in place. `overrides`:
    the command line's --config values at the same level, whose strings are parsed by the schema's types."""
    import jsonschema
    found = _non_finite(instance)
    if found is not None:
        raise ConfigError(f"config key {_key(list(key) + list(found))}: {_at(instance, found)} is not a finite number")
    registry = _schemas(Path(schema_dir))
    schema = registry.contents(SCHEMA_BASE + schema_file)
    validator = _with_defaults(_strict_integers(jsonschema.Draft202012Validator))(schema, registry=registry)
    if overrides:
        _coerce_overrides(instance, overrides, validator)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        error = jsonschema.exceptions.best_match([errors[0]])  # into oneOf/anyOf: the alternative that came closest
        path = list(key) + list(error.absolute_path)
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            raise ConfigError(f"config key {_key(path + unknown[:1])}: unknown key (allowed: {', '.join(sorted(error.schema['properties']))})")
        raise ConfigError(f"config key {_key(path)}: {error.message}")


def _at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


# Scales other than full, each with its block of overrides at the bottom of config.yaml: quick (tests, CI) and paper
# (the papers' literal settings, hours of compute, meant for a cluster).
SCALES = ("quick", "paper")


def _scale_key(error: ConfigError, scale: str, overrides: dict) -> ConfigError:
    """An error in the config of `scale`, reported under <scale>.<key> when that scale's block set the key."""
    message = str(error)
    prefix = "config key "
    if message.startswith(prefix):
        key = message[len(prefix):].split(":", 1)[0]
        path = [int(k) if k.isdigit() else k for k in key.split(".")]
        if _has_path(overrides, path):
            return ConfigError(f"{prefix}{scale}.{message[len(prefix):]}")
    return ConfigError(f"{message} (at scale={scale}, with the {scale}: overrides)")


def _scaled(config: dict) -> dict[str, dict]:
    """{scale: the config with that scale's overrides merged in} for every scale block."""
    return {scale: deep_merge(config, config.get(scale) or {}) for scale in SCALES}


def load(config: dict, schema_dir: str | Path, overrides: dict | None = None, check=None) -> dict:
    """The config after applying the overrides of its scale (the `quick:` or `paper:` block; none at full), with the
    shared sections (config.schema.yaml: scale, seeds, engine, plot, datasets, runs) validated, their defaults filled
    in, then `check(config)` (the run catalogue's cross-field checks). Figure sections are validated by section() as
    their rule files are read. The config of every scale is validated and checked whatever the scale, so a typo
    under quick: stops a full run too, named quick.<key>. `overrides`: the command line's --config values (their
    strings are parsed by type)."""
    config = copy.deepcopy(config)
    validate(config, schema_dir, "config.schema.yaml", overrides=overrides)
    if check is not None:
        check(config)
    scaled = _scaled(config)
    for scale, merged in scaled.items():
        try:
            validate(merged, schema_dir, "config.schema.yaml")
            if check is not None:
                check(merged)
        except ConfigError as error:
            raise _scale_key(error, scale, config.get(scale) or {}) from None
    return scaled.get(config.get("scale", "full"), config)


def section(config: dict, name: str, schema_dir: str | Path, schema_file: str, check=None) -> dict:
    """Validate the figure section config[name] against its own schema (defaults filled in), then run the figure's
    `check(section, config)` for what the schema cannot express; then the same for the section with every other
    scale's overrides (errors named <scale>.<key>). Returns the section."""
    if name not in config:
        raise ConfigError(f"config key {name}: missing (the section of workflow/schemas/{schema_file})")
    validate(config[name], schema_dir, schema_file, key=(name,))
    if check is not None:
        check(config[name], config)
    for scale, merged in _scaled(config).items():
        if scale == config.get("scale", "full"):
            continue  # config is already that scale's
        try:
            validate(merged[name], schema_dir, schema_file, key=(name,))
            if check is not None:
                check(merged[name], merged)
        except ConfigError as error:
            raise _scale_key(error, scale, config.get(scale) or {}) from None
    return config[name]


def check_sections(config: dict, known) -> None:
    """Every top-level key is a shared or a registered figure section: catches a misspelt section name."""
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ConfigError(f"config key {unknown[0]}: unknown section (allowed: {', '.join(sorted(known))})")


def main(argv: list[str]) -> int:
    """`python -m sgdnoise.config [snakemake arguments]`: check the YAML syntax of config.yaml and of every
    --configfile before Snakemake reads them (./reproduce calls it)."""
    files, reading = ["config.yaml"], False
    for arg in argv:
        if arg.startswith("--configfile=") or arg.startswith("--configfiles="):
            files.append(arg.split("=", 1)[1])
        elif arg in ("--configfile", "--configfiles"):
            reading = True
        elif reading and not arg.startswith("-"):
            files.append(arg)
        else:
            reading = False
    for path in files:
        try:
            check_yaml(path)
        except FileNotFoundError:
            print(f"config file {path}: not found", file=sys.stderr)
            return 2
        except ConfigError as error:
            print(error, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
