"""Gross, Raulf, Raeth 2024, "Weight fluctuations in (deep) linear neural networks and a derivation of the
inverse-variance flatness relation" (Phys. Rev. Research 6, 033103).

Shared by its figures: data (teacher-student realizations, Eq. 2.1), theory_sec2 (Eqs. 2.4-2.34, App. C and the
exact discrete-time moment equation), runs (the single-layer runs of the catalogue: data and SGD stages).
One package per figure (fig2 ... fig6, table1): its __init__ holds the config checks (read at DAG build, so it
imports no numerical code), stages.py the stage functions of its rules, plot.py the figure.
"""
