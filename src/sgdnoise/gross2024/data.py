"""Teacher-student data of Gross et al. 2024, Sec. II A.

Inputs x^mu in R^N with i.i.d. N(0, sigma_x^2 = 1/N) components, teacher u_i ~ N(0, sigma_u^2),
labels y^mu = u^T x^mu + eps^mu with eps^mu ~ N(0, sigma_eps^2)  (Eq. 2.1).
Variants used in Sec. II C 2 (Fig. 6): correlated inputs x^mu ~ N(0, Sigma) with a random Wishart-type
covariance Sigma, and purely random labels (u = 0, eps^mu -> y^mu).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TeacherStudentData:
    """One realization. `inputs` is stored sample-major (P, N): row mu is x^mu (the design matrix X^T)."""

    inputs: np.ndarray  # (P, N)
    labels: np.ndarray  # (P,)
    teacher: np.ndarray  # (N,)
    label_noise: np.ndarray  # (P,)


def teacher_student(
    rng: np.random.Generator, N: int, P: int, label_noise_variance: float, teacher_variance: float = 1.0,
    input_covariance: np.ndarray | None = None,
) -> TeacherStudentData:
    """Draw one realization of Eq. (2.1): sigma_x^2 = 1/N, or x^mu ~ N(0, input_covariance) if given."""
    teacher = rng.normal(0.0, np.sqrt(teacher_variance), size=N)
    if input_covariance is None:
        inputs = rng.normal(0.0, np.sqrt(1.0 / N), size=(P, N))
    else:
        inputs = rng.standard_normal((P, N)) @ np.linalg.cholesky(input_covariance).T
    label_noise = rng.normal(0.0, np.sqrt(label_noise_variance), size=P)
    return TeacherStudentData(inputs, inputs @ teacher + label_noise, teacher, label_noise)


def random_labels(rng: np.random.Generator, N: int, P: int, label_variance: float, input_covariance: np.ndarray | None = None) -> TeacherStudentData:
    """Statistically independent random labels y^mu ~ N(0, label_variance): Eq. (2.1) with u = 0, eps^mu -> y^mu."""
    return teacher_student(rng, N, P, label_variance, teacher_variance=0.0, input_covariance=input_covariance)


def wishart_covariance(rng: np.random.Generator, N: int) -> np.ndarray:
    """Random input covariance of Wishart type, Sigma ~ G G^T with G_ij ~ N(0, 1) (Fig. 6b), scaled to tr Sigma = 1
    so that the mean feature variance is sigma_x^2 = 1/N, as for the i.i.d. data it is compared with."""
    G = rng.standard_normal((N, N))
    sigma = G @ G.T
    return sigma / np.trace(sigma)
