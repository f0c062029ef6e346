"""Workflow configuration: scale overrides, JSON-schema validation with defaults, one schema file per section.

Every error names the offending key, e.g. "config key runs.gross2024_fig3.learning_rate: -0.1 is less than or
equal to the minimum of 0", and is raised before Snakemake builds the DAG.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema
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


def _with_defaults(validator_class):
    """A validator that fills in `default` values from the schema while validating (as Snakemake does)."""
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
    (e.g. "../definitions.schema.yaml#/$defs/positive_int" from gross2024/fig3.schema.yaml)."""
    resources = []
    for path in sorted(schema_dir.rglob("*.schema.yaml")):
        uri = SCHEMA_BASE + path.relative_to(schema_dir).as_posix()
        contents = {"$id": uri, **yaml.safe_load(path.read_text())}
        resources.append((uri, referencing.Resource.from_contents(contents, default_specification=referencing.jsonschema.DRAFT202012)))
    return referencing.Registry().with_resources(resources)


def validate(instance, schema_dir: str | Path, schema_file: str, key: tuple = ()) -> None:
    """Validate `instance` (config key `key`) against `schema_file`, filling in its defaults in place."""
    registry = _schemas(Path(schema_dir))
    schema = registry.contents(SCHEMA_BASE + schema_file)
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema, registry=registry)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        path = list(key) + list(error.absolute_path)
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            raise ConfigError(f"config key {_key(path + unknown[:1])}: unknown key (allowed: {', '.join(sorted(error.schema['properties']))})")
        raise ConfigError(f"config key {_key(path)}: {error.message}")


def load(config: dict, schema_dir: str | Path) -> dict:
    """The config after applying the `quick` overrides when scale == quick, with the shared sections (config.schema.yaml:
    scale, seeds, engine, plot, datasets, runs) validated and their defaults filled in. Figure sections are
    validated by section() as their rule files are read."""
    config = copy.deepcopy(config)
    if config.get("scale", "full") == "quick":
        config = deep_merge(config, config.get("quick") or {})
    validate(config, schema_dir, "config.schema.yaml")
    return config


def section(config: dict, name: str, schema_dir: str | Path, schema_file: str, check=None) -> dict:
    """Validate the figure section config[name] against its own schema (defaults filled in), then run the figure's
    `check(section, config)` for what the schema cannot express. Returns the section."""
    if name not in config:
        raise ConfigError(f"config key {name}: missing (the section of workflow/schemas/{schema_file})")
    validate(config[name], schema_dir, schema_file, key=(name,))
    if check is not None:
        check(config[name], config)
    return config[name]


def check_sections(config: dict, known) -> None:
    """Every top-level key is a shared or a registered figure section: catches a misspelt section name."""
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ConfigError(f"config key {unknown[0]}: unknown section (allowed: {', '.join(sorted(known))})")
