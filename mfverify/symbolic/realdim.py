"""The *real* dimension of a real algebraic set near one of its real points, certified exactly.

Gröbner bases give the dimension d of the complex variety V_ℂ(I) of an ideal I ⊂ ℚ[x₁, …, xₙ]
(the Krull dimension of ℚ[x]/I, :func:`~mfverify.symbolic.stationary.krull_dimension`); what a
reader of a landscape wants is the dimension of the set V_ℝ(I) of real points, which can be
smaller: V(x² + y²) ⊂ ℝ² is a point inside a complex line, V(x² + (y − z²)²) ⊂ ℝ³ a parabola
inside a complex surface. This module certifies dim V_ℝ(I) = d near a real point p, exactly:

1. **Upper bound (always).** dim V_ℝ(I) ≤ d: the dimension of a real algebraic set is the Krull
   dimension of ℝ[x]/I_ℝ(V_ℝ(I)), and I_ℝ(V_ℝ(I)) ⊇ I·ℝ[x] (Bochnak, Coste & Roy 1998, *Real
   Algebraic Geometry*, §2.8, the dimension of semi-algebraic sets).
2. **Rank at p.** The Jacobian of the generators of I at p, computed exactly over ℚ(θ), has
   rank k = n − d; rows R (generators g_R) and columns C with a nonzero k × k minor h(p) ≠ 0 are
   chosen. By the implicit function theorem, near p the real solutions of g_R = 0 form a
   real-analytic submanifold M of dimension d, and V_ℝ(I) ⊆ M there since g_R ⊂ I.
3. **Membership (no prime decomposition needed).** Every generator g of I lies in the
   saturation (g_R) : h^∞ = (g_R, 1 − T·h) ∩ ℚ[x] (Rabinowitsch; one Gröbner basis in n + 1
   variables, skipped when g_R already generates I). Then g·h^m ∈ (g_R), so g = 0 on M (h ≠ 0
   near p): M ⊆ V_ℝ(I). Hence V_ℝ(I) = M near p, a d-dimensional manifold, and a semi-algebraic
   set containing a d-dimensional submanifold has dimension >= d (same §2.8: dimension is that
   of the largest open cube it contains up to semi-algebraic homeomorphism).

Together dim V_ℝ(I) = d, and the same for any set that contains a neighbourhood of p in V_ℝ(I)
(a stratum: V_ℝ(I) minus closed sets that miss p, on a sign cell that contains p). This is the
Jacobian criterion (p a nonsingular real point of dimension d; BCR §3.3) with the prime
component replaced by the saturation test, which SymPy can do.

When the rank at p is smaller (p is singular, as every real point of V(x² + (y − z²)²) is) or
the membership fails, nothing is certified: the result says ``dimension=None`` with the bound
``complex_dimension`` and why, never d as if it were the real dimension.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import sympy as sp

from ..errors import BudgetExceeded
from .algebraic import RealField
from .stationary import AlgebraicPoint, Budget, saturation_basis
from .symmetry import nf_rank

__all__ = ["RealDimension", "real_dimension_at", "dimension_text"]


@dataclass(frozen=True)
class RealDimension:
    """The real dimension of V_ℝ(I) near a real point, or ``None`` when not certified.

    Attributes
    ----------
    dimension
        The certified real dimension (= ``complex_dimension``), or ``None``: unknown, at most
        ``complex_dimension``.
    complex_dimension
        d = dim V_ℂ(I), the Krull dimension of the ideal; always an upper bound.
    certificate
        How the value was certified, or why it was not.
    """

    dimension: int | None
    complex_dimension: int
    certificate: str

    @property
    def certified(self) -> bool:
        return self.dimension is not None

    def to_json(self) -> dict[str, object]:
        return {"dimension": self.dimension, "complex_dimension": self.complex_dimension,
                "certificate": self.certificate}


def dimension_text(dimension: int | None, complex_dimension: int | None) -> str:
    """``"2"``, or ``"≤ 2 (real dimension not certified)"`` when only the bound is known
    (``"unknown"`` without a bound)."""
    if dimension is not None:
        return str(dimension)
    if complex_dimension is None:
        return "unknown"
    return f"≤ {complex_dimension} (real dimension not certified)"


def _values(F: RealField, exprs: list[sp.Expr], sub: dict[sp.Symbol, sp.Expr]) -> list[sp.Poly]:
    return [F.elem(sp.expand(e.xreplace(sub))) for e in exprs]


def _greedy(F: RealField, rows: list[list[sp.Poly]]) -> list[int]:
    """Indices of rows, chosen in order, that are linearly independent over ℚ(θ)."""
    chosen: list[int] = []
    for i, row in enumerate(rows):
        if nf_rank(F, [rows[j] for j in chosen] + [row]) > len(chosen):
            chosen.append(i)
    return chosen


def smooth_rows(F: RealField, basis: list[sp.Expr], gens: list[sp.Symbol],
                sub: dict[sp.Symbol, sp.Expr], k: int) -> tuple[list[int], list[int]] | None:
    """Rows R and columns C of the Jacobian of ``basis`` at the point ``sub`` with a nonzero
    k × k minor, when its rank is exactly k; else None (step 2 of the module docstring)."""
    jac = [_values(F, [sp.diff(b, v) for v in gens], sub) for b in basis]
    rows = _greedy(F, jac)
    if len(rows) != k:
        return None
    cols = _greedy(F, [[jac[r][c] for r in rows] for c in range(len(gens))])
    return rows, cols


def _generated(basis: list[sp.Expr], part: list[sp.Expr], gens: list[sp.Symbol],
               h: sp.Expr | None) -> bool:
    """Is every element of ``basis`` in (part) : h^∞ (h None: in (part) itself)?"""
    if h is None:
        G = sp.groebner(part, *gens, order="grevlex", domain="QQ")
        return all(G.contains(sp.expand(b)) for b in basis)
    G = saturation_basis(part, gens, h)
    return all(G.contains(sp.expand(b)) for b in basis)


def real_dimension_at(basis: list[sp.Expr], gens: list[sp.Symbol], point: AlgebraicPoint,
                      complex_dimension: int, budget: Budget | None = None) -> RealDimension:
    """Certify dim V_ℝ(``basis``) = ``complex_dimension`` near the real ``point`` (a point of
    V(basis), coordinates in ``gens`` order), or say why not (module docstring)."""
    n, d = len(gens), complex_dimension
    if d == 0:
        return RealDimension(0, 0, "a real point of a finite set")
    basis = [sp.expand(b) for b in basis if sp.expand(b) != 0]
    if not basis:
        return RealDimension(n, n, f"the whole space ℝ^{n}")
    F = point.field
    sub = {g: c.as_expr() for g, c in zip(gens, point.coords, strict=True)}
    if any(not v.is_zero for v in _values(F, basis, sub)):  # pragma: no cover - a caller bug
        return RealDimension(None, d, "the point does not lie on the set")
    k = n - d
    sel = smooth_rows(F, basis, gens, sub, k)
    if sel is None:
        return RealDimension(None, d, (
            f"the Jacobian of the equations has rank ≠ {k} = n − {d} at the representative "
            f"{tuple(point.exprs())} (not a smooth point of dimension {d}): the real "
            f"dimension is at most {d}, not certified equal"))
    rows, cols = sel
    part = [basis[i] for i in rows]
    how = (f"the Jacobian of the equations has rank {k} = n − {d} at the real representative "
           f"(rows {rows}, columns {cols}: implicit function theorem)")
    try:
        with budget.alarm("real dimension") if budget is not None else nullcontext():
            return _membership(basis, part, gens, cols, d, how)
    except BudgetExceeded as exc:
        return RealDimension(None, d, f"real dimension not certified: {exc}")


def _membership(basis: list[sp.Expr], part: list[sp.Expr], gens: list[sp.Symbol],
                cols: list[int], d: int, how: str) -> RealDimension:
    """Step 3 of the module docstring."""
    if _generated(basis, part, gens, None):
        return RealDimension(d, d, how + "; those equations generate the ideal")
    h = sp.expand(sp.Matrix([[sp.diff(g, gens[c]) for c in cols] for g in part])
                  .det(method="berkowitz"))
    if _generated(basis, part, gens, h):
        return RealDimension(d, d, how + "; every equation lies in their saturation by the "
                             "minor (Rabinowitsch), so the set is that manifold there")
    return RealDimension(None, d, how + "; but not every equation lies in their saturation by "
                         f"the minor: the real dimension is at most {d}, not certified equal")
