"""Shared helper of the landscape tests: a seeded numerical search for stationary points
(Levenberg–Marquardt on ∇f = 0), independent of the exact engine it is used to cross-check."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy.optimize import least_squares


def uv_gradient(S: np.ndarray, r: int, balance: float = 0.0
                ) -> Callable[[np.ndarray], np.ndarray]:
    """∇ of ½‖UVᵀ − S‖² + (balance/8)‖UᵀU − VᵀV‖² on the flat vector (U, V row-major)."""
    m, n = S.shape

    def grad(z: np.ndarray) -> np.ndarray:
        U, V = z[: m * r].reshape(m, r), z[m * r:].reshape(n, r)
        R = U @ V.T - S
        D = balance / 2 * (U.T @ U - V.T @ V)
        return np.concatenate([(R @ V + U @ D).ravel(), (R.T @ U - V @ D).ravel()])

    return grad


def stationary_points(grad: Callable[[np.ndarray], np.ndarray], dim: int, trials: int,
                      seed: int, *, zero_column_every: int = 0, r: int = 1,
                      sparse_every: int = 0) -> Iterator[np.ndarray]:
    """Solutions z with ‖∇f(z)‖ <= 1e-10 found from ``trials`` seeded starts of scales 0.3, 1, 2
    (every ``zero_column_every``-th start has one of its r columns zeroed, and every
    ``sparse_every``-th start a random set of its coordinates, to reach lower strata)."""
    rng = np.random.default_rng(seed)
    for trial in range(trials):
        z0 = rng.standard_normal(dim) * [0.3, 1.0, 2.0][trial % 3]
        if zero_column_every and trial % zero_column_every == 0:
            z0 = z0.reshape(-1, r)
            z0[:, int(rng.integers(r))] = 0
            z0 = z0.ravel()
        if sparse_every and trial % sparse_every == 1 % sparse_every:
            z0[rng.random(dim) < rng.random()] = 0
        sol = least_squares(grad, z0, xtol=1e-15, ftol=1e-15, gtol=1e-15, method="lm")
        if np.linalg.norm(grad(sol.x)) <= 1e-10:
            yield sol.x
