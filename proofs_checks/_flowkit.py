"""Shared helpers of the flow claims (exact instances; not a claims module: leading underscore)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["cayley_orthogonal", "random_rational", "strings", "mp_str"]


def cayley_orthogonal(n: int, seed: int) -> sp.Matrix:
    """An exactly orthogonal rational matrix Q = (I − S)(I + S)⁻¹, S skew with small rational
    entries (Cayley transform)."""
    rng = random.Random(seed)
    S = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            v = sp.Rational(rng.randint(-5, 5), rng.randint(2, 7))
            S[i, j] = v
            S[j, i] = -v
    eye = sp.eye(n)
    return (eye - S) * (eye + S).inv()


def random_rational(rows: int, cols: int, seed: int, *, den: int = 10, span: int = 9
                    ) -> sp.Matrix:
    rng = random.Random(seed)
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-span, span), den))


def strings(m: Any) -> list[list[str]]:
    """Nested lists of exact strings of a SymPy matrix (what flows take as initial data)."""
    if isinstance(m, sp.MatrixBase):
        return [[str(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]
    arr = np.asarray(m, dtype=object)
    return [[str(v) for v in row] for row in arr.tolist()]


def mp_str(v: Any, digits: int = 6) -> str:
    import mpmath

    return mpmath.nstr(v, digits) if hasattr(v, "_mpf_") else str(v)


def sigma_min_lower_bound(X: sp.Matrix) -> sp.Rational:
    """An exact rational lower bound on σ_min(X)² for a rational X with full column rank c.

    With G = XᵀX ⪰ 0 (c×c) and eigenvalues λ₁ >= ... >= λ_c: λ₁···λ_{c−1} <= (tr G)^{c−1}, so
    λ_c = det G / (λ₁···λ_{c−1}) >= det G / (tr G)^{c−1}. Returns 0 when det G = 0 (rank < c).
    """
    G = X.T * X
    tr = G.trace()
    det = G.det()
    return sp.Rational(0) if det == 0 else sp.Rational(det / tr ** (G.rows - 1))
