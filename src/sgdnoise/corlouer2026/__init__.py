"""Corlouer, Semler, Strang, Gietelink Oldenziel 2026, "Stochastic Gradient Descent in the Saddle-to-Saddle Regime of
Deep Linear Networks" (arXiv 2604.06366).

runs: the deep linear runs of the catalogue (online SGD, GD, gradient flow, the SGD SDE, Langevin).
"""

# Units of the stages' outputs: mode amplitudes, weights, losses and noise variances are dimensionless ("1"); times are in
# the continuum time t = eta * step (dt * step for the SDEs), and drifts, diffusions D (E[dw^2] = D dt) and relaxation
# rates are per unit of it.
TIME_UNITS = "continuum time t"
RATE_UNITS = "1 / continuum time t"
