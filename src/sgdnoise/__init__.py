"""Reference reproduction of Gross et al. 2024 and Corlouer et al. 2026 (SGD noise in linear networks).

Modules, from the bottom up (dependencies point one way):
    seeding      random streams keyed by (key, parameter point, seed, stream)
    engine/      compiled kernels over blocks of seeds: single-layer, two-layer and deep linear dynamics
    statistics   streaming moments, Rayleigh quotients, mean and standard error over seeds
    io           NetCDF writing with provenance, atomically; stacking parameter points
    config       config validation, one schema per section; catalogue: the named datasets and runs
    claims       claim rows and the statistical tests that decide them
    codehash     the hash of the code a rule's function reaches (static, no import)
    plotting     theme, error bars and deterministic saving shared by the figures
    gross2024/   Gross et al.: data, theory_sec2, runs (the single-layer runs), one package per figure
    corlouer2026/  Corlouer et al.: runs (the deep linear runs)
"""

__version__ = "0.1.0"
