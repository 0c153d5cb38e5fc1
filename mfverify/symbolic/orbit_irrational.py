"""The orbit construction of symmetric MF when M has irrational (simple) positive eigenvalues.

Same theorem as :mod:`mfverify.symbolic.orbit_construction` (Li et al. 2019, IEEE TIT; result
(S1) and the Hessian table of docs/paper-li2019.md): with distinct positive eigenvalues every
stationary point of c·‖XXᵀ − M‖² is X = [V_S·diag(√λ_S), 0]·Q. Here the λ_i are roots of the
irreducible factors p_j of the characteristic polynomial of M, so the representatives live in
number fields; they are found exactly, without solving ∇f = 0:

* for each factor p_j, v_j(t) is a column of adj(M − tI) that is nonzero modulo p_j, so v_j(λ)
  is an eigenvector for every root λ of p_j (adj(M − λI) has rank one at a simple eigenvalue)
  and N_j(t) = ‖v_j(t)‖²;
* for each choice κ_j of how many positive roots to take from each factor (Σ κ_j <= r), the
  real solutions of the small system p_j(t_m) = 0, y_m²·N_j(t_m) = t_m, z·(t_m − t_m') = 1 (two
  roots of one factor are distinct) with t_m > 0, y_m > 0 and the roots of each factor taken in
  decreasing order are exactly the sets S of that kind; the column of λ = t_m is
  y_m·v_j(t_m) = √λ·v/‖v‖ (one zero-dimensional system of a few unknowns per κ, solved by
  :func:`~mfverify.symbolic.stationary.solve_polynomial_system` over ℚ(θ));
* the inertia is read off the exact order of the eigenvalues (isolating intervals of the
  square-free characteristic polynomial, Sturm counts): 2λ_i, λ_i + λ_j > 0; λ_i − λ_a has the
  sign of the order; −λ_a the opposite sign of λ_a.

A repeated irrational eigenvalue, a repeated positive one next to irrational ones, or root
systems whose degree bound Π_j perm(deg p_j, κ_j)·2^κ_j exceeds :data:`DEGREE_LIMIT` (the
number fields would not be cheap) are not handled here (UnsupportedError: the charts are used).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import UnsupportedError
from .algebraic import RealField
from .stationary import AlgebraicPoint, Budget, solve_polynomial_system

__all__ = ["Eigen", "spectrum_order", "irrational_orbits", "spectrum_inertia", "value_in_field"]

T = sp.Symbol("t_")

#: Largest degree bound Π_j perm(deg p_j, κ_j)·2^κ_j of the root systems (the number fields of
#: the representatives) handled here; beyond it the charts are used.
DEGREE_LIMIT = 16


@dataclass(frozen=True)
class Eigen:
    """One eigenvalue of M: its factor, its rank in the increasing order of the distinct
    eigenvalues, its sign, an isolating interval and an exact expression."""

    factor: int
    order: int
    sign: int
    lo: sp.Rational
    hi: sp.Rational
    expr: sp.Expr


def spectrum_order(M: sp.Matrix) -> tuple[list[sp.Poly], list[Eigen]]:
    """The irreducible factors of det(tI − M) and every eigenvalue (with multiplicity) in
    increasing order, exactly; UnsupportedError for a repeated irrational eigenvalue."""
    cp = sp.Poly(M.charpoly(T).as_expr(), T, domain="QQ")
    _, facs = cp.factor_list()
    if any(p.degree() > 1 and mult > 1 for p, mult in facs):
        raise UnsupportedError("orbit construction: M has a repeated irrational eigenvalue")
    polys = [sp.Poly(p.monic(), T) for p, _ in facs]
    sqf = sp.Poly(sp.Mul(*[p.as_expr() for p in polys]), T)
    out: list[Eigen] = []
    for order, ((a, b), _m) in enumerate(sqf.intervals()):
        a, b = sp.Rational(a), sp.Rational(b)
        hits = [j for j, p in enumerate(polys)  # roots strictly inside (a, b), or = a = b
                if (p.eval(a) == 0 if a == b else
                    p.count_roots(a, b) - (p.eval(a) == 0) - (p.eval(b) == 0) == 1)]
        if len(hits) != 1:  # pragma: no cover - the factors are coprime
            raise UnsupportedError("orbit construction: could not separate the eigenvalues")
        j = hits[0]
        p = polys[j]
        if a == b:
            expr: sp.Expr = a
        else:
            idx = p.count_roots(None, a)  # real roots below this one (a is not a root)
            expr = sp.CRootOf(p.as_expr(), T, idx) if p.degree() > 2 else next(
                x for x in sp.roots(p, multiple=True) if a <= x <= b)
        if a == b:
            sign = int(bool(a > 0)) - int(bool(a < 0))
        elif a >= 0 or b <= 0:  # the root is strictly inside (a, b)
            sign = 1 if a >= 0 else -1
        else:  # a < 0 < b, and p(0) ≠ 0 (p irreducible of degree >= 2)
            sign = 1 if p.count_roots(0, b) >= 1 else -1
        mult = next(mu for q, mu in facs if sp.Poly(q.monic(), T) == p)
        out += [Eigen(j, order, sign, a, b, expr)] * mult
    return polys, out


def _elem_of_poly(F: RealField, p: sp.Poly, x: sp.Poly) -> sp.Poly:
    """p(x) in F (Horner)."""
    acc = F.elem(0)
    for c in p.all_coeffs():
        acc = (F.mul(acc, x) + F.elem(sp.Rational(c))).rem(F.q)
    return acc


def _which_root(F: RealField, t: sp.Poly, roots: list[Eigen]) -> Eigen:
    """The eigenvalue of one factor equal to t ∈ F (t is a root of that factor): the one whose
    isolating interval contains an enclosure of t."""
    width = Fraction(1, 2 ** 20)
    for _ in range(60):
        flo, fhi = F.enclosure(t, width)
        lo, hi = sp.Rational(flo.numerator, flo.denominator), sp.Rational(fhi.numerator,
                                                                           fhi.denominator)
        inside = [e for e in roots if e.lo <= lo and hi <= e.hi]
        if len(inside) == 1:
            return inside[0]
        width /= 2 ** 20
    raise UnsupportedError("orbit construction: could not identify a root")  # pragma: no cover


def _columns(M: sp.Matrix, polys: list[sp.Poly]) -> list[sp.Matrix]:
    """For each factor p_j a column of adj(M − tI) that is nonzero modulo p_j."""
    A = (M - T * sp.eye(M.rows)).adjugate()
    out = []
    for p in polys:
        for k in range(M.rows):
            col = [sp.Poly(A[i, k], T).rem(p) for i in range(M.rows)]
            if any(not e.is_zero for e in col):
                out.append(sp.Matrix([e.as_expr() for e in col]))
                break
        else:  # pragma: no cover - adj(M − λI) ≠ 0 at a simple eigenvalue
            raise UnsupportedError("orbit construction: no eigenvector column")
    return out


Found = list[tuple[AlgebraicPoint, list[int], list[sp.Poly]]]


def irrational_orbits(M: sp.Matrix, r: int, c: sp.Rational, budget: Budget
                      ) -> tuple[list[Eigen], Found]:
    """Every eigenvalue (in order) and, for every admissible S, a representative point over a
    number field with the indices of S into the eigenvalue list and the chosen eigenvalues as
    elements of that field (module docstring)."""
    polys, eig = spectrum_order(M)
    pos = [e for e in eig if e.sign > 0]
    if len({e.order for e in pos}) != len(pos):
        raise UnsupportedError("orbit construction: a repeated positive eigenvalue next to "
                               "irrational ones")
    n = M.rows
    by_factor = {j: [e for e in pos if e.factor == j] for j in range(len(polys))}
    found: Found = []
    ranges = [range(min(len(by_factor[j]), r) + 1) for j in range(len(polys))]
    kappas = [k for k in itertools.product(*ranges) if sum(k) <= r]
    for kappa in kappas:
        bound = 1
        for j, kj in enumerate(kappa):
            bound *= math.perm(polys[j].degree(), kj) * 2 ** kj
        if bound > DEGREE_LIMIT:
            raise UnsupportedError(f"orbit construction: the representatives need number "
                                   f"fields of degree up to {bound} > {DEGREE_LIMIT} (not cheap)")
    cols = _columns(M, polys)
    for kappa in kappas:
        budget.check("orbit construction (number fields)")
        ts, ys, eqs, owner = [], [], [], []
        for j, kj in enumerate(kappa):
            N = sp.expand(sum(e ** 2 for e in cols[j]))
            for m in range(kj):
                t, y = sp.Symbol(f"t_{j}_{m}"), sp.Symbol(f"y_{j}_{m}")
                eqs += [polys[j].as_expr().subs(T, t), sp.expand(y ** 2 * N.subs(T, t) - t)]
                ts.append(t)
                ys.append(y)
                owner.append(j)
        zs = []
        for a, b in itertools.combinations(range(len(ts)), 2):
            if owner[a] == owner[b]:
                z = sp.Symbol(f"z_{a}_{b}")
                eqs.append(sp.expand(z * (ts[a] - ts[b]) - 1))
                zs.append(z)
        gens = ts + ys + zs
        sol = solve_polynomial_system(eqs, gens, budget)
        if sol.pieces:  # pragma: no cover - the system is zero-dimensional
            raise UnsupportedError("orbit construction: positive-dimensional root system")
        for pt in sol.points:
            F = pt.field
            tv, yv = pt.coords[:len(ts)], pt.coords[len(ts):2 * len(ts)]
            if any(F.sign(x) <= 0 for x in tv + yv):
                continue
            if any(owner[a] == owner[a + 1] and F.sign((tv[a] - tv[a + 1]).rem(F.q)) <= 0
                   for a in range(len(ts) - 1)):
                continue
            S = []
            for a, tval in enumerate(tv):
                e = _which_root(F, tval, by_factor[owner[a]])
                S.append(next(i for i, x in enumerate(eig) if x == e))
            X = [[F.elem(0)] * r for _ in range(n)]
            for a in range(len(ts)):
                vpoly = [sp.Poly(cols[owner[a]][i], T) for i in range(n)]
                for i in range(n):
                    X[i][a] = F.mul(yv[a], _elem_of_poly(F, vpoly[i], tv[a])).rem(F.q)
            found.append((AlgebraicPoint(F, [e for row in X for e in row]), S, list(tv)))
    return eig, found


def spectrum_inertia(eig: list[Eigen], S: list[int], r: int) -> tuple[int, int, int]:
    """(n₊, n₀, n₋) of the Hessian on the orbit of S from the exact order of the eigenvalues
    (the items of the Hessian table; c > 0 does not change signs)."""
    k = len(S)
    rest = [a for a in range(len(eig)) if a not in S]
    pos = k + k * (k - 1) // 2
    zero = k * (k - 1) // 2 + k * (r - k)
    neg = 0
    for i in S:
        for a in rest:
            d = (eig[i].order > eig[a].order) - (eig[i].order < eig[a].order)
            pos, zero, neg = pos + (d > 0), zero + (d == 0), neg + (d < 0)
    for a in rest:
        s = -eig[a].sign
        pos += (r - k) * (s > 0)
        zero += (r - k) * (s == 0)
        neg += (r - k) * (s < 0)
    return pos, zero, neg


def value_in_field(F: RealField, c: sp.Rational, total: sp.Rational, tv: list[sp.Poly]
                   ) -> sp.Poly:
    """c(‖M‖² − Σ λ_i²) in F from the chosen eigenvalues as elements of F."""
    acc = F.elem(total)
    for t in tv:
        acc = (acc - F.mul(t, t)).rem(F.q)
    return F.mul(F.elem(c), acc).rem(F.q)
