"""Workflow configuration: scale overrides, JSON-schema validation with defaults, semantic checks.

Every error names the offending key, e.g. "config key gross2024_fig5.learning_rate: -0.1 is less than or
equal to the minimum of 0", and is raised before Snakemake builds the DAG.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import numpy as np
import yaml


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


def load(config: dict, schema_path: str | Path) -> dict:
    """Return the validated config with defaults, after applying `quick` overrides when scale == quick."""
    config = copy.deepcopy(config)
    if config.get("scale", "full") == "quick":
        config = deep_merge(config, config.get("quick") or {})
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            key = _key(list(error.absolute_path) + unknown[:1])
            raise ConfigError(f"config key {key}: unknown key (allowed: {', '.join(sorted(error.schema['properties']))})")
        raise ConfigError(f"config key {_key(error.absolute_path)}: {error.message}")
    _check_gross2024_fig5(config["gross2024_fig5"])
    _check_gross2024_sec2(config)
    return config


def _check_gross2024_fig5(section: dict) -> None:
    if section["learning_rate"] not in section["continuum_error_learning_rates"]:
        raise ConfigError(f"config key gross2024_fig5.continuum_error_learning_rates: must contain learning_rate = {section['learning_rate']}")
    S = section["batch_size"]
    for sweep, point in gross2024_fig5_points(section):
        if S > point["P"]:
            raise ConfigError(f"config key gross2024_fig5.batch_size: {S} is larger than the number of samples P = {point['P']} of sweep {sweep}")
    for sweep in ("spectrum", "input_dimension"):
        settings = sweep_settings(section, sweep)
        if settings["min_measure_steps"] > settings["max_measure_steps"]:
            raise ConfigError(f"config key gross2024_fig5.{sweep}.min_measure_steps: {settings['min_measure_steps']} exceeds max_measure_steps {settings['max_measure_steps']}")
    N = section["spectrum"]["N"]
    for ratio in section["spectrum"]["P_over_N"]:
        if abs(ratio * N - round(ratio * N)) > 1e-9:
            raise ConfigError(f"config key gross2024_fig5.spectrum.P_over_N: {ratio} x N = {ratio * N} is not a whole number of samples")


_RUN_KEYS = ("n_seeds", "seeds_per_job", "initial_weights", "burn_in_relaxation_times", "measure_relaxation_times", "min_measure_steps", "max_measure_steps")


def sweep_settings(section: dict, sweep: str) -> dict:
    """Experiment-level run settings overridden by the sweep's own."""
    return {key: section[sweep].get(key, section.get(key)) for key in _RUN_KEYS if key in section or key in section[sweep]}


def gross2024_fig5_points(section: dict) -> list[tuple[str, dict]]:
    """All (sweep, {N, P}) parameter points of Fig. 5, in a fixed order."""
    points = []
    spectrum = section["spectrum"]
    points += [("spectrum", {"N": spectrum["N"], "P": int(round(r * spectrum["N"]))}) for r in spectrum["P_over_N"]]
    sweep = section["input_dimension"]
    points += [("input_dimension", {"N": N, "P": sweep["P"]}) for N in sweep["N"]]
    curve = section["theory_curve"]
    grid = curve["P_over_N_minus_1"]
    Ps = sorted({int(round(curve["N"] * (1 + x))) for x in np.geomspace(grid["start"], grid["stop"], grid["num"])})
    points += [("theory_curve", {"N": curve["N"], "P": P}) for P in Ps if P > curve["N"]]
    return points


def _whole_samples(key: str, ratios, N: int) -> None:
    for ratio in ratios:
        if abs(ratio * N - round(ratio * N)) > 1e-9:
            raise ConfigError(f"config key {key}: {ratio} x N = {ratio * N} is not a whole number of samples (N = {N})")


def _check_gross2024_sec2(config: dict) -> None:
    """Semantic checks of the Figs. 2, 3, 4, 6 and Table 1 sections that the schema cannot express."""
    fig2 = config["gross2024_fig2"]
    for N in fig2["projector"]["N"]:
        _whole_samples("gross2024_fig2.projector.P_over_N", fig2["projector"]["P_over_N"], N)
    if min(fig2["noise_matrix"]["P"]) <= fig2["noise_matrix"]["N"]:
        raise ConfigError(f"config key gross2024_fig2.noise_matrix.P: K is zero unless P > N = {fig2['noise_matrix']['N']}")
    fig3 = config["gross2024_fig3"]
    _whole_samples("gross2024_fig3.P_over_N", fig3["P_over_N"], fig3["N"])
    for key in ("sgd_P_over_N", "hessian_P_over_N"):
        missing = sorted(set(fig3[key]) - set(fig3["P_over_N"]))
        if missing:
            raise ConfigError(f"config key gross2024_fig3.{key}: {missing} not in gross2024_fig3.P_over_N")
    if fig3["heatmap_P_over_N"] not in fig3["P_over_N"]:
        raise ConfigError(f"config key gross2024_fig3.heatmap_P_over_N: {fig3['heatmap_P_over_N']} not in gross2024_fig3.P_over_N")
    fig4 = config["gross2024_fig4"]
    if max(fig4["modes"]) >= fig4["N"]:
        raise ConfigError(f"config key gross2024_fig4.modes: mode {max(fig4['modes'])} does not exist for N = {fig4['N']}")
    if fig4["N"] >= fig4["P"]:
        raise ConfigError(f"config key gross2024_fig4.N: {fig4['N']} must be below P = {fig4['P']} (no relaxation to a noisy state otherwise)")
    for case, settings in config["gross2024_fig6"]["cases"].items():
        if settings["N"] >= settings["P"]:
            raise ConfigError(f"config key gross2024_fig6.cases.{case}.N: {settings['N']} must be below P = {settings['P']} (no fluctuations otherwise)")
    table1 = config["gross2024_table1"]
    if sum(N < table1["P"] for N in table1["N"]) != 1:
        raise ConfigError(f"config key gross2024_table1.N: {table1['N']} needs one N below and one above P = {table1['P']}")
    for name, section in (("gross2024_fig3", fig3), ("gross2024_fig4", fig4), ("gross2024_fig6", config["gross2024_fig6"]), ("gross2024_table1", table1)):
        smallest = min(point["P"] for point in sec2_points(name, section))
        if section["batch_size"] > smallest:
            raise ConfigError(f"config key {name}.batch_size: {section['batch_size']} is larger than the number of samples P = {smallest}")


def sec2_points(experiment: str, section: dict) -> list[dict]:
    """Parameter points of a single-layer SGD experiment (Figs. 3, 4, 6, Table 1), in a fixed order:
    fig3 {N, P, simulated}; fig4 {N, P}; fig6 {case, N, P, ...case settings}; table1 {N, P, label_noise_variance}."""
    if experiment == "gross2024_fig3":
        N = section["N"]
        return [{"N": N, "P": int(round(r * N)), "simulated": r in section["sgd_P_over_N"]} for r in section["P_over_N"]]
    if experiment == "gross2024_fig4":
        return [{"N": section["N"], "P": section["P"]}]
    if experiment == "gross2024_fig6":
        keys = ("n_seeds", "seeds_per_job")
        return [{"case": case, **{k: section[k] for k in keys}, **settings} for case, settings in section["cases"].items()]
    if experiment == "gross2024_table1":
        return [{"N": N, "P": section["P"], "label_noise_variance": v} for N in section["N"] for v in section["label_noise_variance"]]
    raise ValueError(f"unknown experiment {experiment}")
