"""Teacher-student data of Gross et al. 2024, Sec. II A.

Inputs x^mu in R^N with i.i.d. N(0, sigma_x^2 = 1/N) components, teacher u_i ~ N(0, sigma_u^2),
labels y^mu = u^T x^mu + eps^mu with eps^mu ~ N(0, sigma_eps^2)  (Eq. 2.1).
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
    rng: np.random.Generator, N: int, P: int, label_noise_variance: float, teacher_variance: float = 1.0
) -> TeacherStudentData:
    """Draw one realization of Eq. (2.1) with sigma_x^2 = 1/N."""
    teacher = rng.normal(0.0, np.sqrt(teacher_variance), size=N)
    inputs = rng.normal(0.0, np.sqrt(1.0 / N), size=(P, N))
    label_noise = rng.normal(0.0, np.sqrt(label_noise_variance), size=P)
    return TeacherStudentData(inputs, inputs @ teacher + label_noise, teacher, label_noise)
