"""The library without Snakemake: Gross et al. 2024, Sec. II, in one script.

Draw one teacher-student realization (Eq. 2.1), compute the noise covariance C (2.17), the stationary weight
covariance M of the continuum theory (2.29)-(2.31) and of discrete SGD, then run minibatch SGD (Eq. 2.11) on
several seeds with the compiled engine and compare tr M. Run it as `python -m sgdnoise.examples.library_use` (about 20 s;
tests/test_examples.py runs it). Every random stream comes from numpy SeedSequence keys, as in the workflow.
"""

import numpy as np

from sgdnoise import engine, seeding
from sgdnoise.gross2024 import data, theory_sec2 as theory
from sgdnoise.statistics import mean_and_sem

N, P, S, LEARNING_RATE, LABEL_NOISE = 20, 60, 5, 0.1, 0.25
ROOT, SEEDS = 12345, range(8)


def realization(seed: int) -> data.TeacherStudentData:
    return data.teacher_student(seeding.generator(ROOT, "example", f"N{N}_P{P}", seed, "data"), N, P, LABEL_NOISE)


def main() -> dict:
    realizations = [realization(s) for s in SEEDS]
    X = np.stack([r.inputs for r in realizations])
    y = np.stack([r.labels for r in realizations])
    w_star = np.stack([theory.teacher_solution(X[s], y[s]) for s in SEEDS])

    # theory, one realization at a time
    continuum, discrete = [], []
    for s in SEEDS:
        H = theory.hessian(X[s])
        C = theory.noise_covariance(X[s], y[s], w_star[s], S)
        continuum.append(np.trace(theory.lyapunov_covariance(H, C, LEARNING_RATE)))
        discrete.append(np.trace(theory.discrete_sgd_covariance(X[s], y[s], LEARNING_RATE, S)))

    # SGD from w*, all seeds in one compiled call, moments of w - w* over a window after a burn-in of ~10 slowest
    # relaxation times 1/(lambda omega_0) (a shorter one leaves the slow modes' variance short of stationary)
    rngs = [seeding.generator(ROOT, "example", f"N{N}_P{P}", s, "sgd") for s in SEEDS]
    run = engine.single_layer_sgd(X, y, w_star.copy(), w_star, rngs, learning_rate=LEARNING_RATE, batch_size=S,
                                  burn_in_steps=100_000, measure_steps=2_000_000, record_every=10, trace_every=40_000)
    sgd = np.trace(run.sum_outer_deviation / run.n_records, axis1=1, axis2=2)

    ratio, ratio_sem = mean_and_sem(sgd / np.array(discrete))
    continuum_error = float(np.mean(np.array(discrete) / np.array(continuum) - 1))
    print(f"tr M: SGD / discrete theory = {ratio:.4f} +- {ratio_sem:.4f} over {len(SEEDS)} seeds")
    print(f"discrete theory / continuum (2.30) - 1 = {continuum_error:.2%} (the O(lambda) continuum error)")
    print(f"isotropic limit (2.34): lambda sigma^2 / 2S = {theory.isotropic_variance(LEARNING_RATE, LABEL_NOISE, S):.4g}; "
          f"tr M / N from SGD = {np.mean(sgd) / N:.4g}")
    return {"ratio": float(ratio), "ratio_sem": float(ratio_sem), "continuum_error": continuum_error}


if __name__ == "__main__":
    main()
