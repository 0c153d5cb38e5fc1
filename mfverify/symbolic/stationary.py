"""The complete real stationary set of ∇f = 0 for small instances, exactly.

Method (every step exact, over ℚ):

1. **Polynomial system.** f is evaluated with :class:`~mfverify.arith.ExactArith` on
   ``problem.symbolic_point()``; the equations are its partial derivatives (closed forms of the
   problem are not used).
2. **Quotient by the symmetry (gauge / charts)**, only after the invariance is *proved* exactly
   (:func:`mfverify.symbolic.symmetry.verify_invariance`):

   * O(r) acting on the right of every variable (symmetric MF, balanced asymmetric MF, ...):
     stack the variables into W (rows) and restrict to W = P·L with L lower trapezoidal
     (``L[i, j] = 0`` for ``j > i``) and P a fixed invertible rational matrix. Every W has an
     O(r)-equivalent of this form (LQ decomposition of P⁻¹W), so no orbit is lost. Orbits are
     then identified by the invariant W Wᵀ (W₁W₁ᵀ = W₂W₂ᵀ ⇔ W₂ = W₁Q with Q ∈ O(r)).
   * GL(1) acting by (u, v) ↦ (a u, v / a) (unbalanced asymmetric MF with r = 1): charts
     ``‖u‖² = ‖v‖²`` (every point with u ≠ 0 ≠ v is GL(1)-equivalent to one there), ``u = 0`` and
     ``v = 0``.
3. **Decomposition.** Gröbner bases (SymPy, grevlex) with splitting on factors of basis elements
   (V(I) = V(I + (h₁)) ∪ V(I + (h₂)) when h₁h₂ ∈ I) and two real-radical rules: a factor that is
   a sum of even monomials with coefficients of one sign vanishes at a real point only where each
   monomial does, and a semidefinite quadratic form xᵀSx vanishes only on ker S.
4. **Zero-dimensional pieces**: a random separating linear form T = ℓ(x) and the lex basis (FGLM)
   in shape position {x_i − g_i(T), q(T)} (q made squarefree, which gives the radical). Each real
   root θ of each irreducible factor of q gives the point (g_i(θ)) exactly
   (:class:`~mfverify.symbolic.algebraic.RealField`).
5. **Positive-dimensional pieces** are accepted only when described exactly: a piece on which
   the orbit invariant (W Wᵀ for O(r)) is constant is (contained in) one orbit; a piece on which
   f is the certified global minimum value consists of global minimizers; any other piece is
   split into strata of proved constant Hessian inertia (:mod:`mfverify.symbolic.stratify`).
   What cannot be proved makes the result INCONCLUSIVE (never a silently partial list).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.polys.orderings import grevlex

from ..arith import ExactArith
from ..budget import Budget  # re-exported: the class lives in mfverify.budget
from ..errors import BudgetExceeded, UnsupportedError
from ..problems.base import Problem
from .algebraic import RealField, S, canonical_number, equal_vectors

__all__ = [
    "Budget",
    "objective_polynomial",
    "AlgebraicPoint",
    "Piece",
    "Chart",
    "ChartSolution",
    "solve_polynomial_system",
    "solve_chart",
    "krull_dimension",
]


# ---------------------------------------------------------------------------------------------
# the objective as a polynomial
# ---------------------------------------------------------------------------------------------


def objective_polynomial(problem: Problem, data: dict[str, Any] | None = None
                         ) -> tuple[sp.Expr, list[sp.Symbol]]:
    """f as an expanded SymPy polynomial in the flat variables (problem order, row-major).

    ``data`` optionally overrides problem data (e.g. a symbolic ``M``)."""
    if not data:
        return problem.symbolic_objective()
    A = ExactArith()
    x = problem.symbolic_point()
    f = A.finish(problem.objective(A, x, problem.data_in(A, data)))
    f = sp.expand(f.item() if isinstance(f, np.ndarray) else f)
    gens = [s for s in problem.flatten(x).tolist()]
    return f, gens


def _is_rational_poly(exprs: list[sp.Expr], gens: list[sp.Symbol]) -> bool:
    for e in exprs:
        if e == 0:
            continue
        try:
            p = sp.Poly(e, *gens)
        except sp.PolynomialError:
            return False
        if not all(c.is_Rational for c in p.coeffs()):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# points and pieces
# ---------------------------------------------------------------------------------------------


@dataclass
class AlgebraicPoint:
    """A real point with coordinates in ℚ(θ): ``coords[i]`` is a polynomial in S reduced mod q."""

    field: RealField
    coords: list[sp.Poly]

    def exprs(self) -> list[sp.Expr]:
        return [self.field.to_expr(c) for c in self.coords]

    def key(self) -> tuple[Any, ...]:
        return tuple(canonical_number(self.field, c) for c in self.coords)

    def boxes(self, width: float = 1e-12) -> list[list[str]]:
        from fractions import Fraction

        out = []
        for c in self.coords:
            lo, hi = self.field.enclosure(c, Fraction(width))
            out.append([str(sp.Rational(lo.numerator, lo.denominator)),
                        str(sp.Rational(hi.numerator, hi.denominator))])
        return out


@dataclass
class Piece:
    """A positive-dimensional piece of a chart: reduced Gröbner basis (grevlex) and dimension."""

    basis: list[sp.Expr]
    gens: list[sp.Symbol]
    dimension: int

    @property
    def is_linear(self) -> bool:
        return all(sp.Poly(g, *self.gens).total_degree() <= 1 for g in self.basis)

    def reduce(self, expr: sp.Expr) -> sp.Expr:
        if not self.basis:
            return sp.expand(expr)
        _, r = sp.reduced(sp.expand(expr), self.basis, *self.gens, order="grevlex")
        return sp.expand(r)


def saturation_basis(basis: list[sp.Expr], gens: list[sp.Symbol], h: sp.Expr) -> Any:
    """Gröbner basis (grevlex, over ℚ) of (basis) + (1 − T·h) in gens and a fresh T (the
    Rabinowitsch trick): its elements free of T generate the saturation (basis) : h^∞, and it
    is [1] exactly when h vanishes on every complex point of V(basis)."""
    T = sp.Dummy("T_sat")
    return sp.groebner(list(basis) + [1 - T * h], *gens, T, order="grevlex", domain="QQ")


def krull_dimension(lead_monomials: list[tuple[int, ...]], nvars: int) -> int:
    """Dimension of V(I) from the leading monomials of a Gröbner basis: the largest set of
    variables containing the support of no leading monomial."""
    supports = [frozenset(i for i, e in enumerate(m) if e) for m in lead_monomials]
    for size in range(nvars, -1, -1):
        for subset in itertools.combinations(range(nvars), size):
            ss = frozenset(subset)
            if not any(sup <= ss for sup in supports):
                return size
    return 0  # pragma: no cover


def independent_variables(basis: list[sp.Expr], gens: list[sp.Symbol], dimension: int
                          ) -> tuple[int, ...] | None:
    """A set of ``dimension`` variable indices containing the support of no grevlex leading
    monomial of the Gröbner basis ``basis`` (a maximal independent set of V(I), the variables a
    sample point may fix freely), or None when there is none."""
    lms = [sp.Poly(b, *gens).monoms(order=grevlex)[0] for b in basis]
    supports = [frozenset(i for i, e in enumerate(m) if e) for m in lms]
    for subset in itertools.combinations(range(len(gens)), dimension):
        if not any(sup <= frozenset(subset) for sup in supports):
            return subset
    return None


def _sos_roots(h: sp.Poly) -> list[sp.Expr] | None:
    """Real-radical rule: polynomials whose real zero set is cut out by simpler ones.

    * all exponents even and all coefficients of one sign: h = 0 ⇔ every monomial^(1/2) = 0
      (a nonzero constant term makes the real zero set empty: returns [1]);
    * homogeneous quadratic form with semidefinite Gram matrix S: h = 0 ⇔ S x = 0.
    """
    terms = h.terms()
    coeffs = [c for _, c in terms]
    if len(terms) >= 1 and h.total_degree() > 0:
        if (all(all(e % 2 == 0 for e in m) for m, _ in terms)
                and (all(c > 0 for c in coeffs) or all(c < 0 for c in coeffs))):
            gens = h.gens
            out = []
            for m, _ in terms:
                out.append(sp.Mul(*[g ** (e // 2) for g, e in zip(gens, m, strict=True)]))
            return out
    if h.is_homogeneous and h.total_degree() == 2 and len(terms) > 1:
        gens = list(h.gens)
        n = len(gens)
        Sm = sp.zeros(n, n)
        for m, c in terms:
            idx = [i for i, e in enumerate(m) for _ in range(e)]
            i, j = idx
            if i == j:
                Sm[i, i] += c
            else:
                Sm[i, j] += sp.Rational(c, 2)
                Sm[j, i] += sp.Rational(c, 2)
        for sgn in (1, -1):
            T = sgn * Sm
            minors_ok = True
            # semidefinite iff every principal minor >= 0 (n is small)
            for k in range(1, n + 1):
                for sub in itertools.combinations(range(n), k):
                    if T.extract(list(sub), list(sub)).det() < 0:
                        minors_ok = False
                        break
                if not minors_ok:
                    break
            if minors_ok:
                v = sp.Matrix(gens)
                rows = [sp.expand(e) for e in (T * v) if sp.expand(e) != 0]
                return rows
    return None


def _find_split(basis: list[sp.Expr], gens: list[sp.Symbol]) -> list[list[sp.Expr]] | None:
    """Branches V(I) = ∪ V(I + branch) from a factorization of some basis element, or None."""
    for g in sorted(basis, key=lambda e: sp.Poly(e, *gens).total_degree()):
        poly = sp.Poly(g, *gens, domain="QQ")
        _, facs = poly.factor_list()
        if len(facs) == 1 and facs[0][1] == 1:
            roots = _sos_roots(facs[0][0])
            if roots is not None:
                return [roots]
            continue
        branches = []
        for h, _mult in facs:
            roots = _sos_roots(h)
            branches.append(roots if roots is not None else [h.as_expr()])
        return branches
    return None


@dataclass
class ChartSolution:
    """Real solutions of one chart: points (zero-dimensional pieces) and positive-dim pieces."""

    points: list[AlgebraicPoint] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    branches: int = 0
    groebner_calls: int = 0


def _shape_points(basis: list[sp.Expr], gens: list[sp.Symbol], budget: Budget,
                  rng: random.Random, sol: ChartSolution) -> list[AlgebraicPoint]:
    """Real points of a zero-dimensional ideal (shape lemma after a random linear form)."""
    if not gens:
        return [AlgebraicPoint(RealField.rational(0), [])]
    T = sp.Symbol("T_")
    last_error = ""
    for attempt in range(6):
        budget.check("zero-dimensional solve")
        coeffs = [1] + [rng.randint(-3 - attempt, 3 + attempt) or 1 for _ in gens[1:]]
        if attempt == 0:
            coeffs = [1] * len(gens) if len(gens) > 1 else [1]
            coeffs = [k + 1 for k in range(len(gens))]
        ell = sum(c * x for c, x in zip(coeffs, gens, strict=True))
        with budget.alarm():
            G = sp.groebner(list(basis) + [T - ell], *gens, T, order="grevlex", domain="QQ")
            sol.groebner_calls += 1
            if list(G.exprs) == [1]:
                return []
            L = list(G.fglm("lex").exprs)
        q = [p for p in L if sp.Poly(p, *gens, T).degree_list()[:-1] == (0,) * len(gens)]
        if len(q) != 1:
            last_error = "no univariate eliminant"
            continue
        qT = sp.Poly(q[0], T, domain="QQ")
        if qT.degree() > budget.max_degree:
            raise BudgetExceeded(f"eliminant degree {qT.degree()} exceeds the degree budget "
                                 f"{budget.max_degree}")
        sqf = qT.sqf_part()
        if sqf.degree() != qT.degree():
            with budget.alarm():
                G = sp.groebner(list(G.exprs) + [sqf.as_expr()], *gens, T, order="grevlex",
                                domain="QQ")
                sol.groebner_calls += 1
                L = list(G.fglm("lex").exprs)
            qT = sqf
        # shape position: one x_i − g_i(T) per variable
        g: dict[sp.Symbol, sp.Expr] = {}
        ok = True
        for p in L:
            P = sp.Poly(p, *gens, T)
            degs = P.degree_list()
            if degs[:-1] == (0,) * len(gens):
                continue
            lin = [i for i, d in enumerate(degs[:-1]) if d > 0]
            if len(lin) != 1 or degs[lin[0]] != 1:
                ok = False
                break
            x = gens[lin[0]]
            c = sp.Poly(p, x).coeff_monomial(x)
            if c.free_symbols:
                ok = False
                break
            g[x] = sp.expand(-(p - c * x) / c)
        if not ok or len(g) != len(gens):
            last_error = "not in shape position"
            continue
        pts = []
        for fac, _ in qT.factor_list()[1]:
            qS = sp.Poly(fac.as_expr().subs(T, S), S, domain="QQ")
            for F in RealField.real_roots_of(qS):
                coords = [F.elem(g[x].subs(T, S)) for x in gens]
                pts.append(AlgebraicPoint(F, coords))
        return pts
    raise UnsupportedError(f"could not bring a zero-dimensional ideal into shape position "
                           f"({last_error})")


def solve_polynomial_system(equations: list[sp.Expr], gens: list[sp.Symbol], budget: Budget,
                            *, seed: int = 0) -> ChartSolution:
    """All real solutions of ``equations = 0`` (rational coefficients): points exactly, plus the
    positive-dimensional pieces (reduced Gröbner bases) that could not be split further."""
    sol = ChartSolution()
    rng = random.Random(seed)
    eqs = [sp.expand(e) for e in equations if sp.expand(e) != 0]
    if not gens:
        if eqs:
            return sol
        sol.points.append(AlgebraicPoint(RealField.rational(0), []))
        return sol
    if not _is_rational_poly(eqs, gens):
        raise UnsupportedError("the stationarity equations have non-rational coefficients; "
                               "the exact engine needs rational data")
    if not eqs:
        sol.pieces.append(Piece([], gens, len(gens)))
        return sol
    try:
        _decompose(eqs, gens, budget, rng, sol)
    except BudgetExceeded as exc:
        exc.partial = sol  # type: ignore[attr-defined]
        raise
    return _finish(sol)


def _decompose(eqs: list[sp.Expr], gens: list[sp.Symbol], budget: Budget, rng: random.Random,
               sol: ChartSolution) -> None:
    stack: list[list[sp.Expr]] = [eqs]
    seen: set[tuple[str, ...]] = set()
    while stack:
        budget.check("decomposition")
        F = stack.pop()
        with budget.alarm():
            G = sp.groebner(F, *gens, order="grevlex", domain="QQ")
        sol.groebner_calls += 1
        basis = list(G.exprs)
        if basis == [1]:
            continue
        key = tuple(sorted(str(b) for b in basis))
        if key in seen:
            continue
        seen.add(key)
        sol.branches += 1
        split = _find_split(basis, gens)
        if G.is_zero_dimensional and split is None:
            sol.points.extend(_shape_points(basis, gens, budget, rng, sol))
            continue
        if split is not None:
            for extra in split:
                stack.append(basis + list(extra))
            continue
        if G.is_zero_dimensional:  # pragma: no cover - handled above
            continue
        lms = [sp.Poly(b, *gens).monoms(order=grevlex)[0] for b in basis]
        sol.pieces.append(Piece(basis, gens, krull_dimension(lms, len(gens))))


def _finish(sol: ChartSolution) -> ChartSolution:
    # remove duplicate points (pieces can overlap)
    uniq: list[AlgebraicPoint] = []
    for p in sol.points:
        if not any(equal_vectors(p.field, p.coords, u.field, u.coords) for u in uniq):
            uniq.append(p)
    sol.points = uniq
    # drop positive-dimensional pieces contained in others, and points on pieces
    keep: list[Piece] = []
    for i, pc in enumerate(sol.pieces):
        contained = False
        for j, other in enumerate(sol.pieces):
            if i == j or other.dimension < pc.dimension:
                continue
            if all(pc.reduce(b) == 0 for b in other.basis) and (
                    other.dimension > pc.dimension or j < i):
                contained = True
                break
        if not contained:
            keep.append(pc)
    sol.pieces = keep

    def on_piece(p: AlgebraicPoint, pc: Piece) -> bool:
        sub = {g: c.as_expr() for g, c in zip(pc.gens, p.coords, strict=True)}
        return all(p.field.elem(sp.expand(b.xreplace(sub))).is_zero for b in pc.basis)

    sol.points = [p for p in sol.points if not any(on_piece(p, pc) for pc in sol.pieces)]
    return sol


# ---------------------------------------------------------------------------------------------
# charts (gauges) of a problem
# ---------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart: original flat variables expressed (linearly) in chart variables, plus extra
    equations. ``name`` and ``reason`` say why the charts together cover every orbit."""

    name: str
    substitution: dict[sp.Symbol, sp.Expr]
    variables: list[sp.Symbol]
    extra: list[sp.Expr] = field(default_factory=list)


def solve_chart(gradient: list[sp.Expr], chart: Chart, budget: Budget, *, seed: int = 0
                ) -> ChartSolution:
    """Solve ∇f = 0 restricted to a chart (all partial derivatives, composed with the chart)."""
    eqs = [sp.expand(g.xreplace(chart.substitution)) for g in gradient] + list(chart.extra)
    return solve_polynomial_system(eqs, chart.variables, budget, seed=seed)


def chart_point_to_original(point: AlgebraicPoint, chart: Chart, gens: list[sp.Symbol]
                            ) -> AlgebraicPoint:
    """Map a chart point back to the original flat coordinates (polynomials in S mod q)."""
    F = point.field
    sub = {v: c.as_expr() for v, c in zip(chart.variables, point.coords, strict=True)}
    coords = [F.elem(sp.expand(chart.substitution.get(x, x).xreplace(sub))) for x in gens]
    return AlgebraicPoint(F, coords)


def cayley_rotation(n: int, seed: int) -> sp.Matrix:
    """A rational orthogonal matrix (I − K)(I + K)⁻¹ for a random rational skew K."""
    rng = random.Random(seed)
    K = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            v = sp.Rational(rng.choice([-2, -1, 1, 2]), rng.choice([1, 2, 3]))
            K[i, j] = v
            K[j, i] = -v
    eye = sp.eye(n)
    return (eye - K) * (eye + K).inv()
