"""Corlouer, Semler, Strang, Gietelink Oldenziel 2026, "Stochastic Gradient Descent in the Saddle-to-Saddle Regime of
Deep Linear Networks" (arXiv 2604.06366).

runs: the deep linear runs of the catalogue (online SGD, GD, gradient flow, the SGD SDE, Langevin).
"""
