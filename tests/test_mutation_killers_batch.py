"""Tests that kill planted mutants (mutation/mutants.py) in the batch engine."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.batch import gd, scaled_gd
from mfverify.problems import AsymmetricMF, SymmetricMF


def _rng_factors(seed: int, m: int, n: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, r)), rng.normal(size=(n, r))


# x0 arrays carry the batch axes (B, K) = (1, 1) in front of the variable's shape
@pytest.mark.parametrize("damping", [0.0, 0.25])
def test_scaled_gd_step_is_the_tong_ma_chi_update(damping: float) -> None:
    # one step of ScaledGD (Tong, Ma & Chi 2021, eq. (6)), recomputed by hand in NumPy:
    # U ← U − η ∇_U f (VᵀV + λI)⁻¹, V ← V − η ∇_V f (UᵀU + λI)⁻¹ with ∇_U f = (UVᵀ − Σ)V,
    # ∇_V f = (UVᵀ − Σ)ᵀU for f = ½‖UVᵀ − Σ‖²
    rng = np.random.default_rng(5)
    S = rng.normal(size=(4, 3))
    U, V = _rng_factors(6, 4, 3, 2)
    V = V * 3.0  # VᵀV and UᵀU differ clearly
    p = AsymmetricMF(S.tolist(), 2)
    res = scaled_gd(p, {"U": U[None, None], "V": V[None, None]}, step=0.3, damping=damping,
                    max_iter=1, gtol=0.0)
    R = U @ V.T - S
    eye = np.eye(2)
    U1 = U - 0.3 * (R @ V) @ np.linalg.inv(V.T @ V + damping * eye)
    V1 = V - 0.3 * (R.T @ U) @ np.linalg.inv(U.T @ U + damping * eye)
    np.testing.assert_allclose(np.asarray(res.x["U"]).reshape(4, 2), U1, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(res.x["V"]).reshape(3, 2), V1, rtol=1e-12)


def test_scaled_gd_one_factor_step() -> None:
    # X ← X − η ∇f(X)(XᵀX + λI)⁻¹ with ∇f = (XXᵀ − M)X for f = ¼‖XXᵀ − M‖²
    rng = np.random.default_rng(7)
    A = rng.normal(size=(4, 4))
    M = A @ A.T
    X = rng.normal(size=(4, 2))
    res = scaled_gd(SymmetricMF(M.tolist(), 2), {"X": X[None, None]}, step=0.2, damping=0.1,
                    max_iter=1, gtol=0.0)
    X1 = X - 0.2 * ((X @ X.T - M) @ X) @ np.linalg.inv(X.T @ X + 0.1 * np.eye(2))
    np.testing.assert_allclose(np.asarray(res.x["X"]).reshape(4, 2), X1, rtol=1e-12)


def test_gd_moves_by_exactly_the_recorded_step() -> None:
    # the step recorded in the result is the one used: x₁ = x₀ − η∇f(x₀) for that η
    rng = np.random.default_rng(8)
    M = np.diag([3.0, 1.0, 0.5])
    X = rng.normal(size=(3, 1))
    res = gd(SymmetricMF(M.tolist(), 1), {"X": X[None, None]}, step=0.05, max_iter=1, gtol=0.0)
    eta = float(np.asarray(res.step).reshape(-1)[0])
    assert eta == 0.05
    X1 = X - eta * ((X @ X.T - M) @ X)
    np.testing.assert_allclose(np.asarray(res.x["X"]).reshape(3, 1), X1, rtol=1e-13)
