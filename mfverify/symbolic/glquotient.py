"""Unbalanced asymmetric MF f(U, V) = c·‖UVᵀ − Σ‖²_F through Z = UVᵀ (result (S3) of
docs/paper-li2019.md).

∇f = 0 ⇔ (Z − Σ)V = 0 and (Z − Σ)ᵀU = 0 with Z = UVᵀ. Hence every stationary point maps to a
real solution Z of

    (Σ − Z)Zᵀ = 0,   Zᵀ(Σ − Z) = 0,   rank Z <= r   (all (r+1)-minors of Z vanish).

This module checks that an objective has that form (:func:`unbalanced_fit`) and solves the
Z-system exactly when it is zero-dimensional (:func:`stationary_z`), which is the case exactly
when the nonzero singular values of Σ are distinct (the solutions are then Z = Σ_{i∈I} σᵢpᵢqᵢᵀ,
|I| <= r; a repeated singular value gives a Grassmannian of solutions). The orbits over each Z
are described in :mod:`mfverify.symbolic.glstrata`.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from ..errors import UnsupportedError
from ..problems.base import Problem
from .algebraic import RealField
from .stationary import AlgebraicPoint, Budget, solve_polynomial_system
from .symmetry import nf_rank, nf_solve

__all__ = ["rank_factorization", "stationary_z", "unbalanced_fit", "uv_matrices"]


def uv_matrices(problem: Problem, gens: list[sp.Symbol], r: int
                ) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(Σ, U, V) for a problem with variables U ∈ R^{m×r}, V ∈ R^{n×r} (flattened row-major in
    ``gens``) and rational data Σ; else UnsupportedError."""
    names = list(problem.variables)
    if len(names) != 2 or "Sigma" not in problem.data:
        raise UnsupportedError("GL(r) quotient: expected variables (U, V) and data Sigma")
    (m, rU), (n, rV) = problem.variables[names[0]], problem.variables[names[1]]
    if rU != r or rV != r or len(gens) != (m + n) * r:
        raise UnsupportedError("GL(r) quotient: unexpected variable shapes")
    Sigma = sp.Matrix(np.asarray(problem.data["Sigma"], dtype=object).tolist())
    if Sigma.shape != (m, n) or not all(sp.sympify(e).is_Rational for e in Sigma):
        raise UnsupportedError("GL(r) quotient: Sigma must be a rational m×n matrix")
    return Sigma, sp.Matrix(m, r, gens[: m * r]), sp.Matrix(n, r, gens[m * r:])


def unbalanced_fit(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], r: int
                   ) -> tuple[sp.Matrix, int, int, sp.Rational]:
    """(Σ, m, n, c) when f = c·‖UVᵀ − Σ‖²_F exactly (c > 0 rational, Σ rational m×n, the
    variables U ∈ R^{m×r}, V ∈ R^{n×r} flattened row-major in ``gens``); else UnsupportedError."""
    Sigma, U, V = uv_matrices(problem, gens, r)
    g = sp.expand(sum(e ** 2 for e in (U * V.T - Sigma)))
    mon = sp.Poly(g, *gens).monoms()[0]
    c = sp.Poly(f, *gens).coeff_monomial(mon) / sp.Poly(g, *gens).coeff_monomial(mon)
    if not (c.is_Rational and c > 0 and sp.expand(f - c * g) == 0):
        raise UnsupportedError("GL(r) quotient: f is not c·‖UVᵀ − Σ‖² with c > 0 (exact check)")
    return Sigma, U.rows, V.rows, c


def stationary_z(Sigma: sp.Matrix, r: int, budget: Budget, seed: int = 0
                 ) -> tuple[list[tuple[AlgebraicPoint, list[list[sp.Poly]], int]], int]:
    """All real solutions Z of the Z-system, each as (point over ℚ(θ), Z as rows of field
    elements, rank Z), and the number of Gröbner computations. UnsupportedError when the system
    has positive-dimensional pieces (repeated nonzero singular values); BudgetExceeded passes
    through."""
    m, n = Sigma.shape
    zs = sp.symbols(f"z0:{m * n}", real=True)
    Z = sp.Matrix(m, n, zs)
    D = Sigma - Z
    eqs = list(D * Z.T) + list(Z.T * D)
    if r + 1 <= min(m, n):
        for rows in itertools.combinations(range(m), r + 1):
            for cols in itertools.combinations(range(n), r + 1):
                eqs.append(Z.extract(list(rows), list(cols)).det())
    sol = solve_polynomial_system([sp.expand(e) for e in eqs], list(zs), budget, seed=seed)
    if sol.pieces:
        raise UnsupportedError("the Z-system has positive-dimensional pieces (a repeated "
                               "singular value whose square is irrational); not enumerated")
    out = []
    for p in sol.points:
        budget.check("Z-system")
        Zp = [[p.coords[i * n + j] for j in range(n)] for i in range(m)]
        out.append((p, Zp, nf_rank(p.field, Zp)))
    return out, sol.groebner_calls


def rank_factorization(F: RealField, Zp: list[list[sp.Poly]], k: int
                       ) -> tuple[list[list[sp.Poly]], list[list[sp.Poly]]]:
    """Z = C·Rᵀ over ℚ(θ) with C (m×k) = k independent columns of Z and R (n×k)."""
    m, n = len(Zp), len(Zp[0])
    piv: list[int] = []
    for j in range(n):
        if len(piv) == k:
            break
        cand = piv + [j]
        if nf_rank(F, [[Zp[i][q] for q in cand] for i in range(m)]) == len(cand):
            piv = cand
    C = [[Zp[i][q] for q in piv] for i in range(m)]
    R: list[list[sp.Poly]] = [[F.elem(0)] * k for _ in range(n)]
    if k:
        for j in range(n):
            x = nf_solve(F, C, [Zp[i][j] for i in range(m)])
            if x is None:  # pragma: no cover - impossible: the pivots span the columns
                raise UnsupportedError("rank factorization failed")
            R[j] = list(x)
    return C, R
