"""Corlouer et al. 2026, Sec. 5 and App. K: end-of-training laws of the mode amplitudes (Figs. 4, 5, 12, Prop. 5.2).

One package for the four figures because they share the run readers, the end-of-training samples and their statistics
(common.py) and the stationary densities (16) built from the three drift forms (printed Eqs. 6 / 14 / App. E, the corrected
Ito drift, the coupled one); one stages module per figure (fig4, fig5, fig12, prop52) and plot.py. This file holds the
config checks only (read at DAG build: no numerical imports)."""

from ...catalogue import DEEP_LINEAR_FAMILY, check_run
from ...config import ConfigError


def _check(section: dict, config: dict, name: str, key: str, methods: tuple[str, ...], label_noise: bool | None = None) -> dict:
    run = check_run(config, f"{name}.{key}", section[key], DEEP_LINEAR_FAMILY)
    if run["method"] not in methods:
        raise ConfigError(f"config key {name}.{key}: run {section[key]!r} has method {run['method']!r}, this figure needs one of {methods}")
    if label_noise is not None and (run.get("label_noise_variance", 0.0) > 0) != label_noise:
        raise ConfigError(f"config key {name}.{key}: run {section[key]!r} must {'' if label_noise else 'not '}have label noise")
    return run


def _check_dt(run: dict, dt: float, key: str) -> None:
    values = run["dt"] if isinstance(run["dt"], list) else [run["dt"]]
    if dt not in values:
        raise ConfigError(f"config key {key}: {dt} is not one of the run's dt values {values}")


def check_recorded(run: dict, name: str, times: list[float], key: str) -> None:
    """Every time of `times` is a record time of the run (a multiple of its trace interval up to its horizon)."""
    bad = [t for t in times if t > run["horizon"] or abs(t / run["trace_interval"] - round(t / run["trace_interval"])) > 1e-9 * max(1.0, t)]
    if bad:
        raise ConfigError(f"config key {key}: {bad} are not record times of run {name!r} (trace_interval {run['trace_interval']}, horizon {run['horizon']})")


def check_fig4(section: dict, config: dict) -> None:
    runs = {key: _check(section, config, "corlouer2026_fig4", key, (method,), False)
            for key, method in (("sgd", "online_sgd"), ("sde", "sde"), ("langevin", "langevin"), ("langevin_matched", "langevin_matched"))}
    _check_dt(runs["sde"], section["sde_dt"], "corlouer2026_fig4.sde_dt")
    for key, run in runs.items():
        check_recorded(run, section[key], section["end_of_training"], "corlouer2026_fig4.end_of_training")


def check_fig5(section: dict, config: dict) -> None:
    run = _check(section, config, "corlouer2026_fig5", "sgd", ("online_sgd",), True)
    if len(run["widths"]) != 3:
        raise ConfigError("config key corlouer2026_fig5.sgd: the figure draws the L = 2 densities; the run must have depth 2")


def check_fig12(section: dict, config: dict) -> None:
    for key, noisy in (("without_label_noise", False), ("with_label_noise", True)):
        run = _check(section, config, "corlouer2026_fig12", key, ("sde",), noisy)
        if not isinstance(run["dt"], list) or len(run["dt"]) < 3:
            raise ConfigError(f"config key corlouer2026_fig12.{key}: run {section[key]!r} needs a dt sweep of at least 3 values (a trend and its order)")
        if not noisy:
            check_recorded(run, section[key], [section["end_of_training"]], "corlouer2026_fig12.end_of_training")
    sgd = _check(section, config, "corlouer2026_fig12", "sgd", ("online_sgd",), False)
    check_recorded(sgd, section["sgd"], [section["end_of_training"]], "corlouer2026_fig12.end_of_training")
    _check(section, config, "corlouer2026_fig12", "sgd_with_label_noise", ("online_sgd",), True)


def check_prop52(section: dict, config: dict) -> None:
    for method, allowed in (("sgd", ("online_sgd",)), ("sde", ("sde",))):
        for i, name in enumerate(section[method]):
            run = _check({method: name}, config, "corlouer2026_prop52", method, allowed, True)
            if method == "sde":
                _check_dt(run, section["sde_dt"], f"corlouer2026_prop52.sde_dt (run {name})")


def point_with_dt(run: dict, dt: float) -> str:
    """The point label of a deep linear run at EM step dt (the run's only point when dt is not swept)."""
    from ...catalogue import sweep_points

    labels = [p["label"] for p in sweep_points(run) if p["dt"] == dt]
    if len(labels) != 1:
        raise ConfigError(f"run has no single point at dt = {dt}: {[p['label'] for p in sweep_points(run)]}")
    return labels[0]
