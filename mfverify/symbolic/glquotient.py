"""The GL(r) quotient of unbalanced asymmetric MF, f(U, V) = c·‖UVᵀ − Σ‖²_F (c > 0), r >= 2.

Reduction (papers.md §2.4 (S3)). ∇f = 0 ⇔ (Z − Σ)V = 0 and (Z − Σ)ᵀU = 0 with Z = UVᵀ. Hence
every stationary point maps to a real solution Z of

    (Σ − Z)Zᵀ = 0,   Zᵀ(Σ − Z) = 0,   rank Z <= r   (all (r+1)-minors of Z vanish).

This system is solved exactly (zero-dimensional case only). For a solution Z of rank k put
K_V = ker(Σ − Z) ⊇ row space of Z and K_U = ker((Σ − Z)ᵀ) ⊇ column space of Z. When
dim K_U = dim K_V = k (checked exactly for every Z; otherwise the result is INCONCLUSIVE) these
are equalities, and the fibre {(U, V) stationary, UVᵀ = Z} = {U = B_U P, V = B_V Q, PQᵀ = Z₀}
with B_U, B_V bases, P, Q ∈ R^{k×r} and Z₀ ∈ GL(k). Then:

* the fibre is nonempty (k <= r) and is ONE GL(r)-orbit: (P, Q) ↦ (PA, QA⁻ᵀ) has stabilizer of
  dimension (r − k)², so every orbit is open in the smooth fibre of dimension 2kr − k²; the fibre
  is connected for k < r (P ranges over the connected set of full-row-rank k×r matrices, Q over
  an affine space) and is a GL(r)-torsor with 2 components for k = r;
* the Hessian inertia is constant on it: g_A(U, V) = (UA, VA⁻ᵀ) is linear and f∘g_A = f, so
  ∇²f(g_A x) = g_A⁻ᵀ ∇²f(x) g_A⁻¹ (Sylvester's law of inertia).

So each Z gives one component entry of dimension 2kr − k², with count 2 (k = r) or 1 (k < r),
classified exactly at the representative U = [C, 0], V = [Rᵀ, 0] with Z = C·R a rank
factorization over the field of Z.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from ..errors import UnsupportedError
from ..problems.base import Problem
from .stationary import AlgebraicPoint, Budget, solve_polynomial_system
from .symmetry import nf_rank, nf_solve

__all__ = ["gl_fibres"]

WHY = ("GL(r) quotient through Z = UVᵀ (papers.md §2.4 (S3)): every stationary point has Z "
       "solving (Σ − Z)Zᵀ = 0, Zᵀ(Σ − Z) = 0, rank Z <= r (solved exactly, zero-dimensional); "
       "for each solution Z of rank k, dim ker(Σ − Z) = dim ker(Σ − Z)ᵀ = k was checked exactly, "
       "so its stationary fibre is {B_U P, B_V Q : PQᵀ = Z₀}, a single GL(r)-orbit of dimension "
       "2kr − k² (stabilizer (r − k)²), connected for k < r and with 2 components for k = r; "
       "the Hessian inertia is constant on it (congruence under the linear GL(r) action)")


def gl_fibres(problem: Problem, f: sp.Expr, gens: list[sp.Symbol], r: int, budget: Budget,
              seed: int = 0) -> tuple[list[tuple[AlgebraicPoint, int, int, int, str]], int]:
    """Stationary components of c·‖UVᵀ − Σ‖² (r >= 2) as (point, k, dimension, count, text).

    Returns the list and the number of Gröbner computations. Raises UnsupportedError (with the
    reason) when the reduction does not apply or a check fails; BudgetExceeded passes through.
    """
    names = list(problem.variables)
    if len(names) != 2 or "Sigma" not in problem.data:
        raise UnsupportedError("GL(r) quotient: expected variables (U, V) and data Sigma")
    (m, rU), (n, rV) = problem.variables[names[0]], problem.variables[names[1]]
    if rU != r or rV != r or len(gens) != (m + n) * r:
        raise UnsupportedError("GL(r) quotient: unexpected variable shapes")
    Sigma = sp.Matrix(np.asarray(problem.data["Sigma"], dtype=object).tolist())
    if Sigma.shape != (m, n) or not all(sp.sympify(e).is_Rational for e in Sigma):
        raise UnsupportedError("GL(r) quotient: Sigma must be a rational m×n matrix")
    U = sp.Matrix(m, r, gens[: m * r])
    V = sp.Matrix(n, r, gens[m * r:])
    g = sp.expand(sum(e ** 2 for e in (U * V.T - Sigma)))
    mon = sp.Poly(g, *gens).monoms()[0]
    c = sp.Poly(f, *gens).coeff_monomial(mon) / sp.Poly(g, *gens).coeff_monomial(mon)
    if not (c.is_Rational and c > 0 and sp.expand(f - c * g) == 0):
        raise UnsupportedError("GL(r) quotient: f is not c·‖UVᵀ − Σ‖² with c > 0 (exact check)")
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
        raise UnsupportedError("GL(r) quotient: the Z-system has positive-dimensional pieces "
                               "(e.g. repeated singular values); not enumerated")
    out: list[tuple[AlgebraicPoint, int, int, int, str]] = []
    for p in sol.points:
        budget.check("GL(r) fibres")
        F = p.field
        zsub = {z: F.to_expr(cf) for z, cf in zip(zs, p.coords, strict=True)}
        Zp = [[p.coords[i * n + j] for j in range(n)] for i in range(m)]
        Dp = [[(F.elem(Sigma[i, j]) - Zp[i][j]).rem(F.q) for j in range(n)] for i in range(m)]
        k = nf_rank(F, Zp)
        rD = nf_rank(F, Dp)
        if not (n - rD == k and m - rD == k):
            raise UnsupportedError(
                f"GL(r) quotient: at Z = {sp.Matrix(Z.xreplace(zsub)).tolist()} "
                f"dim ker(Σ − Z) = {n - rD}, dim ker(Σ − Z)ᵀ = {m - rD} ≠ rank Z = {k}: the "
                "fibre is not a single GL(r)-orbit; not described")
        # rank factorization Z = C R over ℚ(θ): C = k independent columns of Z
        piv: list[int] = []
        for j in range(n):
            cand = piv + [j]
            if nf_rank(F, [[Zp[i][q] for q in cand] for i in range(m)]) == len(cand):
                piv = cand
            if len(piv) == k:
                break
        Ucoords = [[Zp[i][q] for q in piv] + [F.elem(0)] * (r - k) for i in range(m)]
        Vrows: list[list[sp.Poly]] = [[F.elem(0)] * r for _ in range(n)]
        if k:
            Cm = [[Zp[i][q] for q in piv] for i in range(m)]
            for j in range(n):
                x = nf_solve(F, Cm, [Zp[i][j] for i in range(m)])
                if x is None:  # pragma: no cover - impossible: the pivots span the columns
                    raise UnsupportedError("GL(r) quotient: rank factorization failed")
                Vrows[j] = list(x) + [F.elem(0)] * (r - k)
        coords = [e for row in Ucoords for e in row] + [e for row in Vrows for e in row]
        pt = AlgebraicPoint(F, coords)
        dim = 2 * k * r - k * k
        count = 2 if k == r else 1
        text = (f"GL({r})-orbit of (U₀, V₀) with U₀V₀ᵀ = Z = "
                f"{sp.Matrix(Z.xreplace(zsub)).applyfunc(sp.radsimp).tolist()} (rank {k}); "
                f"dimension 2kr − k² = {dim}, "
                + ("2 components (det of the GL(r) element ±)" if count == 2 else "connected"))
        out.append((pt, k, dim, count, text))
    return out, sol.groebner_calls
