"""Reference reproduction of Gross et al. 2024 and Corlouer et al. 2026 (SGD noise in linear networks).

Modules, from the bottom up (dependencies point one way):
    seeding      random streams keyed by (experiment, parameter point, seed)
    data         teacher-student datasets (Gross Sec. II A)
    engine       compiled minibatch-SGD kernels over blocks of seeds
    statistics   streaming moments and stationary statistics
    theory/      closed forms and solvers, one module per paper section
    io           NetCDF writing with provenance, atomically
    claims       the claims table
    plotting/    one module per figure
"""

__version__ = "0.1.0"
